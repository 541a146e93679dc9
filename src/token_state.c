/*
 * token_state.c: PINs, retry counters and the card's verified state (see
 * token_state.h for the rules).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include "env.h"
#include "log.h"
#include "sign_grace.h"
#include "slot.h"
#include "token_state.h"

static const char *role_name(jpki_role role)
{
    return role == JPKI_ROLE_AUTH ? "auth" : "sign";
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 1;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + 1u;
}

void jpki_held_pin_wipe(jpki_held_pin *pin)
{
    OPENSSL_cleanse(pin->bytes, sizeof(pin->bytes));
    pin->len = 0;
}

static void hold(jpki_held_pin *dst, const uint8_t *pin, size_t len)
{
    jpki_held_pin_wipe(dst);
    memcpy(dst->bytes, pin, len);
    dst->len = len;
}

/* Ends one token's login in memory only. */
static void forget_login(jpki_token_state *ts, jpki_role role)
{
    ts->logged_in[role] = false;
    jpki_held_pin_wipe(&ts->login_pin[role]);
    if (role == JPKI_ROLE_SIGN) {
        ts->first_sign_open = false;
        ts->sign_cert_read_tried = false;
    }
}

void jpki_ts_clear(jpki_token_state *ts)
{
    forget_login(ts, JPKI_ROLE_AUTH);
    forget_login(ts, JPKI_ROLE_SIGN);
    ts->tries[0] = ts->tries[1] = -1;
    ts->tries_at_ms = 0;
    /* The card or the process is gone: the transaction with it. */
    ts->grace_open = false;
}

void jpki_ts_card_arrived(jpki_token_state *ts, int auth_tries, int sign_tries)
{
    jpki_ts_clear(ts);
    ts->tries[JPKI_ROLE_AUTH] = auth_tries;
    ts->tries[JPKI_ROLE_SIGN] = sign_tries;
    ts->tries_at_ms = now_ms();
}

bool jpki_ts_logged_in(const jpki_reader *r, jpki_role role)
{
    return r->ts.logged_in[role];
}

/* The held sign PIN of C_Login(USER) serves the certificate's read and the
 * login's first signature; once both are past it goes. */
static void maybe_drop_sign_login_pin(jpki_reader *r)
{
    size_t len = 0;
    bool cert_done = r->ts.sign_cert_read_tried ||
                     jpki_reader_cached_cert(r, JPKI_EF_SIGN_CERT, &len) != NULL;
    if (cert_done && !r->ts.first_sign_open)
        jpki_held_pin_wipe(&r->ts.login_pin[JPKI_ROLE_SIGN]);
}

/* A transaction that starts from a fresh SELECT of the AP: another program
 * may have selected another application, whose PIN files must never get
 * ours. */
static jpki_status begin_fresh(jpki_reader *r)
{
    jpki_status st = jpki_reader_begin(r, NULL);
    if (st == JPKI_OK)
        jpki_card_forget_selection(&r->card);
    return st;
}

/* Selecting the AP again clears the card's verified state. */
static void unverify(jpki_reader *r)
{
    jpki_status st = jpki_select_ap(&r->card);
    if (st != JPKI_OK)
        jpki_log(JPKI_LOG_ERROR, "reader %zu: un-verify SELECT: %s", r->index,
                 jpki_status_name(st));
}

/* Inside a transaction: the counter now (no try spent). */
static jpki_status read_tries(jpki_reader *r, jpki_role role)
{
    int tries = -1;
    jpki_status st = jpki_pin_status(&r->card, role, &tries);
    if (st != JPKI_OK)
        return st;
    /* 90 00 (verified: the last VERIFY was right) counts as full. */
    r->ts.tries[role] = tries < 0 ? jpki_pin_max_tries(role) : tries;
    r->ts.tries_at_ms = now_ms();
    return JPKI_OK;
}

static bool final_try_allowed(void)
{
    const char *allow = jpki_env("JPKI_PKCS11_ALLOW_FINAL_TRY");
    return allow != NULL && strcmp(allow, "1") == 0;
}

typedef enum pin_source { PIN_TYPED, PIN_HELD } pin_source;

/* What one guarded VERIFY did. */
typedef struct verify_result {
    jpki_status st;   /* JPKI_OK: verified; a PIN status: the card said so, or it was not sent */
    bool sent;        /* the PIN went to the card */
} verify_result;

/* Inside a transaction begun with begin_fresh: reads the counter, decides
 * from it, and sends the PIN at most once. A typed PIN passes the
 * final-try guard; a held PIN only goes to a full counter. */
static verify_result verify_guarded(jpki_reader *r, jpki_role role, const uint8_t *pin,
                                    size_t len, pin_source source)
{
    verify_result v = { JPKI_OK, false };
    v.st = read_tries(r, role);
    if (v.st != JPKI_OK)
        return v;
    int tries = r->ts.tries[role];
    bool send = source == PIN_HELD ? tries == jpki_pin_max_tries(role)
                                   : tries > 1 || (tries == 1 && final_try_allowed());
    if (!send) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: %s PIN: %d tries left: %s PIN not sent",
                 r->index, role_name(role), tries, source == PIN_HELD ? "held" : "typed");
        v.st = JPKI_E_PIN_LOCKED;
        return v;
    }
    int left = -1;
    v.sent = true;
    v.st = jpki_verify_pin(&r->card, role, pin, len, &left);
    if (v.st == JPKI_OK)
        r->ts.tries[role] = jpki_pin_max_tries(role);
    else if (v.st == JPKI_E_PIN_LOCKED)
        r->ts.tries[role] = 0;
    else if (v.st == JPKI_E_PIN_INCORRECT)
        r->ts.tries[role] = left >= 0 ? left : (tries > 0 ? tries - 1 : 0);
    r->ts.tries_at_ms = now_ms();
    jpki_log(JPKI_LOG_CALL, "reader %zu: VERIFY %s PIN: %s, %d tries left", r->index,
             role_name(role), jpki_status_name(v.st), r->ts.tries[role]);
    return v;
}

/* The CKR_* of a typed PIN's VERIFY, after the transaction. */
static CK_RV typed_rv(jpki_reader *r, jpki_status st)
{
    switch (st) {
    case JPKI_OK:
        return CKR_OK;
    case JPKI_E_PIN_INCORRECT:
        return CKR_PIN_INCORRECT;
    case JPKI_E_PIN_LOCKED:
        return CKR_PIN_LOCKED;
    default:
        return jpki_reader_fail(r, st);
    }
}

/* A held PIN that was refused, or not sent: the login is over. */
static bool held_pin_failed(jpki_reader *r, jpki_role role, verify_result v)
{
    if (v.st != JPKI_E_PIN_INCORRECT && v.st != JPKI_E_PIN_LOCKED)
        return false;
    jpki_log(JPKI_LOG_CALL, "reader %zu: the held %s PIN %s: logged out", r->index,
             role_name(role), v.sent ? "no longer opens the card" : "was not sent");
    forget_login(&r->ts, role);
    return true;
}

void jpki_ts_grace_end(jpki_reader *r)
{
    if (!r->ts.grace_open)
        return;
    r->ts.grace_open = false;
    unverify(r);
    jpki_reader_end(r);
}

void jpki_ts_grace_expired(jpki_reader *r, unsigned long gen)
{
    if (r->ts.grace_open && r->ts.grace_gen == gen) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: sign grace unused: un-verified", r->index);
        jpki_ts_grace_end(r);
    }
}

/* Inside the transaction whose VERIFY just opened the sign key: kept open
 * for the signature that usually follows (sign_grace.c), else un-verified
 * and ended now. */
static void end_sign_tx(jpki_reader *r, bool may_grace)
{
    if (may_grace) {
        r->ts.grace_gen++;
        r->ts.grace_open = jpki_grace_arm(r, r->ts.grace_gen);
        if (r->ts.grace_open)
            return;
    }
    unverify(r);
    jpki_reader_end(r);
}

/* The open grace, taken by the operation that uses the verified sign key
 * in it: the caller ends the transaction. */
static bool take_grace(jpki_reader *r)
{
    bool open = r->ts.grace_open;
    r->ts.grace_open = false;
    return open;
}

/* The transaction of one sign-key operation with a held PIN. */
typedef struct sign_key_tx {
    bool in_grace;    /* the grace's: the key verified by the VERIFY that opened it */
    verify_result v;  /* otherwise: the guarded VERIFY of pin */
} sign_key_tx;

/* The grace's transaction if one is open (the login or context login that
 * verified the key; nobody came in), else a new one with a guarded VERIFY
 * of pin. Not JPKI_OK: no transaction was begun. */
static jpki_status sign_key_begin(jpki_reader *r, const jpki_held_pin *pin, sign_key_tx *t)
{
    t->v = (verify_result){ JPKI_OK, false };
    t->in_grace = take_grace(r);
    if (t->in_grace)
        return JPKI_OK;
    jpki_status st = begin_fresh(r);
    if (st == JPKI_OK)
        t->v = verify_guarded(r, JPKI_ROLE_SIGN, pin->bytes, pin->len, PIN_HELD);
    return st;
}

/* One transaction for a PIN the user typed: checked (final-try guard),
 * then, if it verified and new_pin is given, changed; the sign key is left
 * un-verified, or verified in a grace (may_grace: the logins, never a PIN
 * change) that keeps the transaction open. */
static CK_RV typed_tx(jpki_reader *r, jpki_role role, const uint8_t *pin, size_t len,
                      const uint8_t *new_pin, size_t new_len, bool may_grace)
{
    jpki_status cst = JPKI_OK;
    jpki_status st = begin_fresh(r);
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    verify_result v = verify_guarded(r, role, pin, len, PIN_TYPED);
    if (v.st == JPKI_OK && new_pin != NULL)
        cst = jpki_change_pin(&r->card, role, new_pin, new_len);
    if (v.st == JPKI_OK && role == JPKI_ROLE_SIGN)
        end_sign_tx(r, may_grace);
    else
        jpki_reader_end(r);
    CK_RV rv = typed_rv(r, v.st);
    return rv != CKR_OK ? rv : jpki_status_to_ckr(cst);
}

CK_RV jpki_ts_login(jpki_reader *r, jpki_role role, const uint8_t *pin, size_t len)
{
    CK_RV rv = typed_tx(r, role, pin, len, NULL, 0, true);
    if (rv != CKR_OK)
        return rv;
    r->ts.logged_in[role] = true;
    hold(&r->ts.login_pin[role], pin, len);
    if (role == JPKI_ROLE_SIGN) {
        r->ts.first_sign_open = true;
        r->ts.sign_cert_read_tried = false;
    }
    return CKR_OK;
}

CK_RV jpki_ts_login_context(jpki_reader *r, jpki_role role, const uint8_t *pin, size_t len,
                            jpki_held_pin *context)
{
    /* The PIN that verified at this login's C_Login, typed again (as most
     * clients do): known right, so the card is not asked, unless a wrong
     * PIN since left the counter short (the signature's VERIFY would then
     * find it so and end the login; a VERIFY now fills it again). */
    const jpki_held_pin *login = &r->ts.login_pin[role];
    if (r->ts.tries[role] == jpki_pin_max_tries(role) && login->len == len &&
        CRYPTO_memcmp(login->bytes, pin, len) == 0) {
        hold(context, pin, len);
        return CKR_OK;
    }
    /* Checked now, so that a wrong PIN shows here; the card is verified
     * again in the signature's own transaction. */
    CK_RV rv = typed_tx(r, role, pin, len, NULL, 0, true);
    if (rv == CKR_OK)
        hold(context, pin, len);
    return rv;
}

void jpki_ts_logout(jpki_reader *r, jpki_role role)
{
    bool was_in = r->ts.logged_in[role];
    if (role == JPKI_ROLE_SIGN && r->token_present)
        jpki_ts_grace_end(r);
    forget_login(&r->ts, role);
    /* Only the auth key may be verified between our transactions. */
    if (!was_in || role != JPKI_ROLE_AUTH || !r->token_present)
        return;
    jpki_status st = begin_fresh(r);
    if (st == JPKI_OK) {
        unverify(r);
        jpki_reader_end(r);
    }
    if (st != JPKI_OK)
        jpki_log(JPKI_LOG_CALL, "reader %zu: logout: %s", r->index, jpki_status_name(st));
}

void jpki_ts_release(jpki_reader *r)
{
    jpki_ts_grace_end(r);
    jpki_ts_logout(r, JPKI_ROLE_AUTH);
    jpki_ts_clear(&r->ts);
}

CK_RV jpki_ts_set_pin(jpki_reader *r, jpki_role role, const uint8_t *old_pin, size_t old_len,
                      const uint8_t *new_pin, size_t new_len)
{
    CK_RV rv = typed_tx(r, role, old_pin, old_len, new_pin, new_len, false);
    if (rv != CKR_OK)
        return rv;
    jpki_log(JPKI_LOG_CALL, "reader %zu: %s PIN changed", r->index, role_name(role));
    if (r->ts.login_pin[role].len > 0)
        hold(&r->ts.login_pin[role], new_pin, new_len);
    return CKR_OK;
}

CK_RV jpki_ts_read_sign_cert(jpki_reader *r)
{
    const jpki_role role = JPKI_ROLE_SIGN;
    jpki_held_pin *pin = &r->ts.login_pin[role];
    if (!r->ts.logged_in[role] || pin->len == 0 || r->ts.sign_cert_read_tried) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: the sign certificate cannot be read in this login",
                 r->index);
        return CKR_OBJECT_HANDLE_INVALID;
    }
    /* Sent once for the read, whatever comes of it: a card whose answers
     * are broken does not get the PIN again at every request. */
    r->ts.sign_cert_read_tried = true;
    sign_key_tx t;
    jpki_status st = sign_key_begin(r, pin, &t);
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    st = t.v.st;
    if (st == JPKI_OK)
        st = jpki_reader_cert_tx(r, JPKI_EF_SIGN_CERT);
    if (t.in_grace) {
        end_sign_tx(r, true);   /* open again for the signature */
    } else {
        if (t.v.st == JPKI_OK)
            unverify(r);
        jpki_reader_end(r);
    }
    if (held_pin_failed(r, role, t.v))
        return CKR_OBJECT_HANDLE_INVALID;  /* private objects went with the login */
    maybe_drop_sign_login_pin(r);
    if (st == JPKI_E_FILE_NOT_FOUND)
        return CKR_OBJECT_HANDLE_INVALID;  /* e.g. a card without a sign certificate */
    return st == JPKI_OK ? CKR_OK : jpki_reader_fail(r, st);
}

int jpki_ts_tries(jpki_reader *r, jpki_role role)
{
    uint64_t now = now_ms();
    if (r->ts.tries_at_ms != 0 && now - r->ts.tries_at_ms < JPKI_TRIES_MAX_AGE_MS)
        return r->ts.tries[role];
    /* Another program may have spent tries: read both counters again. */
    jpki_status st = begin_fresh(r);
    if (st == JPKI_OK) {
        st = read_tries(r, JPKI_ROLE_AUTH);
        if (st == JPKI_OK)
            st = read_tries(r, JPKI_ROLE_SIGN);
        jpki_reader_end(r);
    }
    if (st != JPKI_OK) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: counters: %s", r->index, jpki_status_name(st));
        r->ts.tries_at_ms = now;   /* not again at once */
        (void)jpki_reader_fail(r, st);
    }
    return r->ts.tries[role];
}

bool jpki_ts_sign_authorised(const jpki_reader *r, jpki_role role, const jpki_held_pin *context)
{
    if (!r->ts.logged_in[role])
        return false;
    if (role == JPKI_ROLE_AUTH)
        return true;
    return (context != NULL && context->len > 0) ||
           (r->ts.first_sign_open && r->ts.login_pin[role].len > 0);
}

/* Auth key, inside a transaction: sign, re-verifying with the held PIN
 * only when the card has lost its verified state. */
static jpki_status sign_auth_tx(jpki_reader *r, jpki_sign_mode mode, const uint8_t *in,
                                size_t in_len, uint8_t *sig, size_t *sig_len, verify_result *v)
{
    const jpki_role role = JPKI_ROLE_AUTH;
    jpki_held_pin *pin = &r->ts.login_pin[role];
    jpki_status st = JPKI_E_SECURITY_STATUS;
    /* Our AP may still be current and verified since our last signature:
     * then no PIN goes to the card. The key is named by SFI (or its EF
     * selected again), so a moved EF selection does no harm; a lost AP or
     * verified state makes the card answer 69 82 / 6A 82. */
    if (jpki_card_verified(&r->card, role))
        st = jpki_sign_mode_of(&r->card, role, mode, in, in_len, sig, JPKI_SIGNATURE_MAX,
                               sig_len);
    if ((st == JPKI_E_SECURITY_STATUS || st == JPKI_E_FILE_NOT_FOUND) && pin->len > 0) {
        jpki_card_forget_selection(&r->card);
        *v = verify_guarded(r, role, pin->bytes, pin->len, PIN_HELD);
        if (v->st != JPKI_OK)
            return v->st;
        st = jpki_sign_mode_of(&r->card, role, mode, in, in_len, sig, JPKI_SIGNATURE_MAX,
                               sig_len);
    }
    /* The certificate the signature is checked against, if not in memory:
     * read now, while our AP is current, which spares a SELECT later. */
    if (st == JPKI_OK)
        (void)jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT);
    return st;
}

static CK_RV sign_auth(jpki_reader *r, jpki_sign_mode mode, const uint8_t *in, size_t in_len,
                       uint8_t *sig, size_t *sig_len)
{
    verify_result v = { JPKI_OK, false };
    jpki_status st = JPKI_E_CARD_RESET;
    /* A reset between two of our APDUs: start over once, unless a PIN was
     * already sent. */
    for (int attempt = 0; attempt < 2 && st == JPKI_E_CARD_RESET && !v.sent; attempt++) {
        st = jpki_reader_begin(r, NULL);
        if (st != JPKI_OK)
            return jpki_reader_fail(r, st);
        st = sign_auth_tx(r, mode, in, in_len, sig, sig_len, &v);
        jpki_reader_end(r);
    }
    if (held_pin_failed(r, JPKI_ROLE_AUTH, v))
        return CKR_USER_NOT_LOGGED_IN;  /* C_Sign has no PIN codes: the login is gone */
    if (st == JPKI_E_SECURITY_STATUS)
        return CKR_USER_NOT_LOGGED_IN;
    return st == JPKI_OK ? CKR_OK : jpki_reader_fail(r, st);
}

/* Sign key: the PIN is verified, used for one signature and cleared in one
 * transaction, so a program that dies never leaves the key open. */
static CK_RV sign_sign(jpki_reader *r, jpki_held_pin *context, jpki_sign_mode mode,
                       const uint8_t *in, size_t in_len, uint8_t *sig, size_t *sig_len)
{
    const jpki_role role = JPKI_ROLE_SIGN;
    jpki_held_pin *pin = context != NULL && context->len > 0 ? context
                                                                 : &r->ts.login_pin[role];
    sign_key_tx t;
    jpki_status st = sign_key_begin(r, pin, &t);
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    verify_result v = t.v;
    st = v.st;
    if (st == JPKI_OK)
        st = jpki_sign_mode_of(&r->card, role, mode, in, in_len, sig, JPKI_SIGNATURE_MAX,
                               sig_len);
    if (t.in_grace || v.sent)
        unverify(r);
    jpki_reader_end(r);
    /* One password entry, one signature: whatever happened, both the
     * context PIN and the login's first signature are spent. */
    if (context != NULL)
        jpki_held_pin_wipe(context);
    r->ts.first_sign_open = false;
    if (held_pin_failed(r, role, v))
        return CKR_USER_NOT_LOGGED_IN;
    maybe_drop_sign_login_pin(r);
    if (st == JPKI_E_SECURITY_STATUS)
        return CKR_USER_NOT_LOGGED_IN;
    return st == JPKI_OK ? CKR_OK : jpki_reader_fail(r, st);
}

CK_RV jpki_ts_sign(jpki_reader *r, jpki_role role, jpki_held_pin *context, jpki_sign_mode mode,
                   const uint8_t *in, size_t in_len, uint8_t *sig, size_t *sig_len)
{
    if (!jpki_ts_sign_authorised(r, role, context)) {
        if (context != NULL)
            jpki_held_pin_wipe(context);
        return CKR_USER_NOT_LOGGED_IN;
    }
    if (role == JPKI_ROLE_AUTH)
        return sign_auth(r, mode, in, in_len, sig, sig_len);
    return sign_sign(r, context, mode, in, in_len, sig, sig_len);
}
