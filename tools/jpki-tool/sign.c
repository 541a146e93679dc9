/*
 * sign.c: the sign command (SHA-256 only: what every verifier takes and
 * what the J-LIS certificates are signed with), and file helpers.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "messages.h"

/* Files to sign are read whole: CMS needs the content once more after the
 * card signed, and a signed document is not expected to be huge. */
#define SIGN_INPUT_MAX ((size_t)1 << 30)

int tool_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;

    *data = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (f == NULL) {
        msg_print(stderr, M_FILE_ERROR, path, strerror(errno));
        return EXIT_TOOL_USAGE;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *bigger;
            if (cap >= SIGN_INPUT_MAX)
                goto too_big;
            cap = cap ? cap * 2 : 65536;
            bigger = realloc(buf, cap);
            if (bigger == NULL)
                goto too_big;
            buf = bigger;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        msg_print(stderr, M_FILE_ERROR, path, strerror(errno));
        fclose(f);
        free(buf);
        return EXIT_TOOL_USAGE;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return EXIT_TOOL_OK;

too_big:
    msg_print(stderr, M_FILE_ERROR, path, strerror(EFBIG));
    fclose(f);
    free(buf);
    return EXIT_TOOL_USAGE;
}

int tool_write_file(const char *path, const uint8_t *data, size_t len, bool private_data)
{
    int fd;
    size_t done = 0;

    if (strcmp(path, "-") == 0) {
        fflush(stdout);
        fd = STDOUT_FILENO;
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private_data ? 0600 : 0644);
    }
    if (fd < 0) {
        msg_print(stderr, M_FILE_ERROR, path, strerror(errno));
        return EXIT_TOOL_USAGE;
    }
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            msg_print(stderr, M_FILE_ERROR, path, strerror(errno));
            if (fd != STDOUT_FILENO)
                close(fd);
            return EXIT_TOOL_CARD_ERROR;
        }
        done += (size_t)w;
    }
    if (fd != STDOUT_FILENO && close(fd) != 0) {
        msg_print(stderr, M_FILE_ERROR, path, strerror(errno));
        return EXIT_TOOL_CARD_ERROR;
    }
    return EXIT_TOOL_OK;
}

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

    *sig = malloc(JPKI_SIGNATURE_LEN);
    if (*sig == NULL)
        return EXIT_TOOL_CARD_ERROR;
    rc = digest_info(data, len, di);
    if (rc != EXIT_TOOL_OK)
        return rc;
    st = jpki_sign(&tc->card, role, di, sizeof di, *sig, JPKI_SIGNATURE_LEN, sig_len);
    return st == JPKI_OK ? EXIT_TOOL_OK : tool_card_error(tc->reader, st);
}

int cmd_sign(const struct tool_options *opt)
{
    struct tool_card tc;
    uint8_t pin[JPKI_PIN_MAX];
    size_t pin_len = 0, data_len = 0, out_len = 0;
    uint8_t *data = NULL, *out = NULL;
    X509 *cert = NULL;
    jpki_role role;
    int rc;

    if (!tool_parse_role(opt->key, &role) || opt->in_file == NULL || opt->out_file == NULL) {
        msg_print(stderr, M_BAD_ARGUMENT, "sign");
        return EXIT_TOOL_USAGE;
    }
    rc = tool_read_file(opt->in_file, &data, &data_len);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK) {
        free(data);
        return rc;
    }
    rc = tool_check_tries(&tc, opt, role);
    if (rc == EXIT_TOOL_OK)
        rc = tool_ask_pin(opt, role, pin, &pin_len);
    if (rc == EXIT_TOOL_OK)
        rc = tool_card_begin(&tc);
    if (rc == EXIT_TOOL_OK)
        rc = tool_verify_pin(&tc, role, pin, pin_len);
    OPENSSL_cleanse(pin, sizeof pin);
    if (rc == EXIT_TOOL_OK && opt->cms) {
        rc = tool_read_cert(&tc, role == JPKI_ROLE_SIGN ? JPKI_EF_SIGN_CERT : JPKI_EF_AUTH_CERT,
                            &cert);
        if (rc == EXIT_TOOL_OK)
            rc = tool_cms_sign(&tc, role, cert, data, data_len, &out, &out_len);
    } else if (rc == EXIT_TOOL_OK) {
        rc = sign_raw(&tc, role, data, data_len, &out, &out_len);
    }
    tool_card_end(&tc);
    if (rc == EXIT_TOOL_OK)
        rc = tool_write_file(opt->out_file, out, out_len, false);
    if (rc == EXIT_TOOL_OK && strcmp(opt->out_file, "-") != 0)
        msg_print(stderr, M_SIGNED, opt->out_file);

    /* CMS output comes from OpenSSL's allocator, a raw signature from ours. */
    if (opt->cms)
        OPENSSL_free(out);
    else
        free(out);
    X509_free(cert);
    free(data);
    tool_card_close(&tc);
    return rc;
}
