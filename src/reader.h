/*
 * reader.h: PC/SC readers, seen from above: which readers exist, whether a
 * card is in each, waiting for a change, and connecting to a card (which
 * gives a jpki_transport). Part of the transport layer; implemented in
 * transport_pcsc.c, the only file that includes winscard.h.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_READER_H
#define JPKI_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "errors.h"
#include "transport.h"

#define JPKI_READER_NAME_MAX 128

typedef struct jpki_pcsc jpki_pcsc; /* one PC/SC context */

/* SCardEstablishContext. JPKI_E_NO_SERVICE when pcscd is not reachable
 * (not an error for C_Initialize: readers may come later). */
jpki_status jpki_pcsc_open(jpki_pcsc **out);
/* Cancels waits, releases the context. NULL is fine. */
void jpki_pcsc_close(jpki_pcsc *ctx);
/* True once pcscd went away (restart): the caller should close and reopen. */
bool jpki_pcsc_is_stale(jpki_pcsc *ctx);

/* The readers present now, as a newly allocated array of newly allocated
 * names (free with jpki_pcsc_free_names). No readers: JPKI_OK, *count 0. */
jpki_status jpki_pcsc_list_readers(jpki_pcsc *ctx, char ***names, size_t *count);
void jpki_pcsc_free_names(char **names, size_t count);

typedef struct jpki_reader_status {
    bool present;          /* a card is in the reader */
    bool pin_pad;          /* the reader has a PIN pad (not yet detected: false) */
    bool held_elsewhere;   /* another program has the card exclusively (we never do) */
    uint32_t event_count;  /* changes on every insertion/removal (pcsc-lite counter) */
} jpki_reader_status;

/* Non-blocking look at one reader (SCardGetStatusChange, timeout 0): no APDU.
 * JPKI_E_NO_READER if it is gone. */
jpki_status jpki_pcsc_reader_status(jpki_pcsc *ctx, const char *reader, jpki_reader_status *out);

/* Blocks until a reader is added or removed, or a card is inserted into or
 * removed from one of the named readers, compared with the event counts
 * given (known[i] for readers[i]). timeout_ms < 0: forever. Returns JPKI_OK
 * on a change, JPKI_E_TIMEOUT, JPKI_E_CANCELLED (jpki_pcsc_cancel), or
 * JPKI_E_NO_SERVICE. */
jpki_status jpki_pcsc_wait_change(jpki_pcsc *ctx, const char *const *readers,
                                  const uint32_t *known, size_t n, long timeout_ms);
/* Wakes every jpki_pcsc_wait_change on ctx with JPKI_E_CANCELLED (SCardCancel). */
void jpki_pcsc_cancel(jpki_pcsc *ctx);

/* SCardConnect (shared, T=1 or T=0) to the card in a reader. The transport
 * keeps no reference to ctx beyond its SCARDCONTEXT; destroy it with
 * t->ops->destroy before jpki_pcsc_close. JPKI_E_NO_CARD if none. */
jpki_status jpki_pcsc_connect(jpki_pcsc *ctx, const char *reader, jpki_transport **out);

#endif
