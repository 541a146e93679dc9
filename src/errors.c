/*
 * errors.c: the two translation tables of errors.h. Both are plain const
 * tables so that the unit test can walk them row by row.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "errors.h"

#include <stddef.h>

typedef struct sw_row {
    uint16_t sw;
    uint16_t mask;       /* which bits of sw must match */
    jpki_status status;
} sw_row;

/* First match wins, so exact words come before the masked families they
 * belong to (63 C0 before 63 Cx, 6B 00 before 6B xx). */
static const sw_row sw_table[] = {
    { 0x9000, 0xFFFF, JPKI_OK },
    { 0x63C0, 0xFFFF, JPKI_E_PIN_LOCKED },       /* the attempt that used the last try */
    { 0x63C0, 0xFFF0, JPKI_E_PIN_INCORRECT },
    { 0x6984, 0xFFFF, JPKI_E_PIN_LOCKED },       /* JICSAP "referenced IEF locked" */
    { 0x6983, 0xFFFF, JPKI_E_PIN_LOCKED },       /* ISO form, not seen on this card */
    { 0x6982, 0xFFFF, JPKI_E_SECURITY_STATUS },
    { 0x6A82, 0xFFFF, JPKI_E_FILE_NOT_FOUND },
    { 0x6B00, 0xFFFF, JPKI_E_END_OF_FILE },      /* JICSAP: offset beyond the EF */
    { 0x6282, 0xFFFF, JPKI_E_END_OF_FILE },      /* ISO: end of file reached before Le */
    { 0x6700, 0xFFFF, JPKI_E_WRONG_LENGTH },
    { 0x6A86, 0xFFFF, JPKI_E_WRONG_PARAMS },
    { 0x6B00, 0xFF00, JPKI_E_WRONG_PARAMS },
    { 0x6985, 0xFFFF, JPKI_E_CONDITIONS },
    { 0x6D00, 0xFFFF, JPKI_E_NOT_SUPPORTED },
    { 0x6E00, 0xFFFF, JPKI_E_NOT_SUPPORTED },
    { 0x6881, 0xFFFF, JPKI_E_NOT_SUPPORTED },
    { 0x6882, 0xFFFF, JPKI_E_NOT_SUPPORTED },
    { 0x6981, 0xFFFF, JPKI_E_NOT_SUPPORTED },
};

jpki_status jpki_status_from_sw(uint16_t sw, int *tries_left)
{
    jpki_status st = JPKI_E_CARD_ERROR;

    for (size_t i = 0; i < sizeof sw_table / sizeof sw_table[0]; i++) {
        if ((sw & sw_table[i].mask) == sw_table[i].sw) {
            st = sw_table[i].status;
            break;
        }
    }
    if (tries_left) {
        if ((sw & 0xFFF0) == 0x63C0)
            *tries_left = sw & 0x0F;
        else if (sw == 0x6984 || sw == 0x6983)
            *tries_left = 0;
        else
            *tries_left = -1;
    }
    return st;
}

typedef struct status_row {
    CK_RV rv;
    const char *name;
} status_row;

/*
 * Status words the module does not expect from a working card (file not
 * found, wrong length, ...) all become CKR_DEVICE_ERROR: they say the card
 * or this module misbehaved, not that the application did something wrong,
 * and a more specific CKR_* would send applications down the wrong path.
 * A reset is handled by the slot layer (it re-reads what it needs); when it
 * still reaches an application the operation did not happen: device error.
 */
static const status_row status_table[JPKI_E_STATUS_COUNT] = {
    [JPKI_OK] = { CKR_OK, "OK" },
    [JPKI_E_PIN_INCORRECT] = { CKR_PIN_INCORRECT, "PIN incorrect" },
    [JPKI_E_PIN_LOCKED] = { CKR_PIN_LOCKED, "PIN locked" },
    [JPKI_E_SECURITY_STATUS] = { CKR_USER_NOT_LOGGED_IN, "security status not satisfied" },
    [JPKI_E_FILE_NOT_FOUND] = { CKR_DEVICE_ERROR, "file not found" },
    [JPKI_E_END_OF_FILE] = { CKR_DEVICE_ERROR, "end of file" },
    [JPKI_E_WRONG_LENGTH] = { CKR_DEVICE_ERROR, "wrong length" },
    [JPKI_E_WRONG_PARAMS] = { CKR_DEVICE_ERROR, "wrong parameters" },
    [JPKI_E_CONDITIONS] = { CKR_DEVICE_ERROR, "conditions of use not satisfied" },
    [JPKI_E_NOT_SUPPORTED] = { CKR_DEVICE_ERROR, "command not supported" },
    [JPKI_E_CARD_ERROR] = { CKR_DEVICE_ERROR, "card error" },
    [JPKI_E_NO_CARD] = { CKR_DEVICE_REMOVED, "no card" },
    [JPKI_E_CARD_RESET] = { CKR_DEVICE_ERROR, "card reset" },
    [JPKI_E_NO_READER] = { CKR_DEVICE_REMOVED, "no reader" },
    [JPKI_E_NO_SERVICE] = { CKR_DEVICE_ERROR, "PC/SC service unavailable" },
    [JPKI_E_COMM] = { CKR_DEVICE_ERROR, "communication error" },
    [JPKI_E_CANCELLED] = { CKR_FUNCTION_CANCELED, "cancelled" },
    /* Only waits time out; C_WaitForSlotEvent reports "nothing happened". */
    [JPKI_E_TIMEOUT] = { CKR_NO_EVENT, "timeout" },
    [JPKI_E_MALFORMED] = { CKR_DEVICE_ERROR, "malformed card response" },
    [JPKI_E_NOT_JPKI] = { CKR_TOKEN_NOT_RECOGNIZED, "not a JPKI card" },
    [JPKI_E_BAD_ARG] = { CKR_ARGUMENTS_BAD, "bad argument" },
    [JPKI_E_NO_MEMORY] = { CKR_HOST_MEMORY, "out of memory" },
};

CK_RV jpki_status_to_ckr(jpki_status status)
{
    if ((unsigned)status >= JPKI_E_STATUS_COUNT || status_table[status].name == NULL)
        return CKR_GENERAL_ERROR;
    return status_table[status].rv;
}

const char *jpki_status_name(jpki_status status)
{
    if ((unsigned)status >= JPKI_E_STATUS_COUNT || status_table[status].name == NULL)
        return "unknown";
    return status_table[status].name;
}
