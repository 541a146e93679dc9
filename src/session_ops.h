/*
 * session_ops.h: what a session can do: objects (objects.c), login
 * (login.c) and signatures (signing.c). Every function here is called with
 * the session acquired (jpki_session_acquire: its reader lock held).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_SESSION_OPS_H
#define JPKI_SESSION_OPS_H

#include "session.h"

/* Object handles name (card generation, object): one from an earlier card
 * is CKR_OBJECT_HANDLE_INVALID. Private objects are invisible until login. */
CK_OBJECT_HANDLE jpki_object_handle(unsigned long generation, jpki_object_id id);
/* visible_only: private objects of a token not logged in do not exist. */
CK_RV jpki_object_resolve(const jpki_session *s, CK_OBJECT_HANDLE handle, bool visible_only,
                          jpki_object_id *id);
jpki_cert_source jpki_session_cert_source(jpki_session *s);

CK_RV jpki_find_init(jpki_session *s, const CK_ATTRIBUTE *tmpl, CK_ULONG count);
CK_RV jpki_find_next(jpki_session *s, CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count);
CK_RV jpki_find_final(jpki_session *s);
CK_RV jpki_get_attributes(jpki_session *s, CK_OBJECT_HANDLE handle, CK_ATTRIBUTE *tmpl,
                          CK_ULONG count);
CK_RV jpki_get_object_size(jpki_session *s, CK_OBJECT_HANDLE handle, CK_ULONG *size);
/* Objects cannot change: CKR_OBJECT_HANDLE_INVALID for a bad handle, else
 * the refusal given (C_DestroyObject, C_SetAttributeValue, C_CopyObject). */
CK_RV jpki_object_refuse(jpki_session *s, CK_OBJECT_HANDLE handle, CK_RV refusal);

CK_RV jpki_login(jpki_session *s, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG pin_len);
CK_RV jpki_logout(jpki_session *s);
/* The sign certificate, not yet in memory, read with the sign PIN held
 * since C_Login (login.c). CKR_OBJECT_HANDLE_INVALID when it cannot be read
 * in this login, or the card has none. */
CK_RV jpki_read_sign_cert(jpki_session *s);
/* C_SetPIN on a logged-in token: VERIFY the old PIN, CHANGE REFERENCE DATA. */
CK_RV jpki_set_pin(jpki_session *s, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                   const CK_UTF8CHAR *new_pin, CK_ULONG new_len);
/* For signing.c. Inside the caller's transaction: VERIFY once, keeping the
 * cached retry counter right. */
jpki_status jpki_verify_tx(jpki_reader *r, jpki_role role, const uint8_t *pin, size_t pin_len);
/* After the transaction ended: the CKR_* for a VERIFY's status. */
CK_RV jpki_verify_rv(jpki_reader *r, jpki_status st);
/* Whether the final-try guard lets a VERIFY go to the card now. */
bool jpki_verify_allowed(const jpki_reader *r, jpki_role role);

CK_RV jpki_sign_init(jpki_session *s, const CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key);
CK_RV jpki_sign_once(jpki_session *s, const CK_BYTE *data, CK_ULONG len, CK_BYTE *sig,
                     CK_ULONG *sig_len);
CK_RV jpki_sign_update(jpki_session *s, const CK_BYTE *data, CK_ULONG len);
CK_RV jpki_sign_final(jpki_session *s, CK_BYTE *sig, CK_ULONG *sig_len);

#endif
