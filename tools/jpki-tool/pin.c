/*
 * pin.c: asking for PINs, checking them before they reach the card, and
 * the verify-pin and change-pin commands. Unlike the PKCS#11 module, this
 * tool may spend the last try (after asking, pin_guard.c): it is the way a
 * card holder gets past the module's final-try guard (design.md §2).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "messages.h"
#include "pin_input.h"
#include "signals.h"

static const char *pin_name(jpki_role role)
{
    return tool_pin_name((tool_pin)role);
}

int tool_prompt_failed(int input_rc)
{
    if (input_rc == PIN_INPUT_INTERRUPTED)
        return EXIT_TOOL_INTERRUPTED;
    msg_print(stderr, M_PIN_READ_FAILED);
    return EXIT_TOOL_USAGE;
}

/* Reads a PIN with prompt and checks its format for role into pin (at
 * least JPKI_PIN_MAX bytes). */
static int ask_checked(const struct tool_options *opt, jpki_role role, const char *prompt,
                       uint8_t *pin, size_t *pin_len)
{
    char raw[PIN_INPUT_MAX];
    size_t len = 0;
    CK_RV rv;
    int rc = EXIT_TOOL_OK, in;

    *pin_len = 0;
    in = pin_input_read(opt->pin_fd, prompt, false, raw, sizeof raw, &len);
    if (in != 0) {
        rc = tool_prompt_failed(in);
        goto out;
    }
    rv = jpki_pin_check(role, (const uint8_t *)raw, len, pin, pin_len);
    if (rv == CKR_PIN_LEN_RANGE) {
        msg_print(stderr, M_PIN_LEN, pin_name(role));
        rc = EXIT_TOOL_PIN_INCORRECT;
    } else if (rv != CKR_OK) {
        msg_print(stderr, M_PIN_CHARS, pin_name(role));
        rc = EXIT_TOOL_PIN_INCORRECT;
    }

out:
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

int tool_ask_pin(const struct tool_options *opt, jpki_role role, uint8_t *pin, size_t *pin_len)
{
    return ask_checked(opt, role, msg(role == JPKI_ROLE_SIGN ? M_PROMPT_SIGN : M_PROMPT_AUTH),
                       pin, pin_len);
}

int cmd_verify_pin(const struct tool_options *opt, const char *which)
{
    struct tool_card tc;
    jpki_role role;
    int rc, end_rc;

    if (!tool_parse_role(which, &role)) {
        msg_print(stderr, M_BAD_ARGUMENT, "verify-pin");
        return EXIT_TOOL_USAGE;
    }
    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_begin_verified(&tc, opt, role);
    if (rc == EXIT_TOOL_OK) {
        end_rc = tool_card_end(&tc);   /* un-verified at once */
        msg_print(stdout, M_PIN_OK, pin_name(role), jpki_pin_max_tries(role),
                  jpki_pin_max_tries(role));
        rc = end_rc;
    }
    tool_card_close(&tc);
    return rc;
}

/* The issuance rule for a new sign password (protocol §6.1): at least one
 * letter and one digit. The card may not enforce it; we do. */
static bool has_letter_and_digit(const uint8_t *pin, size_t len)
{
    bool letter = false, digit = false;

    for (size_t i = 0; i < len; i++) {
        letter = letter || (pin[i] >= 'A' && pin[i] <= 'Z');
        digit = digit || (pin[i] >= '0' && pin[i] <= '9');
    }
    return letter && digit;
}

static int ask_new_pin(const struct tool_options *opt, jpki_role role, uint8_t *pin,
                       size_t *pin_len)
{
    char prompt[160];
    uint8_t again[JPKI_PIN_MAX];
    size_t again_len = 0;
    int rc;

    msg_format(prompt, sizeof prompt, M_PROMPT_NEW, pin_name(role));
    rc = ask_checked(opt, role, prompt, pin, pin_len);
    if (rc != EXIT_TOOL_OK)
        return rc;
    if (role == JPKI_ROLE_SIGN && !has_letter_and_digit(pin, *pin_len)) {
        msg_print(stderr, M_PIN_NEEDS_MIX, pin_name(role));
        return EXIT_TOOL_PIN_INCORRECT;
    }
    msg_format(prompt, sizeof prompt, M_PROMPT_NEW_AGAIN, pin_name(role));
    rc = ask_checked(opt, role, prompt, again, &again_len);
    if (rc == EXIT_TOOL_OK && (again_len != *pin_len || CRYPTO_memcmp(again, pin, again_len) != 0)) {
        msg_print(stderr, M_PIN_MISMATCH);
        rc = EXIT_TOOL_PIN_INCORRECT;
    }
    OPENSSL_cleanse(again, sizeof again);
    return rc;
}

int cmd_change_pin(const struct tool_options *opt, const char *which)
{
    struct tool_card tc;
    struct tool_pin_plan plan;
    uint8_t cur[JPKI_PIN_MAX], next[JPKI_PIN_MAX];
    size_t cur_len = 0, next_len = 0;
    jpki_role role;
    jpki_status st;
    int rc, end_rc;

    if (!tool_parse_role(which, &role)) {
        msg_print(stderr, M_BAD_ARGUMENT, "change-pin");
        return EXIT_TOOL_USAGE;
    }
    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK)
        return rc;
    memset(cur, 0, sizeof cur);
    memset(next, 0, sizeof next);
    rc = tool_pin_prepare(&tc, opt, (tool_pin)role, &plan);
    if (rc == EXIT_TOOL_OK)
        rc = tool_ask_pin(opt, role, cur, &cur_len);
    if (rc == EXIT_TOOL_OK)
        rc = ask_new_pin(opt, role, next, &next_len);
    if (rc == EXIT_TOOL_OK && next_len == cur_len && CRYPTO_memcmp(cur, next, cur_len) == 0) {
        msg_print(stderr, M_PIN_SAME);
        rc = EXIT_TOOL_PIN_INCORRECT;
    }
    /* Counter, VERIFY, CHANGE and the un-verifying SELECT: one transaction. */
    if (rc == EXIT_TOOL_OK)
        rc = tool_card_begin(&tc);
    if (rc == EXIT_TOOL_OK) {
        rc = tool_pin_verify(&tc, &plan, cur, cur_len);
        if (rc == EXIT_TOOL_OK && tool_interrupted())
            rc = EXIT_TOOL_INTERRUPTED;
        if (rc == EXIT_TOOL_OK) {
            st = jpki_change_pin(&tc.card, role, next, next_len);
            if (st != JPKI_OK)
                rc = tool_card_error(pin_name(role), st);
        }
        end_rc = tool_card_end(&tc);
        if (rc == EXIT_TOOL_OK) {
            msg_print(stdout, M_PIN_CHANGED, pin_name(role));
            rc = end_rc;
        }
    }
    OPENSSL_cleanse(cur, sizeof cur);
    OPENSSL_cleanse(next, sizeof next);
    tool_card_close(&tc);
    return rc;
}
