/*
 * mech.c: the signature mechanisms (design.md §1). The card only pads and
 * exponentiates (PKCS#1 v1.5 type 1 over at most k - 11 bytes), so everything
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

/* Who pads: the card, with PKCS#1 v1.5 type 1, or with its own RSASSA-PSS
 * mode (P1 04), which a card must have proven before a PSS row shows. */
typedef enum jpki_padding { JPKI_PAD_CARD_PKCS1, JPKI_PAD_CARD_PSS } jpki_padding;

typedef struct jpki_mech_def {
    CK_MECHANISM_TYPE type;
    const EVP_MD *(*md)(void);  /* NULL: CKM_RSA_PKCS, the caller hashes */
    const uint8_t *prefix;
    size_t prefix_len;
    CK_KEY_TYPE key_type;
    CK_ULONG min_bits, max_bits;
    CK_FLAGS flags;
    jpki_padding padding;
} jpki_mech_def;

#define RSA_ROW(mech, md, prefix, size)                                                     \
    { mech, md, prefix, size, CKK_RSA, JPKI_RSA_BITS_MIN, JPKI_RSA_BITS_MAX, CKF_SIGN | CKF_HW, \
      JPKI_PAD_CARD_PKCS1 }
#define PSS_ROW(mech, md)                                                                    \
    { mech, md, NULL, 0, CKK_RSA, JPKI_RSA_BITS_MIN, JPKI_RSA_BITS_MAX, CKF_SIGN | CKF_HW,   \
      JPKI_PAD_CARD_PSS }

/* No CKM_RSA_X_509 and no decryption: the card cannot do them, and
 * advertising them makes NSS and OpenSSL pick them for TLS. PSS only with
 * the card's PSS mode and only for a card that proved it (mech_fits). */
static const jpki_mech_def mechs[JPKI_MECH_ROWS] = {
    RSA_ROW(CKM_RSA_PKCS, NULL, NULL, 0),
    RSA_ROW(CKM_SHA1_RSA_PKCS, EVP_sha1, prefix_sha1, sizeof prefix_sha1),
    RSA_ROW(CKM_SHA224_RSA_PKCS, EVP_sha224, prefix_sha224, sizeof prefix_sha224),
    RSA_ROW(CKM_SHA256_RSA_PKCS, EVP_sha256, prefix_sha256, sizeof prefix_sha256),
    RSA_ROW(CKM_SHA384_RSA_PKCS, EVP_sha384, prefix_sha384, sizeof prefix_sha384),
    RSA_ROW(CKM_SHA512_RSA_PKCS, EVP_sha512, prefix_sha512, sizeof prefix_sha512),
    PSS_ROW(CKM_RSA_PKCS_PSS, NULL),
    PSS_ROW(CKM_SHA256_RSA_PKCS_PSS, EVP_sha256),
};
#define MECH_COUNT (sizeof mechs / sizeof mechs[0])

static const jpki_mech_def *mech_find(CK_MECHANISM_TYPE type)
{
    for (size_t i = 0; i < MECH_COUNT; i++)
        if (mechs[i].type == type)
            return &mechs[i];
    return NULL;
}

/* Whether a row serves a key: its type, and its size when known. */
static bool mech_fits(const jpki_mech_def *def, const jpki_key_info *key)
{
    /* PSS is learned per card, never guessed: no key, no PSS. */
    if (def->padding == JPKI_PAD_CARD_PSS && (key == NULL || !key->pss))
        return false;
    if (key == NULL || key->type == JPKI_KEY_UNKNOWN)
        return true;
    return def->key_type == key->type &&
           (key->bits == 0 || (key->bits >= def->min_bits && key->bits <= def->max_bits));
}

bool jpki_key_info_from_cert(const uint8_t *der, size_t len, jpki_key_info *key)
{
    const unsigned char *p = der;
    X509 *x509 = NULL;
    EVP_PKEY *pkey;
    bool ok = false;

    if (key == NULL)
        return false;
    key->type = JPKI_KEY_UNKNOWN;
    key->bits = 0;
    key->pss = false;
    if (der == NULL || len == 0 || len > JPKI_CERT_MAX)
        return false;
    x509 = d2i_X509(NULL, &p, (long)len);
    pkey = x509 != NULL ? X509_get0_pubkey(x509) : NULL;
    if (pkey == NULL)
        goto out;
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        key->type = CKK_RSA;
        break;
    case EVP_PKEY_EC:
        key->type = CKK_EC;
        break;
    default:
        key->type = CKK_VENDOR_DEFINED;   /* some key the module has no mechanism for */
        break;
    }
    key->bits = EVP_PKEY_get_bits(pkey) > 0 ? (CK_ULONG)EVP_PKEY_get_bits(pkey) : 0;
    ok = true;
out:
    X509_free(x509);
    return ok;
}

size_t jpki_key_signature_len(const jpki_key_info *key)
{
    if (key == NULL || key->type != CKK_RSA || key->bits < JPKI_RSA_BITS_MIN ||
        key->bits > JPKI_RSA_BITS_MAX)
        return 0;
    return (key->bits + 7) / 8;
}

CK_RV jpki_mech_list_for_key(const jpki_key_info *key, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
    CK_ULONG n = 0;

    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    for (size_t i = 0; i < MECH_COUNT; i++)
        n += mech_fits(&mechs[i], key);
    if (list != NULL && *count < n) {
        *count = n;
        return CKR_BUFFER_TOO_SMALL;
    }
    if (list != NULL) {
        CK_ULONG k = 0;
        for (size_t i = 0; i < MECH_COUNT; i++)
            if (mech_fits(&mechs[i], key))
                list[k++] = mechs[i].type;
    }
    *count = n;
    return CKR_OK;
}

CK_RV jpki_mech_info_for_key(const jpki_key_info *key, CK_MECHANISM_TYPE type,
                             CK_MECHANISM_INFO *info)
{
    const jpki_mech_def *def = mech_find(type);

    if (info == NULL)
        return CKR_ARGUMENTS_BAD;
    if (def == NULL || !mech_fits(def, key))
        return CKR_MECHANISM_INVALID;
    bool size_known = key != NULL && key->type != JPKI_KEY_UNKNOWN && key->bits != 0;
    info->ulMinKeySize = size_known ? key->bits : def->min_bits;
    info->ulMaxKeySize = size_known ? key->bits : def->max_bits;
    info->flags = def->flags;
    return CKR_OK;
}

CK_RV jpki_mech_list(CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
    return jpki_mech_list_for_key(NULL, list, count);
}

CK_RV jpki_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
    return jpki_mech_info_for_key(NULL, type, info);
}

/* The card's PSS mode has one set of parameters (jpki-protocol.md §4.2). */
static bool pss_params_ok(const CK_MECHANISM *mechanism)
{
    const CK_RSA_PKCS_PSS_PARAMS *p = mechanism->pParameter;
    return p != NULL && mechanism->ulParameterLen == sizeof *p && p->hashAlg == CKM_SHA256 &&
           p->mgf == CKG_MGF1_SHA256 && p->sLen == JPKI_PSS_SALT_LEN;
}

CK_RV jpki_sign_ctx_init(jpki_sign_ctx *ctx, const CK_MECHANISM *mechanism,
                         const jpki_key_info *key)
{
    const jpki_mech_def *def;
    CK_RV rv = CKR_OK;

    if (ctx == NULL || mechanism == NULL || key == NULL)
        return CKR_ARGUMENTS_BAD;
    /* A zeroed ctx is always safe to free, whatever happens below. */
    memset(ctx, 0, sizeof *ctx);
    def = mech_find(mechanism->mechanism);
    if (def == NULL || (def->padding == JPKI_PAD_CARD_PSS && !key->pss)) {
        rv = CKR_MECHANISM_INVALID;
        goto out;
    }
    /* PKCS#11: a key of another type than the mechanism's, or one the
     * module has no mechanism for, is inconsistent with it. */
    if (key->type != def->key_type) {
        rv = CKR_KEY_TYPE_INCONSISTENT;
        goto out;
    }
    ctx->sig_len = jpki_key_signature_len(key);
    ctx->sig_len_known = true;
    if (key->bits == 0) {
        ctx->sig_len = JPKI_SIGNATURE_MAX;   /* at most; the card refuses longer input */
        ctx->sig_len_known = false;
    } else if (ctx->sig_len == 0 || key->bits < def->min_bits || key->bits > def->max_bits) {
        rv = CKR_KEY_SIZE_RANGE;
        goto out;
    }
    if (def->padding == JPKI_PAD_CARD_PSS ? !pss_params_ok(mechanism)
                                          : mechanism->pParameter != NULL ||
                                                mechanism->ulParameterLen != 0) {
        rv = CKR_MECHANISM_PARAM_INVALID;
        goto out;
    }
    ctx->mechanism = def->type;
    ctx->mode = def->padding == JPKI_PAD_CARD_PSS ? JPKI_SIGN_PSS_SHA256 : JPKI_SIGN_PKCS1;
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
        if (ctx->overflow || len > ctx->sig_len - JPKI_PKCS1_OVERHEAD - ctx->raw_len) {
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
        if (ctx->overflow || ctx->raw_len == 0 ||
            (ctx->mode == JPKI_SIGN_PSS_SHA256 && ctx->raw_len != JPKI_SHA256_LEN)) {
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
        def->prefix_len + digest_len > ctx->sig_len - JPKI_PKCS1_OVERHEAD) {
        rv = CKR_GENERAL_ERROR;
        goto out;
    }
    if (def->prefix_len > 0)   /* none for PSS: the hash alone goes to the card */
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

/* A verify context for the certificate's RSA key, whose signatures are
 * sig_len bytes; NULL otherwise. */
static EVP_PKEY_CTX *rsa_ctx_for(const uint8_t *cert_der, size_t cert_len, size_t sig_len)
{
    const unsigned char *p = cert_der;
    EVP_PKEY_CTX *pctx = NULL;
    if (cert_der == NULL || cert_len > JPKI_CERT_MAX)
        return NULL;
    X509 *x509 = d2i_X509(NULL, &p, (long)cert_len);
    EVP_PKEY *pkey = x509 != NULL ? X509_get0_pubkey(x509) : NULL;
    if (pkey != NULL && EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA &&
        EVP_PKEY_get_size(pkey) == (int)sig_len)
        pctx = EVP_PKEY_CTX_new(pkey, NULL);   /* holds its own reference to pkey */
    X509_free(x509);
    return pctx;
}

bool jpki_signature_matches(const uint8_t *cert_der, size_t cert_len, const uint8_t *input,
                            size_t input_len, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t recovered[JPKI_SIGNATURE_MAX];
    size_t recovered_len = sizeof recovered;
    bool match = false;

    if (input == NULL || sig == NULL || sig_len < JPKI_SIGNATURE_MIN || sig_len > sizeof recovered)
        goto out;
    pctx = rsa_ctx_for(cert_der, cert_len, sig_len);
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
    return match;
}

bool jpki_pss_signature_matches(const uint8_t *cert_der, size_t cert_len, const uint8_t *hash,
                                size_t hash_len, const uint8_t *sig, size_t sig_len)
{
    if (hash == NULL || hash_len != JPKI_SHA256_LEN || sig == NULL)
        return false;
    EVP_PKEY_CTX *pctx = rsa_ctx_for(cert_der, cert_len, sig_len);
    /* The salt length is fixed, not "auto": a card that salts otherwise is
     * not the card the PSS mechanisms describe. */
    bool match = pctx != NULL && EVP_PKEY_verify_init(pctx) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
            EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, JPKI_PSS_SALT_LEN) == 1 &&
            EVP_PKEY_verify(pctx, sig, sig_len, hash, hash_len) == 1;
    EVP_PKEY_CTX_free(pctx);
    return match;
}

bool jpki_signature_matches_mode(jpki_sign_mode mode, const uint8_t *cert_der, size_t cert_len,
                                 const uint8_t *input, size_t input_len, const uint8_t *sig,
                                 size_t sig_len)
{
    if (mode == JPKI_SIGN_PSS_SHA256)
        return jpki_pss_signature_matches(cert_der, cert_len, input, input_len, sig, sig_len);
    return jpki_signature_matches(cert_der, cert_len, input, input_len, sig, sig_len);
}
