/*
 * slot.h: PC/SC readers and the two slots each one gives (slot id =
 * 2 * reader index + role; a reader index is given once per reader name and
 * kept for the life of the process), the card in each reader and what the
 * module remembers about it for one card "generation": token info, retry
 * counters, certificates, login state. C_WaitForSlotEvent lives here too.
 *
 * Locks: one global lock for the tables (reader list, sessions), never held
 * during card I/O; one lock per reader held across every card transaction
 * and whenever the card state below is used. Order: reader lock, then the
 * global lock, never the other way round.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_SLOT_H
#define JPKI_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkcs11-v3.h"
#include "jpki.h"
#include "locking.h"
#include "mech.h"
#include "reader.h"
#include "token_state.h"

#define JPKI_CERT_SLOTS 4  /* EF 0001, 0002, 000A, 000B */

/* What C_WaitForSlotEvent last told the application about one slot. */
typedef struct jpki_seen {
    bool listed;
    bool card;
    uint32_t count;
    unsigned epoch;   /* of the PC/SC context, while a card is in */
    bool held;        /* the card is held exclusively by another program */
} jpki_seen;

/* Whether the card signs RSASSA-PSS in its own mode (pss.c). */
typedef enum jpki_pss_fact { JPKI_PSS_UNKNOWN = 0, JPKI_PSS_YES, JPKI_PSS_NO } jpki_pss_fact;

typedef struct jpki_reader {
    char name[JPKI_READER_NAME_MAX];
    size_t index;
    jpki_lock *io;

    /* Global lock: */
    bool listed;           /* present in the last scan */
    jpki_seen seen[2];     /* per role */

    /* Reader lock: */
    bool have_status;
    uint32_t event_count;
    unsigned long generation;  /* of the card in the reader; 0: none known */
    bool probed;               /* this card was looked at */
    bool token_present;        /* it answered SELECT of the JPKI AP */
    unsigned pcsc_epoch;       /* of the context the transport came from */
    jpki_transport *transport;
    jpki_card card;
    jpki_token_info info;      /* EF 0006; its kind chose card.profile */
    jpki_cert_list cert_list;  /* EF 0008: unknown unless read */
    bool sign_absent;          /* no signature certificate: no sign token */
    jpki_key_info key[2];      /* per role, from its certificate (key_known) */
    bool key_known[2];
    jpki_token_state ts;       /* PINs, counters, login: token_state.c only */
    unsigned long sessions[2], rw_sessions[2];  /* per role, on this card (session.c) */
    uint8_t *cert[JPKI_CERT_SLOTS];
    size_t cert_len[JPKI_CERT_SLOTS];
    bool cert_from_disk[JPKI_CERT_SLOTS];  /* valid while cert[i] is set */
    bool have_serial;
    char serial[16];
    jpki_pss_fact pss;         /* pss.c only */
    jpki_status last_fail;     /* the last status jpki_reader_fail mapped (pss.c reads it) */
    bool pss_looked_up;        /* the disk was asked for this card */
} jpki_reader;

typedef struct jpki_slot {
    jpki_reader *reader;
    jpki_role role;
    CK_SLOT_ID id;
} jpki_slot;

/* C_Initialize / C_Finalize of this layer. */
CK_RV jpki_slots_init(void);
void jpki_slots_fini(void);
/* The module is unloaded without C_Finalize (dlclose, exit): leave no key
 * verified on a card, free nothing (other threads may still be inside). */
void jpki_slots_unload(void);
/* fork child: forget everything without touching the parent's handles. */
void jpki_slots_forget(void);

/* The global lock (tables), for session.c. */
void jpki_global_lock(void);
void jpki_global_unlock(void);

CK_RV jpki_slot_list(bool token_present, CK_SLOT_ID *list, CK_ULONG *count);
CK_RV jpki_slot_get_info(CK_SLOT_ID id, CK_SLOT_INFO *info);
CK_RV jpki_slot_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO *info);
CK_RV jpki_slot_check_id(CK_SLOT_ID id);
CK_RV jpki_slot_wait_event(CK_FLAGS flags, CK_SLOT_ID *slot);
/* Cancels blocked waits; they return CKR_CRYPTOKI_NOT_INITIALIZED. */
void jpki_slots_cancel_waits(void);

/* Takes the reader lock of a slot and brings its card state up to date
 * (one PC/SC status call; card I/O once per card arrival).
 * CKR_SLOT_ID_INVALID for an unknown id. */
CK_RV jpki_slot_acquire(CK_SLOT_ID id, jpki_slot *slot);
void jpki_slot_release(jpki_slot *slot);
/* The same for a reader already known (session.c). */
void jpki_reader_acquire(jpki_reader *r);
void jpki_reader_release(jpki_reader *r);

/* Reader lock held: */
/* Starts a card transaction; a reset by someone else is not an error
 * (*was_reset says so). */
jpki_status jpki_reader_begin(jpki_reader *r, bool *was_reset);
void jpki_reader_end(jpki_reader *r);
/* The CKR_* for a failed card operation; a card or reader that went away
 * ends the card generation (CKR_DEVICE_REMOVED). */
CK_RV jpki_reader_fail(jpki_reader *r, jpki_status st);
/* Forget the card: login state, PIN, caches; the generation ends. */
void jpki_reader_drop_card(jpki_reader *r);
/* C_Finalize: leaves no key verified on the card, then forgets it. */
void jpki_reader_release_card(jpki_reader *r);
/* Whether the slot of that role shows a token: a JPKI card is in, and
 * for the sign role it carries a signature certificate. */
bool jpki_reader_has_token(const jpki_reader *r, jpki_role role);
/* The key of the role's certificate, as far as it is known without a PIN.
 * Auth: its certificate (read now where it is free); JPKI_KEY_UNKNOWN on a
 * token that wants the PIN first. Sign (no card I/O): its certificate when
 * in memory, else the auth key when known, else RSA of unknown size (bits
 * 0). CKR_DEVICE_REMOVED when the card went away. */
CK_RV jpki_reader_key(jpki_reader *r, jpki_role role, jpki_key_info *key);
/* Right after C_Login(CKU_USER): a token whose certificate for the role
 * answers only after its PIN (Android's auth certificate) has it read now,
 * while the login's VERIFY still holds, so that the objects computed from
 * it are complete. Nothing for other tokens. */
void jpki_reader_cert_at_login(jpki_reader *r, jpki_role role);
/* C_GetMechanismList / C_GetMechanismInfo of a slot: the mechanisms of its
 * token's key (none for a key the module cannot drive), with its size. */
CK_RV jpki_slot_mech_list(CK_SLOT_ID id, CK_MECHANISM_TYPE *list, CK_ULONG *count);
CK_RV jpki_slot_mech_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

/* PSS, learned per card (pss.c). The fact for this card: in memory, or
 * from the file beside the certificate cache (no card I/O). */
jpki_pss_fact jpki_reader_pss(jpki_reader *r);
/* Records the fact in memory and on disk. */
void jpki_reader_set_pss(jpki_reader *r, jpki_pss_fact fact);
/* After C_Login(CKU_USER) on the auth token: for a card whose fact is not
 * known yet, one auth-key signature over a random hash in the card's PSS
 * mode, checked with salt length 32 against the auth certificate; the
 * result is the fact. No PIN is sent unless the card lost the login's
 * verified state (then the held PIN, to a full counter only). */
void jpki_reader_learn_pss(jpki_reader *r);

/* A certificate of the current card, cached per generation. The _tx form
 * runs inside a transaction the caller already holds. */
CK_RV jpki_reader_cert(jpki_reader *r, uint16_t fid, const uint8_t **der, size_t *len);
jpki_status jpki_reader_cert_tx(jpki_reader *r, uint16_t fid);
const uint8_t *jpki_reader_cached_cert(jpki_reader *r, uint16_t fid, size_t *len);
/* Whether the certificate in memory came from the disk cache (not the
 * card) in this card generation. */
bool jpki_reader_cert_came_from_disk(jpki_reader *r, uint16_t fid);
/* The card proved a cached certificate wrong (e.g. its signature does not
 * verify under the cached key): the copies in memory that came from disk
 * (the auth certificate and its CA go together) are forgotten and the
 * card's cache files removed, so that the next use reads the card. */
void jpki_reader_cert_distrust(jpki_reader *r, uint16_t fid);

#endif
