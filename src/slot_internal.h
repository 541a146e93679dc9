/*
 * slot_internal.h: the module state shared by slot.c, slot_info.c and
 * slot_event.c. Nothing outside those files uses it.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_SLOT_INTERNAL_H
#define JPKI_SLOT_INTERNAL_H

#include "slot.h"

typedef struct jpki_slot_module {
    jpki_lock *lock;             /* the global lock */
    jpki_pcsc *pcsc;             /* for listing, status and connecting */
    unsigned epoch;              /* bumped when pcsc is replaced */
    jpki_pcsc **retired;         /* replaced contexts, closed at C_Finalize */
    size_t n_retired;
    jpki_reader **readers;       /* index = reader index; never shrinks */
    size_t n_readers;
    unsigned long next_generation;
    jpki_pcsc *wait_pcsc;        /* for blocking C_WaitForSlotEvent only */
    int waiters;                 /* threads inside a blocking wait */
    bool finalizing;
} jpki_slot_module;

extern jpki_slot_module jpki_mod;

/* Global lock held for all three. */
jpki_pcsc *jpki_slots_context(unsigned *epoch);
void jpki_slots_rescan(void);
/* The state now becomes what the application has "seen" (C_Initialize). */
void jpki_slots_mark_seen(void);

/* Reader lock held. The token serial from the auth certificate's first
 * chunk in r->card (head_st: how reading it went). A malformed or missing
 * certificate gives a blank serial; fields beyond the chunk leave the
 * serial to the full certificate (slot_info.c). */
void jpki_reader_serial_from_head(jpki_reader *r, jpki_status head_st);
/* Reader lock held. The token serial from EF 0006's serialNumber field in
 * r->info (read_st: how reading it went); blank when it could not be had. */
void jpki_reader_serial_from_token_info(jpki_reader *r, jpki_status read_st);

#endif
