/*
 * transport_pcsc.c: PC/SC through pcsc-lite; the only file that includes
 * winscard.h. Implements reader.h (readers, presence, waiting) and the
 * jpki_transport of one connected card.
 *
 * Thread-safety: pcsc-lite lets threads use one context for different card
 * handles; the slot layer serialises the use of each card handle. A wait
 * (SCardGetStatusChange) may block in one thread while another calls
 * jpki_pcsc_cancel. The mutex here guards only the stale flag.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "reader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include "log.h"

#define PNP_READER "\\\\?PnP?\\Notification"

struct jpki_pcsc {
    SCARDCONTEXT ctx;
    pthread_mutex_t lock;
    bool stale;   /* pcscd went away: every handle from this context is dead */
};

typedef struct pcsc_transport {
    jpki_transport base;   /* first: the jpki_transport * is a pcsc_transport * */
    SCARDHANDLE card;
    DWORD protocol;
    bool in_transaction;
} pcsc_transport;

/* pcsc-lite's codes, reduced to what the layers above can act on. */
static jpki_status map_rv(LONG rv)
{
    switch (rv) {
    case SCARD_S_SUCCESS:
        return JPKI_OK;
    case SCARD_W_RESET_CARD:
        return JPKI_E_CARD_RESET;
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NO_SMARTCARD:
    /* A mute or unpowered card is as good as none; reader_status agrees. */
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNSUPPORTED_CARD:
        return JPKI_E_NO_CARD;
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_NO_READERS_AVAILABLE:
        return JPKI_E_NO_READER;
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_INVALID_HANDLE:   /* what old handles get after a pcscd restart */
    case SCARD_F_COMM_ERROR:       /* the socket to pcscd broke: pcscd went away */
        return JPKI_E_NO_SERVICE;
    case SCARD_E_CANCELLED:
        return JPKI_E_CANCELLED;
    case SCARD_E_TIMEOUT:
        return JPKI_E_TIMEOUT;
    case SCARD_E_NO_MEMORY:
        return JPKI_E_NO_MEMORY;
    default:
        return JPKI_E_COMM;
    }
}

static jpki_status ctx_status(jpki_pcsc *p, LONG rv, const char *what)
{
    jpki_status st = map_rv(rv);

    if (st == JPKI_E_NO_SERVICE) {
        pthread_mutex_lock(&p->lock);
        p->stale = true;
        pthread_mutex_unlock(&p->lock);
    }
    if (rv != SCARD_S_SUCCESS && st != JPKI_E_TIMEOUT)
        jpki_log(JPKI_LOG_CALL, "%s: %s (0x%08lX)", what, pcsc_stringify_error(rv),
                 (unsigned long)rv);
    return st;
}

static jpki_status card_status(LONG rv, const char *what)
{
    if (rv != SCARD_S_SUCCESS)
        jpki_log(JPKI_LOG_CALL, "%s: %s (0x%08lX)", what, pcsc_stringify_error(rv),
                 (unsigned long)rv);
    return map_rv(rv);
}

jpki_status jpki_pcsc_open(jpki_pcsc **out)
{
    jpki_pcsc *p;
    LONG rv;

    if (out == NULL)
        return JPKI_E_BAD_ARG;
    *out = NULL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return JPKI_E_NO_MEMORY;
    rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
    if (rv != SCARD_S_SUCCESS) {
        jpki_status st = card_status(rv, "SCardEstablishContext");
        free(p);
        /* Whatever went wrong, "no service" is what C_Initialize can live with. */
        return st == JPKI_E_NO_MEMORY ? st : JPKI_E_NO_SERVICE;
    }
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return JPKI_OK;
}

void jpki_pcsc_close(jpki_pcsc *p)
{
    if (p == NULL)
        return;
    SCardCancel(p->ctx);
    SCardReleaseContext(p->ctx);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

bool jpki_pcsc_is_stale(jpki_pcsc *p)
{
    bool stale;

    if (p == NULL)
        return true;
    pthread_mutex_lock(&p->lock);
    stale = p->stale;
    pthread_mutex_unlock(&p->lock);
    return stale;
}

void jpki_pcsc_free_names(char **names, size_t count)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

jpki_status jpki_pcsc_list_readers(jpki_pcsc *p, char ***names, size_t *count)
{
    LPSTR multi = NULL;
    DWORD len = SCARD_AUTOALLOCATE;
    char **list = NULL;
    size_t n = 0, i = 0;
    jpki_status st = JPKI_OK;
    LONG rv;

    if (names)
        *names = NULL;
    if (count)
        *count = 0;
    if (p == NULL || names == NULL || count == NULL)
        return JPKI_E_BAD_ARG;
    rv = SCardListReaders(p->ctx, NULL, (LPSTR)&multi, &len);
    if (rv == SCARD_E_NO_READERS_AVAILABLE)
        return JPKI_OK;
    if (rv != SCARD_S_SUCCESS)
        return ctx_status(p, rv, "SCardListReaders");

    /* A multi-string: names each ended by NUL, the list by an empty name. */
    for (const char *s = multi; s < multi + len && *s; s += strlen(s) + 1)
        n++;
    if (n == 0)
        goto out;
    list = calloc(n, sizeof *list);
    if (list == NULL) {
        st = JPKI_E_NO_MEMORY;
        goto out;
    }
    for (const char *s = multi; i < n; s += strlen(s) + 1, i++) {
        list[i] = strdup(s);
        if (list[i] == NULL) {
            st = JPKI_E_NO_MEMORY;
            goto out;
        }
    }
    *names = list;
    *count = n;
    list = NULL;

out:
    jpki_pcsc_free_names(list, n);
    SCardFreeMemory(p->ctx, multi);
    return st;
}

jpki_status jpki_pcsc_reader_status(jpki_pcsc *p, const char *reader, jpki_reader_status *out)
{
    SCARD_READERSTATE rs;
    LONG rv;

    if (p == NULL || reader == NULL || out == NULL)
        return JPKI_E_BAD_ARG;
    memset(out, 0, sizeof *out);
    memset(&rs, 0, sizeof rs);
    rs.szReader = reader;
    rs.dwCurrentState = SCARD_STATE_UNAWARE;
    rv = SCardGetStatusChange(p->ctx, 0, &rs, 1);
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
        return ctx_status(p, rv, "SCardGetStatusChange");
    if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
        return JPKI_E_NO_READER;
    out->present = (rs.dwEventState & SCARD_STATE_PRESENT) &&
                   !(rs.dwEventState & SCARD_STATE_MUTE);
    out->pin_pad = false;
    out->held_elsewhere = (rs.dwEventState & SCARD_STATE_EXCLUSIVE) != 0;
    out->event_count = (uint32_t)((rs.dwEventState >> 16) & 0xFFFF);
    return JPKI_OK;
}

/* Whether the readers present now differ from the caller's list: a reader
 * plugged in after the caller listed them must end the wait at once. */
static jpki_status reader_list_changed(jpki_pcsc *p, const char *const *readers, size_t n,
                                       bool *changed)
{
    char **now = NULL;
    size_t count = 0;
    jpki_status st;

    *changed = false;
    st = jpki_pcsc_list_readers(p, &now, &count);
    if (st != JPKI_OK)
        return st;
    for (size_t i = 0; i < count && !*changed; i++) {
        bool known = false;
        for (size_t j = 0; j < n && !known; j++)
            known = strcmp(now[i], readers[j]) == 0;
        if (!known)
            *changed = true;
    }
    jpki_pcsc_free_names(now, count);
    return JPKI_OK;
}

jpki_status jpki_pcsc_wait_change(jpki_pcsc *p, const char *const *readers,
                                  const uint32_t *known, size_t n, long timeout_ms)
{
    SCARD_READERSTATE *rs = NULL;
    DWORD timeout;
    bool changed = false;
    jpki_status st = JPKI_OK;
    LONG rv;

    if (p == NULL || (n > 0 && (readers == NULL || known == NULL)))
        return JPKI_E_BAD_ARG;
    rs = calloc(n + 1, sizeof *rs);
    if (rs == NULL)
        return JPKI_E_NO_MEMORY;

    /* First a look without waiting: the change may already have happened
     * between the caller's last look and this call. */
    if (n > 0) {
        for (size_t i = 0; i < n; i++) {
            rs[i].szReader = readers[i];
            rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
        }
        rv = SCardGetStatusChange(p->ctx, 0, rs, (DWORD)n);
        /* pcsc-lite 1.9 refuses a reader it no longer has: a change. */
        if (rv == SCARD_E_UNKNOWN_READER)
            goto out;
        if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
            st = ctx_status(p, rv, "SCardGetStatusChange");
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            if ((rs[i].dwEventState & SCARD_STATE_UNKNOWN) ||
                ((rs[i].dwEventState >> 16) & 0xFFFF) != (known[i] & 0xFFFF))
                goto out;   /* JPKI_OK: a change */
        }
    }
    st = reader_list_changed(p, readers, n, &changed);
    if (st != JPKI_OK || changed)
        goto out;

    for (size_t i = 0; i < n; i++)
        rs[i].dwCurrentState = rs[i].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
    rs[n].szReader = PNP_READER;
    /* Newer pcsc-lite compares the reader count kept in the high word. */
    rs[n].dwCurrentState = (DWORD)(n << 16);
    if (timeout_ms < 0)
        timeout = INFINITE;
    else if ((unsigned long)timeout_ms >= (unsigned long)INFINITE)
        timeout = INFINITE - 1;
    else
        timeout = (DWORD)timeout_ms;
    rv = SCardGetStatusChange(p->ctx, timeout, rs, (DWORD)(n + 1));
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_UNKNOWN_READER)
        st = ctx_status(p, rv, "SCardGetStatusChange (wait)");

out:
    free(rs);
    return st;
}

void jpki_pcsc_cancel(jpki_pcsc *p)
{
    if (p)
        SCardCancel(p->ctx);
}

/* After SCARD_W_RESET_CARD: the handle stays, the card's state is gone. */
static jpki_status pcsc_reconnect(pcsc_transport *t)
{
    DWORD proto = 0;
    LONG rv = SCardReconnect(t->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                             SCARD_LEAVE_CARD, &proto);
    if (rv != SCARD_S_SUCCESS)
        return card_status(rv, "SCardReconnect");
    t->protocol = proto;
    return JPKI_OK;
}

static jpki_status pcsc_begin(jpki_transport *base)
{
    pcsc_transport *t = (pcsc_transport *)base;
    jpki_status st;
    LONG rv = SCardBeginTransaction(t->card);

    if (rv == SCARD_W_RESET_CARD) {
        jpki_log(JPKI_LOG_CALL, "card was reset: reconnecting");
        st = pcsc_reconnect(t);
        if (st != JPKI_OK)
            return st;
        rv = SCardBeginTransaction(t->card);
        if (rv != SCARD_S_SUCCESS)
            return card_status(rv, "SCardBeginTransaction after reconnect");
        t->in_transaction = true;
        return JPKI_E_CARD_RESET;
    }
    if (rv != SCARD_S_SUCCESS)
        return card_status(rv, "SCardBeginTransaction");
    t->in_transaction = true;
    return JPKI_OK;
}

static void pcsc_end(jpki_transport *base)
{
    pcsc_transport *t = (pcsc_transport *)base;

    if (!t->in_transaction)
        return;
    t->in_transaction = false;
    LONG rv = SCardEndTransaction(t->card, SCARD_LEAVE_CARD);
    if (rv != SCARD_S_SUCCESS)
        card_status(rv, "SCardEndTransaction");
}

static jpki_status pcsc_transmit(jpki_transport *base, const uint8_t *cmd, size_t cmd_len,
                                 uint8_t *resp, size_t *resp_len)
{
    pcsc_transport *t = (pcsc_transport *)base;
    const SCARD_IO_REQUEST *pci = t->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    DWORD rlen;
    LONG rv;

    if (cmd == NULL || resp == NULL || resp_len == NULL)
        return JPKI_E_BAD_ARG;
    rlen = (DWORD)*resp_len;
    *resp_len = 0;
    rv = SCardTransmit(t->card, pci, cmd, (DWORD)cmd_len, NULL, resp, &rlen);
    if (rv == SCARD_W_RESET_CARD) {
        /* Not resent: the caller must redo its selection (and maybe its
         * VERIFY) first, which only it knows. */
        jpki_status st = pcsc_reconnect(t);
        return st == JPKI_OK ? JPKI_E_CARD_RESET : st;
    }
    if (rv != SCARD_S_SUCCESS)
        return card_status(rv, "SCardTransmit");
    *resp_len = rlen;
    return JPKI_OK;
}

static void pcsc_destroy(jpki_transport *base)
{
    pcsc_transport *t = (pcsc_transport *)base;

    if (t == NULL)
        return;
    pcsc_end(base);
    SCardDisconnect(t->card, SCARD_LEAVE_CARD);
    free(t);
}

static const jpki_transport_ops pcsc_ops = {
    .begin = pcsc_begin,
    .end = pcsc_end,
    .transmit = pcsc_transmit,
    .destroy = pcsc_destroy,
};

jpki_status jpki_pcsc_connect(jpki_pcsc *p, const char *reader, jpki_transport **out)
{
    pcsc_transport *t;
    LONG rv;

    if (out)
        *out = NULL;
    if (p == NULL || reader == NULL || out == NULL)
        return JPKI_E_BAD_ARG;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return JPKI_E_NO_MEMORY;
    rv = SCardConnect(p->ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                      &t->card, &t->protocol);
    if (rv != SCARD_S_SUCCESS) {
        free(t);
        return ctx_status(p, rv, "SCardConnect");
    }
    t->base.ops = &pcsc_ops;
    *out = &t->base;
    return JPKI_OK;
}
