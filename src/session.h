/*
 * session.h: the session table. Handles are monotonic and never reused.
 * A session belongs to one slot (reader + role) and one card generation;
 * once its card is gone the next call on it answers CKR_DEVICE_REMOVED and
 * closes it, later calls CKR_SESSION_HANDLE_INVALID. One operation at a
 * time (find or sign).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_SESSION_H
#define JPKI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkcs11-v3.h"
#include "jpki.h"
#include "mech.h"
#include "slot.h"
#include "token.h"
#include "token_state.h"

typedef enum jpki_op { JPKI_OP_NONE = 0, JPKI_OP_FIND, JPKI_OP_SIGN } jpki_op;

typedef struct jpki_session {
    CK_SESSION_HANDLE handle;
    CK_SLOT_ID slot_id;
    jpki_reader *reader;
    jpki_role role;
    unsigned long generation;
    CK_FLAGS flags;
    jpki_op op;
    /* JPKI_OP_FIND: */
    jpki_object_id found[JPKI_OBJ_COUNT];
    size_t found_count;
    size_t found_pos;
    /* JPKI_OP_SIGN: */
    jpki_sign_ctx sign;
    jpki_object_id sign_key;
    bool sign_always_auth;    /* each signature needs C_Login(CKU_CONTEXT_SPECIFIC) */
    bool sign_multipart;      /* C_SignUpdate was called */
    bool context_login;       /* that login happened for this operation */
    jpki_held_pin context_pin;  /* its PIN, until the signature (token_state.c) */
    struct jpki_session *next;
} jpki_session;

CK_RV jpki_session_open(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *out);
CK_RV jpki_session_close(CK_SESSION_HANDLE handle);
CK_RV jpki_session_close_all(CK_SLOT_ID slot);
/* C_Finalize: closes every session (wipes held PINs). */
void jpki_sessions_fini(void);
/* fork child: forget the parent's sessions. */
void jpki_sessions_forget(void);
CK_RV jpki_session_get_info(CK_SESSION_HANDLE handle, CK_SESSION_INFO *info);

/* Finds a session and takes its reader lock, with the card state fresh.
 * CKR_SESSION_HANDLE_INVALID, or CKR_DEVICE_REMOVED (the session is then
 * closed). */
CK_RV jpki_session_acquire(CK_SESSION_HANDLE handle, jpki_session **out);
void jpki_session_release(jpki_session *s);

/* What an entry point needs of its session before it does anything, and
 * what it answers otherwise. */
typedef enum jpki_session_state {
    JPKI_SESSION_ANY,          /* any open session */
    JPKI_SESSION_IDLE,         /* no operation: else CKR_OPERATION_ACTIVE */
    JPKI_SESSION_FINDING,      /* C_FindObjectsInit done: else CKR_OPERATION_NOT_INITIALIZED */
    JPKI_SESSION_SIGNING,      /* C_SignInit done: else CKR_OPERATION_NOT_INITIALIZED */
    JPKI_SESSION_LOGGED_IN,    /* its token logged in: else CKR_USER_NOT_LOGGED_IN */
    JPKI_SESSION_RW_LOGGED_IN, /* read-write (else CKR_SESSION_READ_ONLY) and logged in */
} jpki_session_state;

/* jpki_session_acquire, then the state check; on failure nothing is held. */
CK_RV jpki_session_acquire_in(CK_SESSION_HANDLE handle, jpki_session_state state,
                              jpki_session **out);

/* Ends the session's operation, wiping what it held. */
void jpki_session_end_op(jpki_session *s);
/* Whether the session's token is logged in. */
bool jpki_session_logged_in(const jpki_session *s);

#endif
