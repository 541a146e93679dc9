/*
 * basic_info.c: the basic-info command, from the text-assistance AP
 * (券面事項入力補助AP, protocol §8) with its own 4-digit PIN. The individual
 * number is shown only on request, is not kept anywhere but one stack
 * buffer, bypasses stdio (whose buffers we cannot wipe) and is wiped after
 * printing.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "jpki_text.h"
#include "messages.h"
#include "pin_input.h"
#include "signals.h"

static int ask_text_pin(const struct tool_options *opt, uint8_t *pin, size_t *pin_len)
{
    char raw[PIN_INPUT_MAX];
    size_t len = 0;
    int rc = EXIT_TOOL_OK, in;

    *pin_len = 0;
    in = pin_input_read(opt->pin_fd, msg(M_PROMPT_TEXT), false, raw, sizeof raw, &len);
    if (in != 0) {
        rc = tool_prompt_failed(in);
    } else if (!jpki_text_pin_check((const uint8_t *)raw, len)) {
        msg_print(stderr, len == JPKI_TEXT_PIN_LEN ? M_PIN_CHARS : M_PIN_LEN, msg(M_PIN_TEXT));
        rc = EXIT_TOOL_PIN_INCORRECT;
    } else {
        memcpy(pin, raw, len);
        *pin_len = len;
    }
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

static void print_info(const jpki_basic_info *info)
{
    msg_id sex = M_SEX_NA;

    if (strcmp(info->sex, "1") == 0)
        sex = M_SEX_MALE;
    else if (strcmp(info->sex, "2") == 0)
        sex = M_SEX_FEMALE;
    printf("%s: %s\n", msg(M_NAME), info->name);
    printf("%s: %s\n", msg(M_ADDRESS), info->address);
    printf("%s: %.4s-%.2s-%.2s\n", msg(M_BIRTH), info->birth, info->birth + 4, info->birth + 6);
    printf("%s: %s\n", msg(M_SEX), msg(sex));
}

/* write(2) straight from the wiped buffer: no copy stays in stdio. */
static int print_number(const char *number)
{
    char line[128];
    size_t n;
    int len;

    fflush(stdout);
    len = snprintf(line, sizeof line, "%s: %s\n", msg(M_MY_NUMBER), number);
    n = len > 0 && (size_t)len < sizeof line ? (size_t)len : 0;
    for (size_t done = 0; done < n;) {
        ssize_t w = write(STDOUT_FILENO, line + done, n - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    OPENSSL_cleanse(line, sizeof line);
    return n > 0 ? EXIT_TOOL_OK : EXIT_TOOL_CARD_ERROR;
}

int cmd_basic_info(const struct tool_options *opt)
{
    struct tool_card tc;
    struct tool_pin_plan plan;
    uint8_t pin[JPKI_TEXT_PIN_LEN];
    size_t pin_len = 0;
    jpki_basic_info info;
    char number[JPKI_MY_NUMBER_LEN + 1];
    jpki_status st;
    int rc, end_rc;

    memset(&info, 0, sizeof info);
    memset(number, 0, sizeof number);
    memset(pin, 0, sizeof pin);
    rc = tool_card_open(&tc, opt);
    if (rc != EXIT_TOOL_OK)
        return rc;
    rc = tool_pin_prepare(&tc, opt, TOOL_PIN_TEXT, &plan);
    if (rc == EXIT_TOOL_OK)
        rc = ask_text_pin(opt, pin, &pin_len);
    if (rc == EXIT_TOOL_OK)
        rc = tool_card_begin(&tc);
    if (rc == EXIT_TOOL_OK) {
        rc = tool_pin_verify(&tc, &plan, pin, pin_len);
        if (rc == EXIT_TOOL_OK && tool_interrupted())
            rc = EXIT_TOOL_INTERRUPTED;
        if (rc == EXIT_TOOL_OK) {
            st = jpki_text_read_basic_info(&tc.card, &info);
            if (st == JPKI_OK && opt->show_number)
                st = jpki_text_read_my_number(&tc.card, number, sizeof number);
            if (st != JPKI_OK)
                rc = tool_card_error(tc.reader, st);
        }
        /* The text AP's verified state left behind, the JPKI AP current. */
        end_rc = tool_card_end(&tc);
        if (rc == EXIT_TOOL_OK)
            rc = end_rc;
    }
    OPENSSL_cleanse(pin, sizeof pin);
    tool_card_close(&tc);
    if (rc == EXIT_TOOL_OK && tool_interrupted())
        rc = EXIT_TOOL_INTERRUPTED;
    if (rc == EXIT_TOOL_OK) {
        print_info(&info);
        if (opt->show_number)
            rc = print_number(number);
        else
            msg_print(stdout, M_MY_NUMBER_HIDDEN, msg(M_MY_NUMBER));
    }
    OPENSSL_cleanse(number, sizeof number);
    OPENSSL_cleanse(&info, sizeof info);
    return rc;
}
