/*
 * card_profile.h: the facts of one kind of JPKI token in one table row
 * (design.md §3, "card profile"): how EF 0006 names it, what to call it,
 * its application, the EFs of each role, the PIN rules and the key sizes
 * the module drives. A row is chosen when the card is probed; a new token
 * generation is one more row. Knows nothing of PKCS#11 or of card I/O.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_CARD_PROFILE_H
#define JPKI_CARD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The two key/PIN pairs. */
typedef enum jpki_role { JPKI_ROLE_AUTH = 0, JPKI_ROLE_SIGN = 1 } jpki_role;
#define JPKI_ROLES 2

/* What answers (EF 0006, jpki-protocol.md §3.2). */
typedef enum jpki_token_kind {
    JPKI_TOKEN_UNKNOWN = 0,   /* a JPKI AP whose EF 0006 we do not know (or could not read) */
    JPKI_TOKEN_CARD,          /* JPKIAPICCTOKEN2: My Number Card */
    JPKI_TOKEN_JUKI,          /* JPKIAPICCTOKEN: the older 住基 card */
    JPKI_TOKEN_ANDROID,       /* JPKIAPGPSETOKEN: an Android phone's secure element */
    JPKI_TOKEN_IPHONE,        /* JPKIAPIOSTOKEN: an iPhone's */
    JPKI_TOKEN_KINDS
} jpki_token_kind;

/* A PIN's format, checked before anything reaches the card (design.md §2). */
typedef struct jpki_pin_rule {
    int max_tries;           /* of a fresh PIN */
    size_t min_len, max_len;
    bool letters;            /* A-Z allowed besides 0-9 (a-z upper-cased); else digits only */
    bool new_needs_mix;      /* a new PIN needs a letter and a digit (issuance rule, §6.1) */
} jpki_pin_rule;

typedef struct jpki_role_profile {
    uint16_t cert_ef;        /* the holder's certificate */
    uint16_t ca_ef;          /* the CA certificate for it */
    uint16_t key_ef;         /* the private key (COMPUTE DIGITAL SIGNATURE) */
    uint16_t pin_ef;         /* its PIN (VERIFY) */
    const jpki_pin_rule *pin;
    bool cert_needs_pin;     /* the certificate EF answers only after this role's PIN */
    const char *words;       /* what the role is, for slot descriptions and logs */
    const char *token_label; /* OpenSC's token label (design.md §1) */
} jpki_role_profile;

typedef struct jpki_card_profile {
    jpki_token_kind kind;
    const char *token_name;  /* EF 0006 bytes 0-31 without the padding; NULL: any other */
    const char *words;       /* what it is, in words: slot descriptions, jpki-tool */
    const char *model;       /* CK_TOKEN_INFO model (at most 16 characters) */
    const uint8_t *aid;      /* the JPKI application */
    size_t aid_len;
    jpki_role_profile role[JPKI_ROLES];
    /* The auth certificate cannot give the token serial before a login:
     * it comes from EF 0006's serialNumber field (bytes 80-95) instead. */
    bool serial_from_token_info;
    bool has_text_ap;        /* 券面事項入力補助AP beside the JPKI AP */
} jpki_card_profile;

/* The row for an EF 0006 token name (blanks trimmed), the "unknown" row for
 * any other name or NULL. Never NULL. */
const jpki_card_profile *jpki_profile_for_name(const char *token_name);
/* The row used before a card has been probed: the My Number Card's. */
const jpki_card_profile *jpki_profile_default(void);
/* The row of a kind (JPKI_TOKEN_UNKNOWN for anything out of range). */
const jpki_card_profile *jpki_profile_of_kind(jpki_token_kind kind);

/* The PIN rules of a role (the same on every token known: the rows share
 * them; jpki.h's role-only PIN functions rely on that). NULL for a bad role. */
const jpki_pin_rule *jpki_pin_rule_of(jpki_role role);

/* RSA key sizes the module drives (COMPUTE DIGITAL SIGNATURE returns
 * modulus-sized signatures; 61xx chaining brings them through short APDUs). */
#define JPKI_RSA_BITS_MIN 2048
#define JPKI_RSA_BITS_MAX 4096

#endif
