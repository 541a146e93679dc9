/*
 * fuzz_api.c: the whole module (every src/ file but transport_pcsc.c) over
 * fuzz_reader.c: what a client does on a new card — slots, token info, all
 * objects with all attributes, login with a well-formed PIN, sign (with the
 * context-specific login the sign key needs), finalize — with every card
 * answer taken from the input. Return codes do not matter here; crashes,
 * leaks and sanitizer reports do, and so does coming back at all.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 8
#define MAX_OBJECTS 32

static CK_FUNCTION_LIST *f;

static void all_attributes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
    for (size_t k = 0; k < FUZZ_ATTR_COUNT; k++) {
        CK_ATTRIBUTE a = { fuzz_attr_types[k], NULL, 0 };
        if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK ||
            a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > 1 << 20)
            continue;
        a.pValue = malloc(a.ulValueLen + 1);
        if (a.pValue != NULL)
            (void)f->C_GetAttributeValue(s, o, &a, 1);
        free(a.pValue);
    }
}

static CK_ULONG find(CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                     CK_OBJECT_HANDLE *out)
{
    CK_ULONG count = 0;

    if (f->C_FindObjectsInit(s, tmpl, n) != CKR_OK)
        return 0;
    if (f->C_FindObjects(s, out, MAX_OBJECTS, &count) != CKR_OK)
        count = 0;
    (void)f->C_FindObjectsFinal(s);
    return count;
}

static void sign_once(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_UTF8CHAR *pin,
                      CK_ULONG pin_len)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[] = "fuzz", sig[512];
    CK_ULONG sig_len = 0;
    CK_BBOOL always = CK_FALSE;
    CK_ATTRIBUTE aa = { CKA_ALWAYS_AUTHENTICATE, &always, sizeof always };

    (void)f->C_GetAttributeValue(s, key, &aa, 1);
    if (f->C_SignInit(s, &mech, key) != CKR_OK)
        return;
    if (always)
        (void)f->C_Login(s, CKU_CONTEXT_SPECIFIC, pin, pin_len);
    if (f->C_Sign(s, data, sizeof data - 1, NULL, &sig_len) != CKR_OK)
        return;
    sig_len = sizeof sig;
    /* Whatever the card sent, a signature handed out is an RSA-2048 one. */
    if (f->C_Sign(s, data, sizeof data - 1, sig, &sig_len) == CKR_OK && sig_len != 256)
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

    (void)f->C_GetSlotInfo(slot, &si);
    if (f->C_GetTokenInfo(slot, &ti) != CKR_OK)
        return;
    (void)f->C_GetMechanismList(slot, mechs, &n_mechs);
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
        return;
    n = find(s, NULL, 0, objs);
    for (CK_ULONG i = 0; i < n; i++)
        all_attributes(s, objs[i]);
    /* A PIN of the right form for the token, so that it reaches the card. */
    pin = ti.ulMaxPinLen == 4 ? auth_pin : sign_pin;
    pin_len = (CK_ULONG)strlen((const char *)pin);
    if (f->C_Login(s, CKU_USER, pin, pin_len) == CKR_OK) {
        n = find(s, NULL, 0, objs);
        for (CK_ULONG i = 0; i < n; i++)
            all_attributes(s, objs[i]);
        n = find(s, &key_tmpl, 1, objs);
        for (CK_ULONG i = 0; i < n; i++)
            sign_once(s, objs[i], pin, pin_len);
        (void)f->C_Logout(s);
    }
    (void)f->C_CloseSession(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
    CK_SLOT_ID slots[MAX_SLOTS];
    CK_ULONG n = MAX_SLOTS;

    fuzz_input_reset(data, size);
    /* The APDU trace formats whatever the card sent: fuzz that too. */
    setenv("JPKI_PKCS11_DEBUG", "3:/dev/null", 0);
    if (f == NULL && C_GetFunctionList(&f) != CKR_OK)
        abort();
    if (f->C_Initialize(&args) != CKR_OK)
        abort();
    if (f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK) {
        for (CK_ULONG i = 0; i < n && i < MAX_SLOTS; i++)
            use_slot(slots[i]);
    }
    if (f->C_Finalize(NULL) != CKR_OK)
        abort();
    return 0;
}
