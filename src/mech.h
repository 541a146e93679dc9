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
#include "jpki.h"

/* What a certificate's public key is, as far as signing goes. */
typedef struct jpki_key_info {
    CK_KEY_TYPE type;   /* CKK_RSA, CKK_EC, ...; JPKI_KEY_UNKNOWN: not known (yet) */
    CK_ULONG bits;      /* RSA modulus bits, EC field bits; 0: not known */
} jpki_key_info;
#define JPKI_KEY_UNKNOWN CK_UNAVAILABLE_INFORMATION

/* The key in a DER certificate; false when it does not parse. */
bool jpki_key_info_from_cert(const uint8_t *der, size_t len, jpki_key_info *key);
/* Bytes of the key's signatures when the module can drive it (RSA within
 * the table's range); 0 otherwise. */
size_t jpki_key_signature_len(const jpki_key_info *key);

/* The mechanism rows, each with its key type, key-size range, flags and
 * padding: how many there are (CKA_ALLOWED_MECHANISMS is sized by it). */
#define JPKI_MECH_ROWS 6

/* C_GetMechanismList semantics for the mechanisms a key can use (key NULL:
 * every row): list NULL → *count set, CKR_OK; list too short → *count set,
 * CKR_BUFFER_TOO_SMALL. A key the module cannot drive (EC) has none. */
CK_RV jpki_mech_list_for_key(const jpki_key_info *key, CK_MECHANISM_TYPE *list, CK_ULONG *count);
/* CKR_MECHANISM_INVALID for anything the key cannot use. Key sizes: the
 * key's own when known, the row's range otherwise. */
CK_RV jpki_mech_info_for_key(const jpki_key_info *key, CK_MECHANISM_TYPE type,
                             CK_MECHANISM_INFO *info);
/* The same without a key (every row, the rows' ranges). */
CK_RV jpki_mech_list(CK_MECHANISM_TYPE *list, CK_ULONG *count);
CK_RV jpki_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

struct evp_md_ctx_st;

/* One signature in progress. */
typedef struct jpki_sign_ctx {
    CK_MECHANISM_TYPE mechanism;
    struct evp_md_ctx_st *md;   /* CKM_SHAx_RSA_PKCS */
    size_t sig_len;             /* of the key's signatures; an upper bound unless known */
    bool sig_len_known;         /* false: an RSA key of unknown size */
    uint8_t raw[JPKI_SIGNATURE_MAX];  /* CKM_RSA_PKCS: the data so far */
    size_t raw_len;
    bool overflow;              /* CKM_RSA_PKCS data longer than the card takes */
} jpki_sign_ctx;

/* For a known key (or an RSA key of unknown size, bits 0: the card's
 * signature will tell): CKR_MECHANISM_INVALID, CKR_KEY_TYPE_INCONSISTENT (the
 * mechanism is not for this key's type, or the module cannot drive the
 * key), CKR_KEY_SIZE_RANGE, CKR_MECHANISM_PARAM_INVALID (a parameter given
 * where none is allowed), CKR_HOST_MEMORY. */
CK_RV jpki_sign_ctx_init(jpki_sign_ctx *ctx, const CK_MECHANISM *mechanism,
                         const jpki_key_info *key);
CK_RV jpki_sign_ctx_update(jpki_sign_ctx *ctx, const uint8_t *data, size_t len);
/* What the card must sign (a DigestInfo, or the CKM_RSA_PKCS data), into
 * out (JPKI_SIGNATURE_MAX bytes). CKR_DATA_LEN_RANGE for CKM_RSA_PKCS input
 * over k - 11 bytes or empty. Does not free ctx. */
CK_RV jpki_sign_ctx_final(jpki_sign_ctx *ctx, uint8_t *out, size_t *out_len);
void jpki_sign_ctx_free(jpki_sign_ctx *ctx);

/* True when sig is a PKCS#1 v1.5 type 1 signature of input under the public
 * key of the certificate: the module's proof that the card signed with the
 * key it was meant to, before a signature goes back to the application. */
bool jpki_signature_matches(const uint8_t *cert_der, size_t cert_len, const uint8_t *input,
                            size_t input_len, const uint8_t *sig, size_t sig_len);

#endif
