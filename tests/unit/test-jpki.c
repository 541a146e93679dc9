/*
 * test-jpki.c: the exact APDU sequence of every JPKI operation, the answers
 * of a hostile or broken card, and the PIN format rules. The scripted
 * transport fails on any command not in the script, so "script_done" also
 * proves that nothing extra (a second VERIFY, say) was sent. The SFI forms,
 * their fallback and the certificate cache are in test-jpki-sfi.c.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "jpki-test.h"


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
    /* 32 bytes were asked: fewer is a broken card, and nothing more is read. */
    script_expect(t, "00 B0 00 00 20", "4A 50 4B 49 41 50 49 43 43 54 4F 4B 45 4E 32 90 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_E_MALFORMED && info.name[0] == '\0' &&
           info.kind == JPKI_TOKEN_UNKNOWN,
       "short EF (15 bytes): MALFORMED, nothing kept");
    ok(script_done(t), "token info reads: one READ each");
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
    test_pin_check();
    return done_testing();
}
