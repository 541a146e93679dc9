/*
 * pki.h: the virtual card's test PKI (two roots, two end entities).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef VCARD_PKI_H
#define VCARD_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct der {
    uint8_t *data;
    size_t len;
};

struct pki {
    struct der auth_cert;   /* EF 000A */
    struct der auth_ca;     /* EF 000B */
    struct der sign_cert;   /* EF 0001 */
    struct der sign_ca;     /* EF 0002 */
    EVP_PKEY *auth_key;     /* EF 0017 */
    EVP_PKEY *sign_key;     /* EF 001A */
    char serial[17];        /* 16 hex digits from the auth cert serial */
};

/* Generate the PKI into DIR unless DIR/auth-cert.pem already exists.
 * Files: auth-ca.pem sign-ca.pem auth-cert.pem sign-cert.pem
 *        auth-key.pem sign-key.pem (PKCS#8, unencrypted). */
int pki_ensure(const char *dir);

int pki_load(struct pki *p, const char *dir);
void pki_free(struct pki *p);

/* PKCS#1 v1.5 type-01 padding of IN as given (no DigestInfo added) and the
 * private-key operation; OUT must hold 256 bytes. */
int pki_sign(EVP_PKEY *key, const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);

#endif
