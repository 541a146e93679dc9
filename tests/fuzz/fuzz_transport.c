/*
 * fuzz_transport.c: a jpki_transport that answers every APDU with the next
 * length-prefixed chunk of the fuzz input (format in fuzz.h), or, while
 * making seeds, with a virtual card's answer that it records in that format.
 * A transaction's begin (SCardBeginTransaction) may fail or report a reset
 * as the input says, too.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t *in_data;
static size_t in_left;

static fuzz_card_fn record_card;
static uint8_t *record_buf;
static size_t record_len, record_cap;
static unsigned record_begins, record_fault_at;
static enum fuzz_begin_result record_fault;

/* The transport failures a chunk can stand for (L = 0xFFF0 + index). */
static const jpki_status failures[] = {
    JPKI_E_NO_CARD, JPKI_E_CARD_RESET, JPKI_E_NO_READER, JPKI_E_NO_SERVICE, JPKI_E_COMM,
};

/* What a begin can answer instead of JPKI_OK (L = FUZZ_BEGIN_BASE + index):
 * each status transport_pcsc.c maps a PC/SC code to. Card pulled or mute,
 * reset by another program (reconnected: the transaction is held), reader
 * unplugged, pcscd gone, anything else, out of memory, and the two that
 * only waits should see. */
static const jpki_status begin_results[FUZZ_BEGIN_RESULTS] = {
    [FUZZ_BEGIN_NO_CARD] = JPKI_E_NO_CARD,
    [FUZZ_BEGIN_RESET] = JPKI_E_CARD_RESET,
    [FUZZ_BEGIN_NO_READER] = JPKI_E_NO_READER,
    [FUZZ_BEGIN_NO_SERVICE] = JPKI_E_NO_SERVICE,
    [FUZZ_BEGIN_COMM] = JPKI_E_COMM,
    [FUZZ_BEGIN_NO_MEMORY] = JPKI_E_NO_MEMORY,
    [FUZZ_BEGIN_TIMEOUT] = JPKI_E_TIMEOUT,
    [FUZZ_BEGIN_CANCELLED] = JPKI_E_CANCELLED,
};

void fuzz_input_reset(const uint8_t *data, size_t size)
{
    in_data = data;
    in_left = data ? size : 0;
}

size_t fuzz_input_take(uint8_t *out, size_t n)
{
    if (n > in_left)
        n = in_left;
    if (n > 0)
        memcpy(out, in_data, n);
    in_data += n;
    in_left -= n;
    return n;
}

void fuzz_record_append(const uint8_t *p, size_t n)
{
    if (record_len + n > record_cap) {
        size_t cap = (record_len + n) * 2 + 256;
        uint8_t *nb = realloc(record_buf, cap);
        if (nb == NULL)
            abort();   /* only the seed maker records: fail loudly */
        record_buf = nb;
        record_cap = cap;
    }
    memcpy(record_buf + record_len, p, n);
    record_len += n;
}

void fuzz_record_start(fuzz_card_fn card)
{
    record_card = card;
    record_len = 0;
    record_begins = 0;
    record_fault_at = 0;
}

void fuzz_record_begin_fault(unsigned nth, enum fuzz_begin_result result)
{
    record_fault_at = nth;
    record_fault = result % FUZZ_BEGIN_RESULTS;
}

unsigned fuzz_record_begins(void)
{
    return record_begins;
}

const uint8_t *fuzz_record_get(size_t *len)
{
    *len = record_len;
    return record_buf;
}

int fuzz_recording(void)
{
    return record_card != NULL;
}

static jpki_status fz_begin(jpki_transport *t)
{
    uint8_t hdr[2];
    size_t len;

    (void)t;
    if (record_card) {
        if (++record_begins != record_fault_at)
            return JPKI_OK;
        hdr[0] = (uint8_t)((FUZZ_BEGIN_BASE + (unsigned)record_fault) >> 8);
        hdr[1] = (uint8_t)(FUZZ_BEGIN_BASE + (unsigned)record_fault);
        fuzz_record_append(hdr, 2);
        return begin_results[record_fault];
    }
    /* Any other chunk is the answer to the transmit that follows. */
    if (in_left < 2)
        return JPKI_OK;
    len = (size_t)in_data[0] << 8 | in_data[1];
    if (len < FUZZ_BEGIN_BASE || len >= FUZZ_BEGIN_BASE + 16)
        return JPKI_OK;
    (void)fuzz_input_take(hdr, 2);
    return begin_results[(len - FUZZ_BEGIN_BASE) % FUZZ_BEGIN_RESULTS];
}

static void fz_end(jpki_transport *t)
{
    (void)t;
}

static jpki_status fz_record(const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                             size_t *resp_len)
{
    static uint8_t answer[65536 + 2];
    size_t n = sizeof answer;
    uint8_t hdr[2];

    record_card(cmd, cmd_len, answer, &n);
    if (n >= FUZZ_BEGIN_BASE || n > *resp_len)
        abort();
    hdr[0] = (uint8_t)(n >> 8);
    hdr[1] = (uint8_t)n;
    fuzz_record_append(hdr, 2);
    fuzz_record_append(answer, n);
    memcpy(resp, answer, n);
    *resp_len = n;
    return JPKI_OK;
}

static jpki_status fz_transmit(jpki_transport *t, const uint8_t *cmd, size_t cmd_len,
                               uint8_t *resp, size_t *resp_len)
{
    uint8_t hdr[2];
    size_t len;

    (void)t;
    if (record_card)
        return fz_record(cmd, cmd_len, resp, resp_len);
    if (fuzz_input_take(hdr, 2) < 2) {
        *resp_len = 0;
        return JPKI_E_NO_CARD;   /* the input is over: the card is gone */
    }
    len = (size_t)hdr[0] << 8 | hdr[1];
    if (len >= 0xFFF0) {
        *resp_len = 0;
        return failures[(len - 0xFFF0) % (sizeof failures / sizeof failures[0])];
    }
    if (len > in_left)
        len = in_left;
    /* Like PC/SC: an answer larger than the buffer is an error, not data. */
    if (len > *resp_len) {
        in_data += len;
        in_left -= len;
        *resp_len = 0;
        return JPKI_E_COMM;
    }
    *resp_len = fuzz_input_take(resp, len);
    return JPKI_OK;
}

static void fz_destroy(jpki_transport *t)
{
    free(t);
}

static const jpki_transport_ops fz_ops = {
    .begin = fz_begin, .end = fz_end, .transmit = fz_transmit, .destroy = fz_destroy,
};

jpki_transport *fuzz_transport_new(void)
{
    jpki_transport *t = malloc(sizeof *t);

    if (t != NULL)
        t->ops = &fz_ops;
    return t;
}
