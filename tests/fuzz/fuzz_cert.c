/*
 * fuzz_cert.c: the input as the DER of every certificate, through token.c:
 * every attribute of every object (length query, exact buffer, a buffer one
 * byte short), one template with all of them, matching, sizes and the
 * token serial. A card can hold anything in its certificate EFs.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "token.h"

typedef struct fuzz_der {
    const uint8_t *der;
    size_t len;
} fuzz_der;

static CK_RV fuzz_get(void *ctx, uint16_t fid, const uint8_t **der, size_t *der_len)
{
    const fuzz_der *d = ctx;

    (void)fid;
    *der = d->der;
    *der_len = d->len;
    return CKR_OK;
}

static void one_attribute(jpki_object_id id, const jpki_cert_source *src,
                          CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a = { type, NULL, 0 };
    CK_RV rv = jpki_object_get_attributes(id, src, &a, 1);
    uint8_t *buf;
    bool match = false;

    if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
        return;
    if (a.ulValueLen > 1 << 20)
        abort();   /* nothing in a certificate of at most 8 KiB is that long */
    /* Exact size, then one byte short (must not write past it). */
    buf = malloc(a.ulValueLen + 1);
    if (buf == NULL)
        return;
    a.pValue = buf;
    rv = jpki_object_get_attributes(id, src, &a, 1);
    if (rv == CKR_OK) {
        (void)jpki_object_match(id, src, &a, 1, &match);
        if (a.ulValueLen > 0) {
            CK_ATTRIBUTE shortened = { type, malloc(a.ulValueLen - 1 + 1), a.ulValueLen - 1 };
            if (shortened.pValue != NULL &&
                jpki_object_get_attributes(id, src, &shortened, 1) != CKR_BUFFER_TOO_SMALL)
                abort();
            free(shortened.pValue);
        }
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_der d = { data, size };
    jpki_cert_source src = { fuzz_get, NULL, &d };
    CK_ATTRIBUTE all[FUZZ_ATTR_COUNT];
    char serial[16];
    CK_ULONG obj_size = 0;
    bool match = false;

    for (int i = 0; i < JPKI_OBJ_COUNT; i++) {
        jpki_object_id id = (jpki_object_id)i;

        for (size_t k = 0; k < FUZZ_ATTR_COUNT; k++)
            one_attribute(id, &src, fuzz_attr_types[k]);
        /* All at once, lengths only: every attribute processed. */
        for (size_t k = 0; k < FUZZ_ATTR_COUNT; k++) {
            all[k].type = fuzz_attr_types[k];
            all[k].pValue = NULL;
            all[k].ulValueLen = 0;
        }
        (void)jpki_object_get_attributes(id, &src, all, FUZZ_ATTR_COUNT);
        (void)jpki_object_match(id, &src, all, 0, &match);
        (void)jpki_object_size(id, &src, &obj_size);
    }
    (void)jpki_token_serial(data, size, serial);
    return 0;
}
