/*
 * locking.c: mutexes from pthreads or from the application's callbacks.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include "locking.h"

struct jpki_lock {
    pthread_mutex_t mutex;
    void *app_mutex;  /* set when the application's callbacks are used */
};

/* Chosen by C_Initialize; only read afterwards. */
static bool use_app_callbacks;
static CK_CREATEMUTEX app_create;
static CK_DESTROYMUTEX app_destroy;
static CK_LOCKMUTEX app_lock;
static CK_UNLOCKMUTEX app_unlock;

CK_RV jpki_lock_configure(const CK_C_INITIALIZE_ARGS *args)
{
    use_app_callbacks = false;
    if (args == NULL)
        return CKR_OK;
    if (args->pReserved != NULL)
        return CKR_ARGUMENTS_BAD;
    int given = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
                (args->LockMutex != NULL) + (args->UnlockMutex != NULL);
    if (given != 0 && given != 4)
        return CKR_ARGUMENTS_BAD;
    /* With CKF_OS_LOCKING_OK the application accepts OS primitives, which we
     * prefer; its callbacks are used only when it offers nothing else. */
    if (given == 4 && !(args->flags & CKF_OS_LOCKING_OK)) {
        use_app_callbacks = true;
        app_create = args->CreateMutex;
        app_destroy = args->DestroyMutex;
        app_lock = args->LockMutex;
        app_unlock = args->UnlockMutex;
    }
    return CKR_OK;
}

jpki_lock *jpki_lock_new(void)
{
    jpki_lock *lock = calloc(1, sizeof(*lock));
    if (lock == NULL)
        return NULL;
    if (use_app_callbacks) {
        if (app_create(&lock->app_mutex) != CKR_OK || lock->app_mutex == NULL) {
            free(lock);
            return NULL;
        }
    } else if (pthread_mutex_init(&lock->mutex, NULL) != 0) {
        free(lock);
        return NULL;
    }
    return lock;
}

void jpki_lock_free(jpki_lock *lock)
{
    if (lock == NULL)
        return;
    if (lock->app_mutex != NULL)
        app_destroy(lock->app_mutex);
    else
        pthread_mutex_destroy(&lock->mutex);
    free(lock);
}

void jpki_lock_acquire(jpki_lock *lock)
{
    if (lock->app_mutex != NULL)
        (void)app_lock(lock->app_mutex);
    else
        (void)pthread_mutex_lock(&lock->mutex);
}

void jpki_lock_release(jpki_lock *lock)
{
    if (lock->app_mutex != NULL)
        (void)app_unlock(lock->app_mutex);
    else
        (void)pthread_mutex_unlock(&lock->mutex);
}
