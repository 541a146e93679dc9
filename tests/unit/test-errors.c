/*
 * test-errors.c: both translation tables of errors.c, row by row, against
 * the expectations written down here independently of the tables.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>

#include "errors.h"
#include "../tap.h"

static const struct {
    uint16_t sw;
    jpki_status status;
    int tries;
} sw_rows[] = {
    { 0x9000, JPKI_OK, -1 },
    { 0x63C0, JPKI_E_PIN_LOCKED, 0 },
    { 0x63C1, JPKI_E_PIN_INCORRECT, 1 },
    { 0x63C2, JPKI_E_PIN_INCORRECT, 2 },
    { 0x63C3, JPKI_E_PIN_INCORRECT, 3 },
    { 0x63C4, JPKI_E_PIN_INCORRECT, 4 },
    { 0x63C5, JPKI_E_PIN_INCORRECT, 5 },
    { 0x63CF, JPKI_E_PIN_INCORRECT, 15 },
    { 0x6984, JPKI_E_PIN_LOCKED, 0 },
    { 0x6983, JPKI_E_PIN_LOCKED, 0 },
    { 0x6982, JPKI_E_SECURITY_STATUS, -1 },
    { 0x6A82, JPKI_E_FILE_NOT_FOUND, -1 },
    { 0x6B00, JPKI_E_END_OF_FILE, -1 },
    { 0x6282, JPKI_E_END_OF_FILE, -1 },
    { 0x6700, JPKI_E_WRONG_LENGTH, -1 },
    { 0x6A86, JPKI_E_WRONG_PARAMS, -1 },
    { 0x6B01, JPKI_E_WRONG_PARAMS, -1 },
    { 0x6BFF, JPKI_E_WRONG_PARAMS, -1 },
    { 0x6985, JPKI_E_CONDITIONS, -1 },
    { 0x6D00, JPKI_E_NOT_SUPPORTED, -1 },
    { 0x6E00, JPKI_E_NOT_SUPPORTED, -1 },
    { 0x6881, JPKI_E_NOT_SUPPORTED, -1 },
    { 0x6882, JPKI_E_NOT_SUPPORTED, -1 },
    { 0x6981, JPKI_E_NOT_SUPPORTED, -1 },
    /* Everything else is a card error. */
    { 0x6300, JPKI_E_CARD_ERROR, -1 },
    { 0x63D1, JPKI_E_CARD_ERROR, -1 },
    { 0x6A88, JPKI_E_CARD_ERROR, -1 },
    { 0x6A83, JPKI_E_CARD_ERROR, -1 },
    { 0x6986, JPKI_E_CARD_ERROR, -1 },
    { 0x66F1, JPKI_E_CARD_ERROR, -1 },
    { 0x69FC, JPKI_E_CARD_ERROR, -1 },
    { 0x6F00, JPKI_E_CARD_ERROR, -1 },
    { 0x6100, JPKI_E_CARD_ERROR, -1 },
    { 0x6C10, JPKI_E_CARD_ERROR, -1 },
    { 0x9001, JPKI_E_CARD_ERROR, -1 },
    { 0x0000, JPKI_E_CARD_ERROR, -1 },
    { 0xFFFF, JPKI_E_CARD_ERROR, -1 },
};

static const struct {
    jpki_status status;
    CK_RV rv;
} ckr_rows[] = {
    { JPKI_OK, CKR_OK },
    { JPKI_E_PIN_INCORRECT, CKR_PIN_INCORRECT },
    { JPKI_E_PIN_LOCKED, CKR_PIN_LOCKED },
    { JPKI_E_SECURITY_STATUS, CKR_USER_NOT_LOGGED_IN },
    { JPKI_E_FILE_NOT_FOUND, CKR_DEVICE_ERROR },
    { JPKI_E_END_OF_FILE, CKR_DEVICE_ERROR },
    { JPKI_E_WRONG_LENGTH, CKR_DEVICE_ERROR },
    { JPKI_E_WRONG_PARAMS, CKR_DEVICE_ERROR },
    { JPKI_E_CONDITIONS, CKR_DEVICE_ERROR },
    { JPKI_E_NOT_SUPPORTED, CKR_DEVICE_ERROR },
    { JPKI_E_CARD_ERROR, CKR_DEVICE_ERROR },
    { JPKI_E_NO_CARD, CKR_DEVICE_REMOVED },
    { JPKI_E_CARD_RESET, CKR_DEVICE_ERROR },
    { JPKI_E_NO_READER, CKR_DEVICE_REMOVED },
    { JPKI_E_NO_SERVICE, CKR_DEVICE_ERROR },
    { JPKI_E_COMM, CKR_DEVICE_ERROR },
    { JPKI_E_CANCELLED, CKR_FUNCTION_CANCELED },
    { JPKI_E_TIMEOUT, CKR_NO_EVENT },
    { JPKI_E_MALFORMED, CKR_DEVICE_ERROR },
    { JPKI_E_NOT_JPKI, CKR_TOKEN_NOT_RECOGNIZED },
    { JPKI_E_BAD_ARG, CKR_ARGUMENTS_BAD },
    { JPKI_E_NO_MEMORY, CKR_HOST_MEMORY },
};

int main(void)
{
    size_t nsw = sizeof sw_rows / sizeof sw_rows[0];
    size_t nckr = sizeof ckr_rows / sizeof ckr_rows[0];

    for (size_t i = 0; i < nsw; i++) {
        int tries = 99;
        jpki_status st = jpki_status_from_sw(sw_rows[i].sw, &tries);
        is_ulong((unsigned long)st, (unsigned long)sw_rows[i].status, "SW %04X -> %s",
                 sw_rows[i].sw, jpki_status_name(sw_rows[i].status));
        ok(tries == sw_rows[i].tries, "SW %04X tries %d (got %d)", sw_rows[i].sw,
           sw_rows[i].tries, tries);
        /* tries_left may be NULL */
        ok(jpki_status_from_sw(sw_rows[i].sw, NULL) == st, "SW %04X without tries", sw_rows[i].sw);
    }

    /* Every 63 Cx counts. */
    for (int x = 1; x <= 15; x++) {
        int tries = -5;
        jpki_status st = jpki_status_from_sw((uint16_t)(0x63C0 | x), &tries);
        ok(st == JPKI_E_PIN_INCORRECT && tries == x, "63C%X -> PIN incorrect, %d tries", x, x);
    }

    /* The test table covers every status exactly once. */
    ok(nckr == JPKI_E_STATUS_COUNT, "CKR table covers all %d statuses", (int)JPKI_E_STATUS_COUNT);
    for (size_t i = 0; i < nckr; i++) {
        const char *name = jpki_status_name(ckr_rows[i].status);
        ok((size_t)ckr_rows[i].status == i, "row %zu is status %d", i, (int)ckr_rows[i].status);
        is_ulong(jpki_status_to_ckr(ckr_rows[i].status), ckr_rows[i].rv, "%s -> CKR 0x%lx", name,
                 (unsigned long)ckr_rows[i].rv);
        ok(name != NULL && strcmp(name, "unknown") != 0 && name[0] != '\0',
           "status %d has a name (%s)", (int)ckr_rows[i].status, name ? name : "(null)");
    }
    /* Names are distinct, so logs are unambiguous. */
    for (size_t i = 0; i < nckr; i++) {
        for (size_t j = i + 1; j < nckr; j++) {
            if (strcmp(jpki_status_name((jpki_status)i), jpki_status_name((jpki_status)j)) == 0)
                ok(0, "statuses %zu and %zu share a name", i, j);
        }
    }

    /* Out-of-range values. */
    is_ulong(jpki_status_to_ckr(JPKI_E_STATUS_COUNT), CKR_GENERAL_ERROR, "COUNT -> GENERAL_ERROR");
    is_ulong(jpki_status_to_ckr((jpki_status)1000), CKR_GENERAL_ERROR, "1000 -> GENERAL_ERROR");
    is_ulong(jpki_status_to_ckr((jpki_status)-1), CKR_GENERAL_ERROR, "-1 -> GENERAL_ERROR");
    ok(strcmp(jpki_status_name(JPKI_E_STATUS_COUNT), "unknown") == 0, "COUNT is unknown");
    ok(strcmp(jpki_status_name((jpki_status)1000), "unknown") == 0, "1000 is unknown");
    ok(strcmp(jpki_status_name((jpki_status)-1), "unknown") == 0, "-1 is unknown");

    return done_testing();
}
