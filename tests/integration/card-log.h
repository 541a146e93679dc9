/*
 * card-log.h: what the multi-process PIN tests (pin-safety-steps.c,
 * unverified-steps.c) read on the card's side: its retry counters
 * ($RIG_CARD_DIR/pins) and its APDU log ($RIG_APDU_LOG, one line per APDU,
 * "INS=20 P1P2=0080 Lc=4 Le=0 -> resp_len=0 SW=9000", PIN bytes never
 * logged), and the token flags the module shows, polled.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_CARD_LOG_H
#define JPKI_CARD_LOG_H

#include <sys/stat.h>
#include "steps.h"

static const char *card_dir, *apdu_log;

/* RIG_CARD_DIR and RIG_APDU_LOG, or the program is skipped. */
static inline void card_log_init(void)
{
    card_dir = getenv("RIG_CARD_DIR");
    apdu_log = getenv("RIG_APDU_LOG");
    if (card_dir == NULL || apdu_log == NULL)
        skip_all("RIG_CARD_DIR and RIG_APDU_LOG are not set");
}

/* The log's size now: a mark to read what came after. */
static inline long log_mark(void)
{
    struct stat st;
    return stat(apdu_log, &st) == 0 ? (long)st.st_size : 0;
}

/* The card's counter for "auth" or "sign", -1 if unreadable. */
static inline int card_tries(const char *which)
{
    char path[4096], line[128], key[32];
    int n = -1;
    snprintf(path, sizeof(path), "%s/pins", card_dir);
    snprintf(key, sizeof(key), "%s_tries=", which);
    FILE *fp = fopen(path, "r");
    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
        if (strncmp(line, key, strlen(key)) == 0)
            n = atoi(line + strlen(key));
    if (fp != NULL)
        fclose(fp);
    return n;
}

static inline bool tries_are(int auth, int sign, const char *what)
{
    int a = card_tries("auth"), s = card_tries("sign");
    return ok(a == auth && s == sign, "%s: the card's counters are %d/%d (auth/sign: %d/%d)", what,
              auth, sign, a, s);
}

/* The VERIFY in a log line: its P1P2 and Lc; false if it is no VERIFY. */
static inline bool verify_line(const char *line, char p1p2[5], int *lc)
{
    const char *v = strstr(line, " INS=20 P1P2=");
    if (v == NULL)
        return false;
    memcpy(p1p2, v + 13, 4);
    p1p2[4] = '\0';
    const char *l = strstr(v, " Lc=");
    *lc = l != NULL ? atoi(l + 4) : -1;
    return true;
}

/* The VERIFYs since the mark: all of them (*all), those carrying a PIN
 * (returned), and whether each of those came right after the empty VERIFY
 * (the counter read) of the same reference (*fresh). */
static inline int pin_verifies_since(long from, int *all, bool *fresh)
{
    FILE *fp = fopen(apdu_log, "r");
    char line[512], prev_p1p2[5] = "", p1p2[5];
    int n = 0, count = 0, lc = 0, prev_lc = -1;
    bool good = true;
    if (fp != NULL && fseek(fp, from, SEEK_SET) != 0) {
        fclose(fp);
        fp = NULL;
    }
    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
        if (!verify_line(line, p1p2, &lc)) {
            prev_lc = -1;
            continue;
        }
        count++;
        if (lc > 0) {
            n++;
            good = good && prev_lc == 0 && strcmp(prev_p1p2, p1p2) == 0;
        }
        prev_lc = lc;
        memcpy(prev_p1p2, p1p2, sizeof(p1p2));
    }
    if (fp != NULL)
        fclose(fp);
    if (all != NULL)
        *all = count;
    if (fresh != NULL)
        *fresh = good;
    return n;
}

static inline int pins_sent_since(long from)
{
    return pin_verifies_since(from, NULL, NULL);
}

/* Rule A: every PIN our calls sent since the mark was preceded by a fresh
 * counter read; and at least one was sent, so this cannot pass empty. */
static inline void fresh_counters(const char *what, long from)
{
    bool fresh = false;
    int n = pin_verifies_since(from, NULL, &fresh);
    ok(n > 0 && fresh, "%s: each VERIFY with a PIN (%d) comes right after the empty VERIFY of "
       "that PIN", what, n);
}

/* Waits up to ms for the token's flags to show flag; the time it took, or -1. */
static inline long token_flag_within(CK_SLOT_ID slot, CK_FLAGS flag, long ms)
{
    for (long waited = 0; waited <= ms; waited += 100) {
        CK_TOKEN_INFO ti;
        if (f->C_GetTokenInfo(slot, &ti) == CKR_OK && (ti.flags & flag) != 0)
            return waited;
        steps_sleep_ms(100);
    }
    return -1;
}

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline CK_RV login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const char *pin)
{
    return f->C_Login(h, user, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
}

static inline bool session_state_is(CK_SESSION_HANDLE h, CK_STATE want)
{
    CK_SESSION_INFO si;
    return f->C_GetSessionInfo(h, &si) == CKR_OK && si.state == want;
}

/* Creates STEP_DIR/NAME for the script and goes on at once (no answer
 * awaited): the script acts on this process while it works. */
static inline void announce(const char *name)
{
    touch_step_file("STEP_DIR", name);
}

#endif
