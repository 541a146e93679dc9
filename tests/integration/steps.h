/*
 * steps.h: what the step-driven integration clients (hotplug-steps.c,
 * interleave-steps.c) share. The client keeps one C_Initialize of
 * $JPKI_MODULE for the whole scenario and asks its shell script for each
 * action on the rig (a reader plugged in, another program on the card)
 * through files in $STEP_DIR: step("NAME") creates STEP_DIR/NAME and waits
 * for STEP_DIR/NAME.done, which the script creates once the action is over.
 * Also: certificates and signatures checked with OpenSSL against the PEM
 * files of the virtual cards.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_STEPS_H
#define JPKI_STEPS_H

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "../api/api-common.h"

static void steps_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Asks the script for the action NAME and waits (up to 120 s) until it is done. */
static bool step(const char *name)
{
    const char *dir = getenv("STEP_DIR");
    char path[4096];
    if (dir == NULL)
        return ok(0, "STEP_DIR is set");
    touch_step_file("STEP_DIR", name);
    snprintf(path, sizeof(path), "%s/%s.done", dir, name);
    for (int i = 0; i < 1200 && access(path, F_OK) != 0; i++)
        steps_sleep_ms(100);
    return ok(access(path, F_OK) == 0, "the script did '%s'", name);
}

/* The module from $JPKI_MODULE, initialised with OS locking. */
static bool steps_init(void)
{
    if (!load_module())
        return false;
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (!ok(get != NULL && get(&f) == CKR_OK, "C_GetFunctionList"))
        return false;
    CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
    return is_ulong(f->C_Initialize(&args), CKR_OK, "C_Initialize");
}

/* The DER of a PEM certificate file; NULL if unreadable. */
static uint8_t *pem_der(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "r");
    X509 *x = fp != NULL ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int n = x != NULL ? i2d_X509(x, &der) : -1;
    if (fp != NULL)
        fclose(fp);
    X509_free(x);
    if (n <= 0)
        return NULL;
    *len = (size_t)n;
    return der;
}

static EVP_PKEY *pem_pubkey(const char *path)
{
    FILE *fp = fopen(path, "r");
    X509 *x = fp != NULL ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = x != NULL ? X509_get_pubkey(x) : NULL;
    if (fp != NULL)
        fclose(fp);
    X509_free(x);
    return k;
}

/* The one object of a class (and CKA_ID, unless id is 0) in the session. */
static CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE h, CK_OBJECT_CLASS klass, CK_BYTE id)
{
    CK_ATTRIBUTE t[2] = { { CKA_CLASS, &klass, sizeof(klass) }, { CKA_ID, &id, 1 } };
    CK_OBJECT_HANDLE o[4];
    CK_ULONG n = 0;
    if (f->C_FindObjectsInit(h, t, id != 0 ? 2 : 1) != CKR_OK)
        return CK_INVALID_HANDLE;
    if (f->C_FindObjects(h, o, 4, &n) != CKR_OK)
        n = 0;
    f->C_FindObjectsFinal(h);
    return n == 1 ? o[0] : CK_INVALID_HANDLE;
}

/* Whether the certificate with CKA_ID id reads back byte for byte as the
 * PEM file holds it. */
static bool cert_is(CK_SESSION_HANDLE h, CK_BYTE id, const char *pem)
{
    size_t want_len = 0;
    uint8_t *want = pem_der(pem, &want_len);
    CK_OBJECT_HANDLE o = find_one(h, CKO_CERTIFICATE, id);
    CK_BYTE buf[4096];
    CK_ATTRIBUTE a = { CKA_VALUE, buf, sizeof(buf) };
    bool same = want != NULL && o != CK_INVALID_HANDLE &&
                f->C_GetAttributeValue(h, o, &a, 1) == CKR_OK && a.ulValueLen == want_len &&
                memcmp(buf, want, want_len) == 0;
    OPENSSL_free(want);
    return same;
}

/* CKM_SHA256_RSA_PKCS over data with the private key of CKA_ID id; a
 * context PIN (sign key) is given after C_SignInit when not NULL. */
static CK_RV sign_with(CK_SESSION_HANDLE h, CK_BYTE id, const char *context_pin,
                       const CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *sig_len)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY, id);
    if (key == CK_INVALID_HANDLE)
        return CKR_KEY_HANDLE_INVALID;
    CK_RV rv = f->C_SignInit(h, &mech, key);
    if (rv == CKR_OK && context_pin != NULL)
        rv = f->C_Login(h, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)context_pin,
                        (CK_ULONG)strlen(context_pin));
    if (rv == CKR_OK)
        rv = f->C_Sign(h, (CK_BYTE_PTR)data, len, sig, sig_len);
    return rv;
}

/* Whether sig is a SHA-256 RSA PKCS#1 v1.5 signature of data by the key
 * of the certificate in the PEM file. */
static bool signature_of(const char *pem, const CK_BYTE *data, size_t len, const CK_BYTE *sig,
                         size_t sig_len)
{
    EVP_PKEY *k = pem_pubkey(pem);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool good = k != NULL && md != NULL &&
                EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
                EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return good;
}

#endif
