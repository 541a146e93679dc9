/*
 * pin-safety-steps.c: the PIN rules of design.md §2 when other programs
 * use the card between our calls (issue 13). pin-safety.sh plays the other
 * program (a raw PC/SC client) when asked (steps.h); this process keeps
 * one C_Initialize and checks, on the card's side (counters, APDU log):
 *  A. every VERIFY with a PIN (C_Login, context login, C_SetPIN, the held
 *     auth PIN's re-VERIFY in C_Sign, the sign certificate's read) comes
 *     right after the empty VERIFY of that PIN: a fresh counter;
 *  B. the final-try guard decides from that fresh counter, not from the one
 *     read when the card arrived: tries spent elsewhere leave one, and no
 *     PIN is sent (unless JPKI_PKCS11_ALLOW_FINAL_TRY=1);
 *  C. a held auth PIN is not re-sent when the counter is not full (the PIN
 *     was changed and mistyped elsewhere): the login ends, the card is not
 *     locked;
 *  D. a held PIN changed elsewhere with a full counter costs one try, once;
 *  E. token flags catch up with tries spent elsewhere within 5 s, and
 *     polling C_GetTokenInfo costs almost no card round trip.
 * "pin-safety-steps java" (java-sign.sh) checks the Java-style signature:
 * the first sign-key signature of a C_Login(CKU_USER) needs no context
 * login, the next ones do.
 * PINs: the virtual card's defaults, auth 1234 and sign ABC123.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "card-log.h"
#include "sign_grace.h"

static char auth_pem[4096], sign_pem[4096];
static CK_SLOT_ID slot_auth, slot_sign;
static CK_SESSION_HANDLE ha, hs;
static const CK_BYTE msg[] = "no try lost";

/* C_Initialize (again), sessions on both tokens, and their token info
 * read: the module knows the counters from here on. */
static bool start(const char *allow_final_try)
{
    if (allow_final_try != NULL)
        setenv("JPKI_PKCS11_ALLOW_FINAL_TRY", allow_final_try, 1);
    else
        unsetenv("JPKI_PKCS11_ALLOW_FINAL_TRY");
    CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
    if (f == NULL ? !steps_init() : f->C_Initialize(&args) != CKR_OK)
        return ok(0, "C_Initialize");
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;
    CK_TOKEN_INFO ti;
    bool good = f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n == 2;
    slot_auth = slots[0];
    slot_sign = slots[1];
    const CK_FLAGS rw = CKF_SERIAL_SESSION | CKF_RW_SESSION;
    good = good && f->C_OpenSession(slot_auth, rw, NULL, NULL, &ha) == CKR_OK &&
           f->C_OpenSession(slot_sign, rw, NULL, NULL, &hs) == CKR_OK &&
           f->C_GetTokenInfo(slot_auth, &ti) == CKR_OK &&
           f->C_GetTokenInfo(slot_sign, &ti) == CKR_OK;
    return ok(good, "module initialised%s, sessions on both tokens, token info read",
              allow_final_try != NULL ? " with JPKI_PKCS11_ALLOW_FINAL_TRY=1" : "");
}

static bool restart(const char *allow_final_try)
{
    f->C_Finalize(NULL);
    return start(allow_final_try);
}

/* Each part on a card as new (its PINs and counters reset by the script),
 * so that a part that fails on the card does not fail the next ones. */
static bool fresh_card(const char *name)
{
    f->C_Finalize(NULL);
    step(name);
    return start(NULL);
}

static CK_RV set_pin(CK_SESSION_HANDLE h, const char *old_pin, const char *new_pin)
{
    return f->C_SetPIN(h, (CK_UTF8CHAR_PTR)old_pin, (CK_ULONG)strlen(old_pin),
                       (CK_UTF8CHAR_PTR)new_pin, (CK_ULONG)strlen(new_pin));
}

/* A signature with key id (context PIN given for the sign key), which must
 * verify with the key's certificate. */
static void signs(CK_SESSION_HANDLE h, CK_BYTE id, const char *context_pin, const char *what)
{
    const char *pem = id == 1 ? auth_pem : sign_pem;
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    is_ulong(sign_with(h, id, context_pin, msg, sizeof(msg), sig, &sl), CKR_OK, "%s: C_Sign",
             what);
    ok(sl == 256 && signature_of(pem, msg, sizeof(msg), sig, sl), "%s: it verifies with %s",
       what, id == 1 ? "auth-cert.pem" : "sign-cert.pem");
}

/* C_SignInit with a key handle, then C_Sign: the first that fails. */
static CK_RV sign_by_handle(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
    CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    CK_RV rv = f->C_SignInit(h, &mech, key);
    return rv == CKR_OK ? f->C_Sign(h, (CK_BYTE_PTR)msg, sizeof(msg), sig, &sl) : rv;
}

/* A signature the module must refuse as not logged in, sending no PIN.
 * key: the handle the application found while logged in. Once the login
 * is over (ended), that handle may also be refused as invalid. */
static void refuses_to_sign(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, bool ended,
                            const char *what)
{
    long m = log_mark();
    CK_RV rv = sign_by_handle(h, key);
    if (ended && rv == CKR_KEY_HANDLE_INVALID)
        ok(1, "%s: C_SignInit answers CKR_KEY_HANDLE_INVALID (the login is over)", what);
    else
        is_ulong(rv, CKR_USER_NOT_LOGGED_IN, "%s: C_SignInit/C_Sign answer CKR_USER_NOT_LOGGED_IN",
                 what);
    is_ulong((CK_ULONG)pins_sent_since(m), 0, "%s: no PIN sent", what);
}

static void fresh_counter_reads(void)
{
    long m = log_mark();
    is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "A: C_Login (auth)");
    fresh_counters("A: C_Login (auth)", m);
    m = log_mark();
    is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "A: C_Login (sign)");
    /* After the login's grace (sign_grace.c): the read verifies on its own. */
    steps_sleep_ms(2 * JPKI_SIGN_GRACE_MS);
    ok(cert_is(hs, 2, sign_pem), "A: the sign certificate reads back as sign-cert.pem");
    fresh_counters("A: C_Login (sign) and the sign certificate's read", m);
    /* Once the login's grace is over (sign_grace.c), the signature's own
     * transaction verifies the PIN again. */
    steps_sleep_ms(2 * JPKI_SIGN_GRACE_MS);
    m = log_mark();
    signs(hs, 2, "ABC123", "A: sign key after C_Login(CKU_CONTEXT_SPECIFIC)");
    fresh_counters("A: the context login and its signature", m);
    /* The other program selects the AP: the card forgets our verification
     * and the held auth PIN goes to the card again. */
    step("select-ap");
    m = log_mark();
    signs(ha, 1, NULL, "A: auth key after another program's SELECT");
    fresh_counters("A: the held auth PIN's re-VERIFY in C_Sign", m);
    m = log_mark();
    is_ulong(set_pin(ha, "1234", "4321"), CKR_OK, "A: C_SetPIN (auth) 1234 -> 4321");
    is_ulong(set_pin(ha, "4321", "1234"), CKR_OK, "A: C_SetPIN (auth) 4321 -> 1234");
    is_ulong(set_pin(hs, "ABC123", "XYZ789"), CKR_OK, "A: C_SetPIN (sign) ABC123 -> XYZ789");
    is_ulong(set_pin(hs, "XYZ789", "ABC123"), CKR_OK, "A: C_SetPIN (sign) XYZ789 -> ABC123");
    fresh_counters("A: C_SetPIN", m);
    tries_are(3, 5, "A: after all this");
    is_ulong(f->C_Logout(ha), CKR_OK, "A: C_Logout (auth)");
    is_ulong(f->C_Logout(hs), CKR_OK, "A: C_Logout (sign)");
}

/* B for one token: the other program left it one try; the module read
 * the full counter when the card arrived. */
static void final_try_guard(bool auth, const char *wrong, const char *right)
{
    char what[128];
    const char *token = auth ? "auth" : "sign";
    int max = auth ? 3 : 5;
    ok(card_tries(token) == 1, "B (%s): another program left one try (%d)", token,
       card_tries(token));
    long m = log_mark();
    snprintf(what, sizeof(what), "B (%s): a wrong PIN on the last try", token);
    is_ulong(login(auth ? ha : hs, CKU_USER, wrong), CKR_PIN_LOCKED, "%s: CKR_PIN_LOCKED", what);
    is_ulong((CK_ULONG)pins_sent_since(m), 0, "%s: no PIN sent", what);
    m = log_mark();
    snprintf(what, sizeof(what), "B (%s): the right PIN on the last try", token);
    is_ulong(login(auth ? ha : hs, CKU_USER, right), CKR_PIN_LOCKED, "%s: CKR_PIN_LOCKED", what);
    is_ulong((CK_ULONG)pins_sent_since(m), 0, "%s: no PIN sent", what);
    ok(card_tries(token) == 1, "B (%s): the card still has its last try (%d)", token,
       card_tries(token));
    restart("1");
    m = log_mark();
    snprintf(what, sizeof(what), "B (%s): JPKI_PKCS11_ALLOW_FINAL_TRY=1 and the right PIN", token);
    is_ulong(login(auth ? ha : hs, CKU_USER, right), CKR_OK, "%s: C_Login", what);
    fresh_counters(what, m);
    ok(card_tries(token) == max, "%s: the counter is full again (%d)", what, card_tries(token));
}

/* Logged in on the auth token, one signature done: the key handle the
 * application keeps. */
static CK_OBJECT_HANDLE auth_login_and_sign(const char *part)
{
    char what[64];
    is_ulong(login(ha, CKU_USER, "1234"), CKR_OK, "%s: C_Login (auth)", part);
    snprintf(what, sizeof(what), "%s: auth key while logged in", part);
    signs(ha, 1, NULL, what);
    return find_one(ha, CKO_PRIVATE_KEY, 1);
}

/* C: logged in, one signature done; elsewhere the auth PIN is changed and
 * then mistyped twice. */
static void changed_and_mistyped(void)
{
    CK_OBJECT_HANDLE key = auth_login_and_sign("C");
    step("change-auth-pin-and-mistype");
    ok(card_tries("auth") == 1, "C: another program changed the auth PIN and left one try (%d)",
       card_tries("auth"));
    refuses_to_sign(ha, key, false, "C: auth key with the held, old PIN");
    ok(card_tries("auth") == 1, "C: the card is not locked: one try left (%d)",
       card_tries("auth"));
    ok(session_state_is(ha, CKS_RW_PUBLIC_SESSION), "C: the session is public afterwards");
    long ms = token_flag_within(slot_auth, CKF_USER_PIN_FINAL_TRY, 5000);
    ok(ms >= 0, "C: C_GetTokenInfo shows CKF_USER_PIN_FINAL_TRY (after %ld ms)", ms);
}

/* D: logged in; elsewhere the auth PIN is changed (counter still full;
 * the other program's SELECT cleared our verification). */
static void changed_counter_full(void)
{
    CK_OBJECT_HANDLE key = auth_login_and_sign("D");
    step("change-auth-pin");
    ok(card_tries("auth") == 3, "D: another program changed the auth PIN (counter %d)",
       card_tries("auth"));
    long m = log_mark();
    is_ulong(sign_by_handle(ha, key), CKR_USER_NOT_LOGGED_IN,
             "D: auth key with the held, old PIN: CKR_USER_NOT_LOGGED_IN");
    is_ulong((CK_ULONG)pins_sent_since(m), 1, "D: the held PIN was sent once");
    fresh_counters("D: that VERIFY", m);
    ok(card_tries("auth") == 2, "D: it cost one try (%d)", card_tries("auth"));
    refuses_to_sign(ha, key, true, "D: auth key again");
    ok(card_tries("auth") == 2, "D: no other try spent (%d)", card_tries("auth"));
}

/* E: flags follow the sign counter as another program spends it; polling
 * costs no card round trip per call. Last: it locks the sign PIN of this
 * rig's throwaway card. */
static void flags_catch_up(void)
{
    long m = log_mark();
    double t0 = now_s();
    CK_TOKEN_INFO ti;
    bool all = true;
    for (int i = 0; i < 200; i++)
        all = f->C_GetTokenInfo(i % 2 ? slot_sign : slot_auth, &ti) == CKR_OK && all;
    double elapsed = now_s() - t0;
    int verifies = 0;
    (void)pin_verifies_since(m, &verifies, NULL);
    int limit = 2 * (int)((elapsed + 1.999) / 2) + 2;
    ok(all, "E: 200 C_GetTokenInfo calls answer CKR_OK");
    ok(verifies <= limit, "E: 200 C_GetTokenInfo calls in %.1f s: %d VERIFYs (at most %d)",
       elapsed, verifies, limit);
    tries_are(3, 5, "E: polling spent no try");
    static const struct {
        const char *step;
        int tries;
        CK_FLAGS flag;
        const char *name;
    } spend[] = {
        { "spend-1-sign-try", 4, CKF_USER_PIN_COUNT_LOW, "CKF_USER_PIN_COUNT_LOW" },
        { "spend-3-sign-tries", 1, CKF_USER_PIN_FINAL_TRY, "CKF_USER_PIN_FINAL_TRY" },
        { "spend-last-sign-try", 0, CKF_USER_PIN_LOCKED, "CKF_USER_PIN_LOCKED" },
    };
    for (size_t i = 0; i < sizeof(spend) / sizeof(spend[0]); i++) {
        step(spend[i].step);
        long ms = token_flag_within(slot_sign, spend[i].flag, 5000);
        ok(ms >= 0, "E: sign counter %d: C_GetTokenInfo shows %s within 5 s (%ld ms)",
           spend[i].tries, spend[i].name, ms);
        tries_are(3, spend[i].tries, "E: the module spent no try");
    }
}

static int java_style(void)
{
    long m = log_mark();
    is_ulong(login(hs, CKU_USER, "ABC123"), CKR_OK, "C_Login(CKU_USER) on the sign token");
    signs(hs, 2, NULL, "the first sign-key signature of that login, no context login");
    fresh_counters("that login and signature", m);
    refuses_to_sign(hs, find_one(hs, CKO_PRIVATE_KEY, 2), false, "a second sign-key signature without a context login");
    signs(hs, 2, "ABC123", "a sign-key signature with C_Login(CKU_CONTEXT_SPECIFIC)");
    tries_are(3, 5, "no try lost");
    is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
    return done_testing();
}

int main(int argc, char **argv)
{
    card_log_init();
    snprintf(auth_pem, sizeof(auth_pem), "%s/auth-cert.pem", card_dir);
    snprintf(sign_pem, sizeof(sign_pem), "%s/sign-cert.pem", card_dir);
    if (!start(NULL))
        return done_testing();
    if (argc > 1 && strcmp(argv[1], "java") == 0)
        return java_style();
    fresh_counter_reads();
    fresh_card("fresh-card-for-b-auth");
    step("spend-2-auth-tries");
    final_try_guard(true, "9999", "1234");
    fresh_card("fresh-card-for-b-sign");
    step("spend-4-sign-tries");
    final_try_guard(false, "WRONG9", "ABC123");
    fresh_card("fresh-card-for-c");
    changed_and_mistyped();
    fresh_card("fresh-card-for-d");
    changed_counter_full();
    fresh_card("fresh-card-for-e");
    flags_catch_up();
    is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
    return done_testing();
}
