/*
 * card.c: the JPKI application of the virtual card (protocol notes §3-§6,
 * emulator checklist §11). Pure logic: the socket side lives in vpcd.c.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "card.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "sw.h"

static const uint8_t jpki_aid[10] = {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};

enum ef_kind { EF_DATA, EF_KEY, EF_PIN };

int card_parse_apdu(const uint8_t *b, size_t len, struct apdu *a)
{
    memset(a, 0, sizeof(*a));
    if (len < 4)
        return -1;
    a->cla = b[0];
    a->ins = b[1];
    a->p1 = b[2];
    a->p2 = b[3];
    if (len == 4)
        return 0;
    if (len == 5) {
        a->has_le = true;
        a->le = b[4] ? b[4] : 256;
        return 0;
    }
    if (b[4] != 0) {
        a->lc = b[4];
        a->data = b + 5;
        if (len == 5 + a->lc)
            return 0;
        if (len == 6 + a->lc) {
            a->has_le = true;
            a->le = b[len - 1] ? b[len - 1] : 256;
            return 0;
        }
        return -1;
    }
    /* b[4] == 0 and more bytes follow: extended length. */
    a->extended = true;
    if (len == 7) {
        size_t le = (size_t)b[5] << 8 | b[6];
        a->has_le = true;
        a->le = le ? le : 65536;
        return 0;
    }
    a->lc = (size_t)b[5] << 8 | b[6];
    a->data = b + 7;
    if (a->lc == 0)
        return -1;
    if (len == 7 + a->lc)
        return 0;
    if (len == 9 + a->lc) {
        size_t le = (size_t)b[len - 2] << 8 | b[len - 1];
        a->has_le = true;
        a->le = le ? le : 65536;
        return 0;
    }
    return -1;
}

const char *card_token_name(const char *word)
{
    if (!word || strcmp(word, "card") == 0)
        return "JPKIAPICCTOKEN2";
    if (strcmp(word, "juki") == 0)
        return "JPKIAPICCTOKEN";
    if (strcmp(word, "android") == 0)
        return "JPKIAPGPSETOKEN";
    if (strcmp(word, "iphone") == 0)
        return "JPKIAPIOSTOKEN";
    return word;
}

static void put_padded(uint8_t *dst, size_t size, const char *s)
{
    size_t n = strlen(s);

    memset(dst, ' ', size);
    memcpy(dst, s, n < size ? n : size);
}

static void put_be32(uint8_t *dst, uint32_t v)
{
    dst[0] = (uint8_t)(v >> 24);
    dst[1] = (uint8_t)(v >> 16);
    dst[2] = (uint8_t)(v >> 8);
    dst[3] = (uint8_t)v;
}

/* EF 0006: token name, then CK_TOKEN_INFO with 32-bit big-endian ulongs
 * (layout from the protocol notes §3.2; values modelled on SOL's sample).
 * The serial comes from the auth certificate's serial: unique per state
 * directory and stable across restarts, on every token type. */
static void build_token_info(struct card *c)
{
    uint8_t *t = c->token_info;

    put_padded(t, 32, c->cfg.token_name[0] ? c->cfg.token_name : card_token_name(NULL));
    put_padded(t + 32, 32, "00000000000000000000000000000001");
    put_padded(t + 64, 16, "E16R01NJ");
    put_padded(t + 80, 16, c->pki ? c->pki->serial : "0000000000000000");
    put_be32(t + 96, 0x40D);           /* RNG|LOGIN_REQUIRED|USER_PIN_INIT|TOKEN_INIT */
    put_be32(t + 100, 0);              /* max sessions: effectively infinite */
    put_be32(t + 104, 0xFFFFFFFFu);    /* session count unavailable */
    put_be32(t + 108, 0);
    put_be32(t + 112, 0xFFFFFFFFu);
    put_be32(t + 116, 16);             /* max PIN length */
    put_be32(t + 120, 4);              /* min PIN length (auth PIN) */
    memset(t + 124, 0xFF, 16);         /* memory fields unavailable */
    memcpy(t + 140, "0301", 4);        /* hardware / firmware version, ASCII */
    put_padded(t + 144, 16, "");
}

void card_init(struct card *c, const struct card_config *cfg, const struct pki *pki,
               struct vcard_state *state)
{
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->pki = pki;
    c->state = state;
    build_token_info(c);
    c->token_info_len = cfg->token_info_len && cfg->token_info_len < CARD_TOKEN_INFO_LEN
                            ? cfg->token_info_len : CARD_TOKEN_INFO_LEN;
    /* Android's secure element guards the auth certificate with the auth
     * PIN (notes §3.1, C2); the iPhone's was read without one (S). */
    c->auth_cert_needs_pin = strcmp(cfg->token_name, card_token_name("android")) == 0;
    /* Byte 0 = sign cert, byte 1 = auth cert: 8F where present (SOL, one
     * card). No card without a sign cert was observed; 00 is the value
     * SOL's own test gives such a card, and a reader must take anything
     * but 8F as "absent" (8F is not a flag), which --ef0008 HEX can test. */
    c->ef0008[0] = cfg->no_sign_cert ? 0x00 : 0x8F;
    c->ef0008[1] = 0x8F;
    c->ef0008[2] = 0x00;
    if (cfg->ef0008_given)
        memcpy(c->ef0008, cfg->ef0008, sizeof(c->ef0008));
    /* Phones and Juki cards have no text-assistance AP. */
    text_ap_init(&c->text, state ? state->path : NULL, cfg->text_pin,
                 !cfg->token_name[0] || strcmp(cfg->token_name, "JPKIAPICCTOKEN2") == 0);
}

void card_reset(struct card *c)
{
    c->ap_selected = false;
    c->current_ef = 0;
    c->auth_verified = false;
    c->sign_verified = false;
    c->pending_len = c->pending_off = 0;
    text_ap_reset(&c->text);
}

static bool ef_exists(const struct card *c, uint16_t fid)
{
    switch (fid) {
    case 0x0001:
    case 0x001A:
        return !c->cfg.no_sign_cert;
    case 0x0008:
        return c->cfg.ef0008_mode != EF0008_ABSENT;
    case 0x0002: case 0x0006: case 0x000A: case 0x000B:
    case 0x0017: case 0x0018: case 0x001B:
        return true;
    default:
        return false;
    }
}

static enum ef_kind ef_kind(uint16_t fid)
{
    if (fid == 0x0017 || fid == 0x001A)
        return EF_KEY;
    if (fid == 0x0018 || fid == 0x001B)
        return EF_PIN;
    return EF_DATA;
}

static void ef_content(const struct card *c, uint16_t fid, const uint8_t **data, size_t *len)
{
    const struct der *d = NULL;

    *data = NULL;
    *len = 0;
    switch (fid) {
    case 0x0001: d = &c->pki->sign_cert; break;
    case 0x0002: d = &c->pki->sign_ca; break;
    case 0x000A: d = &c->pki->auth_cert; break;
    case 0x000B: d = &c->pki->auth_ca; break;
    case 0x0006:
        *data = c->token_info;
        *len = c->token_info_len;
        return;
    case 0x0008:
        *data = c->ef0008;
        *len = sizeof(c->ef0008);
        return;
    default:
        return;
    }
    if (c->pki) {
        *data = d->data;
        *len = d->len;
    }
}

static uint16_t do_select(struct card *c, const struct apdu *a)
{
    uint16_t fid;

    if (a->p2 != 0x0C && a->p2 != 0x00)
        return SW_WRONG_P1P2;
    switch (a->p1) {
    case 0x04:
        if (a->lc != sizeof(jpki_aid) || memcmp(a->data, jpki_aid, sizeof(jpki_aid)) != 0)
            return SW_NOT_FOUND;
        /* Re-selecting the AP is how OpenSC logs out: clear the state. */
        card_reset(c);
        c->ap_selected = true;
        return SW_OK;
    case 0x02:
        if (a->lc != 2)
            return SW_WRONG_LENGTH;
        fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
        if (!c->ap_selected || !ef_exists(c, fid))
            return SW_NOT_FOUND;
        c->current_ef = fid;
        return SW_OK;
    case 0x00:
        /* Real cards: SELECT MF is a no-op inside an AP, 6A86 outside. */
        if (a->lc == 0)
            return c->ap_selected ? SW_OK : SW_WRONG_P1P2;
        return SW_NOT_FOUND;
    default:
        return SW_WRONG_P1P2;
    }
}

static uint16_t do_read(struct card *c, const struct apdu *a, uint8_t *resp, size_t *n)
{
    const uint8_t *data;
    uint16_t fid;
    size_t offset, len, want;

    if (!a->has_le || a->lc)
        return SW_WRONG_LENGTH;
    if (a->p1 & 0x80) {
        if (a->p1 & 0x60)
            return SW_WRONG_P1P2;
        fid = a->p1 & 0x1F;
        offset = a->p2;
        if (!c->ap_selected || !ef_exists(c, fid))
            return SW_NOT_FOUND;
        c->current_ef = fid;     /* ISO: a READ by SFI makes that EF current */
    } else {
        if (!c->ap_selected || !c->current_ef)
            return SW_NO_CURRENT_EF;
        fid = c->current_ef;
        offset = (size_t)a->p1 << 8 | a->p2;
    }
    if (ef_kind(fid) != EF_DATA)
        return SW_FILE_STRUCTURE;
    if (fid == 0x0001 && !c->sign_verified)
        return SW_SECURITY;
    if (fid == 0x000A && c->auth_cert_needs_pin && !c->auth_verified)
        return SW_SECURITY;
    if (fid == 0x0008 && c->cfg.ef0008_mode == EF0008_UNREADABLE)
        return SW_SECURITY;
    ef_content(c, fid, &data, &len);
    if (offset >= len)
        return c->cfg.past_end_sw ? c->cfg.past_end_sw : SW_WRONG_OFFSET;
    want = a->le;
    if (want > len - offset)
        want = len - offset;
    if (c->cfg.max_read && want > c->cfg.max_read)
        want = c->cfg.max_read;
    memcpy(resp, data + offset, want);
    *n = want;
    return SW_OK;
}

struct pin_ref {
    uint16_t fid;
    const char *name;
    char *value;
    unsigned *tries;
    unsigned max;
    bool *verified;
};

/* Resolve P2 = 80 (current EF) or 80|SFI to a PIN; 0 or an SW. */
static uint16_t resolve_pin(struct card *c, uint8_t p2, struct pin_ref *r)
{
    uint16_t fid;

    if (p2 == 0x80) {
        if (!c->ap_selected || !c->current_ef)
            return SW_NO_CURRENT_EF;
        fid = c->current_ef;
        if (ef_kind(fid) != EF_PIN)
            return SW_NO_CURRENT_EF;
    } else if ((p2 & 0xE0) == 0x80) {
        /* A card that knows no short reference in P2: "incorrect P1-P2",
         * as the protocol notes expect (§4.1, §11). */
        if (c->cfg.no_sfi_verify)
            return SW_WRONG_P1P2;
        fid = p2 & 0x1F;
        if (!c->ap_selected || ef_kind(fid) != EF_PIN)
            return SW_NOT_FOUND;
    } else {
        return SW_WRONG_P1P2;
    }
    r->fid = fid;
    if (fid == 0x0018) {
        r->name = "auth";
        r->value = c->state->auth_pin;
        r->tries = &c->state->auth_tries;
        r->max = VCARD_AUTH_TRIES;
        r->verified = &c->auth_verified;
    } else {
        r->name = "sign";
        r->value = c->state->sign_pin;
        r->tries = &c->state->sign_tries;
        r->max = VCARD_SIGN_TRIES;
        r->verified = &c->sign_verified;
    }
    return 0;
}

static void persist(struct card *c)
{
    if (state_save(c->state))
        fprintf(stderr, "jpki-vcard: warning: PIN state not saved\n");
}

static uint16_t do_verify(struct card *c, const struct apdu *a)
{
    struct pin_ref r;
    uint16_t sw;

    if (a->p1 != 0x00)
        return SW_WRONG_P1P2;
    if ((sw = resolve_pin(c, a->p2, &r)))
        return sw;
    /* Empty VERIFY: retry counter query, nothing spent, even if verified. */
    if (a->lc == 0)
        return (uint16_t)(0x63C0 | *r.tries);
    if (*r.tries == 0)
        return SW_BLOCKED;
    if (a->lc > VCARD_PIN_MAX)
        return SW_WRONG_LENGTH;
    /* Byte-exact: a lowercase sign password is a wrong attempt. */
    if (a->lc == strlen(r.value) && memcmp(a->data, r.value, a->lc) == 0) {
        *r.tries = r.max;
        *r.verified = true;
        persist(c);
        return SW_OK;
    }
    (*r.tries)--;
    *r.verified = false;
    persist(c);
    return (uint16_t)(0x63C0 | *r.tries);
}

static uint16_t do_change(struct card *c, const struct apdu *a)
{
    struct pin_ref r;
    uint16_t sw;
    bool auth;

    if (a->p1 != 0x01)
        return SW_WRONG_P1P2;
    if ((sw = resolve_pin(c, a->p2, &r)))
        return sw;
    if (*r.tries == 0)
        return SW_BLOCKED;
    if (!*r.verified)
        return SW_SECURITY;
    auth = r.fid == 0x0018;
    if (auth ? a->lc != 4 : (a->lc < 6 || a->lc > VCARD_PIN_MAX))
        return SW_WRONG_LENGTH;
    memcpy(r.value, a->data, a->lc);
    r.value[a->lc] = '\0';
    persist(c);
    return SW_OK;
}

/* A signature longer than a short Le can carry (RSA-3072/4096) is sent in
 * parts: the first Le bytes (256 for Le=00) with 61xx, the rest through GET
 * RESPONSE. An extended command gets it whole when Le allows. A 256-byte
 * signature comes whole whatever the short Le, as it always has. */
static uint16_t respond_long(struct card *c, const struct apdu *a, const uint8_t *data,
                             size_t len, uint8_t *resp, size_t *n)
{
    size_t first = len, cap;
    size_t left;

    if (len > 256 || a->extended) {
        cap = a->has_le ? a->le : a->extended ? len : 256;
        if (first > cap)
            first = cap;
    }
    memcpy(resp, data, first);
    *n = first;
    left = len - first;
    if (!left)
        return SW_OK;
    memcpy(c->pending, data + first, left);
    c->pending_len = left;
    c->pending_off = 0;
    return (uint16_t)(SW_MORE_DATA | (left > 0xFF ? 0x00 : left));
}

/* GET RESPONSE (00 C0 00 00 Le): the next part of a long answer. */
static uint16_t do_get_response(struct card *c, const struct apdu *a, uint8_t *resp, size_t *n)
{
    size_t left = c->pending_len - c->pending_off, part;

    if (a->p1 || a->p2)
        return SW_WRONG_P1P2;
    if (!left)
        return SW_CONDITIONS;
    if (!a->has_le || a->lc)
        return SW_WRONG_LENGTH;
    part = a->le < left ? a->le : left;
    memcpy(resp, c->pending + c->pending_off, part);
    *n = part;
    c->pending_off += part;
    left -= part;
    if (!left) {
        c->pending_len = c->pending_off = 0;
        return SW_OK;
    }
    return (uint16_t)(SW_MORE_DATA | (left > 0xFF ? 0x00 : left));
}

static uint16_t do_sign(struct card *c, const struct apdu *a, uint8_t *resp, size_t *n)
{
    uint8_t sig[SIGN_MAX_LEN];
    size_t sig_len = 0;
    uint16_t fid, sw;
    bool auth;

    if (sign_check_mode(a->p1, true))
        return SW_WRONG_P1P2;
    if (a->p2 == 0x80) {
        if (!c->ap_selected || !c->current_ef || ef_kind(c->current_ef) != EF_KEY)
            return SW_NO_CURRENT_EF;
        fid = c->current_ef;
    } else if (a->p2 == 0x97 || a->p2 == 0x9A) {
        fid = a->p2 & 0x1F;
        if (!c->ap_selected || !ef_exists(c, fid))
            return SW_NOT_FOUND;
    } else {
        return SW_WRONG_P1P2;
    }
    auth = fid == 0x0017;
    if ((sw = sign_check_mode(a->p1, !(c->cfg.no_pss & (auth ? CARD_NO_PSS_AUTH
                                                             : CARD_NO_PSS_SIGN)))))
        return sw;
    if (!(auth ? c->auth_verified : c->sign_verified))
        return SW_SECURITY;
    sw = sign_compute(auth ? c->pki->auth_key : c->pki->sign_key, a->p1, a->data, a->lc,
                      c->cfg.pss_salt_given ? c->cfg.pss_salt_len : SIGN_PSS_SALT_DEFAULT,
                      sig, &sig_len);
    if (sw != SW_OK)
        return sw;
    return respond_long(c, a, sig, sig_len, resp, n);
}

static uint16_t do_challenge(const struct apdu *a, uint8_t *resp, size_t *n)
{
    if (a->p1 || a->p2)
        return SW_WRONG_P1P2;
    if (a->extended)
        return SW_CONDITIONS;
    if (!a->has_le || a->lc)
        return SW_WRONG_LENGTH;
    if (RAND_bytes(resp, (int)a->le) != 1)
        return SW_UNKNOWN;
    *n = a->le;
    return SW_OK;
}

static uint16_t dispatch(struct card *c, const uint8_t *buf, size_t len, uint8_t *resp,
                         size_t *n)
{
    struct apdu a;

    if (len >= 1) {
        uint8_t cla = buf[0];
        if (cla == 0xFF)
            return SW_BAD_CLA;
        if ((cla & 0x40) || (cla & 0x03))
            return SW_LOGICAL_CHANNEL;
        if (cla & 0x0C)
            return SW_SM;
        if (cla & 0x10)
            return SW_CHAINING;
    }
    if (card_parse_apdu(buf, len, &a))
        return SW_WRONG_LENGTH;
    if (a.extended && !c->cfg.extended)
        return SW_WRONG_LENGTH;
    /* GET RESPONSE must come right after the answer it continues. */
    if (a.ins == 0xC0 && a.cla == 0x00 && c->pending_len)
        return do_get_response(c, &a, resp, n);
    c->pending_len = c->pending_off = 0;
    {
        uint16_t text_sw = 0;
        if (text_ap_process(c, &a, resp, n, &text_sw))
            return text_sw;
    }
    switch (a.ins) {
    case 0xA4: return do_select(c, &a);
    case 0xB0: return do_read(c, &a, resp, n);
    case 0x20: return do_verify(c, &a);
    case 0x24: return do_change(c, &a);
    case 0x2A: return do_sign(c, &a, resp, n);
    case 0x84: return do_challenge(&a, resp, n);
    case 0xC0: return do_get_response(c, &a, resp, n);
    default: return SW_BAD_INS;
    }
}

void card_process(struct card *c, const uint8_t *apdu, size_t len, uint8_t *resp,
                  size_t *resp_len)
{
    size_t n = 0;
    uint16_t sw = dispatch(c, apdu, len, resp, &n);

    if (sw != SW_OK && (sw & 0xFF00) != SW_MORE_DATA)
        n = 0;
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    *resp_len = n + 2;
}
