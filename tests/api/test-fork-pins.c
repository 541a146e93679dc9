/*
 * test-fork-pins.c: a forked child must not keep the PINs its parent's
 * module holds (design.md §2), run by test-api.sh under the test rig. The
 * parent logs in on both tokens (the module then holds the auth PIN and the
 * sign password); a scan of this process's writable memory finds both
 * there (the control: the scan can see them). The child's scan, right after
 * fork() and before anything else, must find neither; the child's module
 * answers CKR_CRYPTOKI_NOT_INITIALIZED until C_Initialize, then works
 * without the parent's login. The parent's login still signs afterwards.
 * The test types the sign password in lower case: only the module's
 * upper-cased copy can match.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */

#include "api-common.h"

static const char auth_pin[] = "1234";
static const char sign_seen[] = "ABC123";   /* what the module holds */

/* Whether [lo, hi) holds needle. Freed heap blocks are read too (a PIN
 * left in one counts), so the sanitizers must not check these reads, and a
 * plain loop keeps their memmem/memcmp interceptors out. */
__attribute__((no_sanitize("address", "thread")))
static bool region_holds(const unsigned char *lo, const unsigned char *hi, const char *needle,
                         size_t n)
{
    for (const unsigned char *p = lo; p + n <= hi; p++) {
        size_t i = 0;
        while (i < n && p[i] == (unsigned char)needle[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Whether needle occurs in a writable mapping of this process. Reads the
 * memory in place: every rw mapping is readable. */
static bool in_writable_memory(const char *needle)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    bool found = false;
    size_t n = strlen(needle);
    while (maps != NULL && !found && fgets(line, sizeof(line), maps) != NULL) {
        unsigned long lo = 0, hi = 0;
        char perms[8] = "";
        /* Sanitizers' shadow memory is rw and terabytes large: a heap or a
         * library's data is far below the cap. */
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
            perms[1] != 'w' || strstr(line, "[vvar]") != NULL || hi - lo > (1ul << 30))
            continue;
        found = region_holds((const unsigned char *)lo, (const unsigned char *)hi, needle, n);
    }
    if (maps != NULL)
        fclose(maps);
    return found;
}

static CK_SESSION_HANDLE open_logged_in(CK_SLOT_ID slot, char *pin)
{
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    size_t len = strlen(pin);
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h) != CKR_OK ||
        f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)len) != CKR_OK)
        h = CK_INVALID_HANDLE;
    memset(pin, 0, len);   /* only the module's copy may remain */
    return h;
}

/* The child: exit status 0 when every check holds (its TAP lines are
 * written before the parent's continue, on the same stdout). */
static int child(void)
{
    /* Scan first: nothing has run in the child yet but the fork handlers. */
    bool auth_left = in_writable_memory(auth_pin);
    bool sign_left = in_writable_memory(sign_seen);
    int bad = 0;
    bad += !ok(!auth_left, "child: no copy of the auth PIN in memory");
    bad += !ok(!sign_left, "child: no copy of the sign password in memory");
    CK_ULONG n = 0;
    bad += !is_ulong(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED,
                     "child: not initialised until C_Initialize");
    bad += !is_ulong(init(), CKR_OK, "child: C_Initialize");
    CK_SLOT_ID slots[4];
    n = 4;
    bad += !ok(f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n == 2, "child: two tokens");
    CK_SESSION_HANDLE h;
    CK_SESSION_INFO si;
    bad += !ok(n == 2 && f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &h) == CKR_OK &&
                   f->C_GetSessionInfo(h, &si) == CKR_OK && si.state == CKS_RO_PUBLIC_SESSION,
               "child: the parent's login is not the child's");
    bad += !is_ulong(fin(), CKR_OK, "child: C_Finalize");
    fflush(stdout);
    return bad == 0 ? 0 : 1;
}

int main(void)
{
    /* Writable copies, wiped after the logins. */
    char auth[8], sign[8];
    snprintf(auth, sizeof(auth), "%s", auth_pin);
    snprintf(sign, sizeof(sign), "%s", "abc123");
    if (!load_module())
        return done_testing();
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (!ok(get != NULL && get(&f) == CKR_OK, "C_GetFunctionList"))
        return done_testing();
    if (!is_ulong(init(), CKR_OK, "C_Initialize"))
        return done_testing();
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;
    ok(f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n == 2, "one card, two tokens");
    CK_SESSION_HANDLE ha = open_logged_in(slots[0], auth);
    CK_SESSION_HANDLE hs = open_logged_in(slots[1], sign);
    ok(ha != CK_INVALID_HANDLE && hs != CK_INVALID_HANDLE, "logged in on both tokens");
    /* The literals above are read-only; the typed copies are wiped: what
     * the scan finds now is the module's. */
    ok(in_writable_memory(auth_pin), "control: the parent's module holds the auth PIN");
    ok(in_writable_memory(sign_seen), "control: the parent's module holds the sign password");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child());
    int status = -1;
    ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0,
       "the child's checks passed");
    /* The parent's login is untouched: its first sign-key signature. */
    CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t = { CKA_CLASS, &klass, sizeof(klass) };
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
    CK_ULONG found = 0;
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[] = "after fork", sig[256];
    CK_ULONG sl = sizeof(sig);
    ok(f->C_FindObjectsInit(hs, &t, 1) == CKR_OK && f->C_FindObjects(hs, &key, 1, &found) == CKR_OK &&
           f->C_FindObjectsFinal(hs) == CKR_OK && found == 1,
       "parent: the sign key");
    is_ulong(f->C_SignInit(hs, &mech, key), CKR_OK, "parent: C_SignInit");
    is_ulong(f->C_Sign(hs, data, sizeof(data), sig, &sl), CKR_OK,
             "parent: still signs with its login after the child's C_Initialize");
    is_ulong(fin(), CKR_OK, "C_Finalize");
    return done_testing();
}
