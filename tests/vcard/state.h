/*
 * state.h: the virtual card's persistent PIN values and retry counters.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef VCARD_STATE_H
#define VCARD_STATE_H

#include <stdbool.h>
#include <stddef.h>

#define VCARD_PIN_MAX 16
#define VCARD_AUTH_TRIES 3
#define VCARD_SIGN_TRIES 5

struct vcard_state {
    char path[4096];                  /* DIR/pins; empty = do not persist */
    char auth_pin[VCARD_PIN_MAX + 1];
    char sign_pin[VCARD_PIN_MAX + 1];
    unsigned auth_tries;
    unsigned sign_tries;
};

/* Create DIR (one level, mode 0700) if it does not exist. */
int state_make_dir(const char *dir);

/* Read DIR/pins. Returns 0, 1 if the file does not exist (st is then
 * initialised with defaults and its path set), -1 on a malformed file. */
int state_load(struct vcard_state *st, const char *dir);

/* Rewrite DIR/pins atomically (temp file + rename) so a crash never leaves
 * a half-written counter behind. */
int state_save(const struct vcard_state *st);

#endif
