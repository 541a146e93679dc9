/*
 * login.c: C_Login and C_Logout, and the one VERIFY helper every PIN goes
 * through.
 *
 * PIN policy (design.md §2). A PIN is checked for format before any APDU
 * (no try spent on a malformed PIN); the module never retries a VERIFY and
 * never sends a PIN it was not given for this login. Final-try guard: with
 * one try left (cached counter) a VERIFY is refused with CKR_PIN_LOCKED
 * unless JPKI_PKCS11_ALLOW_FINAL_TRY=1; with none left nothing is sent.
 *
 * PIN retention. The card's verified state can be lost between our
 * transactions: another program may select another application (SELECT
 * clears the state) or reset the card. So:
 *  - Auth token: the PIN of a successful C_Login(CKU_USER) stays in memory
 *    (the reader's card state) until C_Logout, the close of the token's last
 *    session, card removal or C_Finalize, when it is wiped. It is sent again
 *    only when a signature finds the card not verified (after a reset, a
 *    SELECT, or a 69 82 answer), at most once per C_Sign. If that VERIFY
 *    answers 63 Cx the PIN was changed elsewhere: the login and the PIN are
 *    dropped at once and never used again.
 *  - Sign token: C_Login(CKU_USER) verifies and selects the AP again at
 *    once, so the card does not stay verified for the sign key. The sign
 *    certificate (readable only while the sign PIN is verified) is read
 *    when a client first needs it, not at C_Login: many sign-token users
 *    never ask for it, and it costs a dozen READ BINARYs. Until then the
 *    PIN is held as the auth PIN is, and sent once more for that read
 *    (jpki_read_sign_cert), then wiped whatever the answer (63 Cx also
 *    ends the login); or wiped on logout as above. The PIN never signs: the sign
 *    key has CKA_ALWAYS_AUTHENTICATE, so each signature needs
 *    C_Login(CKU_CONTEXT_SPECIFIC) after C_SignInit, which verifies at once
 *    (a wrong PIN shows at C_Login) and keeps that PIN in the session only
 *    until that signature is done. After the sign-key VERIFY of C_Login
 *    (CKU_USER), of the certificate read and of each signature, the AP is
 *    selected again before our transaction ends (which also clears the auth
 *    verification: the held auth PIN covers it).
 * PINs live only in local buffers and those places, and are wiped with
 * OPENSSL_cleanse.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "log.h"
#include "session_ops.h"

bool jpki_verify_allowed(const jpki_reader *r, jpki_role role)
{
    int tries = r->tries[role];
    if (tries == 0)
        return false;
    if (tries == 1) {
        const char *allow = getenv("JPKI_PKCS11_ALLOW_FINAL_TRY");
        return allow != NULL && strcmp(allow, "1") == 0;
    }
    return true;
}

jpki_status jpki_verify_tx(jpki_reader *r, jpki_role role, const uint8_t *pin, size_t pin_len)
{
    int tries = -1;
    jpki_status st = jpki_verify_pin(&r->card, role, pin, pin_len, &tries);
    if (st == JPKI_OK)
        r->tries[role] = jpki_pin_max_tries(role);
    else if (st == JPKI_E_PIN_LOCKED)
        r->tries[role] = 0;
    else if (st == JPKI_E_PIN_INCORRECT)
        r->tries[role] = tries >= 0 ? tries : (r->tries[role] > 0 ? r->tries[role] - 1 : 0);
    jpki_log(JPKI_LOG_CALL, "reader %zu: VERIFY %s PIN: %s, %d tries left", r->index,
             role == JPKI_ROLE_AUTH ? "auth" : "sign", jpki_status_name(st), r->tries[role]);
    return st;
}

CK_RV jpki_verify_rv(jpki_reader *r, jpki_status st)
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

/* One transaction: VERIFY; unverify: select the AP again after it. */
static CK_RV verify_on_card(jpki_session *s, const uint8_t *pin, size_t len, bool unverify)
{
    jpki_reader *r = s->reader;
    jpki_status st = jpki_reader_begin(r, NULL);
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    /* Another program may have selected another application or file: the
     * PIN must reach our PIN file, so start from a fresh SELECT. */
    jpki_card_forget_selection(&r->card);
    st = jpki_verify_tx(r, s->role, pin, len);
    if (st == JPKI_OK && unverify)
        (void)jpki_select_ap(&r->card);
    jpki_reader_end(r);
    return jpki_verify_rv(r, st);
}

static CK_RV login_user(jpki_session *s, const uint8_t *pin, size_t len)
{
    jpki_reader *r = s->reader;
    CK_RV rv = verify_on_card(s, pin, len, s->role == JPKI_ROLE_SIGN);
    if (rv != CKR_OK)
        return rv;
    r->logged_in[s->role] = true;
    size_t cert_len = 0;
    if (s->role == JPKI_ROLE_AUTH ||
        jpki_reader_cached_cert(r, JPKI_EF_SIGN_CERT, &cert_len) == NULL) {
        memcpy(r->pin[s->role], pin, len);
        r->pin_len[s->role] = len;
    }
    return CKR_OK;
}

CK_RV jpki_read_sign_cert(jpki_session *s)
{
    jpki_reader *r = s->reader;
    const jpki_role role = JPKI_ROLE_SIGN;
    if (r->pin_len[role] == 0 || !jpki_verify_allowed(r, role)) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: the sign certificate cannot be read in this login",
                 r->index);
        return CKR_OBJECT_HANDLE_INVALID;
    }
    jpki_status st = jpki_reader_begin(r, NULL);
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    jpki_card_forget_selection(&r->card);
    jpki_status vst = jpki_verify_tx(r, role, r->pin[role], r->pin_len[role]);
    st = vst;
    if (vst == JPKI_OK) {
        st = jpki_reader_cert_tx(r, JPKI_EF_SIGN_CERT);
        (void)jpki_select_ap(&r->card);
    }
    jpki_reader_end(r);
    if (vst == JPKI_E_PIN_INCORRECT || vst == JPKI_E_PIN_LOCKED) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: the held sign PIN no longer opens the card: "
                 "logged out", r->index);
        jpki_reader_logout(r, role);
        return CKR_OBJECT_HANDLE_INVALID;  /* private objects went with the login */
    }
    /* Sent once for the read, whatever came of it: a card whose answers
     * are broken does not get the PIN again at every request. */
    jpki_reader_forget_pin(r, role);
    if (st == JPKI_E_FILE_NOT_FOUND)
        return CKR_OBJECT_HANDLE_INVALID;  /* e.g. a card without a sign certificate */
    return st == JPKI_OK ? CKR_OK : jpki_reader_fail(r, st);
}

static CK_RV login_context(jpki_session *s, const uint8_t *pin, size_t len)
{
    /* The card stays verified for the signature that follows. */
    CK_RV rv = verify_on_card(s, pin, len, false);
    if (rv != CKR_OK)
        return rv;
    memcpy(s->context_pin, pin, len);
    s->context_pin_len = len;
    s->context_login = true;
    return CKR_OK;
}

CK_RV jpki_login(jpki_session *s, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG pin_len)
{
    uint8_t buf[JPKI_PIN_MAX];
    size_t len = 0;
    CK_RV rv = CKR_USER_TYPE_INVALID;
    if (user != CKU_USER && user != CKU_CONTEXT_SPECIFIC)
        goto out;  /* no SO PIN on this card */
    rv = CKR_USER_ALREADY_LOGGED_IN;
    if (user == CKU_USER && jpki_session_logged_in(s))
        goto out;
    rv = CKR_OPERATION_NOT_INITIALIZED;
    if (user == CKU_CONTEXT_SPECIFIC && (s->op != JPKI_OP_SIGN || !s->sign_always_auth))
        goto out;
    rv = CKR_USER_NOT_LOGGED_IN;
    if (user == CKU_CONTEXT_SPECIFIC && !jpki_session_logged_in(s))
        goto out;
    rv = jpki_pin_check(s->role, pin, pin_len, buf, &len);
    if (rv != CKR_OK)
        goto out;
    rv = CKR_PIN_LOCKED;
    if (!jpki_verify_allowed(s->reader, s->role)) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: %d tries left: PIN not sent", s->reader->index,
                 s->reader->tries[s->role]);
        goto out;
    }
    rv = user == CKU_USER ? login_user(s, buf, len) : login_context(s, buf, len);
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    return rv;
}

CK_RV jpki_logout(jpki_session *s)
{
    jpki_reader *r = s->reader;
    if (!jpki_session_logged_in(s))
        return CKR_USER_NOT_LOGGED_IN;
    jpki_reader_logout(r, s->role);
    if (s->op == JPKI_OP_SIGN)
        jpki_session_end_op(s);
    /* Leave the card unverified too: a fresh SELECT of the AP clears it. */
    jpki_status st = jpki_reader_begin(r, NULL);
    if (st == JPKI_OK) {
        jpki_card_forget_selection(&r->card);
        st = jpki_select_ap(&r->card);
        jpki_reader_end(r);
    }
    if (st != JPKI_OK)
        jpki_log(JPKI_LOG_CALL, "reader %zu: logout SELECT: %s", r->index, jpki_status_name(st));
    return CKR_OK;
}

/* A new sign password must also follow the issuance rule: at least one
 * letter and one digit (jpki-protocol.md §6.1). */
static bool sign_pin_issuable(const uint8_t *pin, size_t len)
{
    bool letter = false, digit = false;
    for (size_t i = 0; i < len; i++) {
        letter = letter || (pin[i] >= 'A' && pin[i] <= 'Z');
        digit = digit || (pin[i] >= '0' && pin[i] <= '9');
    }
    return letter && digit;
}

/* C_SetPIN: both PINs checked for format before the card; the old one
 * spends a try like any VERIFY (and respects the final-try guard); the new
 * one is sent only after the old one verified, in the same transaction. */
CK_RV jpki_set_pin(jpki_session *s, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                   const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
    jpki_reader *r = s->reader;
    uint8_t old_buf[JPKI_PIN_MAX], new_buf[JPKI_PIN_MAX];
    size_t ol = 0, nl = 0;
    jpki_status st, cst = JPKI_OK;
    CK_RV rv = CKR_USER_NOT_LOGGED_IN;

    if (!jpki_session_logged_in(s))
        goto out;
    rv = jpki_pin_check(s->role, old_pin, old_len, old_buf, &ol);
    if (rv != CKR_OK)
        goto out;
    rv = jpki_pin_check(s->role, new_pin, new_len, new_buf, &nl);
    if (rv != CKR_OK)
        goto out;
    rv = CKR_PIN_INVALID;
    if (s->role == JPKI_ROLE_SIGN && !sign_pin_issuable(new_buf, nl))
        goto out;
    rv = CKR_PIN_LOCKED;
    if (!jpki_verify_allowed(r, s->role))
        goto out;
    st = jpki_reader_begin(r, NULL);
    if (st != JPKI_OK) {
        rv = jpki_reader_fail(r, st);
        goto out;
    }
    jpki_card_forget_selection(&r->card);
    st = jpki_verify_tx(r, s->role, old_buf, ol);
    if (st == JPKI_OK)
        cst = jpki_change_pin(&r->card, s->role, new_buf, nl);
    if (s->role == JPKI_ROLE_SIGN)
        (void)jpki_select_ap(&r->card);  /* do not leave the sign key verified */
    jpki_reader_end(r);
    rv = jpki_verify_rv(r, st);
    if (rv != CKR_OK)
        goto out;
    rv = jpki_status_to_ckr(cst);
    if (rv != CKR_OK)
        goto out;
    jpki_log(JPKI_LOG_CALL, "reader %zu: %s PIN changed", r->index,
             s->role == JPKI_ROLE_AUTH ? "auth" : "sign");
    if (r->pin_len[s->role] > 0) {
        jpki_reader_forget_pin(r, s->role);
        memcpy(r->pin[s->role], new_buf, nl);
        r->pin_len[s->role] = nl;
    }
out:
    OPENSSL_cleanse(old_buf, sizeof(old_buf));
    OPENSSL_cleanse(new_buf, sizeof(new_buf));
    return rv;
}
