/*
 * transport_script.h: a jpki_transport for unit tests that plays a script.
 * Each step is an expected command APDU with its canned response, or an
 * injected failure. Any command that is not the next expected one is
 * recorded as a mismatch (and answered with JPKI_E_COMM), so a test that
 * ends with script_done() true has seen exactly the scripted sequence.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TRANSPORT_SCRIPT_H
#define JPKI_TRANSPORT_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "transport.h"

jpki_transport *script_new(void);
void script_free(jpki_transport *t);

/* Expect cmd_hex (spaces allowed) and answer resp_hex (data + SW1 SW2; may
 * be "" for an empty answer). */
void script_expect(jpki_transport *t, const char *cmd_hex, const char *resp_hex);
/* The same with bytes. */
void script_expect_bytes(jpki_transport *t, const uint8_t *cmd, size_t cmd_len,
                         const uint8_t *resp, size_t resp_len);
/* The next begin or transmit (whichever comes first) returns status; a
 * transmit that consumes it may carry any command. */
void script_fail_next(jpki_transport *t, jpki_status status);
/* Expect cmd_hex and fail it with status instead of answering. */
void script_expect_fail(jpki_transport *t, const char *cmd_hex, jpki_status status);

/* All steps consumed and no mismatch. */
bool script_done(jpki_transport *t);
/* Commands that did not match (or came after the end of the script). */
unsigned script_mismatches(jpki_transport *t);
/* Steps not yet consumed. */
size_t script_remaining(jpki_transport *t);
/* begin/end calls seen. */
unsigned script_begins(jpki_transport *t);
unsigned script_ends(jpki_transport *t);
/* Drops the remaining steps and the mismatch count (to reuse a script). */
void script_reset(jpki_transport *t);

/* Hex helper for tests: parses hex (spaces allowed) into out; returns the
 * length, or 0 on bad input / overflow. */
size_t script_hex(const char *hex, uint8_t *out, size_t cap);

#endif
