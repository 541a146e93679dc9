/*
 * jpki_text.c: the text-assistance AP (券面事項入力補助AP), jpki-protocol.md §8.
 * The APDUs are those of the JPKI AP (§4.1) with another AID and other EFs.
 * The individual number is personal data protected by law: it is never
 * logged (apdu.c traces only lengths of responses) and every buffer that
 * held it is wiped here.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "jpki_text.h"

#include <string.h>

#include <openssl/crypto.h>

#include "apdu.h"
#include "log.h"

static const uint8_t text_aid[] = { 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08 };

/* EF 0002 holds four short strings; addresses are at most 200 characters
 * (§7.3), so 2 KiB leaves room for any real card. */
#define BASIC_INFO_MAX 2048
/* EF 0001: FF 10 0C + 12 digits, then FF FF filler. */
#define MY_NUMBER_EF_LEN 17

jpki_status jpki_text_select(jpki_card *card)
{
    uint16_t sw = 0;
    jpki_status st = jpki_card_select_aid(card, text_aid, sizeof text_aid, &sw);
    if (st != JPKI_OK)
        return st;
    if (sw != 0x9000) {
        jpki_log(JPKI_LOG_CALL, "SELECT text AP: SW %04X", sw);
        return JPKI_E_FILE_NOT_FOUND;
    }
    return JPKI_OK;
}

static jpki_status select_ef(jpki_card *card, uint16_t fid)
{
    uint16_t sw = 0;
    jpki_status st = jpki_card_select_fid(card, fid, &sw);
    if (st != JPKI_OK)
        return st;
    return sw == 0x9000 ? JPKI_OK : jpki_status_from_sw(sw, NULL);
}

/* Reads from the current EF until len bytes or the end of the file
 * (short chunk, or 6B 00 after at least one byte). */
static jpki_status read_current(jpki_card *card, uint8_t *buf, size_t len, size_t *got)
{
    size_t done = 0;
    jpki_status st = JPKI_OK;

    while (done < len) {
        size_t want = len - done > 256 ? 256 : len - done, n = 0;
        jpki_apdu cmd = { .cla = 0x00, .ins = 0xB0, .p1 = (uint8_t)((done >> 8) & 0x7F),
                          .p2 = (uint8_t)(done & 0xFF), .le = want };
        uint16_t sw = 0;

        st = jpki_card_transmit(card, &cmd, buf + done, want, &n, &sw);
        if (st != JPKI_OK)
            break;
        if (sw != 0x9000) {
            st = jpki_status_from_sw(sw, NULL);
            if (st == JPKI_E_END_OF_FILE && done > 0)
                st = JPKI_OK;
            break;
        }
        done += n;
        if (n < want)
            break;
    }
    *got = done;
    return st;
}

jpki_status jpki_text_pin_status(jpki_card *card, int *tries_left)
{
    jpki_apdu cmd = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x80 };
    uint16_t sw = 0;
    int tries = -1;
    jpki_status st;

    if (tries_left)
        *tries_left = -1;
    if (card == NULL || tries_left == NULL)
        return JPKI_E_BAD_ARG;
    st = jpki_text_select(card);
    if (st == JPKI_OK)
        st = select_ef(card, JPKI_TEXT_EF_PIN);
    if (st == JPKI_OK)
        st = jpki_card_transmit(card, &cmd, NULL, 0, NULL, &sw);
    if (st != JPKI_OK)
        return st;
    st = jpki_status_from_sw(sw, &tries);
    if (st == JPKI_OK || st == JPKI_E_PIN_INCORRECT || st == JPKI_E_PIN_LOCKED) {
        *tries_left = st == JPKI_OK ? -1 : tries;
        return JPKI_OK;
    }
    return st;
}

bool jpki_text_pin_check(const uint8_t *pin, size_t pin_len)
{
    if (pin == NULL || pin_len != JPKI_TEXT_PIN_LEN)
        return false;
    for (size_t i = 0; i < pin_len; i++) {
        if (pin[i] < '0' || pin[i] > '9')
            return false;
    }
    return true;
}

jpki_status jpki_text_verify_pin(jpki_card *card, const uint8_t *pin, size_t pin_len,
                                 int *tries_left)
{
    jpki_apdu cmd = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x80,
                      .data = pin, .data_len = pin_len, .secret = true };
    uint16_t sw = 0;
    int tries = -1;
    jpki_status st;

    if (tries_left)
        *tries_left = -1;
    if (card == NULL || !jpki_text_pin_check(pin, pin_len))
        return JPKI_E_BAD_ARG;
    st = jpki_text_select(card);
    if (st == JPKI_OK)
        st = select_ef(card, JPKI_TEXT_EF_PIN);
    if (st != JPKI_OK)
        return st;
    /* One VERIFY, never retried. */
    st = jpki_card_transmit(card, &cmd, NULL, 0, NULL, &sw);
    if (st != JPKI_OK)
        return st;
    st = jpki_status_from_sw(sw, &tries);
    if (st == JPKI_OK)
        tries = JPKI_TEXT_PIN_TRIES;
    if (tries_left)
        *tries_left = tries;
    jpki_log(JPKI_LOG_CALL, "VERIFY text PIN: %s (tries left %d)", jpki_status_name(st), tries);
    return st;
}

/* One BER-TLV with a one- or two-byte tag and a definite length. */
static bool tlv_next(const uint8_t *p, size_t avail, uint16_t *tag, size_t *hdr, size_t *len)
{
    size_t i = 0;

    if (avail < 2)
        return false;
    *tag = p[i++];
    if ((*tag & 0x1F) == 0x1F) {
        if (p[i] & 0x80)
            return false;   /* three-byte tags never occur here */
        *tag = (uint16_t)(*tag << 8 | p[i++]);
    }
    if (i >= avail)
        return false;
    if (p[i] < 0x80) {
        *len = p[i++];
    } else if (p[i] == 0x81 && i + 1 < avail) {
        *len = p[i + 1];
        i += 2;
    } else if (p[i] == 0x82 && i + 2 < avail) {
        *len = (size_t)p[i + 1] << 8 | p[i + 2];
        i += 3;
    } else {
        return false;
    }
    *hdr = i;
    return *len <= avail - i;
}

/* Copies a value as a C string; control characters from a card are not
 * passed to a terminal. */
static bool copy_text(char *dst, size_t cap, const uint8_t *src, size_t len)
{
    if (len >= cap)
        return false;
    for (size_t i = 0; i < len; i++)
        dst[i] = (src[i] < 0x20 || src[i] == 0x7F) ? '?' : (char)src[i];
    dst[len] = '\0';
    return true;
}

jpki_status jpki_text_parse_basic_info(const uint8_t *buf, size_t len, jpki_basic_info *out)
{
    uint16_t tag = 0;
    size_t hdr = 0, vlen = 0, pos;
    unsigned seen = 0;

    if (buf == NULL || out == NULL)
        return JPKI_E_BAD_ARG;
    memset(out, 0, sizeof *out);
    if (!tlv_next(buf, len, &tag, &hdr, &vlen) || tag != 0xFF20)
        return JPKI_E_MALFORMED;
    /* Walk the inner TLVs in order instead of trusting the DF21 offsets:
     * the offsets only repeat what the TLV lengths say. */
    len = hdr + vlen;
    pos = hdr;
    while (pos < len) {
        const uint8_t *v;
        bool ok = true;
        if (!tlv_next(buf + pos, len - pos, &tag, &hdr, &vlen))
            return JPKI_E_MALFORMED;
        v = buf + pos + hdr;
        switch (tag) {
        case 0xDF22:
            ok = copy_text(out->name, sizeof out->name, v, vlen);
            seen |= 1;
            break;
        case 0xDF23:
            ok = copy_text(out->address, sizeof out->address, v, vlen);
            seen |= 2;
            break;
        case 0xDF24:
            ok = vlen == 8 && copy_text(out->birth, sizeof out->birth, v, vlen);
            seen |= 4;
            break;
        case 0xDF25:
            ok = vlen == 1 && copy_text(out->sex, sizeof out->sex, v, vlen);
            seen |= 8;
            break;
        default:
            break;  /* DF21 offsets, and whatever a later card adds */
        }
        if (!ok)
            return JPKI_E_MALFORMED;
        pos += hdr + vlen;
    }
    return seen == 15 ? JPKI_OK : JPKI_E_MALFORMED;
}

jpki_status jpki_text_read_basic_info(jpki_card *card, jpki_basic_info *out)
{
    uint8_t buf[BASIC_INFO_MAX];
    size_t got = 0;
    jpki_status st;

    if (card == NULL || out == NULL)
        return JPKI_E_BAD_ARG;
    memset(out, 0, sizeof *out);
    st = select_ef(card, JPKI_TEXT_EF_BASIC_INFO);
    if (st == JPKI_OK)
        st = read_current(card, buf, sizeof buf, &got);
    if (st == JPKI_OK)
        st = jpki_text_parse_basic_info(buf, got, out);
    OPENSSL_cleanse(buf, sizeof buf);
    return st;
}

jpki_status jpki_text_read_my_number(jpki_card *card, char *number, size_t cap)
{
    uint8_t buf[MY_NUMBER_EF_LEN];
    size_t got = 0;
    jpki_status st;

    if (number != NULL && cap > 0)
        number[0] = '\0';
    if (card == NULL || number == NULL || cap < JPKI_MY_NUMBER_LEN + 1)
        return JPKI_E_BAD_ARG;
    st = select_ef(card, JPKI_TEXT_EF_MY_NUMBER);
    if (st == JPKI_OK)
        st = read_current(card, buf, sizeof buf, &got);
    if (st != JPKI_OK)
        goto out;
    if (got < 3 + JPKI_MY_NUMBER_LEN || buf[0] != 0xFF || buf[1] != 0x10 ||
        buf[2] != JPKI_MY_NUMBER_LEN) {
        st = JPKI_E_MALFORMED;
        goto out;
    }
    for (size_t i = 0; i < JPKI_MY_NUMBER_LEN; i++) {
        if (buf[3 + i] < '0' || buf[3 + i] > '9') {
            st = JPKI_E_MALFORMED;
            goto out;
        }
    }
    memcpy(number, buf + 3, JPKI_MY_NUMBER_LEN);
    number[JPKI_MY_NUMBER_LEN] = '\0';

out:
    OPENSSL_cleanse(buf, sizeof buf);
    return st;
}

bool jpki_my_number_check_digit_ok(const char *number)
{
    unsigned sum = 0, r, check;

    if (number == NULL || strlen(number) != JPKI_MY_NUMBER_LEN)
        return false;
    for (size_t i = 0; i < JPKI_MY_NUMBER_LEN; i++) {
        if (number[i] < '0' || number[i] > '9')
            return false;
    }
    /* P_n is the n-th digit counted leftwards from the one before the check
     * digit; Q_n = n + 1 for n <= 6, n - 5 for n >= 7. */
    for (unsigned n = 1; n <= 11; n++) {
        unsigned p = (unsigned)(number[11 - n] - '0');
        unsigned q = n <= 6 ? n + 1 : n - 5;
        sum += p * q;
    }
    r = sum % 11;
    check = r <= 1 ? 0 : 11 - r;
    return (unsigned)(number[11] - '0') == check;
}
