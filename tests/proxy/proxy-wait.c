/*
 * proxy-wait.c: C_WaitForSlotEvent(CKF_DONT_BLOCK) through p11-kit-proxy.so
 * (argv[1]), which loads our module from its configuration: nothing pending
 * gives CKR_NO_EVENT at once; after the card is pulled (proxy-wait.sh does
 * that when SYNC_DIR/ready appears, then creates SYNC_DIR/removed) the
 * token's slots are reported, no token in them, and then CKR_NO_EVENT
 * again. A call that does not come back within 60 s fails the test (alarm).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pkcs11-v3.h"
#include "../tap.h"

static CK_FUNCTION_LIST *f;

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int exists(const char *dir, const char *name)
{
    char path[4096];
    struct stat st;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static void touch(const char *dir, const char *name)
{
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "w");
    if (fp)
        fclose(fp);
}

/* Polls without blocking for up to ms; CKR_NO_EVENT if nothing came. */
static CK_RV poll_event(CK_SLOT_ID *slot, long ms)
{
    CK_RV rv = CKR_NO_EVENT;

    for (long waited = 0; waited <= ms; waited += 100) {
        rv = f->C_WaitForSlotEvent(CKF_DONT_BLOCK, slot, NULL);
        if (rv != CKR_NO_EVENT)
            break;
        sleep_ms(100);
    }
    return rv;
}

int main(int argc, char **argv)
{
    const char *sync = getenv("SYNC_DIR");
    CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
    CK_SLOT_ID slots[16], slot = 0;
    CK_ULONG n = 16;
    void *lib;
    int reported = 0, empty = 0;
    CK_RV rv;

    if (argc != 2 || sync == NULL)
        skip_all("usage: SYNC_DIR=DIR proxy-wait P11_KIT_PROXY");
    alarm(60);   /* a hang is a failure: SIGALRM ends the program */
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    get_list = lib ? (CK_RV(*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(lib, "C_GetFunctionList") : NULL;
    if (!ok(get_list != NULL && get_list(&f) == CKR_OK, "load %s", argv[1]))
        return done_testing();
    is_ulong(f->C_Initialize(NULL), CKR_OK, "C_Initialize through the proxy");
    is_ulong(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList");
    ok(n == 2, "the proxy shows our two tokens (%lu)", n);
    /* Events from before (the card's arrival) may be pending: drain them. */
    for (int i = 0; i < 8 && f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL) == CKR_OK; i++)
        ;
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT,
             "nothing happened: CKR_NO_EVENT, at once");

    touch(sync, "ready");
    for (int i = 0; i < 300 && !exists(sync, "removed"); i++)
        sleep_ms(100);
    ok(exists(sync, "removed"), "the card was pulled");

    /* Both token slots of the reader, in any order, then nothing more. */
    while ((rv = poll_event(&slot, reported ? 1000 : 10000)) == CKR_OK && reported < 8) {
        CK_SLOT_INFO si;
        reported++;
        for (CK_ULONG i = 0; i < n; i++) {
            if (slots[i] == slot && f->C_GetSlotInfo(slot, &si) == CKR_OK &&
                !(si.flags & CKF_TOKEN_PRESENT))
                empty++;
        }
    }
    is_ulong(rv, CKR_NO_EVENT, "after the events: CKR_NO_EVENT");
    ok(reported >= 1, "the removal was reported (%d events)", reported);
    ok(empty >= 1 && empty == reported, "each reported slot was a token slot, now empty (%d of %d)",
       empty, reported);
    is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize through the proxy");
    return done_testing();
}
