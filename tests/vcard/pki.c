/*
 * pki.c: generation and loading of the virtual card's test PKI.
 *
 * The shapes follow the real J-LIS certificates (protocol notes §7) so the
 * module and the real clients see realistic DER: roots with the J-LIS DN
 * layout under O=JPKI-TEST, an auth certificate with an opaque CN only, and
 * a sign certificate with the name/birth/sex/address otherName SANs.
 * Serials are random so every generated card is a different card.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "pki.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define JPKI_OID_ARC "1.2.392.200149.8.5.5."
#define DAY_SECONDS 86400L

struct name_part {
    const char *field;
    const char *value;
};

static const struct name_part auth_ca_dn[] = {
    {"C", "JP"},
    {"O", "JPKI-TEST"},
    {"OU", "JPKI for user authentication"},
    {"OU", "Japan Agency for Local Authority Information Systems"},
    {"CN", "JPKI-TEST User Authentication CA (not for real use)"},
    {NULL, NULL},
};

static const struct name_part sign_ca_dn[] = {
    {"C", "JP"},
    {"O", "JPKI-TEST"},
    {"OU", "JPKI for digital signature"},
    {"OU", "Japan Agency for Local Authority Information Systems"},
    {"CN", "JPKI-TEST Digital Signature CA (not for real use)"},
    {NULL, NULL},
};

/* Test holder; the address-map digit string has one digit per address char. */
static const struct name_part sign_san[] = {
    {JPKI_OID_ARC "1", "試験　花子"},
    {JPKI_OID_ARC "4", "319850415"},
    {JPKI_OID_ARC "3", "2"},
    {JPKI_OID_ARC "5", "東京都清瀬市上清戸一丁目１番１号"},
    {JPKI_OID_ARC "2", "00000"},
    {JPKI_OID_ARC "6", "0000000000000000"},
    {NULL, NULL},
};

static int path_in(char *buf, size_t size, const char *dir, const char *file)
{
    return (size_t)snprintf(buf, size, "%s/%s", dir, file) < size ? 0 : -1;
}

static X509_NAME *make_name(const struct name_part *parts)
{
    X509_NAME *n = X509_NAME_new();

    for (; n && parts->field; parts++) {
        if (!X509_NAME_add_entry_by_txt(n, parts->field, MBSTRING_UTF8,
                                        (const unsigned char *)parts->value, -1, -1, 0)) {
            X509_NAME_free(n);
            return NULL;
        }
    }
    return n;
}

/* A JPKI-looking opaque identifier such as 997794E9AGCIEG13221003A. */
static void opaque_id(char *out, size_t len)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    unsigned char r[64];

    RAND_bytes(r, (int)sizeof(r));
    for (size_t i = 0; i < len && i < sizeof(r); i++)
        out[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
    out[len] = '\0';
}

static int set_random_serial(X509 *x)
{
    unsigned char b[16];
    BIGNUM *bn;
    ASN1_INTEGER *ai = NULL;
    int ok = 0;

    if (RAND_bytes(b, (int)sizeof(b)) != 1)
        return 0;
    b[0] = (unsigned char)((b[0] & 0x3f) | 0x10);   /* positive, fixed length */
    bn = BN_bin2bn(b, (int)sizeof(b), NULL);
    if (bn)
        ai = BN_to_ASN1_INTEGER(bn, NULL);
    if (ai)
        ok = X509_set_serialNumber(x, ai);
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    return ok;
}

static int add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok;

    if (!ext)
        return 0;
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* certificatePolicies with one bare policy OID (the config-string route
 * needs a config database for this extension). */
static int add_policy(X509 *x, const char *oid)
{
    CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
    POLICYINFO *pi = POLICYINFO_new();
    int ok = 0;

    if (pols && pi && (pi->policyid = OBJ_txt2obj(oid, 1)) && sk_POLICYINFO_push(pols, pi)) {
        pi = NULL;
        ok = X509_add1_ext_i2d(x, NID_certificate_policies, pols, 0, X509V3_ADD_DEFAULT);
    }
    POLICYINFO_free(pi);
    sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
    return ok;
}

/* issuerAltName DirName C=JP, O=公的個人認証サービス as on the real certs. */
static int add_issuer_alt_name(X509 *x)
{
    static const struct name_part dn[] = {
        {"C", "JP"}, {"O", "公的個人認証サービス"}, {NULL, NULL},
    };
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    X509_NAME *name = make_name(dn);
    int ok = 0;

    if (gens && gen && name) {
        GENERAL_NAME_set0_value(gen, GEN_DIRNAME, name);
        name = NULL;
        if (sk_GENERAL_NAME_push(gens, gen)) {
            gen = NULL;
            ok = X509_add1_ext_i2d(x, NID_issuer_alt_name, gens, 0, X509V3_ADD_DEFAULT);
        }
    }
    X509_NAME_free(name);
    GENERAL_NAME_free(gen);
    sk_GENERAL_NAME_pop_free(gens, GENERAL_NAME_free);
    return ok;
}

/* subjectAltName otherNames: OID + [0] EXPLICIT UTF8String each. Built by
 * hand because the config-string route would re-encode the UTF-8 bytes. */
static int add_sign_san(X509 *x)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    int ok = gens != NULL;

    for (const struct name_part *p = sign_san; ok && p->field; p++) {
        GENERAL_NAME *gen = GENERAL_NAME_new();
        ASN1_OBJECT *oid = OBJ_txt2obj(p->field, 1);
        ASN1_TYPE *val = ASN1_TYPE_new();
        ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();

        ok = gen && oid && val && s && ASN1_STRING_set(s, p->value, -1);
        if (ok) {
            ASN1_TYPE_set(val, V_ASN1_UTF8STRING, s);
            s = NULL;
            ok = GENERAL_NAME_set0_othername(gen, oid, val);
        }
        if (ok) {
            oid = NULL;
            val = NULL;
            ok = sk_GENERAL_NAME_push(gens, gen) > 0;
        }
        if (ok)
            gen = NULL;
        ASN1_UTF8STRING_free(s);
        ASN1_TYPE_free(val);
        ASN1_OBJECT_free(oid);
        GENERAL_NAME_free(gen);
    }
    if (ok)
        ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT);
    sk_GENERAL_NAME_pop_free(gens, GENERAL_NAME_free);
    return ok;
}

enum cert_kind { CERT_CA, CERT_AUTH, CERT_SIGN };

/* Build and sign one certificate. ISSUER NULL = self-signed with KEY. */
static X509 *make_cert(enum cert_kind kind, const struct name_part *subject, EVP_PKEY *key,
                       X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    X509_NAME *name = make_name(subject);
    X509V3_CTX ctx;
    long years = kind == CERT_CA ? 10 : 5;
    int ok;

    ok = x && name && X509_set_version(x, X509_VERSION_3) && set_random_serial(x) &&
         X509_set_subject_name(x, name) &&
         X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
         X509_gmtime_adj(X509_getm_notBefore(x), -DAY_SECONDS) &&
         X509_gmtime_adj(X509_getm_notAfter(x), DAY_SECONDS * (365 * years + 1)) &&
         X509_set_pubkey(x, key);
    X509_NAME_free(name);
    if (!ok)
        goto fail;

    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    ok = add_conf_ext(x, &ctx, NID_subject_key_identifier, "hash");
    switch (kind) {
    case CERT_CA:
        ok = ok && add_conf_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
             add_conf_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        break;
    case CERT_AUTH:
        ok = ok && add_conf_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") &&
             add_conf_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") &&
             add_policy(x, "1.2.392.200149.8.5.1.3.30") &&
             add_issuer_alt_name(x);
        break;
    case CERT_SIGN:
        ok = ok && add_conf_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") &&
             add_conf_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation") &&
             add_policy(x, "1.2.392.200149.8.5.1.1.20") &&
             add_sign_san(x) && add_issuer_alt_name(x);
        break;
    }
    if (ok && X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0)
        return x;
fail:
    X509_free(x);
    return NULL;
}

static int write_pem(const char *dir, const char *file, X509 *cert, EVP_PKEY *key)
{
    char path[4096];
    int fd, ok;
    FILE *f;

    if (path_in(path, sizeof(path), dir, file))
        return -1;
    /* Private keys of a test card are still keys: keep them owner-only. */
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, key ? 0600 : 0644);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        fprintf(stderr, "jpki-vcard: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, cert);
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static EVP_PKEY *make_key(const struct pki_key_spec *spec)
{
    if (spec && spec->type == PKI_KEY_EC)
        return EVP_EC_gen("P-256");
    return EVP_RSA_gen(spec && spec->bits ? spec->bits : 2048);
}

int pki_ensure(const char *dir)
{
    return pki_ensure_spec(dir, NULL);
}

int pki_ensure_spec(const char *dir, const struct pki_spec *spec)
{
    EVP_PKEY *k[4] = {NULL, NULL, NULL, NULL};   /* auth CA, sign CA, auth, sign */
    X509 *c[4] = {NULL, NULL, NULL, NULL};
    struct name_part auth_dn[3], sign_dn[5];
    char auth_cn[24], sign_cn[24], path[4096];
    int rc = -1;

    if (path_in(path, sizeof(path), dir, "auth-cert.pem"))
        return -1;
    if (access(path, F_OK) == 0)
        return 0;

    opaque_id(auth_cn, 23);
    opaque_id(sign_cn, 23);
    auth_dn[0] = (struct name_part){"C", "JP"};
    auth_dn[1] = (struct name_part){"CN", auth_cn};
    auth_dn[2] = (struct name_part){NULL, NULL};
    sign_dn[0] = (struct name_part){"C", "JP"};
    sign_dn[1] = (struct name_part){"L", "Tokyo-to"};
    sign_dn[2] = (struct name_part){"L", "Kiyose-shi"};
    sign_dn[3] = (struct name_part){"CN", sign_cn};
    sign_dn[4] = (struct name_part){NULL, NULL};

    for (int i = 0; i < 2; i++)
        if (!(k[i] = EVP_RSA_gen(2048)))
            goto out;
    if (!(k[2] = make_key(spec ? &spec->auth : NULL)) ||
        !(k[3] = make_key(spec ? &spec->sign : NULL)))
        goto out;
    c[0] = make_cert(CERT_CA, auth_ca_dn, k[0], NULL, NULL);
    c[1] = make_cert(CERT_CA, sign_ca_dn, k[1], NULL, NULL);
    if (!c[0] || !c[1])
        goto out;
    c[2] = make_cert(CERT_AUTH, auth_dn, k[2], c[0], k[0]);
    c[3] = make_cert(CERT_SIGN, sign_dn, k[3], c[1], k[1]);
    if (!c[2] || !c[3])
        goto out;
    /* auth-cert.pem last: its presence marks a complete state directory. */
    if (write_pem(dir, "auth-ca.pem", c[0], NULL) || write_pem(dir, "sign-ca.pem", c[1], NULL) ||
        write_pem(dir, "sign-cert.pem", c[3], NULL) || write_pem(dir, "auth-key.pem", NULL, k[2]) ||
        write_pem(dir, "sign-key.pem", NULL, k[3]) || write_pem(dir, "auth-cert.pem", c[2], NULL))
        goto out;
    rc = 0;
out:
    if (rc) {
        fprintf(stderr, "jpki-vcard: generating the test PKI in %s failed\n", dir);
        ERR_print_errors_fp(stderr);
    }
    for (int i = 0; i < 4; i++) {
        X509_free(c[i]);
        EVP_PKEY_free(k[i]);
    }
    return rc;
}

static X509 *read_cert(const char *dir, const char *file, struct der *out)
{
    char path[4096];
    unsigned char *der = NULL;
    X509 *x = NULL;
    FILE *f;
    int len;

    if (path_in(path, sizeof(path), dir, file) || !(f = fopen(path, "r"))) {
        fprintf(stderr, "jpki-vcard: cannot open %s/%s\n", dir, file);
        return NULL;
    }
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x && (len = i2d_X509(x, &der)) > 0) {
        out->data = der;
        out->len = (size_t)len;
        return x;
    }
    fprintf(stderr, "jpki-vcard: bad certificate %s/%s\n", dir, file);
    X509_free(x);
    return NULL;
}

static EVP_PKEY *read_key(const char *dir, const char *file)
{
    char path[4096];
    EVP_PKEY *k = NULL;
    FILE *f;

    if (path_in(path, sizeof(path), dir, file) || !(f = fopen(path, "r"))) {
        fprintf(stderr, "jpki-vcard: cannot open %s/%s\n", dir, file);
        return NULL;
    }
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

/* The token serial in EF 0006: the first 16 hex digits of the auth cert's
 * serial, so it differs per generated card like on real cards. */
static void serial_string(X509 *auth, char out[17])
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(auth), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    size_t n = hex ? strlen(hex) : 0;

    memset(out, '0', 16);
    out[16] = '\0';
    if (hex)
        memcpy(out + (n < 16 ? 16 - n : 0), hex, n < 16 ? n : 16);
    OPENSSL_free(hex);
    BN_free(bn);
}

int pki_load(struct pki *p, const char *dir)
{
    X509 *auth, *x;
    int rc = -1;

    memset(p, 0, sizeof(*p));
    auth = read_cert(dir, "auth-cert.pem", &p->auth_cert);
    if (!auth)
        goto out;
    serial_string(auth, p->serial);
    X509_free(auth);
    if (!(x = read_cert(dir, "auth-ca.pem", &p->auth_ca)))
        goto out;
    X509_free(x);
    if (!(x = read_cert(dir, "sign-cert.pem", &p->sign_cert)))
        goto out;
    X509_free(x);
    if (!(x = read_cert(dir, "sign-ca.pem", &p->sign_ca)))
        goto out;
    X509_free(x);
    p->auth_key = read_key(dir, "auth-key.pem");
    p->sign_key = read_key(dir, "sign-key.pem");
    if (p->auth_key && p->sign_key)
        rc = 0;
out:
    if (rc)
        pki_free(p);
    return rc;
}

void pki_free(struct pki *p)
{
    OPENSSL_free(p->auth_cert.data);
    OPENSSL_free(p->auth_ca.data);
    OPENSSL_free(p->sign_cert.data);
    OPENSSL_free(p->sign_ca.data);
    EVP_PKEY_free(p->auth_key);
    EVP_PKEY_free(p->sign_key);
    memset(p, 0, sizeof(*p));
}

static int check_key(EVP_PKEY *key, const struct pki_key_spec *spec, const char *role)
{
    bool rsa = EVP_PKEY_is_a(key, "RSA");
    bool ec = EVP_PKEY_is_a(key, "EC");
    bool type_ok = spec->type == PKI_KEY_ANY || (spec->type == PKI_KEY_RSA && rsa) ||
                   (spec->type == PKI_KEY_EC && ec);
    bool bits_ok = !spec->bits || (rsa && EVP_PKEY_get_bits(key) == (int)spec->bits);

    if (type_ok && bits_ok)
        return 0;
    fprintf(stderr,
            "jpki-vcard: the state directory holds an %s key of %d bits as %s key, not the"
            " one asked for (use a new --state directory)\n",
            rsa ? "RSA" : ec ? "EC" : "other", EVP_PKEY_get_bits(key), role);
    return -1;
}

int pki_check_spec(const struct pki *p, const struct pki_spec *spec)
{
    if (!spec)
        return 0;
    return check_key(p->auth_key, &spec->auth, "auth") | check_key(p->sign_key, &spec->sign, "sign");
}
