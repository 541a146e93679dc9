/*
 * firefox-start: what a browser does when it loads a PKCS#11 module at start:
 * C_Initialize, C_GetSlotList, C_GetTokenInfo on every slot, then on every
 * token find all certificates and read their values. Used by the benchmark.
 *   firefox-start MODULE.so
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include "pkcs11-v3.h"

static int read_certificates(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, int *count)
{
    CK_SESSION_HANDLE s;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
        return -1;
    CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
    CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &klass, sizeof klass } };
    CK_OBJECT_HANDLE objs[32];
    CK_ULONG n = 0;
    int rc = -1;
    if (f->C_FindObjectsInit(s, tmpl, 1) != CKR_OK)
        goto out;
    if (f->C_FindObjects(s, objs, 32, &n) != CKR_OK)
        goto out;
    f->C_FindObjectsFinal(s);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_ATTRIBUTE v = { CKA_VALUE, NULL, 0 };
        if (f->C_GetAttributeValue(s, objs[i], &v, 1) != CKR_OK)
            goto out;
        v.pValue = malloc(v.ulValueLen);
        CK_RV rv = f->C_GetAttributeValue(s, objs[i], &v, 1);
        free(v.pValue);
        if (rv != CKR_OK)
            goto out;
        (*count)++;
    }
    rc = 0;
out:
    f->C_CloseSession(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODULE.so\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "%s\n", dlerror());
        return 2;
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    CK_FUNCTION_LIST *f;
    if (!get || get(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK)
        return 1;
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;
    int certs = 0, rc = 0;
    if (f->C_GetSlotList(CK_FALSE, slots, &n) != CKR_OK)
        rc = 1;
    for (CK_ULONG i = 0; rc == 0 && i < n; i++) {
        CK_TOKEN_INFO info;
        CK_RV rv = f->C_GetTokenInfo(slots[i], &info);
        if (rv == CKR_TOKEN_NOT_PRESENT)
            continue;
        if (rv != CKR_OK || read_certificates(f, slots[i], &certs) != 0)
            rc = 1;
    }
    f->C_Finalize(NULL);
    printf("%lu slots, %d certificates read\n", (unsigned long)n, certs);
    return rc;
}
