/*
 * pss.c: whether the card signs RSA-PSS in its own mode (what TLS 1.3
 * needs): the fact the module learned, shown by status, and the check-pss
 * command that finds it out on purpose with one auth-key signature over a
 * random hash (the auth PIN asked, with the final-try guard of
 * pin_guard.c). The result is kept where the module keeps it, beside the
 * certificate cache (a public fact).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "cert_cache.h"
#include "mech.h"
#include "messages.h"
#include "signals.h"

/* The module names a card by the first chunk of its auth certificate
 * (card->head: the first JPKI_CERT_HEAD_LEN bytes of the DER). */
static bool card_name(X509 *auth_cert, uint8_t **der, size_t *head_len)
{
    int len = i2d_X509(auth_cert, der);
    if (len <= 0)
        return false;
    *head_len = (size_t)len < JPKI_CERT_HEAD_LEN ? (size_t)len : JPKI_CERT_HEAD_LEN;
    return true;
}

void tool_print_pss(X509 *auth_cert)
{
    uint8_t *der = NULL;
    size_t head_len = 0;
    char word[8] = "";
    msg_id m = M_PSS_UNKNOWN;

    if (card_name(auth_cert, &der, &head_len) &&
        jpki_card_fact_load(der, head_len, JPKI_FACT_PSS, word, sizeof word))
        m = strcmp(word, "yes") == 0 ? M_PSS_YES : strcmp(word, "no") == 0 ? M_PSS_NO : m;
    OPENSSL_free(der);
    msg_print(stdout, m);
}

/* In the caller's verified transaction: one PSS signature over a random
 * hash, checked with salt 32 against the auth certificate. *signs: the
 * card's answer as a fact; a transport failure is an error instead. */
static int try_pss(struct tool_card *tc, X509 **cert, bool *signs)
{
    uint8_t hash[JPKI_SHA256_LEN], sig[JPKI_SIGNATURE_MAX], *der = NULL;
    size_t sig_len = 0;
    int rc;

    if (RAND_bytes(hash, sizeof hash) != 1)
        return EXIT_TOOL_CARD_ERROR;
    jpki_status st = jpki_sign_mode_of(&tc->card, JPKI_ROLE_AUTH, JPKI_SIGN_PSS_SHA256, hash,
                                       sizeof hash, sig, sizeof sig, &sig_len);
    if (st != JPKI_OK && st != JPKI_E_WRONG_PARAMS && st != JPKI_E_CARD_ERROR &&
        st != JPKI_E_MALFORMED)
        return tool_card_error(tc->reader, st);
    rc = tool_read_cert(tc, JPKI_EF_AUTH_CERT, cert);
    if (rc != EXIT_TOOL_OK)
        return rc;
    int len = i2d_X509(*cert, &der);
    *signs = st == JPKI_OK && len > 0 &&
             jpki_pss_signature_matches(der, (size_t)len, hash, sizeof hash, sig, sig_len);
    OPENSSL_free(der);
    OPENSSL_cleanse(sig, sizeof sig);
    return EXIT_TOOL_OK;
}

int cmd_check_pss(const struct tool_options *opt)
{
    struct tool_card tc;
    X509 *cert = NULL;
    bool signs = false;
    int rc, end_rc;

    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_begin_verified(&tc, opt, JPKI_ROLE_AUTH);
    if (rc == EXIT_TOOL_OK) {
        rc = tool_interrupted() ? EXIT_TOOL_INTERRUPTED : try_pss(&tc, &cert, &signs);
        end_rc = tool_card_end(&tc);   /* the auth key un-verified */
        if (rc == EXIT_TOOL_OK)
            rc = end_rc;
    }
    uint8_t *der = NULL;
    size_t head_len = 0;
    if (rc == EXIT_TOOL_OK && card_name(cert, &der, &head_len)) {
        jpki_card_fact_store(der, head_len, JPKI_FACT_PSS, signs ? "yes" : "no");
        msg_print(stdout, signs ? M_PSS_YES : M_PSS_NO);
    }
    OPENSSL_free(der);
    X509_free(cert);
    tool_card_close(&tc);
    return rc;
}
