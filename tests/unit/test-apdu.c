/*
 * test-apdu.c: APDU encoding (ISO 7816-3 cases 1-4, short and extended),
 * the 61xx/6Cxx handling, refusal of malformed answers, and the trace's
 * PIN redaction.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "apdu.h"
#include "log.h"
#include "transport_script.h"

static uint8_t big[65536];

/* Encodes cmd and compares with want_hex. */
static void check_encode(const jpki_apdu *cmd, const char *want_hex, const char *name)
{
    static uint8_t want[70000], got[70000];
    size_t wn = script_hex(want_hex, want, sizeof want);
    size_t gn = jpki_apdu_encode(cmd, got, sizeof got);
    ok(gn == wn && memcmp(got, want, wn) == 0, "encode %s (%zu bytes, want %zu)", name, gn, wn);
}

/* Encodes cmd and compares with a prefix hex, then data, then suffix hex. */
static void check_encode_long(const jpki_apdu *cmd, const char *head_hex, const char *tail_hex,
                              const char *name)
{
    static uint8_t got[70000];
    uint8_t head[16], tail[16];
    size_t hn = script_hex(head_hex, head, sizeof head);
    size_t tn = script_hex(tail_hex, tail, sizeof tail);
    size_t gn = jpki_apdu_encode(cmd, got, sizeof got);
    ok(gn == hn + cmd->data_len + tn && memcmp(got, head, hn) == 0 &&
           memcmp(got + hn, cmd->data, cmd->data_len) == 0 &&
           (tn == 0 || memcmp(got + hn + cmd->data_len, tail, tn) == 0),
       "encode %s (%zu bytes)", name, gn);
}

static void test_encode(void)
{
    uint8_t d3[3] = { 0x01, 0x02, 0x03 };
    uint8_t out[8];

    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)i;

    jpki_apdu c1 = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x80 };
    check_encode(&c1, "00 20 00 80", "case 1");

    jpki_apdu c2 = { .cla = 0x00, .ins = 0xB0, .p1 = 0x00, .p2 = 0x00, .le = 4 };
    check_encode(&c2, "00 B0 00 00 04", "case 2S Le=4");
    c2.le = 1;
    check_encode(&c2, "00 B0 00 00 01", "case 2S Le=1");
    c2.le = 255;
    check_encode(&c2, "00 B0 00 00 FF", "case 2S Le=255");
    c2.le = 256;
    check_encode(&c2, "00 B0 00 00 00", "case 2S Le=256 as 00");

    jpki_apdu c3 = { .cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C,
                     .data = (const uint8_t *)"\x00\x0A", .data_len = 2 };
    check_encode(&c3, "00 A4 02 0C 02 00 0A", "case 3S");
    c3.data = big;
    c3.data_len = 255;
    check_encode_long(&c3, "00 A4 02 0C FF", "", "case 3S Lc=255");

    jpki_apdu c4 = { .cla = 0x80, .ins = 0x2A, .p1 = 0x00, .p2 = 0x80, .data = d3,
                     .data_len = 3, .le = 256 };
    check_encode(&c4, "80 2A 00 80 03 01 02 03 00", "case 4S Le=256");
    c4.le = 16;
    check_encode(&c4, "80 2A 00 80 03 01 02 03 10", "case 4S Le=16");
    c4.data = big;
    c4.data_len = 255;
    c4.le = 256;
    check_encode_long(&c4, "80 2A 00 80 FF", "00", "case 4S Lc=255 Le=256");

    jpki_apdu e2 = { .cla = 0x00, .ins = 0xB0, .p1 = 0x00, .p2 = 0x00, .le = 257 };
    check_encode(&e2, "00 B0 00 00 00 01 01", "case 2E Le=257");
    e2.le = 65535;
    check_encode(&e2, "00 B0 00 00 00 FF FF", "case 2E Le=65535");
    e2.le = 65536;
    check_encode(&e2, "00 B0 00 00 00 00 00", "case 2E Le=65536 as 0000");

    jpki_apdu e3 = { .cla = 0x80, .ins = 0xA2, .p1 = 0x00, .p2 = 0x00, .data = big,
                     .data_len = 256 };
    check_encode_long(&e3, "80 A2 00 00 00 01 00", "", "case 3E Lc=256");
    e3.data_len = 65535;
    check_encode_long(&e3, "80 A2 00 00 00 FF FF", "", "case 3E Lc=65535");

    jpki_apdu e4 = { .cla = 0x80, .ins = 0x2A, .p1 = 0x00, .p2 = 0x80, .data = big,
                     .data_len = 256, .le = 256 };
    check_encode_long(&e4, "80 2A 00 80 00 01 00", "01 00", "case 4E Lc=256 Le=256");
    e4.data = d3;
    e4.data_len = 3;
    e4.le = 65536;
    check_encode_long(&e4, "80 2A 00 80 00 00 03", "00 00", "case 4E Lc=3 Le=65536");
    e4.le = 257;
    check_encode_long(&e4, "80 2A 00 80 00 00 03", "01 01", "case 4E Lc=3 Le=257");

    /* What cannot be encoded. */
    jpki_apdu bad = { .cla = 0x00, .ins = 0xB0, .le = 65537 };
    ok(jpki_apdu_encode(&bad, out, sizeof out) == 0, "Le 65537 refused");
    bad.le = 0;
    bad.data = big;
    bad.data_len = 65536;
    ok(jpki_apdu_encode(&bad, big, 0) == 0, "Lc 65536 refused");
    bad.data = NULL;
    bad.data_len = 2;
    ok(jpki_apdu_encode(&bad, out, sizeof out) == 0, "data_len without data refused");
    ok(jpki_apdu_encode(&c4, out, 4) == 0, "output buffer too small refused");
    ok(jpki_apdu_encode(&c1, out, 4) == 4, "exact output buffer accepted");
    ok(jpki_apdu_encode(NULL, out, sizeof out) == 0, "NULL command refused");
}

typedef struct {
    jpki_status st;
    uint8_t resp[300];
    size_t len;
    uint16_t sw;
    unsigned long count;
} result;

static void run(jpki_transport *t, const jpki_apdu *cmd, size_t cap, result *r)
{
    memset(r, 0, sizeof *r);
    r->st = jpki_apdu_transmit(t, cmd, cap ? r->resp : NULL, cap, &r->len, &r->sw, &r->count);
}

static void test_transmit(void)
{
    jpki_transport *t = script_new();
    result r;
    jpki_apdu read4 = { .cla = 0x00, .ins = 0xB0, .le = 4 };
    jpki_apdu sel = { .cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C,
                      .data = (const uint8_t *)"\x00\x06", .data_len = 2 };

    script_expect(t, "00 B0 00 00 04", "30 82 06 2B 90 00");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_OK && r.len == 4 && r.sw == 0x9000 && r.resp[1] == 0x82 && r.count == 1,
       "plain read: 4 bytes + 9000, 1 APDU");
    ok(script_done(t), "script consumed");

    script_expect(t, "00 A4 02 0C 02 00 06", "6A 82");
    run(t, &sel, 0, &r);
    ok(r.st == JPKI_OK && r.len == 0 && r.sw == 0x6A82, "SW is the caller's to judge");
    ok(script_done(t), "script consumed");

    /* 61 xx: GET RESPONSE once. */
    script_expect(t, "00 B0 00 00 04", "61 04");
    script_expect(t, "00 C0 00 00 04", "01 02 03 04 90 00");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_OK && r.len == 4 && r.sw == 0x9000 && r.resp[3] == 4 && r.count == 2,
       "61 04 -> GET RESPONSE, 2 APDUs");
    ok(script_done(t), "script consumed");

    /* 61 00 means 256 bytes. */
    jpki_apdu read256 = { .cla = 0x00, .ins = 0xB0, .le = 256 };
    {
        uint8_t resp256[258];
        memcpy(resp256, big, 256);
        resp256[256] = 0x90;
        resp256[257] = 0x00;
        script_expect(t, "00 B0 00 00 00", "61 00");
        script_expect_bytes(t, (const uint8_t *)"\x00\xC0\x00\x00\x00", 5, resp256, 258);
        run(t, &read256, 256, &r);
        ok(r.st == JPKI_OK && r.len == 256 && r.sw == 0x9000 && r.resp[255] == 255,
           "61 00 -> GET RESPONSE Le 00, 256 bytes");
        ok(script_done(t), "script consumed");

        uint8_t resp257[259];
        memcpy(resp257, big, 257);
        resp257[257] = 0x90;
        resp257[258] = 0x00;
        script_expect_bytes(t, (const uint8_t *)"\x00\xB0\x00\x00\x00", 5, resp257, 259);
        run(t, &read256, 256, &r);
        ok(r.st == JPKI_E_MALFORMED && r.len == 0, "257 bytes to Le 256 -> MALFORMED");
        ok(script_done(t), "script consumed");
    }

    /* Chained answers: each 61 xx is fetched while there is room. */
    script_expect(t, "00 B0 00 00 04", "61 02");
    script_expect(t, "00 C0 00 00 02", "01 02 61 02");
    script_expect(t, "00 C0 00 00 02", "03 04 90 00");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_OK && r.len == 4 && r.sw == 0x9000 && r.resp[3] == 4 && r.count == 3,
       "second 61 chased: 4 bytes in 3 APDUs");
    ok(script_done(t), "script consumed");
    /* A full buffer: the 61 xx goes back as the SW, nothing more is asked. */
    script_expect(t, "00 B0 00 00 04", "01 02 03 04 61 02");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_OK && r.len == 4 && r.sw == 0x6102 && r.count == 1,
       "61 to a full buffer returned as SW");
    ok(script_done(t), "no second APDU");
    /* A card that never stops chaining is not followed forever. */
    script_expect(t, "00 B0 00 00 04", "61 01");
    for (int i = 0; i < 3; i++)
        script_expect(t, "00 C0 00 00 01", "01 61 01");
    script_expect(t, "00 C0 00 00 01", "01 61 01");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_OK && r.len == 4 && r.sw == 0x6101 && r.count == 5,
       "chaining ends when the buffer is full");
    ok(script_done(t), "script consumed");
    /* A 3072-bit signature through short APDUs: 256 bytes, 61 80, 128 more. */
    {
        static uint8_t first[258], rest[130];
        uint8_t sig_out[512];
        size_t len = 0;
        uint16_t sw = 0;
        unsigned long count = 0;
        jpki_apdu sig384 = { .cla = 0x80, .ins = 0x2A, .p1 = 0x00, .p2 = 0x9A,
                             .data = (const uint8_t *)"\x01", .data_len = 1, .le = 256 };
        memcpy(first, big, 256);
        first[256] = 0x61;
        first[257] = 0x80;
        memcpy(rest, big + 256, 128);
        rest[128] = 0x90;
        rest[129] = 0x00;
        script_expect_bytes(t, (const uint8_t *)"\x80\x2A\x00\x9A\x01\x01\x00", 7, first,
                            sizeof first);
        script_expect_bytes(t, (const uint8_t *)"\x00\xC0\x00\x00\x80", 5, rest, sizeof rest);
        jpki_status st = jpki_apdu_transmit(t, &sig384, sig_out, sizeof sig_out, &len, &sw,
                                            &count);
        ok(st == JPKI_OK && len == 384 && sw == 0x9000 && count == 2 &&
               memcmp(sig_out, big, 384) == 0,
           "384 bytes: 256 + 61 80 + GET RESPONSE 128");
        ok(script_done(t), "script consumed");
    }

    /* 6C xx: resend with Le = xx once. */
    script_expect(t, "00 B0 00 00 04", "6C 02");
    script_expect(t, "00 B0 00 00 02", "AA BB 90 00");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_OK && r.len == 2 && r.sw == 0x9000 && r.count == 2, "6C 02 -> resend Le=2");
    ok(script_done(t), "script consumed");

    script_expect(t, "00 B0 00 00 04", "6C 02");
    script_expect(t, "00 B0 00 00 02", "6C 01");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_OK && r.sw == 0x6C01 && r.count == 2, "second 6C returned as SW");
    ok(script_done(t), "no third APDU");

    /* 6C xx to a case-4 command keeps the data. */
    jpki_apdu sign = { .cla = 0x80, .ins = 0x2A, .p1 = 0x00, .p2 = 0x80,
                       .data = (const uint8_t *)"\x01\x02", .data_len = 2, .le = 4 };
    script_expect(t, "80 2A 00 80 02 01 02 04", "6C 03");
    script_expect(t, "80 2A 00 80 02 01 02 03", "61 03");
    script_expect(t, "00 C0 00 00 03", "0A 0B 0C 90 00");
    run(t, &sign, 4, &r);
    ok(r.st == JPKI_OK && r.len == 3 && r.sw == 0x9000 && r.count == 3,
       "6C then 61 on a case-4 command");
    ok(script_done(t), "script consumed");

    /* Malformed answers. */
    script_expect(t, "00 B0 00 00 04", "90");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_MALFORMED && r.len == 0, "1-byte answer is malformed");
    script_expect(t, "00 B0 00 00 04", "");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_MALFORMED, "empty answer is malformed");
    script_expect(t, "00 B0 00 00 04", "01 02 03 04 05 90 00");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_MALFORMED && r.len == 0, "more data than Le is malformed");
    script_expect(t, "00 B0 00 00 04", "01 02 03 04 90 00");
    run(t, &read4, 2, &r);
    ok(r.st == JPKI_E_MALFORMED, "more data than resp_cap is malformed");
    script_expect(t, "00 A4 02 0C 02 00 06", "01 90 00");
    run(t, &sel, 0, &r);
    ok(r.st == JPKI_E_MALFORMED, "data to a command without Le is malformed");
    script_expect(t, "00 B0 00 00 04", "61 04");
    script_expect(t, "00 C0 00 00 04", "01 02 03 04 05 90 00");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_MALFORMED, "GET RESPONSE longer than asked is malformed");
    script_expect(t, "00 B0 00 00 04", "61 04");
    script_expect(t, "00 C0 00 00 04", "90");
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_MALFORMED, "short GET RESPONSE answer is malformed");
    ok(script_done(t), "script consumed");

    /* Transport errors come back as they are. */
    script_expect_fail(t, "00 B0 00 00 04", JPKI_E_NO_CARD);
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_NO_CARD && r.count == 1, "NO_CARD passed through");
    script_expect_fail(t, "00 B0 00 00 04", JPKI_E_CARD_RESET);
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_CARD_RESET, "CARD_RESET passed through");
    script_expect(t, "00 B0 00 00 04", "61 04");
    script_expect_fail(t, "00 C0 00 00 04", JPKI_E_COMM);
    run(t, &read4, 4, &r);
    ok(r.st == JPKI_E_COMM && r.count == 2, "COMM during GET RESPONSE passed through");
    ok(script_done(t), "script consumed");

    /* Extended Le: a 1000-byte answer. */
    {
        static uint8_t resp[1002], got[1000];
        jpki_apdu rx = { .cla = 0x00, .ins = 0xB0, .le = 1000 };
        size_t len = 0;
        uint16_t sw = 0;
        memcpy(resp, big, 1000);
        resp[1000] = 0x90;
        resp[1001] = 0x00;
        script_expect_bytes(t, (const uint8_t *)"\x00\xB0\x00\x00\x00\x03\xE8", 7, resp, 1002);
        jpki_status st = jpki_apdu_transmit(t, &rx, got, sizeof got, &len, &sw, NULL);
        ok(st == JPKI_OK && len == 1000 && sw == 0x9000 && memcmp(got, big, 1000) == 0,
           "extended Le 1000 read");
        ok(script_done(t), "script consumed");
    }

    /* Bad arguments. */
    {
        uint16_t sw;
        ok(jpki_apdu_transmit(t, &read4, NULL, 4, NULL, &sw, NULL) == JPKI_E_BAD_ARG,
           "resp NULL with a capacity refused");
        ok(jpki_apdu_transmit(t, NULL, NULL, 0, NULL, &sw, NULL) == JPKI_E_BAD_ARG,
           "NULL command refused");
        jpki_apdu huge = { .cla = 0x00, .ins = 0xB0, .le = 70000 };
        ok(jpki_apdu_transmit(t, &huge, NULL, 0, NULL, &sw, NULL) == JPKI_E_BAD_ARG,
           "unencodable command refused without sending");
        ok(script_done(t), "nothing sent");
    }
    script_free(t);
}

/* With APDU tracing on, a secret command's bytes never reach the log. */
static void test_redaction(void)
{
    char path[] = "/tmp/jpki-test-apdu-XXXXXX";
    char env[64], text[4096];
    int fd = mkstemp(path);
    jpki_transport *t = script_new();
    jpki_apdu verify = { .cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = 0x80,
                         .data = (const uint8_t *)"\x5A\xA5\x5A\xA5", .data_len = 4,
                         .secret = true };
    jpki_apdu sel = { .cla = 0x00, .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C,
                      .data = (const uint8_t *)"\x00\x18", .data_len = 2 };
    uint16_t sw = 0;
    size_t n;
    FILE *f;

    if (fd < 0) {
        ok(0, "mkstemp");
        return;
    }
    close(fd);
    snprintf(env, sizeof env, "3:%s", path);
    setenv("JPKI_PKCS11_DEBUG", env, 1);
    jpki_log_init();
    ok(jpki_log_enabled(JPKI_LOG_APDU), "APDU logging on");

    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80 04 5A A5 5A A5", "63 C2");
    ok(jpki_apdu_transmit(t, &sel, NULL, 0, NULL, &sw, NULL) == JPKI_OK, "select traced");
    ok(jpki_apdu_transmit(t, &verify, NULL, 0, NULL, &sw, NULL) == JPKI_OK && sw == 0x63C2,
       "secret VERIFY traced");
    ok(script_done(t), "script consumed");
    jpki_log_hex(JPKI_LOG_APDU, "hex", big, 100, 8);
    jpki_log_close();
    ok(!jpki_log_enabled(JPKI_LOG_ERROR), "logging off after close");
    unsetenv("JPKI_PKCS11_DEBUG");

    f = fopen(path, "r");
    n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    unlink(path);
    ok(strstr(text, "00 18") != NULL, "public data is in the trace");
    ok(strstr(text, "> 00 20 00 80 <data redacted>") != NULL, "secret APDU marked as redacted");
    ok(strstr(text, "4 bytes") == NULL && strstr(text, "Lc=4") == NULL &&
           strstr(text, "Lc=04") == NULL,
       "nor is its length (a PIN's length narrows the guesses)");
    ok(strstr(text, "5A A5") == NULL && strstr(text, "5AA5") == NULL && strstr(text, "5a") == NULL,
       "secret bytes are not in the trace");
    ok(strstr(text, "SW=63C2") != NULL, "response SW traced");
    ok(strstr(text, "hex: 00 01 02 03 04 05 06 07 ...") != NULL, "hex dump truncated with ...");
    script_free(t);
}

int main(void)
{
    test_encode();
    test_transmit();
    test_redaction();
    return done_testing();
}
