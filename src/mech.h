/*
 * mech.h: the signature mechanisms (design.md §1): the table behind
 * C_GetMechanismList/Info, hashing and DigestInfo on the host, multi-part
 * buffering, and checking a card's signature against the certificate.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_MECH_H
#define JPKI_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkcs11-v3.h"

/* C_GetMechanismList semantics: list NULL → *count set, CKR_OK; list too
 * short → *count set, CKR_BUFFER_TOO_SMALL. */
CK_RV jpki_mech_list(CK_MECHANISM_TYPE *list, CK_ULONG *count);
/* CKR_MECHANISM_INVALID for anything not in the table. */
CK_RV jpki_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

struct evp_md_ctx_st;

/* One signature in progress. */
typedef struct jpki_sign_ctx {
    CK_MECHANISM_TYPE mechanism;
    struct evp_md_ctx_st *md;   /* CKM_SHAx_RSA_PKCS */
    uint8_t raw[256];           /* CKM_RSA_PKCS: the data so far */
    size_t raw_len;
    bool overflow;              /* CKM_RSA_PKCS data longer than the card takes */
} jpki_sign_ctx;

/* CKR_MECHANISM_INVALID, CKR_MECHANISM_PARAM_INVALID (a parameter given
 * where none is allowed), CKR_HOST_MEMORY. */
CK_RV jpki_sign_ctx_init(jpki_sign_ctx *ctx, const CK_MECHANISM *mechanism);
CK_RV jpki_sign_ctx_update(jpki_sign_ctx *ctx, const uint8_t *data, size_t len);
/* What the card must sign (a DigestInfo, or the CKM_RSA_PKCS data), into
 * out (256 bytes). CKR_DATA_LEN_RANGE for CKM_RSA_PKCS input over 245 bytes
 * or empty. Does not free ctx. */
CK_RV jpki_sign_ctx_final(jpki_sign_ctx *ctx, uint8_t *out, size_t *out_len);
void jpki_sign_ctx_free(jpki_sign_ctx *ctx);

/* True when sig is a PKCS#1 v1.5 type 1 signature of input under the public
 * key of the certificate: the module's proof that the card signed with the
 * key it was meant to, before a signature goes back to the application. */
bool jpki_signature_matches(const uint8_t *cert_der, size_t cert_len, const uint8_t *input,
                            size_t input_len, const uint8_t *sig, size_t sig_len);

#endif
