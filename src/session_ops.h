/*
 * session_ops.h: what a session can do: objects (objects.c), login
 * (login.c) and signatures (signing.c). Every function here is called with
 * the session acquired in the state its entry point names (pkcs11.c:
 * jpki_session_acquire_in, the reader lock held); they do not check that
 * state again.
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
/* C_SetPIN on a logged-in token: VERIFY the old PIN, CHANGE REFERENCE DATA. */
CK_RV jpki_set_pin(jpki_session *s, const CK_UTF8CHAR *old_pin, CK_ULONG old_len,
                   const CK_UTF8CHAR *new_pin, CK_ULONG new_len);
CK_RV jpki_sign_init(jpki_session *s, const CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key);
CK_RV jpki_sign_once(jpki_session *s, const CK_BYTE *data, CK_ULONG len, CK_BYTE *sig,
                     CK_ULONG *sig_len);
CK_RV jpki_sign_update(jpki_session *s, const CK_BYTE *data, CK_ULONG len);
CK_RV jpki_sign_final(jpki_session *s, CK_BYTE *sig, CK_ULONG *sig_len);

#endif
