/*
 * signing.c: C_SignInit, C_Sign, C_SignUpdate, C_SignFinal. Hashing and the
 * DigestInfo are mech.c's; this file runs the card side, following the PIN
 * retention rules at the top of login.c, and checks signatures against the
 * key's certificate before handing them out (sign_on_card says when).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>
#include <openssl/crypto.h>
#include "log.h"
#include "session_ops.h"

CK_RV jpki_sign_init(jpki_session *s, const CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
    if (s->op != JPKI_OP_NONE)
        return CKR_OPERATION_ACTIVE;
    jpki_object_id id;
    if (jpki_object_resolve(s, key, false, &id) != CKR_OK)
        return CKR_KEY_HANDLE_INVALID;
    const jpki_object_def *def = jpki_object_def_get(id);
    if (def == NULL || def->klass != CKO_PRIVATE_KEY)
        return CKR_KEY_HANDLE_INVALID;
    if (!jpki_session_logged_in(s))
        return CKR_USER_NOT_LOGGED_IN;
    memset(&s->sign, 0, sizeof(s->sign));
    CK_RV rv = jpki_sign_ctx_init(&s->sign, mechanism);
    if (rv != CKR_OK)
        return rv;
    s->op = JPKI_OP_SIGN;
    s->sign_key = id;
    s->sign_always_auth = def->token == JPKI_ROLE_SIGN;
    s->sign_multipart = false;
    s->context_login = false;
    return CKR_OK;
}

/* What one card attempt did. */
typedef struct sign_attempt {
    bool verify_sent;
    jpki_status verify_st;
} sign_attempt;

static bool held_pin(jpki_session *s, const uint8_t **pin, size_t *len)
{
    jpki_reader *r = s->reader;
    if (s->role == JPKI_ROLE_AUTH) {
        *pin = r->pin[JPKI_ROLE_AUTH];
        *len = r->pin_len[JPKI_ROLE_AUTH];
    } else {
        *pin = s->context_pin;
        *len = s->context_pin_len;
    }
    return *len > 0 && jpki_verify_allowed(r, s->role);
}

/* The one VERIFY a signature may send. It always starts from a fresh
 * SELECT of the AP, so the PIN cannot reach another application's PIN file
 * that happens to be current. */
static jpki_status reverify(jpki_session *s, sign_attempt *a)
{
    const uint8_t *pin = NULL;
    size_t len = 0;
    if (a->verify_sent || !held_pin(s, &pin, &len))
        return JPKI_E_SECURITY_STATUS;
    jpki_reader *r = s->reader;
    jpki_card_forget_selection(&r->card);
    jpki_status st = jpki_select_ap(&r->card);
    if (st != JPKI_OK)
        return st;
    a->verify_sent = true;
    a->verify_st = jpki_verify_tx(r, s->role, pin, len);
    return a->verify_st;
}

/* Inside a transaction. */
static jpki_status sign_tx(jpki_session *s, bool was_reset, const uint8_t *in, size_t in_len,
                           uint8_t *sig, size_t *sig_len, sign_attempt *a)
{
    jpki_reader *r = s->reader;
    jpki_role role = s->role;
    /* Another program may have moved the EF selection. The key is named by
     * SFI (or its EF selected again) in jpki_sign; the AP is not re-selected
     * here, as that would clear the verified state; if it is gone, the card
     * says so (69 82 / 6A 82). */
    if (!was_reset)
        r->card.current_ef = 0;
    jpki_status st = JPKI_OK;
    if (!r->card.verified[role])
        st = reverify(s, a);
    if (st == JPKI_OK)
        st = jpki_sign(&r->card, role, in, in_len, sig, JPKI_SIGNATURE_LEN, sig_len);
    if ((st == JPKI_E_SECURITY_STATUS || st == JPKI_E_FILE_NOT_FOUND) && !a->verify_sent) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: sign: %s: verifying again", r->index,
                 jpki_status_name(st));
        st = reverify(s, a);
        if (st == JPKI_OK)
            st = jpki_sign(&r->card, role, in, in_len, sig, JPKI_SIGNATURE_LEN, sig_len);
    }
    /* The auth certificate the signature is checked against, if not in
     * memory: read after the signature, in this transaction, so that it
     * costs no fresh SELECT of the AP (our AP is current: the card just
     * used our key); it also fills the disk cache. The sign certificate is
     * not read only for the check: it cannot be cached on disk, so the
     * read would cost every signing process a dozen APDUs; a client that
     * builds a signed document has had it read already (sign_on_card). */
    if (st == JPKI_OK && role == JPKI_ROLE_AUTH)
        (void)jpki_reader_cert_tx(r, JPKI_EF_AUTH_CERT);
    if (role == JPKI_ROLE_SIGN)
        (void)jpki_select_ap(&r->card);  /* one signature per sign PIN (login.c) */
    return st;
}

static CK_RV sign_on_card(jpki_session *s, const uint8_t *in, size_t in_len, uint8_t *sig)
{
    jpki_reader *r = s->reader;
    sign_attempt a = { false, JPKI_OK };
    size_t sig_len = 0;
    jpki_status st = JPKI_E_CARD_RESET;
    /* A reset between two of our APDUs: start over once, unless a PIN was
     * already sent in the first attempt. */
    for (int attempt = 0; attempt < 2 && st == JPKI_E_CARD_RESET && !a.verify_sent; attempt++) {
        bool was_reset = false;
        st = jpki_reader_begin(r, &was_reset);
        if (st != JPKI_OK)
            return jpki_reader_fail(r, st);
        st = sign_tx(s, was_reset, in, in_len, sig, &sig_len, &a);
        jpki_reader_end(r);
    }
    if (a.verify_sent && a.verify_st != JPKI_OK) {
        /* The held PIN no longer opens the card (changed elsewhere?): never
         * send it again. */
        jpki_reader_logout(r, s->role);
        OPENSSL_cleanse(s->context_pin, sizeof(s->context_pin));
        s->context_pin_len = 0;
        CK_RV vrv = jpki_verify_rv(r, a.verify_st);
        /* C_Sign has no PIN codes: to the application the login is gone. */
        return vrv == CKR_PIN_INCORRECT || vrv == CKR_PIN_LOCKED ? CKR_USER_NOT_LOGGED_IN : vrv;
    }
    if (st == JPKI_E_SECURITY_STATUS)
        return CKR_USER_NOT_LOGGED_IN;
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    /* The signature is checked against the key's certificate: always for
     * the auth key (its certificate is public, read above if need be); for
     * the sign key whenever its certificate is in memory (sign_tx). */
    size_t cert_len = 0;
    const uint8_t *cert = jpki_reader_cached_cert(
        r, s->role == JPKI_ROLE_AUTH ? JPKI_EF_AUTH_CERT : JPKI_EF_SIGN_CERT, &cert_len);
    bool checked = s->role == JPKI_ROLE_AUTH || cert != NULL;
    if (sig_len != JPKI_SIGNATURE_LEN ||
        (checked && (cert == NULL ||
                     !jpki_signature_matches(cert, cert_len, in, in_len, sig, sig_len)))) {
        jpki_log(JPKI_LOG_ERROR, "reader %zu: the card's signature does not verify", r->index);
        OPENSSL_cleanse(sig, JPKI_SIGNATURE_LEN);
        return CKR_DEVICE_ERROR;
    }
    return CKR_OK;
}

/* The checks every finishing call makes first. *keep: return rv now with
 * the operation still active (size query, short buffer, no operation);
 * otherwise CKR_OK means go on to the card, anything else ends it. */
static CK_RV sign_precheck(jpki_session *s, const CK_BYTE *sig, CK_ULONG *sig_len, bool *keep)
{
    *keep = true;
    if (s->op != JPKI_OP_SIGN)
        return CKR_OPERATION_NOT_INITIALIZED;
    if (sig == NULL) {
        *sig_len = JPKI_SIGNATURE_LEN;
        return CKR_OK;
    }
    if (*sig_len < JPKI_SIGNATURE_LEN) {
        *sig_len = JPKI_SIGNATURE_LEN;
        return CKR_BUFFER_TOO_SMALL;
    }
    *keep = false;
    if (!jpki_session_logged_in(s))
        return CKR_USER_NOT_LOGGED_IN;
    if (s->sign_always_auth && !s->context_login)
        return CKR_USER_NOT_LOGGED_IN;
    return CKR_OK;
}

static CK_RV sign_finish(jpki_session *s, CK_BYTE *sig, CK_ULONG *sig_len)
{
    uint8_t input[256];
    size_t input_len = 0;
    CK_RV rv = jpki_sign_ctx_final(&s->sign, input, &input_len);
    if (rv == CKR_OK)
        rv = sign_on_card(s, input, input_len, sig);
    if (rv == CKR_OK)
        *sig_len = JPKI_SIGNATURE_LEN;
    OPENSSL_cleanse(input, sizeof(input));
    jpki_session_end_op(s);
    return rv;
}

CK_RV jpki_sign_once(jpki_session *s, const CK_BYTE *data, CK_ULONG len, CK_BYTE *sig,
                     CK_ULONG *sig_len)
{
    bool keep = true;
    CK_RV rv = sign_precheck(s, sig, sig_len, &keep);
    if (keep)
        return rv;
    if (s->sign_multipart)
        return CKR_OPERATION_ACTIVE;  /* C_Sign cannot finish it: C_SignFinal can */
    if (rv == CKR_OK)
        rv = jpki_sign_ctx_update(&s->sign, data, len);
    if (rv != CKR_OK) {
        jpki_session_end_op(s);
        return rv;
    }
    return sign_finish(s, sig, sig_len);
}

CK_RV jpki_sign_update(jpki_session *s, const CK_BYTE *data, CK_ULONG len)
{
    if (s->op != JPKI_OP_SIGN)
        return CKR_OPERATION_NOT_INITIALIZED;
    s->sign_multipart = true;
    CK_RV rv = jpki_sign_ctx_update(&s->sign, data, len);
    if (rv != CKR_OK)
        jpki_session_end_op(s);
    return rv;
}

CK_RV jpki_sign_final(jpki_session *s, CK_BYTE *sig, CK_ULONG *sig_len)
{
    bool keep = true;
    CK_RV rv = sign_precheck(s, sig, sig_len, &keep);
    if (keep)
        return rv;
    if (rv != CKR_OK) {
        jpki_session_end_op(s);
        return rv;
    }
    return sign_finish(s, sig, sig_len);
}
