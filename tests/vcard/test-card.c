/*
 * test-card.c: unit tests of the virtual card's APDU logic (emulator
 * checklist §11 of the protocol notes), driven in-process.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card.h"
#include "pki.h"
#include "state.h"
#include "../tap.h"

#define SELECT_AP "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"

static struct card card;
static struct pki pki;
static struct vcard_state st;
static char dir[] = "/tmp/jpki-vcard-test-XXXXXX";
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
    is_ulong(sign_apdu("01 80", digest_info, 32), 0x6A86, "sign P1=01: 6A86");
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

    snprintf(cfg.token_name, sizeof(cfg.token_name), "%s", card_token_name("android"));
    card_init(&card, &cfg, &pki, &st);
    tx(SELECT_AP);
    select_ef(0x000A);
    is_ulong(tx("00 B0 00 00 00 00 00"), 0x6700, "--no-extended: extended Le 6700");
    is_ulong(tx("00 B0 00 00 00"), 0x9000, "--max-read: read");
    is_ulong(data_len(), 100, "--max-read 100 caps the chunk");
    select_ef(0x0006);
    tx("00 B0 00 00 20");
    ok(memcmp(resp, "JPKIAPGPSETOKEN ", 16) == 0, "--token android");

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

static void cleanup(void)
{
    static const char *const files[] = {"pins", "auth-ca.pem", "sign-ca.pem", "auth-cert.pem",
                                        "sign-cert.pem", "auth-key.pem", "sign-key.pem"};
    char path[4096];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
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

    pki_free(&pki);
    cleanup();
    return done_testing();
}
