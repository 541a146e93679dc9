/*
 * mech.c: the signature mechanisms (design.md §1). The card only pads and
 * exponentiates (PKCS#1 v1.5 type 1 over at most 245 bytes), so everything
 * else happens here on the host: hashing with OpenSSL EVP, the DER
 * DigestInfo, multi-part buffering, and checking the card's signature.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "jpki.h"
#include "mech.h"

/* The card holds RSA-2048 keys only. */
#define JPKI_KEY_BITS 2048

/* DigestInfo prefixes: DER of AlgorithmIdentifier (with NULL parameters)
 * and the OCTET STRING header, RFC 8017 §9.2 note 1 (SHA-224 from the same
 * OID arc, 2.16.840.1.101.3.4.2.4). */
static const uint8_t prefix_sha1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                      0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
static const uint8_t prefix_sha224[] = {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                        0x04, 0x05, 0x00, 0x04, 0x1c};
static const uint8_t prefix_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                        0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t prefix_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                        0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t prefix_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                        0x03, 0x05, 0x00, 0x04, 0x40};

typedef struct jpki_mech_def {
    CK_MECHANISM_TYPE type;
    const EVP_MD *(*md)(void);  /* NULL: CKM_RSA_PKCS, the caller hashes */
    const uint8_t *prefix;
    size_t prefix_len;
} jpki_mech_def;

/* Deliberately no PSS, no CKM_RSA_X_509 and no decryption: the card cannot do
 * them, and advertising them makes NSS and OpenSSL pick them for TLS. */
static const jpki_mech_def mechs[] = {
    {CKM_RSA_PKCS, NULL, NULL, 0},
    {CKM_SHA1_RSA_PKCS, EVP_sha1, prefix_sha1, sizeof prefix_sha1},
    {CKM_SHA224_RSA_PKCS, EVP_sha224, prefix_sha224, sizeof prefix_sha224},
    {CKM_SHA256_RSA_PKCS, EVP_sha256, prefix_sha256, sizeof prefix_sha256},
    {CKM_SHA384_RSA_PKCS, EVP_sha384, prefix_sha384, sizeof prefix_sha384},
    {CKM_SHA512_RSA_PKCS, EVP_sha512, prefix_sha512, sizeof prefix_sha512},
};
#define MECH_COUNT (sizeof mechs / sizeof mechs[0])

static const jpki_mech_def *mech_find(CK_MECHANISM_TYPE type)
{
    for (size_t i = 0; i < MECH_COUNT; i++)
        if (mechs[i].type == type)
            return &mechs[i];
    return NULL;
}

CK_RV jpki_mech_list(CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
    CK_RV rv = CKR_OK;

    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    if (list != NULL) {
        if (*count < MECH_COUNT) {
            rv = CKR_BUFFER_TOO_SMALL;
        } else {
            for (size_t i = 0; i < MECH_COUNT; i++)
                list[i] = mechs[i].type;
        }
    }
    *count = MECH_COUNT;
    return rv;
}

CK_RV jpki_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
    if (info == NULL)
        return CKR_ARGUMENTS_BAD;
    if (mech_find(type) == NULL)
        return CKR_MECHANISM_INVALID;
    info->ulMinKeySize = JPKI_KEY_BITS;
    info->ulMaxKeySize = JPKI_KEY_BITS;
    info->flags = CKF_SIGN | CKF_HW;
    return CKR_OK;
}

CK_RV jpki_sign_ctx_init(jpki_sign_ctx *ctx, const CK_MECHANISM *mechanism)
{
    const jpki_mech_def *def;
    CK_RV rv = CKR_OK;

    if (ctx == NULL || mechanism == NULL)
        return CKR_ARGUMENTS_BAD;
    /* A zeroed ctx is always safe to free, whatever happens below. */
    memset(ctx, 0, sizeof *ctx);
    def = mech_find(mechanism->mechanism);
    if (def == NULL) {
        rv = CKR_MECHANISM_INVALID;
        goto out;
    }
    if (mechanism->pParameter != NULL || mechanism->ulParameterLen != 0) {
        rv = CKR_MECHANISM_PARAM_INVALID;
        goto out;
    }
    ctx->mechanism = def->type;
    if (def->md != NULL) {
        ctx->md = EVP_MD_CTX_new();
        if (ctx->md == NULL) {
            rv = CKR_HOST_MEMORY;
            goto out;
        }
        if (EVP_DigestInit_ex(ctx->md, def->md(), NULL) != 1) {
            rv = CKR_GENERAL_ERROR;
            goto out;
        }
    }
out:
    if (rv != CKR_OK)
        jpki_sign_ctx_free(ctx);
    return rv;
}

CK_RV jpki_sign_ctx_update(jpki_sign_ctx *ctx, const uint8_t *data, size_t len)
{
    const jpki_mech_def *def;

    if (ctx == NULL || (data == NULL && len > 0))
        return CKR_ARGUMENTS_BAD;
    def = mech_find(ctx->mechanism);
    if (def == NULL)
        return CKR_OPERATION_NOT_INITIALIZED;
    if (def->md == NULL) {
        /* Remember the overflow instead of failing now: PKCS#11 reports a
         * too-long input at C_SignFinal/C_Sign, where the operation ends. */
        if (ctx->overflow || len > JPKI_SIGN_INPUT_MAX - ctx->raw_len) {
            ctx->overflow = true;
            return CKR_OK;
        }
        if (len > 0)
            memcpy(ctx->raw + ctx->raw_len, data, len);
        ctx->raw_len += len;
        return CKR_OK;
    }
    if (ctx->md == NULL)
        return CKR_OPERATION_NOT_INITIALIZED;
    if (len > 0 && EVP_DigestUpdate(ctx->md, data, len) != 1)
        return CKR_GENERAL_ERROR;
    return CKR_OK;
}

CK_RV jpki_sign_ctx_final(jpki_sign_ctx *ctx, uint8_t *out, size_t *out_len)
{
    const jpki_mech_def *def;
    EVP_MD_CTX *copy = NULL;
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    CK_RV rv = CKR_OK;

    if (ctx == NULL || out == NULL || out_len == NULL)
        return CKR_ARGUMENTS_BAD;
    def = mech_find(ctx->mechanism);
    if (def == NULL) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
        goto out;
    }
    if (def->md == NULL) {
        if (ctx->overflow || ctx->raw_len == 0) {
            rv = CKR_DATA_LEN_RANGE;
            goto out;
        }
        memcpy(out, ctx->raw, ctx->raw_len);
        *out_len = ctx->raw_len;
        goto out;
    }
    if (ctx->md == NULL) {
        rv = CKR_OPERATION_NOT_INITIALIZED;
        goto out;
    }
    /* Finish a copy so that ctx stays usable: the caller may need the input
     * again (e.g. a C_Sign retried after CKR_BUFFER_TOO_SMALL). */
    copy = EVP_MD_CTX_new();
    if (copy == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    if (EVP_MD_CTX_copy_ex(copy, ctx->md) != 1 ||
        EVP_DigestFinal_ex(copy, digest, &digest_len) != 1 ||
        def->prefix_len + digest_len > JPKI_SIGN_INPUT_MAX) {
        rv = CKR_GENERAL_ERROR;
        goto out;
    }
    memcpy(out, def->prefix, def->prefix_len);
    memcpy(out + def->prefix_len, digest, digest_len);
    *out_len = def->prefix_len + digest_len;
out:
    EVP_MD_CTX_free(copy);
    OPENSSL_cleanse(digest, sizeof digest);
    return rv;
}

void jpki_sign_ctx_free(jpki_sign_ctx *ctx)
{
    if (ctx == NULL)
        return;
    EVP_MD_CTX_free(ctx->md);  /* also wipes the hash state */
    OPENSSL_cleanse(ctx, sizeof *ctx);
}

bool jpki_signature_matches(const uint8_t *cert_der, size_t cert_len, const uint8_t *input,
                            size_t input_len, const uint8_t *sig, size_t sig_len)
{
    const unsigned char *p = cert_der;
    X509 *x509 = NULL;
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t recovered[JPKI_SIGNATURE_LEN];
    size_t recovered_len = sizeof recovered;
    bool match = false;

    if (cert_der == NULL || input == NULL || sig == NULL || sig_len != JPKI_SIGNATURE_LEN ||
        cert_len > JPKI_CERT_MAX)
        goto out;
    x509 = d2i_X509(NULL, &p, (long)cert_len);
    if (x509 == NULL)
        goto out;
    pkey = X509_get0_pubkey(x509);
    if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA ||
        EVP_PKEY_get_size(pkey) != (int)sig_len)
        goto out;
    pctx = EVP_PKEY_CTX_new(pkey, NULL);
    if (pctx == NULL || EVP_PKEY_verify_recover_init(pctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        goto out;
    /* No digest set: the recovered bytes are exactly what the card padded,
     * the DigestInfo or the CKM_RSA_PKCS data. */
    if (EVP_PKEY_verify_recover(pctx, recovered, &recovered_len, sig, sig_len) != 1)
        goto out;
    match = recovered_len == input_len && memcmp(recovered, input, input_len) == 0;
out:
    EVP_PKEY_CTX_free(pctx);
    X509_free(x509);
    return match;
}
