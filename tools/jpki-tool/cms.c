/*
 * cms.c: a detached CMS SignedData whose signature the card makes.
 *
 * OpenSSL's CMS code signs with an EVP_PKEY and cannot be handed a finished
 * signature. The card is not an OpenSSL provider, and writing one for a
 * single signature is far more code than this file. So the key is a legacy
 * RSA key with an RSA_METHOD whose private-key operation is the card: the
 * public part comes from the certificate, and priv_enc receives the
 * DigestInfo that OpenSSL built (RSA_PKCS1_PADDING), exactly what the
 * card's COMPUTE DIGITAL SIGNATURE wants (it pads itself, protocol §4.2).
 * OpenSSL 3 still routes such "foreign" keys through the legacy path.
 * RSA_METHOD is deprecated in OpenSSL 3; the deprecation warnings are
 * silenced in this file only, and only for this reason.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "tool.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "messages.h"

/* The card the RSA_METHOD signs with: one command, one thread, one
 * signature. Cleared after use so that a second private operation (which
 * would need a second VERIFY on the sign key) cannot reach the card. */
static struct tool_card *signing_card;
static jpki_role signing_role;
static jpki_status signing_status;

static int card_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
                         int padding)
{
    size_t sig_len = 0;
    struct tool_card *tc = signing_card;

    signing_card = NULL;
    if (tc == NULL || padding != RSA_PKCS1_PADDING || flen <= 0) {
        signing_status = JPKI_E_BAD_ARG;
        return -1;
    }
    /* OpenSSL's buffer holds RSA_size bytes: the key's size, from the certificate. */
    signing_status = jpki_sign(&tc->card, signing_role, from, (size_t)flen, to,
                               (size_t)RSA_size(rsa), &sig_len);
    return signing_status == JPKI_OK ? (int)sig_len : -1;
}

/* A key that OpenSSL signs with and the card does the signing for. */
static EVP_PKEY *card_key(X509 *cert, RSA_METHOD **meth_out)
{
    const RSA *pub_rsa;
    const BIGNUM *n = NULL, *e = NULL;
    BIGNUM *n2 = NULL, *e2 = NULL;
    RSA_METHOD *meth = NULL;
    RSA *rsa = NULL;
    EVP_PKEY *pkey = NULL;

    *meth_out = NULL;
    pub_rsa = EVP_PKEY_get0_RSA(X509_get0_pubkey(cert));
    if (pub_rsa == NULL)
        return NULL;
    RSA_get0_key(pub_rsa, &n, &e, NULL);
    meth = RSA_meth_dup(RSA_get_default_method());
    rsa = RSA_new();
    pkey = EVP_PKEY_new();
    n2 = BN_dup(n);
    e2 = BN_dup(e);
    if (meth == NULL || rsa == NULL || pkey == NULL || n2 == NULL || e2 == NULL ||
        RSA_meth_set1_name(meth, "jpki-tool card key") != 1 ||
        RSA_meth_set_priv_enc(meth, card_priv_enc) != 1 || RSA_set_method(rsa, meth) != 1 ||
        RSA_set0_key(rsa, n2, e2, NULL) != 1)
        goto fail;
    n2 = e2 = NULL;
    if (EVP_PKEY_assign_RSA(pkey, rsa) != 1)
        goto fail;
    *meth_out = meth;
    return pkey;

fail:
    BN_free(n2);
    BN_free(e2);
    RSA_free(rsa);
    EVP_PKEY_free(pkey);
    RSA_meth_free(meth);
    return NULL;
}

static void report_openssl(void)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    ERR_error_string_n(e, buf, sizeof buf);
    msg_print(stderr, M_OPENSSL_ERROR, e ? buf : "?");
    ERR_clear_error();
}

int tool_cms_sign(struct tool_card *tc, jpki_role role, X509 *cert, const uint8_t *data,
                  size_t data_len, uint8_t **der, size_t *der_len)
{
    const unsigned int flags = CMS_PARTIAL | CMS_DETACHED | CMS_BINARY;
    RSA_METHOD *meth = NULL;
    EVP_PKEY *pkey = NULL;
    CMS_ContentInfo *cms = NULL;
    BIO *in = NULL;
    unsigned char *out = NULL;
    int len, rc = EXIT_TOOL_CARD_ERROR;

    *der = NULL;
    *der_len = 0;
    if (data_len > (size_t)0x7FFFFFFF)
        return EXIT_TOOL_USAGE;
    pkey = card_key(cert, &meth);
    in = BIO_new_mem_buf(data, (int)data_len);
    cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
    if (pkey == NULL || in == NULL || cms == NULL ||
        CMS_add1_signer(cms, cert, pkey, EVP_sha256(), CMS_BINARY) == NULL) {
        report_openssl();
        goto out;
    }
    signing_card = tc;
    signing_role = role;
    signing_status = JPKI_E_BAD_ARG;
    if (CMS_final(cms, in, NULL, flags) != 1) {
        signing_card = NULL;
        if (signing_status != JPKI_OK && signing_status != JPKI_E_BAD_ARG) {
            ERR_clear_error();
            rc = tool_card_error(tc->reader, signing_status);
        } else {
            report_openssl();
        }
        goto out;
    }
    signing_card = NULL;
    len = i2d_CMS_ContentInfo(cms, &out);
    if (len <= 0) {
        report_openssl();
        goto out;
    }
    *der = out;
    *der_len = (size_t)len;
    rc = EXIT_TOOL_OK;

out:
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    EVP_PKEY_free(pkey);   /* frees the RSA, which lets go of meth */
    RSA_meth_free(meth);
    return rc;
}
