/*
 * sign_grace.h: a sign-key login's PC/SC transaction kept open for a
 * moment (see sign_grace.c).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_SIGN_GRACE_H
#define JPKI_SIGN_GRACE_H

#include <stdbool.h>

/* How long an unused grace lasts, unless JPKI_PKCS11_SIGN_GRACE_MS says
 * otherwise (0 turns it off, at most JPKI_SIGN_GRACE_MAX_MS). */
#define JPKI_SIGN_GRACE_MS 200
#define JPKI_SIGN_GRACE_MAX_MS 1000

struct jpki_reader;

/* C_Initialize: whether the module may start a thread of its own (not
 * when the application says CKF_LIBRARY_CANT_CREATE_OS_THREADS). */
void jpki_grace_configure(bool may_create_threads);

/* Reader lock held, inside a transaction in which the sign key was just
 * verified: asks the watchdog to end the transaction (through
 * jpki_ts_grace_expired(r, gen)) once the grace is over. False when no
 * grace can be given (off, no thread): the caller ends it now. */
bool jpki_grace_arm(struct jpki_reader *r, unsigned long gen);

/* C_Finalize, or the module unloaded: the watchdog is stopped (no reader
 * lock may be held); the caller then ends what is still open. */
void jpki_grace_stop(void);

/* fork() child: the watchdog is the parent's; forget it. */
void jpki_grace_forget(void);

#endif
