/*
 * test-jpki-sfi.c: the short-EF-identifier command forms (identify a card in
 * five APDUs), the fallback for cards that refuse them, the token serial from
 * a certificate's first chunk, and the disk cache of public certificates.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <unistd.h>
#include "jpki-test.h"

static void fresh_sfi(jpki_card *card, jpki_transport *t)
{
    jpki_card_init(card, t);
}

/* What the card layer knows of each SFI form. */
static bool sfi_all(const jpki_card *card, jpki_sfi_known read, jpki_sfi_known sign,
                    jpki_sfi_known verify)
{
    return card->sfi[JPKI_SFI_READ] == read && card->sfi[JPKI_SFI_SIGN] == sign &&
           card->sfi[JPKI_SFI_VERIFY] == verify;
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
    ok(sfi_all(&card, JPKI_SFI_UNTRIED, JPKI_SFI_UNTRIED, JPKI_SFI_UNTRIED) && card.head_fid == 0,
       "init: every SFI form to be tried");
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
    ok(jpki_read_cert_head(&card, JPKI_EF_AUTH_CERT, JPKI_CERT_HEAD_LEN) == JPKI_OK && card.head_fid == 0x000A &&
           card.head_len == 256 && memcmp(card.head, cert, 256) == 0,
       "first chunk of the auth certificate by SFI, kept");
    is_ulong(card.apdu_count, 5, "identification: 5 APDUs");
    ok(script_done(t) && sfi_all(&card, JPKI_SFI_TAKEN, JPKI_SFI_UNTRIED, JPKI_SFI_TAKEN) &&
           card.current_ef == 0x000A,
       "exact sequence; READ and VERIFY by SFI known to work; EF 000A current");
    ok(jpki_read_cert_head(&card, JPKI_EF_SIGN_CERT, JPKI_CERT_HEAD_LEN) == JPKI_E_BAD_ARG,
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
    int tries = 0;
    uint8_t cmd[41], resp[258], sig[256];
    size_t sig_len = 0;

    for (size_t i = 0; i < 256; i++)
        resp[i] = (uint8_t)i;
    resp[256] = 0x90;
    resp[257] = 0x00;

    /* VERIFY and sign by SFI after the card answered an empty VERIFY so. */
    fresh_sfi(&card, t);
    card.sfi[JPKI_SFI_VERIFY] = JPKI_SFI_TAKEN;
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
    ok(script_done(t) && card.current_ef == 0 &&
           sfi_all(&card, JPKI_SFI_UNTRIED, JPKI_SFI_TAKEN, JPKI_SFI_TAKEN),
       "exact sequence; current EF unknown after SFI; sign by SFI known to work");

    /* Not known yet whether VERIFY by SFI works: the PIN goes the old way. */
    fresh_sfi(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 1B", "90 00");
    script_expect(t, "00 20 00 80 06 41 42 43 31 32 33", "90 00");
    ok(jpki_verify_pin(&card, JPKI_ROLE_SIGN, (const uint8_t *)"ABC123", 6, &tries) == JPKI_OK &&
           script_done(t) && card.sfi[JPKI_SFI_VERIFY] == JPKI_SFI_UNTRIED,
       "PIN by SFI only after an empty VERIFY by SFI was answered");

    /* A PIN VERIFY by SFI refused: not resent in the other form; only
     * VERIFY by SFI is given up. */
    fresh_sfi(&card, t);
    card.sfi[JPKI_SFI_VERIFY] = JPKI_SFI_TAKEN;
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 20 00 98 04 31 32 33 34", "6A 86");
    ok(jpki_verify_pin(&card, JPKI_ROLE_AUTH, (const uint8_t *)"1234", 4, &tries) ==
               JPKI_E_WRONG_PARAMS &&
           !card.verified[JPKI_ROLE_AUTH],
       "VERIFY by SFI refused -> its status, not verified");
    ok(script_done(t) && sfi_all(&card, JPKI_SFI_UNTRIED, JPKI_SFI_UNTRIED, JPKI_SFI_REFUSED),
       "exactly one VERIFY; VERIFY by SFI no longer used, READ and sign by SFI still tried");
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80", "63 C3");
    script_expect(t, "00 20 00 80 04 31 32 33 34", "90 00");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 3 &&
           jpki_verify_pin(&card, JPKI_ROLE_AUTH, (const uint8_t *)"1234", 4, &tries) ==
               JPKI_OK &&
           script_done(t),
       "next login: SELECT EF once, then the empty VERIFY and the PIN by P2 80");
    script_free(t);
}

/* Each form learned on its own: a card that refuses READ BINARY by SFI
 * still gets VERIFY and sign by SFI, and so on; what is learned survives
 * jpki_card_forget_selection. */
static void test_sfi_per_form(void)
{
    jpki_transport *t = script_new();
    jpki_card card;
    jpki_token_info info;
    int tries = 0;
    uint8_t cmd[41], resp[258], sig[256], buf[8];
    size_t sig_len = 0, got = 0;

    for (size_t i = 0; i < 256; i++)
        resp[i] = (uint8_t)(255 - i);
    resp[256] = 0x90;
    resp[257] = 0x00;

    /* READ BINARY by SFI refused: SELECT EF + READ, remembered; VERIFY by
     * SFI still tried, and taken. */
    fresh_sfi(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 B0 86 00 20", "6A 86");
    script_expect(t, "00 A4 02 0C 02 00 06", "90 00");
    script_expect(t, "00 B0 00 00 20", TOKEN2 " 90 00");
    script_expect(t, "00 20 00 98", "63 C3");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && strcmp(info.name, "JPKIAPICCTOKEN2") == 0,
       "6A86 to READ BINARY by SFI: SELECT EF + READ");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 3 && script_done(t),
       "VERIFY by SFI still tried after READ by SFI was refused");
    ok(sfi_all(&card, JPKI_SFI_REFUSED, JPKI_SFI_UNTRIED, JPKI_SFI_TAKEN),
       "READ by SFI refused, VERIFY by SFI taken");
    jpki_card_forget_selection(&card);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 06", "90 00");
    script_expect(t, "00 B0 00 00 20", TOKEN2 " 90 00");
    ok(jpki_read_token_info(&card, &info) == JPKI_OK && script_done(t) &&
           sfi_all(&card, JPKI_SFI_REFUSED, JPKI_SFI_UNTRIED, JPKI_SFI_TAKEN),
       "a new transaction: READ by SFI not tried again");

    /* VERIFY by SFI refused (6A86, the vcard's --no-sfi-verify): the empty
     * VERIFY falls back, the PIN then goes by P2 80 without a second
     * SELECT EF, and READ and sign by SFI go on. */
    fresh_sfi(&card, t);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 B0 86 00 20", TOKEN2 " 90 00");
    script_expect(t, "00 20 00 9B", "6A 86");
    script_expect(t, "00 A4 02 0C 02 00 1B", "90 00");
    script_expect(t, "00 20 00 80", "63 C5");
    script_expect(t, "00 20 00 80 06 41 42 43 31 32 33", "90 00");
    sign_cmd(cmd, 0x9A);
    script_expect_bytes(t, cmd, sizeof cmd, resp, sizeof resp);
    ok(jpki_read_token_info(&card, &info) == JPKI_OK, "READ by SFI");
    ok(jpki_pin_status(&card, JPKI_ROLE_SIGN, &tries) == JPKI_OK && tries == 5,
       "empty VERIFY by SFI refused: SELECT EF + 00 20 00 80");
    ok(jpki_verify_pin(&card, JPKI_ROLE_SIGN, (const uint8_t *)"ABC123", 6, &tries) == JPKI_OK &&
           card.verified[JPKI_ROLE_SIGN],
       "PIN by P2 80 on the EF the empty VERIFY selected");
    ok(jpki_sign(&card, JPKI_ROLE_SIGN, cmd + 5, 35, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 256 && memcmp(sig, resp, 256) == 0,
       "sign by SFI 9A still used");
    is_ulong(card.apdu_count, 7, "7 APDUs");
    ok(script_done(t) && sfi_all(&card, JPKI_SFI_TAKEN, JPKI_SFI_TAKEN, JPKI_SFI_REFUSED),
       "exact sequence; only VERIFY by SFI given up");
    /* Kept across transactions: VERIFY by SFI is not tried again, READ by
     * SFI still is. */
    jpki_card_forget_selection(&card);
    script_expect(t, SELECT_AP, "90 00");
    script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
    script_expect(t, "00 20 00 80", "63 C3");
    script_expect(t, "00 B0 86 00 08", "4A 504B 4941 5049 43 90 00");
    ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 3,
       "next transaction: empty VERIFY by SELECT EF at once");
    ok(jpki_read_binary(&card, JPKI_EF_TOKEN_INFO, 0, buf, sizeof buf, &got) == JPKI_OK &&
           got == 8 && memcmp(buf, "JPKIAPIC", 8) == 0 && script_done(t),
       "and READ BINARY by SFI");

    /* Empty VERIFY by SFI refused with 6A88 (ISO: reference not found) or
     * 6D00: the same fallback, only VERIFY by SFI given up. */
    static const char *const refusals[] = { "6A 88", "6D 00" };
    for (size_t i = 0; i < 2; i++) {
        fresh_sfi(&card, t);
        card.sfi[JPKI_SFI_READ] = JPKI_SFI_TAKEN;
        script_expect(t, SELECT_AP, "90 00");
        script_expect(t, "00 20 00 98", refusals[i]);
        script_expect(t, "00 A4 02 0C 02 00 18", "90 00");
        script_expect(t, "00 20 00 80", "63 C2");
        ok(jpki_pin_status(&card, JPKI_ROLE_AUTH, &tries) == JPKI_OK && tries == 2 &&
               sfi_all(&card, JPKI_SFI_TAKEN, JPKI_SFI_UNTRIED, JPKI_SFI_REFUSED) &&
               script_done(t),
           "%s to the empty VERIFY by SFI: fallback, remembered for VERIFY only", refusals[i]);
    }

    /* Sign by SFI refused (6E00): SELECT key EF + P2 80, remembered for
     * signing only. */
    fresh_sfi(&card, t);
    card.sfi[JPKI_SFI_VERIFY] = JPKI_SFI_TAKEN;
    card.ap_selected = true;
    card.verified[JPKI_ROLE_SIGN] = true;
    sign_cmd(cmd, 0x9A);
    script_expect_bytes(t, cmd, sizeof cmd, (const uint8_t *)"\x6E\x00", 2);
    script_expect(t, "00 A4 02 0C 02 00 1A", "90 00");
    sign_cmd(cmd, 0x80);
    script_expect_bytes(t, cmd, sizeof cmd, resp, sizeof resp);
    ok(jpki_sign(&card, JPKI_ROLE_SIGN, cmd + 5, 35, sig, sizeof sig, &sig_len) == JPKI_OK &&
           sig_len == 256 && script_done(t),
       "6E00 to sign by SFI: SELECT 001A + 80 2A 00 80");
    ok(sfi_all(&card, JPKI_SFI_UNTRIED, JPKI_SFI_REFUSED, JPKI_SFI_TAKEN),
       "sign by SFI given up; READ and VERIFY by SFI kept");
    script_expect(t, "00 20 00 9B", "63 C5");
    script_expect(t, "00 B0 81 00 08", "6A 82");
    script_expect(t, "00 A4 02 0C 02 00 01", "6A 82");
    ok(jpki_pin_status(&card, JPKI_ROLE_SIGN, &tries) == JPKI_OK && tries == 5,
       "empty VERIFY still by SFI");

    /* A missing EF answers 6A82 both ways: that says nothing about SFI. */
    ok(jpki_read_binary(&card, JPKI_EF_SIGN_CERT, 0, buf, sizeof buf, &got) ==
               JPKI_E_FILE_NOT_FOUND &&
           card.sfi[JPKI_SFI_READ] == JPKI_SFI_UNTRIED && script_done(t),
       "missing EF: FILE_NOT_FOUND, READ by SFI still to be tried");

    /* 6982 to a read by SFI is about the file, not the form. */
    script_expect(t, "00 B0 81 00 08", "69 82");
    ok(jpki_read_binary(&card, JPKI_EF_SIGN_CERT, 0, buf, sizeof buf, &got) ==
               JPKI_E_SECURITY_STATUS &&
           card.sfi[JPKI_SFI_READ] == JPKI_SFI_UNTRIED && script_done(t),
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
    unsetenv("JPKI_PKCS11_CACHE");   /* on by default */
    fresh(&r->card, t);
    r->card.ap_selected = true;
    memcpy(r->card.head, der, 256);
    r->card.head_fid = JPKI_EF_AUTH_CERT;
    r->card.head_len = 256;

    /* First read: from the card, then stored, and its CA (here the same
     * self-signed certificate) with it in the same transaction: a hit
     * needs the pair. */
    r->card.current_ef = JPKI_EF_AUTH_CERT;
    expect_read(t, 256, (size_t)len - 256, der + 256, (size_t)len - 256, 0x9000);
    script_expect(t, "00 A4 02 0C 02 00 0B", "90 00");
    expect_read(t, 0, 256, der, 256, 0x9000);
    expect_read(t, 256, (size_t)len - 256, der + 256, (size_t)len - 256, 0x9000);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t) &&
           r->cert[2] != NULL && r->cert_len[2] == (size_t)len &&
           memcmp(r->cert[2], der, (size_t)len) == 0,
       "auth certificate read from the card (rest after the kept chunk), then its CA");
    ok(find_cache_file(dir, "-000a.der", file, sizeof file), "stored in the cache");
    ok(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600, "file mode 0600");
    ok(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "directory mode 0700");
    ok(stat(xdg, &sb) == 0 && (sb.st_mode & 0777) == 0700, "created parent mode 0700");
    ok(find_cache_file(dir, "-000b.der", file, sizeof file) && r->cert[3] != NULL &&
           r->cert_len[3] == (size_t)len,
       "the auth CA read from the card and stored with it");
    find_cache_file(dir, "-000a.der", file, sizeof file);

    /* The CA in memory, the certificate's file gone: the certificate
     * alone is read, and stored again. */
    free(r->cert[2]);
    r->cert[2] = NULL;
    unlink(file);
    r->card.current_ef = JPKI_EF_AUTH_CERT;
    expect_read(t, 256, (size_t)len - 256, der + 256, (size_t)len - 256, 0x9000);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t) &&
           find_cache_file(dir, "-000a.der", file, sizeof file),
       "CA in memory: only the certificate is read");

    /* Next card generation, same card: no APDU. */
    free(r->cert[2]);
    r->cert[2] = NULL;
    unsigned long before = r->card.apdu_count;
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && r->card.apdu_count == before &&
           r->cert_len[2] == (size_t)len && memcmp(r->cert[2], der, (size_t)len) == 0 &&
           script_done(t),
       "cache hit: no APDU");

    /* Another card (other first bytes, which name it): not this file. */
    r->card.head[40] ^= 1;
    expect_auth_reread(r, t, der, (size_t)len);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t),
       "another card's key: read from the card");
    r->card.head[40] ^= 1;
    /* The same card (the first JPKI_CARD_ID_LEN bytes) with a different
     * byte after them in the kept chunk: the cached certificate must start
     * with the whole chunk the card gave, so it is not used. */
    r->card.head[200] ^= 1;
    expect_auth_reread(r, t, der, (size_t)len);
    ok(jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT) == JPKI_OK && script_done(t),
       "a chunk that differs after the card's name: read from the card");
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

    /* Off with JPKI_PKCS11_CACHE=0. */
    if (find_cache_file(dir, "-000b.der", file, sizeof file))
        unlink(file);
    free(r->cert[3]);
    r->cert[3] = NULL;
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


int main(void)
{
    test_sfi_identify();
    test_sfi_fallback();
    test_sfi_per_form();
    test_issuer_serial();
    test_disk_cache();
    return done_testing();
}
