/*
 * test-api-card.c: the API paths that need a token, run by test-api.sh
 * under the test rig (virtual card: auth PIN 1234, sign PIN ABC123):
 * slots, sessions, objects, PIN format errors that never reach the card,
 * signing, PIN retention against another program that resets the card or
 * changes the PIN, the sign certificate's read on first use; with JPKI_API_PHASE=removal, card removal and insertion
 * (test-api.sh moves the card on cue).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <winscard.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include "api-common.h"

/* ---- with the virtual card ---- */

static CK_SLOT_ID auth_slot, sign_slot;

static CK_ULONG find_all(CK_SESSION_HANDLE h, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                         CK_OBJECT_HANDLE *out, CK_ULONG max)
{
    CK_ULONG got = 0;
    if (f->C_FindObjectsInit(h, tmpl, n) != CKR_OK)
        return (CK_ULONG)-1;
    if (f->C_FindObjects(h, out, max, &got) != CKR_OK)
        got = (CK_ULONG)-1;
    f->C_FindObjectsFinal(h);
    return got;
}

static CK_OBJECT_HANDLE find_class(CK_SESSION_HANDLE h, CK_OBJECT_CLASS klass)
{
    CK_ATTRIBUTE t = { CKA_CLASS, &klass, sizeof(klass) };
    CK_OBJECT_HANDLE o[4];
    return find_all(h, &t, 1, o, 4) == 1 ? o[0] : CK_INVALID_HANDLE;
}

static CK_FLAGS token_flags(CK_SLOT_ID slot)
{
    CK_TOKEN_INFO ti;
    return f->C_GetTokenInfo(slot, &ti) == CKR_OK ? ti.flags : (CK_FLAGS)-1;
}

/* The public key of the card's certificate RIG_CARD_DIR/pem; NULL if none. */
static EVP_PKEY *card_key(const char *pem)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", getenv("RIG_CARD_DIR"), pem);
    FILE *fp = fopen(path, "r");
    X509 *x = fp != NULL ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    if (fp != NULL)
        fclose(fp);
    EVP_PKEY *k = x != NULL ? X509_get_pubkey(x) : NULL;
    X509_free(x);
    return k;
}

/* Whether sig is a SHA-256 RSA PKCS#1 v1.5 signature of data by the key of
 * the card's certificate RIG_CARD_DIR/pem. */
static bool sig_verifies(const char *pem, const CK_BYTE *data, size_t len, const CK_BYTE *sig,
                         size_t sig_len)
{
    EVP_PKEY *k = card_key(pem);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool good = k != NULL && md != NULL &&
                EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
                EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return good;
}

static void card_slots(void)
{
    CK_SLOT_ID slots[4];
    CK_ULONG n = 0;
    is_ulong(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK, "C_GetSlotList count");
    is_ulong(n, 2, "two slots with a token");
    n = 1;
    is_ulong(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_BUFFER_TOO_SMALL, "slot list short buffer");
    is_ulong(n, 2, "slot list needed length");
    n = 4;
    is_ulong(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList");
    auth_slot = slots[0];
    sign_slot = slots[1];
    CK_SLOT_INFO si;
    is_ulong(f->C_GetSlotInfo(auth_slot, &si), CKR_OK, "C_GetSlotInfo");
    ok((si.flags & (CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT)) ==
       (CKF_TOKEN_PRESENT | CKF_REMOVABLE_DEVICE | CKF_HW_SLOT), "slot flags");
    ok(memmem(si.slotDescription, 64, "(User Authentication, My Number Card)", 37) != NULL,
       "slot description: the role and what answers");
    ok(blank_padded(si.manufacturerID, 32, "JPKI"), "slot manufacturer");

    CK_TOKEN_INFO ti;
    is_ulong(f->C_GetTokenInfo(auth_slot, &ti), CKR_OK, "C_GetTokenInfo auth");
    ok(blank_padded(ti.label, 32, "JPKI (User Authentication PIN)"), "auth label");
    ok(blank_padded(ti.manufacturerID, 32, "JPKI"), "token manufacturer");
    ok(blank_padded(ti.model, 16, "My Number Card"), "model: what EF 0006 names, in words");
    ok(ti.serialNumber[0] != ' ', "serial number set");
    is_ulong(ti.flags, CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED |
             CKF_WRITE_PROTECTED, "auth token flags");
    ok(ti.ulMinPinLen == 4 && ti.ulMaxPinLen == 4, "auth PIN length 4..4");
    is_ulong(f->C_GetTokenInfo(sign_slot, &ti), CKR_OK, "C_GetTokenInfo sign");
    ok(blank_padded(ti.label, 32, "JPKI (Digital Signature PIN)"), "sign label");
    ok(ti.ulMinPinLen == 6 && ti.ulMaxPinLen == 16, "sign PIN length 6..16");

    CK_MECHANISM_TYPE mechs[16];
    n = 0;
    is_ulong(f->C_GetMechanismList(auth_slot, NULL, &n), CKR_OK, "C_GetMechanismList count");
    ok(n >= 2 && n <= 16, "mechanisms: %lu", n);
    CK_ULONG need = n;
    n = 1;
    is_ulong(f->C_GetMechanismList(auth_slot, mechs, &n), CKR_BUFFER_TOO_SMALL,
             "mechanism list short buffer");
    is_ulong(n, need, "mechanism list needed length");
    CK_MECHANISM_INFO mi;
    is_ulong(f->C_GetMechanismInfo(auth_slot, CKM_SHA256_RSA_PKCS, &mi), CKR_OK,
             "C_GetMechanismInfo SHA256");
    is_ulong(f->C_GetMechanismInfo(auth_slot, CKM_RSA_X_509, &mi), CKR_MECHANISM_INVALID,
             "no raw RSA");
}

static void card_sessions(CK_SESSION_HANDLE *out)
{
    CK_SESSION_HANDLE h = 0, h2 = 0;
    is_ulong(f->C_OpenSession(auth_slot, 0, NULL, NULL, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED,
             "C_OpenSession without CKF_SERIAL_SESSION");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h),
             CKR_OK, "read-write session (OpenSSH needs one)");
    CK_SESSION_INFO rsi;
    is_ulong(f->C_GetSessionInfo(h, &rsi), CKR_OK, "C_GetSessionInfo RW");
    is_ulong(rsi.state, CKS_RW_PUBLIC_SESSION, "RW public");
    CK_TOKEN_INFO rti;
    f->C_GetTokenInfo(auth_slot, &rti);
    is_ulong(rti.ulRwSessionCount, 1, "RW session count");
    CK_ATTRIBUTE ra = { CKA_CLASS, NULL, 0 };
    CK_OBJECT_HANDLE rh;
    is_ulong(f->C_CreateObject(h, &ra, 1, &rh), CKR_TOKEN_WRITE_PROTECTED,
             "C_CreateObject in a RW session");
    is_ulong(f->C_SetPIN(h, (CK_UTF8CHAR_PTR) "1234", 4, (CK_UTF8CHAR_PTR) "5678", 4),
             CKR_USER_NOT_LOGGED_IN, "C_SetPIN in a RW session before login");
    is_ulong(f->C_CloseSession(h), CKR_OK, "close RW session");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK,
             "C_OpenSession");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h2), CKR_OK,
             "second session");
    ok(h2 != h, "distinct handles");
    is_ulong(f->C_CloseSession(h2), CKR_OK, "C_CloseSession");
    is_ulong(f->C_CloseSession(h2), CKR_SESSION_HANDLE_INVALID, "closed handle is invalid");
    CK_SESSION_INFO si;
    is_ulong(f->C_GetSessionInfo(h, &si), CKR_OK, "C_GetSessionInfo");
    is_ulong(si.state, CKS_RO_PUBLIC_SESSION, "RO public");
    is_ulong(si.slotID, auth_slot, "session slot");
    CK_TOKEN_INFO ti;
    f->C_GetTokenInfo(auth_slot, &ti);
    is_ulong(ti.ulSessionCount, 1, "session count");
    *out = h;
}

static void card_objects(CK_SESSION_HANDLE h)
{
    CK_OBJECT_HANDLE o[16];
    CK_ULONG n = 0;
    is_ulong(f->C_FindObjects(h, o, 16, &n), CKR_OPERATION_NOT_INITIALIZED,
             "C_FindObjects without init");
    is_ulong(f->C_FindObjectsFinal(h), CKR_OPERATION_NOT_INITIALIZED,
             "C_FindObjectsFinal without init");
    is_ulong(f->C_FindObjectsInit(h, NULL, 0), CKR_OK, "C_FindObjectsInit");
    is_ulong(f->C_FindObjectsInit(h, NULL, 0), CKR_OPERATION_ACTIVE, "C_FindObjectsInit twice");
    is_ulong(f->C_FindObjects(h, o, 16, &n), CKR_OK, "C_FindObjects");
    ok(n >= 4 && n <= 16, "public objects on the auth token: %lu", n);
    is_ulong(f->C_FindObjectsFinal(h), CKR_OK, "C_FindObjectsFinal");
    ok(find_class(h, CKO_PRIVATE_KEY) == CK_INVALID_HANDLE, "no private key before login");
    CK_OBJECT_HANDLE cert = find_class(h, CKO_PUBLIC_KEY);
    CK_ATTRIBUTE a = { CKA_CLASS, NULL, 0 };
    is_ulong(f->C_GetAttributeValue(h, BAD_OBJECT, &a, 1), CKR_OBJECT_HANDLE_INVALID,
             "C_GetAttributeValue bad object");
    is_ulong(f->C_GetAttributeValue(h, 0, &a, 1), CKR_OBJECT_HANDLE_INVALID,
             "C_GetAttributeValue handle 0");
    is_ulong(f->C_GetAttributeValue(h, cert, &a, 1), CKR_OK, "C_GetAttributeValue length");
    is_ulong(a.ulValueLen, sizeof(CK_OBJECT_CLASS), "class length");
    is_ulong(f->C_DestroyObject(h, cert), CKR_ACTION_PROHIBITED, "C_DestroyObject");
    is_ulong(f->C_DestroyObject(h, BAD_OBJECT), CKR_OBJECT_HANDLE_INVALID,
             "C_DestroyObject bad object");
    is_ulong(f->C_SetAttributeValue(h, cert, &a, 1), CKR_ACTION_PROHIBITED, "C_SetAttributeValue");
    CK_OBJECT_HANDLE nh;
    is_ulong(f->C_CreateObject(h, &a, 1, &nh), CKR_TOKEN_WRITE_PROTECTED, "C_CreateObject");
    is_ulong(f->C_GetObjectSize(h, BAD_OBJECT, &n), CKR_OBJECT_HANDLE_INVALID,
             "C_GetObjectSize bad object");
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[4] = "abc";
    CK_ULONG sl = 0;
    is_ulong(f->C_Sign(h, data, 3, NULL, &sl), CKR_OPERATION_NOT_INITIALIZED,
             "C_Sign without C_SignInit");
    is_ulong(f->C_SignFinal(h, NULL, &sl), CKR_OPERATION_NOT_INITIALIZED,
             "C_SignFinal without C_SignInit");
    is_ulong(f->C_SignUpdate(h, data, 3), CKR_OPERATION_NOT_INITIALIZED,
             "C_SignUpdate without C_SignInit");
    is_ulong(f->C_SignInit(h, &mech, cert), CKR_KEY_HANDLE_INVALID, "C_SignInit on a public key");
    is_ulong(f->C_SignInit(h, &mech, BAD_OBJECT), CKR_KEY_HANDLE_INVALID,
             "C_SignInit bad key");
}

/* Malformed PINs never reach the card: the counter a fresh module reads
 * from the card afterwards is still full. */
static void card_pin_formats(CK_SESSION_HANDLE h, CK_SESSION_HANDLE hs)
{
    static const struct { const char *pin; CK_RV rv; int sign; } cases[] = {
        { "123", CKR_PIN_LEN_RANGE, 0 },   { "12345", CKR_PIN_LEN_RANGE, 0 },
        { "12a4", CKR_PIN_INVALID, 0 },    { "", CKR_PIN_LEN_RANGE, 0 },
        { "ABC12", CKR_PIN_LEN_RANGE, 1 }, { "ABC-123", CKR_PIN_INVALID, 1 },
        { "ABCDEFGHIJ1234567", CKR_PIN_LEN_RANGE, 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *pin = cases[i].pin;
        is_ulong(f->C_Login(cases[i].sign ? hs : h, CKU_USER, (CK_UTF8CHAR_PTR)pin,
                            (CK_ULONG)strlen(pin)), cases[i].rv, "C_Login malformed PIN '%s'", pin);
    }
    is_ulong(f->C_Login(h, CKU_SO, (CK_UTF8CHAR_PTR) "1234", 4), CKR_USER_TYPE_INVALID,
             "C_Login CKU_SO");
    is_ulong(f->C_Login(h, 77, (CK_UTF8CHAR_PTR) "1234", 4), CKR_USER_TYPE_INVALID,
             "C_Login user type 77");
    is_ulong(f->C_Login(h, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "1234", 4),
             CKR_OPERATION_NOT_INITIALIZED, "C_Login CKU_CONTEXT_SPECIFIC without operation");
    is_ulong(f->C_Logout(h), CKR_USER_NOT_LOGGED_IN, "C_Logout not logged in");
    is_ulong(f->C_SetPIN(h, (CK_UTF8CHAR_PTR) "1234", 4, (CK_UTF8CHAR_PTR) "5678", 4),
             CKR_SESSION_READ_ONLY, "C_SetPIN in a read-only session");
}

static void card_auth_sign(CK_SESSION_HANDLE h)
{
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login auth");
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_USER_ALREADY_LOGGED_IN,
             "C_Login twice");
    CK_SESSION_INFO si;
    f->C_GetSessionInfo(h, &si);
    is_ulong(si.state, CKS_RO_USER_FUNCTIONS, "RO user functions");
    CK_OBJECT_HANDLE key = find_class(h, CKO_PRIVATE_KEY);
    ok(key != CK_INVALID_HANDLE, "private key visible after login");
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_MECHANISM raw = { CKM_RSA_X_509, NULL, 0 };
    CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 0 };
    is_ulong(f->C_SignInit(h, &raw, key), CKR_MECHANISM_INVALID, "C_SignInit raw RSA");
    is_ulong(f->C_SignInit(h, &mech, key), CKR_OK, "C_SignInit");
    is_ulong(f->C_SignInit(h, &mech, key), CKR_OPERATION_ACTIVE, "C_SignInit twice");
    is_ulong(f->C_FindObjectsInit(h, NULL, 0), CKR_OPERATION_ACTIVE, "find during sign");
    CK_BYTE data[3] = { 'a', 'b', 'c' }, sig[300];
    CK_ULONG sl = 0;
    is_ulong(f->C_Sign(h, data, 3, NULL, &sl), CKR_OK, "C_Sign length query");
    is_ulong(sl, 256, "signature length");
    sl = 10;
    is_ulong(f->C_Sign(h, data, 3, sig, &sl), CKR_BUFFER_TOO_SMALL, "C_Sign short buffer");
    is_ulong(sl, 256, "needed length");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(h, data, 3, sig, &sl), CKR_OK, "C_Sign");
    is_ulong(sl, 256, "signature length");
    is_ulong(f->C_Sign(h, data, 3, sig, &sl), CKR_OPERATION_NOT_INITIALIZED, "operation over");
    is_ulong(f->C_SignInit(h, &mech, key), CKR_OK, "C_SignInit multi-part");
    is_ulong(f->C_SignUpdate(h, data, 1), CKR_OK, "C_SignUpdate");
    is_ulong(f->C_SignUpdate(h, data + 1, 2), CKR_OK, "C_SignUpdate");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(h, data, 3, sig, &sl), CKR_OPERATION_ACTIVE,
             "C_Sign cannot finish a multi-part operation");
    sl = 0;
    is_ulong(f->C_SignFinal(h, NULL, &sl), CKR_OK, "C_SignFinal length");
    sl = sizeof(sig);
    is_ulong(f->C_SignFinal(h, sig, &sl), CKR_OK, "C_SignFinal");
    CK_BYTE big[246];
    memset(big, 1, sizeof(big));
    is_ulong(f->C_SignInit(h, &pkcs, key), CKR_OK, "C_SignInit CKM_RSA_PKCS");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(h, big, sizeof(big), sig, &sl), CKR_DATA_LEN_RANGE, "246 bytes: too long");
    is_ulong(f->C_Logout(h), CKR_OK, "C_Logout");
    is_ulong(f->C_SignInit(h, &mech, key), CKR_USER_NOT_LOGGED_IN, "C_SignInit after logout");
    CK_ATTRIBUTE a = { CKA_CLASS, NULL, 0 };
    is_ulong(f->C_GetAttributeValue(h, key, &a, 1), CKR_OBJECT_HANDLE_INVALID,
             "private key invisible after logout");
}

/* Whether sig is an RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) signature
 * of the 32-byte hash by the key of RIG_CARD_DIR/pem. */
static bool pss_verifies(const char *pem, const CK_BYTE *hash, const CK_BYTE *sig, size_t sig_len)
{
    EVP_PKEY *k = card_key(pem);
    EVP_PKEY_CTX *c = k != NULL ? EVP_PKEY_CTX_new(k, NULL) : NULL;
    bool good = c != NULL && EVP_PKEY_verify_init(c) == 1 &&
                EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) == 1 &&
                EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1 &&
                EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
                EVP_PKEY_CTX_set_rsa_pss_saltlen(c, 32) == 1 &&
                EVP_PKEY_verify(c, sig, sig_len, hash, 32) == 1;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(k);
    return good;
}

/* RSA-PSS through the card's mode (issue 16): card_auth_sign's login taught
 * the module that this card signs it; single- and multi-part. */
static void card_pss(CK_SESSION_HANDLE h)
{
    CK_MECHANISM_TYPE list[16];
    CK_ULONG n = 16, k;
    is_ulong(f->C_GetMechanismList(auth_slot, list, &n), CKR_OK, "mechanism list after login");
    for (k = 0; k < n && list[k] != CKM_SHA256_RSA_PKCS_PSS; k++)
        ;
    ok(k < n, "the card proved PSS at the first login: CKM_SHA256_RSA_PKCS_PSS listed");
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login (PSS)");
    CK_OBJECT_HANDLE key = find_class(h, CKO_PRIVATE_KEY);
    CK_RSA_PKCS_PSS_PARAMS params = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
    CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params };
    CK_MECHANISM bare = { CKM_RSA_PKCS_PSS, &params, sizeof params };
    CK_MECHANISM no_params = { CKM_SHA256_RSA_PKCS_PSS, NULL, 0 };
    CK_BYTE data[5] = { 'p', 's', 's', '!', '?' }, hash[32], sig[300];
    CK_ULONG sl = sizeof(sig);
    SHA256(data, sizeof data, hash);
    is_ulong(f->C_SignInit(h, &no_params, key), CKR_MECHANISM_PARAM_INVALID,
             "PSS without parameters");
    is_ulong(f->C_SignInit(h, &pss, key), CKR_OK, "C_SignInit SHA256-RSA-PKCS-PSS");
    is_ulong(f->C_SignUpdate(h, data, 2), CKR_OK, "C_SignUpdate");
    is_ulong(f->C_SignUpdate(h, data + 2, 3), CKR_OK, "C_SignUpdate");
    is_ulong(f->C_SignFinal(h, sig, &sl), CKR_OK, "C_SignFinal (PSS)");
    ok(sl == 256 && pss_verifies("auth-cert.pem", hash, sig, sl), "multi-part PSS verifies (salt 32)");
    is_ulong(f->C_SignInit(h, &bare, key), CKR_OK, "C_SignInit RSA-PKCS-PSS");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(h, hash, 32, sig, &sl), CKR_OK, "C_Sign over the hash");
    ok(sl == 256 && pss_verifies("auth-cert.pem", hash, sig, sl), "single-part PSS verifies");
    is_ulong(f->C_SignInit(h, &bare, key), CKR_OK, "C_SignInit RSA-PKCS-PSS again");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(h, hash, 31, sig, &sl), CKR_DATA_LEN_RANGE, "31 bytes: not a SHA-256 hash");
    is_ulong(f->C_Logout(h), CKR_OK, "C_Logout (PSS)");
}

static void card_sign_token(CK_SESSION_HANDLE hs)
{
    CK_FLAGS full = token_flags(sign_slot);
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "abc123", 6), CKR_OK,
             "C_Login sign (lowercase upper-cased)");
    CK_OBJECT_HANDLE key = find_class(hs, CKO_PRIVATE_KEY);
    ok(key != CK_INVALID_HANDLE, "sign key visible");
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[3] = { 'x', 'y', 'z' }, sig[256];
    CK_ULONG sl = sizeof(sig);
    /* Java's SunPKCS11 makes no context login: the login's first signature
     * is authorised by C_Login itself, the next ones are not. */
    is_ulong(f->C_SignInit(hs, &mech, key), CKR_OK, "C_SignInit sign key");
    is_ulong(f->C_Sign(hs, data, 3, sig, &sl), CKR_OK,
             "the login's first signature needs no context login");
    ok(sl == 256 && sig_verifies("sign-cert.pem", data, 3, sig, sl),
       "that signature verifies with the sign certificate");
    is_ulong(f->C_SignInit(hs, &mech, key), CKR_OK, "C_SignInit for a second signature");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(hs, data, 3, sig, &sl), CKR_USER_NOT_LOGGED_IN,
             "a second signature without context login");
    is_ulong(f->C_SignInit(hs, &mech, key), CKR_OK, "C_SignInit again");
    sl = 0;
    is_ulong(f->C_Sign(hs, data, 3, NULL, &sl), CKR_OK, "length query needs no PIN");
    is_ulong(f->C_Login(hs, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "AB", 2), CKR_PIN_LEN_RANGE,
             "context login malformed");
    is_ulong(f->C_Login(hs, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "ZZZ999", 6),
             CKR_PIN_INCORRECT, "context login wrong PIN");
    ok((token_flags(sign_slot) & CKF_USER_PIN_COUNT_LOW) != 0, "count low after a wrong PIN");
    is_ulong(f->C_Login(hs, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK,
             "context login");
    is_ulong(token_flags(sign_slot), full, "counter back to full");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(hs, data, 3, sig, &sl), CKR_OK, "C_Sign with the sign key");
    is_ulong(f->C_SignInit(hs, &mech, key), CKR_OK, "C_SignInit once more");
    sl = sizeof(sig);
    is_ulong(f->C_Sign(hs, data, 3, sig, &sl), CKR_USER_NOT_LOGGED_IN,
             "each signature needs its own context login");
}

/* ---- another program on the same card (plain PC/SC) ---- */

/* Connects to the first reader with a card. */
static bool other_connect(SCARDCONTEXT *ctx, SCARDHANDLE *card)
{
    char readers[2048];
    DWORD len = sizeof(readers), proto = 0;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx) != SCARD_S_SUCCESS)
        return false;
    if (SCardListReaders(*ctx, NULL, readers, &len) == SCARD_S_SUCCESS) {
        for (char *r = readers; *r != '\0'; r += strlen(r) + 1)
            if (SCardConnect(*ctx, r, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                             card, &proto) == SCARD_S_SUCCESS)
                return true;
    }
    SCardReleaseContext(*ctx);
    return false;
}

static uint16_t other_apdu(SCARDHANDLE card, const uint8_t *cmd, size_t len)
{
    uint8_t resp[300];
    DWORD rlen = sizeof(resp);
    if (SCardTransmit(card, SCARD_PCI_T1, cmd, (DWORD)len, NULL, resp, &rlen) != SCARD_S_SUCCESS ||
        rlen < 2)
        return 0;
    return (uint16_t)(resp[rlen - 2] << 8 | resp[rlen - 1]);
}

/* Resets the card, as another program may. */
static bool other_reset(void)
{
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto = 0;
    if (!other_connect(&ctx, &card))
        return false;
    LONG rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                             SCARD_RESET_CARD, &proto);
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);
    return rv == SCARD_S_SUCCESS;
}

/* Changes a PIN (EF 0018: auth, 001B: sign) behind the module's back, then
 * resets the card. */
static bool other_change_pin(uint8_t pin_ef, const char *old_pin, const char *new_pin)
{
    static const uint8_t sel_ap[] = { 0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00,
                                      0x26, 0x01, 0x00, 0x00, 0x00, 0x01 };
    const uint8_t sel_pin[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, pin_ef };
    size_t ol = strlen(old_pin), nl = strlen(new_pin);
    uint8_t verify[5 + 16] = { 0x00, 0x20, 0x00, 0x80, (uint8_t)ol };
    uint8_t change[5 + 16] = { 0x00, 0x24, 0x01, 0x80, (uint8_t)nl };
    if (ol > 16 || nl > 16)
        return false;
    memcpy(verify + 5, old_pin, ol);
    memcpy(change + 5, new_pin, nl);
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    if (!other_connect(&ctx, &card))
        return false;
    bool good = other_apdu(card, sel_ap, sizeof(sel_ap)) == 0x9000 &&
                other_apdu(card, sel_pin, sizeof(sel_pin)) == 0x9000 &&
                other_apdu(card, verify, 5 + ol) == 0x9000 &&
                other_apdu(card, change, 5 + nl) == 0x9000;
    SCardDisconnect(card, SCARD_RESET_CARD);
    SCardReleaseContext(ctx);
    return good;
}

static bool other_change_auth_pin(const char *old_pin, const char *new_pin)
{
    return other_change_pin(0x18, old_pin, new_pin);
}

/* VERIFYs with a 4-digit PIN in the card's APDU log so far (either form). */
static int auth_verifies(void)
{
    const char *path = getenv("RIG_APDU_LOG");
    FILE *fp = path != NULL ? fopen(path, "r") : NULL;
    char line[512];
    int n = 0;
    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, "INS=20 P1P2=0080 Lc=4 ") != NULL ||
            strstr(line, "INS=20 P1P2=0098 Lc=4 ") != NULL)   /* current EF or by SFI */
            n++;
    fclose(fp);
    return n;
}

static CK_RV sign_once(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[3] = { 'r', 'e', 't' }, sig[256];
    CK_ULONG sl = sizeof(sig);
    CK_RV rv = f->C_SignInit(h, &mech, key);
    return rv != CKR_OK ? rv : f->C_Sign(h, data, 3, sig, &sl);
}

/* PIN retention (login.c): the auth PIN is sent again only after the card
 * lost its state, once, and never after it failed. */
static void card_retention(CK_SESSION_HANDLE h)
{
    int v0 = auth_verifies();
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login");
    CK_OBJECT_HANDLE key = find_class(h, CKO_PRIVATE_KEY);
    is_ulong(sign_once(h, key), CKR_OK, "sign");
    is_ulong(sign_once(h, key), CKR_OK, "sign again");
    is_ulong((CK_ULONG)auth_verifies(), (CK_ULONG)(v0 + 1), "one VERIFY for login + 2 signatures");
    ok(other_reset(), "another program resets the card");
    is_ulong(sign_once(h, key), CKR_OK, "sign after the reset");
    is_ulong((CK_ULONG)auth_verifies(), (CK_ULONG)(v0 + 2), "one VERIFY after the reset");
    ok(other_change_auth_pin("1234", "5678"), "another program changes the auth PIN");
    is_ulong(sign_once(h, key), CKR_USER_NOT_LOGGED_IN, "sign: held PIN no longer works");
    is_ulong((CK_ULONG)auth_verifies(), (CK_ULONG)(v0 + 4), "exactly one VERIFY with the old PIN");
    CK_SESSION_INFO si;
    f->C_GetSessionInfo(h, &si);
    is_ulong(si.state, CKS_RO_PUBLIC_SESSION, "logged out");
    is_ulong(sign_once(h, key), CKR_USER_NOT_LOGGED_IN, "still logged out");
    is_ulong((CK_ULONG)auth_verifies(), (CK_ULONG)(v0 + 4), "the old PIN is never sent again");
    ok((token_flags(auth_slot) & CKF_USER_PIN_COUNT_LOW) != 0, "count low shown");
    ok(other_change_auth_pin("5678", "1234"), "PIN changed back");
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login again");
    is_ulong(token_flags(auth_slot) & CKF_USER_PIN_COUNT_LOW, 0, "counter full again");
    is_ulong(f->C_Logout(h), CKR_OK, "C_Logout");
}

/* The final-try guard: with one try left the module does not send the PIN
 * unless JPKI_PKCS11_ALLOW_FINAL_TRY=1. Uses the sign PIN (5 tries). */
static int sign_verifies(void)
{
    const char *path = getenv("RIG_APDU_LOG");
    FILE *fp = path != NULL ? fopen(path, "r") : NULL;
    char line[512];
    int n = 0;
    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, "INS=20 P1P2=0080 Lc=6 ") != NULL ||
            strstr(line, "INS=20 P1P2=009B Lc=6 ") != NULL)   /* current EF or by SFI */
            n++;
    fclose(fp);
    return n;
}

/* Another program signs with the sign key without a PIN, using whatever
 * selection and verification the card has now. */
static uint16_t other_sign_without_pin(void)
{
    static const uint8_t sel_key[] = { 0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1A };
    uint8_t sign[5 + 35 + 1] = { 0x80, 0x2A, 0x00, 0x80, 35 };
    memset(sign + 5, 0x11, 35);
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    if (!other_connect(&ctx, &card))
        return 0;
    uint16_t sw = other_apdu(card, sel_key, sizeof(sel_key));
    if (sw == 0x9000)
        sw = other_apdu(card, sign, sizeof(sign));
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);
    return sw;
}

static void card_final_try(CK_SESSION_HANDLE hs)
{
    is_ulong(other_sign_without_pin(), 0x6982,
             "after a signature the card is not left verified for the sign key");
    is_ulong(f->C_Logout(hs), CKR_OK, "C_Logout sign token");
    for (int i = 0; i < 4; i++)
        is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ZZZ999", 6), CKR_PIN_INCORRECT,
                 "wrong sign PIN %d", i + 1);
    CK_FLAGS fl = token_flags(sign_slot);
    ok((fl & CKF_USER_PIN_FINAL_TRY) && (fl & CKF_USER_PIN_COUNT_LOW), "final try flagged");
    int v = sign_verifies();
    unsetenv("JPKI_PKCS11_ALLOW_FINAL_TRY");
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_PIN_LOCKED,
             "final try refused");
    is_ulong((CK_ULONG)sign_verifies(), (CK_ULONG)v, "nothing sent");
    setenv("JPKI_PKCS11_ALLOW_FINAL_TRY", "1", 1);
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK,
             "final try allowed by the environment");
    unsetenv("JPKI_PKCS11_ALLOW_FINAL_TRY");
    is_ulong(token_flags(sign_slot) & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW), 0,
             "counter full again");
    is_ulong(f->C_Logout(hs), CKR_OK, "C_Logout sign");
}

/* The sign certificate as the card holds it (RIG_CARD_DIR/sign-cert.pem). */
static bool sign_cert_is(CK_SESSION_HANDLE hs, CK_OBJECT_HANDLE cert)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/sign-cert.pem", getenv("RIG_CARD_DIR"));
    FILE *fp = fopen(path, "r");
    X509 *x = fp != NULL ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    if (fp != NULL)
        fclose(fp);
    unsigned char *want = NULL;
    int want_len = x != NULL ? i2d_X509(x, &want) : -1;
    X509_free(x);
    CK_BYTE buf[4096];
    CK_ATTRIBUTE a = { CKA_VALUE, buf, sizeof(buf) };
    bool same = want_len > 0 && f->C_GetAttributeValue(hs, cert, &a, 1) == CKR_OK &&
                a.ulValueLen == (CK_ULONG)want_len && memcmp(buf, want, a.ulValueLen) == 0;
    OPENSSL_free(want);
    return same;
}

static CK_OBJECT_HANDLE find_sign_cert(CK_SESSION_HANDLE hs)
{
    CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
    CK_BYTE id = 2;
    CK_ATTRIBUTE t[2] = { { CKA_CLASS, &klass, sizeof(klass) }, { CKA_ID, &id, 1 } };
    CK_OBJECT_HANDLE o[2];
    return find_all(hs, t, 2, o, 2) == 1 ? o[0] : CK_INVALID_HANDLE;
}

/* The sign certificate is read when a client first asks for it (login.c),
 * with the PIN held since C_Login: one VERIFY then and never another; a PIN
 * changed elsewhere in between costs that one try and ends the login. */
static void card_sign_cert_on_demand(void)
{
    CK_SESSION_HANDLE hs = 0;
    is_ulong(fin(), CKR_OK, "C_Finalize: the sign certificate is forgotten");
    is_ulong(init(), CKR_OK, "C_Initialize");
    f->C_GetSlotList(CK_TRUE, NULL, &(CK_ULONG){ 0 });
    is_ulong(f->C_OpenSession(sign_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs), CKR_OK, "session");
    int v = sign_verifies();
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK, "C_Login sign");
    CK_OBJECT_HANDLE cert = find_sign_cert(hs);
    ok(cert != CK_INVALID_HANDLE, "the sign certificate is found by its ID");
    is_ulong((CK_ULONG)sign_verifies(), (CK_ULONG)(v + 1), "one VERIFY so far: the login's");
    ok(sign_cert_is(hs, cert), "its value is the card's sign certificate");
    is_ulong((CK_ULONG)sign_verifies(), (CK_ULONG)(v + 1),
             "read in the login's grace (sign_grace.c): no VERIFY of its own");
    is_ulong(other_sign_without_pin(), 0x6982, "the card is not left verified for the sign key");
    ok(other_reset(), "another program resets the card");
    ok(sign_cert_is(hs, cert), "read again");
    is_ulong((CK_ULONG)sign_verifies(), (CK_ULONG)(v + 1), "from memory: no PIN sent");
    is_ulong(f->C_Logout(hs), CKR_OK, "C_Logout");
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK, "C_Login again");
    ok(sign_cert_is(hs, find_sign_cert(hs)), "the certificate again");
    is_ulong((CK_ULONG)sign_verifies(), (CK_ULONG)(v + 2), "only the login's VERIFY");

    is_ulong(fin(), CKR_OK, "C_Finalize");
    is_ulong(init(), CKR_OK, "C_Initialize");
    f->C_GetSlotList(CK_TRUE, NULL, &(CK_ULONG){ 0 });
    is_ulong(f->C_OpenSession(sign_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs), CKR_OK, "session");
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK, "C_Login sign");
    cert = find_sign_cert(hs);
    ok(other_change_pin(0x1B, "ABC123", "XYZ789"), "another program changes the sign PIN");
    v = sign_verifies();
    CK_ATTRIBUTE a = { CKA_VALUE, NULL, 0 };
    is_ulong(f->C_GetAttributeValue(hs, cert, &a, 1), CKR_OBJECT_HANDLE_INVALID,
             "the certificate cannot be read: the held PIN no longer opens the card");
    is_ulong((CK_ULONG)sign_verifies(), (CK_ULONG)(v + 1), "exactly one VERIFY with the old PIN");
    CK_SESSION_INFO si;
    f->C_GetSessionInfo(hs, &si);
    is_ulong(si.state, CKS_RO_PUBLIC_SESSION, "logged out");
    ok(find_sign_cert(hs) == CK_INVALID_HANDLE, "the certificate is hidden again");
    is_ulong(f->C_GetAttributeValue(hs, cert, &a, 1), CKR_OBJECT_HANDLE_INVALID, "still");
    is_ulong((CK_ULONG)sign_verifies(), (CK_ULONG)(v + 1), "the old PIN is never sent again");
    ok((token_flags(sign_slot) & CKF_USER_PIN_COUNT_LOW) != 0, "count low shown");
    ok(other_change_pin(0x1B, "XYZ789", "ABC123"), "PIN changed back");
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK, "C_Login again");
    is_ulong(token_flags(sign_slot) & CKF_USER_PIN_COUNT_LOW, 0, "counter full again");
    ok(sign_cert_is(hs, find_sign_cert(hs)), "and the certificate reads");
    f->C_CloseSession(hs);
}

/* The sign grace (sign_grace.c): with a thread of its own the module keeps
 * the login's transaction open for the signature that follows, which then
 * needs no VERIFY; an application that forbids the module threads
 * (CKF_LIBRARY_CANT_CREATE_OS_THREADS) gets none, and the signature
 * verifies the PIN again. Either way nothing is left verified after. */
static void card_sign_grace(void)
{
    for (int threads = 1; threads >= 0; threads--) {
        const char *how = threads ? "threads allowed" : "CKF_LIBRARY_CANT_CREATE_OS_THREADS";
        CK_C_INITIALIZE_ARGS args = {
            .flags = CKF_OS_LOCKING_OK | (threads ? 0 : CKF_LIBRARY_CANT_CREATE_OS_THREADS)
        };
        CK_SESSION_HANDLE hs = 0;
        is_ulong(fin(), CKR_OK, "%s: C_Finalize", how);
        is_ulong(f->C_Initialize(&args), CKR_OK, "%s: C_Initialize", how);
        f->C_GetSlotList(CK_TRUE, NULL, &(CK_ULONG){ 0 });
        is_ulong(f->C_OpenSession(sign_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs), CKR_OK,
                 "%s: session", how);
        int v = sign_verifies();
        is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK,
                 "%s: C_Login sign", how);
        CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
        CK_BYTE data[3] = { 'g', 'r', 'c' }, sig[256];
        CK_ULONG sl = sizeof(sig);
        is_ulong(f->C_SignInit(hs, &mech, find_class(hs, CKO_PRIVATE_KEY)), CKR_OK,
                 "%s: C_SignInit", how);
        is_ulong(f->C_Sign(hs, data, 3, sig, &sl), CKR_OK, "%s: C_Sign at once", how);
        ok(sl == 256 && sig_verifies("sign-cert.pem", data, 3, sig, sl),
           "%s: the signature verifies with the sign certificate", how);
        is_ulong((CK_ULONG)(sign_verifies() - v), threads ? 1 : 2,
                 "%s: %s", how, threads ? "one VERIFY (the signature in the login's grace)"
                                        : "two VERIFYs (no grace: the signature verifies again)");
        is_ulong(other_sign_without_pin(), 0x6982, "%s: the card is not left verified", how);
        f->C_CloseSession(hs);
    }
}

/* Several threads signing at once on their own sessions of one token. */
typedef struct signer {
    CK_SESSION_HANDLE h;
    CK_OBJECT_HANDLE key;
    int good;
} signer;

static void *signer_thread(void *arg)
{
    signer *sg = arg;
    for (int i = 0; i < 5; i++) {
        CK_ULONG n = 0;
        CK_OBJECT_HANDLE o[16];
        if (f->C_FindObjectsInit(sg->h, NULL, 0) == CKR_OK &&
            f->C_FindObjects(sg->h, o, 16, &n) == CKR_OK && f->C_FindObjectsFinal(sg->h) == CKR_OK &&
            sign_once(sg->h, sg->key) == CKR_OK)
            sg->good++;
    }
    return NULL;
}

static void card_threads(void)
{
    signer sg[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        memset(&sg[i], 0, sizeof(sg[i]));
        f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &sg[i].h);
    }
    is_ulong(f->C_Login(sg[0].h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login");
    for (int i = 0; i < 4; i++)
        sg[i].key = find_class(sg[i].h, CKO_PRIVATE_KEY);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, signer_thread, &sg[i]);
    int good = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        good += sg[i].good;
    }
    is_ulong((CK_ULONG)good, 20, "20 signatures from 4 threads");
    for (int i = 0; i < 4; i++)
        f->C_CloseSession(sg[i].h);
    CK_SESSION_HANDLE h;
    f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h);
    CK_SESSION_INFO si;
    f->C_GetSessionInfo(h, &si);
    is_ulong(si.state, CKS_RO_PUBLIC_SESSION, "closing the last session logged out");
    f->C_CloseSession(h);
}

static void test_card(void)
{
    is_ulong(init(), CKR_OK, "C_Initialize with the card");
    card_slots();
    CK_SESSION_HANDLE h = 0, hs = 0;
    card_sessions(&h);
    is_ulong(f->C_OpenSession(sign_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs), CKR_OK,
             "C_OpenSession sign");
    card_objects(h);
    card_pin_formats(h, hs);
    is_ulong(fin(), CKR_OK, "C_Finalize with open sessions");
    is_ulong(init(), CKR_OK, "C_Initialize again");
    is_ulong(f->C_GetSessionInfo(h, &(CK_SESSION_INFO){ 0 }), CKR_SESSION_HANDLE_INVALID,
             "old session gone");
    CK_ULONG n = 0;
    f->C_GetSlotList(CK_TRUE, NULL, &n);
    is_ulong(token_flags(auth_slot) & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED), 0,
             "auth counter untouched by malformed PINs (read fresh from the card)");
    is_ulong(token_flags(sign_slot) & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED), 0,
             "sign counter untouched");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK, "session");
    card_auth_sign(h);
    card_pss(h);
    card_retention(h);
    is_ulong(f->C_OpenSession(sign_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs), CKR_OK,
             "sign session");
    card_sign_token(hs);
    card_final_try(hs);
    is_ulong(f->C_CloseAllSessions(sign_slot), CKR_OK, "C_CloseAllSessions");
    is_ulong(f->C_GetSessionInfo(hs, &(CK_SESSION_INFO){ 0 }), CKR_SESSION_HANDLE_INVALID,
             "closed by C_CloseAllSessions");
    is_ulong(f->C_GetSessionInfo(h, &(CK_SESSION_INFO){ 0 }), CKR_OK, "other slot's session kept");
    CK_SLOT_ID slot;
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT, "no slot event");
    f->C_CloseSession(h);
    card_threads();
    card_sign_cert_on_demand();
    card_sign_grace();
    is_ulong(fin(), CKR_OK, "C_Finalize");
}

/* ---- card removal (JPKI_API_PHASE=removal): test-api.sh pulls the card
 * out and puts it back when told through files in $JPKI_API_SYNC ---- */

static void *blocking_waiter(void *arg)
{
    CK_SLOT_ID slot = BAD_SLOT;
    CK_RV rv = f->C_WaitForSlotEvent(0, &slot, NULL);
    ((CK_ULONG *)arg)[0] = rv;
    ((CK_ULONG *)arg)[1] = slot;
    return NULL;
}

static void test_removal(void)
{
    CK_SLOT_ID slots[8], slot = BAD_SLOT;
    CK_ULONG n = 8, all = 0;
    CK_SESSION_HANDLE h = 0;
    CK_SESSION_INFO si;
    CK_TOKEN_INFO ti;
    CK_SLOT_INFO sli;
    is_ulong(init(), CKR_OK, "C_Initialize");
    is_ulong(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList");
    is_ulong(n, 2, "one token pair");
    auth_slot = slots[0];
    sign_slot = slots[1];
    f->C_GetSlotList(CK_FALSE, NULL, &all);
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK, "session");
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login");
    CK_OBJECT_HANDLE key = find_class(h, CKO_PRIVATE_KEY);
    ok(key != CK_INVALID_HANDLE, "key handle");

    sync_step("ready1", "removed");
    n = 8;
    is_ulong(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList after removal");
    is_ulong(n, 0, "no token");
    n = 8;
    is_ulong(f->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK, "C_GetSlotList(all)");
    is_ulong(n, all, "slots stay listed");
    is_ulong(f->C_GetSlotInfo(auth_slot, &sli), CKR_OK, "C_GetSlotInfo");
    is_ulong(sli.flags & CKF_TOKEN_PRESENT, 0, "no token present");
    is_ulong(f->C_GetTokenInfo(auth_slot, &ti), CKR_TOKEN_NOT_PRESENT, "C_GetTokenInfo");
    is_ulong(f->C_GetSessionInfo(h, &si), CKR_DEVICE_REMOVED, "session: device removed");
    is_ulong(f->C_GetSessionInfo(h, &si), CKR_SESSION_HANDLE_INVALID, "then invalid");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h),
             CKR_TOKEN_NOT_PRESENT, "C_OpenSession without token");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK, "slot event");
    is_ulong(slot, auth_slot, "auth slot changed");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK, "slot event");
    is_ulong(slot, sign_slot, "sign slot changed");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT, "no more events");

    sync_step("ready2", "inserted");
    n = 8;
    is_ulong(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList after insertion");
    ok(n == 2 && slots[0] == auth_slot && slots[1] == sign_slot, "same slot ids");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK,
             "session on the new card");
    is_ulong(f->C_GetSessionInfo(h, &si), CKR_OK, "C_GetSessionInfo");
    is_ulong(si.state, CKS_RO_PUBLIC_SESSION, "not logged in on the new card");
    CK_ATTRIBUTE a = { CKA_CLASS, NULL, 0 };
    is_ulong(f->C_GetAttributeValue(h, key, &a, 1), CKR_OBJECT_HANDLE_INVALID,
             "old card's handle invalid");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_OK, "insertion event");

    CK_ULONG result[2] = { (CK_ULONG)-1, 0 };
    pthread_t t;
    while (f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL) == CKR_OK)
        ;
    pthread_create(&t, NULL, blocking_waiter, result);
    sync_step("ready3", "removed2");
    pthread_join(t, NULL);
    is_ulong(result[0], CKR_OK, "blocking C_WaitForSlotEvent sees the removal");
    ok(result[1] == auth_slot || result[1] == sign_slot, "on our slot");

    sync_step("ready4", "inserted2");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK,
             "session before the pcscd restart");
    sync_step("ready5", "restarted");
    n = 8;
    is_ulong(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList after pcscd restart");
    ok(n == 2 && slots[0] == auth_slot && slots[1] == sign_slot, "same slot ids again");
    is_ulong(f->C_GetSessionInfo(h, &si), CKR_DEVICE_REMOVED, "old session: device removed");
    is_ulong(f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK,
             "new session after the restart");
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login");
    is_ulong(sign_once(h, find_class(h, CKO_PRIVATE_KEY)), CKR_OK, "sign after the restart");
    is_ulong(fin(), CKR_OK, "C_Finalize");
}

int main(void)
{
    if (!load_function_list())
        return done_testing();
    const char *phase = getenv("JPKI_API_PHASE");
    if (phase != NULL && strcmp(phase, "removal") == 0)
        test_removal();
    else
        test_card();
    dlclose(lib);
    return done_testing();
}
