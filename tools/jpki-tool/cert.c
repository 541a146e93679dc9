/*
 * cert.c: the cert command, and reading, checking and describing the
 * card's certificates for the other commands.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "messages.h"
#include "signals.h"

/* Certificates that expire within this many days get a warning: renewal at
 * a municipal office takes an appointment. */
#define EXPIRY_WARN_DAYS 30

int tool_read_cert(struct tool_card *tc, uint16_t ef, X509 **out)
{
    uint8_t *der = NULL;
    size_t len = 0;
    const unsigned char *p;
    jpki_status st;

    *out = NULL;
    st = jpki_read_certificate(&tc->card, ef, &der, &len);
    if (st != JPKI_OK)
        return tool_card_error(tc->reader, st);
    p = der;
    *out = d2i_X509(NULL, &p, (long)len);
    if (*out == NULL || p != der + len) {
        X509_free(*out);
        *out = NULL;
        st = JPKI_E_MALFORMED;
    }
    OPENSSL_cleanse(der, len);   /* the sign certificate is personal data */
    free(der);
    return st == JPKI_OK ? EXIT_TOOL_OK : tool_card_error(tc->reader, st);
}

static void format_time(const ASN1_TIME *t, char *buf, size_t cap)
{
    struct tm tm;

    memset(&tm, 0, sizeof tm);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, cap, "?");
}

long tool_print_validity(FILE *f, X509 *cert, const char *label)
{
    char from[40], to[40];
    int days = 0, secs = 0;

    format_time(X509_get0_notBefore(cert), from, sizeof from);
    format_time(X509_get0_notAfter(cert), to, sizeof to);
    if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)) != 1)
        days = 0;
    if (days == 0 && secs < 0)
        days = -1;
    msg_print(f, M_VALIDITY, label, from, to, (long)(days < 0 ? 0 : days));
    if (days < 0)
        msg_print(f, M_EXPIRED, label);
    else if (days < EXPIRY_WARN_DAYS)
        msg_print(f, M_EXPIRES_SOON, label, (long)days);
    return days;
}

bool tool_verify_chain(X509 *cert, X509 *ca, const char **why)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    bool ok = false;

    *why = "out of memory";
    if (store == NULL || ctx == NULL || X509_STORE_add_cert(store, ca) != 1 ||
        X509_STORE_CTX_init(ctx, store, cert, NULL) != 1)
        goto out;
    ok = X509_verify_cert(ctx) == 1;
    *why = ok ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));

out:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    return ok;
}

struct cert_kind {
    const char *word;
    uint16_t ef, ca_ef;
    bool needs_sign_pin;
    msg_id label;
};

static const struct cert_kind kinds[] = {
    { "auth", JPKI_EF_AUTH_CERT, JPKI_EF_AUTH_CA, false, M_CERT_AUTH },
    { "auth-ca", JPKI_EF_AUTH_CA, JPKI_EF_AUTH_CA, false, M_CERT_AUTH_CA },
    { "sign", JPKI_EF_SIGN_CERT, JPKI_EF_SIGN_CA, true, M_CERT_SIGN },
    { "sign-ca", JPKI_EF_SIGN_CA, JPKI_EF_SIGN_CA, false, M_CERT_SIGN_CA },
};

/* The certificate in the chosen encoding, into a malloc'd buffer. */
static int encode_cert(X509 *cert, bool der, uint8_t **out, size_t *out_len)
{
    BIO *mem;
    char *data = NULL;
    long n;
    int len;

    *out = NULL;
    *out_len = 0;
    if (der) {
        unsigned char *buf = NULL;
        len = i2d_X509(cert, &buf);
        if (len <= 0)
            return EXIT_TOOL_CARD_ERROR;
        *out = buf;
        *out_len = (size_t)len;
        return EXIT_TOOL_OK;
    }
    mem = BIO_new(BIO_s_mem());
    if (mem == NULL || PEM_write_bio_X509(mem, cert) != 1) {
        BIO_free(mem);
        return EXIT_TOOL_CARD_ERROR;
    }
    n = BIO_get_mem_data(mem, &data);
    *out = OPENSSL_malloc((size_t)n > 0 ? (size_t)n : 1);
    if (*out != NULL && n > 0) {
        memcpy(*out, data, (size_t)n);
        *out_len = (size_t)n;
    }
    BIO_free(mem);
    return *out != NULL ? EXIT_TOOL_OK : EXIT_TOOL_CARD_ERROR;
}

int cmd_cert(const struct tool_options *opt, const char *which)
{
    const struct cert_kind *k = NULL;
    struct tool_card tc;
    size_t out_len = 0;
    uint8_t *out = NULL;
    X509 *cert = NULL, *ca = NULL;
    const char *why = NULL;
    int rc, end_rc;

    for (size_t i = 0; which != NULL && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(which, kinds[i].word) == 0)
            k = &kinds[i];
    }
    if (k == NULL) {
        msg_print(stderr, M_BAD_ARGUMENT, "cert");
        return EXIT_TOOL_USAGE;
    }
    rc = tool_check_output(opt->out_file ? opt->out_file : "-", k->needs_sign_pin);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK)
        return rc;
    if (k->needs_sign_pin)
        rc = tool_begin_verified(&tc, opt, JPKI_ROLE_SIGN);
    else
        rc = tool_card_begin(&tc);
    if (rc != EXIT_TOOL_OK)
        goto out;
    rc = tool_read_cert(&tc, k->ef, &cert);
    if (rc == EXIT_TOOL_OK)
        rc = tool_read_cert(&tc, k->ca_ef, &ca);
    end_rc = tool_card_end(&tc);   /* the sign key un-verified */
    if (rc == EXIT_TOOL_OK)
        rc = end_rc;
    if (rc == EXIT_TOOL_OK && tool_interrupted())
        rc = EXIT_TOOL_INTERRUPTED;
    if (rc != EXIT_TOOL_OK)
        goto out;

    tool_print_validity(stderr, cert, msg(k->label));
    rc = encode_cert(cert, opt->der, &out, &out_len);
    if (rc == EXIT_TOOL_OK)
        rc = tool_write_file(opt->out_file ? opt->out_file : "-", out, out_len,
                             k->needs_sign_pin);
    if (rc != EXIT_TOOL_OK)
        goto out;
    if (tool_verify_chain(cert, ca, &why)) {
        msg_print(stderr, M_CHAIN_OK);
    } else {
        msg_print(stderr, M_CHAIN_FAILED, why);
        rc = EXIT_TOOL_VERIFY_FAILED;
    }

out:
    if (out != NULL) {
        OPENSSL_cleanse(out, out_len);
        OPENSSL_free(out);
    }
    X509_free(cert);
    X509_free(ca);
    tool_card_close(&tc);
    return rc;
}
