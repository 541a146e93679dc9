/*
 * connect.c: from PC/SC to a jpki_card. The card is found by SELECT of the
 * JPKI AP, as the module does (design.md §3: never by ATR).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "messages.h"
#include "signals.h"

int tool_exit_for(jpki_status st)
{
    switch (st) {
    case JPKI_OK:
        return EXIT_TOOL_OK;
    case JPKI_E_NO_CARD:
    case JPKI_E_NO_READER:
    case JPKI_E_NO_SERVICE:
    case JPKI_E_NOT_JPKI:
        return EXIT_TOOL_NO_CARD;
    case JPKI_E_PIN_INCORRECT:
        return EXIT_TOOL_PIN_INCORRECT;
    case JPKI_E_PIN_LOCKED:
        return EXIT_TOOL_PIN_LOCKED;
    default:
        return EXIT_TOOL_CARD_ERROR;
    }
}

int tool_card_error(const char *what, jpki_status st)
{
    msg_print(stderr, M_CARD_ERROR, what, msg_status(st));
    return tool_exit_for(st);
}

bool tool_parse_role(const char *word, jpki_role *role)
{
    if (word != NULL && strcmp(word, "auth") == 0) {
        *role = JPKI_ROLE_AUTH;
        return true;
    }
    if (word != NULL && strcmp(word, "sign") == 0) {
        *role = JPKI_ROLE_SIGN;
        return true;
    }
    return false;
}

/* Connects to one reader and checks for the JPKI AP. */
static jpki_status try_reader(struct tool_card *tc, const char *name)
{
    jpki_status st;

    st = jpki_pcsc_connect(tc->pcsc, name, &tc->transport);
    if (st != JPKI_OK)
        return st;
    jpki_card_init(&tc->card, tc->transport);
    st = jpki_card_begin(&tc->card, NULL);
    if (st == JPKI_OK) {
        st = jpki_select_ap(&tc->card);
        jpki_card_end(&tc->card);
    }
    if (st != JPKI_OK) {
        tc->transport->ops->destroy(tc->transport);
        tc->transport = NULL;
        return st;
    }
    snprintf(tc->reader, sizeof tc->reader, "%s", name);
    return JPKI_OK;
}

int tool_card_open(struct tool_card *tc, const struct tool_options *opt)
{
    char **names = NULL;
    size_t count = 0;
    jpki_status st, last = JPKI_E_NOT_JPKI;
    bool matched = false;
    int rc = EXIT_TOOL_NO_CARD;

    memset(tc, 0, sizeof *tc);
    st = jpki_pcsc_open(&tc->pcsc);
    if (st != JPKI_OK) {
        msg_print(stderr, M_NO_SERVICE);
        return EXIT_TOOL_NO_CARD;
    }
    st = jpki_pcsc_list_readers(tc->pcsc, &names, &count);
    if (st != JPKI_OK || count == 0) {
        msg_print(stderr, st == JPKI_E_NO_SERVICE ? M_NO_SERVICE : M_NO_READER);
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        if (opt->reader != NULL && strstr(names[i], opt->reader) == NULL)
            continue;
        matched = true;
        last = try_reader(tc, names[i]);
        if (last == JPKI_OK) {
            rc = EXIT_TOOL_OK;
            goto out;
        }
        /* With --reader the user chose this reader: say what is wrong. */
        if (opt->reader != NULL)
            break;
    }
    if (opt->reader != NULL && !matched)
        msg_print(stderr, M_READER_NOT_FOUND, opt->reader);
    else if (opt->reader != NULL && last == JPKI_E_NO_CARD)
        msg_print(stderr, M_NO_CARD_IN, opt->reader);
    else if (last == JPKI_E_NOT_JPKI || last == JPKI_E_NO_CARD)
        msg_print(stderr, M_NO_JPKI_CARD);
    else
        rc = tool_card_error(opt->reader ? opt->reader : "PC/SC", last);

out:
    jpki_pcsc_free_names(names, count);
    if (rc != EXIT_TOOL_OK)
        tool_card_close(tc);
    return rc;
}

void tool_card_close(struct tool_card *tc)
{
    if (tc->in_transaction)
        tool_card_end(tc);
    if (tc->transport != NULL) {
        tc->transport->ops->destroy(tc->transport);
        tc->transport = NULL;
    }
    if (tc->pcsc != NULL) {
        jpki_pcsc_close(tc->pcsc);
        tc->pcsc = NULL;
    }
}

int tool_card_begin(struct tool_card *tc)
{
    jpki_status st;

    /* Held back until tool_card_end: a transaction is never left half-way,
     * and the card never verified, because of Ctrl-C. */
    tool_signals_block();
    st = jpki_card_begin(&tc->card, NULL);
    if (st != JPKI_OK) {
        tool_signals_unblock();
        return tool_card_error(tc->reader, st);
    }
    /* Another program may have selected another AP since our last
     * transaction: select again rather than trust what we remember. */
    jpki_card_forget_selection(&tc->card);
    jpki_log(JPKI_LOG_CALL, "jpki-tool: card transaction begins");
    tc->in_transaction = true;
    tc->must_reselect = false;
    return EXIT_TOOL_OK;
}

int tool_card_end(struct tool_card *tc)
{
    int rc = EXIT_TOOL_OK;

    if (!tc->in_transaction)
        return rc;
    /* A fresh SELECT of the JPKI AP clears every verified PIN (and leaves
     * the JPKI AP current, as the module expects after the text AP). */
    if (tc->must_reselect) {
        jpki_status st = jpki_select_ap(&tc->card);
        if (st != JPKI_OK)
            rc = tool_card_error(tc->reader, st);
        tc->must_reselect = false;
    }
    jpki_card_end(&tc->card);
    jpki_log(JPKI_LOG_CALL, "jpki-tool: card transaction ends");
    tc->in_transaction = false;
    tool_signals_unblock();
    return rc;
}
