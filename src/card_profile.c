/*
 * card_profile.c: the table of JPKI token kinds (see card_profile.h). The
 * facts and how sure they are: jpki-protocol.md §3.1-3.4 and §6.1.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "card_profile.h"

#include <string.h>

static const uint8_t jpki_aid[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01 };

/* Auth PIN: exactly 4 digits, 3 tries. Sign password: 6-16 of A-Z 0-9,
 * 5 tries (§6.1). Phones have PINs of their own, with the card's rules. */
static const jpki_pin_rule pin_rules[JPKI_ROLES] = {
    [JPKI_ROLE_AUTH] = { .max_tries = 3, .min_len = 4, .max_len = 4, .letters = false },
    [JPKI_ROLE_SIGN] = { .max_tries = 5, .min_len = 6, .max_len = 16, .letters = true,
                         .new_needs_mix = true },
};

/* EF numbers of §3.1. The sign certificate (holder's name and address) is
 * readable only after the sign password on every token. */
#define AUTH_ROLE(cert_pin)                                                               \
    {                                                                                     \
        .cert_ef = 0x000A, .ca_ef = 0x000B, .key_ef = 0x0017, .pin_ef = 0x0018,           \
        .pin = &pin_rules[JPKI_ROLE_AUTH], .cert_needs_pin = (cert_pin),                  \
        .words = "User Authentication", .token_label = "JPKI (User Authentication PIN)", \
    }
#define SIGN_ROLE                                                                         \
    {                                                                                     \
        .cert_ef = 0x0001, .ca_ef = 0x0002, .key_ef = 0x001A, .pin_ef = 0x001B,           \
        .pin = &pin_rules[JPKI_ROLE_SIGN], .cert_needs_pin = true,                        \
        .words = "Digital Signature", .token_label = "JPKI (Digital Signature PIN)",      \
    }

/* Indexed by jpki_token_kind. On Android the auth certificate answers only
 * after the auth PIN (C2); an iPhone was read without one (S). */
static const jpki_card_profile profiles[JPKI_TOKEN_KINDS] = {
    [JPKI_TOKEN_UNKNOWN] = {
        .kind = JPKI_TOKEN_UNKNOWN, .token_name = NULL,
        .words = "JPKI token", .model = "JPKI token",
        .aid = jpki_aid, .aid_len = sizeof jpki_aid,
        .role = { AUTH_ROLE(false), SIGN_ROLE },
    },
    [JPKI_TOKEN_CARD] = {
        .kind = JPKI_TOKEN_CARD, .token_name = "JPKIAPICCTOKEN2",
        .words = "My Number Card", .model = "My Number Card",
        .aid = jpki_aid, .aid_len = sizeof jpki_aid,
        .role = { AUTH_ROLE(false), SIGN_ROLE },
        .has_text_ap = true,
    },
    [JPKI_TOKEN_JUKI] = {
        .kind = JPKI_TOKEN_JUKI, .token_name = "JPKIAPICCTOKEN",
        .words = "Juki card", .model = "Juki card",
        .aid = jpki_aid, .aid_len = sizeof jpki_aid,
        .role = { AUTH_ROLE(false), SIGN_ROLE },
    },
    [JPKI_TOKEN_ANDROID] = {
        .kind = JPKI_TOKEN_ANDROID, .token_name = "JPKIAPGPSETOKEN",
        .words = "Android mobile JPKI", .model = "Android (mobile)",
        .aid = jpki_aid, .aid_len = sizeof jpki_aid,
        .role = { AUTH_ROLE(true), SIGN_ROLE },
        .serial_from_token_info = true,
    },
    [JPKI_TOKEN_IPHONE] = {
        .kind = JPKI_TOKEN_IPHONE, .token_name = "JPKIAPIOSTOKEN",
        .words = "iPhone mobile JPKI", .model = "iPhone (mobile)",
        .aid = jpki_aid, .aid_len = sizeof jpki_aid,
        .role = { AUTH_ROLE(false), SIGN_ROLE },
    },
};

const jpki_card_profile *jpki_profile_of_kind(jpki_token_kind kind)
{
    if ((unsigned)kind >= JPKI_TOKEN_KINDS)
        kind = JPKI_TOKEN_UNKNOWN;
    return &profiles[kind];
}

const jpki_card_profile *jpki_profile_for_name(const char *token_name)
{
    if (token_name != NULL)
        for (size_t i = 0; i < JPKI_TOKEN_KINDS; i++)
            if (profiles[i].token_name != NULL && strcmp(profiles[i].token_name, token_name) == 0)
                return &profiles[i];
    return &profiles[JPKI_TOKEN_UNKNOWN];
}

const jpki_card_profile *jpki_profile_default(void)
{
    return &profiles[JPKI_TOKEN_CARD];
}

const jpki_pin_rule *jpki_pin_rule_of(jpki_role role)
{
    if (role != JPKI_ROLE_AUTH && role != JPKI_ROLE_SIGN)
        return NULL;
    return &pin_rules[role];
}
