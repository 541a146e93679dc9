/*
 * test-mech.c: the mechanism table, hashing and DigestInfo on the host,
 * CKM_RSA_PKCS buffering, and the check of a card signature against the
 * certificate (keys and certificates made in-process with OpenSSL).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "mech.h"
#include "../tap.h"

static const jpki_key_info rsa2048 = { CKK_RSA, 2048 };

static const CK_MECHANISM_TYPE expected_mechs[] = {
    CKM_RSA_PKCS,        CKM_SHA1_RSA_PKCS,   CKM_SHA224_RSA_PKCS,
    CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS,
};
#define N_MECHS (sizeof expected_mechs / sizeof expected_mechs[0])

static void test_list(void)
{
    CK_MECHANISM_TYPE list[16];
    CK_ULONG count = 0;
    CK_RV rv;

    rv = jpki_mech_list(NULL, &count);
    is_ulong(rv, CKR_OK, "list: length query");
    is_ulong(count, N_MECHS, "list: six mechanisms");

    count = 3;
    list[0] = 0x12345;
    rv = jpki_mech_list(list, &count);
    is_ulong(rv, CKR_BUFFER_TOO_SMALL, "list: short buffer");
    is_ulong(count, N_MECHS, "list: short buffer sets the count");
    is_ulong(list[0], 0x12345, "list: short buffer untouched");

    count = 16;
    rv = jpki_mech_list(list, &count);
    is_ulong(rv, CKR_OK, "list: big buffer");
    is_ulong(count, N_MECHS, "list: count");
    for (size_t i = 0; i < N_MECHS; i++)
        is_ulong(list[i], expected_mechs[i], "list[%zu]", i);

    count = N_MECHS;
    rv = jpki_mech_list(list, &count);
    is_ulong(rv, CKR_OK, "list: exact buffer");
    is_ulong(jpki_mech_list(list, NULL), CKR_ARGUMENTS_BAD, "list: count NULL");
}

static void test_info(void)
{
    static const CK_MECHANISM_TYPE refused[] = {
        CKM_RSA_X_509,       CKM_RSA_PKCS_PSS,    CKM_SHA256_RSA_PKCS_PSS,
        CKM_RSA_PKCS_OAEP,   CKM_SHA256,          CKM_ECDSA,
        CKM_MD5_RSA_PKCS,    CKM_RSA_PKCS_KEY_PAIR_GEN,
    };
    CK_MECHANISM_INFO info;

    for (size_t i = 0; i < N_MECHS; i++) {
        memset(&info, 0, sizeof info);
        is_ulong(jpki_mech_info(expected_mechs[i], &info), CKR_OK, "info 0x%lx", expected_mechs[i]);
        /* Without a key: the rows' range. */
        is_ulong(info.ulMinKeySize, 2048, "info 0x%lx: min key size", expected_mechs[i]);
        is_ulong(info.ulMaxKeySize, 4096, "info 0x%lx: max key size", expected_mechs[i]);
        is_ulong(info.flags, CKF_SIGN | CKF_HW, "info 0x%lx: flags", expected_mechs[i]);
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        is_ulong(jpki_mech_info(refused[i], &info), CKR_MECHANISM_INVALID,
                 "info 0x%lx: not offered", refused[i]);
    is_ulong(jpki_mech_info(CKM_SHA256_RSA_PKCS, NULL), CKR_ARGUMENTS_BAD, "info: NULL");
}

static void test_init_errors(void)
{
    jpki_sign_ctx ctx;
    CK_BYTE param[8] = {0};
    CK_MECHANISM m = {CKM_RSA_PKCS_PSS, NULL, 0};

    is_ulong(jpki_sign_ctx_init(&ctx, &m, &rsa2048), CKR_MECHANISM_INVALID, "init: PSS refused");
    jpki_sign_ctx_free(&ctx);
    m.mechanism = CKM_RSA_X_509;
    is_ulong(jpki_sign_ctx_init(&ctx, &m, &rsa2048), CKR_MECHANISM_INVALID, "init: X_509 refused");
    jpki_sign_ctx_free(&ctx);

    m.mechanism = CKM_SHA256_RSA_PKCS;
    m.pParameter = param;
    m.ulParameterLen = sizeof param;
    is_ulong(jpki_sign_ctx_init(&ctx, &m, &rsa2048), CKR_MECHANISM_PARAM_INVALID, "init: parameter");
    ok(ctx.md == NULL, "init: nothing left allocated after a failure");
    jpki_sign_ctx_free(&ctx);
    m.ulParameterLen = 0;
    is_ulong(jpki_sign_ctx_init(&ctx, &m, &rsa2048), CKR_MECHANISM_PARAM_INVALID, "init: parameter, len 0");
    jpki_sign_ctx_free(&ctx);
    m.pParameter = NULL;
    m.ulParameterLen = 4;
    is_ulong(jpki_sign_ctx_init(&ctx, &m, &rsa2048), CKR_MECHANISM_PARAM_INVALID, "init: NULL, len 4");
    jpki_sign_ctx_free(&ctx);
    m.mechanism = CKM_RSA_PKCS;
    m.pParameter = param;
    m.ulParameterLen = sizeof param;
    is_ulong(jpki_sign_ctx_init(&ctx, &m, &rsa2048), CKR_MECHANISM_PARAM_INVALID, "init: RSA_PKCS param");
    jpki_sign_ctx_free(&ctx);
    jpki_sign_ctx_free(&ctx);
    ok(1, "free twice is harmless");
    is_ulong(jpki_sign_ctx_init(&ctx, NULL, &rsa2048), CKR_ARGUMENTS_BAD, "init: NULL mechanism");
}

/* Written out here from RFC 8017 §9.2 note 1 (and the SHA-224 OID), not
 * shared with mech.c, so that a typo there shows. */
static const struct {
    CK_MECHANISM_TYPE mech;
    const char *md_name;
    const char *prefix_hex;
} digest_cases[] = {
    {CKM_SHA1_RSA_PKCS, "SHA1", "3021300906052b0e03021a05000414"},
    {CKM_SHA224_RSA_PKCS, "SHA224", "302d300d06096086480165030402040500041c"},
    {CKM_SHA256_RSA_PKCS, "SHA256", "3031300d060960864801650304020105000420"},
    {CKM_SHA384_RSA_PKCS, "SHA384", "3041300d060960864801650304020205000430"},
    {CKM_SHA512_RSA_PKCS, "SHA512", "3051300d060960864801650304020305000440"},
};

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    for (; hex[0] && hex[1]; hex += 2) {
        unsigned int b;
        sscanf(hex, "%2x", &b);
        out[n++] = (uint8_t)b;
    }
    return n;
}

static CK_RV sign_input(CK_MECHANISM_TYPE mech, const uint8_t *data, size_t len, size_t chunk,
                        uint8_t *out, size_t *out_len)
{
    CK_MECHANISM m = {mech, NULL, 0};
    jpki_sign_ctx ctx;
    CK_RV rv = jpki_sign_ctx_init(&ctx, &m, &rsa2048);

    if (rv != CKR_OK)
        return rv;
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len && rv == CKR_OK; off += chunk)
        rv = jpki_sign_ctx_update(&ctx, data + off, off + chunk > len ? len - off : chunk);
    if (rv == CKR_OK)
        rv = jpki_sign_ctx_final(&ctx, out, out_len);
    jpki_sign_ctx_free(&ctx);
    return rv;
}

static void test_digest_info(void)
{
    uint8_t data[1000];

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    for (size_t c = 0; c < sizeof digest_cases / sizeof digest_cases[0]; c++) {
        uint8_t want[256], got[256], got2[256];
        size_t want_len, got_len = 0, got2_len = 0;
        unsigned int md_len = 0;
        const char *name = digest_cases[c].md_name;
        EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);

        want_len = unhex(digest_cases[c].prefix_hex, want);
        EVP_Digest(data, sizeof data, want + want_len, &md_len, md, NULL);
        want_len += md_len;
        EVP_MD_free(md);

        is_ulong(sign_input(digest_cases[c].mech, data, sizeof data, 0, got, &got_len), CKR_OK,
                 "%s: single part", name);
        ok(got_len == want_len && memcmp(got, want, want_len) == 0, "%s: DigestInfo", name);
        is_ulong(sign_input(digest_cases[c].mech, data, sizeof data, 7, got2, &got2_len),
                 CKR_OK, "%s: multi part", name);
        ok(got2_len == got_len && memcmp(got, got2, got_len) == 0, "%s: multi == single", name);
        is_ulong(sign_input(digest_cases[c].mech, data, sizeof data, 1, got2, &got2_len),
                 CKR_OK, "%s: byte by byte", name);
        ok(got2_len == got_len && memcmp(got, got2, got_len) == 0, "%s: bytes == single", name);

        /* Empty input is a valid message for a hash. */
        md = EVP_MD_fetch(NULL, name, NULL);
        want_len = unhex(digest_cases[c].prefix_hex, want);
        EVP_Digest("", 0, want + want_len, &md_len, md, NULL);
        want_len += md_len;
        EVP_MD_free(md);
        is_ulong(sign_input(digest_cases[c].mech, NULL, 0, 0, got, &got_len), CKR_OK,
                 "%s: empty input", name);
        ok(got_len == want_len && memcmp(got, want, want_len) == 0, "%s: empty DigestInfo",
           name);
    }
}

static void test_final_repeatable(void)
{
    CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
    jpki_sign_ctx ctx;
    uint8_t a[256], b[256];
    size_t a_len = 0, b_len = 0;

    jpki_sign_ctx_init(&ctx, &m, &rsa2048);
    jpki_sign_ctx_update(&ctx, (const uint8_t *)"hello", 5);
    is_ulong(jpki_sign_ctx_final(&ctx, a, &a_len), CKR_OK, "final once");
    is_ulong(jpki_sign_ctx_final(&ctx, b, &b_len), CKR_OK, "final again");
    ok(a_len == b_len && memcmp(a, b, a_len) == 0, "final does not consume the state");
    jpki_sign_ctx_free(&ctx);
    ok(ctx.md == NULL && ctx.raw_len == 0, "free clears the context");
}

static void test_rsa_pkcs(void)
{
    uint8_t data[300], out[256];
    size_t out_len = 0;
    CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
    jpki_sign_ctx ctx;
    bool zero = true;

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(0xa5 ^ i);
    is_ulong(sign_input(CKM_RSA_PKCS, data, 245, 0, out, &out_len), CKR_OK, "RSA_PKCS: 245");
    ok(out_len == 245 && memcmp(out, data, 245) == 0, "RSA_PKCS: passed through");
    is_ulong(sign_input(CKM_RSA_PKCS, data, 245, 10, out, &out_len), CKR_OK,
             "RSA_PKCS: 245 in parts");
    ok(out_len == 245 && memcmp(out, data, 245) == 0, "RSA_PKCS: parts joined");
    is_ulong(sign_input(CKM_RSA_PKCS, data, 1, 0, out, &out_len), CKR_OK, "RSA_PKCS: 1");
    is_ulong(out_len, 1, "RSA_PKCS: 1 byte");
    is_ulong(sign_input(CKM_RSA_PKCS, data, 246, 0, out, &out_len), CKR_DATA_LEN_RANGE,
             "RSA_PKCS: 246");
    is_ulong(sign_input(CKM_RSA_PKCS, data, 300, 0, out, &out_len), CKR_DATA_LEN_RANGE,
             "RSA_PKCS: 300");
    is_ulong(sign_input(CKM_RSA_PKCS, data, 246, 123, out, &out_len), CKR_DATA_LEN_RANGE,
             "RSA_PKCS: 246 in parts");
    is_ulong(sign_input(CKM_RSA_PKCS, NULL, 0, 0, out, &out_len), CKR_DATA_LEN_RANGE,
             "RSA_PKCS: empty");

    /* An overflow stays an overflow: later short parts do not hide it. */
    jpki_sign_ctx_init(&ctx, &m, &rsa2048);
    is_ulong(jpki_sign_ctx_update(&ctx, data, 246), CKR_OK, "RSA_PKCS: update reports later");
    jpki_sign_ctx_update(&ctx, data, 1);
    is_ulong(jpki_sign_ctx_final(&ctx, out, &out_len), CKR_DATA_LEN_RANGE,
             "RSA_PKCS: overflow sticks");
    jpki_sign_ctx_free(&ctx);

    jpki_sign_ctx_init(&ctx, &m, &rsa2048);
    jpki_sign_ctx_update(&ctx, data, 100);
    jpki_sign_ctx_free(&ctx);
    for (size_t i = 0; i < sizeof ctx.raw; i++)
        zero = zero && ctx.raw[i] == 0;
    ok(zero && ctx.raw_len == 0, "free wipes the buffered data");
}

static EVP_PKEY *gen_rsa(unsigned int bits)
{
    return EVP_RSA_gen(bits);
}

/* A self-signed certificate for key, as DER. */
static uint8_t *make_cert(EVP_PKEY *key, long serial, size_t *len)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t *der = NULL;
    int n;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"card", -1, -1,
                               0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    n = i2d_X509(x, &der);
    *len = n > 0 ? (size_t)n : 0;
    X509_NAME_free(name);
    X509_free(x);
    return der;
}

static size_t raw_sign(EVP_PKEY *key, const uint8_t *in, size_t in_len, uint8_t *sig)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    size_t sig_len = 512;

    /* What the card does: PKCS#1 v1.5 type 1 padding of the input as is. */
    if (EVP_PKEY_sign_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_sign(ctx, sig, &sig_len, in, in_len) != 1)
        sig_len = 0;
    EVP_PKEY_CTX_free(ctx);
    return sig_len;
}

static void test_signature_matches(void)
{
    EVP_PKEY *key = gen_rsa(2048), *other = gen_rsa(2048), *small = gen_rsa(1024);
    uint8_t *cert = NULL, *other_cert = NULL, *small_cert = NULL;
    size_t cert_len = 0, other_len = 0, small_len = 0, sig_len, di_len = 0;
    uint8_t di[256], sig[512], bad[256];

    if (key == NULL || other == NULL || small == NULL) {
        ok(0, "RSA key generation");
        goto out;
    }
    cert = make_cert(key, 1, &cert_len);
    other_cert = make_cert(other, 2, &other_len);
    small_cert = make_cert(small, 3, &small_len);
    ok(cert != NULL && other_cert != NULL && small_cert != NULL, "certificates made");

    sign_input(CKM_SHA256_RSA_PKCS, (const uint8_t *)"message", 7, 0, di, &di_len);
    sig_len = raw_sign(key, di, di_len, sig);
    is_ulong(sig_len, 256, "signature made");
    ok(jpki_signature_matches(cert, cert_len, di, di_len, sig, sig_len),
       "matches: real signature");
    ok(!jpki_signature_matches(other_cert, other_len, di, di_len, sig, sig_len),
       "no match: another key's certificate");
    di[di_len - 1] ^= 1;
    ok(!jpki_signature_matches(cert, cert_len, di, di_len, sig, sig_len),
       "no match: altered input");
    di[di_len - 1] ^= 1;
    ok(!jpki_signature_matches(cert, cert_len, di, di_len - 1, sig, sig_len),
       "no match: shorter input");
    ok(!jpki_signature_matches(cert, cert_len, di, di_len, sig, 255), "no match: 255 bytes");
    memcpy(bad, sig, 256);
    bad[100] ^= 0x40;
    ok(!jpki_signature_matches(cert, cert_len, di, di_len, bad, 256), "no match: altered sig");
    ok(!jpki_signature_matches(cert, cert_len - 10, di, di_len, sig, 256),
       "no match: truncated certificate");
    ok(!jpki_signature_matches(NULL, 0, di, di_len, sig, 256), "no match: no certificate");

    /* CKM_RSA_PKCS: the raw data is what the card padded. */
    sig_len = raw_sign(key, (const uint8_t *)"raw data", 8, sig);
    ok(jpki_signature_matches(cert, cert_len, (const uint8_t *)"raw data", 8, sig, sig_len),
       "matches: raw CKM_RSA_PKCS data");

    /* A 1024-bit key's 128-byte signature is never what the card makes. */
    sig_len = raw_sign(small, di, di_len, sig);
    ok(!jpki_signature_matches(small_cert, small_len, di, di_len, sig, sig_len),
       "no match: 1024-bit signature");
out:
    OPENSSL_free(cert);
    OPENSSL_free(other_cert);
    OPENSSL_free(small_cert);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    EVP_PKEY_free(small);
}

static uint8_t *make_ec_cert(size_t *len)
{
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    uint8_t *der = ec != NULL ? make_cert(ec, 9, len) : NULL;
    EVP_PKEY_free(ec);
    return der;
}

/* Key size and type from the certificate: mechanisms, sizes, lengths. */
static void test_key_from_cert(void)
{
    EVP_PKEY *k3072 = gen_rsa(3072);
    size_t len3072 = 0, ec_len = 0, di_len = 0, out_len = 0;
    uint8_t *c3072 = k3072 != NULL ? make_cert(k3072, 5, &len3072) : NULL;
    uint8_t *cec = make_ec_cert(&ec_len);
    jpki_key_info key = { 0, 0 };
    CK_MECHANISM_INFO info;
    CK_MECHANISM_TYPE list[JPKI_MECH_ROWS + 2];
    CK_ULONG count = 0;
    CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    jpki_sign_ctx ctx;
    uint8_t di[JPKI_SIGNATURE_MAX], sig[JPKI_SIGNATURE_MAX], data[400];

    if (c3072 == NULL || cec == NULL) {
        ok(0, "keys and certificates made");
        goto out;
    }
    ok(jpki_key_info_from_cert(c3072, len3072, &key) && key.type == CKK_RSA && key.bits == 3072,
       "3072-bit RSA key from its certificate");
    is_ulong(jpki_key_signature_len(&key), 384, "3072: 384-byte signatures");
    count = JPKI_MECH_ROWS + 2;
    ok(jpki_mech_list_for_key(&key, list, &count) == CKR_OK && count == N_MECHS,
       "3072: every mechanism");
    ok(jpki_mech_info_for_key(&key, CKM_SHA256_RSA_PKCS, &info) == CKR_OK &&
           info.ulMinKeySize == 3072 && info.ulMaxKeySize == 3072,
       "3072: mechanism info says 3072");
    ok(jpki_sign_ctx_init(&ctx, &m, &key) == CKR_OK && ctx.sig_len == 384, "3072: init");
    jpki_sign_ctx_free(&ctx);
    /* CKM_RSA_PKCS takes k - 11 bytes: 373 for 3072 bits. */
    memset(data, 0x5a, sizeof data);
    m.mechanism = CKM_RSA_PKCS;
    jpki_sign_ctx_init(&ctx, &m, &key);
    jpki_sign_ctx_update(&ctx, data, 373);
    ok(jpki_sign_ctx_final(&ctx, di, &out_len) == CKR_OK && out_len == 373, "3072: 373 bytes");
    jpki_sign_ctx_free(&ctx);
    jpki_sign_ctx_init(&ctx, &m, &key);
    jpki_sign_ctx_update(&ctx, data, 374);
    is_ulong(jpki_sign_ctx_final(&ctx, di, &out_len), CKR_DATA_LEN_RANGE, "3072: 374 bytes");
    jpki_sign_ctx_free(&ctx);
    /* A 3072-bit card signature checks against its certificate. */
    m.mechanism = CKM_SHA256_RSA_PKCS;
    jpki_sign_ctx_init(&ctx, &m, &key);
    jpki_sign_ctx_update(&ctx, (const uint8_t *)"msg", 3);
    jpki_sign_ctx_final(&ctx, di, &di_len);
    jpki_sign_ctx_free(&ctx);
    out_len = raw_sign(k3072, di, di_len, sig);
    ok(out_len == 384 && jpki_signature_matches(c3072, len3072, di, di_len, sig, out_len),
       "3072: signature matches");

    /* An EC key: certificates yes, mechanisms none, clean codes. */
    ok(jpki_key_info_from_cert(cec, ec_len, &key) && key.type == CKK_EC && key.bits == 256,
       "EC key from its certificate");
    is_ulong(jpki_key_signature_len(&key), 0, "EC: no signature the module makes");
    count = JPKI_MECH_ROWS;
    ok(jpki_mech_list_for_key(&key, list, &count) == CKR_OK && count == 0, "EC: no mechanism");
    is_ulong(jpki_mech_info_for_key(&key, CKM_SHA256_RSA_PKCS, &info), CKR_MECHANISM_INVALID,
             "EC: mechanism info invalid");
    is_ulong(jpki_sign_ctx_init(&ctx, &m, &key), CKR_KEY_TYPE_INCONSISTENT,
             "EC: sign init inconsistent");
    jpki_sign_ctx_free(&ctx);
    key.type = CKK_RSA;
    key.bits = 1024;
    is_ulong(jpki_sign_ctx_init(&ctx, &m, &key), CKR_KEY_SIZE_RANGE, "RSA-1024: size range");
    jpki_sign_ctx_free(&ctx);
    ok(!jpki_key_info_from_cert(c3072, len3072 - 20, &key) && key.type == JPKI_KEY_UNKNOWN,
       "truncated certificate: no key");
out:
    OPENSSL_free(c3072);
    OPENSSL_free(cec);
    EVP_PKEY_free(k3072);
}

int main(void)
{
    test_list();
    test_info();
    test_init_errors();
    test_digest_info();
    test_final_repeatable();
    test_rsa_pkcs();
    test_signature_matches();
    test_key_from_cert();
    return done_testing();
}
