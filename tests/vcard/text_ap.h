/*
 * text_ap.h: the text-assistance AP (券面事項入力補助AP, protocol notes §8)
 * of the virtual card: its own AID, a 4-digit PIN with 3 tries (EF 0011,
 * kept in DIR/text-pins so that it persists like the JPKI PINs), the
 * individual number (EF 0001) and the basic four items (EF 0002), with the
 * fake holder of the sign certificate's SAN.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef VCARD_TEXT_AP_H
#define VCARD_TEXT_AP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_AP_PIN_LEN 4
#define TEXT_AP_TRIES 3

struct card;
struct apdu;

struct text_ap {
    bool present;           /* the card has this AP (not on phones, Juki cards) */
    char path[4096];        /* DIR/text-pins; empty = do not persist */
    char pin[TEXT_AP_PIN_LEN + 1];
    unsigned tries;
    bool selected;          /* the text AP is the current application */
    uint16_t current_ef;
    bool verified;
    uint8_t number_ef[17];  /* EF 0001 */
    uint8_t basic_ef[256];  /* EF 0002 */
    size_t basic_len;
};

/* pins_path: the JPKI state file (DIR/pins, or empty); the text PIN state
 * lives beside it. A missing file gets pin (NULL: "1234") and 3 tries.
 * present false: the card has no such AP (its AID answers 6A82). */
void text_ap_init(struct text_ap *t, const char *pins_path, const char *pin, bool present);

/* Power-on state: not selected, not verified. */
void text_ap_reset(struct text_ap *t);

/* Handles a for the text AP: SELECT of its AID, and every command while it
 * is selected. Returns false for what the JPKI AP should handle. */
bool text_ap_process(struct card *c, const struct apdu *a, uint8_t *resp, size_t *n,
                     uint16_t *sw);

#endif
