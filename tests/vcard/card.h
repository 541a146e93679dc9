/*
 * card.h: the JPKI card logic of the virtual card — APDU in, APDU out,
 * no sockets, so tests can drive it in-process.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef VCARD_CARD_H
#define VCARD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pki.h"
#include "sign.h"
#include "state.h"
#include "text_ap.h"

/* Largest response: an extended READ BINARY of 65536 bytes plus SW. */
#define CARD_MAX_RESPONSE (65536 + 2)

#define CARD_TOKEN_INFO_LEN 160

/* What EF 0008 (which certificates the card carries) is like. */
enum ef0008_mode {
    EF0008_PRESENT = 0,     /* 3 readable bytes */
    EF0008_ABSENT,          /* SELECT answers 6A82 */
    EF0008_UNREADABLE,      /* SELECT 9000, READ BINARY 6982 */
};

/* Which keys refuse the PSS modes (P1 04/05 answer 6A86). */
enum { CARD_NO_PSS_AUTH = 1, CARD_NO_PSS_SIGN = 2 };

struct card_config {
    bool extended;          /* accept extended Le/Lc (else 6700) */
    size_t max_read;        /* cap per READ BINARY; 0 = none */
    char token_name[33];    /* EF 0006 bytes 0-31, space-padded */
    bool no_sign_cert;      /* EF 0001 and 001A absent */
    const char *text_pin;   /* text-assistance AP PIN for a new state (NULL: 1234) */
    uint16_t past_end_sw;   /* READ at/after the end of an EF; 0 = 6B00 */
    bool no_sfi_verify;     /* VERIFY / CHANGE REFERENCE DATA by SFI answer 6A86 */
    size_t token_info_len;  /* EF 0006 length, 1..160; 0 = 160 */
    enum ef0008_mode ef0008_mode;
    bool ef0008_given;      /* ef0008 below replaces the bytes derived from the certs */
    uint8_t ef0008[3];
    unsigned no_pss;        /* CARD_NO_PSS_* bits */
    bool pss_salt_given;    /* else SIGN_PSS_SALT_DEFAULT */
    unsigned pss_salt_len;
};

struct card {
    struct card_config cfg;
    const struct pki *pki;
    struct vcard_state *state;
    bool ap_selected;
    uint16_t current_ef;    /* 0 = none */
    bool auth_verified;
    bool sign_verified;
    bool auth_cert_needs_pin;   /* Android: EF 000A only after the auth PIN */
    uint8_t token_info[CARD_TOKEN_INFO_LEN];
    size_t token_info_len;
    uint8_t ef0008[3];
    uint8_t pending[SIGN_MAX_LEN];  /* rest of a long answer, for GET RESPONSE */
    size_t pending_len, pending_off;
    struct text_ap text;    /* the text-assistance AP (text_ap.c) */
};

/* A parsed command APDU (ISO 7816-3 cases 1-4, short and extended). */
struct apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t lc;
    size_t le;              /* 0 = no Le; else 1..65536 */
    bool has_le;
    bool extended;
};

/* Returns 0, or -1 if the bytes are not a well-formed APDU. */
int card_parse_apdu(const uint8_t *buf, size_t len, struct apdu *a);

/* Map --token words (card, juki, android, iphone) to EF 0006 names;
 * anything else is used literally (truncated to 32 bytes). */
const char *card_token_name(const char *word);

void card_init(struct card *c, const struct card_config *cfg, const struct pki *pki,
               struct vcard_state *state);

/* Power off, power on and reset all end in the power-on state: no AP
 * selected, nothing verified. */
void card_reset(struct card *c);

/* Process one command APDU; RESP must hold CARD_MAX_RESPONSE bytes. */
void card_process(struct card *c, const uint8_t *apdu, size_t len, uint8_t *resp,
                  size_t *resp_len);

#endif
