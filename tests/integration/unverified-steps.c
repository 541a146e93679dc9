/*
 * unverified-steps.c: nothing is left verified on the card for another
 * program to sign with (issue 13, design.md §2), and other processes of
 * the module do not disturb ours. unverified.sh probes the card with a raw
 * PC/SC client that selects nothing and asks for a signature, at each step
 * this program asks for (steps.h), and kills the processes it runs in the
 * kill-* modes. Modes (argv[1]):
 *   main       the sign key after C_Login(CKU_USER), after a context login
 *              (no C_Sign yet), after C_CloseSession at that point, after a
 *              signature, after a signature whose PIN check failed; the
 *              auth key after C_Logout, after its token's last session
 *              closed, after C_Finalize without C_Logout; then another
 *              process of the module signing between our calls.
 *   dlclose    the module unloaded (no C_Finalize) while logged in.
 *   kill-after-context-login, kill-logged-in: wait to be killed there.
 *   kill-in-sign-grace: C_Login on the sign token, then waits to be killed
 *              (inside the login's grace, sign_grace.c, if killed at once).
 *   end-in-grace close|finalize|dlclose: C_Login on the sign token, then at
 *              once (inside its grace) that end, then the probe.
 *   kill-during-sign: killed during a (slow) sign-key C_Sign.
 *   kill-during-login PIN: killed during a (slow) sign-token C_Login.
 *   login-and-sign: logs in on both tokens, signs with both, logs out.
 * PINs: the virtual card's defaults, auth 1234 and sign ABC123.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "card-log.h"

static char auth_pem[4096], sign_pem[4096];
static CK_SLOT_ID slot_auth, slot_sign;
static CK_SESSION_HANDLE ha, hs;
static const CK_BYTE msg[] = "nothing left verified";

static bool open_session(CK_SLOT_ID slot, CK_SESSION_HANDLE *h)
{
    return f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, h) == CKR_OK;
}

/* C_Initialize, sessions on both tokens. */
static bool start(void)
{
    CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
    if (f == NULL ? !steps_init() : f->C_Initialize(&args) != CKR_OK)
        return ok(0, "C_Initialize");
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;
    bool good = f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n == 2;
    slot_auth = slots[0];
    slot_sign = slots[1];
    return ok(good && open_session(slot_auth, &ha) && open_session(slot_sign, &hs),
              "module initialised, sessions on both tokens");
}

/* A signature with key id (context PIN given for the sign key), which must
 * verify with that key's certificate. */
static bool signs(CK_SESSION_HANDLE h, CK_BYTE id, const char *context_pin, const char *what)
{
    const char *pem = id == 1 ? auth_pem : sign_pem;
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    CK_RV rv = sign_with(h, id, context_pin, msg, sizeof(msg), sig, &sl);
    return is_ulong(rv, CKR_OK, "%s: C_Sign", what) &&
           ok(sl == 256 && signature_of(pem, msg, sizeof(msg), sig, sl),
              "%s: it verifies with %s", what, id == 1 ? "auth-cert.pem" : "sign-cert.pem");
}

/* C_SignInit with the sign key and C_Login(CKU_CONTEXT_SPECIFIC): the
 * point where an application may close, die or call C_Sign. */
static void context_login(CK_SESSION_HANDLE h, const char *what)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    is_ulong(f->C_SignInit(h, &mech, find_one(h, CKO_PRIVATE_KEY, 2)), CKR_OK,
             "%s: C_SignInit (sign key)", what);
    is_ulong(login(h, CKU_CONTEXT_SPECIFIC, "ABC123"), CKR_OK,
             "%s: C_Login(CKU_CONTEXT_SPECIFIC)", what);
}

static void sign_key(void)
{
    is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login (sign)");
    step("probe-after-sign-login");
    context_login(hs, "sign key");
    step("probe-after-context-login");
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    is_ulong(f->C_Sign(hs, (CK_BYTE_PTR)msg, sizeof(msg), sig, &sl), CKR_OK,
             "C_Sign after the context login");
    ok(sl == 256 && signature_of(sign_pem, msg, sizeof(msg), sig, sl),
       "the signature verifies with sign-cert.pem");
    step("probe-after-sign-signature");
    context_login(hs, "sign key, then C_CloseSession");
    is_ulong(f->C_CloseSession(hs), CKR_OK, "C_CloseSession at that point");
    step("probe-after-close-at-context-login");
    ok(open_session(slot_sign, &hs), "a new session on the sign token");
    is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login (sign) again");
    /* The PIN changed elsewhere between the context login and C_Sign: the
     * PIN check of this signature fails (it spends one try: the counter
     * is full). */
    context_login(hs, "sign key, PIN changed before C_Sign");
    step("change-sign-pin");
    sl = sizeof(sig);
    CK_RV rv = f->C_Sign(hs, (CK_BYTE_PTR)msg, sizeof(msg), sig, &sl);
    ok(rv != CKR_OK, "C_Sign with the old PIN fails (0x%lx)", (unsigned long)rv);
    ok(card_tries("sign") == 4, "that PIN check cost one try (%d)", card_tries("sign"));
    step("probe-after-failed-sign");
    step("restore-sign-pin");
    tries_are(3, 5, "sign key cases");
}

static void auth_key(void)
{
    is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "C_Login (auth)");
    signs(ha, 1, NULL, "auth key");
    is_ulong(f->C_Logout(ha), CKR_OK, "C_Logout (auth)");
    step("probe-after-auth-logout");
    is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "C_Login (auth) again");
    signs(ha, 1, NULL, "auth key before its last session closes");
    is_ulong(f->C_CloseSession(ha), CKR_OK, "C_CloseSession of the auth token's last session");
    step("probe-after-auth-last-session-closed");
    ok(open_session(slot_auth, &ha), "a new session on the auth token");
    is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "C_Login (auth) once more");
    signs(ha, 1, NULL, "auth key before C_Finalize");
    is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize without C_Logout");
    step("probe-after-finalize");
    tries_are(3, 5, "auth key cases");
}

/* H: another process of the module logs in, signs and logs out between
 * two of our signatures. */
static void other_process(void)
{
    is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "H: C_Login (auth)");
    is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "H: C_Login (sign)");
    signs(ha, 1, NULL, "H: auth key");
    signs(hs, 2, "ABC123", "H: sign key");
    for (int i = 0; i < 2; i++) {
        step(i == 0 ? "other-process-signs" : "other-process-signs-again");
        signs(ha, 1, NULL, "H: auth key after the other process");
        signs(hs, 2, "ABC123", "H: sign key after the other process");
        ok(cert_is(ha, 1, auth_pem), "H: the auth certificate reads back as auth-cert.pem");
        ok(session_state_is(ha, CKS_RO_USER_FUNCTIONS) &&
               session_state_is(hs, CKS_RO_USER_FUNCTIONS),
           "H: our sessions are still logged in");
    }
    tries_are(3, 5, "H: no try lost");
    is_ulong(f->C_Finalize(NULL), CKR_OK, "H: C_Finalize");
}

/* dlclose without C_Finalize while logged in: the module's destructor. */
static void unload(void)
{
    is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "C_Login (auth)");
    signs(ha, 1, NULL, "auth key before dlclose");
    ok(dlclose(lib) == 0, "dlclose of the module, no C_Finalize");
    /* The module's own file: a build directory may hold "jpki-pkcs11" in
     * its name too (make distcheck's jpki-pkcs11-VERSION/). */
    const char *module = getenv("JPKI_MODULE");
    const char *base = module != NULL && strrchr(module, '/') != NULL ? strrchr(module, '/')
                                                                      : "/jpki-pkcs11.so";
    char line[4096];
    bool mapped = false;
    FILE *maps = fopen("/proc/self/maps", "r");
    while (maps != NULL && fgets(line, sizeof(line), maps) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        size_t n = strlen(line), b = strlen(base);
        mapped = mapped || (n >= b && strcmp(line + n - b, base) == 0);
    }
    if (maps != NULL)
        fclose(maps);
    ok(!mapped, "dlclose unloaded the module from the process");
    step("probe-after-dlclose");
}

static int mode(const char *name, const char *arg)
{
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    if (strcmp(name, "main") == 0) {
        sign_key();
        auth_key();
        if (start())
            other_process();
    } else if (strcmp(name, "dlclose") == 0) {
        unload();
    } else if (strcmp(name, "kill-after-context-login") == 0) {
        is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login (sign)");
        context_login(hs, "sign key");
        step("kill-me");
    } else if (strcmp(name, "kill-in-sign-grace") == 0) {
        is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login (sign)");
        step("kill-me");
    } else if (strcmp(name, "end-in-grace") == 0 && arg != NULL) {
        is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login (sign)");
        if (strcmp(arg, "close") == 0)
            is_ulong(f->C_CloseSession(hs), CKR_OK, "C_CloseSession at once");
        else if (strcmp(arg, "finalize") == 0)
            is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize at once");
        else
            ok(dlclose(lib) == 0, "dlclose at once, no C_Finalize");
        step("probe-after-end-in-grace");
    } else if (strcmp(name, "kill-logged-in") == 0) {
        is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "C_Login (auth)");
        signs(ha, 1, NULL, "auth key");
        step("kill-me");
    } else if (strcmp(name, "kill-during-sign") == 0) {
        is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login (sign)");
        context_login(hs, "sign key");
        announce("signing");
        f->C_Sign(hs, (CK_BYTE_PTR)msg, sizeof(msg), sig, &sl);
        ok(0, "killed during C_Sign");
    } else if (strcmp(name, "kill-during-login") == 0 && arg != NULL) {
        announce("logging-in");
        login(hs, CKU_USER, arg);
        ok(0, "killed during C_Login");
    } else if (strcmp(name, "login-and-sign") == 0) {
        is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "C_Login (auth)");
        is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login (sign)");
        signs(ha, 1, NULL, "auth key");
        signs(hs, 2, "ABC123", "sign key");
        is_ulong(f->C_Logout(ha), CKR_OK, "C_Logout (auth)");
        is_ulong(f->C_Logout(hs), CKR_OK, "C_Logout (sign)");
        is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
    } else {
        ok(0, "known mode '%s'", name);
    }
    return done_testing();
}

int main(int argc, char **argv)
{
    card_log_init();
    snprintf(auth_pem, sizeof(auth_pem), "%s/auth-cert.pem", card_dir);
    snprintf(sign_pem, sizeof(sign_pem), "%s/sign-cert.pem", card_dir);
    if (!start())
        return done_testing();
    return mode(argc > 1 ? argv[1] : "main", argc > 2 ? argv[2] : NULL);
}
