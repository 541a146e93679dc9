/*
 * transport.h: how the card layer reaches one card. Two implementations:
 * PC/SC (transport_pcsc.c, the only file that includes winscard.h) and a
 * scripted one for unit tests (tests/unit/transport_script.c).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TRANSPORT_H
#define JPKI_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include "errors.h"

typedef struct jpki_transport jpki_transport;

typedef struct jpki_transport_ops {
    /* Start an exclusive sequence (SCardBeginTransaction). JPKI_OK, or
     * JPKI_E_CARD_RESET when the card was reset since the last call: the
     * transport has reconnected and holds the transaction, but the card's
     * selection and security state are gone. Other errors: JPKI_E_NO_CARD,
     * JPKI_E_NO_READER, JPKI_E_NO_SERVICE, JPKI_E_COMM. */
    jpki_status (*begin)(jpki_transport *t);
    void (*end)(jpki_transport *t);
    /* One APDU. *resp_len is the capacity of resp on entry, the length of
     * the response (data + SW1 SW2) on return. Errors as for begin;
     * JPKI_E_CARD_RESET means the command was not executed. */
    jpki_status (*transmit)(jpki_transport *t, const uint8_t *cmd, size_t cmd_len,
                            uint8_t *resp, size_t *resp_len);
    void (*destroy)(jpki_transport *t);
} jpki_transport_ops;

struct jpki_transport {
    const jpki_transport_ops *ops;
};

#endif
