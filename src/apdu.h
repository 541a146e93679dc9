/*
 * apdu.h: the one place APDUs are encoded, sent and traced.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_APDU_H
#define JPKI_APDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "errors.h"
#include "transport.h"

typedef struct jpki_apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;   /* command data (Lc bytes), may be NULL */
    size_t data_len;       /* 0..255 short; more makes an extended APDU */
    size_t le;             /* expected length: 0 = no Le field, 1..256 short, >256 extended */
    bool secret;           /* data is a PIN: the trace shows neither it nor its length */
} jpki_apdu;

/* Encodes cmd, sends it, splits the answer: up to resp_cap data bytes into
 * resp (NULL if resp_cap is 0), the status word into *sw. Answers 61 xx with
 * GET RESPONSE (again for each 61 xx while resp_cap has room: chained
 * answers longer than 256 bytes) and 6C xx by resending with Le = xx once. Returns
 * transport errors as they are, JPKI_E_MALFORMED for an answer shorter than
 * two bytes or with more data than resp_cap or Le allow, else JPKI_OK (the
 * status word is for the caller to judge). *apdu_count, if not NULL, is
 * incremented per APDU actually sent. */
jpki_status jpki_apdu_transmit(jpki_transport *t, const jpki_apdu *cmd, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len, uint16_t *sw,
                               unsigned long *apdu_count);

/* Encodes cmd into out (at most out_cap bytes); returns the length or 0 when
 * cmd cannot be encoded (too long, Le > 65536, ...). Exposed for tests. */
size_t jpki_apdu_encode(const jpki_apdu *cmd, uint8_t *out, size_t out_cap);

#endif
