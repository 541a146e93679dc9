/*
 * objects.c: object handles, C_FindObjects*, C_GetAttributeValue and
 * C_GetObjectSize. What an object is and how it matches is token.c's
 * business; this file knows which card and which login it belongs to.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>
#include "log.h"
#include "session_ops.h"

/* Low 8 bits: object id + 1 (never 0, which is CK_INVALID_HANDLE); above:
 * the card generation, unique across readers for the life of the module. */
CK_OBJECT_HANDLE jpki_object_handle(unsigned long generation, jpki_object_id id)
{
    return ((CK_OBJECT_HANDLE)generation << 8) | ((CK_OBJECT_HANDLE)id + 1);
}

CK_RV jpki_object_resolve(const jpki_session *s, CK_OBJECT_HANDLE handle, bool visible_only,
                          jpki_object_id *id)
{
    unsigned long low = handle & 0xFF;
    if (low == 0 || low > JPKI_OBJ_COUNT || (handle >> 8) != s->generation)
        return CKR_OBJECT_HANDLE_INVALID;
    jpki_object_id candidate = (jpki_object_id)(low - 1);
    jpki_object_id list[JPKI_OBJ_COUNT];
    size_t n = jpki_token_objects(jpki_card_profile_of(&s->reader->card), s->role, !visible_only || jpki_session_logged_in(s), list);
    for (size_t i = 0; i < n; i++) {
        if (list[i] == candidate) {
            *id = candidate;
            return CKR_OK;
        }
    }
    return CKR_OBJECT_HANDLE_INVALID;
}

static CK_RV cert_get(void *ctx, uint16_t fid, const uint8_t **der, size_t *der_len)
{
    jpki_session *s = ctx;
    /* The sign certificate comes with the held sign PIN (token_state.c). */
    if (fid == jpki_card_profile_of(&s->reader->card)->role[JPKI_ROLE_SIGN].cert_ef &&
        jpki_reader_cached_cert(s->reader, fid, der_len) == NULL) {
        CK_RV rv = jpki_ts_read_sign_cert(s->reader);
        if (rv != CKR_OK)
            return rv;
    }
    return jpki_reader_cert(s->reader, fid, der, der_len);
}

/* The key of the object's certificate without a PIN (slot.h). */
static CK_RV key_get(void *ctx, uint16_t fid, jpki_key_info *key)
{
    jpki_session *s = ctx;
    const jpki_card_profile *p = jpki_card_profile_of(&s->reader->card);
    for (int role = 0; role < JPKI_ROLES; role++)
        if (p->role[role].cert_ef == fid)
            return jpki_reader_key(s->reader, (jpki_role)role, key);
    return CKR_GENERAL_ERROR;   /* CA certificates carry no key of the token */
}

jpki_cert_source jpki_session_cert_source(jpki_session *s)
{
    jpki_cert_source src = { cert_get, key_get, s };
    return src;
}

CK_RV jpki_find_init(jpki_session *s, const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
    jpki_object_id list[JPKI_OBJ_COUNT];
    size_t n = jpki_token_objects(jpki_card_profile_of(&s->reader->card), s->role,
                                  jpki_session_logged_in(s), list);
    jpki_cert_source src = jpki_session_cert_source(s);
    s->found_count = s->found_pos = 0;
    for (size_t i = 0; i < n; i++) {
        bool match = false;
        CK_RV rv = jpki_object_match(list[i], &src, tmpl, count, &match);
        if (rv == CKR_DEVICE_REMOVED || rv == CKR_HOST_MEMORY)
            return rv;
        if (rv != CKR_OK) {
            /* e.g. a card without a sign certificate: that object is absent. */
            jpki_log(JPKI_LOG_CALL, "object %d skipped: rv 0x%lx", (int)list[i], rv);
            continue;
        }
        if (match)
            s->found[s->found_count++] = list[i];
    }
    s->op = JPKI_OP_FIND;
    return CKR_OK;
}

CK_RV jpki_find_next(jpki_session *s, CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count)
{
    CK_ULONG n = 0;
    while (n < max && s->found_pos < s->found_count)
        out[n++] = jpki_object_handle(s->generation, s->found[s->found_pos++]);
    *count = n;
    return CKR_OK;
}

CK_RV jpki_find_final(jpki_session *s)
{
    jpki_session_end_op(s);
    return CKR_OK;
}

CK_RV jpki_get_attributes(jpki_session *s, CK_OBJECT_HANDLE handle, CK_ATTRIBUTE *tmpl,
                          CK_ULONG count)
{
    jpki_object_id id;
    CK_RV rv = jpki_object_resolve(s, handle, true, &id);
    if (rv != CKR_OK)
        return rv;
    jpki_cert_source src = jpki_session_cert_source(s);
    return jpki_object_get_attributes(id, &src, tmpl, count);
}

CK_RV jpki_get_object_size(jpki_session *s, CK_OBJECT_HANDLE handle, CK_ULONG *size)
{
    jpki_object_id id;
    CK_RV rv = jpki_object_resolve(s, handle, true, &id);
    if (rv != CKR_OK)
        return rv;
    jpki_cert_source src = jpki_session_cert_source(s);
    return jpki_object_size(id, &src, size);
}

CK_RV jpki_object_refuse(jpki_session *s, CK_OBJECT_HANDLE handle, CK_RV refusal)
{
    jpki_object_id id;
    CK_RV rv = jpki_object_resolve(s, handle, true, &id);
    return rv != CKR_OK ? rv : refusal;
}
