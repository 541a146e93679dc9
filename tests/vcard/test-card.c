/*
 * test-card.c: unit tests of the virtual card's APDU logic (emulator
 * checklist §11 of the protocol notes), driven in-process.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card.h"
#include "pki.h"
#include "state.h"
#include "../tap.h"

#define SELECT_AP "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
#define SELECT_TEXT_AP "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08"
#define VERIFY_AUTH "00 20 00 98 04 31 32 33 34"
#define VERIFY_SIGN "00 20 00 9B 06 41 42 43 31 32 33"

static struct card card;
static struct pki pki;
static struct vcard_state st;
static char dir[] = "/tmp/jpki-vcard-test-XXXXXX";
static char big_dir[] = "/tmp/jpki-vcard-big-XXXXXX";   /* auth RSA-3072, sign RSA-4096 */
static char ec_dir[] = "/tmp/jpki-vcard-ec-XXXXXX";     /* auth EC P-256, sign RSA-2048 */
static uint8_t resp[CARD_MAX_RESPONSE];
static size_t rlen;

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    while (*hex) {
        if (isspace((unsigned char)*hex)) {
            hex++;
            continue;
        }
        sscanf(hex, "%2hhx", &out[n++]);
        hex += 2;
    }
    return n;
}

static unsigned txb(const uint8_t *apdu, size_t len)
{
    card_process(&card, apdu, len, resp, &rlen);
    return (unsigned)resp[rlen - 2] << 8 | resp[rlen - 1];
}

/* Send a hex APDU; returns the SW, leaves the data in resp / rlen - 2. */
static unsigned tx(const char *hex)
{
    uint8_t buf[600];

    return txb(buf, unhex(hex, buf));
}

static unsigned data_len(void)
{
    return (unsigned)(rlen - 2);
}

static void select_ef(unsigned fid)
{
    char cmd[64];

    snprintf(cmd, sizeof(cmd), "00 A4 02 0C 02 %02X %02X", fid >> 8, fid & 0xFF);
    tx(cmd);
}

/* Read a whole EF with short Le=00 chunks; returns its length. */
static size_t read_ef(uint8_t *out, size_t max, unsigned *last_sw)
{
    size_t off = 0;
    unsigned sw;

    for (;;) {
        char cmd[64];

        snprintf(cmd, sizeof(cmd), "00 B0 %02zX %02zX 00", off >> 8, off & 0xFF);
        sw = tx(cmd);
        if (sw != 0x9000)
            break;
        if (off + data_len() > max)
            break;
        memcpy(out + off, resp, data_len());
        off += data_len();
        if (data_len() < 256)
            break;
    }
    *last_sw = sw;
    return off;
}

static unsigned sign_apdu(const char *p1p2, const uint8_t *data, size_t len)
{
    uint8_t buf[300];
    size_t n = unhex("80 2A", buf);

    n += unhex(p1p2, buf + n);
    buf[n++] = (uint8_t)len;
    memcpy(buf + n, data, len);
    n += len;
    buf[n++] = 0x00;
    return txb(buf, n);
}

static int verify_sig(const struct der *cert, const uint8_t *data, size_t len,
                      const uint8_t *sig, size_t sig_len)
{
    const unsigned char *p = cert->data;
    X509 *x = d2i_X509(NULL, &p, (long)cert->len);
    EVP_PKEY_CTX *ctx = x ? EVP_PKEY_CTX_new_from_pkey(NULL, X509_get0_pubkey(x), NULL) : NULL;
    int ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
             EVP_PKEY_verify(ctx, sig, sig_len, data, len) == 1;

    EVP_PKEY_CTX_free(ctx);
    X509_free(x);
    return ok;
}

static void reload_card(const struct card_config *cfg)
{
    ok(state_load(&st, dir) == 0, "state reloads from %s/pins", dir);
    card_init(&card, cfg, &pki, &st);
}

static void test_select_and_read(void)
{
    static uint8_t buf[8192];
    unsigned sw;
    size_t n;

    is_ulong(tx("00 A4 02 0C 02 00 0A"), 0x6A82, "SELECT EF before the AP: 6A82");
    is_ulong(tx("00 B0 00 00 04"), 0x6986, "READ BINARY without current EF: 6986");
    is_ulong(tx("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 02"), 0x6A82, "unknown AID: 6A82");
    is_ulong(tx("00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01"), 0x9000, "SELECT AP P2=00");
    is_ulong(tx(SELECT_AP), 0x9000, "SELECT AP P2=0C");
    static const unsigned fids[] = {0x01, 0x02, 0x06, 0x08, 0x0A, 0x0B, 0x17, 0x18, 0x1A, 0x1B};
    for (size_t i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "00 A4 02 0C 02 00 %02X", fids[i]);
        is_ulong(tx(cmd), 0x9000, "SELECT EF %04X", fids[i]);
    }
    is_ulong(tx("00 A4 02 0C 02 00 03"), 0x6A82, "SELECT EF 0003: 6A82");
    is_ulong(tx("00 A4 02 0C 02 3F 00"), 0x6A82, "SELECT EF 3F00: 6A82");
    is_ulong(tx("00 A4 02 0C 01 00"), 0x6700, "SELECT EF with Lc=1: 6700");

    select_ef(0x0006);
    is_ulong(tx("00 B0 00 00 00"), 0x9000, "read EF 0006");
    is_ulong(data_len(), 160, "EF 0006 is 160 bytes");
    ok(memcmp(resp, "JPKIAPICCTOKEN2                 ", 32) == 0, "token name space-padded");
    ok(memcmp(resp + 80, pki.serial, 16) == 0, "serial %s at offset 80", pki.serial);
    ok(resp[96] == 0 && resp[97] == 0 && resp[98] == 4 && resp[99] == 0x0D, "flags 0x40D");
    is_ulong(tx("00 B0 00 A0 01"), 0x6B00, "read at end of EF 0006: 6B00");
    is_ulong(tx("00 B0 00 9F 10"), 0x9000, "read last byte of EF 0006");
    is_ulong(data_len(), 1, "short last chunk");

    select_ef(0x0008);
    is_ulong(tx("00 B0 00 00 00"), 0x9000, "read EF 0008");
    ok(data_len() == 3 && resp[0] == 0x8F && resp[1] == 0x8F && resp[2] == 0, "EF 0008 8F 8F 00");

    select_ef(0x000A);
    is_ulong(tx("00 B0 00 00 04"), 0x9000, "read 4-byte header of 000A");
    ok(resp[0] == 0x30 && resp[1] == 0x82 && ((size_t)resp[2] << 8 | resp[3]) + 4 == pki.auth_cert.len,
       "auth cert header 30 82 gives the DER length %zu", pki.auth_cert.len);
    n = read_ef(buf, sizeof(buf), &sw);
    ok(n == pki.auth_cert.len && memcmp(buf, pki.auth_cert.data, n) == 0,
       "auth cert read in 256-byte chunks equals the DER");
    is_ulong(sw, 0x9000, "last chunk answered 9000");
    snprintf((char *)buf, sizeof(buf), "00 B0 %02zX %02zX 01", n >> 8, n & 0xFF);
    is_ulong(tx((char *)buf), 0x6B00, "read at offset == length: 6B00");
    is_ulong(tx("00 B0 7F FF 01"), 0x6B00, "read far past end: 6B00");
    is_ulong(tx("00 B0 00 00 00 00 00"), 0x9000, "extended Le 65536");
    ok(data_len() == pki.auth_cert.len && memcmp(resp, pki.auth_cert.data, data_len()) == 0,
       "extended read returns the whole certificate");
    is_ulong(tx("00 B0 00 00 00 08 00"), 0x9000, "extended Le 2048");
    is_ulong(data_len(), pki.auth_cert.len < 2048 ? pki.auth_cert.len : 2048, "extended Le honoured");
    is_ulong(tx("00 B0 00 00"), 0x6700, "READ BINARY without Le: 6700");

    select_ef(0x000B);
    n = read_ef(buf, sizeof(buf), &sw);
    ok(n == pki.auth_ca.len && memcmp(buf, pki.auth_ca.data, n) == 0, "auth CA EF 000B");
    select_ef(0x0002);
    n = read_ef(buf, sizeof(buf), &sw);
    ok(n == pki.sign_ca.len && memcmp(buf, pki.sign_ca.data, n) == 0, "sign CA EF 0002");

    is_ulong(tx("00 B0 8A 00 04"), 0x9000, "READ BINARY by SFI 0A");
    ok(data_len() == 4 && memcmp(resp, pki.auth_cert.data, 4) == 0, "SFI read returns 000A");
    is_ulong(tx("00 B0 8A 10 04"), 0x9000, "SFI read with offset");
    ok(memcmp(resp, pki.auth_cert.data + 16, 4) == 0, "SFI offset honoured");
    is_ulong(tx("00 B0 83 00 04"), 0x6A82, "SFI read of absent EF: 6A82");
    select_ef(0x0017);
    is_ulong(tx("00 B0 00 00 04"), 0x6981, "read key EF 0017: 6981");
    select_ef(0x0018);
    is_ulong(tx("00 B0 00 00 04"), 0x6981, "read PIN EF 0018: 6981");
    is_ulong(tx("00 B0 9B 00 04"), 0x6981, "SFI read of PIN EF 001B: 6981");
    select_ef(0x0001);
    is_ulong(tx("00 B0 00 00 04"), 0x6982, "read sign cert before sign PIN: 6982");
    is_ulong(tx("00 B0 81 00 04"), 0x6982, "SFI read of sign cert before sign PIN: 6982");
}

static void test_auth_pin_and_sign(void)
{
    static const uint8_t digest_info[51] = {
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
        0x02, 0x01, 0x05, 0x00, 0x04, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
        14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    uint8_t big[246];

    tx(SELECT_AP);
    is_ulong(tx("00 20 00 80"), 0x6986, "VERIFY without current EF: 6986");
    select_ef(0x000A);
    is_ulong(tx("00 20 00 80 04 31 32 33 34"), 0x6986, "VERIFY on a non-PIN EF: 6986");
    select_ef(0x0018);
    is_ulong(tx("00 20 00 80"), 0x63C3, "empty VERIFY: 63C3");
    is_ulong(tx("00 20 00 80 04 31 31 31 31"), 0x63C2, "wrong auth PIN: 63C2");
    is_ulong(st.auth_tries, 2, "counter decremented");
    is_ulong(tx("00 20 00 80"), 0x63C2, "empty VERIFY spends nothing: 63C2");
    is_ulong(tx("00 20 00 80"), 0x63C2, "empty VERIFY again: 63C2");
    is_ulong(tx("00 20 00 80 04 31 32 33 34"), 0x9000, "right auth PIN: 9000");
    is_ulong(tx("00 20 00 80"), 0x63C3, "counter reset to 3");
    is_ulong(tx("00 20 00 80 04 31 32 33 34"), 0x9000, "right auth PIN again");

    select_ef(0x0017);
    is_ulong(sign_apdu("00 80", digest_info, sizeof(digest_info)), 0x9000,
             "sign with auth key after VERIFY (survives EF selection)");
    is_ulong(data_len(), 256, "signature is 256 bytes");
    ok(verify_sig(&pki.auth_cert, digest_info, sizeof(digest_info), resp, data_len()),
       "signature verifies with the auth cert's public key");
    is_ulong(sign_apdu("00 80", digest_info, 20), 0x9000, "second signature with one VERIFY");
    ok(verify_sig(&pki.auth_cert, digest_info, 20, resp, data_len()),
       "arbitrary 20-byte input is padded as given");
    is_ulong(sign_apdu("00 97", digest_info, sizeof(digest_info)), 0x9000, "sign by SFI 97");
    ok(verify_sig(&pki.auth_cert, digest_info, sizeof(digest_info), resp, data_len()),
       "SFI-form signature verifies");
    memset(big, 0x41, sizeof(big));
    is_ulong(sign_apdu("00 80", big, 245), 0x9000, "245-byte input accepted");
    is_ulong(sign_apdu("00 80", big, 246), 0x6700, "246-byte input: 6700");
    is_ulong(tx("80 2A 00 80 00"), 0x6700, "sign without data: 6700");
    is_ulong(sign_apdu("06 80", digest_info, 32), 0x6A86, "sign P1=06: 6A86");
    is_ulong(sign_apdu("00 9A", digest_info, 32), 0x6982, "sign key without sign PIN: 6982");
    select_ef(0x000A);
    is_ulong(sign_apdu("00 80", digest_info, 32), 0x6986, "sign with a non-key EF current");

    /* Re-SELECT of the AP logs out. */
    tx(SELECT_AP);
    is_ulong(sign_apdu("00 97", digest_info, 32), 0x6982, "re-SELECT AP clears auth state");
    select_ef(0x0018);
    tx("00 20 00 80 04 31 32 33 34");
    card_reset(&card);
    is_ulong(tx("00 A4 02 0C 02 00 17"), 0x6A82, "after reset no AP is selected");
    tx(SELECT_AP);
    is_ulong(sign_apdu("00 97", digest_info, 32), 0x6982, "reset clears auth state");
}

static void test_blocking(const struct card_config *cfg)
{
    tx(SELECT_AP);
    is_ulong(tx("00 20 00 98 04 30 30 30 30"), 0x63C2, "wrong auth PIN (SFI form): 63C2");
    is_ulong(tx("00 20 00 98 04 30 30 30 30"), 0x63C1, "wrong auth PIN: 63C1");
    is_ulong(tx("00 20 00 98 04 30 30 30 30"), 0x63C0, "exhausting attempt: 63C0");
    is_ulong(tx("00 20 00 98 04 31 32 33 34"), 0x6984, "right PIN when blocked: 6984");
    is_ulong(tx("00 20 00 98"), 0x63C0, "empty VERIFY when blocked: 63C0");
    is_ulong(tx("00 20 00 98 04 30 30 30 30"), 0x6984, "wrong PIN when blocked: 6984");
    is_ulong(st.auth_tries, 0, "counter at 0");
    reload_card(cfg);
    is_ulong(st.auth_tries, 0, "blocked state persists across reload");
    tx(SELECT_AP);
    is_ulong(tx("00 20 00 98"), 0x63C0, "still blocked after reload");
}

static void test_sign_pin(const struct card_config *cfg)
{
    static uint8_t buf[8192];
    uint8_t data[35] = {0x30, 0x21};
    unsigned sw;
    size_t n;

    tx(SELECT_AP);
    select_ef(0x001B);
    is_ulong(tx("00 20 00 80"), 0x63C5, "sign PIN empty VERIFY: 63C5");
    is_ulong(tx("00 20 00 80 06 61 62 63 31 32 33"), 0x63C4, "lowercase sign PIN is wrong: 63C4");
    is_ulong(tx("00 20 00 80 11 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41"), 0x6700,
             "17-byte PIN: 6700");
    is_ulong(tx("00 20 00 80"), 0x63C4, "no try spent on bad length");
    is_ulong(tx("00 24 01 80 06 58 59 5A 37 38 39"), 0x6982, "CHANGE without VERIFY: 6982");
    is_ulong(tx("00 20 00 9B 06 41 42 43 31 32 33"), 0x9000, "sign PIN (SFI form): 9000");
    is_ulong(tx("00 20 00 9B"), 0x63C5, "sign counter reset to 5");

    select_ef(0x0001);
    n = read_ef(buf, sizeof(buf), &sw);
    ok(n == pki.sign_cert.len && memcmp(buf, pki.sign_cert.data, n) == 0,
       "sign cert readable after sign PIN");
    select_ef(0x001A);
    is_ulong(sign_apdu("00 80", data, sizeof(data)), 0x9000, "sign with the sign key");
    ok(verify_sig(&pki.sign_cert, data, sizeof(data), resp, data_len()),
       "signature verifies with the sign cert");
    is_ulong(sign_apdu("00 97", data, sizeof(data)), 0x6982, "sign PIN does not open auth key");

    select_ef(0x001B);
    is_ulong(tx("00 24 01 80 03 58 59 5A"), 0x6700, "CHANGE to a 3-byte PIN: 6700");
    is_ulong(tx("00 24 00 80 06 58 59 5A 37 38 39"), 0x6A86, "CHANGE with P1=00: 6A86");
    is_ulong(tx("00 24 01 80 06 58 59 5A 37 38 39"), 0x9000, "CHANGE sign PIN: 9000");
    reload_card(cfg);
    ok(strcmp(st.sign_pin, "XYZ789") == 0, "new sign PIN persisted");
    tx(SELECT_AP);
    is_ulong(tx("00 20 00 9B 06 41 42 43 31 32 33"), 0x63C4, "old sign PIN now wrong");
    is_ulong(tx("00 20 00 9B 06 58 59 5A 37 38 39"), 0x9000, "new sign PIN works");
}

static void test_misc(void)
{
    struct card_config cfg = {.extended = false, .max_read = 100};
    uint8_t a[32], b[32];

    tx(SELECT_AP);
    is_ulong(tx("00 CA 5F 51 00"), 0x6D00, "unknown INS: 6D00");
    is_ulong(tx("01 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"), 0x6881, "logical channel: 6881");
    is_ulong(tx("0C B0 00 00 04"), 0x6882, "secure messaging CLA: 6882");
    is_ulong(tx("00 84 00 00 20"), 0x9000, "GET CHALLENGE 32");
    memcpy(a, resp, 32);
    is_ulong(data_len(), 32, "32 random bytes");
    tx("00 84 00 00 20");
    memcpy(b, resp, 32);
    ok(memcmp(a, b, 32) != 0, "challenges differ");
    is_ulong(tx("00 A4"), 0x6700, "truncated APDU: 6700");

    snprintf(cfg.token_name, sizeof(cfg.token_name), "%s", card_token_name("iphone"));
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    select_ef(0x000A);
    is_ulong(tx("00 B0 00 00 00 00 00"), 0x6700, "--no-extended: extended Le 6700");
    is_ulong(tx("00 B0 00 00 00"), 0x9000, "--max-read: read");
    is_ulong(data_len(), 100, "--max-read 100 caps the chunk");
    select_ef(0x0006);
    tx("00 B0 00 00 20");
    ok(memcmp(resp, "JPKIAPIOSTOKEN  ", 16) == 0, "--token iphone");

    cfg = (struct card_config){.extended = true, .past_end_sw = 0x6282};
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    select_ef(0x0008);
    is_ulong(tx("00 B0 00 03 01"), 0x6282, "--past-end-sw 6282");

    cfg = (struct card_config){.extended = true, .no_sign_cert = true};
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    is_ulong(tx("00 A4 02 0C 02 00 01"), 0x6A82, "--no-sign-cert: EF 0001 absent");
    is_ulong(tx("00 A4 02 0C 02 00 1A"), 0x6A82, "--no-sign-cert: EF 001A absent");
    is_ulong(tx("00 A4 02 0C 02 00 1B"), 0x9000, "--no-sign-cert: sign PIN present");
    select_ef(0x0008);
    tx("00 B0 00 00 03");
    ok(resp[0] == 0x00 && resp[1] == 0x8F, "--no-sign-cert: EF 0008 byte 0 = 00");

    /* --no-sfi-verify: VERIFY by SFI refused, no try spent; the other SFI
     * forms still taken. */
    cfg = (struct card_config){.extended = true, .no_sfi_verify = true};
    card_init(&card, &cfg, &pki, &st);
    unsigned tries = st.auth_tries;
    tx(SELECT_AP);
    is_ulong(tx("00 20 00 98"), 0x6A86, "--no-sfi-verify: empty VERIFY by SFI 6A86");
    is_ulong(tx("00 20 00 9B 06 41 42 43 31 32 33"), 0x6A86, "--no-sfi-verify: PIN by SFI 6A86");
    is_ulong(tx("00 20 00 98 04 30 30 30 30"), 0x6A86, "--no-sfi-verify: auth PIN by SFI 6A86");
    ok(st.auth_tries == tries && !card.sign_verified, "--no-sfi-verify: nothing spent or verified");
    select_ef(0x0018);
    is_ulong(tx("00 20 00 80"), 0x63C0 | tries, "--no-sfi-verify: P2 80 still answers");
    is_ulong(tx("00 B0 8A 00 04"), 0x9000, "--no-sfi-verify: READ BINARY by SFI taken");
    is_ulong(tx("80 2A 00 97 01 00 00"), 0x6982, "--no-sfi-verify: sign by SFI finds the key");
}

/* ---- Token types, EF 0006 and EF 0008 (issue 15) ---- */

static void fresh_pins(void)
{
    strcpy(st.auth_pin, "1234");
    strcpy(st.sign_pin, "ABC123");
    st.auth_tries = VCARD_AUTH_TRIES;
    st.sign_tries = VCARD_SIGN_TRIES;
    state_save(&st);
}

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return true;
}

static void test_token_types(void)
{
    static const struct {
        const char *word, *name;
        bool text_ap;
    } tokens[] = {
        {"card", "JPKIAPICCTOKEN2", true},
        {"juki", "JPKIAPICCTOKEN", false},
        {"android", "JPKIAPGPSETOKEN", false},
        {"iphone", "JPKIAPIOSTOKEN", false},
    };
    struct card_config cfg = {.extended = true};
    char padded[33];

    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        const uint8_t *t = resp;

        snprintf(cfg.token_name, sizeof(cfg.token_name), "%s", card_token_name(tokens[i].word));
        card_init(&card, &cfg, &pki, &st);
        tx(SELECT_AP);
        select_ef(0x0006);
        is_ulong(tx("00 B0 00 00 00"), 0x9000, "%s: read EF 0006", tokens[i].word);
        is_ulong(data_len(), 160, "%s: EF 0006 is 160 bytes", tokens[i].word);
        snprintf(padded, sizeof(padded), "%-32s", tokens[i].name);
        ok(memcmp(t, padded, 32) == 0, "%s: name %s space-padded", tokens[i].word, tokens[i].name);
        ok(memcmp(t + 32, "00000000000000000000000000000001", 32) == 0 &&
           memcmp(t + 64, "E16R01NJ        ", 16) == 0,
           "%s: manufacturerID @32, model @64", tokens[i].word);
        ok(memcmp(t + 80, pki.serial, 16) == 0 && strspn(pki.serial, "0123456789ABCDEF") == 16,
           "%s: serial %s @80", tokens[i].word, pki.serial);
        ok(be32_at(t + 96) == 0x40D && be32_at(t + 100) == 0 && be32_at(t + 104) == 0xFFFFFFFFu &&
           be32_at(t + 108) == 0 && be32_at(t + 112) == 0xFFFFFFFFu,
           "%s: flags and session counts, big-endian 32-bit", tokens[i].word);
        ok(be32_at(t + 116) == 16 && be32_at(t + 120) == 4, "%s: PIN lengths 16 / 4",
           tokens[i].word);
        ok(all_bytes(t + 124, 16, 0xFF) && memcmp(t + 140, "0301", 4) == 0 &&
           all_bytes(t + 144, 16, ' '),
           "%s: memory unavailable, versions \"03\" \"01\", blank utcTime", tokens[i].word);
        is_ulong(tx(SELECT_TEXT_AP), tokens[i].text_ap ? 0x9000 : 0x6A82,
                 "%s: text-assistance AP %s", tokens[i].word,
                 tokens[i].text_ap ? "present" : "absent (6A82)");
    }

    {
        struct pki again;
        ok(pki_load(&again, dir) == 0 && strcmp(again.serial, pki.serial) == 0,
           "the token serial is stable: the same state directory gives %s again", pki.serial);
        pki_free(&again);
    }

    /* A card that keeps only the name part of EF 0006. */
    cfg = (struct card_config){.extended = true, .token_info_len = 32};
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    select_ef(0x0006);
    is_ulong(tx("00 B0 00 00 00"), 0x9000, "--token-info-len 32: read 256");
    ok(data_len() == 32 && memcmp(resp, "JPKIAPICCTOKEN2 ", 16) == 0,
       "--token-info-len 32: 32 bytes, the name");
    is_ulong(tx("00 B0 00 20 01"), 0x6B00, "--token-info-len 32: offset 32 past the end");
    is_ulong(tx("00 B0 86 00 00"), 0x9000, "--token-info-len 32: SFI read");
    is_ulong(data_len(), 32, "--token-info-len 32: SFI read gives 32 bytes");
}

static void test_phone_auth_cert(void)
{
    struct card_config cfg = {.extended = true};
    static uint8_t buf[8192];
    unsigned sw;
    size_t n;

    fresh_pins();
    snprintf(cfg.token_name, sizeof(cfg.token_name), "%s", card_token_name("android"));
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    is_ulong(tx("00 A4 02 0C 02 00 0A"), 0x9000, "android: SELECT EF 000A");
    is_ulong(tx("00 B0 00 00 04"), 0x6982, "android: auth cert before the auth PIN: 6982");
    is_ulong(tx("00 B0 8A 00 04"), 0x6982, "android: SFI read of the auth cert: 6982");
    is_ulong(tx("00 B0 00 00 00 00 00"), 0x6982, "android: extended read: 6982");
    select_ef(0x000B);
    is_ulong(tx("00 B0 00 00 04"), 0x9000, "android: auth CA free");
    select_ef(0x0006);
    is_ulong(tx("00 B0 00 00 20"), 0x9000, "android: EF 0006 free");
    is_ulong(tx(VERIFY_AUTH), 0x9000, "android: auth PIN");
    select_ef(0x000A);
    n = read_ef(buf, sizeof(buf), &sw);
    ok(n == pki.auth_cert.len && memcmp(buf, pki.auth_cert.data, n) == 0,
       "android: auth cert readable after the auth PIN");
    select_ef(0x0001);
    is_ulong(tx("00 B0 00 00 04"), 0x6982, "android: the auth PIN does not open the sign cert");
    tx(SELECT_AP);
    is_ulong(tx("00 B0 8A 00 04"), 0x6982, "android: re-SELECT of the AP locks it again");

    snprintf(cfg.token_name, sizeof(cfg.token_name), "%s", card_token_name("iphone"));
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    select_ef(0x000A);
    n = read_ef(buf, sizeof(buf), &sw);
    ok(n == pki.auth_cert.len && memcmp(buf, pki.auth_cert.data, n) == 0,
       "iphone: auth cert free, as on the card");
}

static void test_ef0008(void)
{
    struct card_config cfg = {.extended = true, .ef0008_mode = EF0008_ABSENT};

    fresh_pins();
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    is_ulong(tx("00 A4 02 0C 02 00 08"), 0x6A82, "--ef0008 absent: SELECT 6A82");
    is_ulong(tx("00 B0 88 00 03"), 0x6A82, "--ef0008 absent: SFI read 6A82");
    is_ulong(tx("00 A4 02 0C 02 00 01"), 0x9000, "--ef0008 absent: sign cert still there");

    cfg.ef0008_mode = EF0008_UNREADABLE;
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    is_ulong(tx("00 A4 02 0C 02 00 08"), 0x9000, "--ef0008 unreadable: SELECT 9000");
    is_ulong(tx("00 B0 00 00 03"), 0x6982, "--ef0008 unreadable: READ 6982");
    tx(VERIFY_AUTH);
    tx(VERIFY_SIGN);
    is_ulong(tx("00 B0 88 00 03"), 0x6982, "--ef0008 unreadable: 6982 with both PINs too");

    cfg = (struct card_config){.extended = true, .ef0008_given = true, .ef0008 = {0x0F, 0x8F, 0x01}};
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    is_ulong(tx("00 B0 88 00 00"), 0x9000, "--ef0008 0F8F01: SFI read");
    ok(data_len() == 3 && resp[0] == 0x0F && resp[1] == 0x8F && resp[2] == 0x01,
       "--ef0008 0F8F01: those bytes");
}

/* ---- Signature modes P1 00-05 (issue 16) ---- */

static EVP_PKEY *cert_key(const struct der *cert)
{
    const unsigned char *p = cert->data;
    X509 *x = d2i_X509(NULL, &p, (long)cert->len);
    EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;

    X509_free(x);
    return k;
}

static void sha256(const uint8_t *in, size_t len, uint8_t out[32])
{
    EVP_Digest(in, len, out, NULL, EVP_sha256(), NULL);
}

static void sha256_digest_info(const uint8_t hash[32], uint8_t out[51])
{
    unhex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20", out);
    memcpy(out + 19, hash, 32);
}

/* RSASSA-PSS, SHA-256, MGF1-SHA-256, exactly SALT bytes of salt. */
static int verify_pss(const struct der *cert, const uint8_t hash[32], const uint8_t *sig,
                      size_t sig_len, int salt)
{
    EVP_PKEY *k = cert_key(cert);
    EVP_PKEY_CTX *ctx = k ? EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL) : NULL;
    int ok = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt) > 0 &&
             EVP_PKEY_verify(ctx, sig, sig_len, hash, 32) == 1;

    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(k);
    return ok;
}

static void test_sign_modes(void)
{
    struct card_config cfg = {.extended = true};
    uint8_t msg[100], hash[32], info[51], first[256];

    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    sha256(msg, sizeof(msg), hash);
    sha256_digest_info(hash, info);
    fresh_pins();
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    is_ulong(sign_apdu("04 97", hash, 32), 0x6982, "P1=04 before the auth PIN: 6982");
    tx(VERIFY_AUTH);

    is_ulong(sign_apdu("01 97", msg, sizeof(msg)), 0x9000, "P1=01 (card hashes, bare hash)");
    ok(verify_sig(&pki.auth_cert, hash, 32, resp, data_len()),
       "P1=01: PKCS#1 v1.5 over the bare SHA-256 of the data");
    is_ulong(sign_apdu("02 97", hash, 32), 0x9000, "P1=02 (hash given, card adds DigestInfo)");
    ok(verify_sig(&pki.auth_cert, info, sizeof(info), resp, data_len()),
       "P1=02: PKCS#1 v1.5 over the SHA-256 DigestInfo");
    is_ulong(sign_apdu("03 97", msg, sizeof(msg)), 0x9000, "P1=03 (card hashes, DigestInfo)");
    ok(verify_sig(&pki.auth_cert, info, sizeof(info), resp, data_len()),
       "P1=03: same signature input as P1=02 over the hash");
    is_ulong(sign_apdu("04 97", hash, 32), 0x9000, "P1=04 (hash given, PSS)");
    is_ulong(data_len(), 256, "P1=04: 256 bytes");
    ok(verify_pss(&pki.auth_cert, hash, resp, data_len(), 32),
       "P1=04: RSASSA-PSS, MGF1-SHA-256, salt 32 verifies");
    ok(!verify_pss(&pki.auth_cert, hash, resp, data_len(), 20), "P1=04: salt 20 does not");
    memcpy(first, resp, 256);
    sign_apdu("04 97", hash, 32);
    ok(memcmp(first, resp, 256) != 0, "P1=04: random salt, two signatures differ");
    is_ulong(sign_apdu("05 97", msg, sizeof(msg)), 0x9000, "P1=05 (card hashes, PSS)");
    ok(verify_pss(&pki.auth_cert, hash, resp, data_len(), 32), "P1=05: PSS over SHA-256(data)");
    is_ulong(sign_apdu("02 97", hash, 31), 0x6700, "P1=02 with 31 bytes: 6700");
    is_ulong(sign_apdu("04 97", hash, 31), 0x6700, "P1=04 with 31 bytes: 6700");
    is_ulong(sign_apdu("04 97", info, 33), 0x6700, "P1=04 with 33 bytes: 6700");
    is_ulong(sign_apdu("06 97", hash, 32), 0x6A86, "P1=06: 6A86");
    is_ulong(sign_apdu("80 97", hash, 32), 0x6A86, "P1=80: 6A86");
    tx(VERIFY_SIGN);
    is_ulong(sign_apdu("04 9A", hash, 32), 0x9000, "P1=04 with the sign key");
    ok(verify_pss(&pki.sign_cert, hash, resp, data_len(), 32), "sign key PSS verifies");

    cfg.no_pss = CARD_NO_PSS_AUTH | CARD_NO_PSS_SIGN;
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    is_ulong(sign_apdu("04 97", hash, 32), 0x6A86, "--no-pss: P1=04 6A86 (even before PIN)");
    tx(VERIFY_AUTH);
    is_ulong(sign_apdu("04 97", hash, 32), 0x6A86, "--no-pss: P1=04 6A86");
    is_ulong(sign_apdu("05 97", msg, sizeof(msg)), 0x6A86, "--no-pss: P1=05 6A86");
    is_ulong(sign_apdu("03 97", msg, sizeof(msg)), 0x9000, "--no-pss: P1=03 still signs");
    is_ulong(sign_apdu("00 97", info, sizeof(info)), 0x9000, "--no-pss: P1=00 still signs");

    cfg.no_pss = CARD_NO_PSS_SIGN;
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    tx(VERIFY_AUTH);
    tx(VERIFY_SIGN);
    is_ulong(sign_apdu("04 97", hash, 32), 0x9000, "--no-pss=sign: auth key signs PSS");
    is_ulong(sign_apdu("04 9A", hash, 32), 0x6A86, "--no-pss=sign: sign key 6A86");

    cfg = (struct card_config){.extended = true, .pss_salt_given = true, .pss_salt_len = 20};
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    tx(VERIFY_AUTH);
    is_ulong(sign_apdu("04 97", hash, 32), 0x9000, "--pss-salt-len 20: P1=04 signs");
    ok(!verify_pss(&pki.auth_cert, hash, resp, data_len(), 32),
       "--pss-salt-len 20: a salt-32 verifier refuses it");
    ok(verify_pss(&pki.auth_cert, hash, resp, data_len(), 20), "--pss-salt-len 20: salt 20 verifies");
    cfg.pss_salt_len = 0;
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    tx(VERIFY_AUTH);
    sign_apdu("05 97", msg, sizeof(msg));
    ok(verify_pss(&pki.auth_cert, hash, resp, data_len(), 0), "--pss-salt-len 0: salt 0 verifies");
    cfg.pss_salt_len = 300;
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    tx(VERIFY_AUTH);
    is_ulong(sign_apdu("04 97", hash, 32), 0x6F00, "--pss-salt-len 300 on RSA-2048: 6F00");
}

/* ---- Larger keys: 61xx / GET RESPONSE and extended Le ---- */

/* 80 2A P1 P2 with extended Lc, and extended Le (le < 0: none). */
static unsigned sign_apdu_ext(uint8_t p1, uint8_t p2, const uint8_t *data, size_t len, long le)
{
    static uint8_t buf[1024];
    size_t n = 0;

    buf[n++] = 0x80, buf[n++] = 0x2A, buf[n++] = p1, buf[n++] = p2;
    buf[n++] = 0x00, buf[n++] = (uint8_t)(len >> 8), buf[n++] = (uint8_t)len;
    memcpy(buf + n, data, len);
    n += len;
    if (le >= 0)
        buf[n++] = (uint8_t)(le >> 8), buf[n++] = (uint8_t)le;
    return txb(buf, n);
}

static void test_large_keys(struct pki *big, struct vcard_state *big_st)
{
    struct card_config cfg = {.extended = true};
    static uint8_t sig[1024], long_in[400];
    uint8_t hash[32], info[51];
    EVP_PKEY *auth = cert_key(&big->auth_cert), *sign = cert_key(&big->sign_cert);
    size_t n;

    ok(auth && EVP_PKEY_is_a(auth, "RSA") && EVP_PKEY_get_bits(auth) == 3072,
       "auth certificate carries an RSA-3072 key");
    ok(sign && EVP_PKEY_is_a(sign, "RSA") && EVP_PKEY_get_bits(sign) == 4096,
       "sign certificate carries an RSA-4096 key");
    EVP_PKEY_free(auth);
    EVP_PKEY_free(sign);
    ok(strcmp(big->serial, pki.serial) != 0, "another state directory, another token serial");

    sha256((const uint8_t *)"large", 5, hash);
    sha256_digest_info(hash, info);
    card_init(&card, &cfg, big, big_st);
    tx(SELECT_AP);
    tx(VERIFY_AUTH);
    is_ulong(sign_apdu("00 97", info, sizeof(info)), 0x6180, "RSA-3072, short Le: 61 80");
    is_ulong(data_len(), 256, "first 256 bytes with 61 80");
    memcpy(sig, resp, 256);
    is_ulong(tx("00 C0 00 00 80"), 0x9000, "GET RESPONSE 80: the rest");
    is_ulong(data_len(), 128, "128 more bytes");
    memcpy(sig + 256, resp, 128);
    ok(verify_sig(&big->auth_cert, info, sizeof(info), sig, 384), "384-byte signature verifies");
    is_ulong(tx("00 C0 00 00 00"), 0x6985, "GET RESPONSE with nothing pending: 6985");

    sign_apdu("00 97", info, sizeof(info));
    is_ulong(tx("00 C0 00 00 40"), 0x6140, "GET RESPONSE 40: 64 bytes, 61 40");
    memcpy(sig + 256, resp, 64);
    is_ulong(tx("00 C0 00 00 00"), 0x9000, "GET RESPONSE 00 takes what is left");
    is_ulong(data_len(), 64, "the last 64 bytes");
    memcpy(sig + 320, resp, 64);
    ok(verify_sig(&big->auth_cert, info, sizeof(info), sig, 384), "three-part signature verifies");
    sign_apdu("00 97", info, sizeof(info));
    is_ulong(tx("00 C0 01 00 00"), 0x6A86, "GET RESPONSE P1=01: 6A86");
    tx("00 A4 02 0C 02 00 0A");
    is_ulong(tx("00 C0 00 00 00"), 0x6985, "another command drops the pending rest");

    is_ulong(sign_apdu_ext(0x04, 0x97, hash, 32, 0), 0x9000, "extended Le 00 00: whole");
    ok(data_len() == 384 && verify_pss(&big->auth_cert, hash, resp, 384, 32),
       "RSA-3072 PSS in one piece verifies (salt 32)");
    is_ulong(sign_apdu_ext(0x00, 0x97, info, sizeof(info), -1), 0x9000, "extended, no Le: whole");
    is_ulong(data_len(), 384, "384 bytes");
    memset(long_in, 0x5A, sizeof(long_in));
    is_ulong(sign_apdu("00 97", long_in, 255), 0x6180, "RSA-3072: 255-byte input accepted");
    is_ulong(sign_apdu_ext(0x00, 0x97, long_in, 373, 0), 0x9000, "RSA-3072: k-11 = 373 accepted");
    ok(verify_sig(&big->auth_cert, long_in, 373, resp, data_len()), "373-byte input verifies");
    is_ulong(sign_apdu_ext(0x00, 0x97, long_in, 374, 0), 0x6700, "RSA-3072: 374 bytes 6700");

    tx(VERIFY_SIGN);
    is_ulong(sign_apdu("00 9A", info, sizeof(info)), 0x6100, "RSA-4096, short Le: 61 00");
    memcpy(sig, resp, 256);
    is_ulong(tx("00 C0 00 00 00"), 0x9000, "GET RESPONSE 00: 256 more");
    memcpy(sig + 256, resp, data_len());
    ok(data_len() == 256 && verify_sig(&big->sign_cert, info, sizeof(info), sig, 512),
       "512-byte signature verifies");
    is_ulong(sign_apdu_ext(0x05, 0x9A, (const uint8_t *)"large", 5, 0x100), 0x6100,
             "extended Le 256: 256 bytes and 61 00");
    n = data_len();
    memcpy(sig, resp, n);
    tx("00 C0 00 00 00");
    memcpy(sig + n, resp, data_len());
    ok(n + data_len() == 512 && verify_pss(&big->sign_cert, hash, sig, 512, 32),
       "RSA-4096 PSS (P1=05) in two parts verifies");

    cfg.extended = false;
    card_init(&card, &cfg, big, big_st);
    tx(SELECT_AP);
    tx(VERIFY_AUTH);
    is_ulong(sign_apdu_ext(0x00, 0x97, info, sizeof(info), 0), 0x6700,
             "--no-extended: extended sign 6700");
    is_ulong(sign_apdu("00 97", info, sizeof(info)), 0x6180, "--no-extended: 61xx still");
}

static void test_ec_key(struct pki *ec, struct vcard_state *ec_st)
{
    struct card_config cfg = {.extended = true};
    struct pki_spec want_rsa = {.auth = {PKI_KEY_RSA, 0}};
    struct pki_spec want_ec = {.auth = {PKI_KEY_EC, 0}, .sign = {PKI_KEY_RSA, 2048}};
    struct pki_spec want_3072 = {.sign = {PKI_KEY_RSA, 3072}};
    EVP_PKEY *auth = cert_key(&ec->auth_cert);
    uint8_t hash[32] = {1}, info[51];

    ok(auth && EVP_PKEY_is_a(auth, "EC") && EVP_PKEY_get_bits(auth) == 256,
       "auth certificate carries an EC P-256 key");
    EVP_PKEY_free(auth);
    ok(pki_check_spec(ec, &want_ec) == 0, "spec check: EC auth + RSA-2048 sign matches");
    ok(pki_check_spec(ec, &want_rsa) != 0, "spec check: RSA auth asked, EC found: refused");
    ok(pki_check_spec(&pki, &want_3072) != 0, "spec check: 3072 asked, 2048 found: refused");
    ok(pki_check_spec(&pki, &(struct pki_spec){0}) == 0, "spec check: nothing asked matches");

    sha256_digest_info(hash, info);
    card_init(&card, &cfg, ec, ec_st);
    tx(SELECT_AP);
    is_ulong(sign_apdu("00 97", info, sizeof(info)), 0x6982, "EC key before the PIN: 6982");
    tx(VERIFY_AUTH);
    is_ulong(sign_apdu("00 97", info, sizeof(info)), 0x6A81, "EC key after PIN: 6A81");
    is_ulong(sign_apdu("04 97", hash, 32), 0x6A81, "EC key, P1=04: 6A81");
    tx(VERIFY_SIGN);
    is_ulong(sign_apdu("00 9A", info, sizeof(info)), 0x9000, "RSA sign key beside it signs");
    ok(verify_sig(&ec->sign_cert, info, sizeof(info), resp, data_len()), "and verifies");
}

/* A second PKI in D made with SPEC, with its own fresh PIN state. */
static int make_pki(char *d, const struct pki_spec *spec, struct pki *p, struct vcard_state *s)
{
    return mkdtemp(d) && state_load(s, d) == 1 && state_save(s) == 0 &&
                   pki_ensure_spec(d, spec) == 0 && pki_load(p, d) == 0
               ? 0
               : -1;
}

static void cleanup_dir(const char *d)
{
    static const char *const files[] = {"pins", "text-pins", "auth-ca.pem", "sign-ca.pem",
                                        "auth-cert.pem", "sign-cert.pem", "auth-key.pem",
                                        "sign-key.pem"};
    char path[4096];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", d, files[i]);
        unlink(path);
    }
    rmdir(d);
}

static void cleanup(void)
{
    cleanup_dir(dir);
    cleanup_dir(big_dir);
    cleanup_dir(ec_dir);
}

int main(void)
{
    struct card_config cfg = {.extended = true};

    if (!mkdtemp(dir))
        skip_all("mkdtemp failed");
    ok(state_load(&st, dir) == 1, "no state yet");
    ok(state_save(&st) == 0, "state saved");
    ok(pki_ensure(dir) == 0, "test PKI generated");
    if (!ok(pki_load(&pki, dir) == 0, "test PKI loaded")) {
        cleanup();
        return done_testing();
    }
    ok(pki.sign_cert.len > pki.auth_cert.len, "sign cert (%zu) larger than auth cert (%zu)",
       pki.sign_cert.len, pki.auth_cert.len);
    card_init(&card, &cfg, &pki, &st);
    card_reset(&card);

    test_select_and_read();
    test_auth_pin_and_sign();
    test_blocking(&cfg);
    test_sign_pin(&cfg);
    test_misc();
    test_token_types();
    test_phone_auth_cert();
    test_ef0008();
    test_sign_modes();
    {
        struct pki_spec big_spec = {.auth = {PKI_KEY_RSA, 3072}, .sign = {PKI_KEY_RSA, 4096}};
        struct pki_spec ec_spec = {.auth = {PKI_KEY_EC, 0}};
        struct pki big, ec;
        struct vcard_state big_st, ec_st;

        if (ok(make_pki(big_dir, &big_spec, &big, &big_st) == 0, "RSA-3072/4096 PKI made")) {
            test_large_keys(&big, &big_st);
            pki_free(&big);
        }
        if (ok(make_pki(ec_dir, &ec_spec, &ec, &ec_st) == 0, "EC P-256 auth PKI made")) {
            test_ec_key(&ec, &ec_st);
            pki_free(&ec);
        }
    }

    pki_free(&pki);
    cleanup();
    return done_testing();
}
