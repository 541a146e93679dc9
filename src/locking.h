/*
 * locking.h: the module's mutexes. C_Initialize decides whose: the
 * application's callbacks (CK_C_INITIALIZE_ARGS without CKF_OS_LOCKING_OK)
 * or pthreads (everything else).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_LOCKING_H
#define JPKI_LOCKING_H

#include "pkcs11-v3.h"

typedef struct jpki_lock jpki_lock;

/* Checks C_Initialize's argument and chooses the mutex kind: CKR_OK or
 * CKR_ARGUMENTS_BAD (pReserved set, some but not all callbacks). */
CK_RV jpki_lock_configure(const CK_C_INITIALIZE_ARGS *args);

/* NULL when the mutex cannot be made. */
jpki_lock *jpki_lock_new(void);
void jpki_lock_free(jpki_lock *lock);
void jpki_lock_acquire(jpki_lock *lock);
void jpki_lock_release(jpki_lock *lock);

#endif
