/*
 * session.c: the session table (see session.h).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "log.h"
#include "session.h"

/* Global lock. The handle counter survives C_Finalize so that a handle an
 * application kept from before is never valid again. */
static jpki_session *sessions;
static CK_SESSION_HANDLE next_handle = 1;

void jpki_session_end_op(jpki_session *s)
{
    if (s->op == JPKI_OP_SIGN)
        jpki_sign_ctx_free(&s->sign);
    memset(&s->sign, 0, sizeof(s->sign));
    jpki_held_pin_wipe(&s->context_pin);
    s->context_login = false;
    s->sign_multipart = false;
    s->sign_always_auth = false;
    s->found_count = s->found_pos = 0;
    s->op = JPKI_OP_NONE;
}

static void session_free(jpki_session *s)
{
    jpki_session_end_op(s);
    OPENSSL_cleanse(s, sizeof(*s));
    free(s);
}

/* Global lock held. */
static jpki_session *find(CK_SESSION_HANDLE handle)
{
    for (jpki_session *s = sessions; s != NULL; s = s->next)
        if (s->handle == handle)
            return s;
    return NULL;
}

/* Global lock held. */
static void unlink_session(jpki_session *s)
{
    for (jpki_session **p = &sessions; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            return;
        }
    }
}

/* Reader lock held: the per-token session counts C_GetTokenInfo shows,
 * for sessions on the reader's current card. */
static void count_session(const jpki_session *s, bool opened)
{
    jpki_reader *r = s->reader;
    if (s->generation != r->generation)
        return;
    unsigned long *all = &r->sessions[s->role], *rw = &r->rw_sessions[s->role];
    bool is_rw = (s->flags & CKF_RW_SESSION) != 0;
    if (opened) {
        (*all)++;
        if (is_rw)
            (*rw)++;
    } else {
        if (*all > 0)
            (*all)--;
        if (is_rw && *rw > 0)
            (*rw)--;
    }
}

CK_RV jpki_session_open(CK_SLOT_ID slot_id, CK_FLAGS flags, CK_SESSION_HANDLE *out)
{
    jpki_slot slot;
    CK_RV rv = jpki_slot_acquire(slot_id, &slot);
    if (rv != CKR_OK)
        return rv;
    rv = CKR_TOKEN_NOT_PRESENT;
    if (!jpki_reader_has_token(slot.reader, slot.role))
        goto out;
    /* Read-write sessions are allowed although both tokens are write
     * protected: OpenSSH (and others) always ask for one and give up when
     * refused. Every write still fails (CKR_TOKEN_WRITE_PROTECTED). */
    rv = CKR_HOST_MEMORY;
    jpki_session *s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto out;
    s->slot_id = slot_id;
    s->reader = slot.reader;
    s->role = slot.role;
    s->generation = slot.reader->generation;
    s->flags = flags;
    jpki_global_lock();
    s->handle = next_handle++;
    s->next = sessions;
    sessions = s;
    jpki_global_unlock();
    count_session(s, true);
    *out = s->handle;
    rv = CKR_OK;
out:
    jpki_slot_release(&slot);
    return rv;
}

CK_RV jpki_session_acquire(CK_SESSION_HANDLE handle, jpki_session **out)
{
    jpki_global_lock();
    jpki_session *s = find(handle);
    jpki_reader *r = s != NULL ? s->reader : NULL;
    jpki_global_unlock();
    if (r == NULL)
        return CKR_SESSION_HANDLE_INVALID;
    jpki_reader_acquire(r);
    jpki_global_lock();
    s = find(handle);
    if (s == NULL || s->reader != r) {
        jpki_global_unlock();
        jpki_reader_release(r);
        return CKR_SESSION_HANDLE_INVALID;
    }
    if (s->generation != r->generation || !r->token_present) {
        /* Its card is gone: say so once, then the handle is invalid. */
        unlink_session(s);
        jpki_global_unlock();
        session_free(s);
        jpki_reader_release(r);
        return CKR_DEVICE_REMOVED;
    }
    jpki_global_unlock();
    *out = s;
    return CKR_OK;
}

void jpki_session_release(jpki_session *s)
{
    jpki_reader_release(s->reader);
}

static CK_RV state_check(const jpki_session *s, jpki_session_state state)
{
    switch (state) {
    case JPKI_SESSION_ANY:
        return CKR_OK;
    case JPKI_SESSION_IDLE:
        return s->op == JPKI_OP_NONE ? CKR_OK : CKR_OPERATION_ACTIVE;
    case JPKI_SESSION_FINDING:
        return s->op == JPKI_OP_FIND ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
    case JPKI_SESSION_SIGNING:
        return s->op == JPKI_OP_SIGN ? CKR_OK : CKR_OPERATION_NOT_INITIALIZED;
    case JPKI_SESSION_RW_LOGGED_IN:
        if (!(s->flags & CKF_RW_SESSION))
            return CKR_SESSION_READ_ONLY;
        return jpki_session_logged_in(s) ? CKR_OK : CKR_USER_NOT_LOGGED_IN;
    case JPKI_SESSION_LOGGED_IN:
        return jpki_session_logged_in(s) ? CKR_OK : CKR_USER_NOT_LOGGED_IN;
    }
    return CKR_GENERAL_ERROR;
}

CK_RV jpki_session_acquire_in(CK_SESSION_HANDLE handle, jpki_session_state state,
                              jpki_session **out)
{
    jpki_session *s = NULL;
    CK_RV rv = jpki_session_acquire(handle, &s);
    if (rv != CKR_OK)
        return rv;
    rv = state_check(s, state);
    if (rv != CKR_OK) {
        jpki_session_release(s);
        return rv;
    }
    *out = s;
    return CKR_OK;
}

bool jpki_session_logged_in(const jpki_session *s)
{
    return jpki_ts_logged_in(s->reader, s->role);
}

CK_RV jpki_session_close(CK_SESSION_HANDLE handle)
{
    jpki_session *s = NULL;
    CK_RV rv = jpki_session_acquire(handle, &s);
    if (rv == CKR_DEVICE_REMOVED)
        return CKR_OK;  /* it is closed now, which is what was asked */
    if (rv != CKR_OK)
        return rv;
    jpki_reader *r = s->reader;
    jpki_role role = s->role;
    jpki_global_lock();
    unlink_session(s);
    jpki_global_unlock();
    count_session(s, false);
    /* PKCS#11: closing the application's last session of a token logs it
     * out (and leaves its key un-verified on the card). */
    if (r->sessions[role] == 0)
        jpki_ts_logout(r, role);
    session_free(s);
    jpki_reader_release(r);
    return CKR_OK;
}

CK_RV jpki_session_close_all(CK_SLOT_ID slot_id)
{
    jpki_slot slot;
    CK_RV rv = jpki_slot_acquire(slot_id, &slot);
    if (rv != CKR_OK)
        return rv;
    jpki_session *closing = NULL;
    jpki_global_lock();
    for (jpki_session **p = &sessions; *p != NULL;) {
        jpki_session *s = *p;
        if (s->slot_id == slot_id) {
            *p = s->next;
            s->next = closing;
            closing = s;
        } else {
            p = &s->next;
        }
    }
    jpki_global_unlock();
    while (closing != NULL) {
        jpki_session *next = closing->next;
        count_session(closing, false);
        session_free(closing);
        closing = next;
    }
    jpki_ts_logout(slot.reader, slot.role);
    jpki_slot_release(&slot);
    return CKR_OK;
}

void jpki_sessions_fini(void)
{
    /* A call still running in another thread holds its reader's lock:
     * wait for it before freeing what it uses. */
    while (sessions != NULL) {
        jpki_session *s = sessions;
        jpki_reader *r = s->reader;
        jpki_lock_acquire(r->io);
        sessions = s->next;
        session_free(s);
        jpki_lock_release(r->io);
    }
}

void jpki_sessions_forget(void)
{
    /* fork child: the parent's sessions are not ours, their PINs no one's. */
    while (sessions != NULL) {
        jpki_session *s = sessions;
        sessions = s->next;
        session_free(s);
    }
}

CK_RV jpki_session_get_info(CK_SESSION_HANDLE handle, CK_SESSION_INFO *info)
{
    jpki_session *s = NULL;
    CK_RV rv = jpki_session_acquire(handle, &s);
    if (rv != CKR_OK)
        return rv;
    bool rw = (s->flags & CKF_RW_SESSION) != 0;
    bool user = jpki_session_logged_in(s);
    memset(info, 0, sizeof(*info));
    info->slotID = s->slot_id;
    info->state = rw ? (user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION)
                     : (user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION);
    info->flags = s->flags;
    info->ulDeviceError = 0;
    jpki_session_release(s);
    return CKR_OK;
}
