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

/* The end-entity keys a card is made with (the CAs stay RSA-2048): RSA of
 * 2048 (today's cards), 3072 or 4096 bits (a later generation), or EC P-256
 * for a key type the module cannot drive. Zero fields: "as on disk", and
 * RSA-2048 for a new PKI. */
enum pki_key_type { PKI_KEY_ANY = 0, PKI_KEY_RSA, PKI_KEY_EC };

struct pki_key_spec {
    enum pki_key_type type;
    unsigned bits;          /* RSA modulus bits; 0 = any (2048 when generating) */
};

struct pki_spec {
    struct pki_key_spec auth, sign;
};

/* Generate the PKI into DIR unless DIR/auth-cert.pem already exists.
 * Files: auth-ca.pem sign-ca.pem auth-cert.pem sign-cert.pem
 *        auth-key.pem sign-key.pem (PKCS#8, unencrypted).
 * pki_ensure makes RSA-2048 keys; SPEC NULL means the same. */
int pki_ensure(const char *dir);
int pki_ensure_spec(const char *dir, const struct pki_spec *spec);

/* 0 if the loaded keys are what SPEC asks for, else -1 with a message (a
 * state directory made with other keys is not silently reused). */
int pki_check_spec(const struct pki *p, const struct pki_spec *spec);

int pki_load(struct pki *p, const char *dir);
void pki_free(struct pki *p);

#endif
