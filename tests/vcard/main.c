/*
 * main.c: jpki-vcard, a virtual JPKI (My Number Card) for tests, speaking
 * the vsmartcard vpcd protocol to pcscd.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "pki.h"
#include "state.h"
#include "vpcd.h"

/* Contact ATR with historical bytes advertising extended Lc/Le. */
static const uint8_t atr_extended[] = {0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12,
                                       0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B};
/* The classic contact ATR: no historical bytes, no extended length claim. */
static const uint8_t atr_short[] = {0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14};

enum {
    OPT_STATE = 256, OPT_HOST, OPT_PORT, OPT_AUTH_PIN, OPT_SIGN_PIN, OPT_APDU_LOG, OPT_LATENCY,
    OPT_BYTE_US, OPT_SIGN_MS, OPT_MAX_READ, OPT_NO_EXTENDED, OPT_TOKEN, OPT_NO_SIGN_CERT,
    OPT_RESET_PINS, OPT_INIT_ONLY, OPT_FAULT, OPT_PAST_END_SW, OPT_TEXT_PIN, OPT_NO_SFI_VERIFY,
    OPT_TOKEN_INFO_LEN, OPT_EF0008, OPT_NO_PSS, OPT_PSS_SALT_LEN, OPT_KEY_BITS, OPT_AUTH_KEY_BITS,
    OPT_SIGN_KEY_BITS, OPT_AUTH_KEY_TYPE, OPT_SIGN_KEY_TYPE, OPT_HELP,
};

static const struct option long_options[] = {
    {"state", required_argument, NULL, OPT_STATE},
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"auth-pin", required_argument, NULL, OPT_AUTH_PIN},
    {"sign-pin", required_argument, NULL, OPT_SIGN_PIN},
    {"apdu-log", required_argument, NULL, OPT_APDU_LOG},
    {"latency-ms", required_argument, NULL, OPT_LATENCY},
    {"byte-us", required_argument, NULL, OPT_BYTE_US},
    {"sign-ms", required_argument, NULL, OPT_SIGN_MS},
    {"max-read", required_argument, NULL, OPT_MAX_READ},
    {"no-extended", no_argument, NULL, OPT_NO_EXTENDED},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"no-sign-cert", no_argument, NULL, OPT_NO_SIGN_CERT},
    {"reset-pins", no_argument, NULL, OPT_RESET_PINS},
    {"init-only", no_argument, NULL, OPT_INIT_ONLY},
    {"fault", required_argument, NULL, OPT_FAULT},
    {"past-end-sw", required_argument, NULL, OPT_PAST_END_SW},
    {"text-pin", required_argument, NULL, OPT_TEXT_PIN},
    {"no-sfi-verify", no_argument, NULL, OPT_NO_SFI_VERIFY},
    {"token-info-len", required_argument, NULL, OPT_TOKEN_INFO_LEN},
    {"ef0008", required_argument, NULL, OPT_EF0008},
    {"no-pss", optional_argument, NULL, OPT_NO_PSS},
    {"pss-salt-len", required_argument, NULL, OPT_PSS_SALT_LEN},
    {"key-bits", required_argument, NULL, OPT_KEY_BITS},
    {"auth-key-bits", required_argument, NULL, OPT_AUTH_KEY_BITS},
    {"sign-key-bits", required_argument, NULL, OPT_SIGN_KEY_BITS},
    {"auth-key-type", required_argument, NULL, OPT_AUTH_KEY_TYPE},
    {"sign-key-type", required_argument, NULL, OPT_SIGN_KEY_TYPE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: jpki-vcard --state DIR [--host H] [--port N] [--auth-pin PIN]\n"
            "         [--sign-pin PIN] [--apdu-log FILE] [--latency-ms N] [--byte-us N]\n"
            "         [--sign-ms N] [--max-read N] [--no-extended] [--token NAME]\n"
            "         [--no-sign-cert] [--reset-pins] [--init-only] [--fault NAME]\n"
            "         [--past-end-sw HEX] [--text-pin PIN] [--no-sfi-verify]\n"
            "         [--token-info-len N] [--ef0008 absent|unreadable|HEX]\n"
            "         [--no-pss[=auth|sign]] [--pss-salt-len N] [--key-bits N]\n"
            "         [--auth-key-bits N] [--sign-key-bits N] [--auth-key-type rsa|ec]\n"
            "         [--sign-key-type rsa|ec]\n"
            "  --text-pin: 4 digits for a new text-assistance AP state (default 1234)\n"
            "  --no-sfi-verify: VERIFY by SFI (P2 98/9B) answers 6A86\n"
            "  --token: card|juki|android|iphone or a literal EF 0006 name; android:\n"
            "           EF 000A readable only after the auth PIN (else 6982); android,\n"
            "           iphone, juki: no text-assistance AP (its SELECT answers 6A82)\n"
            "  --token-info-len: EF 0006 holds only the first N (1..160) of its bytes\n"
            "  --no-sign-cert: no EF 0001 / 001A, EF 0008 byte 0 = 00 (not 8F)\n"
            "  --ef0008: absent (SELECT 6A82), unreadable (READ 6982), or its 3 bytes\n"
            "           in hex (default 8F8F00; 008F00 with --no-sign-cert)\n"
            "  80 2A P1: 00 PKCS#1 v1.5 over the data as given; 01 card hashes (SHA-256),\n"
            "           v1.5 over the bare hash; 02 data = SHA-256 hash, card adds the\n"
            "           DigestInfo; 03 card hashes and adds it; 04 data = SHA-256 hash,\n"
            "           RSASSA-PSS (MGF1-SHA-256, random salt of 32); 05 card hashes, PSS;\n"
            "           other P1 6A86; wrong input length 6700; non-RSA key 6A81\n"
            "  --no-pss: P1 04/05 answer 6A86 (=auth or =sign: that key only)\n"
            "  --pss-salt-len: PSS salt length instead of 32\n"
            "  --key-bits: RSA size of both card keys, 2048|3072|4096 (a new state\n"
            "           only; a state made otherwise is refused); --auth-key-bits and\n"
            "           --sign-key-bits set one key. Signatures over 256 bytes come as\n"
            "           Le bytes + 61xx and GET RESPONSE on a short APDU, whole on an\n"
            "           extended one\n"
            "  --auth-key-type/--sign-key-type ec: an EC P-256 key and certificate\n"
            "           (80 2A with it answers 6A81); --key-bits then sizes the other\n"
            "  --fault: truncate-read, oversize-read, sw-61xx, sw-6cxx, bad-sw,\n"
            "           short-response, disconnect-after=N\n"
            "  SIGUSR1 removes the card; the next SIGUSR1 inserts it again.\n");
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-') {
        fprintf(stderr, "jpki-vcard: bad number: %s\n", s);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_fault(const char *s, struct vpcd_options *o)
{
    if (strcmp(s, "truncate-read") == 0)
        o->fault = FAULT_TRUNCATE_READ;
    else if (strcmp(s, "oversize-read") == 0)
        o->fault = FAULT_OVERSIZE_READ;
    else if (strcmp(s, "sw-61xx") == 0)
        o->fault = FAULT_SW_61XX;
    else if (strcmp(s, "sw-6cxx") == 0)
        o->fault = FAULT_SW_6CXX;
    else if (strcmp(s, "bad-sw") == 0)
        o->fault = FAULT_BAD_SW;
    else if (strcmp(s, "short-response") == 0)
        o->fault = FAULT_SHORT_RESPONSE;
    else if (strncmp(s, "disconnect-after=", 17) == 0) {
        o->fault = FAULT_DISCONNECT_AFTER;
        return parse_uint(s + 17, UINT_MAX, &o->fault_arg) || o->fault_arg == 0 ? -1 : 0;
    } else {
        fprintf(stderr, "jpki-vcard: unknown fault: %s\n", s);
        return -1;
    }
    return 0;
}

static int parse_key_bits(const char *s, unsigned *bits)
{
    if (parse_uint(s, 65536, bits))
        return -1;
    if (*bits != 2048 && *bits != 3072 && *bits != 4096) {
        fprintf(stderr, "jpki-vcard: key bits must be 2048, 3072 or 4096\n");
        return -1;
    }
    return 0;
}

static int parse_key_type(const char *s, enum pki_key_type *type)
{
    if (strcmp(s, "rsa") == 0)
        *type = PKI_KEY_RSA;
    else if (strcmp(s, "ec") == 0)
        *type = PKI_KEY_EC;
    else {
        fprintf(stderr, "jpki-vcard: key type must be rsa or ec\n");
        return -1;
    }
    return 0;
}

/* One key's spec: its own bits, else --key-bits unless it is EC. */
static int key_spec(struct pki_key_spec *k, enum pki_key_type type, unsigned bits,
                    unsigned all_bits, const char *role)
{
    if (type == PKI_KEY_EC && bits) {
        fprintf(stderr, "jpki-vcard: --%s-key-bits given for an EC key\n", role);
        return -1;
    }
    k->type = type;
    k->bits = type == PKI_KEY_EC ? 0 : bits ? bits : all_bits;
    if (k->bits)
        k->type = PKI_KEY_RSA;
    return 0;
}

static int parse_ef0008(const char *s, struct card_config *cfg)
{
    if (strcmp(s, "absent") == 0) {
        cfg->ef0008_mode = EF0008_ABSENT;
        return 0;
    }
    if (strcmp(s, "unreadable") == 0) {
        cfg->ef0008_mode = EF0008_UNREADABLE;
        return 0;
    }
    if (strlen(s) == 6 && strspn(s, "0123456789abcdefABCDEF") == 6) {
        for (int i = 0; i < 3; i++)
            sscanf(s + 2 * i, "%2hhx", &cfg->ef0008[i]);
        cfg->ef0008_mode = EF0008_PRESENT;
        cfg->ef0008_given = true;
        return 0;
    }
    fprintf(stderr, "jpki-vcard: --ef0008 needs absent, unreadable or 6 hex digits\n");
    return -1;
}

static int parse_no_pss(const char *s, struct card_config *cfg)
{
    if (!s)
        cfg->no_pss = CARD_NO_PSS_AUTH | CARD_NO_PSS_SIGN;
    else if (strcmp(s, "auth") == 0)
        cfg->no_pss |= CARD_NO_PSS_AUTH;
    else if (strcmp(s, "sign") == 0)
        cfg->no_pss |= CARD_NO_PSS_SIGN;
    else {
        fprintf(stderr, "jpki-vcard: --no-pss takes =auth or =sign or nothing\n");
        return -1;
    }
    return 0;
}

static int check_pin(const char *pin)
{
    size_t n = strlen(pin);

    if (n == 0 || n > VCARD_PIN_MAX) {
        fprintf(stderr, "jpki-vcard: PIN must be 1..%d bytes\n", VCARD_PIN_MAX);
        return -1;
    }
    return 0;
}

/* Load or create DIR/pins; --reset-pins restores the counters (and any
 * PIN given on the command line). */
static int setup_state(struct vcard_state *st, const char *dir, const char *auth_pin,
                       const char *sign_pin, int reset)
{
    int rc = state_load(st, dir);

    if (rc < 0)
        return -1;
    if (rc == 1 || reset) {
        if (auth_pin)
            strcpy(st->auth_pin, auth_pin);
        if (sign_pin)
            strcpy(st->sign_pin, sign_pin);
        st->auth_tries = VCARD_AUTH_TRIES;
        st->sign_tries = VCARD_SIGN_TRIES;
        return state_save(st);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct vpcd_options o = {.host = "127.0.0.1", .port = 35963};
    struct card_config cfg = {.extended = true};
    const char *dir = NULL, *auth_pin = NULL, *sign_pin = NULL, *log_path = NULL;
    int reset = 0, init_only = 0, opt, rc = 1;
    unsigned v;
    struct vcard_state st;
    struct pki_spec spec = {0};
    enum pki_key_type auth_type = PKI_KEY_ANY, sign_type = PKI_KEY_ANY;
    unsigned all_bits = 0, auth_bits = 0, sign_bits = 0;
    struct pki pki;
    struct card card;

    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case OPT_STATE: dir = optarg; break;
        case OPT_HOST: o.host = optarg; break;
        case OPT_PORT:
            if (parse_uint(optarg, 65535, &o.port))
                return 2;
            break;
        case OPT_AUTH_PIN: auth_pin = optarg; break;
        case OPT_SIGN_PIN: sign_pin = optarg; break;
        case OPT_APDU_LOG: log_path = optarg; break;
        case OPT_LATENCY:
            if (parse_uint(optarg, 600000, &o.latency_ms))
                return 2;
            break;
        case OPT_BYTE_US:
            if (parse_uint(optarg, 1000000, &o.byte_us))
                return 2;
            break;
        case OPT_SIGN_MS:
            if (parse_uint(optarg, 600000, &o.sign_ms))
                return 2;
            break;
        case OPT_MAX_READ:
            if (parse_uint(optarg, 65536, &v) || v == 0)
                return 2;
            cfg.max_read = v;
            break;
        case OPT_NO_EXTENDED: cfg.extended = false; break;
        case OPT_TOKEN:
            snprintf(cfg.token_name, sizeof(cfg.token_name), "%s", card_token_name(optarg));
            break;
        case OPT_NO_SIGN_CERT: cfg.no_sign_cert = true; break;
        case OPT_RESET_PINS: reset = 1; break;
        case OPT_INIT_ONLY: init_only = 1; break;
        case OPT_FAULT:
            if (parse_fault(optarg, &o))
                return 2;
            break;
        case OPT_PAST_END_SW: {
            /* JICSAP says 6B00; not seen in a real trace (e.g. try 6282). */
            char *end;
            unsigned long sw = strtoul(optarg, &end, 16);
            if (*end || sw < 0x6000 || sw > 0x6FFF) {
                fprintf(stderr, "jpki-vcard: bad SW: %s\n", optarg);
                return 2;
            }
            cfg.past_end_sw = (uint16_t)sw;
            break;
        }
        case OPT_TEXT_PIN:
            if (strlen(optarg) != 4 || strspn(optarg, "0123456789") != 4) {
                fprintf(stderr, "jpki-vcard: --text-pin needs 4 digits\n");
                return 2;
            }
            cfg.text_pin = optarg;
            break;
        case OPT_NO_SFI_VERIFY: cfg.no_sfi_verify = true; break;
        case OPT_TOKEN_INFO_LEN:
            if (parse_uint(optarg, CARD_TOKEN_INFO_LEN, &v) || v == 0)
                return 2;
            cfg.token_info_len = v;
            break;
        case OPT_EF0008:
            if (parse_ef0008(optarg, &cfg))
                return 2;
            break;
        case OPT_NO_PSS:
            if (parse_no_pss(optarg, &cfg))
                return 2;
            break;
        case OPT_PSS_SALT_LEN:
            /* Too long for the key: the card answers 6F00 to P1 04/05. */
            if (parse_uint(optarg, SIGN_MAX_LEN, &cfg.pss_salt_len))
                return 2;
            cfg.pss_salt_given = true;
            break;
        case OPT_KEY_BITS:
            if (parse_key_bits(optarg, &all_bits))
                return 2;
            break;
        case OPT_AUTH_KEY_BITS:
            if (parse_key_bits(optarg, &auth_bits))
                return 2;
            break;
        case OPT_SIGN_KEY_BITS:
            if (parse_key_bits(optarg, &sign_bits))
                return 2;
            break;
        case OPT_AUTH_KEY_TYPE:
            if (parse_key_type(optarg, &auth_type))
                return 2;
            break;
        case OPT_SIGN_KEY_TYPE:
            if (parse_key_type(optarg, &sign_type))
                return 2;
            break;
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (key_spec(&spec.auth, auth_type, auth_bits, all_bits, "auth") ||
        key_spec(&spec.sign, sign_type, sign_bits, all_bits, "sign"))
        return 2;
    if (!dir || optind != argc || (auth_pin && check_pin(auth_pin)) ||
        (sign_pin && check_pin(sign_pin))) {
        usage(stderr);
        return 2;
    }
    if (state_make_dir(dir) || setup_state(&st, dir, auth_pin, sign_pin, reset) ||
        pki_ensure_spec(dir, &spec) || pki_load(&pki, dir))
        return 1;
    if (pki_check_spec(&pki, &spec)) {
        pki_free(&pki);
        return 1;
    }
    if (init_only) {
        pki_free(&pki);
        return 0;
    }
    if (log_path && !(o.apdu_log = fopen(log_path, "a"))) {
        fprintf(stderr, "jpki-vcard: %s: %s\n", log_path, strerror(errno));
        goto out;
    }
    o.atr = cfg.extended ? atr_extended : atr_short;
    o.atr_len = cfg.extended ? sizeof(atr_extended) : sizeof(atr_short);
    card_init(&card, &cfg, &pki, &st);
    vpcd_install_signals();
    rc = vpcd_run(&card, &o);
out:
    if (o.apdu_log)
        fclose(o.apdu_log);
    pki_free(&pki);
    return rc;
}
