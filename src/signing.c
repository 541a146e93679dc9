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
    jpki_key_info info;
    CK_RV rv = jpki_reader_key(s->reader, s->role, &info);
    if (rv != CKR_OK)
        return rv;
    if (info.type == JPKI_KEY_UNKNOWN) {
        /* No certificate tells: RSA, as on every token so far, of a size
         * the signature will show. */
        jpki_log(JPKI_LOG_CALL, "reader %zu: key unknown: RSA assumed", s->reader->index);
        info.type = CKK_RSA;
        info.bits = 0;
    }
    memset(&s->sign, 0, sizeof(s->sign));
    rv = jpki_sign_ctx_init(&s->sign, mechanism, &info);
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
 * only for a PKCS#1 signature: it cannot be cached on disk, so the read
 * would cost every signing process a dozen APDUs; a client that builds a
 * signed document has had it read already. A PSS signature is always
 * checked (the card's mode rests on one source): the sign certificate is
 * read first if need be, with the login's held PIN. */
static CK_RV sign_on_card(jpki_session *s, const uint8_t *in, size_t in_len, uint8_t *sig,
                          CK_ULONG *sig_cap)
{
    jpki_reader *r = s->reader;
    uint8_t card_sig[JPKI_SIGNATURE_MAX];
    size_t sig_len = 0, cert_len = 0;
    const jpki_role_profile *rp = &jpki_card_profile_of(&r->card)->role[s->role];
    bool pss = s->sign.mode == JPKI_SIGN_PSS_SHA256;
    CK_RV rv = CKR_OK;
    if (pss && s->role == JPKI_ROLE_SIGN &&
        jpki_reader_cached_cert(r, rp->cert_ef, &cert_len) == NULL &&
        jpki_ts_read_sign_cert(r) != CKR_OK) {
        jpki_log(JPKI_LOG_ERROR, "reader %zu: no sign certificate to check a PSS signature",
                 r->index);
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    rv = jpki_ts_sign(r, s->role, s->context_login ? &s->context_pin : NULL, s->sign.mode, in,
                      in_len, card_sig, &sig_len);
    if (rv != CKR_OK)
        goto out;
    const uint8_t *cert = jpki_reader_cached_cert(r, rp->cert_ef, &cert_len);
    bool checked = pss || !rp->cert_needs_pin || cert != NULL;
    /* A key of unknown size (its certificate not read): the signature says
     * it, and must fit what the caller has; this operation then ends (the
     * PIN was right, no try is lost). */
    if (!s->sign.sig_len_known && sig_len > *sig_cap) {
        *sig_cap = sig_len;
        rv = CKR_BUFFER_TOO_SMALL;
        goto out;
    }
    if ((s->sign.sig_len_known && sig_len != s->sign.sig_len) ||
        (checked && (cert == NULL || !jpki_signature_matches_mode(s->sign.mode, cert, cert_len,
                                                                  in, in_len, card_sig,
                                                                  sig_len)))) {
        jpki_log(JPKI_LOG_ERROR, "reader %zu: the card's signature does not verify", r->index);
        /* A certificate from the disk cache that the card's own key does
         * not match is wrong (corrupted or planted): gone, so the next
         * call reads the card's. Only a card's own certificate can prove
         * its PSS mode wrong. */
        if (cert != NULL && jpki_reader_cert_came_from_disk(r, rp->cert_ef))
            jpki_reader_cert_distrust(r, rp->cert_ef);
        else if (pss && cert != NULL)
            jpki_reader_set_pss(r, JPKI_PSS_NO);
        rv = CKR_DEVICE_ERROR;
        goto out;
    }
    memcpy(sig, card_sig, sig_len);
    *sig_cap = sig_len;
out:
    s->context_login = false;
    OPENSSL_cleanse(card_sig, sizeof(card_sig));
    return rv;
}

/* The checks every finishing call makes first. *keep: return rv now with
 * the operation still active (size query, short buffer); otherwise CKR_OK
 * means go on to the card, anything else ends it. */
static CK_RV sign_precheck(jpki_session *s, const CK_BYTE *sig, CK_ULONG *sig_len, bool *keep)
{
    *keep = true;
    if (sig == NULL) {
        *sig_len = s->sign.sig_len;
        return CKR_OK;
    }
    /* The size query of a key of unknown size said "at most"; any buffer
     * that can hold the smallest key's signature is tried. */
    size_t need = s->sign.sig_len_known ? s->sign.sig_len : JPKI_SIGNATURE_MIN;
    if (*sig_len < need) {
        *sig_len = s->sign.sig_len;
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
    uint8_t input[JPKI_SIGNATURE_MAX];
    size_t input_len = 0;
    CK_RV rv = jpki_sign_ctx_final(&s->sign, input, &input_len);
    if (rv == CKR_OK)
        rv = sign_on_card(s, input, input_len, sig, sig_len);
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
