/*
 * slot.c: readers, slots and the card in each reader (see slot.h).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "cert_cache.h"
#include "log.h"
#include "session.h"
#include "sign_grace.h"
#include "slot.h"
#include "slot_internal.h"
#include "token_view.h"

jpki_slot_module jpki_mod;

void jpki_global_lock(void)
{
    jpki_lock_acquire(jpki_mod.lock);
}

void jpki_global_unlock(void)
{
    jpki_lock_release(jpki_mod.lock);
}

/* Global lock held. Reopens the context when pcscd went away; a missing
 * pcscd is not an error (no readers). */
jpki_pcsc *jpki_slots_context(unsigned *epoch)
{
    if (jpki_mod.pcsc != NULL && jpki_pcsc_is_stale(jpki_mod.pcsc)) {
        /* Transports made from it may still exist: close it at C_Finalize. */
        jpki_pcsc **grown = realloc(jpki_mod.retired,
                                    (jpki_mod.n_retired + 1) * sizeof(*grown));
        if (grown != NULL) {
            jpki_mod.retired = grown;
            jpki_mod.retired[jpki_mod.n_retired++] = jpki_mod.pcsc;
        }
        jpki_mod.pcsc = NULL;
        jpki_mod.epoch++;
    }
    if (jpki_mod.pcsc == NULL) {
        jpki_status st = jpki_pcsc_open(&jpki_mod.pcsc);
        if (st != JPKI_OK) {
            jpki_mod.pcsc = NULL;
            jpki_log(JPKI_LOG_CALL, "PC/SC not available: %s", jpki_status_name(st));
        }
    }
    if (epoch != NULL)
        *epoch = jpki_mod.epoch;
    return jpki_mod.pcsc;
}

static jpki_reader *reader_new(const char *name)
{
    jpki_reader *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->io = jpki_lock_new();
    if (r->io == NULL) {
        free(r);
        return NULL;
    }
    size_t n = strlen(name);
    if (n >= sizeof(r->name))
        n = sizeof(r->name) - 1;
    memcpy(r->name, name, n);
    r->index = jpki_mod.n_readers;
    return r;
}

static jpki_reader *reader_find_or_add(const char *name)
{
    for (size_t i = 0; i < jpki_mod.n_readers; i++)
        if (strncmp(jpki_mod.readers[i]->name, name, sizeof(jpki_mod.readers[i]->name) - 1) == 0)
            return jpki_mod.readers[i];
    jpki_reader **grown = realloc(jpki_mod.readers, (jpki_mod.n_readers + 1) * sizeof(*grown));
    if (grown == NULL)
        return NULL;
    jpki_mod.readers = grown;
    jpki_reader *r = reader_new(name);
    if (r == NULL)
        return NULL;
    jpki_mod.readers[jpki_mod.n_readers++] = r;
    jpki_log(JPKI_LOG_CALL, "reader %zu: %s", r->index, r->name);
    return r;
}

/* Global lock held. Brings the reader list up to date (PC/SC IPC, no APDU). */
void jpki_slots_rescan(void)
{
    jpki_pcsc *ctx = jpki_slots_context(NULL);
    char **names = NULL;
    size_t count = 0;
    jpki_status st = JPKI_E_NO_SERVICE;
    if (ctx != NULL)
        st = jpki_pcsc_list_readers(ctx, &names, &count);
    if (st == JPKI_E_NO_SERVICE && ctx != NULL) {
        /* pcscd restarted since the context was made: one fresh try. */
        ctx = jpki_slots_context(NULL);
        if (ctx != NULL && jpki_pcsc_is_stale(ctx) == false)
            st = jpki_pcsc_list_readers(ctx, &names, &count);
    }
    if (st != JPKI_OK) {
        names = NULL;
        count = 0;
    }
    for (size_t i = 0; i < jpki_mod.n_readers; i++)
        jpki_mod.readers[i]->listed = false;
    for (size_t i = 0; i < count; i++) {
        jpki_reader *r = reader_find_or_add(names[i]);
        if (r != NULL)
            r->listed = true;
    }
    if (names != NULL)
        jpki_pcsc_free_names(names, count);
}

CK_RV jpki_slots_init(void)
{
    memset(&jpki_mod, 0, sizeof(jpki_mod));
    jpki_view_load();
    jpki_mod.lock = jpki_lock_new();
    if (jpki_mod.lock == NULL)
        return CKR_CANT_LOCK;
    jpki_global_lock();
    jpki_slots_rescan();
    jpki_slots_mark_seen();
    jpki_global_unlock();
    return CKR_OK;
}

static void reader_free(jpki_reader *r)
{
    jpki_lock_acquire(r->io);  /* let a card operation still running finish */
    jpki_reader_release_card(r);
    jpki_lock_release(r->io);
    jpki_lock_free(r->io);
    free(r);
}

void jpki_slots_fini(void)
{
    jpki_grace_stop();   /* before the readers go: then each ends its own grace */
    jpki_slots_cancel_waits();
    for (size_t i = 0; i < jpki_mod.n_readers; i++)
        reader_free(jpki_mod.readers[i]);
    free(jpki_mod.readers);
    for (size_t i = 0; i < jpki_mod.n_retired; i++)
        jpki_pcsc_close(jpki_mod.retired[i]);
    free(jpki_mod.retired);
    jpki_pcsc_close(jpki_mod.pcsc);
    jpki_pcsc_close(jpki_mod.wait_pcsc);
    jpki_lock_free(jpki_mod.lock);
    memset(&jpki_mod, 0, sizeof(jpki_mod));
}

void jpki_slots_unload(void)
{
    jpki_grace_stop();
    jpki_global_lock();
    size_t n = jpki_mod.n_readers;
    jpki_reader **readers = jpki_mod.readers;
    jpki_global_unlock();
    for (size_t i = 0; i < n; i++) {
        jpki_lock_acquire(readers[i]->io);
        if (readers[i]->token_present)
            jpki_ts_release(readers[i]);
        jpki_lock_release(readers[i]->io);
    }
}

void jpki_slots_forget(void)
{
    /* The parent's PC/SC handles and locks are not ours to release: leak
     * them, but wipe the PINs the child's copy of memory holds. */
    for (size_t i = 0; i < jpki_mod.n_readers; i++)
        if (jpki_mod.readers[i] != NULL)
            jpki_ts_clear(&jpki_mod.readers[i]->ts);
    jpki_grace_forget();
    memset(&jpki_mod, 0, sizeof(jpki_mod));
}

static void wipe_card_state(jpki_reader *r)
{
    for (int i = 0; i < JPKI_CERT_SLOTS; i++) {
        free(r->cert[i]);
        r->cert[i] = NULL;
        r->cert_len[i] = 0;
    }
    jpki_ts_clear(&r->ts);
    r->sessions[0] = r->sessions[1] = 0;
    r->rw_sessions[0] = r->rw_sessions[1] = 0;
    r->have_serial = false;
    memset(r->serial, ' ', sizeof(r->serial));
    memset(&r->info, 0, sizeof(r->info));
    memset(&r->cert_list, 0, sizeof(r->cert_list));
    r->sign_absent = false;
    memset(r->key, 0, sizeof(r->key));
    r->key_known[0] = r->key_known[1] = false;
    r->pss = JPKI_PSS_UNKNOWN;
    r->pss_looked_up = false;
}

void jpki_reader_drop_card(jpki_reader *r)
{
    if (r->generation != 0)
        jpki_log(JPKI_LOG_CALL, "reader %zu: card generation %lu ends", r->index,
                 r->generation);
    wipe_card_state(r);
    if (r->transport != NULL)
        r->transport->ops->destroy(r->transport);
    r->transport = NULL;
    memset(&r->card, 0, sizeof(r->card));
    r->generation = 0;
    r->probed = false;
    r->token_present = false;
}

void jpki_reader_release_card(jpki_reader *r)
{
    if (r->token_present)
        jpki_ts_release(r);
    jpki_reader_drop_card(r);
}

static unsigned long new_generation(void)
{
    jpki_global_lock();
    unsigned long g = ++jpki_mod.next_generation;
    jpki_global_unlock();
    return g;
}

/* Transient failures are worth another look on the next call. */
static bool status_transient(jpki_status st)
{
    return st == JPKI_E_COMM || st == JPKI_E_CARD_RESET || st == JPKI_E_NO_SERVICE ||
           st == JPKI_E_NO_MEMORY;
}

static bool status_ends_probe(jpki_status st)
{
    return st == JPKI_E_NO_CARD || st == JPKI_E_NO_READER || status_transient(st);
}

/* Which certificates the token carries (EF 0008), read only when the sign
 * token can be shown to this process: a token without a signature
 * certificate offers no sign token. A token without EF 0008 is asked
 * whether EF 0001 exists (SELECT, no PIN); any other answer changes
 * nothing. */
static jpki_status probe_cert_list(jpki_reader *r)
{
    if (!jpki_view_shows(JPKI_ROLE_SIGN))
        return JPKI_OK;
    jpki_status st = jpki_read_cert_list(&r->card, &r->cert_list);
    if (st == JPKI_E_FILE_NOT_FOUND) {
        st = jpki_select_ef(&r->card, jpki_card_profile_of(&r->card)->role[JPKI_ROLE_SIGN].cert_ef);
        if (st == JPKI_E_FILE_NOT_FOUND)
            r->cert_list.cert[JPKI_ROLE_SIGN] = JPKI_CERT_ABSENT;
    }
    if (status_ends_probe(st))
        return st;
    r->sign_absent = r->cert_list.cert[JPKI_ROLE_SIGN] == JPKI_CERT_ABSENT;
    if (r->sign_absent)
        jpki_log(JPKI_LOG_CALL, "reader %zu: no signature certificate: no sign token", r->index);
    return JPKI_OK;
}

/* The token serial: from the auth certificate's first chunk (kept as the
 * start of that certificate; already read unless the token hid it), or
 * from EF 0006 on a token whose auth certificate needs the PIN (the serial
 * must not change at the login). */
static jpki_status probe_serial(jpki_reader *r)
{
    const jpki_card_profile *p = jpki_card_profile_of(&r->card);
    jpki_status st = JPKI_OK;
    if (p->serial_from_token_info) {
        st = jpki_read_token_serial(&r->card, &r->info);
        if (status_ends_probe(st))
            return st;
        jpki_reader_serial_from_token_info(r, st);
        return JPKI_OK;
    }
    if (r->card.head_fid != p->role[JPKI_ROLE_AUTH].cert_ef)
        st = jpki_read_cert_head(&r->card, p->role[JPKI_ROLE_AUTH].cert_ef, JPKI_CERT_HEAD_LEN);
    if (status_ends_probe(st))
        return st;
    jpki_reader_serial_from_head(r, st);
    return JPKI_OK;
}

/* The token serial the disk cache keeps for a card (lower-case hex). */
static bool serial_from_cache(jpki_reader *r)
{
    char word[sizeof(r->serial) + 1];
    if (!jpki_card_fact_load(r->card.head, r->card.head_len, JPKI_FACT_SERIAL, word, sizeof word) ||
        strlen(word) != sizeof(r->serial))
        return false;
    for (size_t i = 0; i < sizeof(r->serial); i++) {
        if (!isxdigit((unsigned char)word[i]))
            return false;
        r->serial[i] = (char)toupper((unsigned char)word[i]);
    }
    r->have_serial = true;
    return true;
}

static void serial_to_cache(jpki_reader *r)
{
    char word[sizeof(r->serial) + 1];
    if (!r->have_serial || r->card.head_fid != JPKI_EF_AUTH_CERT)
        return;
    for (size_t i = 0; i < sizeof(r->serial); i++) {
        if (!isxdigit((unsigned char)r->serial[i]))
            return;   /* a blank serial is nothing to keep */
        word[i] = (char)tolower((unsigned char)r->serial[i]);
    }
    word[sizeof(r->serial)] = '\0';
    jpki_card_fact_store(r->card.head, r->card.head_len, JPKI_FACT_SERIAL, word);
}

/* The facts of a card the disk cache knows, named by the auth
 * certificate's first JPKI_CARD_ID_LEN bytes: EF 0006's name (which
 * chooses the profile), where the sign token may be shown EF 0008, and the
 * token serial. Identification then reads none of them. */
static bool facts_from_cache(jpki_reader *r)
{
    const uint8_t *head = r->card.head;
    size_t head_len = r->card.head_len;
    uint8_t *raw = NULL;
    size_t len = 0;
    jpki_token_info info;
    jpki_cert_list list;
    memset(&info, 0, sizeof(info));
    memset(&list, 0, sizeof(list));
    if (r->card.head_fid != JPKI_EF_AUTH_CERT ||
        !jpki_cert_cache_load(head, head_len, JPKI_EF_TOKEN_INFO, &raw, &len))
        return false;
    bool good = jpki_parse_token_name(raw, len, &info) == JPKI_OK;
    free(raw);
    raw = NULL;
    if (good && jpki_view_shows(JPKI_ROLE_SIGN))
        good = jpki_cert_cache_load(head, head_len, JPKI_EF_CERT_LIST, &raw, &len) &&
               jpki_parse_cert_list(raw, len, &list) == JPKI_OK;
    free(raw);
    const jpki_card_profile *p = jpki_profile_of_kind(info.kind);
    if (!good || p->serial_from_token_info || !serial_from_cache(r))
        return false;
    r->info = info;
    r->cert_list = list;
    r->sign_absent = list.cert[JPKI_ROLE_SIGN] == JPKI_CERT_ABSENT;
    jpki_card_set_profile(&r->card, p);
    return true;
}

/* Keeps what the card just said for facts_from_cache: the name
 * blank-padded as the card pads it, EF 0008 as read. */
static void facts_to_cache(jpki_reader *r)
{
    uint8_t name[JPKI_TOKEN_NAME_LEN];
    size_t n = strlen(r->info.name);
    if (r->card.head_fid != JPKI_EF_AUTH_CERT || n == 0 || n > sizeof(name))
        return;
    memset(name, ' ', sizeof(name));
    memcpy(name, r->info.name, n);
    jpki_cert_cache_store(r->card.head, r->card.head_len, JPKI_EF_TOKEN_INFO, name,
                          sizeof(name));
    if (r->cert_list.raw_len > 0)
        jpki_cert_cache_store(r->card.head, r->card.head_len, JPKI_EF_CERT_LIST,
                              r->cert_list.raw, r->cert_list.raw_len);
}

/* The token name (which chooses the card profile) and EF 0008, from the
 * card. */
static jpki_status probe_facts(jpki_reader *r)
{
    jpki_status st = jpki_read_token_info(&r->card, &r->info);
    if (status_ends_probe(st))
        return st;
    if (st != JPKI_OK)
        memset(&r->info, 0, sizeof(r->info));   /* unknown kind: the default facts */
    jpki_card_set_profile(&r->card, jpki_profile_of_kind(r->info.kind));
    st = probe_cert_list(r);
    if (st == JPKI_OK)
        facts_to_cache(r);
    return st;
}

/* Identification in one transaction: SELECT AP, the auth certificate's
 * first JPKI_CARD_ID_LEN bytes (which name the card in the disk cache);
 * for a card the cache does not know, the rest of its first chunk (the
 * token serial, and the start of that certificate), the token name (which
 * chooses the card profile) and EF 0008; and the retry counters, all by
 * SFI on a card that takes it: 4 APDUs for a card the cache knows, 7 for
 * another card when the cache knows one, 6 otherwise (the first chunk read
 * whole); one less without EF 0008, which a process that hides the sign
 * token does not read; one more on a token whose auth certificate needs
 * the PIN, which then gives its serial from EF 0006. */
static jpki_status probe_tx(jpki_reader *r)
{
    jpki_status st = jpki_select_ap(&r->card);
    if (st != JPKI_OK)
        return st;
    /* Reading the whole first chunk at once saves an APDU when the cache
     * cannot know the card (off, or empty: a user's very first card). */
    size_t id_len = jpki_cert_cache_knows_a_card() ? JPKI_CARD_ID_LEN : JPKI_CERT_HEAD_LEN;
    st = jpki_read_cert_head(&r->card, JPKI_EF_AUTH_CERT, id_len);
    if (status_ends_probe(st))
        return st;
    bool known = facts_from_cache(r);
    if (!known) {
        if (r->card.head_fid == JPKI_EF_AUTH_CERT) {
            st = jpki_extend_cert_head(&r->card);
            if (status_ends_probe(st))
                return st;
        }
        st = probe_facts(r);
        if (st != JPKI_OK)
            return st;
    }
    int tries[2] = { -1, -1 };
    for (int role = 0; role < 2; role++) {
        /* A sign PIN without a sign token is nobody's business. */
        if (role == JPKI_ROLE_SIGN && r->sign_absent) {
            tries[role] = jpki_pin_max_tries((jpki_role)role);
            continue;
        }
        st = jpki_pin_status(&r->card, (jpki_role)role, &tries[role]);
        if (st == JPKI_E_PIN_LOCKED)
            tries[role] = 0;
        else if (st != JPKI_OK || tries[role] < 0)
            tries[role] = jpki_pin_max_tries((jpki_role)role);
        if (status_ends_probe(st))
            return st;
    }
    jpki_ts_card_arrived(&r->ts, tries[JPKI_ROLE_AUTH], tries[JPKI_ROLE_SIGN]);
    if (known)
        return JPKI_OK;
    st = probe_serial(r);
    if (st == JPKI_OK)
        serial_to_cache(r);
    return st;
}

/* A new card: is it JPKI, what is it called, how many tries are left. */
static void reader_probe(jpki_reader *r, jpki_pcsc *ctx, unsigned epoch)
{
    jpki_transport *t = NULL;
    jpki_status st = jpki_pcsc_connect(ctx, r->name, &t);
    if (st != JPKI_OK) {
        jpki_log(JPKI_LOG_ERROR, "reader %zu: connect: %s", r->index, jpki_status_name(st));
        r->probed = !status_transient(st) && st != JPKI_E_NO_CARD;
        return;
    }
    r->transport = t;
    r->pcsc_epoch = epoch;
    jpki_card_init(&r->card, t);
    r->generation = new_generation();
    r->probed = true;
    st = jpki_reader_begin(r, NULL);
    if (st == JPKI_OK) {
        st = probe_tx(r);
        jpki_reader_end(r);
    }
    r->token_present = st == JPKI_OK;
    jpki_log(JPKI_LOG_CALL, "reader %zu: card generation %lu: %s%s (%s)", r->index,
             r->generation, r->token_present ? "JPKI token " : "no token: ",
             r->token_present ? r->info.name : jpki_status_name(st),
             jpki_card_profile_of(&r->card)->words);
    if (st == JPKI_E_NO_CARD || st == JPKI_E_NO_READER || status_transient(st))
        jpki_reader_drop_card(r);
}

/* Reader lock held. One status call; a new card is probed. */
static void reader_refresh(jpki_reader *r)
{
    unsigned epoch = 0;
    jpki_global_lock();
    jpki_pcsc *ctx = jpki_slots_context(&epoch);
    jpki_global_unlock();
    if (r->transport != NULL && r->pcsc_epoch != epoch)
        jpki_reader_drop_card(r);
    jpki_reader_status rs = { 0 };
    jpki_status st = ctx != NULL ? jpki_pcsc_reader_status(ctx, r->name, &rs) : JPKI_E_NO_SERVICE;
    if (st == JPKI_E_NO_SERVICE && ctx != NULL) {
        /* pcscd restarted: the context is stale now; one try with a new one. */
        jpki_global_lock();
        ctx = jpki_slots_context(&epoch);
        jpki_global_unlock();
        if (ctx != NULL)
            st = jpki_pcsc_reader_status(ctx, r->name, &rs);
    }
    if (r->transport != NULL && r->pcsc_epoch != epoch)
        jpki_reader_drop_card(r);
    if (st != JPKI_OK || !rs.present) {
        jpki_reader_drop_card(r);
        r->have_status = st == JPKI_OK;
        r->event_count = rs.event_count;
        return;
    }
    if (r->have_status && rs.event_count != r->event_count)
        jpki_reader_drop_card(r);
    r->have_status = true;
    r->event_count = rs.event_count;
    if (!r->probed)
        reader_probe(r, ctx, epoch);
}

void jpki_reader_acquire(jpki_reader *r)
{
    jpki_lock_acquire(r->io);
    reader_refresh(r);
}

void jpki_reader_release(jpki_reader *r)
{
    jpki_lock_release(r->io);
}

/* The one place a slot ID is resolved: a slot of a token hidden from this
 * process (token_view.h) does not exist for it. */
static jpki_reader *slot_reader(CK_SLOT_ID id)
{
    if (!jpki_view_shows((jpki_role)(id % 2)))
        return NULL;
    jpki_global_lock();
    jpki_reader *r = id / 2 < jpki_mod.n_readers ? jpki_mod.readers[id / 2] : NULL;
    jpki_global_unlock();
    return r;
}

CK_RV jpki_slot_check_id(CK_SLOT_ID id)
{
    return slot_reader(id) != NULL ? CKR_OK : CKR_SLOT_ID_INVALID;
}

CK_RV jpki_slot_acquire(CK_SLOT_ID id, jpki_slot *slot)
{
    jpki_reader *r = slot_reader(id);
    if (r == NULL)
        return CKR_SLOT_ID_INVALID;
    jpki_reader_acquire(r);
    slot->reader = r;
    slot->role = (jpki_role)(id % 2);
    slot->id = id;
    return CKR_OK;
}

void jpki_slot_release(jpki_slot *slot)
{
    jpki_reader_release(slot->reader);
}

jpki_status jpki_reader_begin(jpki_reader *r, bool *was_reset)
{
    bool reset = false;
    if (r->transport == NULL)
        return JPKI_E_NO_CARD;
    /* A sign login's grace still open is ours: the key un-verified and the
     * transaction ended before another begins. */
    jpki_ts_grace_end(r);
    jpki_status st = jpki_card_begin(&r->card, &reset);
    if (st == JPKI_E_CARD_RESET) {
        /* The transport reconnected and holds the transaction. */
        reset = true;
        st = JPKI_OK;
    }
    if (st == JPKI_OK && reset) {
        jpki_log(JPKI_LOG_CALL, "reader %zu: card was reset by another program", r->index);
        jpki_card_forget_selection(&r->card);
    }
    if (was_reset != NULL)
        *was_reset = reset;
    return st;
}

void jpki_reader_end(jpki_reader *r)
{
    jpki_card_end(&r->card);
}

CK_RV jpki_reader_fail(jpki_reader *r, jpki_status st)
{
    r->last_fail = st;
    if (st == JPKI_E_NO_CARD || st == JPKI_E_NO_READER || st == JPKI_E_NO_SERVICE) {
        jpki_reader_drop_card(r);
        return CKR_DEVICE_REMOVED;
    }
    /* The table's answers for these do not fit a card operation: the
     * application's arguments were fine, nothing was waited for, and a
     * token that no longer takes SELECT of its AP is not "unrecognized"
     * (only C_GetTokenInfo and C_OpenSession may say that). */
    switch (st) {
    case JPKI_E_BAD_ARG:
        return CKR_GENERAL_ERROR;
    case JPKI_E_NOT_JPKI:
    case JPKI_E_TIMEOUT:
    case JPKI_E_CANCELLED:
        return CKR_DEVICE_ERROR;
    default:
        return jpki_status_to_ckr(st);
    }
}

static int cert_index(uint16_t fid)
{
    switch (fid) {
    case JPKI_EF_SIGN_CERT: return 0;
    case JPKI_EF_SIGN_CA: return 1;
    case JPKI_EF_AUTH_CERT: return 2;
    case JPKI_EF_AUTH_CA: return 3;
    default: return -1;
    }
}

const uint8_t *jpki_reader_cached_cert(jpki_reader *r, uint16_t fid, size_t *len)
{
    int i = cert_index(fid);
    if (i < 0 || r->cert[i] == NULL)
        return NULL;
    *len = r->cert_len[i];
    return r->cert[i];
}

bool jpki_reader_cert_came_from_disk(jpki_reader *r, uint16_t fid)
{
    int i = cert_index(fid);
    return i >= 0 && r->cert[i] != NULL && r->cert_from_disk[i];
}

static void forget_disk_cert(jpki_reader *r, uint16_t fid)
{
    int i = cert_index(fid);
    if (i < 0 || r->cert[i] == NULL || !r->cert_from_disk[i])
        return;
    free(r->cert[i]);
    r->cert[i] = NULL;
    r->cert_len[i] = 0;
    r->cert_from_disk[i] = false;
}

void jpki_reader_cert_distrust(jpki_reader *r, uint16_t fid)
{
    if (fid == JPKI_EF_AUTH_CERT || fid == JPKI_EF_AUTH_CA) {
        /* Trusted as a pair (cert_cache.c): distrusted as one. */
        forget_disk_cert(r, JPKI_EF_AUTH_CERT);
        forget_disk_cert(r, JPKI_EF_AUTH_CA);
    } else {
        forget_disk_cert(r, fid);
    }
    jpki_log(JPKI_LOG_ERROR, "reader %zu: the cached EF %04X is wrong: read from the card "
             "from now on", r->index, fid);
    if (r->card.head_fid == JPKI_EF_AUTH_CERT)
        jpki_cert_cache_remove(r->card.head, r->card.head_len, fid);
}

/* The sign CA on disk has nothing to be checked against until the card's
 * sign certificate is in memory: then it must be that certificate's
 * issuer. */
static void check_sign_ca(jpki_reader *r)
{
    size_t cert_len = 0, ca_len = 0;
    const uint8_t *cert = jpki_reader_cached_cert(r, JPKI_EF_SIGN_CERT, &cert_len);
    const uint8_t *ca = jpki_reader_cached_cert(r, JPKI_EF_SIGN_CA, &ca_len);
    if (cert != NULL && ca != NULL && jpki_reader_cert_came_from_disk(r, JPKI_EF_SIGN_CA) &&
        !jpki_cert_issued_by(cert, cert_len, ca, ca_len))
        jpki_reader_cert_distrust(r, JPKI_EF_SIGN_CA);
}

/* A hit fills the per-generation cache without touching the card. */
static bool cert_from_disk(jpki_reader *r, uint16_t fid, int i)
{
    uint8_t *der = NULL;
    size_t len = 0;
    if (r->card.head_fid != JPKI_EF_AUTH_CERT ||
        !jpki_cert_cache_load(r->card.head, r->card.head_len, fid, &der, &len))
        return false;
    jpki_log(JPKI_LOG_CALL, "reader %zu: EF %04X from the disk cache", r->index, fid);
    r->cert[i] = der;
    r->cert_len[i] = len;
    r->cert_from_disk[i] = true;
    check_sign_ca(r);
    return r->cert[i] != NULL;
}

/* The cache uses the auth certificate only with its CA (cert_cache.c):
 * once the certificate is read from the card, the CA is read too, in the
 * same transaction, unless known. Once per card and user; without it,
 * every process of a client that never asks for the CA (OpenSSH,
 * pkcs11-tool) would read the certificate from the card again. */
static void complete_auth_pair(jpki_reader *r, uint16_t fid)
{
    int ca = cert_index(JPKI_EF_AUTH_CA);
    if (fid != JPKI_EF_AUTH_CERT || r->card.head_fid != JPKI_EF_AUTH_CERT ||
        !jpki_cert_cache_on() || r->cert[ca] != NULL || cert_from_disk(r, JPKI_EF_AUTH_CA, ca))
        return;
    uint8_t *der = NULL;
    size_t len = 0;
    if (jpki_read_certificate(&r->card, JPKI_EF_AUTH_CA, &der, &len) != JPKI_OK)
        return;   /* best effort: the certificate itself was read */
    r->cert[ca] = der;
    r->cert_len[ca] = len;
    r->cert_from_disk[ca] = false;
    jpki_cert_cache_store(r->card.head, r->card.head_len, JPKI_EF_AUTH_CA, der, len);
}

jpki_status jpki_reader_cert_tx(jpki_reader *r, uint16_t fid)
{
    int i = cert_index(fid);
    if (i < 0)
        return JPKI_E_BAD_ARG;
    if (r->cert[i] != NULL || cert_from_disk(r, fid, i))
        return JPKI_OK;
    uint8_t *der = NULL;
    size_t len = 0;
    jpki_status st = jpki_read_certificate(&r->card, fid, &der, &len);
    if (st == JPKI_OK) {
        r->cert[i] = der;
        r->cert_len[i] = len;
        r->cert_from_disk[i] = false;
        if (r->card.head_fid == JPKI_EF_AUTH_CERT)
            jpki_cert_cache_store(r->card.head, r->card.head_len, fid, der, len);
        check_sign_ca(r);
        complete_auth_pair(r, fid);
    }
    return st;
}

CK_RV jpki_reader_cert(jpki_reader *r, uint16_t fid, const uint8_t **der, size_t *len)
{
    *der = jpki_reader_cached_cert(r, fid, len);
    if (*der != NULL)
        return CKR_OK;
    if (!r->token_present)
        return CKR_DEVICE_REMOVED;
    int i = cert_index(fid);
    if (i >= 0 && cert_from_disk(r, fid, i)) {
        *der = jpki_reader_cached_cert(r, fid, len);
        return CKR_OK;
    }
    jpki_status st = jpki_reader_begin(r, NULL);
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    /* Another program may have moved the card's selection since our last
     * transaction. */
    jpki_card_forget_selection(&r->card);
    st = jpki_reader_cert_tx(r, fid);
    jpki_reader_end(r);
    if (st == JPKI_E_FILE_NOT_FOUND)
        return CKR_OBJECT_HANDLE_INVALID;  /* e.g. a card without a sign certificate */
    if (st != JPKI_OK)
        return jpki_reader_fail(r, st);
    *der = jpki_reader_cached_cert(r, fid, len);
    return *der != NULL ? CKR_OK : CKR_GENERAL_ERROR;
}

bool jpki_reader_has_token(const jpki_reader *r, jpki_role role)
{
    return r->token_present && !(role == JPKI_ROLE_SIGN && r->sign_absent);
}

/* The auth key, from its certificate: in memory, or read now unless the
 * token wants the PIN for it first (a read here would SELECT the AP and
 * end the login's verified state). */
static CK_RV auth_key(jpki_reader *r, jpki_key_info *key)
{
    const jpki_role_profile *rp = &jpki_card_profile_of(&r->card)->role[JPKI_ROLE_AUTH];
    const uint8_t *der = NULL;
    size_t len = 0;
    CK_RV rv = CKR_OK;
    der = jpki_reader_cached_cert(r, rp->cert_ef, &len);
    if (der == NULL && rp->cert_needs_pin)
        return CKR_OK;   /* unknown until the login reads it (jpki_reader_cert_at_login) */
    if (der == NULL)
        rv = jpki_reader_cert(r, rp->cert_ef, &der, &len);
    if (rv == CKR_DEVICE_REMOVED || rv == CKR_HOST_MEMORY)
        return rv;
    if (rv == CKR_OK && jpki_key_info_from_cert(der, len, key)) {
        r->key[JPKI_ROLE_AUTH] = *key;
        r->key_known[JPKI_ROLE_AUTH] = true;
    }
    return CKR_OK;
}

/* The sign key costs no card I/O: its certificate needs the PIN and is
 * never read only for this (signing.c). Until it is in memory, the auth
 * key in memory speaks for it (both keys of a token are of one
 * generation), else an RSA key of unknown size. */
static void sign_key(jpki_reader *r, jpki_key_info *key)
{
    const jpki_card_profile *p = jpki_card_profile_of(&r->card);
    size_t len = 0;
    const uint8_t *der = jpki_reader_cached_cert(r, p->role[JPKI_ROLE_SIGN].cert_ef, &len);
    if (der != NULL && jpki_key_info_from_cert(der, len, key)) {
        r->key[JPKI_ROLE_SIGN] = *key;
        r->key_known[JPKI_ROLE_SIGN] = true;
        return;
    }
    der = jpki_reader_cached_cert(r, p->role[JPKI_ROLE_AUTH].cert_ef, &len);
    if (r->key_known[JPKI_ROLE_AUTH])
        *key = r->key[JPKI_ROLE_AUTH];
    else if (der == NULL || !jpki_key_info_from_cert(der, len, key))
        *key = (jpki_key_info){ CKK_RSA, 0, false };
}

static CK_RV reader_key(jpki_reader *r, jpki_role role, jpki_key_info *key)
{
    if (r->key_known[role]) {
        *key = r->key[role];
        return CKR_OK;
    }
    if (role == JPKI_ROLE_SIGN) {
        sign_key(r, key);
        return CKR_OK;
    }
    return auth_key(r, key);
}

CK_RV jpki_reader_key(jpki_reader *r, jpki_role role, jpki_key_info *key)
{
    key->type = JPKI_KEY_UNKNOWN;
    key->bits = 0;
    key->pss = false;
    if (role != JPKI_ROLE_AUTH && role != JPKI_ROLE_SIGN)
        return CKR_GENERAL_ERROR;
    CK_RV rv = reader_key(r, role, key);
    /* Both keys of a card: what its auth key proved. */
    key->pss = rv == CKR_OK && key->type == CKK_RSA && jpki_reader_pss(r) == JPKI_PSS_YES;
    return rv;
}

void jpki_reader_cert_at_login(jpki_reader *r, jpki_role role)
{
    const jpki_role_profile *rp = &jpki_card_profile_of(&r->card)->role[role];
    size_t len = 0;
    bool reset = false;
    /* The sign certificate has its own way (token_state.c): the sign key
     * is never left verified between transactions. */
    if (role != JPKI_ROLE_AUTH || !rp->cert_needs_pin ||
        jpki_reader_cached_cert(r, rp->cert_ef, &len) != NULL)
        return;
    jpki_status st = jpki_reader_begin(r, &reset);
    if (st != JPKI_OK)
        return;
    /* No SELECT of the AP: it would end the verified state the login left;
     * a card that lost it answers 69 82 and the certificate stays unread. */
    if (!reset && jpki_card_verified(&r->card, role))
        st = jpki_reader_cert_tx(r, rp->cert_ef);
    jpki_reader_end(r);
    if (st != JPKI_OK)
        jpki_log(JPKI_LOG_CALL, "reader %zu: certificate after login: %s", r->index,
                 jpki_status_name(st));
}
