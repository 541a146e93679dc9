/*
 * token_state.h: the one owner of the PINs, the retry counters and the
 * card's verified state (design.md §2). login.c and signing.c apply
 * PKCS#11's semantics and call this; nothing else keeps or sends a PIN.
 *
 * The rules that live behind this interface, for several processes and
 * other PC/SC programs on one card:
 *  - Fresh counters: every VERIFY that carries a PIN is preceded, in the
 *    same transaction, by the empty VERIFY of that PIN; the final-try
 *    guard and every decision to send use that value.
 *  - Held PINs (the auth PIN for the login; the sign PIN of C_Login(USER)
 *    for the sign certificate's read and the login's first signature; a
 *    context PIN for its one signature) are sent again only when that
 *    fresh counter is full. Otherwise the login ends and nothing is sent:
 *    a PIN changed elsewhere costs at most one try, once, never a last one.
 *  - The sign key is never left verified outside one of our transactions;
 *    the auth key is un-verified at logout, when its last session closes,
 *    at C_Finalize and when the module is unloaded.
 *  - Token flags come from counters at most JPKI_TRIES_MAX_AGE_MS old,
 *    refreshed without spending a try.
 * All functions: reader lock held.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TOKEN_STATE_H
#define JPKI_TOKEN_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkcs11-v3.h"
#include "jpki.h"

#define JPKI_TRIES_MAX_AGE_MS 2000

/* A PIN kept in memory; filled and wiped only by token_state.c. */
typedef struct jpki_held_pin {
    uint8_t bytes[JPKI_PIN_MAX];
    size_t len;
} jpki_held_pin;

/* Per card generation, inside the reader. */
typedef struct jpki_token_state {
    int tries[2];               /* last counter read, per role; -1: unknown */
    uint64_t tries_at_ms;       /* when (monotonic); 0: never */
    bool logged_in[2];
    jpki_held_pin login_pin[2]; /* auth: the login's; sign: see the header comment */
    bool sign_cert_read_tried;  /* the held sign PIN went to the certificate read */
    bool first_sign_open;       /* C_Login(USER) on the sign token still authorises one signature */
    bool grace_open;            /* the transaction that verified the sign key is still ours (sign_grace.c) */
    unsigned long grace_gen;    /* which grace the watchdog was asked to end */
} jpki_token_state;

struct jpki_reader;

/* Wipes every PIN and forgets the login (card gone, C_Finalize, fork). */
void jpki_ts_clear(jpki_token_state *ts);
void jpki_held_pin_wipe(jpki_held_pin *pin);
/* The counters read when the card arrived (in the probe's transaction). */
void jpki_ts_card_arrived(jpki_token_state *ts, int auth_tries, int sign_tries);

bool jpki_ts_logged_in(const struct jpki_reader *r, jpki_role role);

/* A sign login's transaction still open (sign_grace.c) is ended: the key
 * un-verified, the transaction over. Before any other transaction of the
 * reader begins, at logout and release. Nothing when none is open. */
void jpki_ts_grace_end(struct jpki_reader *r);
/* The watchdog, reader lock held: grace gen is over unless used since. */
void jpki_ts_grace_expired(struct jpki_reader *r, unsigned long gen);
/* The retry counter for the token flags; read again from the card when
 * older than JPKI_TRIES_MAX_AGE_MS (no try spent). -1: unknown. */
int jpki_ts_tries(struct jpki_reader *r, jpki_role role);

/* C_Login(CKU_USER): pin already format-checked. */
CK_RV jpki_ts_login(struct jpki_reader *r, jpki_role role, const uint8_t *pin, size_t len);
/* C_Login(CKU_CONTEXT_SPECIFIC): checks the PIN (the card is left
 * unverified) and holds it in *context for one signature. */
CK_RV jpki_ts_login_context(struct jpki_reader *r, jpki_role role, const uint8_t *pin,
                            size_t len, jpki_held_pin *context);
/* Logs the token out: PIN wiped, and the card un-verified when the key may
 * be verified there. */
void jpki_ts_logout(struct jpki_reader *r, jpki_role role);
/* C_SetPIN on a logged-in token: VERIFY the old PIN, CHANGE REFERENCE DATA. */
CK_RV jpki_ts_set_pin(struct jpki_reader *r, jpki_role role, const uint8_t *old_pin,
                      size_t old_len, const uint8_t *new_pin, size_t new_len);
/* Whether a signature with the role's key can be authorised now: by
 * context (a context login's PIN, may be NULL) or by the login itself. */
bool jpki_ts_sign_authorised(const struct jpki_reader *r, jpki_role role,
                             const jpki_held_pin *context);
/* One signature with the role's key over in (a DigestInfo or data the card
 * pads; the SHA-256 hash in the PSS mode); context as above, wiped once
 * used. sig holds JPKI_SIGNATURE_MAX. */
CK_RV jpki_ts_sign(struct jpki_reader *r, jpki_role role, jpki_held_pin *context,
                   jpki_sign_mode mode, const uint8_t *in, size_t in_len, uint8_t *sig,
                   size_t *sig_len);
/* The sign certificate, read with the sign PIN held since C_Login, once per
 * login. CKR_OBJECT_HANDLE_INVALID when it cannot be read in this login. */
CK_RV jpki_ts_read_sign_cert(struct jpki_reader *r);
/* C_Finalize and unload: leaves the auth key un-verified and wipes. */
void jpki_ts_release(struct jpki_reader *r);

#endif
