/*
 * sign.c: the sign command (SHA-256 only: what every verifier takes and
 * what the J-LIS certificates are signed with).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "messages.h"
#include "signals.h"

/* DER DigestInfo of SHA-256 (RFC 8017 §9.2 note 1) over data. */
static int digest_info(const uint8_t *data, size_t len, uint8_t out[51])
{
    static const uint8_t prefix[19] = { 0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
    unsigned int md_len = 0;

    memcpy(out, prefix, sizeof prefix);
    if (EVP_Digest(data, len, out + sizeof prefix, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != 32)
        return EXIT_TOOL_CARD_ERROR;
    return EXIT_TOOL_OK;
}

/* In the caller's transaction, after VERIFY. */
static int sign_raw(struct tool_card *tc, jpki_role role, const uint8_t *data, size_t len,
                    uint8_t **sig, size_t *sig_len)
{
    uint8_t di[51];
    jpki_status st;
    int rc;

    *sig = malloc(JPKI_SIGNATURE_MAX);   /* the key's size: 2048 to 4096 bits */
    if (*sig == NULL)
        return EXIT_TOOL_CARD_ERROR;
    rc = digest_info(data, len, di);
    if (rc != EXIT_TOOL_OK)
        return rc;
    st = jpki_sign(&tc->card, role, di, sizeof di, *sig, JPKI_SIGNATURE_MAX, sig_len);
    return st == JPKI_OK ? EXIT_TOOL_OK : tool_card_error(tc->reader, st);
}

int cmd_sign(const struct tool_options *opt)
{
    struct tool_card tc;
    size_t data_len = 0, out_len = 0;
    uint8_t *data = NULL, *out = NULL;
    X509 *cert = NULL;
    jpki_role role;
    bool private_out;
    int rc, end_rc;

    if (!tool_parse_role(opt->key, &role) || opt->in_file == NULL || opt->out_file == NULL) {
        msg_print(stderr, M_BAD_ARGUMENT, "sign");
        return EXIT_TOOL_USAGE;
    }
    /* A CMS signature by the sign key carries the sign certificate. */
    private_out = opt->cms && role == JPKI_ROLE_SIGN;
    rc = tool_check_output(opt->out_file, private_out);
    if (rc == EXIT_TOOL_OK)
        rc = tool_read_file(opt->in_file, &data, &data_len);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK) {
        free(data);
        return rc;
    }
    rc = tool_begin_verified(&tc, opt, role);
    if (rc == EXIT_TOOL_OK) {
        /* Ctrl-C before the signature: none is made. */
        if (tool_interrupted()) {
            rc = EXIT_TOOL_INTERRUPTED;
        } else if (opt->cms) {
            rc = tool_read_cert(&tc, role == JPKI_ROLE_SIGN ? JPKI_EF_SIGN_CERT
                                                            : JPKI_EF_AUTH_CERT, &cert);
            if (rc == EXIT_TOOL_OK)
                rc = tool_cms_sign(&tc, role, cert, data, data_len, &out, &out_len);
        } else {
            rc = sign_raw(&tc, role, data, data_len, &out, &out_len);
        }
        end_rc = tool_card_end(&tc);   /* the key un-verified before anything else */
        if (rc == EXIT_TOOL_OK)
            rc = end_rc;
    }
    if (rc == EXIT_TOOL_OK && tool_interrupted())
        rc = EXIT_TOOL_INTERRUPTED;
    if (rc == EXIT_TOOL_OK)
        rc = tool_write_file(opt->out_file, out, out_len, private_out);
    if (rc == EXIT_TOOL_OK && strcmp(opt->out_file, "-") != 0)
        msg_print(stderr, M_SIGNED, opt->out_file);

    /* CMS output comes from OpenSSL's allocator, a raw signature from ours. */
    if (opt->cms) {
        if (out != NULL)
            OPENSSL_cleanse(out, out_len);
        OPENSSL_free(out);
    } else {
        free(out);
    }
    X509_free(cert);
    free(data);
    tool_card_close(&tc);
    return rc;
}
