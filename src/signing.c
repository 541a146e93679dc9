/*
 * signing.c: C_SignInit, C_Sign, C_SignUpdate, C_SignFinal. Hashing and the
 * DigestInfo are mech.c's; which PIN goes to the card when is token_state.c's;
 * this file checks signatures against the key's certificate before handing
 * them out (sign_on_card says when).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>
#include <openssl/crypto.h>
#include "log.h"
#include "session_ops.h"

CK_RV jpki_sign_init(jpki_session *s, const CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
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

/* The card's signature, checked against the key's certificate before it
 * is handed out: always for the auth key (its certificate is public, and
 * token_state.c reads it after the signature if need be); for the sign key
 * whenever its certificate is in memory. The sign certificate is not read
 * only for this: it cannot be cached on disk, so the read would cost every
 * signing process a dozen APDUs; a client that builds a signed document
 * has had it read already. */
static CK_RV sign_on_card(jpki_session *s, const uint8_t *in, size_t in_len, uint8_t *sig)
{
    jpki_reader *r = s->reader;
    size_t sig_len = 0;
    CK_RV rv = jpki_ts_sign(r, s->role, s->context_login ? &s->context_pin : NULL, in, in_len,
                            sig, &sig_len);
    s->context_login = false;
    if (rv != CKR_OK)
        return rv;
    size_t cert_len = 0;
    uint16_t fid = s->role == JPKI_ROLE_AUTH ? JPKI_EF_AUTH_CERT : JPKI_EF_SIGN_CERT;
    const uint8_t *cert = jpki_reader_cached_cert(r, fid, &cert_len);
    bool checked = s->role == JPKI_ROLE_AUTH || cert != NULL;
    if (sig_len == JPKI_SIGNATURE_LEN &&
        (!checked ||
         (cert != NULL && jpki_signature_matches(cert, cert_len, in, in_len, sig, sig_len))))
        return CKR_OK;
    jpki_log(JPKI_LOG_ERROR, "reader %zu: the card's signature does not verify", r->index);
    OPENSSL_cleanse(sig, JPKI_SIGNATURE_LEN);
    /* A certificate from the disk cache that the card's own key does not
     * match is wrong (corrupted or planted): gone, so the next call reads
     * the card's. */
    if (cert != NULL && jpki_reader_cert_came_from_disk(r, fid))
        jpki_reader_cert_distrust(r, fid);
    return CKR_DEVICE_ERROR;
}

/* The checks every finishing call makes first. *keep: return rv now with
 * the operation still active (size query, short buffer); otherwise CKR_OK
 * means go on to the card, anything else ends it. */
static CK_RV sign_precheck(jpki_session *s, const CK_BYTE *sig, CK_ULONG *sig_len, bool *keep)
{
    *keep = true;
    if (sig == NULL) {
        *sig_len = JPKI_SIGNATURE_LEN;
        return CKR_OK;
    }
    if (*sig_len < JPKI_SIGNATURE_LEN) {
        *sig_len = JPKI_SIGNATURE_LEN;
        return CKR_BUFFER_TOO_SMALL;
    }
    *keep = false;
    /* The sign key (CKA_ALWAYS_AUTHENTICATE): one password entry, one
     * signature: the context login of this operation, or the C_Login just
     * before the login's first signature (Java's SunPKCS11 never makes a
     * context login). */
    if (!jpki_ts_sign_authorised(s->reader, s->role,
                                 s->context_login ? &s->context_pin : NULL))
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
