/*
 * pss.c: whether a card signs RSASSA-PSS in its own mode (P1 04,
 * jpki-protocol.md §4.2), learned per card and never guessed: from one
 * signature by the auth key that verified with salt length 32 under the
 * auth certificate, remembered beside the certificate cache (a public
 * fact). The sign key never signs for this.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "cert_cache.h"
#include "log.h"
#include "slot.h"
#include "token_state.h"

static const char *fact_word(jpki_pss_fact fact)
{
    return fact == JPKI_PSS_YES ? "yes" : fact == JPKI_PSS_NO ? "no" : "not yet known";
}

jpki_pss_fact jpki_reader_pss(jpki_reader *r)
{
    if (r->pss != JPKI_PSS_UNKNOWN || r->pss_looked_up || r->card.head_len == 0)
        return r->pss;
    r->pss_looked_up = true;
    char word[8];
    if (jpki_card_fact_load(r->card.head, r->card.head_len, JPKI_FACT_PSS, word, sizeof word)) {
        if (strcmp(word, "yes") == 0)
            r->pss = JPKI_PSS_YES;
        else if (strcmp(word, "no") == 0)
            r->pss = JPKI_PSS_NO;
    }
    return r->pss;
}

void jpki_reader_set_pss(jpki_reader *r, jpki_pss_fact fact)
{
    if (fact == JPKI_PSS_UNKNOWN || r->card.head_len == 0)
        return;
    jpki_log(JPKI_LOG_CALL, "reader %zu: the card signs PSS: %s", r->index, fact_word(fact));
    /* "no" is for good: a card that failed once is not asked again. */
    if (r->pss == JPKI_PSS_NO)
        return;
    r->pss = fact;
    r->pss_looked_up = true;
    jpki_card_fact_store(r->card.head, r->card.head_len, JPKI_FACT_PSS, fact_word(fact));
}

/* The card answered the PSS command with an error of its own (6A86 for a
 * mode it lacks, or another refusal): not a reader timeout or a card that
 * went away, which teach nothing. */
static bool card_refused(jpki_status st)
{
    switch (st) {
    case JPKI_E_WRONG_PARAMS:
    case JPKI_E_WRONG_LENGTH:
    case JPKI_E_NOT_SUPPORTED:
    case JPKI_E_CONDITIONS:
    case JPKI_E_CARD_ERROR:
    case JPKI_E_MALFORMED:
        return true;
    default:
        return false;
    }
}

void jpki_reader_learn_pss(jpki_reader *r)
{
    if (jpki_reader_pss(r) != JPKI_PSS_UNKNOWN || !jpki_ts_logged_in(r, JPKI_ROLE_AUTH))
        return;
    /* The key first: an EC key has no RSA-PSS to learn. The certificate is
     * read in a transaction that keeps our AP current (no SELECT of it),
     * so the login's verified state stays for the signature. */
    size_t cert_len = 0;
    const uint8_t *cert = jpki_reader_cached_cert(r, JPKI_EF_AUTH_CERT, &cert_len);
    if (cert == NULL && jpki_reader_begin(r, NULL) == JPKI_OK) {
        (void)jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT);
        jpki_reader_end(r);
        cert = jpki_reader_cached_cert(r, JPKI_EF_AUTH_CERT, &cert_len);
    }
    jpki_key_info key;
    if (cert == NULL || !jpki_key_info_from_cert(cert, cert_len, &key) || key.type != CKK_RSA)
        return;
    uint8_t hash[JPKI_SHA256_LEN], sig[JPKI_SIGNATURE_MAX];
    size_t sig_len = 0;
    if (RAND_bytes(hash, sizeof hash) != 1)
        return;
    r->last_fail = JPKI_OK;
    CK_RV rv = jpki_ts_sign(r, JPKI_ROLE_AUTH, NULL, JPKI_SIGN_PSS_SHA256, hash, sizeof hash,
                            sig, &sig_len);
    if (rv == CKR_OK) {
        cert = jpki_reader_cached_cert(r, JPKI_EF_AUTH_CERT, &cert_len);
        bool good = cert != NULL &&
                    jpki_pss_signature_matches(cert, cert_len, hash, sizeof hash, sig, sig_len);
        /* A certificate from the disk cache may be what is wrong: it goes,
         * and the next login asks again with the card's own. */
        if (!good && cert != NULL && jpki_reader_cert_came_from_disk(r, JPKI_EF_AUTH_CERT))
            jpki_reader_cert_distrust(r, JPKI_EF_AUTH_CERT);
        else if (cert != NULL)
            jpki_reader_set_pss(r, good ? JPKI_PSS_YES : JPKI_PSS_NO);
    } else if (card_refused(r->last_fail)) {
        jpki_reader_set_pss(r, JPKI_PSS_NO);
    } else {
        jpki_log(JPKI_LOG_CALL, "reader %zu: PSS not learned now (0x%lx)", r->index,
                 (unsigned long)rv);
    }
    OPENSSL_cleanse(sig, sizeof sig);
}
