/*
 * slot_event.c: C_WaitForSlotEvent. Each slot remembers the reader state
 * (listed, card in, pcsc-lite event count) last reported to the application;
 * a difference is an event, reported once per slot. A reader plugged in
 * after C_Initialize is one (it was not listed). So is a pcscd restart for
 * a reader with a card: it ends the card's connection (its sessions get
 * CKR_DEVICE_REMOVED), though the new pcscd may count the card's arrival
 * with the same number, so the context epoch is part of the state. And so
 * is another program's exclusive hold on the card (GnuPG's scdaemon): when
 * it ends, the token becomes visible without the card moving. pcsc-lite
 * does not wake a wait for that; the 2 s wait timeout catches it.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "slot_internal.h"
#include "token_view.h"

/* Global lock held. The reader's state now (one PC/SC call, no APDU). */
static jpki_seen reader_now(jpki_reader *r)
{
    jpki_seen s = { 0 };
    jpki_reader_status rs = { 0 };
    if (!r->listed || jpki_mod.pcsc == NULL)
        return s;
    if (jpki_pcsc_reader_status(jpki_mod.pcsc, r->name, &rs) != JPKI_OK)
        return s;
    s.listed = true;
    s.card = rs.present;
    s.count = rs.event_count;
    s.epoch = rs.present ? jpki_mod.epoch : 0;
    s.held = rs.present && rs.held_elsewhere;
    return s;
}

static bool seen_differs(const jpki_seen *a, const jpki_seen *b)
{
    return a->listed != b->listed || a->card != b->card || a->count != b->count ||
           a->epoch != b->epoch || a->held != b->held;
}

void jpki_slots_mark_seen(void)
{
    for (size_t i = 0; i < jpki_mod.n_readers; i++) {
        jpki_reader *r = jpki_mod.readers[i];
        r->seen[0] = r->seen[1] = reader_now(r);
    }
}

/* Global lock held. */
static bool find_event(CK_SLOT_ID *slot)
{
    jpki_slots_rescan();
    for (size_t i = 0; i < jpki_mod.n_readers; i++) {
        jpki_reader *r = jpki_mod.readers[i];
        jpki_seen now = reader_now(r);
        for (int role = 0; role < 2; role++) {
            if (!jpki_view_shows((jpki_role)role)) {
                /* Never reported, but kept current: wait_once waits on it. */
                r->seen[role] = now;
                continue;
            }
            if (seen_differs(&now, &r->seen[role])) {
                r->seen[role] = now;
                *slot = 2 * r->index + (CK_SLOT_ID)role;
                return true;
            }
        }
    }
    return false;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Global lock held on entry and on return; released while waiting. */
static void wait_once(void)
{
    if (jpki_mod.wait_pcsc == NULL && jpki_pcsc_open(&jpki_mod.wait_pcsc) != JPKI_OK)
        jpki_mod.wait_pcsc = NULL;
    jpki_pcsc *w = jpki_mod.wait_pcsc;
    size_t n = 0;
    const char **names = calloc(jpki_mod.n_readers + 1, sizeof(*names));
    uint32_t *known = calloc(jpki_mod.n_readers + 1, sizeof(*known));
    for (size_t i = 0; names != NULL && known != NULL && i < jpki_mod.n_readers; i++) {
        jpki_reader *r = jpki_mod.readers[i];
        if (!r->listed)
            continue;
        names[n] = r->name;  /* readers live until C_Finalize */
        known[n++] = r->seen[0].count;
    }
    jpki_global_unlock();
    jpki_status st = JPKI_E_NO_SERVICE;
    if (w != NULL && names != NULL && known != NULL)
        st = jpki_pcsc_wait_change(w, names, known, n, 2000);
    else
        sleep_ms(500);
    free(names);
    free(known);
    if (st == JPKI_E_NO_SERVICE)
        sleep_ms(200);  /* pcscd is restarting; do not spin */
    jpki_global_lock();
    if (st == JPKI_E_NO_SERVICE && w != NULL && jpki_mod.wait_pcsc == w) {
        /* Another waiter may still be inside it: close it at C_Finalize. */
        jpki_pcsc **grown = realloc(jpki_mod.retired,
                                    (jpki_mod.n_retired + 1) * sizeof(*grown));
        if (grown != NULL) {
            jpki_mod.retired = grown;
            jpki_mod.retired[jpki_mod.n_retired++] = w;
            jpki_mod.wait_pcsc = NULL;
        }
    }
}

CK_RV jpki_slot_wait_event(CK_FLAGS flags, CK_SLOT_ID *slot)
{
    CK_RV rv = CKR_NO_EVENT;
    jpki_global_lock();
    if (jpki_mod.finalizing) {
        rv = CKR_CRYPTOKI_NOT_INITIALIZED;
        goto out;
    }
    if (find_event(slot)) {
        rv = CKR_OK;
        goto out;
    }
    if (flags & CKF_DONT_BLOCK)
        goto out;
    jpki_mod.waiters++;
    for (;;) {
        if (jpki_mod.finalizing) {
            rv = CKR_CRYPTOKI_NOT_INITIALIZED;
            break;
        }
        if (find_event(slot)) {
            rv = CKR_OK;
            break;
        }
        wait_once();
    }
    jpki_mod.waiters--;
out:
    jpki_global_unlock();
    return rv;
}

void jpki_slots_cancel_waits(void)
{
    if (jpki_mod.lock == NULL)
        return;
    jpki_global_lock();
    jpki_mod.finalizing = true;
    jpki_global_unlock();
    /* Waiters wake within their 2 s timeout at worst; cancel makes it now. */
    for (int i = 0; i < 500; i++) {
        jpki_global_lock();
        int waiters = jpki_mod.waiters;
        if (waiters > 0 && jpki_mod.wait_pcsc != NULL)
            jpki_pcsc_cancel(jpki_mod.wait_pcsc);
        jpki_global_unlock();
        if (waiters == 0)
            break;
        sleep_ms(10);
    }
}
