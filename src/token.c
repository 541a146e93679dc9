/*
 * token.c: the two tokens of a JPKI card as const tables (design.md §1), and
 * the PKCS#11 attribute semantics over them: C_GetAttributeValue, object
 * matching for C_FindObjects, C_GetObjectSize, the token serial number.
 * Attribute values are fixed ones from the object table, the rest parsed from
 * the certificate with OpenSSL (the card has no public key file we would
 * trust more than the certificate the CA signed).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mech.h"
#include "token.h"

typedef enum jpki_attr_kind {
    JPKI_ATTR_OK,          /* value in the jpki_attr_val */
    JPKI_ATTR_INVALID,     /* the object has no such attribute */
    JPKI_ATTR_SENSITIVE,   /* it has, but never shows it (private key parts) */
    JPKI_ATTR_NEEDS_CERT,  /* it has, computed from the object's certificate */
    JPKI_ATTR_NEEDS_KEY,   /* it has, from the type and size of the object's key */
} jpki_attr_kind;

/* One attribute value: ptr/len point either into the scratch members here
 * or into a jpki_cert_info. Not copyable (ptr may point into itself). */
typedef struct jpki_attr_val {
    const void *ptr;
    size_t len;
    CK_ULONG ul;
    CK_BBOOL b;
    CK_MECHANISM_TYPE mechs[JPKI_MECH_ROWS];
} jpki_attr_val;

/* What a certificate says, in the forms PKCS#11 wants. */
typedef struct jpki_cert_info {
    X509 *x509;
    const uint8_t *der;          /* the source's buffer */
    size_t der_len;              /* of the certificate itself */
    uint8_t *subject, *issuer, *serial, *spki;  /* DER, OPENSSL_malloc'd */
    size_t subject_len, issuer_len, serial_len, spki_len;
    CK_KEY_TYPE key_type;        /* CKK_RSA: modulus and exponent below are set */
    uint8_t modulus[JPKI_SIGNATURE_MAX];  /* big-endian, no leading zero */
    size_t modulus_len;
    uint8_t exponent[16];
    size_t exponent_len;
    uint8_t *ec_params, *ec_point;   /* CKK_EC: DER curve OID, DER OCTET STRING of the point */
    size_t ec_params_len, ec_point_len;
    CK_ULONG modulus_bits;
    CK_DATE start, end;
    uint8_t check_value[3];
    uint8_t subject_key_hash[20];
    uint8_t issuer_key_hash[20];
    size_t issuer_key_hash_len;  /* 0: the issuer's key is not at hand */
} jpki_cert_info;

static void jpki_cert_info_init(jpki_cert_info *ci)
{
    memset(ci, 0, sizeof *ci);
}

static void jpki_cert_info_clear(jpki_cert_info *ci)
{
    X509_free(ci->x509);
    OPENSSL_free(ci->subject);
    OPENSSL_free(ci->issuer);
    OPENSSL_free(ci->serial);
    OPENSSL_free(ci->spki);
    OPENSSL_free(ci->ec_params);
    OPENSSL_free(ci->ec_point);
    /* The sign certificate's contents are personal data (design.md §3). */
    OPENSSL_cleanse(ci, sizeof *ci);
}

static bool asn1_time_to_ck_date(const ASN1_TIME *t, CK_DATE *date)
{
    struct tm tm;
    char buf[32];

    memset(&tm, 0, sizeof tm);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return false;
    if (snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday) != 8)
        return false;
    memcpy(date->year, buf, 4);
    memcpy(date->month, buf + 4, 2);
    memcpy(date->day, buf + 6, 2);
    return true;
}

/* n and e of an RSA key into ci; another key type only as such; false
 * for a key that does not parse. */
static bool load_rsa_key(jpki_cert_info *ci, const EVP_PKEY *pkey)
{
    BIGNUM *n = NULL, *e = NULL;
    int n_len, e_len;
    bool ok = false;

    if (pkey == NULL)
        goto out;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        /* A key the module cannot sign with still has a certificate to show. */
        ci->key_type = EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC ? CKK_EC : CKK_VENDOR_DEFINED;
        ok = true;
        goto out;
    }
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
        goto out;
    n_len = BN_num_bytes(n);
    e_len = BN_num_bytes(e);
    if (n_len <= 0 || (size_t)n_len > sizeof ci->modulus || e_len <= 0 ||
        (size_t)e_len > sizeof ci->exponent)
        goto out;
    ci->modulus_len = (size_t)BN_bn2bin(n, ci->modulus);
    ci->exponent_len = (size_t)BN_bn2bin(e, ci->exponent);
    ci->modulus_bits = (CK_ULONG)BN_num_bits(n);
    ci->key_type = CKK_RSA;
    ok = true;
out:
    BN_free(n);
    BN_free(e);
    return ok;
}

/* CKA_EC_PARAMS (the curve's OID as the certificate names it) and
 * CKA_EC_POINT (the point, DER OCTET STRING as PKCS#11 2.40 has it): a key
 * the module cannot sign with is still described. */
static bool load_ec_parts(jpki_cert_info *ci)
{
    const ASN1_OBJECT *alg = NULL;
    const unsigned char *point = NULL;
    int point_len = 0, len;
    const void *param = NULL;
    int param_type = 0;
    X509_ALGOR *algor = NULL;
    ASN1_OCTET_STRING *os = NULL;
    bool ok = false;

    if (X509_PUBKEY_get0_param(NULL, &point, &point_len, &algor,
                               X509_get_X509_PUBKEY(ci->x509)) != 1 || algor == NULL)
        return false;
    X509_ALGOR_get0(&alg, &param_type, &param, algor);
    if (param_type != V_ASN1_OBJECT || param == NULL)
        return false;   /* explicit curve parameters: not described */
    len = i2d_ASN1_OBJECT(param, &ci->ec_params);
    if (len <= 0)
        return false;
    ci->ec_params_len = (size_t)len;
    os = ASN1_OCTET_STRING_new();
    if (os != NULL && ASN1_OCTET_STRING_set(os, point, point_len) == 1) {
        len = i2d_ASN1_OCTET_STRING(os, &ci->ec_point);
        ok = len > 0;
        ci->ec_point_len = ok ? (size_t)len : 0;
    }
    ASN1_OCTET_STRING_free(os);
    return ok;
}

/* The DER pieces PKCS#11 exposes as byte arrays. */
static bool load_der_parts(jpki_cert_info *ci)
{
    X509 *x = ci->x509;
    int len;

    len = i2d_X509_NAME(X509_get_subject_name(x), &ci->subject);
    if (len <= 0)
        return false;
    ci->subject_len = (size_t)len;
    len = i2d_X509_NAME(X509_get_issuer_name(x), &ci->issuer);
    if (len <= 0)
        return false;
    ci->issuer_len = (size_t)len;
    /* NSS wants the serial as a DER INTEGER, tag and length included. */
    len = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &ci->serial);
    if (len <= 0)
        return false;
    ci->serial_len = (size_t)len;
    len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &ci->spki);
    if (len <= 0)
        return false;
    ci->spki_len = (size_t)len;
    return true;
}

/* CKA_CHECK_VALUE and the key hashes (SHA-1, CKA_NAME_HASH_ALGORITHM). */
static bool load_hashes(jpki_cert_info *ci)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (EVP_Digest(ci->der, ci->der_len, md, &md_len, EVP_sha1(), NULL) != 1 || md_len < 3)
        return false;
    memcpy(ci->check_value, md, sizeof ci->check_value);
    md_len = 0;
    if (X509_pubkey_digest(ci->x509, EVP_sha1(), ci->subject_key_hash, &md_len) != 1 ||
        md_len != sizeof ci->subject_key_hash)
        return false;
    /* The issuer's key is only at hand when the certificate issued itself
     * (the CAs); for the others the attribute stays empty, its default. */
    if (X509_check_issued(ci->x509, ci->x509) == X509_V_OK) {
        memcpy(ci->issuer_key_hash, ci->subject_key_hash, sizeof ci->issuer_key_hash);
        ci->issuer_key_hash_len = sizeof ci->issuer_key_hash;
    }
    return true;
}

static CK_RV jpki_cert_info_load(jpki_cert_info *ci, const jpki_cert_source *src, uint16_t fid)
{
    const uint8_t *der = NULL;
    const unsigned char *p;
    size_t der_len = 0;
    CK_RV rv;

    if (src == NULL || src->get == NULL || fid == 0)
        return CKR_GENERAL_ERROR;
    rv = src->get(src->ctx, fid, &der, &der_len);
    if (rv != CKR_OK)
        return rv;
    /* Whatever is wrong with the certificate, it is the card's content. */
    rv = CKR_DEVICE_ERROR;
    if (der == NULL || der_len == 0 || der_len > JPKI_CERT_MAX)
        goto out;
    p = der;
    ci->x509 = d2i_X509(NULL, &p, (long)der_len);
    if (ci->x509 == NULL)
        goto out;
    /* CKA_VALUE is the certificate as parsed, without any EF padding. */
    ci->der = der;
    ci->der_len = (size_t)(p - der);
    if (!load_rsa_key(ci, X509_get0_pubkey(ci->x509)))
        goto out;
    if (!asn1_time_to_ck_date(X509_get0_notBefore(ci->x509), &ci->start) ||
        !asn1_time_to_ck_date(X509_get0_notAfter(ci->x509), &ci->end))
        goto out;
    if (!load_der_parts(ci) || !load_hashes(ci))
        goto out;
    if (ci->key_type == CKK_EC && !load_ec_parts(ci))
        ci->ec_params_len = ci->ec_point_len = 0;   /* described as far as it goes */
    rv = CKR_OK;
out:
    if (rv != CKR_OK)
        jpki_cert_info_clear(ci);
    return rv;
}

static jpki_attr_kind set_bool(jpki_attr_val *v, bool b)
{
    v->b = b ? CK_TRUE : CK_FALSE;
    v->ptr = &v->b;
    v->len = sizeof v->b;
    return JPKI_ATTR_OK;
}

static jpki_attr_kind set_ulong(jpki_attr_val *v, CK_ULONG ul)
{
    v->ul = ul;
    v->ptr = &v->ul;
    v->len = sizeof v->ul;
    return JPKI_ATTR_OK;
}

static jpki_attr_kind set_bytes(jpki_attr_val *v, const void *p, size_t len)
{
    v->ptr = p;
    v->len = len;
    return JPKI_ATTR_OK;
}

/* The one-byte CKA_ID lives in the const table, so it can be pointed at. */
static jpki_attr_kind set_id(jpki_attr_val *v, const jpki_object_def *def)
{
    return set_bytes(v, &def->ckaid, sizeof def->ckaid);
}

static bool is_ca(const jpki_object_def *def)
{
    return def->cert_fid == JPKI_EF_AUTH_CA || def->cert_fid == JPKI_EF_SIGN_CA;
}

/* Certificates, keys: PKCS#11 "storage objects". */
static jpki_attr_kind storage_attr(const jpki_object_def *def, CK_ATTRIBUTE_TYPE type,
                                   jpki_attr_val *v)
{
    switch (type) {
    case CKA_LABEL:
        return set_bytes(v, def->label, strlen(def->label));
    case CKA_COPYABLE:
    case CKA_DESTROYABLE:
        return set_bool(v, false);
    default:
        return JPKI_ATTR_INVALID;
    }
}

static jpki_attr_kind cert_attr(const jpki_object_def *def, CK_ATTRIBUTE_TYPE type,
                                jpki_attr_val *v)
{
    switch (type) {
    case CKA_CERTIFICATE_TYPE:
        return set_ulong(v, CKC_X_509);
    case CKA_TRUSTED:
        /* Trust is the application's decision, not a card's. */
        return set_bool(v, false);
    case CKA_CERTIFICATE_CATEGORY:
        return set_ulong(v, is_ca(def) ? 2 : 1);  /* authority : token user */
    case CKA_ID:
        return set_id(v, def);
    case CKA_URL:
        return set_bytes(v, "", 0);
    case CKA_JAVA_MIDP_SECURITY_DOMAIN:
        return set_ulong(v, 0);
    case CKA_NAME_HASH_ALGORITHM:
        return set_ulong(v, CKM_SHA_1);
    case CKA_VALUE:
    case CKA_SUBJECT:
    case CKA_ISSUER:
    case CKA_SERIAL_NUMBER:
    case CKA_CHECK_VALUE:
    case CKA_START_DATE:
    case CKA_END_DATE:
    case CKA_PUBLIC_KEY_INFO:
    case CKA_HASH_OF_SUBJECT_PUBLIC_KEY:
    case CKA_HASH_OF_ISSUER_PUBLIC_KEY:
        return JPKI_ATTR_NEEDS_CERT;
    default:
        return storage_attr(def, type, v);
    }
}

/* What public and private RSA keys share. */
static jpki_attr_kind key_attr(const jpki_object_def *def, CK_ATTRIBUTE_TYPE type,
                               jpki_attr_val *v)
{
    switch (type) {
    case CKA_KEY_TYPE:
    case CKA_ALLOWED_MECHANISMS:
        return JPKI_ATTR_NEEDS_KEY;
    case CKA_ID:
        return set_id(v, def);
    case CKA_DERIVE:
        return set_bool(v, false);
    case CKA_LOCAL:
        /* Whether the card generated the key is not something it tells. */
        return set_bool(v, false);
    case CKA_KEY_GEN_MECHANISM:
        return set_ulong(v, CK_UNAVAILABLE_INFORMATION);
    case CKA_SUBJECT:
    case CKA_START_DATE:
    case CKA_END_DATE:
    case CKA_MODULUS:
    case CKA_PUBLIC_EXPONENT:
    case CKA_MODULUS_BITS:
    case CKA_PUBLIC_KEY_INFO:
        return JPKI_ATTR_NEEDS_CERT;
    default:
        return storage_attr(def, type, v);
    }
}

static jpki_attr_kind public_key_attr(const jpki_object_def *def, CK_ATTRIBUTE_TYPE type,
                                      jpki_attr_val *v)
{
    switch (type) {
    case CKA_VERIFY:
        return set_bool(v, true);
    case CKA_EC_PARAMS:
    case CKA_EC_POINT:
        /* Only here: on a private key they would cost the sign
         * certificate's read to say "not an EC key". */
        return JPKI_ATTR_NEEDS_CERT;
    case CKA_ENCRYPT:
    case CKA_WRAP:
    case CKA_VERIFY_RECOVER:
    case CKA_TRUSTED:
        return set_bool(v, false);
    default:
        return key_attr(def, type, v);
    }
}

static jpki_attr_kind private_key_attr(const jpki_object_def *def, CK_ATTRIBUTE_TYPE type,
                                       jpki_attr_val *v)
{
    switch (type) {
    case CKA_SENSITIVE:
    case CKA_ALWAYS_SENSITIVE:
    case CKA_NEVER_EXTRACTABLE:
    case CKA_SIGN:
        return set_bool(v, true);
    case CKA_EXTRACTABLE:
    case CKA_SIGN_RECOVER:
    case CKA_DECRYPT:
    case CKA_UNWRAP:
    case CKA_WRAP_WITH_TRUSTED:
        return set_bool(v, false);
    case CKA_ALWAYS_AUTHENTICATE:
        /* The sign key wants its PIN for every signature (design.md §2). */
        return set_bool(v, def->token == JPKI_ROLE_SIGN);
    case CKA_PRIVATE_EXPONENT:
    case CKA_PRIME_1:
    case CKA_PRIME_2:
    case CKA_EXPONENT_1:
    case CKA_EXPONENT_2:
    case CKA_COEFFICIENT:
    case CKA_VALUE:
        return JPKI_ATTR_SENSITIVE;
    default:
        return key_attr(def, type, v);
    }
}

static jpki_attr_kind profile_attr(CK_ATTRIBUTE_TYPE type, jpki_attr_val *v)
{
    if (type == CKA_PROFILE_ID)
        return set_ulong(v, CKP_PUBLIC_CERTIFICATES_TOKEN);
    return JPKI_ATTR_INVALID;
}

static jpki_attr_kind jpki_attr_static(const jpki_object_def *def, CK_ATTRIBUTE_TYPE type,
                                jpki_attr_val *v)
{
    memset(v, 0, sizeof *v);
    switch (type) {
    case CKA_CLASS:
        return set_ulong(v, def->klass);
    case CKA_TOKEN:
        return set_bool(v, true);
    case CKA_PRIVATE:
        return set_bool(v, def->is_private);
    case CKA_MODIFIABLE:
        return set_bool(v, false);
    default:
        break;
    }
    switch (def->klass) {
    case CKO_CERTIFICATE:
        return cert_attr(def, type, v);
    case CKO_PUBLIC_KEY:
        return public_key_attr(def, type, v);
    case CKO_PRIVATE_KEY:
        return private_key_attr(def, type, v);
    case CKO_PROFILE:
        return profile_attr(type, v);
    default:
        return JPKI_ATTR_INVALID;
    }
}

static jpki_attr_kind jpki_attr_from_cert(const jpki_cert_info *ci, CK_ATTRIBUTE_TYPE type,
                                   jpki_attr_val *v)
{
    switch (type) {
    case CKA_VALUE:
        return set_bytes(v, ci->der, ci->der_len);
    case CKA_SUBJECT:
        return set_bytes(v, ci->subject, ci->subject_len);
    case CKA_ISSUER:
        return set_bytes(v, ci->issuer, ci->issuer_len);
    case CKA_SERIAL_NUMBER:
        return set_bytes(v, ci->serial, ci->serial_len);
    case CKA_CHECK_VALUE:
        return set_bytes(v, ci->check_value, sizeof ci->check_value);
    case CKA_START_DATE:
        return set_bytes(v, &ci->start, sizeof ci->start);
    case CKA_END_DATE:
        return set_bytes(v, &ci->end, sizeof ci->end);
    case CKA_PUBLIC_KEY_INFO:
        return set_bytes(v, ci->spki, ci->spki_len);
    case CKA_HASH_OF_SUBJECT_PUBLIC_KEY:
        return set_bytes(v, ci->subject_key_hash, sizeof ci->subject_key_hash);
    case CKA_HASH_OF_ISSUER_PUBLIC_KEY:
        return set_bytes(v, ci->issuer_key_hash, ci->issuer_key_hash_len);
    case CKA_MODULUS:
        return ci->key_type == CKK_RSA ? set_bytes(v, ci->modulus, ci->modulus_len)
                                       : JPKI_ATTR_INVALID;
    case CKA_PUBLIC_EXPONENT:
        return ci->key_type == CKK_RSA ? set_bytes(v, ci->exponent, ci->exponent_len)
                                       : JPKI_ATTR_INVALID;
    case CKA_MODULUS_BITS:
        return ci->key_type == CKK_RSA ? set_ulong(v, ci->modulus_bits) : JPKI_ATTR_INVALID;
    case CKA_EC_PARAMS:
        return ci->ec_params_len > 0 ? set_bytes(v, ci->ec_params, ci->ec_params_len)
                                     : JPKI_ATTR_INVALID;
    case CKA_EC_POINT:
        return ci->ec_point_len > 0 ? set_bytes(v, ci->ec_point, ci->ec_point_len)
                                    : JPKI_ATTR_INVALID;
    default:
        return JPKI_ATTR_INVALID;
    }
}

/* The key's type and size, from the source (no PIN needed) or else from
 * the certificate itself. */
static CK_RV load_key(const jpki_cert_source *src, const jpki_object_def *def,
                      jpki_key_info *key)
{
    const uint8_t *der = NULL;
    size_t len = 0;
    CK_RV rv;

    if (src == NULL || src->get == NULL || def->cert_fid == 0)
        return CKR_GENERAL_ERROR;
    if (src->key != NULL)
        return src->key(src->ctx, def->cert_fid, key);
    rv = src->get(src->ctx, def->cert_fid, &der, &len);
    if (rv != CKR_OK)
        return rv;
    return jpki_key_info_from_cert(der, len, key) ? CKR_OK : CKR_DEVICE_ERROR;
}

static jpki_attr_kind jpki_attr_from_key(const jpki_key_info *key, CK_ATTRIBUTE_TYPE type,
                                         jpki_attr_val *v)
{
    CK_ULONG n = JPKI_MECH_ROWS;

    switch (type) {
    case CKA_KEY_TYPE:
        return key->type == JPKI_KEY_UNKNOWN ? JPKI_ATTR_INVALID : set_ulong(v, key->type);
    case CKA_ALLOWED_MECHANISMS:
        /* None for a key the module cannot drive (an EC key, say). */
        if (jpki_mech_list_for_key(key, v->mechs, &n) != CKR_OK)
            return JPKI_ATTR_INVALID;
        return set_bytes(v, v->mechs, n * sizeof v->mechs[0]);
    default:
        return JPKI_ATTR_INVALID;
    }
}

/* Labels and IDs are OpenSC's JPKI layout, so that pkcs11: URIs and guides
 * written for OpenSC keep working. Indexed by jpki_object_id. */
static const jpki_object_def objects[JPKI_OBJ_COUNT] = {
    {JPKI_OBJ_AUTH_CERT, JPKI_ROLE_AUTH, CKO_CERTIFICATE, "User Authentication Certificate",
     0x01, false, JPKI_EF_AUTH_CERT},
    {JPKI_OBJ_AUTH_PUBKEY, JPKI_ROLE_AUTH, CKO_PUBLIC_KEY, "User Authentication Public Key",
     0x01, false, JPKI_EF_AUTH_CERT},
    {JPKI_OBJ_AUTH_KEY, JPKI_ROLE_AUTH, CKO_PRIVATE_KEY, "User Authentication Key", 0x01,
     true, JPKI_EF_AUTH_CERT},
    {JPKI_OBJ_AUTH_CA, JPKI_ROLE_AUTH, CKO_CERTIFICATE, "User Authentication Certificate CA",
     0x03, false, JPKI_EF_AUTH_CA},
    /* Tells NSS it may list the certificates without a login. */
    {JPKI_OBJ_AUTH_PROFILE, JPKI_ROLE_AUTH, CKO_PROFILE, NULL, 0x00, false, 0},
    {JPKI_OBJ_SIGN_CA, JPKI_ROLE_SIGN, CKO_CERTIFICATE, "Digital Signature Certificate CA",
     0x04, false, JPKI_EF_SIGN_CA},
    /* The sign certificate carries the holder's name, address and birth
     * date: the card shows it only after the sign PIN, and so do we. */
    {JPKI_OBJ_SIGN_CERT, JPKI_ROLE_SIGN, CKO_CERTIFICATE, "Digital Signature Certificate",
     0x02, true, JPKI_EF_SIGN_CERT},
    {JPKI_OBJ_SIGN_PUBKEY, JPKI_ROLE_SIGN, CKO_PUBLIC_KEY, "Digital Signature Public Key",
     0x02, true, JPKI_EF_SIGN_CERT},
    {JPKI_OBJ_SIGN_KEY, JPKI_ROLE_SIGN, CKO_PRIVATE_KEY, "Digital Signature Key", 0x02, true,
     JPKI_EF_SIGN_CERT},
    /* OpenSC shows the sign CA on the first (auth) token, where existing
     * pkcs11: URIs point; the sign token shows it too, as design.md has it. */
    {JPKI_OBJ_AUTH_SIGN_CA, JPKI_ROLE_AUTH, CKO_CERTIFICATE, "Digital Signature Certificate CA",
     0x04, false, JPKI_EF_SIGN_CA},
};

const jpki_object_def *jpki_object_def_get(jpki_object_id id)
{
    if ((unsigned)id >= JPKI_OBJ_COUNT)
        return NULL;
    return &objects[id];
}

/* Whether an object's certificate is one the token gives only after a PIN. */
static bool cert_needs_pin(const jpki_object_def *def, const jpki_card_profile *p)
{
    for (int role = 0; role < JPKI_ROLES; role++)
        if (def->cert_fid != 0 && def->cert_fid == p->role[role].cert_ef &&
            p->role[role].cert_needs_pin)
            return true;
    return false;
}

size_t jpki_token_objects(const jpki_card_profile *profile, jpki_role token, bool logged_in,
                          jpki_object_id *out)
{
    const jpki_card_profile *p = profile != NULL ? profile : jpki_profile_default();
    bool auth_public = !p->role[JPKI_ROLE_AUTH].cert_needs_pin;
    size_t n = 0;

    if (out == NULL)
        return 0;
    /* A token whose auth certificate needs the PIN (Android) lists nothing
     * before login, on either token: its CA certificates alone say nothing
     * useful, and OpenSSH logs in to look for keys only when every token
     * shows none (ssh -I then asks the PIN and finds the key). */
    if (!auth_public && !logged_in)
        return 0;
    /* Two passes keep public objects first: a handle list that only grows
     * at the end when the user logs in. */
    for (size_t i = 0; i < JPKI_OBJ_COUNT; i++) {
        const jpki_object_def *d = &objects[i];
        if (d->token != token || d->is_private || cert_needs_pin(d, p))
            continue;
        if (d->klass == CKO_PROFILE && !auth_public)
            continue;
        out[n++] = d->id;
    }
    if (logged_in)
        for (size_t i = 0; i < JPKI_OBJ_COUNT; i++)
            if (objects[i].token == token && (objects[i].is_private || cert_needs_pin(&objects[i], p)))
                out[n++] = objects[i].id;
    return n;
}

/* What an object's computed attributes come from, each loaded at most
 * once per call and only when an attribute needs it. */
typedef struct jpki_lazy {
    jpki_cert_info ci;
    bool cert_loaded;
    CK_RV cert_rv;
    jpki_key_info key;
    bool key_loaded;
    CK_RV key_rv;
} jpki_lazy;

/* Turns a NEEDS_CERT or NEEDS_KEY *kind into the value; the error of the
 * load otherwise (the same one again for later attributes). */
static CK_RV lazy_attr(jpki_lazy *lz, const jpki_cert_source *src, const jpki_object_def *def,
                       CK_ATTRIBUTE_TYPE type, jpki_attr_kind *kind, jpki_attr_val *v)
{
    if (*kind == JPKI_ATTR_NEEDS_CERT) {
        if (!lz->cert_loaded && lz->cert_rv == CKR_OK) {
            lz->cert_rv = jpki_cert_info_load(&lz->ci, src, def->cert_fid);
            lz->cert_loaded = lz->cert_rv == CKR_OK;
        }
        if (!lz->cert_loaded)
            return lz->cert_rv;
        *kind = jpki_attr_from_cert(&lz->ci, type, v);
    } else if (*kind == JPKI_ATTR_NEEDS_KEY) {
        if (!lz->key_loaded && lz->key_rv == CKR_OK) {
            lz->key_rv = load_key(src, def, &lz->key);
            lz->key_loaded = lz->key_rv == CKR_OK;
        }
        if (!lz->key_loaded)
            return lz->key_rv;
        *kind = jpki_attr_from_key(&lz->key, type, v);
    }
    return CKR_OK;
}

static void lazy_init(jpki_lazy *lz)
{
    memset(lz, 0, sizeof *lz);
    jpki_cert_info_init(&lz->ci);
}

static void lazy_clear(jpki_lazy *lz)
{
    jpki_cert_info_clear(&lz->ci);
}

CK_RV jpki_object_get_attributes(jpki_object_id id, const jpki_cert_source *src,
                                 CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
    const jpki_object_def *def = jpki_object_def_get(id);
    jpki_lazy lz;
    CK_RV load_rv = CKR_OK, rv = CKR_OK;

    if (def == NULL)
        return CKR_OBJECT_HANDLE_INVALID;
    if (tmpl == NULL && count > 0)
        return CKR_ARGUMENTS_BAD;
    lazy_init(&lz);
    /* PKCS#11 v2.40 §5.7: every attribute is processed, whatever happens to
     * the others; the overall result is one of the errors met. */
    for (CK_ULONG i = 0; i < count; i++) {
        jpki_attr_val v;
        jpki_attr_kind kind = jpki_attr_static(def, tmpl[i].type, &v);
        CK_RV this_rv = lazy_attr(&lz, src, def, tmpl[i].type, &kind, &v);

        if (this_rv != CKR_OK) {
            tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            if (load_rv == CKR_OK)
                load_rv = this_rv;
            continue;
        }
        if (kind == JPKI_ATTR_SENSITIVE) {
            this_rv = CKR_ATTRIBUTE_SENSITIVE;
        } else if (kind != JPKI_ATTR_OK) {
            this_rv = CKR_ATTRIBUTE_TYPE_INVALID;
        } else if (tmpl[i].pValue == NULL) {
            tmpl[i].ulValueLen = v.len;
        } else if (tmpl[i].ulValueLen < v.len) {
            this_rv = CKR_BUFFER_TOO_SMALL;
        } else {
            if (v.len > 0)
                memcpy(tmpl[i].pValue, v.ptr, v.len);
            tmpl[i].ulValueLen = v.len;
        }
        if (this_rv != CKR_OK) {
            tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
            if (rv == CKR_OK)
                rv = this_rv;
        }
    }
    lazy_clear(&lz);
    /* A certificate we could not read says more (card removed, ...) than
     * the per-attribute errors. */
    return load_rv != CKR_OK ? load_rv : rv;
}

CK_RV jpki_object_match(jpki_object_id id, const jpki_cert_source *src,
                        const CK_ATTRIBUTE *tmpl, CK_ULONG count, bool *match)
{
    const jpki_object_def *def = jpki_object_def_get(id);
    jpki_lazy lz;
    CK_RV rv = CKR_OK;

    if (def == NULL)
        return CKR_OBJECT_HANDLE_INVALID;
    if (match == NULL || (tmpl == NULL && count > 0))
        return CKR_ARGUMENTS_BAD;
    *match = false;
    lazy_init(&lz);
    /* Static attributes first, in one pass: a template that already fails on
     * CKA_CLASS or CKA_ID never costs a certificate read. */
    for (int pass = 0; pass < 2; pass++) {
        for (CK_ULONG i = 0; i < count; i++) {
            jpki_attr_val v;
            jpki_attr_kind kind = jpki_attr_static(def, tmpl[i].type, &v);
            bool lazy = kind == JPKI_ATTR_NEEDS_CERT || kind == JPKI_ATTR_NEEDS_KEY;

            if (lazy != (pass == 1))
                continue;
            rv = lazy_attr(&lz, src, def, tmpl[i].type, &kind, &v);
            if (rv != CKR_OK)
                goto out;
            /* A sensitive or absent attribute can never be compared. */
            if (kind != JPKI_ATTR_OK || tmpl[i].ulValueLen != v.len)
                goto out;
            if (v.len > 0 && (tmpl[i].pValue == NULL || memcmp(tmpl[i].pValue, v.ptr, v.len)))
                goto out;
        }
    }
    *match = true;
out:
    lazy_clear(&lz);
    return rv;
}

CK_RV jpki_object_size(jpki_object_id id, const jpki_cert_source *src, CK_ULONG *size)
{
    const jpki_object_def *def = jpki_object_def_get(id);
    const uint8_t *der = NULL;
    size_t der_len = 0;
    CK_RV rv;

    if (def == NULL)
        return CKR_OBJECT_HANDLE_INVALID;
    if (size == NULL)
        return CKR_ARGUMENTS_BAD;
    /* PKCS#11 leaves "size" to the module. For a certificate the DER length
     * is the honest answer; keys and the profile live on the card in a form
     * we do not see, so we say so rather than invent a number. */
    if (def->klass != CKO_CERTIFICATE) {
        *size = CK_UNAVAILABLE_INFORMATION;
        return CKR_OK;
    }
    if (src == NULL || src->get == NULL)
        return CKR_GENERAL_ERROR;
    rv = src->get(src->ctx, def->cert_fid, &der, &der_len);
    if (rv != CKR_OK)
        return rv;
    if (der == NULL || der_len == 0 || der_len > JPKI_CERT_MAX)
        return CKR_DEVICE_ERROR;
    *size = der_len;
    return CKR_OK;
}

/*
 * The serial is the last 8 bytes of SHA-256(DER serialNumber || DER issuer
 * Name) of the auth certificate, as 16 upper-case hex digits. Issuer and
 * serial identify a certificate uniquely (RFC 5280 §4.1.2.2), so the token
 * serial differs per card, stays the same across insertions of one card, and
 * reveals nothing of the certificate itself; 64 bits make a collision
 * between two cards of one user practically impossible. It changes when the
 * certificate is renewed, which is right: so does everything else.
 */
CK_RV jpki_token_serial(const uint8_t *auth_cert, size_t len, char serial[16])
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = auth_cert;
    X509 *x509 = NULL;
    unsigned char *ser_der = NULL, *iss_der = NULL;
    int ser_len, iss_len;
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *mdctx = NULL;
    CK_RV rv = CKR_DEVICE_ERROR;

    if (auth_cert == NULL || serial == NULL || len == 0 || len > JPKI_CERT_MAX)
        return CKR_ARGUMENTS_BAD;
    x509 = d2i_X509(NULL, &p, (long)len);
    if (x509 == NULL)
        goto out;
    ser_len = i2d_ASN1_INTEGER(X509_get0_serialNumber(x509), &ser_der);
    iss_len = i2d_X509_NAME(X509_get_issuer_name(x509), &iss_der);
    if (ser_len <= 0 || iss_len <= 0)
        goto out;
    mdctx = EVP_MD_CTX_new();
    if (mdctx == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    if (EVP_DigestInit_ex(mdctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(mdctx, ser_der, (size_t)ser_len) != 1 ||
        EVP_DigestUpdate(mdctx, iss_der, (size_t)iss_len) != 1 ||
        EVP_DigestFinal_ex(mdctx, md, &md_len) != 1 || md_len < 8) {
        rv = CKR_GENERAL_ERROR;
        goto out;
    }
    for (size_t i = 0; i < 8; i++) {
        serial[2 * i] = hex[md[md_len - 8 + i] >> 4];
        serial[2 * i + 1] = hex[md[md_len - 8 + i] & 0x0f];
    }
    rv = CKR_OK;
out:
    EVP_MD_CTX_free(mdctx);
    OPENSSL_free(ser_der);
    OPENSSL_free(iss_der);
    X509_free(x509);
    return rv;
}
