/*
 * sign.h: the signature modes of COMPUTE DIGITAL SIGNATURE (80 2A) on the
 * virtual card, P1 00-05 as the protocol notes §4.2 describe them.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef VCARD_SIGN_H
#define VCARD_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Longest signature: RSA-4096. */
#define SIGN_MAX_LEN 512

/* The PSS salt length the notes make likely (§4.2: SOL's checker requires 32). */
#define SIGN_PSS_SALT_DEFAULT 32

enum sign_p1 {
    SIGN_P1_PKCS1_AS_GIVEN = 0x00,    /* PKCS#1 v1.5 over the data as given (a DigestInfo) */
    SIGN_P1_PKCS1_SHA256_BARE = 0x01, /* card hashes; v1.5 over the bare 32-byte hash */
    SIGN_P1_PKCS1_PREHASHED = 0x02,   /* data = SHA-256 hash; card adds the DigestInfo */
    SIGN_P1_PKCS1_SHA256 = 0x03,      /* card hashes and adds the DigestInfo */
    SIGN_P1_PSS_PREHASHED = 0x04,     /* data = SHA-256 hash; RSASSA-PSS, MGF1-SHA-256 */
    SIGN_P1_PSS_SHA256 = 0x05,        /* card hashes; RSASSA-PSS */
};

/* 0 if P1 names a mode this card offers (PSS_OFFERED false: 04/05 are
 * unknown to it), else 6A86 like any other P1. */
uint16_t sign_check_mode(uint8_t p1, bool pss_offered);

/* Sign IN with KEY in mode P1 (already checked). Returns 9000 with OUT
 * (SIGN_MAX_LEN bytes) and OUT_LEN set, 6A81 for a key that is not RSA,
 * 6700 for an input of the wrong length, 6F00 if signing fails (e.g. a
 * salt too long for the key). */
uint16_t sign_compute(EVP_PKEY *key, uint8_t p1, const uint8_t *in, size_t in_len,
                      unsigned pss_salt_len, uint8_t *out, size_t *out_len);

#endif
