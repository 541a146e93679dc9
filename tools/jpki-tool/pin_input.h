/*
 * pin_input.h: reading PINs. From the terminal without echo, or from a file
 * descriptor for scripts (one per line, in the order asked); never from the
 * command line or the environment, where other users and logs can see them.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TOOL_PIN_INPUT_H
#define JPKI_TOOL_PIN_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#define PIN_INPUT_MAX 64   /* longer lines are refused as a wrong length */
#define PIN_INPUT_INTERRUPTED (-2)   /* Ctrl-C, SIGTERM or SIGHUP (signals.h) */

/* Reads one line into buf (not NUL-terminated, *len bytes; a line longer
 * than cap gives *len = cap and its rest is discarded). fd < 0: the
 * terminal, with the prompt and without echo unless echo is true.
 * Returns 0, -1 (no terminal, EOF before any byte, read error) or
 * PIN_INPUT_INTERRUPTED; buf is wiped on failure, by the caller otherwise. */
int pin_input_read(int fd, const char *prompt, bool echo, char *buf, size_t cap, size_t *len);

#endif
