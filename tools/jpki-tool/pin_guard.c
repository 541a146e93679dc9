/*
 * pin_guard.c: the final-try guard of jpki-tool, on counters read fresh.
 * Other programs (the module in a browser, any PC/SC client) may spend
 * tries while the holder types, so the counter is read twice: before the
 * prompt, to refuse a locked PIN and ask before the last try, and again in
 * the transaction that sends the VERIFY. The PIN goes only if that second
 * reading is what the holder was shown: a PIN is never sent on a last try
 * that the holder did not agree to (design.md §2).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <string.h>

#include <openssl/crypto.h>

#include "jpki_text.h"
#include "messages.h"
#include "pin_input.h"
#include "signals.h"

const char *tool_pin_name(tool_pin pin)
{
    switch (pin) {
    case TOOL_PIN_SIGN:
        return msg(M_PIN_SIGN);
    case TOOL_PIN_TEXT:
        return msg(M_PIN_TEXT);
    default:
        return msg(M_PIN_AUTH);
    }
}

static int max_tries(tool_pin pin)
{
    return pin == TOOL_PIN_TEXT ? JPKI_TEXT_PIN_TRIES : jpki_pin_max_tries((jpki_role)pin);
}

/* The empty VERIFY (no try spent). The text AP's selects that AP: the
 * transaction must then end with the JPKI AP selected again. */
static jpki_status read_counter(struct tool_card *tc, tool_pin pin, int *tries)
{
    if (pin != TOOL_PIN_TEXT)
        return jpki_pin_status(&tc->card, (jpki_role)pin, tries);
    tc->must_reselect = true;
    return jpki_text_pin_status(&tc->card, tries);
}

/* A card that answers the empty VERIFY with 90 00 has the PIN verified:
 * its last VERIFY was right, so its counter is full. */
static int tries_as_number(tool_pin pin, int tries)
{
    return tries < 0 ? max_tries(pin) : tries;
}

/* With --pin-fd the answer is the next line of the descriptor, so that a
 * script says "y" as deliberately as a person does. */
static int confirm_last_try(const struct tool_options *opt)
{
    char answer[8];
    size_t len = 0;
    int in;

    if (opt->pin_fd >= 0)
        msg_print(stderr, M_CONFIRM_LAST);
    in = pin_input_read(opt->pin_fd, msg(M_CONFIRM_LAST), true, answer, sizeof answer, &len);
    if (opt->pin_fd >= 0)
        fputc('\n', stderr);
    if (in == PIN_INPUT_INTERRUPTED)
        return tool_prompt_failed(in);
    if (in != 0 || !((len == 1 && (answer[0] == 'y' || answer[0] == 'Y')) ||
                     (len == 3 && strncmp(answer, "yes", 3) == 0))) {
        msg_print(stderr, M_CANCELLED);
        return EXIT_TOOL_PIN_LOCKED;
    }
    return EXIT_TOOL_OK;
}

int tool_pin_prepare(struct tool_card *tc, const struct tool_options *opt, tool_pin pin,
                     struct tool_pin_plan *plan)
{
    int tries = -1, rc;
    jpki_status st;

    plan->pin = pin;
    plan->tries_seen = 0;
    rc = tool_card_begin(tc);
    if (rc != EXIT_TOOL_OK)
        return rc;
    st = read_counter(tc, pin, &tries);
    rc = tool_card_end(tc);
    if (st == JPKI_E_FILE_NOT_FOUND && pin == TOOL_PIN_TEXT) {
        /* Phones and Juki cards: no text-assistance AP at all. */
        msg_print(stderr, M_TEXT_AP_ABSENT, tool_pin_name(pin));
        return EXIT_TOOL_CARD_ERROR;
    }
    if (st != JPKI_OK)
        return tool_card_error(tool_pin_name(pin), st);
    if (rc != EXIT_TOOL_OK)
        return rc;
    if (tool_interrupted())
        return EXIT_TOOL_INTERRUPTED;
    if (tries == 0) {
        msg_print(stderr, M_PIN_LOCKED, tool_pin_name(pin));
        return EXIT_TOOL_PIN_LOCKED;
    }
    plan->tries_seen = tries;
    return tries == 1 ? confirm_last_try(opt) : EXIT_TOOL_OK;
}

static jpki_status send_verify(struct tool_card *tc, tool_pin pin, const uint8_t *value,
                               size_t len, int *tries)
{
    if (pin == TOOL_PIN_TEXT)
        return jpki_text_verify_pin(&tc->card, value, len, tries);
    return jpki_verify_pin(&tc->card, (jpki_role)pin, value, len, tries);
}

int tool_pin_verify(struct tool_card *tc, const struct tool_pin_plan *plan, const uint8_t *pin,
                    size_t pin_len)
{
    const char *name = tool_pin_name(plan->pin);
    int fresh = -1, tries = -1;
    jpki_status st;

    /* The counter now, in the transaction that carries the PIN: nothing
     * else reaches the card between this reading and the VERIFY. */
    st = read_counter(tc, plan->pin, &fresh);
    if (st != JPKI_OK)
        return tool_card_error(name, st);
    if (fresh == 0) {
        msg_print(stderr, M_PIN_LOCKED, name);
        return EXIT_TOOL_PIN_LOCKED;
    }
    /* Spent (or restored) elsewhere while the holder typed: what they agreed
     * to no longer holds, and this could be the last try. */
    if (tries_as_number(plan->pin, fresh) != tries_as_number(plan->pin, plan->tries_seen)) {
        msg_print(stderr, M_TRIES_CHANGED, name, tries_as_number(plan->pin, fresh));
        return EXIT_TOOL_PIN_LOCKED;
    }
    if (tool_interrupted())
        return EXIT_TOOL_INTERRUPTED;
    tc->must_reselect = true;
    st = send_verify(tc, plan->pin, pin, pin_len, &tries);
    if (st == JPKI_E_PIN_INCORRECT) {
        msg_print(stderr, M_PIN_INCORRECT, name, tries);
        return EXIT_TOOL_PIN_INCORRECT;
    }
    if (st == JPKI_E_PIN_LOCKED) {
        msg_print(stderr, M_PIN_LOCKED, name);
        return EXIT_TOOL_PIN_LOCKED;
    }
    return st == JPKI_OK ? EXIT_TOOL_OK : tool_card_error(name, st);
}

int tool_begin_verified(struct tool_card *tc, const struct tool_options *opt, jpki_role role)
{
    struct tool_pin_plan plan;
    uint8_t pin[JPKI_PIN_MAX];
    size_t pin_len = 0;
    int rc;

    memset(pin, 0, sizeof pin);
    rc = tool_pin_prepare(tc, opt, (tool_pin)role, &plan);
    if (rc == EXIT_TOOL_OK)
        rc = tool_ask_pin(opt, role, pin, &pin_len);
    if (rc == EXIT_TOOL_OK)
        rc = tool_card_begin(tc);
    if (rc == EXIT_TOOL_OK) {
        rc = tool_pin_verify(tc, &plan, pin, pin_len);
        if (rc != EXIT_TOOL_OK)
            tool_card_end(tc);
    }
    OPENSSL_cleanse(pin, sizeof pin);
    return rc;
}
