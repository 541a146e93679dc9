/*
 * status.c: the status command. Everything it reads is free to read: the
 * empty VERIFY spends no try (protocol §4.1), so a person can look as often
 * as they like. Only --sign-pin asks a PIN, for the sign certificate.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <string.h>

#include "jpki_text.h"
#include "mech.h"
#include "messages.h"

/* What EF 0006 names, in the tool's languages (card_profile.c says it
 * in English for the module). */
static msg_id token_kind(const char *name)
{
    switch (jpki_profile_for_name(name)->kind) {
    case JPKI_TOKEN_CARD:
        return M_TOKEN_CARD;
    case JPKI_TOKEN_JUKI:
        return M_TOKEN_JUKI;
    case JPKI_TOKEN_ANDROID:
        return M_TOKEN_ANDROID;
    case JPKI_TOKEN_IPHONE:
        return M_TOKEN_IPHONE;
    default:
        return M_TOKEN_UNKNOWN;
    }
}

/* EF 0008: which certificates the token carries. */
static void print_cert_list(struct tool_card *tc)
{
    jpki_cert_list list;
    jpki_status st = jpki_read_cert_list(&tc->card, &list);

    if (st != JPKI_OK) {
        msg_print(stdout, M_CERT_LIST_UNKNOWN, jpki_status_name(st));
        return;
    }
    msg_print(stdout, M_CERT_LIST, msg(M_CERT_SIGN),
              msg(list.cert[JPKI_ROLE_SIGN] == JPKI_CERT_ABSENT ? M_CERT_ABSENT : M_CERT_PRESENT),
              msg(M_CERT_AUTH),
              msg(list.cert[JPKI_ROLE_AUTH] == JPKI_CERT_ABSENT ? M_CERT_ABSENT : M_CERT_PRESENT));
}

/* The key type and size of a certificate, and whether the module signs
 * with it (the mechanism table's judgement). */
static void print_key(X509 *cert, msg_id which)
{
    EVP_PKEY *pkey = X509_get0_pubkey(cert);
    const char *type = "?";
    jpki_key_info key = { JPKI_KEY_UNKNOWN, 0 };

    if (pkey == NULL)
        return;
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        type = "RSA";
        key.type = CKK_RSA;
        break;
    case EVP_PKEY_EC:
        type = "EC";
        key.type = CKK_EC;
        break;
    default:
        break;
    }
    key.bits = (CK_ULONG)EVP_PKEY_get_bits(pkey);
    msg_print(stdout, jpki_key_signature_len(&key) > 0 ? M_KEY : M_KEY_UNUSABLE, msg(which), type,
              EVP_PKEY_get_bits(pkey));
}

static void print_tries(msg_id pin, int tries, int max)
{
    if (tries < 0) {
        msg_print(stdout, M_TRIES_VERIFIED, msg(pin));
    } else {
        msg_print(stdout, M_TRIES, msg(pin), tries, max);
        if (tries == 0)
            fputs(msg(M_TRIES_LOCKED), stdout);
        else if (tries == 1)
            fputs(msg(M_TRIES_LAST), stdout);
        else if (tries < max)
            fputs(msg(M_TRIES_LOW), stdout);
    }
    fputc('\n', stdout);
}

/* Lists every reader and whether a card is in it. */
static int list_readers(void)
{
    jpki_pcsc *pcsc = NULL;
    char **names = NULL;
    size_t count = 0;
    jpki_status st;

    st = jpki_pcsc_open(&pcsc);
    if (st != JPKI_OK) {
        msg_print(stderr, M_NO_SERVICE);
        return EXIT_TOOL_NO_CARD;
    }
    st = jpki_pcsc_list_readers(pcsc, &names, &count);
    if (st == JPKI_OK && count > 0) {
        msg_print(stdout, M_READERS);
        for (size_t i = 0; i < count; i++) {
            jpki_reader_status rs;
            memset(&rs, 0, sizeof rs);
            if (jpki_pcsc_reader_status(pcsc, names[i], &rs) == JPKI_OK && rs.present)
                msg_print(stdout, M_READER_CARD, names[i]);
            else
                msg_print(stdout, M_READER_NO_CARD, names[i]);
        }
    }
    jpki_pcsc_free_names(names, count);
    jpki_pcsc_close(pcsc);
    if (st != JPKI_OK || count == 0) {
        msg_print(stderr, st == JPKI_E_NO_SERVICE ? M_NO_SERVICE : M_NO_READER);
        return EXIT_TOOL_NO_CARD;
    }
    return EXIT_TOOL_OK;
}

/* The free part: token, the three counters, the auth certificate. */
static int show_card(struct tool_card *tc)
{
    jpki_token_info info;
    X509 *cert = NULL;
    int auth = -1, sign = -1, text = -1, rc;
    jpki_status st;

    rc = tool_card_begin(tc);
    if (rc != EXIT_TOOL_OK)
        return rc;
    st = jpki_read_token_info(&tc->card, &info);
    if (st != JPKI_OK) {
        rc = tool_card_error(tc->reader, st);
        goto out;
    }
    msg_print(stdout, M_TOKEN, msg(token_kind(info.name)), info.name);
    st = jpki_pin_status(&tc->card, JPKI_ROLE_AUTH, &auth);
    if (st == JPKI_OK)
        st = jpki_pin_status(&tc->card, JPKI_ROLE_SIGN, &sign);
    if (st != JPKI_OK) {
        rc = tool_card_error(tc->reader, st);
        goto out;
    }
    print_tries(M_PIN_AUTH, auth, jpki_pin_max_tries(JPKI_ROLE_AUTH));
    print_tries(M_PIN_SIGN, sign, jpki_pin_max_tries(JPKI_ROLE_SIGN));
    print_cert_list(tc);
    /* Android gives its auth certificate only after the auth PIN, which
     * status never asks. */
    if (jpki_profile_for_name(info.name)->role[JPKI_ROLE_AUTH].cert_needs_pin)
        msg_print(stdout, M_CERT_NEEDS_PIN, msg(M_CERT_AUTH));
    else
        rc = tool_read_cert(tc, JPKI_EF_AUTH_CERT, &cert);
    /* Last: selecting the text AP leaves the JPKI AP. Phones have no text
     * AP; that is not an error of the card. */
    tc->must_reselect = true;   /* back to the JPKI AP, as the module expects */
    st = jpki_text_pin_status(&tc->card, &text);
    if (st == JPKI_OK)
        print_tries(M_PIN_TEXT, text, JPKI_TEXT_PIN_TRIES);
    else if (st == JPKI_E_FILE_NOT_FOUND)
        msg_print(stdout, M_TEXT_AP_ABSENT, msg(M_PIN_TEXT));
    else if (rc == EXIT_TOOL_OK)
        rc = tool_card_error(msg(M_PIN_TEXT), st);
    if (cert != NULL) {
        tool_print_validity(stdout, cert, msg(M_CERT_AUTH));
        print_key(cert, M_CERT_AUTH);
    }

out:
    tool_card_end(tc);
    X509_free(cert);
    return rc;
}

static int show_sign_cert(struct tool_card *tc, const struct tool_options *opt)
{
    X509 *cert = NULL;
    int rc, end_rc;

    rc = tool_begin_verified(tc, opt, JPKI_ROLE_SIGN);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_read_cert(tc, JPKI_EF_SIGN_CERT, &cert);
    end_rc = tool_card_end(tc);   /* the sign key un-verified */
    if (rc == EXIT_TOOL_OK)
        rc = end_rc;
    if (cert != NULL) {
        tool_print_validity(stdout, cert, msg(M_CERT_SIGN));
        print_key(cert, M_CERT_SIGN);
    }
    X509_free(cert);
    return rc;
}

int cmd_status(const struct tool_options *opt)
{
    struct tool_card tc;
    int rc;

    rc = list_readers();
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK)
        return rc;
    msg_print(stdout, M_READER_USED, tc.reader);
    rc = show_card(&tc);
    if (rc == EXIT_TOOL_OK) {
        if (opt->sign_pin)
            rc = show_sign_cert(&tc, opt);
        else
            msg_print(stdout, M_SIGN_CERT_HINT, msg(M_CERT_SIGN));
    }
    tool_card_close(&tc);
    return rc;
}
