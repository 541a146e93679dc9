/*
 * fuzz_api.c: the whole module (every src/ file but transport_pcsc.c) over
 * fuzz_reader.c: what a client does on a new card — slots, token info, all
 * objects with all attributes, login with a well-formed PIN, sign (with the
 * context-specific login the sign key needs), finalize — with every card
 * answer, and how each transaction's begin goes, taken from the input.
 * Whatever the card does, every function must return one of the codes
 * PKCS#11 (2.40, section 5) lists for it: a card that vanishes or babbles
 * is CKR_DEVICE_REMOVED or CKR_DEVICE_ERROR, never CKR_ARGUMENTS_BAD or
 * CKR_NO_EVENT. Crashes, leaks and sanitizer reports fail too, and so does
 * not coming back.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "fuzz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SLOTS 8
#define MAX_OBJECTS 32

static CK_FUNCTION_LIST *f;

/* Return values: every function may return these (5.1.1); those that use
 * a token these (5.1.3, G_TOKEN), those given a session these (5.1.4,
 * G_SESSION); and then each its own, ended by END. */
#define END (~(CK_RV)0)
#define G_TOKEN 1u
#define G_SESSION 2u
#define RVS(...) ((const CK_RV[]){ __VA_ARGS__, END })

static bool listed(const CK_RV *list, CK_RV rv)
{
    for (; *list != END; list++)
        if (*list == rv)
            return true;
    return false;
}

static CK_RV checked(const char *fn, CK_RV rv, unsigned groups, const CK_RV *own)
{
    if (listed(RVS(CKR_OK, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED), rv) ||
        ((groups & G_TOKEN) && listed(RVS(CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY,
                                          CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT), rv)) ||
        ((groups & G_SESSION) && listed(RVS(CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED), rv)) ||
        listed(own, rv))
        return rv;
    fprintf(stderr, "%s returned 0x%08lX, not a return value PKCS#11 has for it\n", fn,
            (unsigned long)rv);
    abort();
}

#define CHECK(fn, args, groups, own) checked(#fn, f->fn args, groups, own)
#define SESSION_FN (G_TOKEN | G_SESSION)

static CK_RV get_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE *a)
{
    return CHECK(C_GetAttributeValue, (s, o, a, 1), SESSION_FN,
                 RVS(CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL,
                     CKR_OBJECT_HANDLE_INVALID));
}

static void all_attributes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
    for (size_t k = 0; k < FUZZ_ATTR_COUNT; k++) {
        CK_ATTRIBUTE a = { fuzz_attr_types[k], NULL, 0 };
        if (get_attribute(s, o, &a) != CKR_OK ||
            a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > 1 << 20)
            continue;
        a.pValue = malloc(a.ulValueLen + 1);
        if (a.pValue != NULL)
            (void)get_attribute(s, o, &a);
        free(a.pValue);
    }
}

static CK_ULONG find(CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                     CK_OBJECT_HANDLE *out)
{
    CK_ULONG count = 0;

    if (CHECK(C_FindObjectsInit, (s, tmpl, n), SESSION_FN,
              RVS(CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID, CKR_OPERATION_ACTIVE,
                  CKR_PIN_EXPIRED)) != CKR_OK)
        return 0;
    if (CHECK(C_FindObjects, (s, out, MAX_OBJECTS, &count), SESSION_FN,
              RVS(CKR_OPERATION_NOT_INITIALIZED)) != CKR_OK)
        count = 0;
    (void)CHECK(C_FindObjectsFinal, (s), SESSION_FN, RVS(CKR_OPERATION_NOT_INITIALIZED));
    return count;
}

static CK_RV login(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG len)
{
    return CHECK(C_Login, (s, user, pin, len), SESSION_FN,
                 RVS(CKR_OPERATION_NOT_INITIALIZED, CKR_PIN_INCORRECT, CKR_PIN_LOCKED,
                     CKR_SESSION_READ_ONLY_EXISTS, CKR_USER_ALREADY_LOGGED_IN,
                     CKR_USER_ANOTHER_ALREADY_LOGGED_IN, CKR_USER_PIN_NOT_INITIALIZED,
                     CKR_USER_TOO_MANY_TYPES, CKR_USER_TYPE_INVALID, CKR_FUNCTION_CANCELED,
                     /* a context login after the login was lost */
                     CKR_USER_NOT_LOGGED_IN));
}

static CK_RV sign(CK_SESSION_HANDLE s, CK_BYTE *data, CK_ULONG len, CK_BYTE *sig,
                  CK_ULONG *sig_len)
{
    return CHECK(C_Sign, (s, data, len, sig, sig_len), SESSION_FN,
                 RVS(CKR_BUFFER_TOO_SMALL, CKR_DATA_INVALID, CKR_DATA_LEN_RANGE,
                     CKR_FUNCTION_CANCELED, CKR_OPERATION_NOT_INITIALIZED,
                     CKR_USER_NOT_LOGGED_IN, CKR_FUNCTION_REJECTED));
}

static void sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_UTF8CHAR *pin,
                      CK_ULONG pin_len)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[] = "fuzz", sig[512];
    CK_ULONG sig_len = 0;
    CK_BBOOL always = CK_FALSE;
    CK_ATTRIBUTE aa = { CKA_ALWAYS_AUTHENTICATE, &always, sizeof always };

    (void)get_attribute(s, key, &aa);
    if (CHECK(C_SignInit, (s, &mech, key), SESSION_FN,
              RVS(CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_HANDLE_INVALID, CKR_KEY_SIZE_RANGE,
                  CKR_KEY_TYPE_INCONSISTENT, CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID,
                  CKR_OPERATION_ACTIVE, CKR_PIN_EXPIRED, CKR_USER_NOT_LOGGED_IN)) != CKR_OK)
        return;
    if (always)
        (void)login(s, CKU_CONTEXT_SPECIFIC, pin, pin_len);
    if (sign(s, data, sizeof data - 1, NULL, &sig_len) != CKR_OK)
        return;
    sig_len = sizeof sig;
    /* Whatever the card sent, a signature handed out is an RSA-2048 one. */
    if (sign(s, data, sizeof data - 1, sig, &sig_len) == CKR_OK && sig_len != 256)
        abort();
}

static void use_slot(CK_SLOT_ID slot)
{
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_MECHANISM_TYPE mechs[16];
    CK_ULONG n_mechs = 16, n;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE objs[MAX_OBJECTS];
    CK_OBJECT_CLASS key_class = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE key_tmpl = { CKA_CLASS, &key_class, sizeof key_class };
    CK_UTF8CHAR auth_pin[] = "1234", sign_pin[] = "ABC123";
    CK_UTF8CHAR *pin;
    CK_ULONG pin_len;

    (void)CHECK(C_GetSlotInfo, (slot, &si), 0, RVS(CKR_DEVICE_ERROR, CKR_SLOT_ID_INVALID));
    if (CHECK(C_GetTokenInfo, (slot, &ti), G_TOKEN,
              RVS(CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_RECOGNIZED)) != CKR_OK)
        return;
    (void)CHECK(C_GetMechanismList, (slot, mechs, &n_mechs), G_TOKEN,
                RVS(CKR_BUFFER_TOO_SMALL, CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_RECOGNIZED));
    if (CHECK(C_OpenSession, (slot, CKF_SERIAL_SESSION, NULL, NULL, &s), G_TOKEN,
              RVS(CKR_SESSION_COUNT, CKR_SESSION_PARALLEL_NOT_SUPPORTED,
                  CKR_SESSION_READ_WRITE_SO_EXISTS, CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_RECOGNIZED,
                  CKR_TOKEN_WRITE_PROTECTED)) != CKR_OK)
        return;
    n = find(s, NULL, 0, objs);
    for (CK_ULONG i = 0; i < n; i++)
        all_attributes(s, objs[i]);
    /* A PIN of the right form for the token, so that it reaches the card. */
    pin = ti.ulMaxPinLen == 4 ? auth_pin : sign_pin;
    pin_len = (CK_ULONG)strlen((const char *)pin);
    if (login(s, CKU_USER, pin, pin_len) == CKR_OK) {
        n = find(s, NULL, 0, objs);
        for (CK_ULONG i = 0; i < n; i++)
            all_attributes(s, objs[i]);
        n = find(s, &key_tmpl, 1, objs);
        for (CK_ULONG i = 0; i < n; i++)
            sign_once(s, objs[i], pin, pin_len);
        (void)CHECK(C_Logout, (s), SESSION_FN, RVS(CKR_USER_NOT_LOGGED_IN));
    }
    (void)CHECK(C_CloseSession, (s), SESSION_FN, RVS(END));
}

static char log_path[64];   /* the module's debug log while fuzzing */

static void remove_log(void)
{
    unlink(log_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
    CK_SLOT_ID slots[MAX_SLOTS];
    CK_ULONG n = MAX_SLOTS;

    fuzz_input_reset(data, size);
    /* The APDU trace formats whatever the card sent: fuzz that too, into a
     * regular file (the module refuses /dev/null) emptied for each input. */
    if (log_path[0] == '\0') {
        snprintf(log_path, sizeof log_path, "/tmp/jpki-fuzz-api-%ld.log", (long)getpid());
        char env[80];
        snprintf(env, sizeof env, "3:%s", log_path);
        setenv("JPKI_PKCS11_DEBUG", env, 0);
        atexit(remove_log);
    }
    if (truncate(log_path, 0) != 0) {
        /* Not there yet (the first input): the module creates it. */
    }
    /* Every card answer comes from the input, none from a disk cache. */
    setenv("JPKI_PKCS11_CACHE", "0", 1);
    if (f == NULL && C_GetFunctionList(&f) != CKR_OK)
        abort();
    if (f->C_Initialize(&args) != CKR_OK)
        abort();
    if (CHECK(C_GetSlotList, (CK_TRUE, slots, &n), 0, RVS(CKR_BUFFER_TOO_SMALL)) == CKR_OK) {
        for (CK_ULONG i = 0; i < n && i < MAX_SLOTS; i++)
            use_slot(slots[i]);
    }
    if (f->C_Finalize(NULL) != CKR_OK)
        abort();
    return 0;
}
