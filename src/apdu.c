/*
 * apdu.c: encoding (ISO 7816-3 §12.1, short and extended), the 61xx/6Cxx
 * dance of T=0 cards, and the APDU trace. Every APDU of the module passes
 * through jpki_apdu_transmit, so this is also where PIN bytes are kept out
 * of the log and wiped from our buffers.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "apdu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"

#define SHORT_CMD_MAX (4 + 1 + 255 + 1)
#define EXT_CMD_MAX (4 + 3 + 65535 + 2)
/* Room beyond the largest legal answer, so that a card sending more than it
 * was asked for is caught here as malformed rather than as a transport
 * error for a buffer too small. */
#define SHORT_RESP_MAX (256 + 2 + 254)
#define EXT_RESP_MAX (65536 + 2 + 254)
/* GET RESPONSEs after one command: bounded, whatever a card keeps saying. */
#define GET_RESPONSE_MAX 32

size_t jpki_apdu_encode(const jpki_apdu *cmd, uint8_t *out, size_t out_cap)
{
    size_t nc, ne, need, pos = 0;
    bool extended;

    if (cmd == NULL || out == NULL)
        return 0;
    nc = cmd->data_len;
    ne = cmd->le;
    if (nc > 0 && cmd->data == NULL)
        return 0;
    if (nc > 65535 || ne > 65536)
        return 0;
    /* One extended field makes both extended (ISO 7816-3 case 4E). */
    extended = nc > 255 || ne > 256;

    need = 4;
    if (nc > 0)
        need += (extended ? 3 : 1) + nc;
    if (ne > 0)
        need += extended ? (nc > 0 ? 2 : 3) : 1;
    if (need > out_cap)
        return 0;

    out[pos++] = cmd->cla;
    out[pos++] = cmd->ins;
    out[pos++] = cmd->p1;
    out[pos++] = cmd->p2;
    if (nc > 0) {
        if (extended) {
            out[pos++] = 0x00;
            out[pos++] = (uint8_t)(nc >> 8);
            out[pos++] = (uint8_t)nc;
        } else {
            out[pos++] = (uint8_t)nc;
        }
        memcpy(out + pos, cmd->data, nc);
        pos += nc;
    }
    if (ne > 0) {
        if (extended) {
            if (nc == 0)
                out[pos++] = 0x00;   /* case 2E: the 00 marker, then Le */
            /* 65536 is encoded as 00 00 */
            out[pos++] = (uint8_t)((ne >> 8) & 0xFF);
            out[pos++] = (uint8_t)(ne & 0xFF);
        } else {
            out[pos++] = (uint8_t)(ne & 0xFF);   /* 256 is encoded as 00 */
        }
    }
    return pos;
}

static void trace_command(const jpki_apdu *cmd)
{
    if (!jpki_log_enabled(JPKI_LOG_APDU))
        return;
    if (cmd->data_len == 0) {
        jpki_log(JPKI_LOG_APDU, "> %02X %02X %02X %02X Le=%zu", cmd->cla, cmd->ins, cmd->p1,
                 cmd->p2, cmd->le);
    } else if (cmd->secret) {
        /* Not even Lc: a PIN's length narrows the guesses. */
        jpki_log(JPKI_LOG_APDU, "> %02X %02X %02X %02X <data redacted> Le=%zu", cmd->cla,
                 cmd->ins, cmd->p1, cmd->p2, cmd->le);
    } else {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "> %02X %02X %02X %02X Lc=%zu Le=%zu data", cmd->cla,
                 cmd->ins, cmd->p1, cmd->p2, cmd->data_len, cmd->le);
        jpki_log_hex(JPKI_LOG_APDU, prefix, cmd->data, cmd->data_len, 64);
    }
}

/* One exchange at the transport level, counted and traced. */
static jpki_status exchange(jpki_transport *t, const uint8_t *enc, size_t enc_len,
                            uint8_t *rbuf, size_t rcap, size_t *rlen, unsigned long *apdu_count)
{
    jpki_status st;

    *rlen = rcap;
    if (apdu_count)
        (*apdu_count)++;
    st = t->ops->transmit(t, enc, enc_len, rbuf, rlen);
    if (st != JPKI_OK) {
        jpki_log(JPKI_LOG_APDU, "< transport: %s", jpki_status_name(st));
        return st;
    }
    if (*rlen < 2 || *rlen > rcap) {
        jpki_log(JPKI_LOG_APDU, "< malformed: %zu bytes", *rlen);
        return JPKI_E_MALFORMED;
    }
    jpki_log(JPKI_LOG_APDU, "< %zu bytes SW=%02X%02X", *rlen - 2, rbuf[*rlen - 2],
             rbuf[*rlen - 1]);
    return JPKI_OK;
}

jpki_status jpki_apdu_transmit(jpki_transport *t, const jpki_apdu *cmd, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len, uint16_t *sw,
                               unsigned long *apdu_count)
{
    uint8_t short_cmd[SHORT_CMD_MAX];
    uint8_t short_resp[SHORT_RESP_MAX];
    uint8_t *enc = short_cmd, *rbuf = short_resp;
    size_t enc_cap = sizeof short_cmd, rcap = sizeof short_resp;
    size_t enc_len = 0, rlen = 0, got = 0, allowed;
    jpki_apdu cur;
    bool retried_6c = false;
    jpki_status st = JPKI_OK;

    if (resp_len)
        *resp_len = 0;
    if (sw)
        *sw = 0;
    if (t == NULL || cmd == NULL || sw == NULL || (resp_cap > 0 && resp == NULL)) {
        st = JPKI_E_BAD_ARG;
        goto out;
    }
    cur = *cmd;
    if (cur.data_len > 255 || cur.le > 256) {
        enc = malloc(EXT_CMD_MAX);
        enc_cap = EXT_CMD_MAX;
    }
    if (cur.le > 256 || resp_cap > 256) {
        rbuf = malloc(EXT_RESP_MAX);
        rcap = EXT_RESP_MAX;
    }
    if (enc == NULL || rbuf == NULL) {
        st = JPKI_E_NO_MEMORY;
        goto out;
    }
    /* Data beyond Le, or beyond what the caller can take, is an answer we
     * did not ask for: refuse it rather than truncate it. */
    allowed = cur.le < resp_cap ? cur.le : resp_cap;

    trace_command(&cur);
    for (;;) {
        enc_len = jpki_apdu_encode(&cur, enc, enc_cap);
        if (enc_len == 0) {
            st = JPKI_E_BAD_ARG;
            goto out;
        }
        st = exchange(t, enc, enc_len, rbuf, rcap, &rlen, apdu_count);
        if (st != JPKI_OK)
            goto out;
        uint8_t sw1 = rbuf[rlen - 2], sw2 = rbuf[rlen - 1];
        /* T=0 "wrong Le, use xx": resend once with the card's length. Never
         * for a PIN: whatever the card claims, a second VERIFY could be a
         * second try spent. */
        if (sw1 == 0x6C && !retried_6c && rlen == 2 && !cur.secret) {
            retried_6c = true;
            cur.le = sw2 ? sw2 : 256;
            allowed = cur.le < resp_cap ? cur.le : resp_cap;
            jpki_log(JPKI_LOG_APDU, "  6C%02X: resending with Le=%zu", sw2, cur.le);
            continue;
        }
        break;
    }
    if (rlen - 2 > allowed) {
        st = JPKI_E_MALFORMED;
        goto out;
    }
    if (rlen > 2)
        memcpy(resp, rbuf, rlen - 2);
    got = rlen - 2;
    *sw = (uint16_t)(rbuf[rlen - 2] << 8 | rbuf[rlen - 1]);

    /* "xx more bytes": fetch them with GET RESPONSE, as often as the card
     * chains (a 3072- or 4096-bit signature through short APDUs) while the
     * caller has room; a 61 xx to a full buffer goes back as the SW. */
    for (int fetches = 0; (*sw >> 8) == 0x61 && got < resp_cap && fetches < GET_RESPONSE_MAX;
         fetches++) {
        jpki_apdu gr = { .cla = 0x00, .ins = 0xC0, .p1 = 0x00, .p2 = 0x00 };
        uint8_t gr_enc[5];
        gr.le = (*sw & 0xFF) ? (size_t)(*sw & 0xFF) : 256;
        enc_len = jpki_apdu_encode(&gr, gr_enc, sizeof gr_enc);
        trace_command(&gr);
        st = exchange(t, gr_enc, enc_len, rbuf, rcap, &rlen, apdu_count);
        if (st != JPKI_OK)
            goto out;
        if (rlen - 2 > gr.le || got + (rlen - 2) > resp_cap) {
            st = JPKI_E_MALFORMED;
            goto out;
        }
        if (rlen > 2)
            memcpy(resp + got, rbuf, rlen - 2);
        got += rlen - 2;
        *sw = (uint16_t)(rbuf[rlen - 2] << 8 | rbuf[rlen - 1]);
    }
    if (resp_len)
        *resp_len = got;

out:
    if (enc != NULL && cmd != NULL && cmd->secret)
        OPENSSL_cleanse(enc, enc_cap);
    if (enc != short_cmd)
        free(enc);
    if (rbuf != short_resp) {
        OPENSSL_cleanse(rbuf, rcap);   /* responses may hold a signature: no leftovers */
        free(rbuf);
    } else {
        OPENSSL_cleanse(short_resp, sizeof short_resp);
    }
    if (st != JPKI_OK && resp_len)
        *resp_len = 0;
    return st;
}
