/*
 * test-profile.c: the card profile table and what chooses a row (EF 0006),
 * EF 0008, and signatures of larger keys through 61xx chaining, on a
 * scripted transport. Hostile answers are errors, never over-reads.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>

#include "../tap.h"
#include "card_profile.h"
#include "jpki.h"
#include "transport_script.h"

#define SELECT_AP "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"

/* A 32-byte EF 0006 name field, blank padded. */
static size_t name_field(const char *name, uint8_t out[32])
{
    memset(out, ' ', 32);
    memcpy(out, name, strlen(name));
    return 32;
}

static void test_rows(void)
{
    static const struct {
        const char *name;
        jpki_token_kind kind;
        const char *model;
        bool auth_cert_needs_pin;
    } rows[] = {
        { "JPKIAPICCTOKEN2", JPKI_TOKEN_CARD, "My Number Card", false },
        { "JPKIAPICCTOKEN", JPKI_TOKEN_JUKI, "Juki card", false },
        { "JPKIAPGPSETOKEN", JPKI_TOKEN_ANDROID, "Android (mobile)", true },
        { "JPKIAPIOSTOKEN", JPKI_TOKEN_IPHONE, "iPhone (mobile)", false },
        { "JPKIAPXXTOKEN", JPKI_TOKEN_UNKNOWN, "JPKI token", false },
        { "JPKIAPICCTOKEN22", JPKI_TOKEN_UNKNOWN, "JPKI token", false },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const jpki_card_profile *p = jpki_profile_for_name(rows[i].name);
        is_ulong(p->kind, rows[i].kind, "%s: kind", rows[i].name);
        ok(strcmp(p->model, rows[i].model) == 0 && strlen(p->model) <= 16, "%s: model '%s'",
           rows[i].name, p->model);
        ok(p->role[JPKI_ROLE_AUTH].cert_needs_pin == rows[i].auth_cert_needs_pin &&
               p->role[JPKI_ROLE_SIGN].cert_needs_pin,
           "%s: which certificates need a PIN", rows[i].name);
        ok(p->serial_from_token_info == rows[i].auth_cert_needs_pin,
           "%s: serial from EF 0006 exactly where the auth certificate needs the PIN",
           rows[i].name);
        /* The facts every row shares (§3.1, §6.1). */
        ok(p->aid_len == 10 && p->aid[0] == 0xD3 && p->aid[9] == 0x01, "%s: AID", rows[i].name);
        ok(p->role[JPKI_ROLE_AUTH].cert_ef == 0x000A && p->role[JPKI_ROLE_AUTH].ca_ef == 0x000B &&
               p->role[JPKI_ROLE_AUTH].key_ef == 0x0017 && p->role[JPKI_ROLE_AUTH].pin_ef == 0x0018,
           "%s: auth EFs", rows[i].name);
        ok(p->role[JPKI_ROLE_SIGN].cert_ef == 0x0001 && p->role[JPKI_ROLE_SIGN].ca_ef == 0x0002 &&
               p->role[JPKI_ROLE_SIGN].key_ef == 0x001A && p->role[JPKI_ROLE_SIGN].pin_ef == 0x001B,
           "%s: sign EFs", rows[i].name);
        ok(p->role[JPKI_ROLE_AUTH].pin == jpki_pin_rule_of(JPKI_ROLE_AUTH) &&
               p->role[JPKI_ROLE_SIGN].pin == jpki_pin_rule_of(JPKI_ROLE_SIGN),
           "%s: the shared PIN rules", rows[i].name);
        ok(jpki_profile_of_kind(p->kind) == p, "%s: row of its kind", rows[i].name);
    }
    ok(jpki_profile_for_name(NULL)->kind == JPKI_TOKEN_UNKNOWN, "no name: unknown row");
    ok(jpki_profile_of_kind((jpki_token_kind)99)->kind == JPKI_TOKEN_UNKNOWN,
       "kind out of range: unknown row");
    ok(jpki_profile_default()->kind == JPKI_TOKEN_CARD, "default: My Number Card");
    ok(jpki_card_profile_of(NULL) == jpki_profile_default(), "no card: default row");
    const jpki_pin_rule *a = jpki_pin_rule_of(JPKI_ROLE_AUTH), *s = jpki_pin_rule_of(JPKI_ROLE_SIGN);
    ok(a->max_tries == 3 && a->min_len == 4 && a->max_len == 4 && !a->letters &&
           !a->new_needs_mix,
       "auth PIN rule");
    ok(s->max_tries == 5 && s->min_len == 6 && s->max_len == 16 && s->letters && s->new_needs_mix,
       "sign PIN rule");
    ok(jpki_pin_rule_of((jpki_role)2) == NULL, "bad role: no rule");
}

static void test_parse_name(void)
{
    uint8_t raw[40];
    jpki_token_info info;

    memset(&info, 0, sizeof info);
    name_field("JPKIAPGPSETOKEN", raw);
    ok(jpki_parse_token_name(raw, 32, &info) == JPKI_OK && strcmp(info.name, "JPKIAPGPSETOKEN") == 0 &&
           info.kind == JPKI_TOKEN_ANDROID,
       "Android name");
    memset(&info, 0, sizeof info);
    ok(jpki_parse_token_name(raw, 31, &info) == JPKI_E_MALFORMED && info.name[0] == '\0',
       "31 bytes: MALFORMED, nothing written");
    ok(jpki_parse_token_name(raw, 33, &info) == JPKI_E_MALFORMED, "33 bytes: MALFORMED");
    ok(jpki_parse_token_name(raw, 0, &info) == JPKI_E_MALFORMED, "empty: MALFORMED");
    memset(raw, 'A', 32);
    ok(jpki_parse_token_name(raw, 32, &info) == JPKI_OK && strlen(info.name) == 32 &&
           info.kind == JPKI_TOKEN_UNKNOWN,
       "32 letters, no padding: kept whole, NUL-terminated, unknown kind");
    name_field("JPKIAPIOSTOKEN", raw);
    raw[20] = 0x80;
    ok(jpki_parse_token_name(raw, 32, &info) == JPKI_E_MALFORMED, "byte 0x80 in padding");
    name_field("JPKIAPIOSTOKEN", raw);
    raw[3] = '\0';
    ok(jpki_parse_token_name(raw, 32, &info) == JPKI_E_MALFORMED, "NUL inside the name");
    ok(jpki_parse_token_name(NULL, 32, &info) == JPKI_E_BAD_ARG, "NULL");
}

static void test_parse_serial(void)
{
    jpki_token_info info;

    memset(&info, 0, sizeof info);
    ok(jpki_parse_token_serial((const uint8_t *)"0000000020500003", 16, &info) == JPKI_OK &&
           strcmp(info.serial, "0000000020500003") == 0,
       "16-character serial");
    ok(jpki_parse_token_serial((const uint8_t *)"ABC             ", 16, &info) == JPKI_OK &&
           strcmp(info.serial, "ABC") == 0,
       "blank padding trimmed");
    memset(&info, 0, sizeof info);
    ok(jpki_parse_token_serial((const uint8_t *)"                ", 16, &info) == JPKI_E_MALFORMED &&
           info.serial[0] == '\0',
       "blank serial: MALFORMED");
    ok(jpki_parse_token_serial((const uint8_t *)"00000000\x01\x02\x03\x04\x05\x06\x07\x08", 16, &info) ==
           JPKI_E_MALFORMED,
       "binary serial: MALFORMED");
    ok(jpki_parse_token_serial((const uint8_t *)"0000000020500003", 15, &info) == JPKI_E_MALFORMED,
       "15 bytes: MALFORMED");
}

static void test_cert_list(void)
{
    jpki_cert_list l;

    ok(jpki_parse_cert_list((const uint8_t *)"\x8F\x8F\x00", 3, &l) == JPKI_OK &&
           l.cert[JPKI_ROLE_SIGN] == JPKI_CERT_PRESENT && l.cert[JPKI_ROLE_AUTH] == JPKI_CERT_PRESENT,
       "8F 8F 00: both");
    ok(jpki_parse_cert_list((const uint8_t *)"\x00\x8F\x00", 3, &l) == JPKI_OK &&
           l.cert[JPKI_ROLE_SIGN] == JPKI_CERT_ABSENT && l.cert[JPKI_ROLE_AUTH] == JPKI_CERT_PRESENT,
       "00 8F 00: no sign certificate");
    ok(jpki_parse_cert_list((const uint8_t *)"\x0F\x8F", 2, &l) == JPKI_OK &&
           l.cert[JPKI_ROLE_SIGN] == JPKI_CERT_PRESENT,
       "an unknown byte does not hide a certificate");
    ok(jpki_parse_cert_list((const uint8_t *)"\x00", 1, &l) == JPKI_E_MALFORMED &&
           l.cert[JPKI_ROLE_SIGN] == JPKI_CERT_UNKNOWN,
       "1 byte: MALFORMED, unknown");
    ok(jpki_parse_cert_list((const uint8_t *)"\x00\x00\x00\x00", 4, &l) == JPKI_E_MALFORMED,
       "4 bytes: MALFORMED");
}

/* Reads through the card layer: one READ BINARY by SFI each, short answers
 * refused, the serial at offset 80. */
static void test_reads(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    jpki_token_info info;
    jpki_cert_list l;
    uint8_t resp[34];

    jpki_card_init(&card, t);
    name_field("JPKIAPGPSETOKEN", resp);
    resp[32] = 0x90;
    resp[33] = 0x00;
    script_expect(t, SELECT_AP, "90 00");
    script_expect_bytes(t, (const uint8_t *)"\x00\xB0\x86\x00\x20", 5, resp, 34);
    script_expect(t, "00 B0 00 50 10", "30 30 30 30 30 30 30 30 32 30 35 30 30 30 30 33 90 00");
    script_expect(t, "00 B0 88 00 03", "00 8F 00 90 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && info.kind == JPKI_TOKEN_ANDROID,
       "EF 0006 by SFI: Android");
    ok(jpki_read_token_serial(&card, &info) == JPKI_OK &&
           strcmp(info.serial, "0000000020500003") == 0 && info.kind == JPKI_TOKEN_ANDROID,
       "serial: READ BINARY at offset 80 of the current EF, name kept");
    ok(jpki_read_cert_list(&card, &l) == JPKI_OK && l.cert[JPKI_ROLE_SIGN] == JPKI_CERT_ABSENT,
       "EF 0008 by SFI: no sign certificate");
    is_ulong(card.apdu_count, 4, "4 APDUs");
    ok(script_done(t), "exact sequence");

    /* Hostile: more bytes than asked are refused by the APDU layer; a short
     * serial, a missing EF 0008. */
    jpki_card_forget_selection(&card);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 B0 86 50 10",
                  "30 30 30 30 30 30 30 30 32 30 35 30 30 30 30 33 33 90 00");
    script_expect(t, "00 B0 86 50 10", "30 30 30 90 00");
    script_expect(t, "00 B0 88 00 03", "6A 82");
    ok(jpki_read_token_serial(&card, &info) == JPKI_E_MALFORMED && info.serial[0] == '\0',
       "17 bytes to Le 16: MALFORMED");
    ok(jpki_read_token_serial(&card, &info) == JPKI_E_MALFORMED, "3-byte serial: MALFORMED");
    ok(jpki_read_cert_list(&card, &l) == JPKI_E_FILE_NOT_FOUND &&
           l.cert[JPKI_ROLE_SIGN] == JPKI_CERT_UNKNOWN,
       "no EF 0008: unknown; READ by SFI already taken, so no SELECT to try the other form");
    ok(script_done(t), "exact sequence");
    script_free(t);
}

/* COMPUTE DIGITAL SIGNATURE of a 3072- and a 4096-bit key: Le 00 and the
 * rest through GET RESPONSE; extended Le where the card takes it. */
static void test_sign_chained(void)
{
    static uint8_t first[258], rest[258], sig[JPKI_SIGNATURE_MAX];
    static const uint8_t di[3] = { 1, 2, 3 };
    jpki_transport *t = script_new();
    jpki_card card;
    size_t sig_len = 0;

    for (size_t i = 0; i < 256; i++) {
        first[i] = (uint8_t)i;
        rest[i] = (uint8_t)(i ^ 0x5A);
    }
    jpki_card_init(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    first[256] = 0x61;
    first[257] = 0x80;
    rest[128] = 0x90;
    rest[129] = 0x00;
    script_expect_bytes(t, (const uint8_t *)"\x80\x2A\x00\x97\x03\x01\x02\x03\x00", 9, first, 258);
    script_expect_bytes(t, (const uint8_t *)"\x00\xC0\x00\x00\x80", 5, rest, 130);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, 3, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 384 && sig[255] == 255 && sig[256] == 0x5A,
       "3072: 256 bytes + 61 80 + 128 bytes");
    first[257] = 0x00;
    rest[256] = 0x90;
    rest[257] = 0x00;
    script_expect_bytes(t, (const uint8_t *)"\x80\x2A\x00\x97\x03\x01\x02\x03\x00", 9, first, 258);
    script_expect_bytes(t, (const uint8_t *)"\x00\xC0\x00\x00\x00", 5, rest, 258);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, 3, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 512,
       "4096: 256 bytes + 61 00 + 256 bytes");
    /* A card that chains past what a 4096-bit key gives is refused. */
    script_expect_bytes(t, (const uint8_t *)"\x80\x2A\x00\x97\x03\x01\x02\x03\x00", 9, first, 258);
    rest[256] = 0x61;
    rest[257] = 0x10;
    script_expect_bytes(t, (const uint8_t *)"\x00\xC0\x00\x00\x00", 5, rest, 258);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, 3, sig, sizeof sig, &sig_len) != JPKI_OK &&
           sig_len == 0,
       "61 10 after 512 bytes: not a signature");
    /* A 2048-bit answer to a 4096-bit buffer is the caller's to judge. */
    first[256] = 0x90;
    first[257] = 0x00;
    script_expect_bytes(t, (const uint8_t *)"\x80\x2A\x00\x97\x03\x01\x02\x03\x00", 9, first, 258);
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, 3, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 256,
       "256 bytes in one answer");
    /* Extended Le on a card that takes it: Le = the buffer, one answer. */
    card.extended_le = true;
    {
        static uint8_t big[514];
        memset(big, 0xA5, 512);
        big[512] = 0x90;
        big[513] = 0x00;
        script_expect_bytes(t,
                            (const uint8_t *)"\x80\x2A\x00\x97\x00\x00\x03\x01\x02\x03\x02\x00",
                            12, big, 514);
        ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, 3, sig, sizeof sig, &sig_len) == JPKI_OK &&
               sig_len == 512,
           "extended Le 512: one APDU");
    }
    ok(script_done(t), "exact sequence");
    ok(jpki_sign(&card, JPKI_ROLE_AUTH, di, 3, sig, 513, &sig_len) == JPKI_E_BAD_ARG,
       "buffer above 4096 bits refused");
    script_free(t);
}

int main(void)
{
    test_rows();
    test_parse_name();
    test_parse_serial();
    test_cert_list();
    test_reads();
    test_sign_chained();
    return done_testing();
}
