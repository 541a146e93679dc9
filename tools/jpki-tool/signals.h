/*
 * signals.h: Ctrl-C (SIGINT), SIGTERM and SIGHUP during jpki-tool. The
 * handler only notes the signal; the command then wipes its PINs, un-verifies
 * the card and ends its transaction before the process dies of the signal
 * (tool_signals_finish). During card transactions the signals are blocked,
 * so that nothing interrupts a transaction half-way.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TOOL_SIGNALS_H
#define JPKI_TOOL_SIGNALS_H

#include <stdbool.h>

/* Installs the handlers (not for a signal the tool was started ignoring, as
 * a background job of a script is: that stays ignored). */
void tool_signals_install(void);
/* Whether one of the signals arrived (or waits, held back). */
bool tool_interrupted(void);
/* Holds the signals back (card transactions) and lets them through again;
 * not nested. */
void tool_signals_block(void);
void tool_signals_unblock(void);
/* Waits until fd has something to read (or EOF). 0: ready; 1: a signal
 * arrived (or had arrived before); -1: error. Race-free: a signal arriving
 * just before the wait interrupts it too. */
int tool_wait_readable(int fd);
/* At the very end: when a signal arrived, dies of it with the default action
 * (so that the shell sees it); otherwise returns. */
void tool_signals_finish(void);

#endif
