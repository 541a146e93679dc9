/*
 * test-jpki.c: the exact APDU sequence of every JPKI operation, the answers
 * of a hostile or broken card, and the PIN format rules. The scripted
 * transport fails on any command not in the script, so "script_done" also
 * proves that nothing extra (a second VERIFY, say) was sent.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../tap.h"
#include "jpki.h"
#include "slot.h"
#include "transport_script.h"

#define SELECT_AP "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"

static uint8_t cert[JPKI_CERT_MAX + 16];

/* A certificate-shaped EF of total bytes with the given header. */
static void make_cert(const uint8_t *hdr, size_t hdr_len, size_t total)
{
    memcpy(cert, hdr, hdr_len);
    for (size_t i = hdr_len; i < sizeof cert; i++)
        cert[i] = (uint8_t)(i * 7 + 3);
    (void)total;
}

/* READ BINARY at offset with Le (short: 256 -> 00) answered by n bytes of
 * src and the status word sw. */
static void expect_read(jpki_transport *t, size_t offset, size_t le, const uint8_t *src, size_t n,
                        uint16_t sw)
{
    uint8_t cmd[5] = { 0x00, 0xB0, (uint8_t)(offset >> 8), (uint8_t)offset, (uint8_t)le };
    static uint8_t resp[70000];
    if (n)
        memcpy(resp, src, n);
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    script_expect_bytes(t, cmd, sizeof cmd, resp, n + 2);
}

/* The first chunk of a certificate EF (current-EF form at offset 0). */
static void expect_head(jpki_transport *t, size_t total)
{
    expect_read(t, 0, 256, cert, total < 256 ? total : 256, 0x9000);
}

/* The chunked reads of a certificate of total bytes after its first chunk. */
static void expect_cert_chunks(jpki_transport *t, size_t total)
{
    for (size_t off = 256; off < total; off += 256) {
        size_t n = total - off < 256 ? total - off : 256;
        expect_read(t, off, n, cert + off, n, 0x9000);
    }
}

/* A card that does not take the SFI forms: the SELECT EF + current-EF
 * sequences (test_sfi covers the SFI forms and the fallback). */
static void fresh(jpki_card *card, jpki_transport *t)
{
    jpki_card_init(card, t);
    card->no_sfi = true;
}

static void test_read_cert(void)
{
    static const uint8_t hdr[4] = { 0x30, 0x82, 0x06, 0x2B };
    jpki_transport *t = script_new();
    jpki_card card;
    uint8_t *der = NULL;
    size_t len = 0;
    bool reset = true;

    make_cert(hdr, 4, 1583);
    fresh(&card, t);
    ok(card.max_read == 256 && !card.ap_selected && card.current_ef == 0, "card_init defaults");
    ok(jpki_card_begin(&card, &reset) == JPKI_OK && !reset, "begin");

    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 0A", "90 00");
    expect_head(t, 1583);
    expect_cert_chunks(t, 1583);
    jpki_status st = jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len);
    ok(st == JPKI_OK && len == 1583 && der && memcmp(der, cert, 1583) == 0,
       "auth certificate 1583 bytes read");
    is_ulong(card.apdu_count, 9, "select AP + select EF + first chunk of 256 + 6 chunks");
    ok(script_done(t), "exact sequence (no 4-byte header read; last chunk Le=2F)");
    ok(card.ap_selected && card.current_ef == JPKI_EF_AUTH_CERT, "AP and EF 000A current");
    free(der);

    /* Same EF again: no SELECT. */
    expect_head(t, 1583);
    expect_cert_chunks(t, 1583);
    st = jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len);
    ok(st == JPKI_OK && len == 1583, "second read without SELECT");
    ok(script_done(t), "no SELECT sent when current");
    free(der);

    /* Another EF: only the EF SELECT. */
    script_expect(t, "00 A4 02 0C 02 00 0B", "90 00");
    expect_head(t, 1583);
    expect_cert_chunks(t, 1583);
    st = jpki_read_certificate(&card, JPKI_EF_AUTH_CA, &der, &len);
    ok(st == JPKI_OK && len == 1583, "CA certificate: EF SELECT only");
    ok(script_done(t), "sequence");
    free(der);

    /* forget_selection: both SELECTs again. */
    jpki_card_forget_selection(&card);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 0B", "90 00");
    expect_head(t, 1583);
    expect_cert_chunks(t, 1583);
    st = jpki_read_certificate(&card, JPKI_EF_AUTH_CA, &der, &len);
    ok(st == JPKI_OK && script_done(t), "after forget_selection: AP and EF selected again");
    free(der);

    jpki_card_end(&card);
    ok(script_begins(t) == 1 && script_ends(t) == 1, "begin/end reach the transport");
    script_free(t);
}

static void test_cert_forms(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    uint8_t *der = NULL;
    size_t len = 0;

    /* 30 81 LL */
    static const uint8_t h81[3] = { 0x30, 0x81, 0x90 };
    make_cert(h81, 3, 147);
    fresh(&card, t);
    card.ap_selected = true;
    card.current_ef = JPKI_EF_AUTH_CERT;
    expect_head(t, 147);
    ok(jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len) == JPKI_OK && len == 147 &&
           memcmp(der, cert, 147) == 0 && script_done(t),
       "30 81 90: 147 bytes in the first chunk");
    free(der);

    /* 30 LL */
    static const uint8_t h1[2] = { 0x30, 0x10 };
    make_cert(h1, 2, 18);
    expect_read(t, 0, 256, cert, 40, 0x6282);   /* an EF longer than its DER */
    ok(jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len) == JPKI_OK && len == 18 &&
           memcmp(der, cert, 18) == 0 && script_done(t),
       "30 10: 18 bytes (62 82 with data: short last chunk)");
    free(der);

    /* Exactly JPKI_CERT_MAX is fine. */
    uint8_t hmax[4] = { 0x30, 0x82, (uint8_t)((JPKI_CERT_MAX - 4) >> 8),
                        (uint8_t)(JPKI_CERT_MAX - 4) };
    make_cert(hmax, 4, JPKI_CERT_MAX);
    expect_head(t, 1583);
    expect_cert_chunks(t, JPKI_CERT_MAX);
    ok(jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len) == JPKI_OK &&
           len == JPKI_CERT_MAX && script_done(t),
       "certificate of JPKI_CERT_MAX bytes");
    free(der);

    /* Extended Le: header, then the rest in one READ BINARY. */
    static const uint8_t hdr[4] = { 0x30, 0x82, 0x06, 0x2B };
    make_cert(hdr, 4, 1583);
    card.extended_le = true;
    card.max_read = 4096;
    expect_head(t, 1583);
    {
        static uint8_t resp[1329];
        memcpy(resp, cert + 256, 1327);
        resp[1327] = 0x90;
        resp[1328] = 0x00;
        script_expect_bytes(t, (const uint8_t *)"\x00\xB0\x01\x00\x00\x05\x2F", 7, resp,
                            sizeof resp);
    }
    ok(jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len) == JPKI_OK && len == 1583 &&
           memcmp(der, cert, 1583) == 0 && script_done(t),
       "extended Le: 256 + one read of 1327");
    free(der);

    /* max_read without extended_le stays short. */
    card.extended_le = false;
    expect_head(t, 1583);
    expect_cert_chunks(t, 1583);
    ok(jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len) == JPKI_OK && script_done(t),
       "max_read > 256 without extended Le reads 256-byte chunks");
    free(der);
    script_free(t);
}

/* A certificate read that must fail with want, after the given script. */
static void hostile(const char *name, void (*setup)(jpki_transport *), jpki_status want)
{
    jpki_transport *t = script_new();
    jpki_card card;
    uint8_t *der = (uint8_t *)"x";
    size_t len = 99;

    fresh(&card, t);
    card.ap_selected = true;
    card.current_ef = JPKI_EF_AUTH_CERT;
    setup(t);
    jpki_status st = jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len);
    ok(st == want && der == NULL && len == 0, "%s -> %s (got %s)", name,
       jpki_status_name(want), jpki_status_name(st));
    ok(script_done(t), "%s: no command after the failure", name);
    script_free(t);
}

/* One hostile answer: a first chunk with header h (if head), then the
 * reads from offset 256 answered with full chunks up to upto, then cmd
 * answered with resp (if cmd). */
typedef struct hostile_row {
    const char *name;
    uint8_t h[4];
    bool head;
    size_t upto;
    const char *cmd, *resp;
    jpki_status want;
} hostile_row;

static const hostile_row *cur_row;

static void s_row(jpki_transport *t)
{
    const hostile_row *row = cur_row;
    if (row->head) {
        make_cert(row->h, 4, 0);
        expect_head(t, 1583);
    }
    for (size_t off = 256; off < row->upto; off += 256)
        expect_read(t, off, 256, cert + off, 256, 0x9000);
    if (row->cmd)
        script_expect(t, row->cmd, row->resp);
}

static void s_chunk_too_long(jpki_transport *t)
{
    static const uint8_t h[4] = { 0x30, 0x82, 0x06, 0x2B };
    make_cert(h, 4, 0);
    expect_head(t, 1583);
    for (size_t off = 256; off < 1536; off += 256)
        expect_read(t, off, 256, cert + off, 256, 0x9000);
    expect_read(t, 1536, 47, cert + 1536, 48, 0x9000);   /* one byte more than asked */
}

static void test_hostile(void)
{
#define CMAX3 (uint8_t)((JPKI_CERT_MAX - 3) >> 8), (uint8_t)(JPKI_CERT_MAX - 3)
    static const hostile_row rows[] = {
        { "header 31 82", { 0x31, 0x82, 0x06, 0x2B }, true, 0, NULL, NULL, JPKI_E_MALFORMED },
        { "header 30 83", { 0x30, 0x83, 0x01, 0x00 }, true, 0, NULL, NULL, JPKI_E_MALFORMED },
        { "header 30 80 (indefinite)", { 0x30, 0x80, 0x01, 0x00 }, true, 0, NULL, NULL,
          JPKI_E_MALFORMED },
        { "length JPKI_CERT_MAX + 1", { 0x30, 0x82, CMAX3 }, true, 0, NULL, NULL,
          JPKI_E_MALFORMED },
        { "length 65539", { 0x30, 0x82, 0xFF, 0xFF }, true, 0, NULL, NULL, JPKI_E_MALFORMED },
        { "truncated answer (1 byte)", { 0x30, 0x82, 0x06, 0x2B }, true, 0, "00 B0 01 00 00",
          "90", JPKI_E_MALFORMED },
        { "SW only where data expected", { 0x30, 0x82, 0x06, 0x2B }, true, 0, "00 B0 01 00 00",
          "90 00", JPKI_E_MALFORMED },
        { "header read: SW only", { 0 }, false, 0, "00 B0 00 00 00", "90 00", JPKI_E_MALFORMED },
        { "header read: 2 bytes", { 0 }, false, 0, "00 B0 00 00 00", "30 82 90 00",
          JPKI_E_MALFORMED },
        { "end of file before the DER ends", { 0x30, 0x82, 0x06, 0x2B }, true, 512,
          "00 B0 02 00 00", "6B 00", JPKI_E_MALFORMED },
        { "end of file at offset 0", { 0 }, false, 0, "00 B0 00 00 00", "6B 00",
          JPKI_E_MALFORMED },
        { "sign certificate before the PIN", { 0 }, false, 0, "00 B0 00 00 00", "69 82",
          JPKI_E_SECURITY_STATUS },
    };
#undef CMAX3
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cur_row = &rows[i];
        hostile(rows[i].name, s_row, rows[i].want);
    }
    hostile("chunk longer than asked", s_chunk_too_long, JPKI_E_MALFORMED);
}

static void test_removed_and_reset(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    uint8_t *der = NULL;
    size_t len = 0;
    bool reset = false;
    static const uint8_t hdr[4] = { 0x30, 0x82, 0x06, 0x2B };

    make_cert(hdr, 4, 1583);
    fresh(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 0A", "90 00");
    expect_head(t, 1583);
    expect_read(t, 256, 256, cert + 256, 256, 0x9000);
    expect_read(t, 512, 256, cert + 512, 256, 0x9000);
    script_expect_fail(t, "00 B0 03 00 00", JPKI_E_NO_CARD);
    card.verified[JPKI_ROLE_AUTH] = true;
    jpki_status st = jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len);
    ok(st == JPKI_E_NO_CARD && der == NULL, "card removed mid-read -> NO_CARD");
    ok(!card.ap_selected && card.current_ef == 0 && !card.verified[JPKI_ROLE_AUTH],
       "removal clears selection and verified state");
    ok(script_done(t), "no command after the removal");

    /* A reset seen at begin: OK with was_reset, state forgotten. */
    card.ap_selected = true;
    card.current_ef = JPKI_EF_AUTH_CERT;
    card.verified[JPKI_ROLE_SIGN] = true;
    script_fail_next(t, JPKI_E_CARD_RESET);
    st = jpki_card_begin(&card, &reset);
    ok(st == JPKI_OK && reset, "begin after reset: OK, was_reset");
    ok(!card.ap_selected && card.current_ef == 0 && !card.verified[JPKI_ROLE_SIGN],
       "reset clears selection and verified state");
    jpki_card_end(&card);

    script_fail_next(t, JPKI_E_NO_CARD);
    st = jpki_card_begin(&card, &reset);
    ok(st == JPKI_E_NO_CARD && !reset, "begin without card -> NO_CARD");

    /* A reset seen by a command: returned, state forgotten, nothing resent. */
    card.ap_selected = true;
    card.current_ef = JPKI_EF_AUTH_PIN;
    card.verified[JPKI_ROLE_AUTH] = true;
    script_expect_fail(t, "00 20 00 80", JPKI_E_CARD_RESET);
    int tries = 7;
    st = jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries);
    ok(st == JPKI_E_CARD_RESET && !card.ap_selected && !card.verified[JPKI_ROLE_AUTH],
       "reset during a command -> CARD_RESET, state cleared");
    ok(script_done(t), "nothing resent after the reset");

    /* Not a JPKI card. */
    script_expect(t, SELECT_AP, "6A 82");
    ok(jpki_select_ap(&card) == JPKI_E_NOT_JPKI && !card.ap_selected, "6A82 to SELECT AP -> NOT_JPKI");
    script_expect(t, SELECT_AP, "6D 00");
    ok(jpki_select_ap(&card) == JPKI_E_NOT_JPKI, "6D00 to SELECT AP -> NOT_JPKI");
    script_expect_fail(t, SELECT_AP, JPKI_E_NO_READER);
    ok(jpki_select_ap(&card) == JPKI_E_NO_READER, "transport error on SELECT AP passed through");
    ok(script_done(t), "sequence");

    /* SELECT AP always sends and drops verified state. */
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, SELECT_AP, "90 00");
    ok(jpki_select_ap(&card) == JPKI_OK, "select AP");
    card.verified[JPKI_ROLE_AUTH] = true;
    card.current_ef = JPKI_EF_AUTH_PIN;
    ok(jpki_select_ap(&card) == JPKI_OK && !card.verified[JPKI_ROLE_AUTH] &&
           card.current_ef == 0 && script_done(t),
       "select AP again: sent, verified and EF forgotten");

    /* Missing EF. */
    script_expect(t, "00 A4 02 0C 02 00 01", "6A 82");
    ok(jpki_select_ef(&card, JPKI_EF_SIGN_CERT) == JPKI_E_FILE_NOT_FOUND && card.current_ef == 0,
       "missing EF -> FILE_NOT_FOUND");
    ok(script_done(t), "sequence");
    script_free(t);
}

static void test_token_info(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    jpki_token_info info;

    fresh(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 06", "90 00");
    script_expect(t, "00 B0 00 00 20",
                  "4A 504B 4941 5049 4343 544F 4B45 4E32 2020 2020 2020 2020 2020 2020 2020 2020 20"
                  " 90 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && strcmp(info.name, "JPKIAPICCTOKEN2") == 0,
       "token info JPKIAPICCTOKEN2 (blanks trimmed): '%s'", info.name);
    ok(script_done(t), "select 0006 + READ 32");

    script_expect(t, "00 B0 00 00 20",
                  "4A 504B 4941 5049 4343 544F 4B45 4E00 0000 0000 0000 0000 0000 0000 0000 0000 00"
                  " 90 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && strcmp(info.name, "JPKIAPICCTOKEN") == 0,
       "NUL padding trimmed, no SELECT when current");

    script_expect(t, "00 B0 00 00 20",
                  "4A 504B 0149 5049 4343 544F 4B45 4E32 2020 2020 2020 2020 2020 2020 2020 2020 20"
                  " 90 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_E_MALFORMED, "control character -> MALFORMED");
    script_expect(t, "00 B0 00 00 20",
                  "2020 2020 2020 2020 2020 2020 2020 2020 2020 2020 2020 2020 2020 2020 2020 2020"
                  " 90 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_E_MALFORMED, "blank name -> MALFORMED");
    script_expect(t, "00 B0 00 00 20", "4A 50 4B 49 41 50 49 43 43 54 4F 4B 45 4E 32 90 00");
    script_expect(t, "00 B0 00 0F 11", "6B 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && strcmp(info.name, "JPKIAPICCTOKEN2") == 0,
       "short EF (15 bytes, then 6B00): name read");
    ok(script_done(t), "token info reads");
    script_reset(t);
    script_free(t);
}

static void test_pin_status(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    int tries = 0;

    fresh(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80", "63 C3");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 3,
       "auth PIN status 63C3 -> 3 tries");
    ok(script_done(t), "select AP, select 0018, empty VERIFY");

    script_expect(t, "00 20 00 80", "90 00");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == -1,
       "9000 -> OK, tries unknown (-1)");
    script_expect(t, "00 20 00 80", "69 84");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 0,
       "6984 -> OK, 0 tries");
    script_expect(t, "00 20 00 80", "63 C0");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 0,
       "63C0 -> OK, 0 tries");
    script_expect(t, "00 A4 02 0C 02 00 1B", "90 00");
    script_expect(t, "00 20 00 80", "63 C5");
    ok(jpki_pin_status(&card, JPKI_ROLE_SIGN, &tries) == JPKI_OK && tries == 5,
       "sign PIN status: select 001B, 63C5 -> 5");
    script_expect(t, "00 20 00 80", "6A 86");
    ok(jpki_pin_status(&card, JPKI_ROLE_SIGN, &tries) == JPKI_E_WRONG_PARAMS && tries == -1,
       "other SW -> its status");
    ok(script_done(t), "sequence");
    script_free(t);
}

static void test_verify(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    int tries = 0;
    const uint8_t *pin = (const uint8_t *)"1234";

    fresh(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80 04 31 32 33 34", "90 00");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 4, &tries) == JPKI_OK && tries == 3 &&
           card.verified[JPKI_ROLE_AUTH] && !card.verified[JPKI_ROLE_SIGN],
       "good auth PIN: verified, counter back to 3");
    ok(script_done(t), "select AP, select 0018, VERIFY");

    script_expect(t, "00 20 00 80 04 31 32 33 34", "63 C2");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 4, &tries) == JPKI_E_PIN_INCORRECT &&
           tries == 2 && !card.verified[JPKI_ROLE_AUTH],
       "wrong PIN 63C2 -> PIN_INCORRECT, 2 tries, not verified");
    ok(script_done(t), "exactly one VERIFY on 63C2 (no retry)");

    script_expect(t, "00 20 00 80 04 31 32 33 34", "63 C0");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 4, &tries) == JPKI_E_PIN_LOCKED && tries == 0,
       "exhausting attempt 63C0 -> PIN_LOCKED, 0 tries");
    ok(script_done(t), "exactly one VERIFY on 63C0");

    script_expect(t, "00 20 00 80 04 31 32 33 34", "69 84");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 4, &tries) == JPKI_E_PIN_LOCKED && tries == 0,
       "locked 6984 -> PIN_LOCKED, 0 tries");
    ok(script_done(t), "exactly one VERIFY on 6984");

    script_expect(t, "00 20 00 80 04 31 32 33 34", "6C 04");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 4, &tries) == JPKI_E_CARD_ERROR &&
           !card.verified[JPKI_ROLE_AUTH],
       "6C04 to VERIFY -> CARD_ERROR");
    ok(script_done(t), "a PIN is never resent, not even on 6Cxx");

    script_expect(t, "00 20 00 80 04 31 32 33 34", "69 83");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 4, &tries) == JPKI_E_PIN_LOCKED && tries == 0,
       "6983 -> PIN_LOCKED");

    /* Sign PIN on 001B. */
    script_expect(t, "00 A4 02 0C 02 00 1B", "90 00");
    script_expect(t, "00 20 00 80 06 41 42 43 31 32 33", "90 00");
    ok(jpki_verify_pin(&card, JPKI_ROLE_SIGN, (const uint8_t *)"ABC123", 6, &tries) == JPKI_OK &&
           tries == 5 && card.verified[JPKI_ROLE_SIGN],
       "sign PIN on 001B verified");
    ok(script_done(t), "sequence");

    /* Change it: the PIN EF is current, so only CHANGE REFERENCE DATA. */
    script_expect(t, "00 24 01 80 06 58 59 5A 37 38 39", "90 00");
    ok(jpki_change_pin(&card, JPKI_ROLE_SIGN, (const uint8_t *)"XYZ789", 6) == JPKI_OK,
       "change sign PIN");
    ok(script_done(t), "00 24 01 80 only");
    card.verified[JPKI_ROLE_AUTH] = false;
    ok(jpki_change_pin(&card, JPKI_ROLE_AUTH, pin, 4) == JPKI_E_SECURITY_STATUS,
       "change without VERIFY refused before sending");
    card.verified[JPKI_ROLE_AUTH] = true;
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 24 01 80 04 31 32 33 34", "69 82");
    ok(jpki_change_pin(&card, JPKI_ROLE_AUTH, pin, 4) == JPKI_E_SECURITY_STATUS,
       "change: selects 0018, 6982 mapped");
    ok(script_done(t), "sequence");

    /* Nonsense from inside the module never reaches the card. */
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 0, &tries) == JPKI_E_BAD_ARG, "empty PIN");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, NULL, 4, &tries) == JPKI_E_BAD_ARG, "NULL PIN");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, pin, 17, &tries) == JPKI_E_BAD_ARG, "17-byte PIN");
    ok(jpki_verify_pin(&card, (jpki_role)2, pin, 4, &tries) == JPKI_E_BAD_ARG, "bad role");
    ok(script_done(t), "nothing sent");
    script_free(t);
}

static void test_sign(void)
{
    static const uint8_t di[51] = { 0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48,
                                    0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
    jpki_transport *t = script_new();
    jpki_card card;
    uint8_t cmd[5 + 51 + 1], resp[258], sig[256];
    size_t sig_len = 0;

    cmd[0] = 0x80;
    cmd[1] = 0x2A;
    cmd[2] = 0x00;
    cmd[3] = 0x80;
    cmd[4] = 0x33;
    memcpy(cmd + 5, di, 51);
    cmd[56] = 0x00;
    for (size_t i = 0; i < 256; i++)
        resp[i] = (uint8_t)(255 - i);
    resp[256] = 0x90;
    resp[257] = 0x00;

    fresh(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80 04 31 32 33 34", "90 00");
    script_expect(t, "00 A4 02 0C 02 00 17", "90 00");
    script_expect_bytes(t, cmd, sizeof cmd, resp, 258);
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, (const uint8_t *)"1234", 4, NULL) == JPKI_OK,
       "verify before sign");
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, sizeof di, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 256 && memcmp(sig, resp, 256) == 0,
       "sign 51-byte DigestInfo -> 256 bytes");
    ok(script_done(t), "select 0017, 80 2A 00 80 33 ... 00");

    script_expect_bytes(t, cmd, sizeof cmd, (const uint8_t *)"\x69\x82", 2);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, sizeof di, sig, sizeof sig, &sig_len) ==
               JPKI_E_SECURITY_STATUS &&
           sig_len == 0 && !card.verified[JPKI_ROLE_AUTH],
       "6982 on sign -> SECURITY_STATUS, verified cleared");

    script_expect_bytes(t, cmd, sizeof cmd, resp + 1, 257);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, sizeof di, sig, sizeof sig, &sig_len) ==
               JPKI_E_MALFORMED && sig_len == 0,
       "255-byte signature -> MALFORMED");
    script_expect_bytes(t, cmd, sizeof cmd, resp + 256, 2);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, sizeof di, sig, sizeof sig, &sig_len) ==
               JPKI_E_MALFORMED,
       "9000 without a signature -> MALFORMED");
    script_expect_bytes(t, cmd, sizeof cmd, (const uint8_t *)"\x67\x00", 2);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, sizeof di, sig, sizeof sig, &sig_len) ==
               JPKI_E_WRONG_LENGTH,
       "6700 -> WRONG_LENGTH");
    ok(script_done(t), "sequence");

    /* Sign key. */
    cmd[4] = 0x23;
    memcpy(cmd + 5, di, 35);
    cmd[40] = 0x00;
    script_expect(t, "00 A4 02 0C 02 00 1A", "90 00");
    script_expect_bytes(t, cmd, 41, resp, 258);
    ok(jpki_sign(&card, JPKI_ROLE_SIGN, di, 35, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 256,
       "sign key: select 001A, 35-byte input");
    ok(script_done(t), "sequence");

    static uint8_t long_in[246];
    ok(jpki_sign(&card, JPKI_ROLE_SIGN, long_in, 246, sig, sizeof sig, &sig_len) == JPKI_E_BAD_ARG,
       "246-byte input refused");
    ok(jpki_sign(&card, JPKI_ROLE_SIGN, di, 35, sig, 255, &sig_len) == JPKI_E_BAD_ARG,
       "signature buffer < 256 refused");
    ok(script_done(t), "nothing sent");
    script_free(t);
}

static void test_read_binary(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    uint8_t buf[600];
    size_t got = 0;

    for (size_t i = 0; i < sizeof cert; i++)
        cert[i] = (uint8_t)i;
    fresh(&card, t);
    card.ap_selected = true;
    script_expect(t, "00 A4 02 0C 02 00 08", "90 00");
    expect_read(t, 0, 3, cert, 3, 0x9000);
    ok(jpki_read_binary(&card, 0x0008, 0, buf, 3, &got) == JPKI_OK && got == 3, "read 3 bytes");
    expect_read(t, 0, 256, cert, 256, 0x9000);
    expect_read(t, 256, 256, cert + 256, 100, 0x9000);
    expect_read(t, 356, 244, NULL, 0, 0x6B00);
    ok(jpki_read_binary(&card, 0x0008, 0, buf, 600, &got) == JPKI_OK && got == 356 &&
           memcmp(buf, cert, 356) == 0,
       "read past the end: what there is (356 bytes)");
    expect_read(t, 400, 16, NULL, 0, 0x6B00);
    ok(jpki_read_binary(&card, 0x0008, 400, buf, 16, &got) == JPKI_E_END_OF_FILE && got == 0,
       "read at the end -> END_OF_FILE");
    ok(jpki_read_binary(&card, 0x0008, 0x8000, buf, 16, &got) == JPKI_E_BAD_ARG,
       "offset beyond 7FFF refused");
    ok(script_done(t), "sequence");
    script_free(t);
}

/* A card that takes the SFI forms (protocol notes §4.1), as the card
 * layer assumes until told otherwise. */
static void fresh_sfi(jpki_card *card, jpki_transport *t)
{
    jpki_card_init(card, t);
}

static void expect_bytes_resp(jpki_transport *t, const char *cmd_hex, const uint8_t *data,
                              size_t n, uint16_t sw)
{
    static uint8_t cmd[300], resp[300];
    size_t cl = script_hex(cmd_hex, cmd, sizeof cmd);
    if (n)
        memcpy(resp, data, n);
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    script_expect_bytes(t, cmd, cl, resp, n + 2);
}

#define TOKEN2 "4A 504B 4941 5049 4343 544F 4B45 4E32 2020 2020 2020 2020 2020 2020 2020 2020 20"

/* Identification in 5 APDUs, and the rest of the auth certificate later
 * from where the first chunk ended. */
static void test_sfi_identify(void)
{
    static const uint8_t hdr[4] = { 0x30, 0x82, 0x06, 0x2B };
    jpki_transport *t = script_new();
    jpki_card card;
    jpki_token_info info;
    int tries = 0;
    uint8_t *der = NULL;
    size_t len = 0;

    make_cert(hdr, 4, 1583);
    fresh_sfi(&card, t);
    ok(!card.no_sfi && !card.sfi_verify_ok && card.head_fid == 0, "init: SFI to be tried");
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 B0 86 00 20", TOKEN2 " 90 00");
    script_expect(t, "00 20 00 98", "63 C3");
    script_expect(t, "00 20 00 9B", "63 C5");
    expect_bytes_resp(t, "00 B0 8A 00 00", cert, 256, 0x9000);
    ok(jpki_select_ap(&card) == JPKI_OK, "SELECT AP");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && strcmp(info.name, "JPKIAPICCTOKEN2") == 0,
       "token name by SFI read of EF 0006");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 3,
       "auth counter by empty VERIFY by SFI");
    ok(jpki_pin_status(&card, JPKI_ROLE_SIGN, &tries) == JPKI_OK && tries == 5,
       "sign counter by empty VERIFY by SFI");
    ok(jpki_read_cert_head(&card, JPKI_EF_AUTH_CERT) == JPKI_OK && card.head_fid == 0x000A &&
           card.head_len == 256 && memcmp(card.head, cert, 256) == 0,
       "first chunk of the auth certificate by SFI, kept");
    is_ulong(card.apdu_count, 5, "identification: 5 APDUs");
    ok(script_done(t) && card.sfi_verify_ok && !card.no_sfi && card.current_ef == 0x000A,
       "exact sequence; VERIFY by SFI known to work; EF 000A current");
    ok(jpki_read_cert_head(&card, JPKI_EF_SIGN_CERT) == JPKI_E_BAD_ARG,
       "the sign certificate's head is never kept");

    /* A new transaction: SELECT AP, then the rest from offset 255 by SFI
     * (P2 holds at most 255: one byte read again and compared). */
    jpki_card_forget_selection(&card);
    script_expect(t, SELECT_AP, "90 00");
    expect_bytes_resp(t, "00 B0 8A FF 00", cert + 255, 256, 0x9000);
    for (size_t off = 511; off < 1583; off += 256) {
        size_t n = 1583 - off < 256 ? 1583 - off : 256;
        expect_read(t, off, n, cert + off, n, 0x9000);
    }
    unsigned long before = card.apdu_count;
    ok(jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len) == JPKI_OK && len == 1583 &&
           memcmp(der, cert, 1583) == 0,
       "whole auth certificate from the kept first chunk");
    is_ulong(card.apdu_count - before, 7, "SELECT AP + SFI read + 5 reads (no first chunk again)");
    ok(script_done(t), "exact sequence");
    free(der);

    /* The byte read again differs: another card or a changed EF. */
    jpki_card_forget_selection(&card);
    uint8_t other[256];
    memcpy(other, cert + 255, 256);
    other[0] ^= 0xFF;
    script_expect(t, SELECT_AP, "90 00");
    expect_bytes_resp(t, "00 B0 8A FF 00", other, 256, 0x9000);
    ok(jpki_read_certificate(&card, JPKI_EF_AUTH_CERT, &der, &len) == JPKI_E_MALFORMED &&
           der == NULL,
       "overlap byte differs -> MALFORMED");
    ok(script_done(t), "nothing more read");
    script_free(t);
}

static void sign_cmd(uint8_t *cmd, uint8_t p2)
{
    static const uint8_t di[35] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03,
                                    0x02, 0x1A, 0x05, 0x00, 0x04, 0x14 };
    cmd[0] = 0x80;
    cmd[1] = 0x2A;
    cmd[2] = 0x00;
    cmd[3] = p2;
    cmd[4] = 35;
    memcpy(cmd + 5, di, 35);
    cmd[40] = 0x00;
}

/* VERIFY and sign by SFI; the fallback to SELECT EF + current-EF forms on
 * a card that refuses them, remembered for the card; a PIN never resent. */
static void test_sfi_fallback(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    jpki_token_info info;
    int tries = 0;
    uint8_t cmd[41], resp[258], sig[256];
    size_t sig_len = 0, got = 0;
    uint8_t buf[8];

    for (size_t i = 0; i < 256; i++)
        resp[i] = (uint8_t)i;
    resp[256] = 0x90;
    resp[257] = 0x00;

    /* VERIFY and sign by SFI after the card answered an empty VERIFY so. */
    fresh_sfi(&card, t);
    card.sfi_verify_ok = true;
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 20 00 98 04 31 32 33 34", "90 00");
    sign_cmd(cmd, 0x97);
    script_expect_bytes(t, cmd, sizeof cmd, resp, sizeof resp);
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, (const uint8_t *)"1234", 4, &tries) == JPKI_OK &&
           card.verified[JPKI_ROLE_AUTH] && tries == 3,
       "VERIFY by SFI 98 after a fresh SELECT AP");
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, cmd + 5, 35, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 256,
       "sign by SFI 97");
    is_ulong(card.apdu_count, 3, "SELECT AP, VERIFY, SIGN: 3 APDUs");
    ok(script_done(t) && card.current_ef == 0, "exact sequence; current EF unknown after SFI");

    /* Not known yet whether VERIFY by SFI works: the PIN goes the old way. */
    fresh_sfi(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 1B", "90 00");
    script_expect(t, "00 20 00 80 06 41 42 43 31 32 33", "90 00");
    ok(jpki_verify_pin(&card, JPKI_ROLE_SIGN, (const uint8_t *)"ABC123", 6, &tries) == JPKI_OK &&
           script_done(t),
       "PIN by SFI only after an empty VERIFY by SFI was answered");

    /* A PIN VERIFY by SFI refused: not resent in the other form. */
    fresh_sfi(&card, t);
    card.sfi_verify_ok = true;
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 20 00 98 04 31 32 33 34", "6A 86");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, (const uint8_t *)"1234", 4, &tries) ==
               JPKI_E_WRONG_PARAMS &&
           !card.verified[JPKI_ROLE_AUTH],
       "VERIFY by SFI refused -> its status, not verified");
    ok(script_done(t) && card.no_sfi, "exactly one VERIFY; no SFI from now on");

    /* READ BINARY by SFI refused: SELECT EF + READ, remembered. */
    fresh_sfi(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 B0 86 00 20", "6A 86");
    script_expect(t, "00 A4 02 0C 02 00 06", "90 00");
    script_expect(t, "00 B0 00 00 20", TOKEN2 " 90 00");
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80", "63 C3");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && strcmp(info.name, "JPKIAPICCTOKEN2") == 0,
       "6A86 to READ BINARY by SFI: SELECT EF + READ");
    ok(card.no_sfi, "card remembered as without SFI");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 3 && script_done(t),
       "then no SFI form is tried at all");

    /* Empty VERIFY by SFI refused (6D00): SELECT EF + 00 20 00 80. */
    fresh_sfi(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 20 00 98", "6D 00");
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80", "63 C2");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 2 &&
           card.no_sfi && !card.sfi_verify_ok && script_done(t),
       "6D00 to the empty VERIFY by SFI: fallback, remembered");

    /* Sign by SFI refused (6E00): SELECT key EF + P2 80. */
    fresh_sfi(&card, t);
    card.ap_selected = true;
    card.verified[JPKI_ROLE_SIGN] = true;
    sign_cmd(cmd, 0x9A);
    script_expect_bytes(t, cmd, sizeof cmd, (const uint8_t *)"\x6E\x00", 2);
    script_expect(t, "00 A4 02 0C 02 00 1A", "90 00");
    sign_cmd(cmd, 0x80);
    script_expect_bytes(t, cmd, sizeof cmd, resp, sizeof resp);
    ok(jpki_sign(&card, JPKI_ROLE_SIGN, cmd + 5, 35, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 256 && card.no_sfi && script_done(t),
       "6E00 to sign by SFI: SELECT 001A + 80 2A 00 80, remembered");

    /* A missing EF answers 6A82 both ways: that says nothing about SFI. */
    fresh_sfi(&card, t);
    card.ap_selected = true;
    script_expect(t, "00 B0 81 00 08", "6A 82");
    script_expect(t, "00 A4 02 0C 02 00 01", "6A 82");
    ok(jpki_read_binary(&card, JPKI_EF_SIGN_CERT, 0, buf, sizeof buf, &got) ==
               JPKI_E_FILE_NOT_FOUND &&
           !card.no_sfi && script_done(t),
       "missing EF: FILE_NOT_FOUND, SFI still used");

    /* 6982 to a read by SFI is about the file, not the form. */
    script_expect(t, "00 B0 81 00 08", "69 82");
    ok(jpki_read_binary(&card, JPKI_EF_SIGN_CERT, 0, buf, sizeof buf, &got) ==
               JPKI_E_SECURITY_STATUS &&
           !card.no_sfi && script_done(t),
       "6982 to a read by SFI: no fallback");
    script_free(t);
}

/* A DER certificate (EC P-256, issuer like the J-LIS one) for tests that
 * parse what they read. Caller frees with OPENSSL_free. */
static int make_x509_der(uint8_t **der)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *iss = X509_NAME_new();
    int len;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x7654321);
    X509_NAME_add_entry_by_txt(iss, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1, -1, 0);
    X509_NAME_add_entry_by_txt(
        iss, "OU", MBSTRING_ASC,
        (const unsigned char *)"Japan Agency for Local Authority Information Systems", -1, -1, 0);
    X509_set_issuer_name(x, iss);
    X509_set_subject_name(x, iss);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_sign(x, key, EVP_sha256());
    *der = NULL;
    len = i2d_X509(x, der);
    X509_NAME_free(iss);
    X509_free(x);
    EVP_PKEY_free(key);
    return len;
}

/* The serialNumber and issuer found in the first 256 bytes are the DER
 * OpenSSL re-emits (what jpki_token_serial hashes). */
static void test_issuer_serial(void)
{
    uint8_t *der = NULL, *ser_der = NULL, *iss_der = NULL;
    const uint8_t *ser = NULL, *is = NULL;
    size_t ser_len = 0, is_len = 0;
    int len = make_x509_der(&der);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, len);

    int sl = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &ser_der);
    int il = i2d_X509_NAME(X509_get_issuer_name(x), &iss_der);
    ok(len > 256 && sl > 0 && il > 0, "test certificate made (%d bytes)", len);
    ok(jpki_cert_issuer_serial(der, 256, &ser, &ser_len, &is, &is_len) == JPKI_OK &&
           ser_len == (size_t)sl && memcmp(ser, ser_der, ser_len) == 0 &&
           is_len == (size_t)il && memcmp(is, iss_der, is_len) == 0,
       "serialNumber and issuer from the first 256 bytes");
    ok(jpki_cert_issuer_serial(der, 40, &ser, &ser_len, &is, &is_len) == JPKI_E_END_OF_FILE,
       "issuer beyond the bytes given -> END_OF_FILE");
    ok(jpki_cert_issuer_serial(der, 3, &ser, &ser_len, &is, &is_len) == JPKI_E_END_OF_FILE,
       "3 bytes -> END_OF_FILE");
    uint8_t bad[256];
    memcpy(bad, der, 256);
    bad[8] = 0x04;   /* the version's [0] or the serial's tag no longer right */
    bad[4] = 0x31;   /* TBSCertificate not a SEQUENCE */
    ok(jpki_cert_issuer_serial(bad, 256, &ser, &ser_len, &is, &is_len) == JPKI_E_MALFORMED,
       "broken TBSCertificate -> MALFORMED");
    memset(bad, 0xFF, sizeof bad);
    ok(jpki_cert_issuer_serial(bad, 256, &ser, &ser_len, &is, &is_len) == JPKI_E_MALFORMED,
       "FF filler -> MALFORMED");
    static const uint8_t huge_len[] = { 0x30, 0x82, 0x06, 0x2B, 0x30, 0x82, 0x05, 0x13,
                                        0xA0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x7F, 0x01 };
    ok(jpki_cert_issuer_serial(huge_len, sizeof huge_len, &ser, &ser_len, &is, &is_len) ==
           JPKI_E_MALFORMED,
       "serial of 127 bytes -> MALFORMED, nothing read beyond");
    OPENSSL_free(der);
    OPENSSL_free(ser_der);
    OPENSSL_free(iss_der);
    X509_free(x);
}

/* The one file in dir whose name ends with suffix, or "" . */
static bool find_cache_file(const char *dir, const char *suffix, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;
    out[0] = '\0';
    if (d == NULL)
        return false;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), m = strlen(suffix);
        if (n > m && strcmp(e->d_name + n - m, suffix) == 0) {
            snprintf(out, cap, "%s/%s", dir, e->d_name);
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* The auth certificate dropped from the generation cache, and its rest
 * (after the kept first chunk) expected from the card. */
static void expect_auth_reread(jpki_reader *r, jpki_transport *t, const uint8_t *der, size_t len)
{
    free(r->cert[2]);
    r->cert[2] = NULL;
    r->card.current_ef = JPKI_EF_AUTH_CERT;
    expect_read(t, 256, len - 256, der + 256, len - 256, 0x9000);
}

/* The per-user disk cache of public certificates (slot.c). */
static void test_disk_cache(void)
{
    char base[] = "/tmp/jpki-cache-test.XXXXXX", xdg[256], dir[300], file[600];
    jpki_transport *t = script_new();
    jpki_reader *r = calloc(1, sizeof *r);
    uint8_t *der = NULL;
    int len = make_x509_der(&der);
    struct stat sb;

    ok(mkdtemp(base) != NULL && r != NULL && len > 300 && len < 512, "setup (%d-byte cert)", len);
    snprintf(xdg, sizeof xdg, "%s/xdg", base);
    snprintf(dir, sizeof dir, "%s/jpki-pkcs11", xdg);
    setenv("XDG_CACHE_HOME", xdg, 1);
    setenv("JPKI_PKCS11_CACHE", "1", 1);
    fresh(&r->card, t);
    r->card.ap_selected = true;
    memcpy(r->card.head, der, 256);
    r->card.head_fid = JPKI_EF_AUTH_CERT;
    r->card.head_len = 256;

    /* First read: from the card, then stored. */
    r->card.current_ef = JPKI_EF_AUTH_CERT;
    expect_read(t, 256, (size_t)len - 256, der + 256, (size_t)len - 256, 0x9000);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t) &&
           r->cert[2] != NULL && r->cert_len[2] == (size_t)len &&
           memcmp(r->cert[2], der, (size_t)len) == 0,
       "auth certificate read from the card (rest after the kept chunk)");
    ok(find_cache_file(dir, "-000a.der", file, sizeof file), "stored in the cache");
    ok(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600, "file mode 0600");
    ok(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "directory mode 0700");
    ok(stat(xdg, &sb) == 0 && (sb.st_mode & 0777) == 0700, "created parent mode 0700");

    /* Next card generation, same card: no APDU. */
    free(r->cert[2]);
    r->cert[2] = NULL;
    unsigned long before = r->card.apdu_count;
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && r->card.apdu_count == before &&
           r->cert_len[2] == (size_t)len && memcmp(r->cert[2], der, (size_t)len) == 0 &&
           script_done(t),
       "cache hit: no APDU");

    /* Another card (another first chunk): not this file. */
    r->card.head[200] ^= 1;
    expect_auth_reread(r, t, der, (size_t)len);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t),
       "another card's key: read from the card");
    r->card.head[200] ^= 1;

    /* A file that does not parse is not used. */
    FILE *fp = fopen(file, "w");
    if (fp) {
        fputs("not a certificate", fp);
        fclose(fp);
    }
    expect_auth_reread(r, t, der, (size_t)len);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t) &&
           memcmp(r->cert[2], der, (size_t)len) == 0,
       "broken cache file: read from the card");

    /* A file others can read is not used. */
    chmod(file, 0644);
    expect_auth_reread(r, t, der, (size_t)len);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t),
       "group/world-readable cache file: read from the card");

    /* The sign certificate is never stored. */
    r->card.current_ef = JPKI_EF_SIGN_CERT;
    expect_read(t, 0, 256, der, 256, 0x9000);
    expect_read(t, 256, (size_t)len - 256, der + 256, (size_t)len - 256, 0x9000);
    ok(jpki_reader_cert_tx(r, JPKI_EF_SIGN_CERT) == JPKI_OK && script_done(t) &&
           !find_cache_file(dir, "-0001.der", file, sizeof file),
       "sign certificate read, never stored");

    /* Off unless JPKI_PKCS11_CACHE=1. */
    setenv("JPKI_PKCS11_CACHE", "0", 1);
    r->card.current_ef = JPKI_EF_AUTH_CA;
    expect_read(t, 0, 256, der, 256, 0x9000);
    expect_read(t, 256, (size_t)len - 256, der + 256, (size_t)len - 256, 0x9000);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CA) == JPKI_OK && script_done(t) &&
           !find_cache_file(dir, "-000b.der", file, sizeof file),
       "JPKI_PKCS11_CACHE=0: nothing stored");

    unsetenv("JPKI_PKCS11_CACHE");
    unsetenv("XDG_CACHE_HOME");
    for (int i = 0; i < JPKI_CERT_SLOTS; i++)
        free(r->cert[i]);
    free(r);
    OPENSSL_free(der);
    script_free(t);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    ok(system(cmd) == 0, "cleanup");
}

static void pin_row(jpki_role role, const char *pin, CK_RV want, const char *want_out)
{
    uint8_t out[JPKI_PIN_MAX];
    size_t out_len = 99;
    CK_RV rv = jpki_pin_check(role, (const uint8_t *)pin, strlen(pin), out, &out_len);
    bool good = rv == want;
    if (good && want == CKR_OK)
        good = out_len == strlen(want_out) && memcmp(out, want_out, out_len) == 0;
    if (good && want != CKR_OK)
        good = out_len == 0;
    ok(good, "%s PIN '%s' -> 0x%lx", role == JPKI_ROLE_AUTH ? "auth" : "sign", pin,
       (unsigned long)want);
}

static void test_pin_check(void)
{
    pin_row(JPKI_ROLE_AUTH, "1234", CKR_OK, "1234");
    pin_row(JPKI_ROLE_AUTH, "0000", CKR_OK, "0000");
    pin_row(JPKI_ROLE_AUTH, "123", CKR_PIN_LEN_RANGE, NULL);
    pin_row(JPKI_ROLE_AUTH, "12345", CKR_PIN_LEN_RANGE, NULL);
    pin_row(JPKI_ROLE_AUTH, "", CKR_PIN_LEN_RANGE, NULL);
    pin_row(JPKI_ROLE_AUTH, "12a4", CKR_PIN_INVALID, NULL);
    pin_row(JPKI_ROLE_AUTH, "12 4", CKR_PIN_INVALID, NULL);
    pin_row(JPKI_ROLE_AUTH, "abcd", CKR_PIN_INVALID, NULL);
    pin_row(JPKI_ROLE_SIGN, "abc123", CKR_OK, "ABC123");
    pin_row(JPKI_ROLE_SIGN, "ABC123", CKR_OK, "ABC123");
    pin_row(JPKI_ROLE_SIGN, "Zz09aA", CKR_OK, "ZZ09AA");
    pin_row(JPKI_ROLE_SIGN, "ABCDEFGHIJ123456", CKR_OK, "ABCDEFGHIJ123456");
    pin_row(JPKI_ROLE_SIGN, "ABC 12", CKR_PIN_INVALID, NULL);
    pin_row(JPKI_ROLE_SIGN, "ABC-12", CKR_PIN_INVALID, NULL);
    pin_row(JPKI_ROLE_SIGN, "ABC12\xC3\xA9", CKR_PIN_INVALID, NULL);
    pin_row(JPKI_ROLE_SIGN, "ABCDEFGHIJ1234567", CKR_PIN_LEN_RANGE, NULL);
    pin_row(JPKI_ROLE_SIGN, "ABC12", CKR_PIN_LEN_RANGE, NULL);
    pin_row(JPKI_ROLE_SIGN, "1234", CKR_PIN_LEN_RANGE, NULL);
    {
        uint8_t out[JPKI_PIN_MAX];
        size_t n;
        uint8_t nul[4] = { '1', '2', 0, '4' };
        ok(jpki_pin_check(JPKI_ROLE_AUTH, nul, 4, out, &n) == CKR_PIN_INVALID,
           "embedded NUL -> PIN_INVALID");
        ok(jpki_pin_check(JPKI_ROLE_AUTH, NULL, 4, out, &n) == CKR_ARGUMENTS_BAD,
           "NULL PIN -> ARGUMENTS_BAD");
    }
    ok(jpki_pin_max_tries(JPKI_ROLE_AUTH) == 3 && jpki_pin_max_tries(JPKI_ROLE_SIGN) == 5,
       "tries 3 / 5");
    ok(jpki_pin_min_len(JPKI_ROLE_AUTH) == 4 && jpki_pin_max_len(JPKI_ROLE_AUTH) == 4,
       "auth length 4..4");
    ok(jpki_pin_min_len(JPKI_ROLE_SIGN) == 6 && jpki_pin_max_len(JPKI_ROLE_SIGN) == 16,
       "sign length 6..16");
}

int main(void)
{
    test_read_cert();
    test_cert_forms();
    test_hostile();
    test_removed_and_reset();
    test_token_info();
    test_pin_status();
    test_verify();
    test_sign();
    test_read_binary();
    test_sfi_identify();
    test_sfi_fallback();
    test_issuer_serial();
    test_disk_cache();
    test_pin_check();
    return done_testing();
}
