/*
 * errors.h: the module's internal status codes, and the two tables that
 * translate them: card status word -> status, status -> CKR_*.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_ERRORS_H
#define JPKI_ERRORS_H

#include <stdint.h>
#include "pkcs11-v3.h"

typedef enum jpki_status {
    JPKI_OK = 0,
    /* The card answered with a status word that means: */
    JPKI_E_PIN_INCORRECT,     /* 63 Cx, x > 0: wrong PIN, x tries left */
    JPKI_E_PIN_LOCKED,        /* 63 C0 or 69 84: no tries left */
    JPKI_E_SECURITY_STATUS,   /* 69 82: PIN not verified */
    JPKI_E_FILE_NOT_FOUND,    /* 6A 82: no such EF or AID */
    JPKI_E_END_OF_FILE,       /* 6B 00 / 62 82: offset past the end of an EF */
    JPKI_E_WRONG_LENGTH,      /* 67 00 */
    JPKI_E_WRONG_PARAMS,      /* 6A 86, 6B xx other */
    JPKI_E_CONDITIONS,        /* 69 85 */
    JPKI_E_NOT_SUPPORTED,     /* 6D 00, 6E 00, 68 8x, 69 81 */
    JPKI_E_CARD_ERROR,        /* any other status word */
    /* The path to the card failed: */
    JPKI_E_NO_CARD,           /* card removed (or never there) */
    JPKI_E_CARD_RESET,        /* card was reset by someone else: its security state is gone */
    JPKI_E_NO_READER,         /* reader unplugged */
    JPKI_E_NO_SERVICE,        /* pcscd not running or restarted */
    JPKI_E_COMM,              /* transmit failed in a way that is none of the above */
    JPKI_E_CANCELLED,         /* a wait was cancelled (C_Finalize) */
    JPKI_E_TIMEOUT,           /* a wait timed out */
    /* Our own checks: */
    JPKI_E_MALFORMED,         /* the card's answer does not parse (short, oversized, bad DER) */
    JPKI_E_NOT_JPKI,          /* the card has no JPKI application */
    JPKI_E_BAD_ARG,           /* a caller inside the module passed nonsense */
    JPKI_E_NO_MEMORY,
    JPKI_E_STATUS_COUNT
} jpki_status;

/* Status of a card's response status word. tries_left, if not NULL, gets the
 * x of 63 Cx (0 for 69 84 and 63 C0) and -1 for every other word. */
jpki_status jpki_status_from_sw(uint16_t sw, int *tries_left);

/* The CKR_* an application sees for a status. */
CK_RV jpki_status_to_ckr(jpki_status status);

/* A short English name for logs, e.g. "PIN incorrect". Never NULL. */
const char *jpki_status_name(jpki_status status);

#endif
