/*
 * hotplug-steps.c: readers and cards coming and going under one
 * C_Initialize (hotplug.sh moves them on cue, see steps.h). The rig's card
 * ("card 1", RIG_CARD_DIR) sits in "Virtual PCD 00 00"; vpcd also gives an
 * empty "Virtual PCD 00 01". Card 2 (CARD2_DIR, its own PKI) goes first
 * into that second reader, then into a reader "Second PCD" that is plugged
 * in, pulled out and plugged in again.
 *
 * What the module promises (slot.h, slot_event.c): slot ID = 2 * reader
 * index + role, a reader index is given once per reader name and kept until
 * C_Finalize, so slot IDs never move and a reader that comes back gets its
 * old IDs; a removed reader's slots stay listed without a token; every
 * change of a reader (listed or not, card in or out) is a slot event for
 * both its slots, a new reader included. Sessions of a card that went away
 * answer CKR_DEVICE_REMOVED once, then CKR_SESSION_HANDLE_INVALID. The rig
 * changes the reader list by restarting pcscd (rig.sh rig_reader_add says
 * why), which also ends every card connection: sessions on card 1 go the
 * same way then, and new ones work.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdatomic.h>
#include "steps.h"

#define MAX_SLOTS 16

static char card1_cert[4096], card2_cert[4096];
static const CK_BYTE msg[] = "hot-plug";

enum { AUTH = 0, SIGN = 1 };

/* The slot of a reader (name as pcscd gives it) and role; BAD_SLOT if none. */
static CK_SLOT_ID slot_of(const char *reader, int role)
{
    CK_SLOT_ID ids[MAX_SLOTS];
    CK_ULONG n = MAX_SLOTS;
    char want[80];
    /* With a token in the reader the description goes on with what it is:
     * " (User Authentication, My Number Card)". */
    snprintf(want, sizeof(want), "%s%s", reader,
             role == AUTH ? " (User Authentication" : " (Digital Signature");
    if (f->C_GetSlotList(CK_FALSE, ids, &n) != CKR_OK)
        return BAD_SLOT;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_SLOT_INFO si;
        if (f->C_GetSlotInfo(ids[i], &si) == CKR_OK &&
            memcmp(si.slotDescription, want, strlen(want)) == 0 &&
            (si.slotDescription[strlen(want)] == ')' || si.slotDescription[strlen(want)] == ','))
            return ids[i];
    }
    return BAD_SLOT;
}

/* The slot list as a string ("0 1 2 3"), for comparisons and diagnostics. */
static const char *slot_list(CK_BBOOL present, char *buf, size_t cap)
{
    CK_SLOT_ID ids[MAX_SLOTS];
    CK_ULONG n = MAX_SLOTS;
    size_t used = 0;
    buf[0] = '\0';
    if (f->C_GetSlotList(present, ids, &n) != CKR_OK)
        return "error";
    for (CK_ULONG i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%lu", i ? " " : "", ids[i]);
    return buf;
}

/* All pending slot events (C_WaitForSlotEvent(CKF_DONT_BLOCK) until
 * CKR_NO_EVENT), as a bit set of slot IDs; false if it never said
 * CKR_NO_EVENT or gave an ID that is not a slot. */
static bool drain_events(unsigned *set)
{
    CK_SLOT_ID slot;
    CK_RV rv = CKR_OK;
    *set = 0;
    for (int i = 0; i < 64 && rv == CKR_OK; i++) {
        rv = f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
        CK_SLOT_INFO si;
        if (rv == CKR_OK && (slot >= MAX_SLOTS || f->C_GetSlotInfo(slot, &si) != CKR_OK))
            return false;
        if (rv == CKR_OK)
            *set |= 1u << slot;
    }
    return rv == CKR_NO_EVENT;
}

static unsigned bit(CK_SLOT_ID id)
{
    return id < MAX_SLOTS ? 1u << id : 0;
}

static CK_SESSION_HANDLE open_session(CK_SLOT_ID slot)
{
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &h) != CKR_OK)
        return CK_INVALID_HANDLE;
    return h;
}

/* Logs in on the auth token if not yet, signs, and checks the signature
 * against want_pem (and that it is not one of other_pem's key). */
static void auth_signs(CK_SESSION_HANDLE h, const char *who, const char *want_pem,
                       const char *other_pem)
{
    CK_SESSION_INFO si;
    CK_BYTE sig[256];
    CK_ULONG sl = sizeof(sig);
    if (f->C_GetSessionInfo(h, &si) == CKR_OK && si.state == CKS_RO_PUBLIC_SESSION)
        is_ulong(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_OK, "%s: C_Login", who);
    is_ulong(sign_with(h, 1, NULL, msg, sizeof(msg), sig, &sl), CKR_OK, "%s: C_Sign", who);
    ok(sl == 256 && signature_of(want_pem, msg, sizeof(msg), sig, sl),
       "%s: the signature verifies with this card's certificate", who);
    ok(!signature_of(other_pem, msg, sizeof(msg), sig, sl), "%s: and not with the other card's",
       who);
}

/* A C_WaitForSlotEvent that blocks: it must come back when a reader is
 * plugged in. */
static CK_RV waiter_rv = (CK_RV)-1;
static CK_SLOT_ID waiter_slot = BAD_SLOT;
static atomic_int waiter_done;

static void *waiter(void *arg)
{
    (void)arg;
    waiter_rv = f->C_WaitForSlotEvent(0, &waiter_slot, NULL);
    atomic_store(&waiter_done, 1);
    return NULL;
}

static void serial_of(CK_SLOT_ID slot, char out[17])
{
    CK_TOKEN_INFO ti;
    memset(out, 0, 17);
    if (f->C_GetTokenInfo(slot, &ti) == CKR_OK)
        memcpy(out, ti.serialNumber, 16);
}

int main(void)
{
    const char *d1 = getenv("RIG_CARD_DIR"), *d2 = getenv("CARD2_DIR");
    if (d1 == NULL || d2 == NULL)
        skip_all("RIG_CARD_DIR and CARD2_DIR are not set");
    snprintf(card1_cert, sizeof(card1_cert), "%s/auth-cert.pem", d1);
    snprintf(card2_cert, sizeof(card2_cert), "%s/auth-cert.pem", d2);
    if (!steps_init())
        return done_testing();

    char all0[128], all1[128], buf[128], got[128], serial1[17], serial2[17], s[17];
    unsigned ev = 0;
    CK_SESSION_INFO si;
    CK_SLOT_INFO sli;
    CK_TOKEN_INFO ti;

    /* ---- card 1 in "Virtual PCD 00 00", "Virtual PCD 00 01" empty ---- */
    slot_list(CK_FALSE, all0, sizeof(all0));
    CK_SLOT_ID a_auth = slot_of("Virtual PCD 00 00", AUTH);
    CK_SLOT_ID a_sign = slot_of("Virtual PCD 00 00", SIGN);
    CK_SLOT_ID b_auth = slot_of("Virtual PCD 00 01", AUTH);
    CK_SLOT_ID b_sign = slot_of("Virtual PCD 00 01", SIGN);
    ok(a_auth != BAD_SLOT && a_sign != BAD_SLOT && b_auth != BAD_SLOT && b_sign != BAD_SLOT,
       "two readers, two slots each (%s)", all0);
    snprintf(buf, sizeof(buf), "%lu %lu", a_auth, a_sign);
    is_ulong(strcmp(slot_list(CK_TRUE, got, sizeof(got)), buf), 0,
             "a token in card 1's reader only (%s)", got);
    CK_SESSION_HANDLE h1 = open_session(a_auth);
    ok(cert_is(h1, 1, card1_cert), "card 1's auth certificate");
    auth_signs(h1, "card 1", card1_cert, card2_cert);
    serial_of(a_auth, serial1);
    bool drained = drain_events(&ev);
    ok(drained && ev == 0, "no slot event yet (0x%x)", ev);

    /* ---- card 2 into the second reader (pcscd keeps running) ---- */
    step("card2-in-reader-b");
    is_ulong(strcmp(slot_list(CK_FALSE, buf, sizeof(buf)), all0), 0, "the same slots (%s)", buf);
    drained = drain_events(&ev);
    ok(drained && ev == (bit(b_auth) | bit(b_sign)),
       "slot events: the second reader's two slots, nothing else (0x%x)", ev);
    CK_SESSION_HANDLE h2 = open_session(b_auth);
    ok(h2 != CK_INVALID_HANDLE, "a session on card 2");
    ok(cert_is(h2, 1, card2_cert), "the second reader shows card 2's auth certificate");
    ok(!cert_is(h2, 1, card1_cert), "not card 1's");
    serial_of(b_auth, serial2);
    ok(serial2[0] != '\0' && strcmp(serial1, serial2) != 0, "another serial (%s, %s)", serial1,
       serial2);
    auth_signs(h2, "card 2", card2_cert, card1_cert);
    is_ulong(f->C_GetSessionInfo(h1, &si), CKR_OK, "card 1's session lives on");
    is_ulong(si.state, CKS_RO_USER_FUNCTIONS, "still logged in");
    ok(cert_is(h1, 1, card1_cert), "card 1's slot still shows card 1's certificate");
    auth_signs(h1, "card 1 again", card1_cert, card2_cert);
    step("card2-out-of-reader-b");
    is_ulong(f->C_GetSessionInfo(h2, &si), CKR_DEVICE_REMOVED, "card 2's session: device removed");
    drained = drain_events(&ev);
    ok(drained && ev == (bit(b_auth) | bit(b_sign)), "events for its slots (0x%x)", ev);

    /* ---- a reader plugged in, with card 2 ---- */
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    step("add-reader");
    for (int i = 0; i < 200 && !atomic_load(&waiter_done); i++)
        steps_sleep_ms(100);
    bool came_back = ok(atomic_load(&waiter_done), "a blocking C_WaitForSlotEvent came back");
    if (came_back) {
        pthread_join(t, NULL);
        is_ulong(waiter_rv, CKR_OK, "with an event");
    }
    CK_SLOT_ID c_auth = slot_of("Second PCD 00 00", AUTH);
    CK_SLOT_ID c_sign = slot_of("Second PCD 00 00", SIGN);
    CK_SLOT_ID d_auth = slot_of("Second PCD 00 01", AUTH);
    slot_list(CK_FALSE, all1, sizeof(all1));
    ok(c_auth != BAD_SLOT && c_sign != BAD_SLOT && d_auth != BAD_SLOT,
       "C_GetSlotList lists the new reader's slots (%s)", all1);
    ok(strncmp(all1, all0, strlen(all0)) == 0 && all1[strlen(all0)] == ' ',
       "the old slot IDs come first, unchanged (%s, was %s)", all1, all0);
    ok(slot_of("Virtual PCD 00 00", AUTH) == a_auth && slot_of("Virtual PCD 00 01", AUTH) == b_auth,
       "each old reader keeps its slot IDs");
    ok(c_auth > b_sign && c_sign > b_sign, "the new slots have new IDs (%lu, %lu)", c_auth, c_sign);
    snprintf(buf, sizeof(buf), "%lu %lu %lu %lu", a_auth, a_sign, c_auth, c_sign);
    is_ulong(strcmp(slot_list(CK_TRUE, got, sizeof(got)), buf), 0,
             "tokens: card 1's reader and the new one (%s)", got);
    CK_SESSION_HANDLE h3 = open_session(c_auth);
    ok(cert_is(h3, 1, card2_cert), "the new reader shows card 2's auth certificate");
    ok(!cert_is(h3, 1, card1_cert), "never card 1's");
    serial_of(c_auth, s);
    is_ulong(strcmp(s, serial2), 0, "card 2's serial (%s)", s);
    auth_signs(h3, "card 2 in the new reader", card2_cert, card1_cert);
    /* The restart that brought the reader ended card 1's connection. */
    is_ulong(f->C_GetSessionInfo(h1, &si), CKR_DEVICE_REMOVED,
             "card 1's old session: device removed");
    is_ulong(f->C_GetSessionInfo(h1, &si), CKR_SESSION_HANDLE_INVALID, "then invalid");
    h1 = open_session(a_auth);
    ok(cert_is(h1, 1, card1_cert), "card 1's slot, same ID, still card 1's certificate");
    auth_signs(h1, "card 1 after the new reader", card1_cert, card2_cert);
    unsigned want = bit(a_auth) | bit(a_sign) | bit(c_auth) | bit(c_sign);
    drained = drain_events(&ev);
    ok(drained && ((ev | bit(waiter_slot)) & want) == want,
       "slot events (with the blocking wait's, %lu) include the new reader's slots and, as "
       "pcscd restarted, card 1's (0x%x)", waiter_slot, ev);

    /* ---- that reader pulled out (card 2 still in it) ---- */
    step("remove-reader");
    is_ulong(strcmp(slot_list(CK_FALSE, got, sizeof(got)), all1), 0,
             "all slots stay listed (%s)", got);
    snprintf(buf, sizeof(buf), "%lu %lu", a_auth, a_sign);
    is_ulong(strcmp(slot_list(CK_TRUE, got, sizeof(got)), buf), 0,
             "a token in card 1's reader only (%s)", got);
    is_ulong(f->C_GetSlotInfo(c_auth, &sli), CKR_OK, "C_GetSlotInfo of a removed reader's slot");
    is_ulong(sli.flags & CKF_TOKEN_PRESENT, 0, "no token present");
    ok(blank_padded(sli.slotDescription, 64, "Second PCD 00 00 (User Authentication)"),
       "the slot keeps its description");
    is_ulong(f->C_GetTokenInfo(c_auth, &ti), CKR_TOKEN_NOT_PRESENT,
             "C_GetTokenInfo: token not present");
    is_ulong(f->C_GetSessionInfo(h3, &si), CKR_DEVICE_REMOVED, "its session: device removed");
    is_ulong(f->C_GetSessionInfo(h3, &si), CKR_SESSION_HANDLE_INVALID, "then invalid");
    CK_SESSION_HANDLE h4 = CK_INVALID_HANDLE;
    is_ulong(f->C_OpenSession(c_sign, CKF_SERIAL_SESSION, NULL, NULL, &h4), CKR_TOKEN_NOT_PRESENT,
             "C_OpenSession: token not present");
    /* Both readers of the entry went; card 1's connection ended; the empty
     * "Virtual PCD 00 01" saw nothing. */
    want = bit(a_auth) | bit(a_sign) | bit(c_auth) | bit(c_sign) | bit(d_auth) |
           bit(slot_of("Second PCD 00 01", SIGN));
    drained = drain_events(&ev);
    ok(drained && ev == want,
       "slot events: the removed reader's and card 1's slots (0x%x, want 0x%x)", ev, want);
    h1 = open_session(a_auth);
    auth_signs(h1, "card 1 after the removal", card1_cert, card2_cert);

    /* ---- the same reader plugged in again ---- */
    step("add-reader-again");
    snprintf(buf, sizeof(buf), "%lu %lu %lu %lu", a_auth, a_sign, c_auth, c_sign);
    is_ulong(strcmp(slot_list(CK_TRUE, got, sizeof(got)), buf), 0,
             "it gets its old slot IDs back (%s)", got);
    is_ulong(strcmp(slot_list(CK_FALSE, got, sizeof(got)), all1), 0, "and no new slots (%s)", got);
    is_ulong(slot_of("Second PCD 00 00", AUTH), c_auth, "found by name under the same ID");
    h3 = open_session(c_auth);
    ok(cert_is(h3, 1, card2_cert), "card 2's certificate again");
    auth_signs(h3, "card 2 back", card2_cert, card1_cert);
    drained = drain_events(&ev);
    ok(drained && ev == want, "slot events: its slots and card 1's again (0x%x)", ev);
    is_ulong(f->C_Finalize(NULL), CKR_OK, "C_Finalize");
    if (!came_back)
        pthread_join(t, NULL);   /* C_Finalize cancelled it */
    return done_testing();
}
