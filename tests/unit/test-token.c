/*
 * test-token.c: the object tables of the two tokens and the PKCS#11
 * attribute semantics over them, on certificates made in-process with
 * OpenSSL and served by a certificate source that counts its calls.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "token.h"
#include "../tap.h"

/* ---- test PKI ---- */

typedef struct test_cert {
    uint8_t *der;
    size_t len;
    X509 *x509;
} test_cert;

static EVP_PKEY *card_key, *ca_key, *ec_key;
static test_cert ca_cert, card_cert, card2_cert, sign_cert, ec_cert;

static X509_NAME *make_name(const char *cn)
{
    X509_NAME *name = X509_NAME_new();

    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    return name;
}

/* serial_hex: a big serial with the high bit set, so that the DER INTEGER
 * needs a leading zero byte (NSS compares the DER form). */
static bool make_cert(test_cert *out, EVP_PKEY *key, const char *cn, EVP_PKEY *issuer_key,
                      const char *issuer_cn, const char *serial_hex)
{
    X509 *x = X509_new();
    X509_NAME *subject = make_name(cn), *issuer = make_name(issuer_cn);
    BIGNUM *bn = NULL;
    int n;

    BN_hex2bn(&bn, serial_hex);
    X509_set_version(x, 2);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    X509_set_subject_name(x, subject);
    X509_set_issuer_name(x, issuer);
    ASN1_TIME_set_string(X509_getm_notBefore(x), "20250102030405Z");
    ASN1_TIME_set_string(X509_getm_notAfter(x), "20300405235959Z");
    X509_set_pubkey(x, key);
    X509_sign(x, issuer_key, EVP_sha256());
    out->der = NULL;
    n = i2d_X509(x, &out->der);
    out->len = n > 0 ? (size_t)n : 0;
    out->x509 = x;
    X509_NAME_free(subject);
    X509_NAME_free(issuer);
    BN_free(bn);
    return n > 0;
}

static void free_cert(test_cert *c)
{
    OPENSSL_free(c->der);
    X509_free(c->x509);
}

/* ---- a certificate source that counts ---- */

typedef struct test_source {
    const test_cert *auth, *auth_ca, *sign, *sign_ca;
    int calls;
    CK_RV fail;  /* CKR_OK: answer */
} test_source;

static CK_RV test_get(void *ctx, uint16_t fid, const uint8_t **der, size_t *der_len)
{
    test_source *s = ctx;
    const test_cert *c = NULL;

    s->calls++;
    if (s->fail != CKR_OK)
        return s->fail;
    switch (fid) {
    case JPKI_EF_AUTH_CERT: c = s->auth; break;
    case JPKI_EF_AUTH_CA: c = s->auth_ca; break;
    case JPKI_EF_SIGN_CERT: c = s->sign; break;
    case JPKI_EF_SIGN_CA: c = s->sign_ca; break;
    default: break;
    }
    if (c == NULL)
        return CKR_OBJECT_HANDLE_INVALID;
    *der = c->der;
    *der_len = c->len;
    return CKR_OK;
}

static test_source tsrc;
static jpki_cert_source src = {test_get, NULL, &tsrc};

static void source_reset(void)
{
    tsrc.auth = &card_cert;
    tsrc.auth_ca = &ca_cert;
    tsrc.sign = &sign_cert;
    tsrc.sign_ca = &ca_cert;
    tsrc.calls = 0;
    tsrc.fail = CKR_OK;
}

/* ---- helpers ---- */

static uint8_t buf[8192];
static CK_ULONG buf_len;

/* One attribute into buf / buf_len. */
static CK_RV get1(jpki_object_id id, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a = {type, buf, sizeof buf};
    CK_RV rv;

    memset(buf, 0, sizeof buf);
    rv = jpki_object_get_attributes(id, &src, &a, 1);
    buf_len = a.ulValueLen;
    return rv;
}

static void check_bool(jpki_object_id id, CK_ATTRIBUTE_TYPE type, CK_BBOOL want)
{
    CK_RV rv = get1(id, type);

    ok(rv == CKR_OK && buf_len == sizeof(CK_BBOOL) && buf[0] == want,
       "obj %d attr 0x%lx = %s", (int)id, type, want ? "TRUE" : "FALSE");
}

static void check_ulong(jpki_object_id id, CK_ATTRIBUTE_TYPE type, CK_ULONG want)
{
    CK_ULONG got = 0;
    CK_RV rv = get1(id, type);

    memcpy(&got, buf, sizeof got);
    ok(rv == CKR_OK && buf_len == sizeof(CK_ULONG) && got == want, "obj %d attr 0x%lx = 0x%lx",
       (int)id, type, want);
    if (rv != CKR_OK || got != want)
        diag("rv 0x%lx, len %lu, got 0x%lx", rv, buf_len, got);
}

static void check_bytes(jpki_object_id id, CK_ATTRIBUTE_TYPE type, const void *want,
                        size_t want_len, const char *what)
{
    CK_RV rv = get1(id, type);

    ok(rv == CKR_OK && buf_len == want_len && memcmp(buf, want, want_len) == 0,
       "obj %d attr 0x%lx: %s", (int)id, type, what);
    if (rv != CKR_OK || buf_len != want_len)
        diag("rv 0x%lx, len %lu, want %zu", rv, buf_len, want_len);
}

static void check_invalid(jpki_object_id id, CK_ATTRIBUTE_TYPE type)
{
    CK_RV rv = get1(id, type);

    ok(rv == CKR_ATTRIBUTE_TYPE_INVALID && buf_len == CK_UNAVAILABLE_INFORMATION,
       "obj %d attr 0x%lx: type invalid", (int)id, type);
}

static void check_sensitive(jpki_object_id id, CK_ATTRIBUTE_TYPE type)
{
    CK_ATTRIBUTE a = {type, NULL, 0};
    CK_RV rv = get1(id, type);

    ok(rv == CKR_ATTRIBUTE_SENSITIVE && buf_len == CK_UNAVAILABLE_INFORMATION,
       "obj %d attr 0x%lx: sensitive", (int)id, type);
    rv = jpki_object_get_attributes(id, &src, &a, 1);
    ok(rv == CKR_ATTRIBUTE_SENSITIVE && a.ulValueLen == CK_UNAVAILABLE_INFORMATION,
       "obj %d attr 0x%lx: sensitive, length query too", (int)id, type);
}

static void check_label(jpki_object_id id, const char *label)
{
    check_bytes(id, CKA_LABEL, label, strlen(label), label);
}

static void check_id(jpki_object_id id, uint8_t ckaid)
{
    check_bytes(id, CKA_ID, &ckaid, 1, "CKA_ID");
}

static size_t der_of_name(const X509_NAME *name, uint8_t **out)
{
    int n = i2d_X509_NAME(name, out);
    return n > 0 ? (size_t)n : 0;
}

static size_t der_of_serial(const X509 *x, uint8_t **out)
{
    int n = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), out);
    return n > 0 ? (size_t)n : 0;
}

static void check_dates(jpki_object_id id)
{
    CK_DATE d;

    memcpy(d.year, "2025", 4);
    memcpy(d.month, "01", 2);
    memcpy(d.day, "02", 2);
    check_bytes(id, CKA_START_DATE, &d, sizeof d, "start date 20250102");
    memcpy(d.year, "2030", 4);
    memcpy(d.month, "04", 2);
    memcpy(d.day, "05", 2);
    check_bytes(id, CKA_END_DATE, &d, sizeof d, "end date 20300405");
}

static void check_storage(jpki_object_id id, CK_OBJECT_CLASS klass, bool is_private)
{
    check_ulong(id, CKA_CLASS, klass);
    check_bool(id, CKA_TOKEN, CK_TRUE);
    check_bool(id, CKA_PRIVATE, is_private ? CK_TRUE : CK_FALSE);
    check_bool(id, CKA_MODIFIABLE, CK_FALSE);
    check_bool(id, CKA_COPYABLE, CK_FALSE);
    check_bool(id, CKA_DESTROYABLE, CK_FALSE);
}

/* ---- tests ---- */

static void test_tables(void)
{
    jpki_object_id ids[JPKI_OBJ_COUNT];
    size_t n;

    for (int i = 0; i < JPKI_OBJ_COUNT; i++) {
        const jpki_object_def *d = jpki_object_def_get((jpki_object_id)i);
        ok(d != NULL && (int)d->id == i, "def %d indexed by its id", i);
    }
    ok(jpki_object_def_get(JPKI_OBJ_COUNT) == NULL, "def past the end: NULL");

    n = jpki_token_objects(NULL, JPKI_ROLE_AUTH, false, ids);
    ok(n == 5 && ids[0] == JPKI_OBJ_AUTH_CERT && ids[1] == JPKI_OBJ_AUTH_PUBKEY &&
           ids[2] == JPKI_OBJ_AUTH_CA && ids[3] == JPKI_OBJ_AUTH_PROFILE &&
           ids[4] == JPKI_OBJ_AUTH_SIGN_CA,
       "auth token, public: cert, public key, CA, profile, sign CA (as OpenSC)");
    n = jpki_token_objects(NULL, JPKI_ROLE_AUTH, true, ids);
    ok(n == 6 && ids[0] == JPKI_OBJ_AUTH_CERT && ids[5] == JPKI_OBJ_AUTH_KEY,
       "auth token, logged in: + private key, at the end");
    n = jpki_token_objects(NULL, JPKI_ROLE_SIGN, false, ids);
    ok(n == 1 && ids[0] == JPKI_OBJ_SIGN_CA, "sign token, public: CA only");
    n = jpki_token_objects(NULL, JPKI_ROLE_SIGN, true, ids);
    ok(n == 4 && ids[0] == JPKI_OBJ_SIGN_CA && ids[1] == JPKI_OBJ_SIGN_CERT &&
           ids[2] == JPKI_OBJ_SIGN_PUBKEY && ids[3] == JPKI_OBJ_SIGN_KEY,
       "sign token, logged in: CA, cert, public key, key");
    /* Android: the auth certificate needs the PIN; nothing at all before
     * the login, on either token (OpenSSH logs in only to tokens that show
     * nothing). */
    const jpki_card_profile *android = jpki_profile_of_kind(JPKI_TOKEN_ANDROID);
    n = jpki_token_objects(android, JPKI_ROLE_AUTH, false, ids);
    ok(n == 0, "Android auth token, before login: no object");
    n = jpki_token_objects(android, JPKI_ROLE_SIGN, false, ids);
    ok(n == 0, "Android sign token, before login: no object");
    n = jpki_token_objects(android, JPKI_ROLE_AUTH, true, ids);
    ok(n == 5 && ids[0] == JPKI_OBJ_AUTH_CA && ids[1] == JPKI_OBJ_AUTH_SIGN_CA &&
           ids[2] == JPKI_OBJ_AUTH_CERT && ids[3] == JPKI_OBJ_AUTH_PUBKEY &&
           ids[4] == JPKI_OBJ_AUTH_KEY,
       "Android auth token, logged in: + certificate, public key, key (no profile)");
    n = jpki_token_objects(jpki_profile_of_kind(JPKI_TOKEN_IPHONE), JPKI_ROLE_AUTH, false, ids);
    is_ulong(n, 5, "iPhone auth token, public: as a card's");

    ok(jpki_object_def_get(JPKI_OBJ_AUTH_CERT)->cert_fid == JPKI_EF_AUTH_CERT &&
           jpki_object_def_get(JPKI_OBJ_AUTH_KEY)->cert_fid == JPKI_EF_AUTH_CERT &&
           jpki_object_def_get(JPKI_OBJ_AUTH_CA)->cert_fid == JPKI_EF_AUTH_CA &&
           jpki_object_def_get(JPKI_OBJ_SIGN_CA)->cert_fid == JPKI_EF_SIGN_CA &&
           jpki_object_def_get(JPKI_OBJ_SIGN_KEY)->cert_fid == JPKI_EF_SIGN_CERT &&
           jpki_object_def_get(JPKI_OBJ_AUTH_PROFILE)->cert_fid == 0,
       "certificate EFs");
}

static void test_cert_attrs(jpki_object_id id, const test_cert *c, const char *label,
                            uint8_t ckaid, bool is_private, CK_ULONG category)
{
    uint8_t *subject = NULL, *issuer = NULL, *serial = NULL, *spki = NULL;
    size_t subject_len = der_of_name(X509_get_subject_name(c->x509), &subject);
    size_t issuer_len = der_of_name(X509_get_issuer_name(c->x509), &issuer);
    size_t serial_len = der_of_serial(c->x509, &serial);
    int spki_len = i2d_PUBKEY(X509_get0_pubkey(c->x509), &spki);
    uint8_t sha1[20], key_hash[20];
    const ASN1_BIT_STRING *key_bits = X509_get0_pubkey_bitstr(c->x509);
    bool self_issued = issuer_len == subject_len && memcmp(issuer, subject, subject_len) == 0;

    EVP_Digest(c->der, c->len, sha1, NULL, EVP_sha1(), NULL);
    EVP_Digest(key_bits->data, (size_t)key_bits->length, key_hash, NULL, EVP_sha1(), NULL);

    check_storage(id, CKO_CERTIFICATE, is_private);
    check_label(id, label);
    check_id(id, ckaid);
    check_ulong(id, CKA_CERTIFICATE_TYPE, CKC_X_509);
    check_ulong(id, CKA_CERTIFICATE_CATEGORY, category);
    check_bool(id, CKA_TRUSTED, CK_FALSE);
    check_bytes(id, CKA_VALUE, c->der, c->len, "value is the DER");
    check_bytes(id, CKA_SUBJECT, subject, subject_len, "subject DER");
    check_bytes(id, CKA_ISSUER, issuer, issuer_len, "issuer DER");
    check_bytes(id, CKA_SERIAL_NUMBER, serial, serial_len, "serial as DER INTEGER");
    check_bytes(id, CKA_CHECK_VALUE, sha1, 3, "check value: SHA-1[0..3)");
    check_bytes(id, CKA_PUBLIC_KEY_INFO, spki, (size_t)spki_len, "SubjectPublicKeyInfo");
    check_bytes(id, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, key_hash, 20, "SHA-1 of subject key");
    if (self_issued)
        check_bytes(id, CKA_HASH_OF_ISSUER_PUBLIC_KEY, key_hash, 20, "self-issued: own key");
    else
        check_bytes(id, CKA_HASH_OF_ISSUER_PUBLIC_KEY, "", 0, "issuer key hash: empty");
    check_bytes(id, CKA_URL, "", 0, "URL empty");
    check_ulong(id, CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
    check_ulong(id, CKA_NAME_HASH_ALGORITHM, CKM_SHA_1);
    check_dates(id);
    check_invalid(id, CKA_MODULUS);
    check_invalid(id, CKA_KEY_TYPE);
    check_invalid(id, CKA_SIGN);
    check_invalid(id, CKA_PROFILE_ID);
    OPENSSL_free(subject);
    OPENSSL_free(issuer);
    OPENSSL_free(serial);
    OPENSSL_free(spki);
}

static void test_key_common(jpki_object_id id, const test_cert *c, uint8_t ckaid)
{
    EVP_PKEY *pkey = X509_get0_pubkey(c->x509);
    BIGNUM *n = NULL, *e = NULL;
    uint8_t mod[512], exp[16], *subject = NULL, *spki = NULL;
    int mod_len, exp_len, spki_len;
    size_t subject_len = der_of_name(X509_get_subject_name(c->x509), &subject);
    CK_MECHANISM_TYPE mechs[6] = {CKM_RSA_PKCS,        CKM_SHA1_RSA_PKCS,
                                  CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS,
                                  CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS};

    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
    mod_len = BN_bn2bin(n, mod);
    exp_len = BN_bn2bin(e, exp);
    spki_len = i2d_PUBKEY(pkey, &spki);

    check_id(id, ckaid);
    check_ulong(id, CKA_KEY_TYPE, CKK_RSA);
    check_bytes(id, CKA_SUBJECT, subject, subject_len, "subject of the certificate");
    check_bytes(id, CKA_MODULUS, mod, (size_t)mod_len, "modulus");
    check_bytes(id, CKA_PUBLIC_EXPONENT, exp, (size_t)exp_len, "public exponent");
    check_bytes(id, CKA_PUBLIC_EXPONENT, "\x01\x00\x01", 3, "exponent 65537");
    check_ulong(id, CKA_MODULUS_BITS, 2048);
    check_bytes(id, CKA_PUBLIC_KEY_INFO, spki, (size_t)spki_len, "SubjectPublicKeyInfo");
    check_bytes(id, CKA_ALLOWED_MECHANISMS, mechs, sizeof mechs, "the six mechanisms");
    check_bool(id, CKA_DERIVE, CK_FALSE);
    check_bool(id, CKA_LOCAL, CK_FALSE);
    check_ulong(id, CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
    check_dates(id);
    check_invalid(id, CKA_CERTIFICATE_TYPE);
    check_invalid(id, CKA_PROFILE_ID);
    BN_free(n);
    BN_free(e);
    OPENSSL_free(subject);
    OPENSSL_free(spki);
}

static void test_public_key(jpki_object_id id, const test_cert *c, const char *label,
                            uint8_t ckaid, bool is_private)
{
    check_storage(id, CKO_PUBLIC_KEY, is_private);
    check_label(id, label);
    test_key_common(id, c, ckaid);
    check_bool(id, CKA_VERIFY, CK_TRUE);
    check_bool(id, CKA_ENCRYPT, CK_FALSE);
    check_bool(id, CKA_WRAP, CK_FALSE);
    check_bool(id, CKA_VERIFY_RECOVER, CK_FALSE);
    check_bool(id, CKA_TRUSTED, CK_FALSE);
    check_invalid(id, CKA_SIGN);
    check_invalid(id, CKA_SENSITIVE);
    check_invalid(id, CKA_VALUE);
}

static void test_private_key(jpki_object_id id, const test_cert *c, const char *label,
                             uint8_t ckaid, bool always_auth)
{
    static const CK_ATTRIBUTE_TYPE secret[] = {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
                                               CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT,
                                               CKA_VALUE};

    check_storage(id, CKO_PRIVATE_KEY, true);
    check_label(id, label);
    test_key_common(id, c, ckaid);
    check_bool(id, CKA_SENSITIVE, CK_TRUE);
    check_bool(id, CKA_ALWAYS_SENSITIVE, CK_TRUE);
    check_bool(id, CKA_NEVER_EXTRACTABLE, CK_TRUE);
    check_bool(id, CKA_EXTRACTABLE, CK_FALSE);
    check_bool(id, CKA_SIGN, CK_TRUE);
    check_bool(id, CKA_SIGN_RECOVER, CK_FALSE);
    check_bool(id, CKA_DECRYPT, CK_FALSE);
    check_bool(id, CKA_UNWRAP, CK_FALSE);
    check_bool(id, CKA_WRAP_WITH_TRUSTED, CK_FALSE);
    check_bool(id, CKA_ALWAYS_AUTHENTICATE, always_auth ? CK_TRUE : CK_FALSE);
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        check_sensitive(id, secret[i]);
    check_invalid(id, CKA_VERIFY);
    check_invalid(id, CKA_ISSUER);
}

static void test_profile(void)
{
    source_reset();
    check_ulong(JPKI_OBJ_AUTH_PROFILE, CKA_CLASS, CKO_PROFILE);
    check_ulong(JPKI_OBJ_AUTH_PROFILE, CKA_PROFILE_ID, CKP_PUBLIC_CERTIFICATES_TOKEN);
    check_bool(JPKI_OBJ_AUTH_PROFILE, CKA_TOKEN, CK_TRUE);
    check_bool(JPKI_OBJ_AUTH_PROFILE, CKA_PRIVATE, CK_FALSE);
    check_bool(JPKI_OBJ_AUTH_PROFILE, CKA_MODIFIABLE, CK_FALSE);
    check_invalid(JPKI_OBJ_AUTH_PROFILE, CKA_LABEL);
    check_invalid(JPKI_OBJ_AUTH_PROFILE, CKA_ID);
    check_invalid(JPKI_OBJ_AUTH_PROFILE, CKA_VALUE);
    is_ulong((unsigned long)tsrc.calls, 0, "profile: no certificate read");
}

static void test_get_semantics(void)
{
    CK_ULONG klass = 0;
    uint8_t small[10], label[64];
    CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};
    CK_ATTRIBUTE mixed[5];
    CK_RV rv;

    source_reset();
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, &a, 1);
    ok(rv == CKR_OK && a.ulValueLen == card_cert.len, "length query: DER length");
    a.pValue = small;
    a.ulValueLen = sizeof small;
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, &a, 1);
    ok(rv == CKR_BUFFER_TOO_SMALL && a.ulValueLen == CK_UNAVAILABLE_INFORMATION,
       "buffer too small: CK_UNAVAILABLE_INFORMATION + CKR_BUFFER_TOO_SMALL");
    a.pValue = buf;
    a.ulValueLen = card_cert.len;
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, &a, 1);
    ok(rv == CKR_OK && a.ulValueLen == card_cert.len, "exact buffer");
    a.type = CKA_LABEL;
    a.pValue = small;
    a.ulValueLen = sizeof small;
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, &a, 1);
    ok(rv == CKR_BUFFER_TOO_SMALL && a.ulValueLen == CK_UNAVAILABLE_INFORMATION,
       "label: buffer too small");
    check_invalid(JPKI_OBJ_AUTH_CERT, CKA_VENDOR_DEFINED | 0x1234);
    check_invalid(JPKI_OBJ_AUTH_KEY, CKA_VENDOR_DEFINED);
    is_ulong(jpki_object_get_attributes(JPKI_OBJ_COUNT, &src, &a, 1), CKR_OBJECT_HANDLE_INVALID,
             "unknown object");
    is_ulong(jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, NULL, 0), CKR_OK,
             "empty template");

    /* Every attribute is processed whatever happened to the ones before. */
    memset(label, 0, sizeof label);
    mixed[0] = (CK_ATTRIBUTE){CKA_CLASS, &klass, sizeof klass};
    mixed[1] = (CK_ATTRIBUTE){CKA_VENDOR_DEFINED | 7, buf, sizeof buf};
    mixed[2] = (CK_ATTRIBUTE){CKA_LABEL, NULL, 0};
    mixed[3] = (CK_ATTRIBUTE){CKA_VALUE, small, sizeof small};
    mixed[4] = (CK_ATTRIBUTE){CKA_LABEL, label, sizeof label};
    tsrc.calls = 0;
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, mixed, 5);
    ok(rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_BUFFER_TOO_SMALL,
       "mixed: one of the errors (0x%lx)", rv);
    ok(klass == CKO_CERTIFICATE && mixed[0].ulValueLen == sizeof klass, "mixed: class filled");
    ok(mixed[1].ulValueLen == CK_UNAVAILABLE_INFORMATION, "mixed: invalid marked");
    ok(mixed[2].ulValueLen == strlen("User Authentication Certificate"), "mixed: length query");
    ok(mixed[3].ulValueLen == CK_UNAVAILABLE_INFORMATION, "mixed: too small marked");
    ok(mixed[4].ulValueLen == strlen("User Authentication Certificate") &&
           memcmp(label, "User Authentication Certificate", mixed[4].ulValueLen) == 0,
       "mixed: label after the errors filled");
    is_ulong((unsigned long)tsrc.calls, 1, "mixed: certificate read once");

    /* Sensitive wins over nothing; combined with an invalid type, either. */
    mixed[0] = (CK_ATTRIBUTE){CKA_PRIVATE_EXPONENT, buf, sizeof buf};
    mixed[1] = (CK_ATTRIBUTE){CKA_MODULUS, NULL, 0};
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_KEY, &src, mixed, 2);
    ok(rv == CKR_ATTRIBUTE_SENSITIVE && mixed[0].ulValueLen == CK_UNAVAILABLE_INFORMATION &&
           mixed[1].ulValueLen == 256,
       "sensitive + modulus length: both processed");
}

static size_t find_all(const CK_ATTRIBUTE *tmpl, CK_ULONG count, bool found[JPKI_OBJ_COUNT])
{
    size_t n = 0;

    for (int i = 0; i < JPKI_OBJ_COUNT; i++) {
        bool m = false;
        CK_RV rv = jpki_object_match((jpki_object_id)i, &src, tmpl, count, &m);
        if (rv != CKR_OK)
            diag("match %d: rv 0x%lx", i, rv);
        found[i] = rv == CKR_OK && m;
        n += found[i];
    }
    return n;
}

static void test_match(void)
{
    bool f[JPKI_OBJ_COUNT];
    CK_OBJECT_CLASS cls;
    CK_BBOOL yes = CK_TRUE;
    uint8_t id1 = 1, id2 = 2;
    unsigned int cls32;
    const char *label = "Digital Signature Key";
    CK_ATTRIBUTE t[3];
    size_t n;
    bool m;

    source_reset();
    n = find_all(NULL, 0, f);
    is_ulong(n, JPKI_OBJ_COUNT, "empty template matches everything");

    cls = CKO_CERTIFICATE;
    t[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
    n = find_all(t, 1, f);
    ok(n == 5 && f[JPKI_OBJ_AUTH_CERT] && f[JPKI_OBJ_AUTH_CA] && f[JPKI_OBJ_SIGN_CA] &&
           f[JPKI_OBJ_SIGN_CERT] && f[JPKI_OBJ_AUTH_SIGN_CA],
       "class certificate: the four certificates, the sign CA on both tokens");
    cls = CKO_PRIVATE_KEY;
    n = find_all(t, 1, f);
    ok(n == 2 && f[JPKI_OBJ_AUTH_KEY] && f[JPKI_OBJ_SIGN_KEY], "class private key: two");
    cls = CKO_PROFILE;
    n = find_all(t, 1, f);
    ok(n == 1 && f[JPKI_OBJ_AUTH_PROFILE], "class profile: one");

    t[0] = (CK_ATTRIBUTE){CKA_ID, &id1, 1};
    n = find_all(t, 1, f);
    ok(n == 3 && f[JPKI_OBJ_AUTH_CERT] && f[JPKI_OBJ_AUTH_PUBKEY] && f[JPKI_OBJ_AUTH_KEY],
       "ID 01: cert, public key, key");
    t[0] = (CK_ATTRIBUTE){CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)};
    n = find_all(t, 1, f);
    ok(n == 1 && f[JPKI_OBJ_SIGN_KEY], "label: the sign key");
    t[0].ulValueLen--;
    n = find_all(t, 1, f);
    is_ulong(n, 0, "label prefix: no match");

    cls = CKO_PRIVATE_KEY;
    t[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
    t[1] = (CK_ATTRIBUTE){CKA_ID, &id2, 1};
    n = find_all(t, 2, f);
    ok(n == 1 && f[JPKI_OBJ_SIGN_KEY], "class + ID: the sign key");
    t[2] = (CK_ATTRIBUTE){CKA_SIGN, &yes, sizeof yes};
    n = find_all(t, 3, f);
    ok(n == 1 && f[JPKI_OBJ_SIGN_KEY], "class + ID + sign: the sign key");
    t[0] = (CK_ATTRIBUTE){CKA_TOKEN, &yes, sizeof yes};
    n = find_all(t, 1, f);
    is_ulong(n, JPKI_OBJ_COUNT, "token TRUE: everything");

    /* A CK_ULONG compares as a CK_ULONG: 4 bytes of it never match. */
    cls32 = CKO_CERTIFICATE;
    t[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls32, sizeof cls32};
    n = find_all(t, 1, f);
    is_ulong(n, 0, "class of the wrong size: no match");
    t[0] = (CK_ATTRIBUTE){CKA_PROFILE_ID, &cls, sizeof cls};
    cls = CKP_PUBLIC_CERTIFICATES_TOKEN;
    n = find_all(t, 1, f);
    ok(n == 1 && f[JPKI_OBJ_AUTH_PROFILE], "attribute only the profile has");
    is_ulong((unsigned long)tsrc.calls, 0, "static matching read no certificate");

    /* "Private keys with this value" never reads: CKA_VALUE is sensitive. */
    cls = CKO_PRIVATE_KEY;
    t[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
    t[1] = (CK_ATTRIBUTE){CKA_VALUE, card_cert.der, (CK_ULONG)card_cert.len};
    n = find_all(t, 2, f);
    ok(n == 0 && tsrc.calls == 0, "sensitive attribute: no match, no read");

    t[0] = (CK_ATTRIBUTE){CKA_VALUE, card_cert.der, (CK_ULONG)card_cert.len};
    n = find_all(t, 1, f);
    ok(n == 1 && f[JPKI_OBJ_AUTH_CERT], "value: the auth certificate");
    ok(tsrc.calls > 0, "matching by value reads certificates (%d)", tsrc.calls);

    tsrc.calls = 0;
    cls = CKO_CERTIFICATE;
    t[0] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
    t[1] = (CK_ATTRIBUTE){CKA_ID, &id1, 1};
    t[2] = (CK_ATTRIBUTE){CKA_VALUE, card_cert.der, (CK_ULONG)card_cert.len};
    n = find_all(t, 3, f);
    ok(n == 1 && f[JPKI_OBJ_AUTH_CERT], "class + ID + value");
    is_ulong((unsigned long)tsrc.calls, 1, "only the candidate's certificate read");

    m = true;
    is_ulong(jpki_object_match(JPKI_OBJ_COUNT, &src, NULL, 0, &m), CKR_OBJECT_HANDLE_INVALID,
             "match: unknown object");
}

static void test_source_errors(void)
{
    CK_ATTRIBUTE a[2];
    CK_ULONG klass = 0, size = 0;
    bool m = true;
    CK_RV rv;

    source_reset();
    tsrc.fail = CKR_DEVICE_REMOVED;
    a[0] = (CK_ATTRIBUTE){CKA_CLASS, &klass, sizeof klass};
    a[1] = (CK_ATTRIBUTE){CKA_VALUE, buf, sizeof buf};
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, a, 2);
    is_ulong(rv, CKR_DEVICE_REMOVED, "source error is the result");
    ok(klass == CKO_CERTIFICATE && a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION,
       "source error: static attribute still filled, the other marked");
    rv = jpki_object_get_attributes(JPKI_OBJ_AUTH_CERT, &src, a, 1);
    is_ulong(rv, CKR_OK, "static attributes need no source");
    rv = jpki_object_match(JPKI_OBJ_AUTH_CERT, &src, &a[1], 1, &m);
    ok(rv == CKR_DEVICE_REMOVED && !m, "match: source error propagates");
    is_ulong(jpki_object_size(JPKI_OBJ_AUTH_CERT, &src, &size), CKR_DEVICE_REMOVED,
             "size: source error propagates");

    /* No sign certificate on the card (e.g. a Juki card). */
    source_reset();
    tsrc.sign = NULL;
    rv = get1(JPKI_OBJ_SIGN_KEY, CKA_MODULUS);
    is_ulong(rv, CKR_OBJECT_HANDLE_INVALID, "missing certificate: the source's error");

    /* Certificates that are no good. */
    source_reset();
    tsrc.auth = &ec_cert;
    /* A key the module cannot drive: its certificate is shown, its key
     * says what it is and offers no mechanism. */
    is_ulong(get1(JPKI_OBJ_AUTH_PUBKEY, CKA_MODULUS), CKR_ATTRIBUTE_TYPE_INVALID,
             "EC key: no modulus");
    is_ulong(get1(JPKI_OBJ_AUTH_CERT, CKA_LABEL), CKR_OK, "EC key: static attributes fine");
    ok(get1(JPKI_OBJ_AUTH_CERT, CKA_VALUE) == CKR_OK && buf_len == ec_cert.len &&
           memcmp(buf, ec_cert.der, ec_cert.len) == 0,
       "EC key: the certificate is shown");
    check_ulong(JPKI_OBJ_AUTH_PUBKEY, CKA_KEY_TYPE, CKK_EC);
    check_ulong(JPKI_OBJ_AUTH_KEY, CKA_KEY_TYPE, CKK_EC);
    ok(get1(JPKI_OBJ_AUTH_KEY, CKA_ALLOWED_MECHANISMS) == CKR_OK && buf_len == 0,
       "EC key: no allowed mechanism");
    /* P-256: OID 1.2.840.10045.3.1.7; the point 04 || X || Y in an OCTET STRING. */
    ok(get1(JPKI_OBJ_AUTH_PUBKEY, CKA_EC_PARAMS) == CKR_OK && buf_len == 10 &&
           memcmp(buf, "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10) == 0,
       "EC key: CKA_EC_PARAMS names P-256");
    ok(get1(JPKI_OBJ_AUTH_PUBKEY, CKA_EC_POINT) == CKR_OK && buf_len == 67 && buf[0] == 0x04 &&
           buf[1] == 65 && buf[2] == 0x04,
       "EC key: CKA_EC_POINT, an uncompressed point in an OCTET STRING");
    tsrc.auth = &card_cert;
    is_ulong(get1(JPKI_OBJ_AUTH_PUBKEY, CKA_EC_POINT), CKR_ATTRIBUTE_TYPE_INVALID,
             "RSA key: no CKA_EC_POINT");
    is_ulong(get1(JPKI_OBJ_AUTH_KEY, CKA_EC_PARAMS), CKR_ATTRIBUTE_TYPE_INVALID,
             "private key: no CKA_EC_PARAMS");
    {
        test_cert junk = {(uint8_t *)"\x30\x03\x02\x01\x00", 5, NULL};
        test_cert cut = {card_cert.der, card_cert.len - 20, NULL};
        tsrc.auth = &junk;
        is_ulong(get1(JPKI_OBJ_AUTH_CERT, CKA_VALUE), CKR_DEVICE_ERROR, "junk: device error");
        tsrc.auth = &cut;
        is_ulong(get1(JPKI_OBJ_AUTH_CERT, CKA_SUBJECT), CKR_DEVICE_ERROR,
                 "truncated: device error");
    }
}

static void test_size(void)
{
    CK_ULONG size = 0;

    source_reset();
    ok(jpki_object_size(JPKI_OBJ_AUTH_CERT, &src, &size) == CKR_OK && size == card_cert.len,
       "size of a certificate: its DER length");
    ok(jpki_object_size(JPKI_OBJ_AUTH_CA, &src, &size) == CKR_OK && size == ca_cert.len,
       "size of the CA certificate");
    tsrc.calls = 0;
    ok(jpki_object_size(JPKI_OBJ_AUTH_KEY, &src, &size) == CKR_OK &&
           size == CK_UNAVAILABLE_INFORMATION && tsrc.calls == 0,
       "size of a key: unavailable, no read");
    ok(jpki_object_size(JPKI_OBJ_AUTH_PROFILE, &src, &size) == CKR_OK &&
           size == CK_UNAVAILABLE_INFORMATION,
       "size of the profile: unavailable");
}

static void test_serial(void)
{
    char s1[16], s2[16], s3[16];
    bool printable = true;

    is_ulong(jpki_token_serial(card_cert.der, card_cert.len, s1), CKR_OK, "serial");
    for (size_t i = 0; i < 16; i++)
        printable = printable && ((s1[i] >= '0' && s1[i] <= '9') || (s1[i] >= 'A' && s1[i] <= 'F'));
    ok(printable, "serial: 16 upper-case hex digits (%.16s)", s1);
    jpki_token_serial(card_cert.der, card_cert.len, s2);
    ok(memcmp(s1, s2, 16) == 0, "serial: stable for one card");
    jpki_token_serial(card2_cert.der, card2_cert.len, s3);
    ok(memcmp(s1, s3, 16) != 0, "serial: differs for another card (%.16s)", s3);
    is_ulong(jpki_token_serial((const uint8_t *)"\x30\x00", 2, s3), CKR_DEVICE_ERROR,
             "serial: junk certificate");
    is_ulong(jpki_token_serial(NULL, 0, s3), CKR_ARGUMENTS_BAD, "serial: no certificate");
}

int main(void)
{
    card_key = EVP_RSA_gen(2048);
    ca_key = EVP_RSA_gen(1024);
    ec_key = EVP_EC_gen("P-256");
    if (card_key == NULL || ca_key == NULL || ec_key == NULL ||
        !make_cert(&ca_cert, ca_key, "JPKI-TEST CA", ca_key, "JPKI-TEST CA", "1234") ||
        !make_cert(&card_cert, card_key, "0123ABCD", ca_key, "JPKI-TEST CA",
                   "80112233445566778899") ||
        !make_cert(&card2_cert, card_key, "0123ABCD", ca_key, "JPKI-TEST CA",
                   "80112233445566778898") ||
        !make_cert(&sign_cert, card_key, "Taro Yamada", ca_key, "JPKI-TEST CA", "4242") ||
        !make_cert(&ec_cert, ec_key, "ec", ca_key, "JPKI-TEST CA", "99")) {
        printf("Bail out! cannot make the test PKI\n");
        return 1;
    }
    source_reset();

    test_tables();
    test_cert_attrs(JPKI_OBJ_AUTH_CERT, &card_cert, "User Authentication Certificate", 1,
                    false, 1);
    test_cert_attrs(JPKI_OBJ_AUTH_CA, &ca_cert, "User Authentication Certificate CA", 3, false,
                    2);
    test_cert_attrs(JPKI_OBJ_SIGN_CA, &ca_cert, "Digital Signature Certificate CA", 4, false, 2);
    test_cert_attrs(JPKI_OBJ_SIGN_CERT, &sign_cert, "Digital Signature Certificate", 2, true, 1);
    test_public_key(JPKI_OBJ_AUTH_PUBKEY, &card_cert, "User Authentication Public Key", 1, false);
    test_public_key(JPKI_OBJ_SIGN_PUBKEY, &sign_cert, "Digital Signature Public Key", 2, true);
    test_private_key(JPKI_OBJ_AUTH_KEY, &card_cert, "User Authentication Key", 1, false);
    test_private_key(JPKI_OBJ_SIGN_KEY, &sign_cert, "Digital Signature Key", 2, true);
    test_profile();
    test_get_semantics();
    test_match();
    test_source_errors();
    test_size();
    test_serial();

    free_cert(&ca_cert);
    free_cert(&card_cert);
    free_cert(&card2_cert);
    free_cert(&sign_cert);
    free_cert(&ec_cert);
    EVP_PKEY_free(card_key);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(ec_key);
    return done_testing();
}
