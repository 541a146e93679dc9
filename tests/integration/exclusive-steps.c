/*
 * exclusive-steps.c: another program holds the card exclusively (as
 * GnuPG's scdaemon does by default) when this process starts, then lets it
 * go (exclusive.sh does both when asked, see steps.h). Asserted: while the
 * card is held, the module shows no token, sends nothing and spends no
 * try; once it is free, C_WaitForSlotEvent reports the reader's two slots
 * and the same process finds both tokens (no restart, no reinsertion), reads the card's own certificate and signs with the auth
 * key (checked with OpenSSL). And while we are connected, nobody can lock
 * us out: another program's exclusive connection is refused.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "steps.h"

static const char *apdu_log;

/* Our APDUs in the card's log (the holder's come before we start). */
static int apdus(void)
{
    FILE *fp = fopen(apdu_log, "r");
    char line[512];
    int n = 0;
    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, " INS=") != NULL)
            n++;
    if (fp != NULL)
        fclose(fp);
    return n;
}

static int tokens(void)
{
    CK_ULONG n = 0;
    return f->C_GetSlotList(CK_TRUE, NULL, &n) == CKR_OK ? (int)n : -1;
}

int main(void)
{
    const char *card_dir = getenv("RIG_CARD_DIR");
    apdu_log = getenv("RIG_APDU_LOG");
    if (card_dir == NULL || apdu_log == NULL)
        skip_all("RIG_CARD_DIR and RIG_APDU_LOG are not set");
    char auth_pem[4096];
    snprintf(auth_pem, sizeof(auth_pem), "%s/auth-cert.pem", card_dir);
    int held_apdus = apdus();
    if (!steps_init())
        return done_testing();

    /* The card is in the reader, but another program holds it. */
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    ok(f->C_GetSlotList(CK_FALSE, slots, &n) == CKR_OK && n >= 2, "the reader's slots are listed");
    is_ulong((CK_ULONG)tokens(), 0, "held exclusively by another program: no token");
    CK_TOKEN_INFO ti;
    is_ulong(f->C_GetTokenInfo(slots[0], &ti), CKR_TOKEN_NOT_PRESENT,
             "C_GetTokenInfo: CKR_TOKEN_NOT_PRESENT");
    CK_SESSION_HANDLE h;
    is_ulong(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_TOKEN_NOT_PRESENT,
             "C_OpenSession: CKR_TOKEN_NOT_PRESENT");
    is_ulong((CK_ULONG)(apdus() - held_apdus), 0, "no APDU of ours reached the card");
    CK_SLOT_ID ev = 99, ev2 = 99;
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_NO_EVENT,
             "held: no slot event yet");

    step("release");
    /* The card did not move, but for the application a token arrived. */
    is_ulong(f->C_WaitForSlotEvent(0, &ev, NULL), CKR_OK, "released: a slot event (blocking wait)");
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev2, NULL), CKR_OK, "and another one");
    ok((ev == slots[0] && ev2 == slots[1]) || (ev == slots[1] && ev2 == slots[0]),
       "for the reader's two slots (%lu, %lu)", (unsigned long)ev, (unsigned long)ev2);
    is_ulong(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, NULL), CKR_NO_EVENT, "and no more");
    /* No restart, no reinsertion: the next look finds the card. */
    is_ulong((CK_ULONG)tokens(), 2, "released: both tokens appear in the same process");
    is_ulong(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK,
             "a session on the auth token");
    ok(cert_is(h, 1, auth_pem), "the auth certificate is the card's");
    is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "C_Login");
    static const CK_BYTE msg[] = "after an exclusive hold";
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    is_ulong(sign_with(h, 1, NULL, msg, sizeof(msg), sig, &sl), CKR_OK, "auth signature");
    ok(sl == 256 && signature_of(auth_pem, msg, sizeof(msg), sig, sl),
       "it verifies with auth-cert.pem");

    /* We are connected now: an exclusive connection is refused (the
     * script checks pcsc-apdu's exit status) and we go on working. */
    step("try-exclusive");
    sl = sizeof(sig);
    is_ulong(sign_with(h, 1, NULL, msg, sizeof(msg), sig, &sl), CKR_OK,
             "we still sign after another program tried to take the card");
    ok(sl == 256 && signature_of(auth_pem, msg, sizeof(msg), sig, sl), "and it verifies");
    is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
    return done_testing();
}
