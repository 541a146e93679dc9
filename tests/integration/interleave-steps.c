/*
 * interleave-steps.c: other programs use the card between our calls
 * (interleave.sh runs them when asked, see steps.h): a raw PC/SC client in
 * the text-assistance AP, one that moves the JPKI AP's current EF to the
 * sign key or the sign PIN, one that probes for other applets, OpenSC
 * listing objects, signing with the auth key and reading the sign
 * certificate, and a reset. This process keeps its sessions on both tokens
 * (logged in) throughout; after each step it signs with the auth key,
 * reads every certificate and, where the step says so, logs in on the sign
 * token and signs with the sign key.
 *
 * Asserted each time: signatures verify with the right certificate (never
 * with the other key's), certificates read back byte for byte as the card's
 * PEM files hold them (each one's first read from the card comes right
 * after another program left the card in the text-assistance AP, whose
 * EF 0001/0002 share their IDs with the sign certificate and sign CA), the
 * sessions stay logged in, no PIN try is lost, and the VERIFYs we send are
 * exactly those of token_state.h's rules: one per sign-token login, one
 * more for the sign certificate's first read (with the PIN held since that
 * login), two per context login and signature (sign_token says why); the
 * held auth PIN once in a signature when the card
 * lost its verified state since our previous auth signature (a reset,
 * power or a successful SELECT of an application by anyone, per the card's
 * APDU log), and never otherwise.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "card-log.h"

enum { AUTH_CERT, AUTH_CA, SIGN_CA, SIGN_CERT };
static const char *const pem_names[] = { "auth-cert", "auth-ca", "sign-ca", "sign-cert" };
static char pem[4][4096];
static CK_SESSION_HANDLE ha, hs;
static bool sign_logged_in;
static long mark;   /* APDU log size after our last auth signature */
static int kept, lost;
static const CK_BYTE msg[] = "interleaved";

/* VERIFYs with a PIN of len bytes in the card's log (any P2 form). */
static int verifies(int len)
{
    FILE *fp = fopen(apdu_log, "r");
    char line[512], lc[16];
    int n = 0;
    snprintf(lc, sizeof(lc), " Lc=%d ", len);
    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, " INS=20 ") != NULL && strstr(line, lc) != NULL)
            n++;
    if (fp != NULL)
        fclose(fp);
    return n;
}

/* Whether the card forgot its verified state since the log offset from:
 * power, reset, reconnection, or a SELECT of an application (by DF name)
 * that succeeded; the virtual card clears its PIN state on each. */
static bool state_lost_since(long from)
{
    FILE *fp = fopen(apdu_log, "r");
    char line[512];
    bool gone = false;
    if (fp == NULL || fseek(fp, from, SEEK_SET) != 0)
        gone = true;
    while (!gone && fgets(line, sizeof(line), fp) != NULL)
        gone = strstr(line, " POWER_") != NULL || strstr(line, " RESET") != NULL ||
               strstr(line, " CONNECTED") != NULL ||
               (strstr(line, " INS=A4 P1P2=04") != NULL && strstr(line, "SW=9000") != NULL);
    if (fp != NULL)
        fclose(fp);
    return gone;
}

static void sessions_and_tries(const char *step_name)
{
    CK_SESSION_INFO si;
    ok(f->C_GetSessionInfo(ha, &si) == CKR_OK && si.state == CKS_RO_USER_FUNCTIONS,
       "%s: the auth session is still logged in", step_name);
    if (sign_logged_in)
        ok(f->C_GetSessionInfo(hs, &si) == CKR_OK && si.state == CKS_RO_USER_FUNCTIONS,
           "%s: the sign session is still logged in", step_name);
    ok(card_tries("auth") == 3 && card_tries("sign") == 5, "%s: no PIN try lost (%d/%d)",
       step_name, card_tries("auth"), card_tries("sign"));
}

/* A signature with the auth key: the held PIN goes to the card exactly
 * when the card lost its state since our last auth signature. */
static void auth_signs(const char *step_name)
{
    bool gone = state_lost_since(mark);
    int a0 = verifies(4), s0 = verifies(6);
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    is_ulong(sign_with(ha, 1, NULL, msg, sizeof(msg), sig, &sl), CKR_OK, "%s: auth signature",
             step_name);
    ok(sl == 256 && signature_of(pem[AUTH_CERT], msg, sizeof(msg), sig, sl),
       "%s: it verifies with auth-cert.pem", step_name);
    ok(!signature_of(pem[SIGN_CERT], msg, sizeof(msg), sig, sl), "%s: not a sign-key signature",
       step_name);
    is_ulong((CK_ULONG)(verifies(4) - a0), gone ? 1 : 0,
             "%s: %s auth PIN VERIFY (the card %s its state)", step_name, gone ? "one" : "no",
             gone ? "lost" : "kept");
    is_ulong((CK_ULONG)(verifies(6) - s0), 0, "%s: no sign PIN sent", step_name);
    if (gone)
        lost++;
    else
        kept++;
    mark = log_mark();
}

static void certs_read(const char *step_name)
{
    ok(cert_is(hs, 4, pem[SIGN_CA]), "%s: the sign CA certificate (sign token, ID 04)", step_name);
    ok(cert_is(ha, 1, pem[AUTH_CERT]), "%s: the auth certificate (ID 01)", step_name);
    ok(cert_is(ha, 3, pem[AUTH_CA]), "%s: the auth CA certificate (ID 03)", step_name);
    if (sign_logged_in)
        ok(cert_is(hs, 2, pem[SIGN_CERT]), "%s: the sign certificate (ID 02)", step_name);
}

/* The sign token: a login the first time (one VERIFY), a read of the sign
 * certificate, then a signature with its context login. The key is never
 * left verified outside a transaction of ours: a VERIFY that opens it
 * keeps its transaction open for a moment (sign_grace.c), and the read or
 * the signature that follows at once is made in it, with no VERIFY of its
 * own. So: the first time, the login's VERIFY only (the context PIN is the
 * one that just verified at C_Login); later, the context login's. */
static void sign_token(const char *step_name)
{
    int a0 = verifies(4), s0 = verifies(6), want = 1;
    if (!sign_logged_in) {
        sign_logged_in = is_ulong(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6), CKR_OK,
                                  "%s: C_Login on the sign token", step_name);
        ok(cert_is(hs, 2, pem[SIGN_CERT]), "%s: the sign certificate", step_name);
    }
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    is_ulong(sign_with(hs, 2, "ABC123", msg, sizeof(msg), sig, &sl), CKR_OK,
             "%s: sign-key signature", step_name);
    ok(sl == 256 && signature_of(pem[SIGN_CERT], msg, sizeof(msg), sig, sl),
       "%s: it verifies with sign-cert.pem", step_name);
    ok(!signature_of(pem[AUTH_CERT], msg, sizeof(msg), sig, sl), "%s: not an auth-key signature",
       step_name);
    is_ulong((CK_ULONG)(verifies(6) - s0), (CK_ULONG)want, "%s: %d sign PIN VERIFY", step_name,
             want);
    is_ulong((CK_ULONG)(verifies(4) - a0), 0, "%s: no auth PIN sent", step_name);
}

int main(void)
{
    card_log_init();
    for (int i = 0; i < 4; i++)
        snprintf(pem[i], sizeof(pem[i]), "%s/%s.pem", card_dir, pem_names[i]);
    if (!steps_init())
        return done_testing();
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;
    ok(f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n == 2, "one card, two tokens");
    is_ulong(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &ha), CKR_OK,
             "a session on the auth token");
    is_ulong(f->C_OpenSession(slots[1], CKF_SERIAL_SESSION, NULL, NULL, &hs), CKR_OK,
             "a session on the sign token");
    int a0 = verifies(4);
    is_ulong(f->C_Login(ha, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login (auth)");
    is_ulong((CK_ULONG)(verifies(4) - a0), 1, "one VERIFY for the login");
    mark = log_mark();

    /* Certificates first read from the card right after the text AP. */
    step("text-ap");
    certs_read("after the text AP");
    auth_signs("after the text AP");
    sessions_and_tries("after the text AP");

    step("text-ap-again");
    sign_token("after the text AP again");   /* its certificate is read now */
    certs_read("after the text AP again");
    auth_signs("after the text AP again");
    sessions_and_tries("after the text AP again");

    /* The JPKI AP stays selected and verified: nothing to send again. */
    step("select-sign-key-ef");
    auth_signs("with the sign key's EF current");
    certs_read("with the sign key's EF current");
    sessions_and_tries("with the sign key's EF current");

    step("probe-other-aids");
    auth_signs("after SELECTs of other applets");
    certs_read("after SELECTs of other applets");
    sessions_and_tries("after SELECTs of other applets");

    /* AP selected again (state gone) and the sign PIN's EF current: the
     * held auth PIN must reach the auth PIN, not the current EF. */
    step("select-sign-pin-ef");
    auth_signs("with the sign PIN's EF current");
    sign_token("with the sign PIN's EF current");
    sessions_and_tries("with the sign PIN's EF current");

    static const char *const others[] = { "opensc-objects", "opensc-auth-sign",
                                          "opensc-sign-cert", "reset" };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "after %s", others[i]);
        step(others[i]);
        auth_signs(name);
        certs_read(name);
        sign_token(name);
        sessions_and_tries(name);
    }
    ok(kept >= 2 && lost >= 5, "both cases happened (card state kept %d times, lost %d times)",
       kept, lost);

    /* Last: another program spends the auth PIN's three tries. Our next
     * signature finds the card unverified, reads the counter before
     * sending the held PIN, sees it blocked and sends nothing; C_Sign,
     * which has no PIN codes, says the login is gone. */
    step("lock-auth-pin");
    a0 = verifies(4);
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    is_ulong(sign_with(ha, 1, NULL, msg, sizeof(msg), sig, &sl), CKR_USER_NOT_LOGGED_IN,
             "auth PIN blocked by another program: C_Sign gives CKR_USER_NOT_LOGGED_IN");
    is_ulong((CK_ULONG)(verifies(4) - a0), 0, "the held PIN is not sent to a blocked counter");
    CK_SESSION_INFO si;
    ok(f->C_GetSessionInfo(ha, &si) == CKR_OK && si.state == CKS_RO_PUBLIC_SESSION,
       "the auth session is logged out");
    CK_TOKEN_INFO ti;
    CK_SLOT_ID sl_auth = si.slotID;
    ok(f->C_GetTokenInfo(sl_auth, &ti) == CKR_OK && (ti.flags & CKF_USER_PIN_LOCKED) != 0,
       "the token shows CKF_USER_PIN_LOCKED");
    a0 = verifies(4);
    is_ulong(f->C_Login(ha, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_PIN_LOCKED,
             "C_Login: CKR_PIN_LOCKED");
    is_ulong((CK_ULONG)(verifies(4) - a0), 0, "and no PIN sent");
    ok(card_tries("auth") == 0 && card_tries("sign") == 5,
       "the card: auth blocked by the other program only, sign untouched (%d/%d)",
       card_tries("auth"), card_tries("sign"));
    is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
    return done_testing();
}
