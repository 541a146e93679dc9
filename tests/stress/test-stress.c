/*
 * test-stress.c: 8 threads at once on one card, each with its own session
 * on each token, finding objects and signing with both keys (the sign key
 * with its C_Login(CKU_CONTEXT_SPECIFIC) before every signature). Every
 * signature is verified with OpenSSL against the certificate read through
 * the module. Run once with CKF_OS_LOCKING_OK and once with the
 * application's mutex callbacks (argv[1]: "os" or "app"); the card's PIN
 * counters (RIG_CARD_DIR/pins) must not move. stress.sh runs it on the rig.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkcs11-v3.h"
#include "../tap.h"

#define THREADS 8
#define ROUNDS 4

static CK_FUNCTION_LIST *f;
static CK_SLOT_ID auth_slot, sign_slot;
static EVP_PKEY *auth_pub, *sign_pub;
static atomic_int mutexes_made, mutex_locks;

/* ---- the application's mutex callbacks ---- */
static CK_RV app_create(CK_VOID_PTR_PTR out)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (m == NULL)
        return CKR_HOST_MEMORY;
    pthread_mutex_init(m, NULL);
    *out = m;
    atomic_fetch_add(&mutexes_made, 1);
    return CKR_OK;
}

static CK_RV app_destroy(CK_VOID_PTR m)
{
    pthread_mutex_destroy(m);
    free(m);
    return CKR_OK;
}

static CK_RV app_lock(CK_VOID_PTR m)
{
    atomic_fetch_add(&mutex_locks, 1);
    return pthread_mutex_lock(m) ? CKR_GENERAL_ERROR : CKR_OK;
}

static CK_RV app_unlock(CK_VOID_PTR m)
{
    return pthread_mutex_unlock(m) ? CKR_MUTEX_NOT_LOCKED : CKR_OK;
}

/* auth_tries and sign_tries from the card's state file, "a/s". */
static void card_tries(char *out, size_t cap)
{
    const char *dir = getenv("RIG_CARD_DIR");
    char path[4096], line[128];
    int a = -1, s = -1;
    FILE *fp;

    snprintf(path, sizeof path, "%s/pins", dir ? dir : ".");
    fp = fopen(path, "r");
    while (fp && fgets(line, sizeof line, fp)) {
        sscanf(line, "auth_tries=%d", &a);
        sscanf(line, "sign_tries=%d", &s);
    }
    if (fp)
        fclose(fp);
    snprintf(out, cap, "%d/%d", a, s);
}

static CK_OBJECT_HANDLE find_one(CK_SESSION_HANDLE h, CK_OBJECT_CLASS klass)
{
    CK_ATTRIBUTE t = { CKA_CLASS, &klass, sizeof klass };
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    CK_ULONG n = 0;

    if (f->C_FindObjectsInit(h, &t, 1) == CKR_OK) {
        if (f->C_FindObjects(h, &o, 1, &n) != CKR_OK || n != 1)
            o = CK_INVALID_HANDLE;
        f->C_FindObjectsFinal(h);
    }
    return o;
}

/* The public key of the token's own certificate (CKA_ID id; the CA
 * certificates share the token), read through the module. */
static EVP_PKEY *cert_key(CK_SESSION_HANDLE h, CK_BYTE id)
{
    CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
    CK_ATTRIBUTE t[] = { { CKA_CLASS, &klass, sizeof klass }, { CKA_ID, &id, 1 } };
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    CK_ATTRIBUTE a = { CKA_VALUE, NULL, 0 };
    CK_ULONG n = 0;
    EVP_PKEY *key = NULL;

    if (f->C_FindObjectsInit(h, t, 2) != CKR_OK)
        return NULL;
    if (f->C_FindObjects(h, &o, 1, &n) != CKR_OK || n != 1)
        o = CK_INVALID_HANDLE;
    f->C_FindObjectsFinal(h);
    if (o == CK_INVALID_HANDLE || f->C_GetAttributeValue(h, o, &a, 1) != CKR_OK)
        return NULL;
    a.pValue = malloc(a.ulValueLen);
    if (a.pValue && f->C_GetAttributeValue(h, o, &a, 1) == CKR_OK) {
        const unsigned char *p = a.pValue;
        X509 *x = d2i_X509(NULL, &p, (long)a.ulValueLen);
        if (x)
            key = X509_get_pubkey(x);
        X509_free(x);
    }
    free(a.pValue);
    return key;
}

static int verify(EVP_PKEY *key, const CK_BYTE *data, size_t len, const CK_BYTE *sig,
                  size_t sig_len)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int good = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
               EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
    EVP_MD_CTX_free(md);
    return good;
}

typedef struct worker {
    int id;
    int signatures, verified, finds, errors;
    CK_RV last_error;
} worker;

static void note(worker *w, CK_RV rv)
{
    if (rv != CKR_OK) {
        w->errors++;
        w->last_error = rv;
    }
}

static void sign_verify(worker *w, CK_SESSION_HANDLE h, bool always_auth, EVP_PKEY *pub)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[64], sig[256];
    CK_ULONG sig_len = sizeof sig;
    CK_OBJECT_HANDLE key = find_one(h, CKO_PRIVATE_KEY);
    CK_RV rv;

    memset(data, 0, sizeof data);
    snprintf((char *)data, sizeof data, "thread %d signs at %p", w->id, (void *)&data);
    rv = f->C_SignInit(h, &mech, key);
    if (rv == CKR_OK && always_auth)
        rv = f->C_Login(h, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "ABC123", 6);
    if (rv == CKR_OK)
        rv = f->C_Sign(h, data, sizeof data, sig, &sig_len);
    note(w, rv);
    if (rv == CKR_OK) {
        w->signatures++;
        w->verified += verify(pub, data, sizeof data, sig, sig_len);
    }
}

static void *work(void *arg)
{
    worker *w = arg;
    CK_SESSION_HANDLE ha = 0, hs = 0;

    note(w, f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &ha));
    note(w, f->C_OpenSession(sign_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs));
    for (int r = 0; r < ROUNDS; r++) {
        CK_OBJECT_HANDLE o[32];
        CK_ULONG n = 0;
        CK_SESSION_HANDLE h = (r + w->id) % 2 ? ha : hs;

        note(w, f->C_FindObjectsInit(h, NULL, 0));
        note(w, f->C_FindObjects(h, o, 32, &n));
        note(w, f->C_FindObjectsFinal(h));
        w->finds += n > 0;
        sign_verify(w, ha, false, auth_pub);
        sign_verify(w, hs, true, sign_pub);
    }
    note(w, f->C_CloseSession(ha));
    note(w, f->C_CloseSession(hs));
    return NULL;
}

static void find_slots(void)
{
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;

    f->C_GetSlotList(CK_TRUE, slots, &n);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
            continue;
        if (memcmp(ti.label, "JPKI (User Authentication PIN)", 30) == 0 && !auth_slot)
            auth_slot = slots[i] + 1;
        else if (memcmp(ti.label, "JPKI (Digital Signature PIN)", 28) == 0 && !sign_slot)
            sign_slot = slots[i] + 1;
    }
}

int main(int argc, char **argv)
{
    const char *path = getenv("JPKI_MODULE");
    const char *mode = argc > 1 ? argv[1] : "os";
    bool app = strcmp(mode, "app") == 0;
    CK_C_INITIALIZE_ARGS args = { .flags = app ? 0 : CKF_OS_LOCKING_OK };
    CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
    CK_SESSION_HANDLE ha = 0, hs = 0;
    worker w[THREADS];
    pthread_t t[THREADS];
    char before[32], after[32];
    void *lib;
    int sigs = 0, good = 0, finds = 0, errors = 0;

    if (path == NULL)
        skip_all("JPKI_MODULE not set");
    if (app) {
        args.CreateMutex = app_create;
        args.DestroyMutex = app_destroy;
        args.LockMutex = app_lock;
        args.UnlockMutex = app_unlock;
    }
    lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL || (get_list = (CK_RV(*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(lib, "C_GetFunctionList")) == NULL ||
        get_list(&f) != CKR_OK) {
        ok(0, "%s: load %s", mode, path);
        return done_testing();
    }
    card_tries(before, sizeof before);
    is_ulong(f->C_Initialize(&args), CKR_OK, "%s: C_Initialize", mode);
    find_slots();
    if (!ok(auth_slot && sign_slot, "%s: both tokens", mode))
        return done_testing();
    auth_slot--;
    sign_slot--;
    /* One login per token serves every session of the application. */
    f->C_OpenSession(auth_slot, CKF_SERIAL_SESSION, NULL, NULL, &ha);
    f->C_OpenSession(sign_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs);
    is_ulong(f->C_Login(ha, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "%s: login auth", mode);
    is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK, "%s: login sign",
             mode);
    auth_pub = cert_key(ha, 0x01);
    sign_pub = cert_key(hs, 0x02);
    ok(auth_pub && sign_pub, "%s: both certificates read through the module", mode);

    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i;
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        sigs += w[i].signatures;
        good += w[i].verified;
        finds += w[i].finds;
        errors += w[i].errors;
        if (w[i].errors)
            diag("thread %d: %d errors, last 0x%lx", i, w[i].errors, w[i].last_error);
    }
    is_ulong((CK_ULONG)errors, 0, "%s: no call failed", mode);
    is_ulong((CK_ULONG)sigs, THREADS * ROUNDS * 2, "%s: %d signatures from %d threads", mode,
             THREADS * ROUNDS * 2, THREADS);
    is_ulong((CK_ULONG)good, (CK_ULONG)sigs, "%s: every signature verifies", mode);
    is_ulong((CK_ULONG)finds, THREADS * ROUNDS, "%s: every search found objects", mode);
    if (app)
        ok(mutexes_made > 0 && mutex_locks > 0, "%s: the module used our mutexes (%d made, %d locks)",
           mode, (int)mutexes_made, (int)mutex_locks);
    f->C_CloseSession(ha);
    f->C_CloseSession(hs);
    is_ulong(f->C_Finalize(NULL), CKR_OK, "%s: C_Finalize", mode);
    card_tries(after, sizeof after);
    ok(strcmp(before, after) == 0, "%s: no PIN try spent (tries %s, then %s)", mode, before, after);
    EVP_PKEY_free(auth_pub);
    EVP_PKEY_free(sign_pub);
    /* Unloading is part of the test: a leak checker sees what stays behind. */
    dlclose(lib);
    return done_testing();
}
