/*
 * pin.c: asking for PINs, checking them before they reach the card, and
 * the verify-pin and change-pin commands. Unlike the PKCS#11 module, this
 * tool may spend the last try (after asking): it is the way a card holder
 * gets past the module's final-try guard (design.md §2).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "messages.h"
#include "pin_input.h"

static const char *pin_name(jpki_role role)
{
    return msg(role == JPKI_ROLE_SIGN ? M_PIN_SIGN : M_PIN_AUTH);
}

/* Reads a PIN with prompt and checks its format for role into pin (at
 * least JPKI_PIN_MAX bytes). */
static int ask_checked(const struct tool_options *opt, jpki_role role, const char *prompt,
                       uint8_t *pin, size_t *pin_len)
{
    char raw[PIN_INPUT_MAX];
    size_t len = 0;
    CK_RV rv;
    int rc = EXIT_TOOL_OK;

    *pin_len = 0;
    if (pin_input_read(opt->pin_fd, prompt, false, raw, sizeof raw, &len) != 0) {
        msg_print(stderr, M_PIN_READ_FAILED);
        rc = EXIT_TOOL_USAGE;
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

int tool_verify_pin(struct tool_card *tc, jpki_role role, const uint8_t *pin, size_t pin_len)
{
    int tries = -1;
    jpki_status st = jpki_verify_pin(&tc->card, role, pin, pin_len, &tries);

    if (st == JPKI_E_PIN_INCORRECT) {
        msg_print(stderr, M_PIN_INCORRECT, pin_name(role), tries);
        return EXIT_TOOL_PIN_INCORRECT;
    }
    if (st == JPKI_E_PIN_LOCKED) {
        msg_print(stderr, M_PIN_LOCKED, pin_name(role));
        return EXIT_TOOL_PIN_LOCKED;
    }
    if (st != JPKI_OK)
        return tool_card_error(pin_name(role), st);
    return EXIT_TOOL_OK;
}

int tool_confirm_last_try(const struct tool_options *opt, int tries_left)
{
    char answer[8];
    size_t len = 0;

    if (tries_left != 1)
        return EXIT_TOOL_OK;
    /* With --pin-fd the answer is the next line of the descriptor, so that
     * a script says "y" as deliberately as a person does. */
    if (opt->pin_fd >= 0)
        msg_print(stderr, M_CONFIRM_LAST);
    if (pin_input_read(opt->pin_fd, msg(M_CONFIRM_LAST), true, answer, sizeof answer, &len) != 0 ||
        !((len == 1 && (answer[0] == 'y' || answer[0] == 'Y')) ||
          (len == 3 && strncmp(answer, "yes", 3) == 0))) {
        if (opt->pin_fd >= 0)
            fputc('\n', stderr);
        msg_print(stderr, M_CANCELLED);
        return EXIT_TOOL_PIN_LOCKED;
    }
    if (opt->pin_fd >= 0)
        fputc('\n', stderr);
    return EXIT_TOOL_OK;
}

/* Tries left for role in a transaction of its own; 0 is reported as locked. */
static int tries_before(struct tool_card *tc, jpki_role role, int *tries)
{
    jpki_status st;
    int rc = tool_card_begin(tc);

    if (rc != EXIT_TOOL_OK)
        return rc;
    st = jpki_pin_status(&tc->card, role, tries);
    tool_card_end(tc);
    if (st != JPKI_OK)
        return tool_card_error(pin_name(role), st);
    if (*tries == 0) {
        msg_print(stderr, M_PIN_LOCKED, pin_name(role));
        return EXIT_TOOL_PIN_LOCKED;
    }
    return EXIT_TOOL_OK;
}

int tool_check_tries(struct tool_card *tc, const struct tool_options *opt, jpki_role role)
{
    int tries = -1;
    int rc = tries_before(tc, role, &tries);

    return rc == EXIT_TOOL_OK ? tool_confirm_last_try(opt, tries) : rc;
}

/* What both PIN commands do first: the role, the card, the tries left
 * (with the final-try question), the current PIN into pin (JPKI_PIN_MAX
 * bytes). On success the card is open; otherwise it is closed again and
 * nothing of the PIN is left. */
static int open_and_ask(const struct tool_options *opt, const char *which, const char *command,
                        struct tool_card *tc, jpki_role *role, uint8_t *pin, size_t *pin_len)
{
    if (!tool_parse_role(which, role)) {
        msg_print(stderr, M_BAD_ARGUMENT, command);
        return EXIT_TOOL_USAGE;
    }
    int rc = tool_card_open(tc, opt);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_check_tries(tc, opt, *role);
    if (rc == EXIT_TOOL_OK)
        rc = tool_ask_pin(opt, *role, pin, pin_len);
    if (rc != EXIT_TOOL_OK) {
        OPENSSL_cleanse(pin, JPKI_PIN_MAX);
        tool_card_close(tc);
    }
    return rc;
}

int cmd_verify_pin(const struct tool_options *opt, const char *which)
{
    struct tool_card tc;
    uint8_t pin[JPKI_PIN_MAX];
    size_t pin_len = 0;
    jpki_role role;
    int rc = open_and_ask(opt, which, "verify-pin", &tc, &role, pin, &pin_len);

    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_card_begin(&tc);
    if (rc == EXIT_TOOL_OK) {
        rc = tool_verify_pin(&tc, role, pin, pin_len);
        if (rc == EXIT_TOOL_OK)
            msg_print(stdout, M_PIN_OK, pin_name(role), jpki_pin_max_tries(role),
                      jpki_pin_max_tries(role));
    }
    OPENSSL_cleanse(pin, sizeof pin);
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
    uint8_t cur[JPKI_PIN_MAX], next[JPKI_PIN_MAX];
    size_t cur_len = 0, next_len = 0;
    jpki_role role;
    jpki_status st;
    int rc = open_and_ask(opt, which, "change-pin", &tc, &role, cur, &cur_len);

    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = ask_new_pin(opt, role, next, &next_len);
    if (rc == EXIT_TOOL_OK && next_len == cur_len && CRYPTO_memcmp(cur, next, cur_len) == 0) {
        msg_print(stderr, M_PIN_SAME);
        rc = EXIT_TOOL_PIN_INCORRECT;
    }
    if (rc == EXIT_TOOL_OK)
        rc = tool_card_begin(&tc);
    if (rc == EXIT_TOOL_OK)
        rc = tool_verify_pin(&tc, role, cur, cur_len);
    if (rc == EXIT_TOOL_OK) {
        st = jpki_change_pin(&tc.card, role, next, next_len);
        if (st == JPKI_OK)
            msg_print(stdout, M_PIN_CHANGED, pin_name(role));
        else
            rc = tool_card_error(pin_name(role), st);
    }
    OPENSSL_cleanse(cur, sizeof cur);
    OPENSSL_cleanse(next, sizeof next);
    tool_card_close(&tc);
    return rc;
}
