/*
 * jpki.c: the JPKI application on one card (jpki-protocol.md §3, §4).
 * Every byte sequence here comes from §4.1 of the protocol notes; lengths
 * the card reports are checked before they size anything.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "jpki.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apdu.h"
#include "log.h"

#define SHORT_LE_MAX 256
#define OFFSET_MAX 0x7FFF   /* READ BINARY: 15-bit offset in P1-P2 */

void jpki_card_init(jpki_card *card, jpki_transport *t)
{
    memset(card, 0, sizeof *card);
    card->transport = t;
    card->profile = jpki_profile_default();
    card->max_read = SHORT_LE_MAX;
}

const jpki_card_profile *jpki_card_profile_of(const jpki_card *card)
{
    return card != NULL && card->profile != NULL ? card->profile : jpki_profile_default();
}

void jpki_card_set_profile(jpki_card *card, const jpki_card_profile *profile)
{
    if (card != NULL)
        card->profile = profile != NULL ? profile : jpki_profile_default();
}

void jpki_card_forget_selection(jpki_card *card)
{
    card->ap_selected = false;
    card->current_ef = 0;
    card->verified[JPKI_ROLE_AUTH] = false;
    card->verified[JPKI_ROLE_SIGN] = false;
}

/* Statuses after which nothing we knew about the card's state holds. */
static bool status_loses_state(jpki_status st)
{
    switch (st) {
    case JPKI_E_NO_CARD:
    case JPKI_E_CARD_RESET:
    case JPKI_E_NO_READER:
    case JPKI_E_NO_SERVICE:
    case JPKI_E_COMM:
        return true;
    default:
        return false;
    }
}

/* Sends one command; a transport failure also forgets the card's state so
 * that nothing is skipped (SELECT) or assumed (VERIFY) on the next card. */
/* Status of a command that is not a VERIFY. A PIN status word (63 Cx, 69 83,
 * 69 84) only means something as the answer to a VERIFY: from SELECT, READ
 * or SIGN it is a broken card, never a spent or blocked PIN. */
static jpki_status command_status(uint16_t sw)
{
    jpki_status st = jpki_status_from_sw(sw, NULL);
    if (st == JPKI_E_PIN_INCORRECT || st == JPKI_E_PIN_LOCKED)
        return JPKI_E_CARD_ERROR;
    return st;
}

jpki_status jpki_card_transmit(jpki_card *card, const jpki_apdu *cmd, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len, uint16_t *sw)
{
    jpki_status st;

    if (card == NULL || card->transport == NULL)
        return JPKI_E_BAD_ARG;
    st = jpki_apdu_transmit(card->transport, cmd, resp, resp_cap, resp_len, sw,
                            &card->apdu_count);
    if (status_loses_state(st))
        jpki_card_forget_selection(card);
    return st;
}

jpki_status jpki_card_begin(jpki_card *card, bool *was_reset)
{
    jpki_status st;

    if (was_reset)
        *was_reset = false;
    if (card == NULL || card->transport == NULL)
        return JPKI_E_BAD_ARG;
    st = card->transport->ops->begin(card->transport);
    if (st == JPKI_E_CARD_RESET) {
        /* The transport reconnected and holds the transaction; only the
         * card's selection and PIN state are gone. */
        jpki_log(JPKI_LOG_CALL, "card was reset by another program");
        jpki_card_forget_selection(card);
        if (was_reset)
            *was_reset = true;
        return JPKI_OK;
    }
    if (st != JPKI_OK)
        jpki_card_forget_selection(card);
    else
        card->current_ef = 0;  /* another program may have moved it since our last transaction */
    return st;
}

bool jpki_card_verified(const jpki_card *card, jpki_role role)
{
    return (role == JPKI_ROLE_AUTH || role == JPKI_ROLE_SIGN) && card->verified[role];
}

void jpki_card_end(jpki_card *card)
{
    if (card && card->transport)
        card->transport->ops->end(card->transport);
}

jpki_status jpki_card_select_aid(jpki_card *card, const uint8_t *aid, size_t aid_len,
                                 uint16_t *sw)
{
    jpki_apdu cmd = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C,
                      .data = aid, .data_len = aid_len };

    if (card == NULL || aid == NULL || aid_len == 0 || sw == NULL)
        return JPKI_E_BAD_ARG;
    /* Selecting an application probably drops the PIN state (protocol
     * §6.3), and whatever the answer, our AP may no longer be current. */
    jpki_card_forget_selection(card);
    return jpki_card_transmit(card, &cmd, NULL, 0, NULL, sw);
}

jpki_status jpki_card_select_fid(jpki_card *card, uint16_t fid, uint16_t *sw)
{
    uint8_t fid_bytes[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
    jpki_apdu cmd = { .cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C,
                      .data = fid_bytes, .data_len = sizeof fid_bytes };

    if (card == NULL || sw == NULL)
        return JPKI_E_BAD_ARG;
    return jpki_card_transmit(card, &cmd, NULL, 0, NULL, sw);
}

jpki_status jpki_select_ap(jpki_card *card)
{
    uint16_t sw = 0;
    const jpki_card_profile *p = jpki_card_profile_of(card);
    jpki_status st = jpki_card_select_aid(card, p->aid, p->aid_len, &sw);
    if (st != JPKI_OK)
        return st;
    if (sw != 0x9000) {
        jpki_log(JPKI_LOG_CALL, "SELECT JPKI AP: SW %04X, not a JPKI card", sw);
        return JPKI_E_NOT_JPKI;
    }
    card->ap_selected = true;
    return JPKI_OK;
}

static jpki_status ensure_ap(jpki_card *card)
{
    return card->ap_selected ? JPKI_OK : jpki_select_ap(card);
}

/* The short EF identifier forms (protocol notes §4.1) name the EF in P1 or
 * P2 and save the SELECT EF. Every EF of the AP has SFI = its FID. A form
 * the card refused is not tried again on this card. */
static bool sfi_usable(const jpki_card *card, jpki_sfi_form form, uint16_t fid)
{
    return card->sfi[form] != JPKI_SFI_REFUSED && fid >= 0x0001 && fid <= 0x001E;
}

static const char *sfi_form_name(jpki_sfi_form form)
{
    switch (form) {
    case JPKI_SFI_READ:
        return "READ BINARY";
    case JPKI_SFI_SIGN:
        return "COMPUTE DIGITAL SIGNATURE";
    default:
        return "VERIFY";
    }
}

/* The answers by which a card may say it does not know an SFI form: wrong
 * P1-P2 (6A86, what the notes expect for VERIFY by SFI) or referenced data
 * not found (6A88, ISO's answer to an unknown reference in P2), among
 * others. The SFI forms are C2-C3 in the notes, not universal: design for a
 * card without them. */
static bool sw_sfi_refused(uint16_t sw)
{
    return sw == 0x6A86 || sw == 0x6A88 || sw == 0x6A82 || sw == 0x6D00 || sw == 0x6E00 ||
           sw == 0x6700 || sw == 0x6986;
}

static void note_sfi_taken(jpki_card *card, jpki_sfi_form form)
{
    if (card->sfi[form] == JPKI_SFI_UNTRIED)
        card->sfi[form] = JPKI_SFI_TAKEN;
}

/* The SFI form was refused with sw_sfi and the SELECT EF + current-EF form
 * then answered sw_current. Only when the old form got past what stopped
 * the SFI form is the card known to lack that SFI form (a missing EF, say,
 * answers 6A82 both ways and teaches nothing). The other forms keep what
 * is known of them. */
static void note_sfi_refused(jpki_card *card, jpki_sfi_form form, uint16_t sw_sfi,
                             uint16_t sw_current)
{
    if (card->sfi[form] == JPKI_SFI_REFUSED || sw_sfi_refused(sw_current))
        return;
    jpki_log(JPKI_LOG_CALL, "%s by SFI refused (SW %04X): SELECT EF from now on",
             sfi_form_name(form), sw_sfi);
    card->sfi[form] = JPKI_SFI_REFUSED;
}

jpki_status jpki_select_ef(jpki_card *card, uint16_t fid)
{
    uint16_t sw = 0;
    jpki_status st;

    if (card == NULL || fid == 0)
        return JPKI_E_BAD_ARG;
    st = ensure_ap(card);
    if (st != JPKI_OK)
        return st;
    if (card->current_ef == fid)
        return JPKI_OK;
    card->current_ef = 0;
    st = jpki_card_select_fid(card, fid, &sw);
    if (st != JPKI_OK)
        return st;
    if (sw != 0x9000)
        return command_status(sw);
    card->current_ef = fid;
    return JPKI_OK;
}

/* Le for a chunk of n bytes: short unless the card may use extended Le. */
static size_t chunk_limit(const jpki_card *card)
{
    size_t lim = card->max_read ? card->max_read : SHORT_LE_MAX;
    if (!card->extended_le && lim > SHORT_LE_MAX)
        lim = SHORT_LE_MAX;
    if (lim > 65536)
        lim = 65536;
    return lim;
}

/* One READ BINARY with the given P1 P2. Returns the card's status word
 * mapped (JPKI_E_END_OF_FILE included) and the raw SW in *sw_out (0 after a
 * transport failure); data longer than asked is JPKI_E_MALFORMED (apdu.c
 * refuses more than Le). 62 82 with data is a short last chunk. */
static jpki_status read_cmd(jpki_card *card, uint8_t p1, uint8_t p2, uint8_t *buf, size_t n,
                            size_t *got, uint16_t *sw_out)
{
    jpki_apdu cmd = { .cla = 0x00, .ins = 0xB0, .p1 = p1, .p2 = p2, .le = n };
    uint16_t sw = 0;
    jpki_status st;

    *got = 0;
    *sw_out = 0;
    if (n == 0)
        return JPKI_E_BAD_ARG;
    st = jpki_card_transmit(card, &cmd, buf, n, got, &sw);
    *sw_out = sw;
    if (st != JPKI_OK)
        return st;
    if (sw == 0x9000 || (sw == 0x6282 && *got > 0))
        return JPKI_OK;
    *got = 0;
    return command_status(sw);
}

/* One READ BINARY of at most n bytes at offset of the current EF. */
static jpki_status read_chunk(jpki_card *card, size_t offset, uint8_t *buf, size_t n,
                              size_t *got)
{
    uint16_t sw = 0;

    *got = 0;
    if (offset > OFFSET_MAX || n == 0)
        return JPKI_E_BAD_ARG;
    return read_cmd(card, (uint8_t)((offset >> 8) & 0x7F), (uint8_t)(offset & 0xFF), buf, n,
                    got, &sw);
}

/* The first READ BINARY of EF fid at offset: when the EF is not current
 * and the offset fits P2, by SFI (which makes the EF current, ISO 7816-4);
 * otherwise, or when the card refuses that form, SELECT EF + current-EF
 * read. */
static jpki_status read_first(jpki_card *card, uint16_t fid, size_t offset, uint8_t *buf,
                              size_t n, size_t *got)
{
    uint16_t sw = 0, sw2 = 0;
    jpki_status st;

    *got = 0;
    st = ensure_ap(card);
    if (st != JPKI_OK)
        return st;
    if (card->current_ef == fid || !sfi_usable(card, JPKI_SFI_READ, fid) || offset > 0xFF) {
        st = jpki_select_ef(card, fid);
        return st == JPKI_OK ? read_chunk(card, offset, buf, n, got) : st;
    }
    card->current_ef = 0;
    st = read_cmd(card, (uint8_t)(0x80 | fid), (uint8_t)offset, buf, n, got, &sw);
    if (st == JPKI_OK) {
        card->current_ef = fid;
        note_sfi_taken(card, JPKI_SFI_READ);
    }
    /* An answer about the file (or no answer), not about the form: also a
     * missing EF (6A 82) on a card that already took READ by SFI. */
    if (sw == 0 || !sw_sfi_refused(sw) ||
        (sw == 0x6A82 && card->sfi[JPKI_SFI_READ] == JPKI_SFI_TAKEN))
        return st;
    st = jpki_select_ef(card, fid);
    if (st != JPKI_OK)
        return st;
    st = read_cmd(card, (uint8_t)((offset >> 8) & 0x7F), (uint8_t)(offset & 0xFF), buf, n, got,
                  &sw2);
    if (sw2 != 0)
        note_sfi_refused(card, JPKI_SFI_READ, sw, sw2);
    return st;
}

jpki_status jpki_read_binary(jpki_card *card, uint16_t fid, size_t offset, uint8_t *buf,
                             size_t len, size_t *got)
{
    size_t done = 0, n = 0;
    jpki_status st;

    if (got)
        *got = 0;
    if (card == NULL || got == NULL || (len > 0 && buf == NULL) || fid == 0)
        return JPKI_E_BAD_ARG;
    if (offset > OFFSET_MAX)
        return JPKI_E_BAD_ARG;
    if (len == 0)
        return jpki_select_ef(card, fid);
    while (done < len) {
        size_t want = len - done;
        if (want > chunk_limit(card))
            want = chunk_limit(card);
        if (done == 0)
            st = read_first(card, fid, offset, buf, want, &n);
        else
            st = read_chunk(card, offset + done, buf + done, want, &n);
        if (st == JPKI_E_END_OF_FILE && done > 0) {
            st = JPKI_OK;
            break;
        }
        if (st != JPKI_OK)
            break;
        if (n == 0)
            break;  /* end of the EF */
        done += n;
    }
    *got = done;
    return st;
}

/* Length of the DER SEQUENCE a certificate EF starts with: header bytes
 * plus content. Only the forms a certificate can have (<= 64 KiB). */
static jpki_status der_total_len(const uint8_t h[4], size_t *total)
{
    size_t hdr, len;

    if (h[0] != 0x30)
        return JPKI_E_MALFORMED;
    if (h[1] < 0x80) {
        hdr = 2;
        len = h[1];
    } else if (h[1] == 0x81) {
        hdr = 3;
        len = h[2];
    } else if (h[1] == 0x82) {
        hdr = 4;
        len = (size_t)h[2] << 8 | h[3];
    } else {
        return JPKI_E_MALFORMED;   /* 30 80 (indefinite) or 30 83+: not a card certificate */
    }
    *total = hdr + len;
    return *total > JPKI_CERT_MAX ? JPKI_E_MALFORMED : JPKI_OK;
}

/* The first len bytes (at most JPKI_CERT_HEAD_LEN) of a certificate EF
 * into head: its DER header must announce a certificate we accept. */
static jpki_status read_head(jpki_card *card, uint16_t fid, uint8_t *head, size_t len,
                             size_t *n)
{
    size_t total = 0;
    jpki_status st = read_first(card, fid, 0, head, len, n);

    if (st == JPKI_E_END_OF_FILE)
        st = JPKI_E_MALFORMED;
    if (st == JPKI_OK && *n < 4)
        st = JPKI_E_MALFORMED;
    if (st == JPKI_OK) {
        st = der_total_len(head, &total);
        if (st != JPKI_OK)
            jpki_log(JPKI_LOG_ERROR, "EF %04X: not a certificate (%02X %02X %02X %02X)", fid,
                     head[0], head[1], head[2], head[3]);
    }
    if (st != JPKI_OK)
        *n = 0;
    return st;
}

jpki_status jpki_read_cert_head(jpki_card *card, uint16_t fid, size_t len)
{
    size_t n = 0;
    jpki_status st;

    if (card == NULL || fid == 0 || fid == JPKI_EF_SIGN_CERT || len < 4 ||
        len > JPKI_CERT_HEAD_LEN)
        return JPKI_E_BAD_ARG;
    card->head_fid = 0;
    card->head_len = 0;
    st = read_head(card, fid, card->head, len, &n);
    if (st == JPKI_OK) {
        card->head_fid = fid;
        card->head_len = n;
    }
    return st;
}

/* Reads bytes [done, total) of EF fid into buf (done >= 1). When the EF is
 * not current (a new transaction), the first of these reads goes by SFI at
 * an offset that P2 can hold (at most 255) and reads at least the last
 * byte already held again, which must not have changed. */
static jpki_status read_rest(jpki_card *card, uint16_t fid, uint8_t *buf, size_t done,
                             size_t total)
{
    size_t n = 0;
    jpki_status st = JPKI_OK;

    if (done < total && card->current_ef != fid) {
        size_t off = done > 0xFF ? 0xFF : done - 1;
        size_t want = total - off;
        uint8_t first[SHORT_LE_MAX];
        if (want > SHORT_LE_MAX)
            want = SHORT_LE_MAX;
        st = read_first(card, fid, off, first, want, &n);
        if (st == JPKI_E_END_OF_FILE || (st == JPKI_OK && n <= done - off))
            st = JPKI_E_MALFORMED;
        if (st == JPKI_OK && memcmp(first, buf + off, done - off) != 0)
            st = JPKI_E_MALFORMED;   /* another card, or the EF changed under us */
        if (st == JPKI_OK) {
            memcpy(buf + done, first + (done - off), n - (done - off));
            done = off + n;
        }
        OPENSSL_cleanse(first, sizeof first);
    }
    while (st == JPKI_OK && done < total) {
        size_t want = total - done;
        if (want > chunk_limit(card))
            want = chunk_limit(card);
        st = read_chunk(card, done, buf + done, want, &n);
        /* The EF ending before the DER does is a broken (or hostile) card. */
        if (st == JPKI_E_END_OF_FILE || (st == JPKI_OK && n == 0))
            st = JPKI_E_MALFORMED;
        done += n;
    }
    return st;
}

jpki_status jpki_extend_cert_head(jpki_card *card)
{
    size_t total = 0;
    if (card == NULL || card->head_fid == 0 || card->head_len < 4)
        return JPKI_E_BAD_ARG;
    jpki_status st = der_total_len(card->head, &total);
    if (st != JPKI_OK)
        return st;
    if (total > JPKI_CERT_HEAD_LEN)
        total = JPKI_CERT_HEAD_LEN;
    if (card->head_len >= total)
        return JPKI_OK;
    st = read_rest(card, card->head_fid, card->head, card->head_len, total);
    if (st == JPKI_OK)
        card->head_len = total;
    return st;
}

jpki_status jpki_read_certificate(jpki_card *card, uint16_t fid, uint8_t **der, size_t *der_len)
{
    uint8_t head[JPKI_CERT_HEAD_LEN];
    uint8_t *buf = NULL;
    size_t total = 0, n = 0;
    jpki_status st;

    if (der)
        *der = NULL;
    if (der_len)
        *der_len = 0;
    if (card == NULL || der == NULL || der_len == NULL || fid == 0)
        return JPKI_E_BAD_ARG;
    if (card->head_fid == fid && card->head_len >= 4) {
        n = card->head_len;
        memcpy(head, card->head, n);
        st = JPKI_OK;
    } else {
        st = read_head(card, fid, head, JPKI_CERT_HEAD_LEN, &n);
    }
    if (st != JPKI_OK)
        goto out;
    st = der_total_len(head, &total);
    if (st != JPKI_OK)
        goto out;
    buf = malloc(total);
    if (buf == NULL) {
        st = JPKI_E_NO_MEMORY;
        goto out;
    }
    /* An EF longer than its DER (padding) is fine: the DER ends the data. */
    memcpy(buf, head, n < total ? n : total);
    st = read_rest(card, fid, buf, n < total ? n : total, total);
    if (st != JPKI_OK)
        goto out;
    *der = buf;
    *der_len = total;
    buf = NULL;

out:
    if (buf) {
        OPENSSL_cleanse(buf, total);   /* the sign certificate is personal data */
        free(buf);
    }
    OPENSSL_cleanse(head, sizeof head);
    return st;
}

/* One DER element at *p (bounded by end): its tag, the start of its
 * content and the content length. JPKI_E_END_OF_FILE when the header or
 * the content runs past end, JPKI_E_MALFORMED for forms a certificate
 * cannot have. */
static jpki_status der_element(const uint8_t *p, const uint8_t *end, uint8_t *tag,
                               const uint8_t **content, size_t *len)
{
    size_t avail = (size_t)(end - p), hdr = 2, l;

    if (avail < 2)
        return JPKI_E_END_OF_FILE;
    *tag = p[0];
    if ((p[0] & 0x1F) == 0x1F)
        return JPKI_E_MALFORMED;     /* multi-byte tags: none in a certificate */
    if (p[1] < 0x80) {
        l = p[1];
    } else if (p[1] == 0x81 || p[1] == 0x82) {
        hdr = p[1] == 0x81 ? 3 : 4;
        if (avail < hdr)
            return JPKI_E_END_OF_FILE;
        l = p[1] == 0x81 ? p[2] : ((size_t)p[2] << 8 | p[3]);
    } else {
        return JPKI_E_MALFORMED;
    }
    *content = p + hdr;
    *len = l;
    return l > avail - hdr ? JPKI_E_END_OF_FILE : JPKI_OK;
}

jpki_status jpki_cert_issuer_serial(const uint8_t *der, size_t len, const uint8_t **serial,
                                    size_t *serial_len, const uint8_t **issuer,
                                    size_t *issuer_len)
{
    const uint8_t *end, *p, *c = NULL;
    uint8_t tag = 0;
    size_t l = 0;
    jpki_status st;

    if (der == NULL || serial == NULL || serial_len == NULL || issuer == NULL ||
        issuer_len == NULL)
        return JPKI_E_BAD_ARG;
    end = der + len;
    /* Certificate and TBSCertificate: only their headers need be inside. */
    for (int i = 0; i < 2; i++) {
        c = NULL;
        st = der_element(der, end, &tag, &c, &l);
        if (st == JPKI_E_MALFORMED)
            return st;
        if (c == NULL)
            return JPKI_E_END_OF_FILE;
        if (tag != 0x30)
            return JPKI_E_MALFORMED;
        if ((size_t)(end - c) > l)
            end = c + l;
        der = c;
    }
    p = der;
    c = NULL;
    st = der_element(p, end, &tag, &c, &l);
    if (st == JPKI_OK && tag == 0xA0) {          /* [0] EXPLICIT version */
        p = c + l;
        c = NULL;
        st = der_element(p, end, &tag, &c, &l);
    }
    /* A header we could read that is no serial is malformed, even if its
     * content runs past what we have. */
    if (st == JPKI_E_MALFORMED ||
        (c != NULL && (tag != 0x02 || l == 0 || l > 21)))   /* RFC 5280: <= 20 octets */
        return JPKI_E_MALFORMED;
    if (st != JPKI_OK)
        return st;
    *serial = p;
    *serial_len = (size_t)(c + l - p);
    p = c + l;
    st = der_element(p, end, &tag, &c, &l);     /* signature AlgorithmIdentifier */
    if (st != JPKI_OK)
        return st;
    if (tag != 0x30)
        return JPKI_E_MALFORMED;
    p = c + l;
    st = der_element(p, end, &tag, &c, &l);     /* issuer Name */
    if (st != JPKI_OK)
        return st;
    if (tag != 0x30 || l == 0)
        return JPKI_E_MALFORMED;
    *issuer = p;
    *issuer_len = (size_t)(c + l - p);
    return JPKI_OK;
}

/* Exactly len bytes of EF 0006 at offset, in one READ BINARY (len is far
 * below a chunk): a short answer is not read on. */
static jpki_status read_token_info_field(jpki_card *card, size_t offset, uint8_t *raw,
                                         size_t len, size_t *got)
{
    *got = 0;
    return read_first(card, JPKI_EF_TOKEN_INFO, offset, raw, len, got);
}

jpki_status jpki_read_token_info(jpki_card *card, jpki_token_info *info)
{
    uint8_t raw[JPKI_TOKEN_NAME_LEN];
    size_t got = 0;
    jpki_status st;

    if (card == NULL || info == NULL)
        return JPKI_E_BAD_ARG;
    memset(info, 0, sizeof *info);
    st = read_token_info_field(card, 0, raw, sizeof raw, &got);
    if (st == JPKI_OK)
        st = jpki_parse_token_name(raw, got, info);
    if (st != JPKI_OK)
        memset(info, 0, sizeof *info);
    return st;
}

jpki_status jpki_read_token_serial(jpki_card *card, jpki_token_info *info)
{
    uint8_t raw[JPKI_TOKEN_SERIAL_LEN];
    size_t got = 0;
    jpki_status st;

    if (card == NULL || info == NULL)
        return JPKI_E_BAD_ARG;
    info->serial[0] = '\0';
    st = read_token_info_field(card, JPKI_TOKEN_SERIAL_OFFSET, raw, sizeof raw, &got);
    if (st == JPKI_OK)
        st = jpki_parse_token_serial(raw, got, info);
    if (st != JPKI_OK)
        info->serial[0] = '\0';
    return st;
}

jpki_status jpki_read_cert_list(jpki_card *card, jpki_cert_list *list)
{
    uint8_t raw[3];
    size_t got = 0;
    jpki_status st;

    if (card == NULL || list == NULL)
        return JPKI_E_BAD_ARG;
    memset(list, 0, sizeof *list);
    st = read_first(card, JPKI_EF_CERT_LIST, 0, raw, sizeof raw, &got);
    if (st == JPKI_OK)
        st = jpki_parse_cert_list(raw, got, list);
    if (st != JPKI_OK)
        memset(list, 0, sizeof *list);
    return st;
}

static bool role_ok(jpki_role role)
{
    return role == JPKI_ROLE_AUTH || role == JPKI_ROLE_SIGN;
}

static uint16_t pin_ef(const jpki_card *card, jpki_role role)
{
    return jpki_card_profile_of(card)->role[role].pin_ef;
}

static uint16_t key_ef(const jpki_card *card, jpki_role role)
{
    return jpki_card_profile_of(card)->role[role].key_ef;
}

/* Sends cmd (a VERIFY or COMPUTE DIGITAL SIGNATURE naming its PIN or key
 * EF fid; form says which) by SFI in P2 when allowed, and by SELECT EF +
 * P2 = 80 otherwise. A command with a PIN in it goes by SFI only where the
 * card already answered that form, and is never resent in the other form
 * after a refusal (the module sends a PIN once per login); a command
 * without one may try SFI and then fall back. *sfi_used says which form
 * answered. Whether a card makes the EF current after a command by SFI is
 * not documented: the current EF is then unknown. */
static jpki_status send_p2_ef(jpki_card *card, jpki_apdu *cmd, uint16_t fid, jpki_sfi_form form,
                              uint8_t *resp, size_t resp_cap, size_t *resp_len, uint16_t *sw,
                              bool *sfi_used)
{
    bool carries_pin = cmd->secret;
    bool by_sfi = carries_pin ? card->sfi[form] == JPKI_SFI_TAKEN && sfi_usable(card, form, fid)
                              : sfi_usable(card, form, fid);
    uint16_t sw_sfi;
    jpki_status st = ensure_ap(card);

    *sfi_used = false;
    if (st != JPKI_OK)
        return st;
    if (by_sfi) {
        cmd->p2 = (uint8_t)(0x80 | fid);
        card->current_ef = 0;
        *sfi_used = true;
        st = jpki_card_transmit(card, cmd, resp, resp_cap, resp_len, sw);
        if (st != JPKI_OK || !sw_sfi_refused(*sw))
            return st;
        if (carries_pin) {
            card->sfi[form] = JPKI_SFI_REFUSED;
            jpki_log(JPKI_LOG_CALL, "%s by SFI refused (SW %04X): not resent",
                     sfi_form_name(form), *sw);
            return st;
        }
        sw_sfi = *sw;
        *sfi_used = false;
        st = jpki_select_ef(card, fid);
        if (st != JPKI_OK)
            return st;
        cmd->p2 = 0x80;
        st = jpki_card_transmit(card, cmd, resp, resp_cap, resp_len, sw);
        if (st == JPKI_OK)
            note_sfi_refused(card, form, sw_sfi, *sw);
        return st;
    }
    st = jpki_select_ef(card, fid);
    if (st != JPKI_OK)
        return st;
    cmd->p2 = 0x80;
    return jpki_card_transmit(card, cmd, resp, resp_cap, resp_len, sw);
}

jpki_status jpki_pin_status(jpki_card *card, jpki_role role, int *tries_left)
{
    jpki_apdu cmd = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x80 };
    uint16_t sw = 0;
    int tries = -1;
    bool by_sfi = false;
    jpki_status st;

    if (tries_left)
        *tries_left = -1;
    if (card == NULL || tries_left == NULL || !role_ok(role))
        return JPKI_E_BAD_ARG;
    /* No PIN in it: the SFI form may be tried, and the old one after it. */
    st = send_p2_ef(card, &cmd, pin_ef(card, role), JPKI_SFI_VERIFY, NULL, 0, NULL, &sw, &by_sfi);
    if (st != JPKI_OK)
        return st;
    st = jpki_status_from_sw(sw, &tries);
    /* The empty VERIFY reports the counter; a locked PIN is a state, not a
     * failure of this query. 90 00: already verified (tries unknown). */
    if (st == JPKI_OK || st == JPKI_E_PIN_INCORRECT || st == JPKI_E_PIN_LOCKED) {
        if (by_sfi)
            note_sfi_taken(card, JPKI_SFI_VERIFY);   /* the card resolves VERIFY by SFI */
        *tries_left = st == JPKI_OK ? -1 : tries;
        return JPKI_OK;
    }
    return st;
}

jpki_status jpki_verify_pin(jpki_card *card, jpki_role role, const uint8_t *pin, size_t pin_len,
                            int *tries_left)
{
    jpki_apdu cmd = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x80,
                      .data = pin, .data_len = pin_len, .secret = true };
    uint16_t sw = 0;
    int tries = -1;
    bool by_sfi = false;
    jpki_status st;

    if (tries_left)
        *tries_left = -1;
    if (card == NULL || !role_ok(role) || pin == NULL || pin_len == 0 ||
        pin_len > JPKI_PIN_MAX)
        return JPKI_E_BAD_ARG;
    card->verified[role] = false;
    /* Exactly one VERIFY, whatever it answers: a retry could lock the card.
     * So the PIN goes by SFI only on a card that already answered the empty
     * VERIFY by SFI, and a refusal of that form is not followed by the old
     * one (send_p2_ef). */
    st = send_p2_ef(card, &cmd, pin_ef(card, role), JPKI_SFI_VERIFY, NULL, 0, NULL, &sw, &by_sfi);
    if (st != JPKI_OK)
        return st;
    st = jpki_status_from_sw(sw, &tries);
    if (st == JPKI_OK) {
        card->verified[role] = true;
        tries = jpki_pin_max_tries(role);   /* a correct PIN resets the counter */
    }
    if (tries_left)
        *tries_left = tries;
    jpki_log(JPKI_LOG_CALL, "VERIFY %s PIN: %s (tries left %d)",
             jpki_card_profile_of(card)->role[role].words, jpki_status_name(st), tries);
    return st;
}

jpki_status jpki_change_pin(jpki_card *card, jpki_role role, const uint8_t *new_pin,
                            size_t new_len)
{
    jpki_apdu cmd = { .cla = 0x00, .ins = 0x24, .p1 = 0x01, .p2 = 0x80,
                      .data = new_pin, .data_len = new_len, .secret = true };
    uint16_t sw = 0;
    jpki_status st;

    if (card == NULL || !role_ok(role) || new_pin == NULL || new_len == 0 ||
        new_len > JPKI_PIN_MAX)
        return JPKI_E_BAD_ARG;
    /* Do not send a new PIN the card will refuse anyway. */
    if (!card->verified[role])
        return JPKI_E_SECURITY_STATUS;
    st = jpki_select_ef(card, pin_ef(card, role));
    if (st != JPKI_OK)
        return st;
    st = jpki_card_transmit(card, &cmd, NULL, 0, NULL, &sw);
    if (st != JPKI_OK)
        return st;
    return jpki_status_from_sw(sw, NULL);
}

/* Le of the signature command: short (the card chains the rest with 61xx)
 * unless the card takes extended Le; a 2048-bit key keeps today's 00. */
static size_t sign_le(const jpki_card *card, size_t sig_cap)
{
    if (sig_cap <= SHORT_LE_MAX || !card->extended_le)
        return sig_cap < SHORT_LE_MAX ? sig_cap : SHORT_LE_MAX;
    return sig_cap;
}

/* COMPUTE DIGITAL SIGNATURE in the card's mode p1 (00: PKCS#1 v1.5 over
 * the data as given; 04: RSASSA-PSS over a SHA-256 hash, §4.2). */
static jpki_status sign_p1(jpki_card *card, jpki_role role, jpki_sign_mode mode,
                           const uint8_t *data, size_t data_len, uint8_t *sig, size_t sig_cap,
                           size_t *sig_len)
{
    jpki_apdu cmd = { .cla = 0x80, .ins = 0x2A, .p1 = (uint8_t)mode, .p2 = 0x80,
                      .data = data, .data_len = data_len };
    uint16_t sw = 0;
    size_t got = 0;
    bool by_sfi = false;
    jpki_status st;

    if (sig_len)
        *sig_len = 0;
    if (card == NULL || !role_ok(role) || data == NULL || data_len == 0 || sig == NULL ||
        sig_cap < JPKI_SIGNATURE_MIN || sig_cap > JPKI_SIGNATURE_MAX ||
        data_len > sig_cap - JPKI_PKCS1_OVERHEAD || sig_len == NULL ||
        (mode == JPKI_SIGN_PSS_SHA256 && data_len != JPKI_SHA256_LEN))
        return JPKI_E_BAD_ARG;
    cmd.le = sign_le(card, sig_cap);
    /* No PIN in it: after a refused SFI form the old one may follow. */
    st = send_p2_ef(card, &cmd, key_ef(card, role), JPKI_SFI_SIGN, sig, sig_cap, &got, &sw,
                    &by_sfi);
    if (st != JPKI_OK)
        return st;
    if (by_sfi && sw == 0x9000)
        note_sfi_taken(card, JPKI_SFI_SIGN);
    if (sw != 0x9000) {
        OPENSSL_cleanse(sig, got);
        st = command_status(sw);
        if (st == JPKI_E_SECURITY_STATUS)
            card->verified[role] = false;   /* the card says so, whatever we thought */
        return st;
    }
    /* An RSA signature is as long as the modulus: at least what the
     * smallest key we drive gives (apdu.c already refused more than sig_cap). */
    if (got < JPKI_SIGNATURE_MIN) {
        OPENSSL_cleanse(sig, got);
        return JPKI_E_MALFORMED;
    }
    *sig_len = got;
    return JPKI_OK;
}

jpki_status jpki_sign(jpki_card *card, jpki_role role, const uint8_t *data, size_t data_len,
                      uint8_t *sig, size_t sig_cap, size_t *sig_len)
{
    return sign_p1(card, role, JPKI_SIGN_PKCS1, data, data_len, sig, sig_cap, sig_len);
}

jpki_status jpki_sign_mode_of(jpki_card *card, jpki_role role, jpki_sign_mode mode,
                              const uint8_t *data, size_t data_len, uint8_t *sig,
                              size_t sig_cap, size_t *sig_len)
{
    if (mode != JPKI_SIGN_PKCS1 && mode != JPKI_SIGN_PSS_SHA256) {
        if (sig_len)
            *sig_len = 0;
        return JPKI_E_BAD_ARG;
    }
    return sign_p1(card, role, mode, data, data_len, sig, sig_cap, sig_len);
}

CK_RV jpki_pin_check(jpki_role role, const uint8_t *pin, size_t pin_len, uint8_t *out,
                     size_t *out_len)
{
    CK_RV rv = CKR_OK;

    if (out_len)
        *out_len = 0;
    if (!role_ok(role) || out == NULL || out_len == NULL || (pin == NULL && pin_len > 0))
        return CKR_ARGUMENTS_BAD;
    const jpki_pin_rule *rule = jpki_pin_rule_of(role);
    if (pin_len < rule->min_len || pin_len > rule->max_len)
        return CKR_PIN_LEN_RANGE;
    for (size_t i = 0; i < pin_len; i++) {
        uint8_t c = pin[i];
        if (rule->letters && c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');   /* the card holds the upper-case form */
        bool digit = c >= '0' && c <= '9';
        bool upper = c >= 'A' && c <= 'Z';
        if (!(digit || (rule->letters && upper))) {
            rv = CKR_PIN_INVALID;
            goto out;
        }
        out[i] = c;
    }
    *out_len = pin_len;

out:
    if (rv != CKR_OK)
        OPENSSL_cleanse(out, pin_len);
    return rv;
}

int jpki_pin_max_tries(jpki_role role)
{
    const jpki_pin_rule *rule = jpki_pin_rule_of(role);
    return rule != NULL ? rule->max_tries : 0;
}

size_t jpki_pin_min_len(jpki_role role)
{
    const jpki_pin_rule *rule = jpki_pin_rule_of(role);
    return rule != NULL ? rule->min_len : 0;
}

size_t jpki_pin_max_len(jpki_role role)
{
    const jpki_pin_rule *rule = jpki_pin_rule_of(role);
    return rule != NULL ? rule->max_len : 0;
}
