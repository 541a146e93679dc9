/*
 * vpcd.h: the vsmartcard vpcd socket side of the virtual card.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef VCARD_VPCD_H
#define VCARD_VPCD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "card.h"

enum vpcd_fault {
    FAULT_NONE = 0,
    FAULT_TRUNCATE_READ,    /* READ BINARY answers one byte less than it should */
    FAULT_OVERSIZE_READ,    /* READ BINARY answers one byte more than Le */
    FAULT_BAD_SW,           /* every response is 6F00 */
    FAULT_SHORT_RESPONSE,   /* every response is a single byte (no full SW) */
    FAULT_DISCONNECT_AFTER, /* drop the connection once, after N APDUs (removal) */
    FAULT_SW_61XX,          /* data only via GET RESPONSE after 61xx */
    FAULT_SW_6CXX,          /* short READ chunks first answered 6Cxx */
};

struct vpcd_options {
    const char *host;
    unsigned port;
    const uint8_t *atr;
    size_t atr_len;
    FILE *apdu_log;         /* NULL = no log */
    unsigned latency_ms;    /* sleep per APDU */
    unsigned byte_us;       /* sleep per byte of command + response */
    unsigned sign_ms;       /* extra sleep per signature */
    enum vpcd_fault fault;
    unsigned fault_arg;
};

/* SIGINT/SIGTERM make vpcd_run return; SIGUSR1 removes the card (drops
 * the vpcd connection) and the next SIGUSR1 inserts it again. */
void vpcd_install_signals(void);

/* Connect (retrying for ~10 s at startup), serve, reconnect after a drop.
 * Returns 0 on a signal, 1 if the first connection never succeeded. */
int vpcd_run(struct card *c, const struct vpcd_options *o);

#endif
