/*
 * text_ap.c: the text-assistance AP of the virtual card (protocol notes §8;
 * byte layouts as SOL documents them). Only what jpki-tool and tests need:
 * SELECT, READ BINARY of EF 0001/0002, VERIFY of EF 0011. The integrity
 * record (EF 0003) and the AP certificate (EF 0004) are not emulated.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "text_ap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

static const uint8_t text_aid[10] = {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};

enum {
    TSW_OK = 0x9000,
    TSW_WRONG_LENGTH = 0x6700,
    TSW_FILE_STRUCTURE = 0x6981,
    TSW_SECURITY = 0x6982,
    TSW_BLOCKED = 0x6984,
    TSW_NO_CURRENT_EF = 0x6986,
    TSW_NOT_FOUND = 0x6A82,
    TSW_WRONG_P1P2 = 0x6A86,
    TSW_WRONG_OFFSET = 0x6B00,
    TSW_BAD_INS = 0x6D00,
};

enum { EF_NUMBER = 0x0001, EF_BASIC = 0x0002, EF_PIN = 0x0011 };

/* The fake holder: the same person as the sign certificate's SAN (pki.c). */
static const char holder_name[] = "試験　花子";
static const char holder_address[] = "東京都清瀬市上清戸一丁目１番１号";
static const char holder_birth[] = "19850415";
static const char holder_sex[] = "2";
/* Eleven made-up digits; the twelfth is computed as the real check digit. */
static const char number_body[] = "12345678901";

static char check_digit(const char *d11)
{
    unsigned sum = 0, r;

    /* P_n counted leftwards from the 11th digit; Q_n = n+1 (n<=6), n-5. */
    for (unsigned n = 1; n <= 11; n++)
        sum += (unsigned)(d11[11 - n] - '0') * (n <= 6 ? n + 1 : n - 5);
    r = sum % 11;
    return (char)('0' + (r <= 1 ? 0 : 11 - r));
}

static size_t put_tlv(uint8_t *p, uint8_t tag2, const void *v, size_t len)
{
    p[0] = 0xDF;
    p[1] = tag2;
    p[2] = (uint8_t)len;
    memcpy(p + 3, v, len);
    return 3 + len;
}

/* FF 20 L { DF21 08 <offsets of DF22..DF25 from the start of the EF>,
 * DF22 name, DF23 address, DF24 birth date, DF25 sex }. All values here
 * are short enough for one-byte lengths (< 128 inside). */
static void build_basic(struct text_ap *t)
{
    uint8_t *p = t->basic_ef;
    size_t pos = 3 + 3 + 8, off[4];

    off[0] = pos;
    pos += put_tlv(p + pos, 0x22, holder_name, strlen(holder_name));
    off[1] = pos;
    pos += put_tlv(p + pos, 0x23, holder_address, strlen(holder_address));
    off[2] = pos;
    pos += put_tlv(p + pos, 0x24, holder_birth, strlen(holder_birth));
    off[3] = pos;
    pos += put_tlv(p + pos, 0x25, holder_sex, strlen(holder_sex));
    p[0] = 0xFF;
    p[1] = 0x20;
    p[2] = (uint8_t)(pos - 3);
    p[3] = 0xDF;
    p[4] = 0x21;
    p[5] = 0x08;
    for (int i = 0; i < 4; i++) {
        p[6 + 2 * i] = (uint8_t)(off[i] >> 8);
        p[7 + 2 * i] = (uint8_t)off[i];
    }
    t->basic_len = pos;
}

static void build_number(struct text_ap *t)
{
    t->number_ef[0] = 0xFF;
    t->number_ef[1] = 0x10;
    t->number_ef[2] = 0x0C;
    memcpy(t->number_ef + 3, number_body, 11);
    t->number_ef[14] = (uint8_t)check_digit(number_body);
    t->number_ef[15] = 0xFF;   /* filler, as on real cards */
    t->number_ef[16] = 0xFF;
}

static void save(const struct text_ap *t)
{
    char tmp[sizeof(t->path) + 8];
    FILE *f;

    if (!t->path[0])
        return;
    snprintf(tmp, sizeof(tmp), "%s.tmp", t->path);
    f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "jpki-vcard: %s: %s\n", tmp, strerror(errno));
        return;
    }
    fprintf(f, "# jpki-vcard text-assistance AP PIN state (test card only)\n"
               "text_pin=%s\ntext_tries=%u\n", t->pin, t->tries);
    if (fclose(f) != 0 || rename(tmp, t->path) != 0)
        fprintf(stderr, "jpki-vcard: saving %s: %s\n", t->path, strerror(errno));
}

/* Reads DIR/text-pins; a missing or malformed file keeps the defaults. */
static void load(struct text_ap *t)
{
    char line[128];
    FILE *f = fopen(t->path, "r");

    if (!f) {
        save(t);
        return;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "text_pin=", 9) == 0 && strlen(line + 9) == TEXT_AP_PIN_LEN)
            memcpy(t->pin, line + 9, TEXT_AP_PIN_LEN + 1);
        else if (strncmp(line, "text_tries=", 11) == 0) {
            unsigned long v = strtoul(line + 11, NULL, 10);
            t->tries = v <= TEXT_AP_TRIES ? (unsigned)v : TEXT_AP_TRIES;
        }
    }
    fclose(f);
}

void text_ap_init(struct text_ap *t, const char *pins_path, const char *pin, bool present)
{
    const char *slash;

    memset(t, 0, sizeof(*t));
    t->present = present;
    if (!present)
        return;
    snprintf(t->pin, sizeof(t->pin), "%s",
             pin && strlen(pin) == TEXT_AP_PIN_LEN ? pin : "1234");
    t->tries = TEXT_AP_TRIES;
    build_basic(t);
    build_number(t);
    if (pins_path && pins_path[0]) {
        slash = strrchr(pins_path, '/');
        int dir_len = slash ? (int)(slash - pins_path) : 1;
        const char *dir = slash ? pins_path : ".";
        if ((size_t)snprintf(t->path, sizeof(t->path), "%.*s/text-pins", dir_len, dir) >=
            sizeof(t->path))
            t->path[0] = '\0';
        else
            load(t);
    }
}

void text_ap_reset(struct text_ap *t)
{
    t->selected = false;
    t->current_ef = 0;
    t->verified = false;
}

static bool ef_exists(uint16_t fid)
{
    return fid == EF_NUMBER || fid == EF_BASIC || fid == EF_PIN;
}

static uint16_t do_select_ef(struct text_ap *t, const struct apdu *a)
{
    uint16_t fid;

    if (a->p1 != 0x02 || (a->p2 != 0x0C && a->p2 != 0x00))
        return TSW_WRONG_P1P2;
    if (a->lc != 2)
        return TSW_WRONG_LENGTH;
    fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
    if (!ef_exists(fid))
        return TSW_NOT_FOUND;
    t->current_ef = fid;
    return TSW_OK;
}

static uint16_t do_read(struct text_ap *t, const struct apdu *a, uint8_t *resp, size_t *n)
{
    const uint8_t *data;
    size_t len, offset, want;
    uint16_t fid;

    if (!a->has_le || a->lc)
        return TSW_WRONG_LENGTH;
    if (a->p1 & 0x80) {
        fid = a->p1 & 0x1F;
        offset = a->p2;
        if (!ef_exists(fid))
            return TSW_NOT_FOUND;
        t->current_ef = fid;
    } else {
        if (!t->current_ef)
            return TSW_NO_CURRENT_EF;
        fid = t->current_ef;
        offset = (size_t)a->p1 << 8 | a->p2;
    }
    if (fid == EF_PIN)
        return TSW_FILE_STRUCTURE;
    if (!t->verified)
        return TSW_SECURITY;
    data = fid == EF_NUMBER ? t->number_ef : t->basic_ef;
    len = fid == EF_NUMBER ? sizeof(t->number_ef) : t->basic_len;
    if (offset >= len)
        return TSW_WRONG_OFFSET;
    want = a->le < len - offset ? a->le : len - offset;
    memcpy(resp, data + offset, want);
    *n = want;
    return TSW_OK;
}

static uint16_t do_verify(struct text_ap *t, const struct apdu *a)
{
    if (a->p1 != 0x00)
        return TSW_WRONG_P1P2;
    if (a->p2 == 0x80) {
        if (t->current_ef != EF_PIN)
            return TSW_NO_CURRENT_EF;
    } else if (a->p2 != (0x80 | EF_PIN)) {
        return TSW_WRONG_P1P2;
    }
    if (a->lc == 0)
        return (uint16_t)(0x63C0 | t->tries);
    if (t->tries == 0)
        return TSW_BLOCKED;
    if (a->lc > 16)
        return TSW_WRONG_LENGTH;
    if (a->lc == TEXT_AP_PIN_LEN && memcmp(a->data, t->pin, TEXT_AP_PIN_LEN) == 0) {
        t->tries = TEXT_AP_TRIES;
        t->verified = true;
        save(t);
        return TSW_OK;
    }
    t->tries--;
    t->verified = false;
    save(t);
    return (uint16_t)(0x63C0 | t->tries);
}

bool text_ap_process(struct card *c, const struct apdu *a, uint8_t *resp, size_t *n,
                     uint16_t *sw)
{
    struct text_ap *t = &c->text;

    if (!t->present)
        return false;
    if (a->ins == 0xA4 && a->p1 == 0x04) {
        if (a->lc == sizeof(text_aid) && memcmp(a->data, text_aid, sizeof(text_aid)) == 0) {
            card_reset(c);   /* leaves the JPKI AP: its PIN state is gone */
            t->selected = true;
            *sw = TSW_OK;
            return true;
        }
        /* Another AID: this AP is left whatever the JPKI side answers. */
        text_ap_reset(t);
        return false;
    }
    if (!t->selected)
        return false;
    switch (a->ins) {
    case 0xA4: *sw = do_select_ef(t, a); break;
    case 0xB0: *sw = do_read(t, a, resp, n); break;
    case 0x20: *sw = do_verify(t, a); break;
    default: *sw = TSW_BAD_INS; break;
    }
    return true;
}
