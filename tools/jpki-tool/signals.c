/*
 * signals.c: noting SIGINT/SIGTERM/SIGHUP and dying of them only once the
 * card is left unverified and every PIN wiped (see signals.h).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

static const int handled[] = { SIGINT, SIGTERM, SIGHUP };
static volatile sig_atomic_t caught;   /* the first signal that arrived, or 0 */
static sigset_t handled_set;
static sigset_t mask_before_block;
static bool blocked;

static void note_signal(int sig)
{
    if (caught == 0)
        caught = sig;
}

void tool_signals_install(void)
{
    struct sigaction sa, old;

    sigemptyset(&handled_set);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   /* no SA_RESTART: a PIN prompt must return on Ctrl-C */
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) {
        if (sigaction(handled[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaddset(&handled_set, handled[i]);
        sigaction(handled[i], &sa, NULL);
    }
}

bool tool_interrupted(void)
{
    sigset_t pending;

    if (caught != 0)
        return true;
    /* Held back by a transaction: not noted yet, but already asked for. */
    if (!blocked || sigpending(&pending) != 0)
        return false;
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) {
        if (sigismember(&handled_set, handled[i]) && sigismember(&pending, handled[i]))
            return true;
    }
    return false;
}

void tool_signals_block(void)
{
    if (blocked)
        return;
    sigprocmask(SIG_BLOCK, &handled_set, &mask_before_block);
    blocked = true;
}

void tool_signals_unblock(void)
{
    if (!blocked)
        return;
    blocked = false;
    sigprocmask(SIG_SETMASK, &mask_before_block, NULL);
}

int tool_wait_readable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    sigset_t held, during;
    int rc;

    /* Signals held until ppoll lets them in atomically: one that arrives
     * between the check and the wait cannot be missed. */
    sigprocmask(SIG_BLOCK, &handled_set, &held);
    during = held;
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++) {
        if (sigismember(&handled_set, handled[i]))
            sigdelset(&during, handled[i]);
    }
    for (;;) {
        if (caught != 0) {
            rc = 1;
            break;
        }
        if (ppoll(&p, 1, NULL, &during) >= 0) {
            rc = 0;
            break;
        }
        if (errno != EINTR) {
            rc = -1;
            break;
        }
    }
    sigprocmask(SIG_SETMASK, &held, NULL);
    return rc;
}

void tool_signals_finish(void)
{
    int sig = caught;

    if (sig == 0)
        return;
    tool_signals_unblock();
    signal(sig, SIG_DFL);
    raise(sig);
}
