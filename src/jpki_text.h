/*
 * jpki_text.h: the text-assistance AP (券面事項入力補助AP, jpki-protocol.md §8)
 * on the same card as the JPKI AP: its PIN (EF 0011, 4 digits, 3 tries), the
 * basic four items (EF 0002) and the individual number (EF 0001).
 * Used by jpki-tool only; the PKCS#11 module never selects this AP.
 * Call between jpki_card_begin and jpki_card_end. Selecting this AP leaves
 * the JPKI AP: every function here makes the jpki_card forget its selection
 * and verified state, so the JPKI functions reselect on their next call.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_JPKI_TEXT_H
#define JPKI_JPKI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "errors.h"
#include "jpki.h"

enum {
    JPKI_TEXT_EF_MY_NUMBER = 0x0001,
    JPKI_TEXT_EF_BASIC_INFO = 0x0002,
    JPKI_TEXT_EF_PIN = 0x0011,
};

#define JPKI_TEXT_PIN_LEN 4
#define JPKI_TEXT_PIN_TRIES 3
#define JPKI_MY_NUMBER_LEN 12

/* The basic four items as UTF-8 strings (NUL-terminated). */
typedef struct jpki_basic_info {
    char name[256];
    char address[512];
    char birth[9];          /* YYYYMMDD, Gregorian */
    char sex[2];            /* "1" male, "2" female, "9" not applicable */
} jpki_basic_info;

/* SELECT the text AP. JPKI_E_FILE_NOT_FOUND if the card has none (phones,
 * Juki cards). */
jpki_status jpki_text_select(jpki_card *card);

/* Tries left of the text PIN by the empty VERIFY (no try spent); -1 when the
 * card answers 90 00 (already verified). */
jpki_status jpki_text_pin_status(jpki_card *card, int *tries_left);

/* 4 ASCII digits, checked before anything reaches the card: true if fine. */
bool jpki_text_pin_check(const uint8_t *pin, size_t pin_len);

/* VERIFY the text PIN exactly once (the caller checked its format).
 * JPKI_OK; JPKI_E_PIN_INCORRECT with *tries_left; JPKI_E_PIN_LOCKED. */
jpki_status jpki_text_verify_pin(jpki_card *card, const uint8_t *pin, size_t pin_len,
                                 int *tries_left);

/* After jpki_text_verify_pin in the same transaction: reads and parses EF
 * 0002. JPKI_E_MALFORMED if the TLV does not parse. */
jpki_status jpki_text_read_basic_info(jpki_card *card, jpki_basic_info *out);

/* Parses an EF 0002 image (exposed for unit tests). */
jpki_status jpki_text_parse_basic_info(const uint8_t *buf, size_t len, jpki_basic_info *out);

/* After jpki_text_verify_pin: reads EF 0001 and copies the 12 digits and a
 * NUL into number (at least JPKI_MY_NUMBER_LEN + 1 bytes). Every buffer that
 * held the number is wiped here; the caller wipes number when done. */
jpki_status jpki_text_read_my_number(jpki_card *card, char *number, size_t cap);

/* Whether the 12-digit individual number's check digit (the last one) is
 * right (the rule of the 個人番号 ministerial ordinance). */
bool jpki_my_number_check_digit_ok(const char *number);

#endif
