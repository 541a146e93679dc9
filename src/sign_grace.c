/*
 * sign_grace.c: a sign-key login's PC/SC transaction kept open for a moment.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 *
 * Signing clients (pkcs11-tool, libp11, LibreOffice, Java) sign, or read
 * the sign certificate, right after C_Login. When the transaction in which
 * C_Login verified the sign PIN stays open, that signature uses the card's
 * verified state: no second SELECT of the AP, counter read and VERIFY
 * (four APDUs with the un-verify they replace). The key is then verified
 * only inside our own transaction, which no other program can enter; if
 * this process dies in it, pcscd resets the card. A watchdog thread ends
 * a grace nobody used after JPKI_SIGN_GRACE_MS (token_state.c: SELECT of
 * the AP, which un-verifies, and the end of the transaction), so other
 * programs wait at most that long. Without a thread of our own
 * (CKF_LIBRARY_CANT_CREATE_OS_THREADS, or JPKI_PKCS11_SIGN_GRACE_MS=0)
 * there is no grace and the login un-verifies at once, as before.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "env.h"
#include "locking.h"
#include "log.h"
#include "sign_grace.h"
#include "slot.h"
#include "token_state.h"

#define GRACE_READERS 16   /* graces open at once; more readers go without */

typedef struct grace {
    jpki_reader *reader;   /* NULL: free entry */
    unsigned long gen;
    struct timespec until; /* CLOCK_MONOTONIC */
} grace;

static pthread_mutex_t grace_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t grace_cond;
static bool cond_ready;
static bool may_create_threads;
static bool watchdog_running;
static bool stopping;
static pthread_t watchdog;
static grace graces[GRACE_READERS];

static unsigned grace_ms(void)
{
    const char *s = jpki_env("JPKI_PKCS11_SIGN_GRACE_MS");
    if (s == NULL || *s == '\0')
        return JPKI_SIGN_GRACE_MS;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || s[0] == '-' || v > JPKI_SIGN_GRACE_MAX_MS)
        return JPKI_SIGN_GRACE_MS;
    return (unsigned)v;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* grace_mutex held: the first grace whose time is over, taken out. */
static bool take_expired(grace *out, struct timespec *next, bool *have_next)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    *have_next = false;
    for (size_t i = 0; i < GRACE_READERS; i++) {
        if (graces[i].reader == NULL)
            continue;
        if (!before(&now, &graces[i].until)) {
            *out = graces[i];
            graces[i].reader = NULL;
            return true;
        }
        if (!*have_next || before(&graces[i].until, next)) {
            *next = graces[i].until;
            *have_next = true;
        }
    }
    return false;
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&grace_mutex);
    while (!stopping) {
        grace g;
        struct timespec next;
        bool have_next = false;
        if (take_expired(&g, &next, &have_next)) {
            /* The reader lock is taken without ours: a login that arms a
             * grace holds the reader lock and then wants ours. */
            pthread_mutex_unlock(&grace_mutex);
            jpki_lock_acquire(g.reader->io);
            jpki_ts_grace_expired(g.reader, g.gen);
            jpki_lock_release(g.reader->io);
            pthread_mutex_lock(&grace_mutex);
        } else if (have_next) {
            (void)pthread_cond_timedwait(&grace_cond, &grace_mutex, &next);
        } else {
            pthread_cond_wait(&grace_cond, &grace_mutex);
        }
    }
    pthread_mutex_unlock(&grace_mutex);
    return NULL;
}

/* grace_mutex held. */
static bool start_watchdog(void)
{
    if (watchdog_running)
        return true;
    if (!cond_ready) {
        pthread_condattr_t attr;
        if (pthread_condattr_init(&attr) != 0)
            return false;
        bool good = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
                    pthread_cond_init(&grace_cond, &attr) == 0;
        pthread_condattr_destroy(&attr);
        if (!good)
            return false;
        cond_ready = true;
    }
    stopping = false;
    watchdog_running = pthread_create(&watchdog, NULL, watchdog_main, NULL) == 0;
    if (!watchdog_running)
        jpki_log(JPKI_LOG_ERROR, "sign grace: no watchdog thread: no grace");
    return watchdog_running;
}

void jpki_grace_configure(bool may_create)
{
    pthread_mutex_lock(&grace_mutex);
    may_create_threads = may_create;
    pthread_mutex_unlock(&grace_mutex);
}

bool jpki_grace_arm(jpki_reader *r, unsigned long gen)
{
    unsigned ms = grace_ms();
    if (ms == 0)
        return false;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    bool armed = false;
    pthread_mutex_lock(&grace_mutex);
    if (may_create_threads && start_watchdog()) {
        size_t free_at = GRACE_READERS;
        for (size_t i = 0; i < GRACE_READERS; i++) {
            if (graces[i].reader == r)
                free_at = i;   /* a newer grace replaces the reader's older one */
            else if (graces[i].reader == NULL && free_at == GRACE_READERS)
                free_at = i;
        }
        if (free_at < GRACE_READERS) {
            graces[free_at] = (grace){ r, gen, until };
            armed = true;
            pthread_cond_signal(&grace_cond);
        }
    }
    pthread_mutex_unlock(&grace_mutex);
    return armed;
}

void jpki_grace_stop(void)
{
    pthread_mutex_lock(&grace_mutex);
    bool running = watchdog_running;
    stopping = true;
    if (cond_ready)
        pthread_cond_signal(&grace_cond);
    pthread_mutex_unlock(&grace_mutex);
    if (running)
        pthread_join(watchdog, NULL);
    pthread_mutex_lock(&grace_mutex);
    watchdog_running = false;
    stopping = false;
    memset(graces, 0, sizeof(graces));
    pthread_mutex_unlock(&grace_mutex);
}

void jpki_grace_forget(void)
{
    /* Only the forking thread lives on in the child, and the parent's
     * transactions are not the child's to end. */
    pthread_mutex_init(&grace_mutex, NULL);
    cond_ready = false;
    watchdog_running = false;
    stopping = false;
    memset(graces, 0, sizeof(graces));
}
