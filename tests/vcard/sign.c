/*
 * sign.c: the signature modes of COMPUTE DIGITAL SIGNATURE on the virtual
 * card. P1 00 is the mode every client uses (C7 in the protocol notes);
 * P1 01-05 come from one source that probed a real card (SOL, §4.2), so
 * the module must never rely on them without proving them per card.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "sign.h"

#include <string.h>

#include <openssl/rsa.h>

#include "sw.h"

#define SHA256_LEN 32

/* DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
static const uint8_t sha256_digest_info[19] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                               0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                               0x01, 0x05, 0x00, 0x04, 0x20};

uint16_t sign_check_mode(uint8_t p1, bool pss_offered)
{
    if (p1 > SIGN_P1_PSS_SHA256)
        return SW_WRONG_P1P2;
    if (!pss_offered && (p1 == SIGN_P1_PSS_PREHASHED || p1 == SIGN_P1_PSS_SHA256))
        return SW_WRONG_P1P2;
    return 0;
}

/* PKCS#1 v1.5 type-01 padding of IN as given: with no signature digest set
 * OpenSSL pads the input as is, which is what the card does. */
static int pkcs1_sign(EVP_PKEY *key, const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t *out_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    size_t len = SIGN_MAX_LEN;
    int ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_sign(ctx, out, &len, in, in_len) > 0;

    EVP_PKEY_CTX_free(ctx);
    *out_len = len;
    return ok ? 0 : -1;
}

/* RSASSA-PSS over a SHA-256 hash, MGF1-SHA-256, a random salt of SALT_LEN. */
static int pss_sign(EVP_PKEY *key, const uint8_t hash[SHA256_LEN], unsigned salt_len,
                    uint8_t *out, size_t *out_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    size_t len = SIGN_MAX_LEN;
    int ok = ctx && EVP_PKEY_sign_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)salt_len) > 0 &&
             EVP_PKEY_sign(ctx, out, &len, hash, SHA256_LEN) > 0;

    EVP_PKEY_CTX_free(ctx);
    *out_len = len;
    return ok ? 0 : -1;
}

uint16_t sign_compute(EVP_PKEY *key, uint8_t p1, const uint8_t *in, size_t in_len,
                      unsigned pss_salt_len, uint8_t *out, size_t *out_len)
{
    uint8_t info[sizeof(sha256_digest_info) + SHA256_LEN];
    uint8_t *hash = info + sizeof(sha256_digest_info);
    bool card_hashes = p1 == SIGN_P1_PKCS1_SHA256_BARE || p1 == SIGN_P1_PKCS1_SHA256 ||
                       p1 == SIGN_P1_PSS_SHA256;
    int rc;

    /* A key the card's RSA modes cannot use: "function not supported". */
    if (!EVP_PKEY_is_a(key, "RSA"))
        return SW_FUNC_NOT_SUPPORTED;
    if (in_len == 0)
        return SW_WRONG_LENGTH;
    if (p1 == SIGN_P1_PKCS1_AS_GIVEN) {
        /* k - 11: the room PKCS#1 v1.5 leaves (245 bytes for RSA-2048). */
        if (in_len > (size_t)EVP_PKEY_get_size(key) - 11)
            return SW_WRONG_LENGTH;
        return pkcs1_sign(key, in, in_len, out, out_len) ? SW_UNKNOWN : SW_OK;
    }
    if (card_hashes) {
        unsigned int n = SHA256_LEN;
        if (EVP_Digest(in, in_len, hash, &n, EVP_sha256(), NULL) != 1)
            return SW_UNKNOWN;
    } else {
        if (in_len != SHA256_LEN)
            return SW_WRONG_LENGTH;
        memcpy(hash, in, SHA256_LEN);
    }
    memcpy(info, sha256_digest_info, sizeof(sha256_digest_info));
    switch (p1) {
    case SIGN_P1_PKCS1_SHA256_BARE:
        rc = pkcs1_sign(key, hash, SHA256_LEN, out, out_len);
        break;
    case SIGN_P1_PKCS1_PREHASHED:
    case SIGN_P1_PKCS1_SHA256:
        rc = pkcs1_sign(key, info, sizeof(info), out, out_len);
        break;
    default:
        rc = pss_sign(key, hash, pss_salt_len, out, out_len);
        break;
    }
    return rc ? SW_UNKNOWN : SW_OK;
}
