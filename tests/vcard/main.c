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
    OPT_HELP,
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
            "  --text-pin: 4 digits for a new text-assistance AP state (default 1234)\n"
            "  --no-sfi-verify: VERIFY by SFI (P2 98/9B) answers 6A86\n"
            "  --token: card|juki|android|iphone or a literal EF 0006 name\n"
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
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!dir || optind != argc || (auth_pin && check_pin(auth_pin)) ||
        (sign_pin && check_pin(sign_pin))) {
        usage(stderr);
        return 2;
    }
    if (state_make_dir(dir) || setup_state(&st, dir, auth_pin, sign_pin, reset) ||
        pki_ensure(dir) || pki_load(&pki, dir))
        return 1;
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
