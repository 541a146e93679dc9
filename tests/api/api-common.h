/*
 * api-common.h: what the API test programs share: the module loaded with
 * dlopen from $JPKI_MODULE and its two function lists, and small helpers.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_API_COMMON_H
#define JPKI_API_COMMON_H

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pkcs11-v3.h"
#include "../tap.h"

static void *lib;
static CK_FUNCTION_LIST *f;
static CK_FUNCTION_LIST_3_0 *f3 __attribute__((unused));

#define BAD_SLOT ((CK_SLOT_ID)0x7fff)
#define BAD_SESSION ((CK_SESSION_HANDLE)0x7ffffff)
#define BAD_OBJECT ((CK_OBJECT_HANDLE)0x7ffffff)

static inline CK_RV init(void)
{
    return f->C_Initialize(NULL);
}

static inline CK_RV fin(void)
{
    return f->C_Finalize(NULL);
}

/* dlopen $JPKI_MODULE (skips the program when it is not set). */
static inline bool load_module(void)
{
    const char *path = getenv("JPKI_MODULE");
    if (path == NULL)
        skip_all("JPKI_MODULE not set");
    lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        ok(0, "dlopen %s: %s", path, dlerror());
        return false;
    }
    return true;
}

/* load_module, then f from C_GetFunctionList. */
static inline bool load_function_list(void)
{
    if (!load_module())
        return false;
    CK_C_GetFunctionList get_fl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (get_fl == NULL || get_fl(&f) != CKR_OK) {
        ok(0, "C_GetFunctionList");
        return false;
    }
    return true;
}

static inline bool blank_padded(const CK_UTF8CHAR *field, size_t cap, const char *want)
{
    size_t n = strlen(want);
    if (n > cap || memcmp(field, want, n) != 0)
        return false;
    for (size_t i = n; i < cap; i++)
        if (field[i] != ' ')
            return false;
    return true;
}

/* Creates the empty file NAME in the directory $ENV (or "."): how a test
 * program tells its driving script where it is. */
static inline void touch_step_file(const char *env, const char *name)
{
    const char *dir = getenv(env);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : ".", name);
    FILE *fp = fopen(path, "w");
    if (fp != NULL)
        fclose(fp);
}

/* Tells the driving script "mine" (a file in $JPKI_API_SYNC) and waits up
 * to 60 s for its answer "theirs". */
static inline void sync_step(const char *mine, const char *theirs)
{
    const char *dir = getenv("JPKI_API_SYNC");
    char path[512];
    touch_step_file("JPKI_API_SYNC", mine);
    snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : ".", theirs);
    for (int i = 0; i < 600 && access(path, F_OK) != 0; i++) {
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
    ok(access(path, F_OK) == 0, "sync: %s", theirs);
}

#endif
