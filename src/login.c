/*
 * login.c: C_Login, C_Logout and C_SetPIN: PKCS#11's rules (user types,
 * session and operation states, PIN format checked before anything reaches
 * the card). What is sent to the card, when, and which PIN is held for how
 * long is token_state.c's business (see token_state.h).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>
#include <openssl/crypto.h>
#include "log.h"
#include "session_ops.h"
#include "token_state.h"

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
    if (user == CKU_USER) {
        rv = jpki_ts_login(s->reader, s->role, buf, len);
        if (rv == CKR_OK)
            jpki_reader_cert_at_login(s->reader, s->role);
        if (rv == CKR_OK && s->role == JPKI_ROLE_AUTH)
            jpki_reader_learn_pss(s->reader);
    } else
        rv = jpki_ts_login_context(s->reader, s->role, buf, len, &s->context_pin);
    if (user == CKU_CONTEXT_SPECIFIC)
        s->context_login = rv == CKR_OK;
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    return rv;
}

CK_RV jpki_logout(jpki_session *s)
{
    if (s->op == JPKI_OP_SIGN)
        jpki_session_end_op(s);
    jpki_ts_logout(s->reader, s->role);
    return CKR_OK;
}

/* The issuance rule some PINs follow (the sign password): at least one
 * letter and one digit (jpki-protocol.md §6.1). */
static bool has_letter_and_digit(const uint8_t *pin, size_t len)
{
    bool letter = false, digit = false;
    for (size_t i = 0; i < len; i++) {
        letter = letter || (pin[i] >= 'A' && pin[i] <= 'Z');
        digit = digit || (pin[i] >= '0' && pin[i] <= '9');
    }
    return letter && digit;
}

/* C_SetPIN on a read-write session of a logged-in token: both PINs checked
 * for format before the card; the old one spends a try like any VERIFY (and
 * meets the final-try guard). */
CK_RV jpki_set_pin(jpki_session *s, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                   const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
    uint8_t old_buf[JPKI_PIN_MAX], new_buf[JPKI_PIN_MAX];
    size_t ol = 0, nl = 0;
    CK_RV rv = jpki_pin_check(s->role, old_pin, old_len, old_buf, &ol);
    if (rv != CKR_OK)
        goto out;
    rv = jpki_pin_check(s->role, new_pin, new_len, new_buf, &nl);
    if (rv != CKR_OK)
        goto out;
    rv = CKR_PIN_INVALID;
    if (jpki_pin_rule_of(s->role)->new_needs_mix && !has_letter_and_digit(new_buf, nl))
        goto out;
    rv = jpki_ts_set_pin(s->reader, s->role, old_buf, ol, new_buf, nl);
out:
    OPENSSL_cleanse(old_buf, sizeof(old_buf));
    OPENSSL_cleanse(new_buf, sizeof(new_buf));
    return rv;
}
