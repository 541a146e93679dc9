/*
 * cert_cache.h: the per-user disk cache of a card's PUBLIC certificates
 * (the auth certificate and the two CA certificates; never the sign
 * certificate, which holds the holder's name, address and birth date),
 * and of two small public facts: EF 0006's token name (fid
 * JPKI_EF_TOKEN_INFO) and EF 0008 (JPKI_EF_CERT_LIST), as the card gave them.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_CERT_CACHE_H
#define JPKI_CERT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* False when JPKI_PKCS11_CACHE=0 turns the cache off. */
bool jpki_cert_cache_on(void);
/* Whether the cache holds the facts of at least one card (a serial). */
bool jpki_cert_cache_knows_a_card(void);

/* The card is named by `head`, the start of its auth certificate (its
 * first JPKI_CARD_ID_LEN bytes name it), which identification reads anyway. On a hit, *der is malloc'd and holds
 * one whole DER certificate, consistent with the others: the auth
 * certificate starts with head and verifies under the cached auth CA, a
 * CA is self-signed (see cert_cache.c). */
bool jpki_cert_cache_load(const uint8_t *head, size_t head_len, uint16_t fid, uint8_t **der,
                          size_t *len);

/* Best effort: nothing happens for an EF that is not cached, or when the
 * cache is off or cannot be written. */
void jpki_cert_cache_store(const uint8_t *head, size_t head_len, uint16_t fid,
                           const uint8_t *der, size_t len);

/* Removes the card's file of fid, the auth pair together (a card
 * signature proved it wrong): the next load misses and the card is read. */
void jpki_cert_cache_remove(const uint8_t *head, size_t head_len, uint16_t fid);

/* Whether ca is leaf's issuer and leaf's signature verifies under its key. */
bool jpki_cert_issued_by(const uint8_t *leaf, size_t leaf_len, const uint8_t *ca,
                         size_t ca_len);

/* Public facts about a card, learned once and kept beside its certificates
 * (file <key>-<fact>, one word of lower-case letters and digits, at most
 * 16): JPKI_FACT_PSS, "yes" or "no" (the card signs RSASSA-PSS with salt
 * 32, or does not); JPKI_FACT_SERIAL, the token serial in lower-case hex
 * (from the auth certificate's issuer and serialNumber, which a known
 * card's identification does not read). The files of expired cards go
 * with their certificates. Best effort, like the certificates; nothing
 * with JPKI_PKCS11_CACHE=0. */
#define JPKI_FACT_PSS "pss"
#define JPKI_FACT_SERIAL "serial"
bool jpki_card_fact_load(const uint8_t *head, size_t head_len, const char *fact, char *value,
                         size_t cap);
void jpki_card_fact_store(const uint8_t *head, size_t head_len, const char *fact,
                          const char *value);

#endif
