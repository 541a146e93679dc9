/*
 * test-api-view.c: the per-application token view
 * (jpki-pkcs11-tokens.conf(5)) through the module's function list, run by
 * test-api-view.sh under the test rig (one card in "Virtual PCD 00 00",
 * none in "00 01"). Each view is taken at
 * a C_Initialize: JPKI_PKCS11_TOKENS, the user's file under XDG_CONFIG_HOME
 * (or HOME) and the system file under JPKI_PKCS11_SYSCONF_DIR, keyed by this
 * program's name, "test-api-view". Hidden slots must be unlisted and
 * invalid everywhere, visible ones keep their IDs, C_WaitForSlotEvent must
 * not name a hidden slot (the script pulls the card on cue), and a broken
 * file is ignored with a log line.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <sys/stat.h>
#include "api-common.h"

#define PROGRAM "test-api-view"
#define VIEW_AUTH 1u
#define VIEW_SIGN 2u
#define VIEW_ALL 3u
#define MAX_SLOTS 16

static const char *dir;          /* $JPKI_VIEW_DIR: files of this test */
static char user_file[700], sys_file[700], log_file[700];
/* Under JPKI_PKCS11_TOKENS=all: */
static CK_SLOT_ID all_ids[MAX_SLOTS], token_ids[MAX_SLOTS];
static CK_ULONG n_all, n_token;

static unsigned role_bit(CK_SLOT_ID id)
{
    return 1u << (id % 2);
}

static CK_ULONG slot_list(CK_BBOOL present, CK_SLOT_ID *ids)
{
    CK_ULONG n = MAX_SLOTS;
    if (f->C_GetSlotList(present, ids, &n) != CKR_OK)
        return (CK_ULONG)-1;
    return n;
}

static bool listed(const CK_SLOT_ID *ids, CK_ULONG n, CK_SLOT_ID id)
{
    for (CK_ULONG i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Whether ids is exactly the slots of `from` whose role is in roles, in order. */
static bool same_ids(const CK_SLOT_ID *ids, CK_ULONG n, const CK_SLOT_ID *from,
                     CK_ULONG n_from, unsigned roles)
{
    CK_ULONG k = 0;
    for (CK_ULONG i = 0; i < n_from; i++) {
        if (!(role_bit(from[i]) & roles))
            continue;
        if (k >= n || ids[k] != from[i])
            return false;
        k++;
    }
    return k == n;
}

static void write_file(const char *path, const char *text, size_t len)
{
    char parent[512];
    snprintf(parent, sizeof(parent), "%s", path);
    for (char *p = parent + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(parent, 0755);
            *p = '/';
        }
    }
    unlink(path);
    FILE *fp = fopen(path, "w");
    if (fp == NULL || fwrite(text, 1, len, fp) != len)
        ok(0, "write %s", path);
    if (fp != NULL)
        fclose(fp);
    chmod(path, 0644);
}

static void put(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

static void clear_files(void)
{
    unlink(user_file);
    rmdir(user_file);
    unlink(sys_file);
    rmdir(sys_file);
}

static bool log_has(const char *needle)
{
    char buf[65536];
    FILE *fp = fopen(log_file, "r");
    size_t n = fp != NULL ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
    if (fp != NULL)
        fclose(fp);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

/* The roles this process sees after a C_Initialize; the listed IDs must be
 * those of the same roles under "all". */
static unsigned view_now(const char *what)
{
    CK_SLOT_ID ids[MAX_SLOTS];
    FILE *fp = fopen(log_file, "w");
    if (fp != NULL)
        fclose(fp);
    if (!is_ulong(init(), CKR_OK, "%s: C_Initialize", what))
        return 0;
    CK_ULONG n = slot_list(CK_FALSE, ids);
    unsigned roles = 0;
    for (CK_ULONG i = 0; n != (CK_ULONG)-1 && i < n; i++)
        roles |= role_bit(ids[i]);
    ok(n != (CK_ULONG)-1 && same_ids(ids, n, all_ids, n_all, roles),
       "%s: the listed slots keep their IDs", what);
    fin();
    return roles;
}

/* Every call that takes a slot ID, for every ID listed under "all". */
static void check_calls(const char *view, unsigned roles)
{
    for (CK_ULONG i = 0; i < n_all; i++) {
        CK_SLOT_ID id = all_ids[i];
        bool shown = role_bit(id) & roles;
        bool token = listed(token_ids, n_token, id);
        CK_SLOT_INFO si;
        CK_TOKEN_INFO ti;
        CK_MECHANISM_TYPE mechs[16];
        CK_MECHANISM_INFO mi;
        CK_ULONG n = 16;
        CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
        CK_RV want = CKR_SLOT_ID_INVALID;

        if (shown)
            want = CKR_OK;
        is_ulong(f->C_GetSlotInfo(id, &si), want, "%s: C_GetSlotInfo(%lu)", view, id);
        is_ulong(f->C_GetMechanismList(id, mechs, &n), want, "%s: C_GetMechanismList(%lu)",
                 view, id);
        is_ulong(f->C_GetMechanismInfo(id, CKM_RSA_PKCS, &mi), want,
                 "%s: C_GetMechanismInfo(%lu)", view, id);
        is_ulong(f->C_CloseAllSessions(id), want, "%s: C_CloseAllSessions(%lu)", view, id);
        if (shown && !token)
            want = CKR_TOKEN_NOT_PRESENT;
        is_ulong(f->C_GetTokenInfo(id, &ti), want, "%s: C_GetTokenInfo(%lu)", view, id);
        if (want == CKR_OK)
            ok(blank_padded(ti.label, 32, id % 2 == 0 ? "JPKI (User Authentication PIN)"
                                                      : "JPKI (Digital Signature PIN)"),
               "%s: slot %lu holds its own token", view, id);
        is_ulong(f->C_OpenSession(id, CKF_SERIAL_SESSION, NULL, NULL, &h), want,
                 "%s: C_OpenSession(%lu)", view, id);
        if (h != CK_INVALID_HANDLE)
            f->C_CloseSession(h);
    }
}

static void set_env_view(const char *value)
{
    if (value != NULL)
        setenv("JPKI_PKCS11_TOKENS", value, 1);
    else
        unsetenv("JPKI_PKCS11_TOKENS");
}

static void test_env_views(void)
{
    static const struct { const char *value; unsigned roles; } views[] = {
        { "auth", VIEW_AUTH }, { "sign", VIEW_SIGN }, { "all", VIEW_ALL },
    };
    set_env_view("all");
    is_ulong(init(), CKR_OK, "all: C_Initialize");
    n_all = slot_list(CK_FALSE, all_ids);
    n_token = slot_list(CK_TRUE, token_ids);
    ok(n_all != (CK_ULONG)-1 && n_all >= 4 && n_all % 2 == 0, "all: two slots per reader");
    ok(n_token == 2 && token_ids[0] % 2 == 0 && token_ids[1] == token_ids[0] + 1,
       "all: the card's two tokens");
    fin();
    if (n_all == (CK_ULONG)-1 || n_token != 2)
        return;
    for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
        CK_SLOT_ID ids[MAX_SLOTS];
        const char *name = views[v].value;
        set_env_view(name);
        is_ulong(init(), CKR_OK, "%s: C_Initialize", name);
        CK_ULONG n = slot_list(CK_FALSE, ids);
        ok(same_ids(ids, n, all_ids, n_all, views[v].roles), "%s: C_GetSlotList(FALSE)", name);
        n = slot_list(CK_TRUE, ids);
        ok(same_ids(ids, n, token_ids, n_token, views[v].roles), "%s: C_GetSlotList(TRUE)",
           name);
        check_calls(name, views[v].roles);
        fin();
    }
}

/* The script pulls the card out after "ready-N" and puts it back after
 * "done-N": the events name the visible slots of the card's reader only. */
static void test_events(void)
{
    static const struct { const char *value; unsigned roles; } views[] = {
        { "auth", VIEW_AUTH }, { "sign", VIEW_SIGN }, { "all", VIEW_ALL },
    };
    for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
        char ready[32], removed[32], done[32], inserted[32];
        const char *name = views[v].value;
        snprintf(ready, sizeof(ready), "ready-%zu", v);
        snprintf(removed, sizeof(removed), "removed-%zu", v);
        snprintf(done, sizeof(done), "done-%zu", v);
        snprintf(inserted, sizeof(inserted), "inserted-%zu", v);
        set_env_view(name);
        is_ulong(init(), CKR_OK, "%s: C_Initialize", name);
        CK_SLOT_ID slot = BAD_SLOT;
        is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT,
                 "%s: no event before the card moves", name);
        sync_step(ready, removed);
        CK_SLOT_ID got[MAX_SLOTS];
        CK_ULONG n = 0;
        /* Blocking first: a hidden slot's change must not end the wait. */
        CK_RV rv = f->C_WaitForSlotEvent(0, &slot, NULL);
        is_ulong(rv, CKR_OK, "%s: blocking C_WaitForSlotEvent", name);
        if (rv == CKR_OK)
            got[n++] = slot;
        while (n < MAX_SLOTS && f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL) == CKR_OK)
            got[n++] = slot;
        ok(same_ids(got, n, token_ids, n_token, views[v].roles),
           "%s: events for the visible slots only (%lu event(s))", name, n);
        fin();
        sync_step(done, inserted);
    }
}

static void test_files(void)
{
    set_env_view(NULL);
    unsetenv("HOME");
    unsetenv("XDG_CONFIG_HOME");
    char xdg[400], sysdir[400], log_env[800], home[400], home_file[700];
    snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
    snprintf(sysdir, sizeof(sysdir), "%s/etc", dir);
    snprintf(home, sizeof(home), "%s/home", dir);
    snprintf(home_file, sizeof(home_file), "%s/.config/jpki-pkcs11/tokens.conf", home);
    snprintf(user_file, sizeof(user_file), "%s/jpki-pkcs11/tokens.conf", xdg);
    snprintf(sys_file, sizeof(sys_file), "%s/tokens.conf", sysdir);
    snprintf(log_file, sizeof(log_file), "%s/module.log", dir);
    snprintf(log_env, sizeof(log_env), "2:%s", log_file);
    setenv("JPKI_PKCS11_DEBUG", log_env, 1);
    setenv("JPKI_PKCS11_SYSCONF_DIR", sysdir, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);

    clear_files();
    is_ulong(view_now("no file"), VIEW_ALL, "no file, no variable: all");
    put(sys_file, "# shipped\n" PROGRAM " = sign\n");
    is_ulong(view_now("system file"), VIEW_SIGN, "the system file decides");
    ok(log_has("token view of " PROGRAM ": sign"), "the view is logged with the program name");
    put(user_file, PROGRAM " = auth\n");
    is_ulong(view_now("user file"), VIEW_AUTH, "the user's file wins over the system file");
    set_env_view("all");
    is_ulong(view_now("variable all"), VIEW_ALL, "JPKI_PKCS11_TOKENS=all wins over files");
    set_env_view("Sign");
    is_ulong(view_now("variable Sign"), VIEW_SIGN, "JPKI_PKCS11_TOKENS in any case");
    set_env_view("both");
    is_ulong(view_now("variable both"), VIEW_AUTH, "a bad JPKI_PKCS11_TOKENS is ignored");
    ok(log_has("JPKI_PKCS11_TOKENS is not auth, sign or all"), "... and logged");
    set_env_view(NULL);

    put(user_file, "firefox = auth\nsoffice.bin = sign\n");
    is_ulong(view_now("user file for others"), VIEW_SIGN,
             "a user file without this program leaves it to the system file");
    put(sys_file, PROGRAM " = all\n");
    put(user_file, "# comment\n\n  other=auth\r\n\t" PROGRAM "\t=\tsign   # trailing\n"
                   PROGRAM "=auth\r\n# last\n");
    is_ulong(view_now("user file syntax"), VIEW_AUTH,
             "comments, blanks, CRLF; the last line for a program counts");

    put(sys_file, PROGRAM " = sign\n");
    put(user_file, "firefox = auth\n" PROGRAM " auth\n");
    is_ulong(view_now("broken user file"), VIEW_SIGN, "a user file with a bad line is ignored");
    char want[900];
    snprintf(want, sizeof(want), "%s:2: expected: PROGRAM = auth|sign|all; file ignored",
             user_file);
    ok(log_has(want), "... and logged with its line");
    put(user_file, PROGRAM " = auth,sign\n");
    is_ulong(view_now("bad value"), VIEW_SIGN, "a bad value spoils the user file");
    static const char nul[] = PROGRAM " = auth\n\0";
    write_file(user_file, nul, sizeof(nul));
    is_ulong(view_now("NUL byte"), VIEW_SIGN, "a NUL byte spoils the user file");
    ok(log_has("NUL byte; file ignored"), "... logged");
    unlink(user_file);
    mkdir(user_file, 0755);
    is_ulong(view_now("directory"), VIEW_SIGN, "a directory for the user file is ignored");
    ok(log_has("not a regular file; file ignored"), "... logged");
    rmdir(user_file);
    if (mkfifo(user_file, 0644) == 0) {
        is_ulong(view_now("FIFO"), VIEW_SIGN, "a FIFO for the user file: ignored, no hang");
        unlink(user_file);
    }
    size_t big = 70 * 1024;
    char *text = malloc(big + 32);
    if (text != NULL) {
        memset(text, '#', big);
        text[big - 1] = '\n';
        strcpy(text + big, PROGRAM " = auth\n");
        put(user_file, text);
        free(text);
        is_ulong(view_now("too long"), VIEW_SIGN, "a user file over 64 KiB is ignored");
        ok(log_has("too long; file ignored"), "... logged");
    }
    put(user_file, PROGRAM " = auth\n");
    if (chown(user_file, 65534, 65534) == 0) {
        is_ulong(view_now("user file of another"), VIEW_SIGN,
                 "a user file owned by another user is ignored");
        ok(log_has("owned by another user; file ignored"), "... logged");
    }

    unlink(user_file);
    put(sys_file, "firefox-esr = auth\n" PROGRAM " = sign\n" PROGRAM " = bad\n");
    is_ulong(view_now("broken system file"), VIEW_ALL, "a broken system file is ignored");
    ok(log_has("tokens.conf:3: expected"), "... logged with its line");
    put(sys_file, PROGRAM " = sign\n");
    chmod(sys_file, 0664);
    is_ulong(view_now("group-writable system file"), VIEW_ALL,
             "a system file others may write is ignored");
    ok(log_has("not owned and writable by root alone; file ignored"), "... logged");
    chmod(sys_file, 0644);
    if (chown(sys_file, 65534, 65534) == 0)
        is_ulong(view_now("system file of a user"), VIEW_ALL,
                 "a system file not owned by root is ignored");

    /* Without XDG_CONFIG_HOME (or with a relative one): ~/.config. */
    clear_files();
    put(home_file, PROGRAM " = sign\n");
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    is_ulong(view_now("HOME"), VIEW_SIGN, "~/.config/jpki-pkcs11/tokens.conf without XDG");
    setenv("XDG_CONFIG_HOME", "xdg", 1);
    is_ulong(view_now("relative XDG"), VIEW_SIGN, "a relative XDG_CONFIG_HOME is ignored");
    unsetenv("JPKI_PKCS11_DEBUG");
}

int main(void)
{
    dir = getenv("JPKI_VIEW_DIR");
    if (dir == NULL)
        skip_all("JPKI_VIEW_DIR not set (run by test-api-view.sh)");
    if (geteuid() != 0)
        skip_all("needs root (file owners)");
    if (!load_function_list())
        return done_testing();
    test_env_views();
    if (n_token == 2) {
        test_files();
        set_env_view(NULL);
        test_events();
    }
    dlclose(lib);
    return done_testing();
}
