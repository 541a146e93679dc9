/*
 * jpki.h: the JPKI application (公的個人認証AP) on one card: select, read
 * files, PIN status, VERIFY, sign, change PIN. Knows nothing of PKCS#11.
 * Every function must be called between jpki_card_begin and jpki_card_end.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_JPKI_H
#define JPKI_JPKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "errors.h"
#include "apdu.h"
#include "transport.h"

/* Elementary files of the JPKI AP (jpki-protocol.md §3.1). */
enum {
    JPKI_EF_SIGN_CERT = 0x0001,
    JPKI_EF_SIGN_CA = 0x0002,
    JPKI_EF_TOKEN_INFO = 0x0006,
    JPKI_EF_AUTH_CERT = 0x000A,
    JPKI_EF_AUTH_CA = 0x000B,
    JPKI_EF_AUTH_KEY = 0x0017,
    JPKI_EF_AUTH_PIN = 0x0018,
    JPKI_EF_SIGN_KEY = 0x001A,
    JPKI_EF_SIGN_PIN = 0x001B,
};

/* The two key/PIN pairs. */
typedef enum jpki_role { JPKI_ROLE_AUTH = 0, JPKI_ROLE_SIGN = 1 } jpki_role;

#define JPKI_SIGNATURE_LEN 256    /* RSA-2048 */
#define JPKI_SIGN_INPUT_MAX 245   /* k - 11: the card pads with PKCS#1 v1.5 type 1 */
#define JPKI_CERT_MAX 8192        /* refuse certificates larger than this */
#define JPKI_PIN_MAX 16
#define JPKI_TOKEN_NAME_LEN 32
#define JPKI_CERT_HEAD_LEN 256    /* first READ BINARY of a certificate EF */

/* The commands that may name their EF by short EF identifier instead of a
 * SELECT EF (protocol notes §4.1). Each form is learned on its own: a card
 * may take READ BINARY and COMPUTE DIGITAL SIGNATURE by SFI and refuse
 * VERIFY by SFI (rated unconfirmed on real cards). */
typedef enum jpki_sfi_form {
    JPKI_SFI_READ,          /* READ BINARY, P1 = 80|SFI */
    JPKI_SFI_SIGN,          /* COMPUTE DIGITAL SIGNATURE, P2 = 80|SFI */
    JPKI_SFI_VERIFY,        /* VERIFY, P2 = 80|SFI */
    JPKI_SFI_FORMS
} jpki_sfi_form;
typedef enum jpki_sfi_known {
    JPKI_SFI_UNTRIED = 0,   /* tried when no PIN rides on it */
    JPKI_SFI_TAKEN,         /* the card answered it (VERIFY: a PIN may go so) */
    JPKI_SFI_REFUSED,       /* the card refused it and took the SELECT EF form */
} jpki_sfi_known;

typedef struct jpki_card {
    jpki_transport *transport;  /* not owned */
    bool ap_selected;           /* our AP is current in this transaction */
    uint16_t current_ef;        /* 0: unknown */
    bool verified[2];           /* VERIFY succeeded since the AP was selected, per role */
    bool extended_le;           /* read with extended Le (only if the card supports it) */
    size_t max_read;            /* bytes per READ BINARY; default 256 */
    unsigned long apdu_count;   /* APDUs sent, for the benchmark and tests */
    /* Per card (jpki_card_init), kept by jpki_card_forget_selection: */
    jpki_sfi_known sfi[JPKI_SFI_FORMS];   /* per command form */
    uint16_t head_fid;          /* certificate EF whose first chunk is in head (0: none) */
    size_t head_len;
    uint8_t head[JPKI_CERT_HEAD_LEN];
} jpki_card;

void jpki_card_init(jpki_card *card, jpki_transport *t);

/* Starts a transaction. *was_reset (may be NULL) is set when the card was
 * reset since the last transaction: selection and verified state are then
 * forgotten. Errors: those of the transport. */
jpki_status jpki_card_begin(jpki_card *card, bool *was_reset);
void jpki_card_end(jpki_card *card);
/* Whether a VERIFY of the role's PIN succeeded since our AP was selected,
 * as far as this process knows (another program may have cleared it). */
bool jpki_card_verified(const jpki_card *card, jpki_role role);

/* Sends one APDU to the card (the card layer's own commands and those of the
 * other applications, jpki_text.c), counting it; a lost or reset card makes
 * the card forget its selection and verified state. */
jpki_status jpki_card_transmit(jpki_card *card, const jpki_apdu *cmd, uint8_t *resp,
                               size_t resp_cap, size_t *resp_len, uint16_t *sw);

/* Forgets what is selected and verified (call when another program may have
 * used the card since our last transaction, e.g. before reading files). */
void jpki_card_forget_selection(jpki_card *card);

/* One SELECT (P2 0C: no answer data) of an application by its AID, which
 * also forgets the selection and verified state, or of an EF of the current
 * application by its identifier; the card's status word in *sw. For the
 * functions below and for the other applications (jpki_text.c). */
jpki_status jpki_card_select_aid(jpki_card *card, const uint8_t *aid, size_t aid_len,
                                 uint16_t *sw);
jpki_status jpki_card_select_fid(jpki_card *card, uint16_t fid, uint16_t *sw);

/* SELECT the JPKI AP (always sends; clears verified[]). JPKI_E_NOT_JPKI if
 * the card has no JPKI AP. The functions below select the AP themselves when
 * it is not current. */
jpki_status jpki_select_ap(jpki_card *card);
/* SELECT an EF of the AP, skipped when it is already current. */
jpki_status jpki_select_ef(jpki_card *card, uint16_t fid);

/* Reads up to len bytes at offset of EF fid into buf; *got the number read
 * (short at the end of the file). */
jpki_status jpki_read_binary(jpki_card *card, uint16_t fid, size_t offset, uint8_t *buf,
                             size_t len, size_t *got);

/* Reads a certificate EF: a first chunk of 256 bytes (by SFI when the card
 * allows it; its first bytes "30 82 HH LL" give the size), then the rest.
 * A first chunk kept by jpki_read_cert_head is not read again. Checks the
 * lengths (JPKI_E_MALFORMED otherwise) and returns malloc'd DER. */
jpki_status jpki_read_certificate(jpki_card *card, uint16_t fid, uint8_t **der, size_t *der_len);

/* Reads only the first chunk (up to JPKI_CERT_HEAD_LEN bytes) of a public
 * certificate EF and keeps it in card->head for a later
 * jpki_read_certificate of the same EF. Never use it for the sign
 * certificate (personal data stays out of long-lived buffers). */
jpki_status jpki_read_cert_head(jpki_card *card, uint16_t fid);

/* Finds the DER serialNumber and issuer Name inside the first len bytes of
 * a certificate (a bounded DER walk of the TBSCertificate prefix; nothing
 * is read beyond len). JPKI_E_MALFORMED for a broken prefix, JPKI_E_END_OF_FILE
 * when the two fields end beyond len. */
jpki_status jpki_cert_issuer_serial(const uint8_t *der, size_t len, const uint8_t **serial,
                                    size_t *serial_len, const uint8_t **issuer,
                                    size_t *issuer_len);

typedef struct jpki_token_info {
    char name[JPKI_TOKEN_NAME_LEN + 1];  /* EF 0006 bytes 0-31, trailing blanks removed */
    uint8_t raw[JPKI_TOKEN_NAME_LEN];    /* those bytes as the card gave them */
    size_t raw_len;
} jpki_token_info;
/* Reads the token name from EF 0006. */
jpki_status jpki_read_token_info(jpki_card *card, jpki_token_info *info);
/* The same from EF 0006's bytes kept elsewhere (the disk cache);
 * JPKI_E_MALFORMED for anything the card could not have given. */
jpki_status jpki_token_info_parse(const uint8_t *raw, size_t len, jpki_token_info *info);

/* Tries left for a PIN by the empty VERIFY (no try spent). JPKI_OK with
 * *tries_left; a verified PIN may answer 90 00: then *tries_left is -1. */
jpki_status jpki_pin_status(jpki_card *card, jpki_role role, int *tries_left);

/* VERIFY exactly once; never retried. The PIN must already be checked for
 * format (jpki_pin_check). JPKI_OK; JPKI_E_PIN_INCORRECT with *tries_left;
 * JPKI_E_PIN_LOCKED (*tries_left 0). */
jpki_status jpki_verify_pin(jpki_card *card, jpki_role role, const uint8_t *pin, size_t pin_len,
                            int *tries_left);

/* CHANGE REFERENCE DATA after a successful VERIFY of the same PIN. */
jpki_status jpki_change_pin(jpki_card *card, jpki_role role, const uint8_t *new_pin,
                            size_t new_len);

/* COMPUTE DIGITAL SIGNATURE with the role's key: the card pads data
 * (1..245 bytes, a DigestInfo) with PKCS#1 v1.5 type 1. sig must hold
 * JPKI_SIGNATURE_LEN bytes. JPKI_E_SECURITY_STATUS if the PIN is not verified. */
jpki_status jpki_sign(jpki_card *card, jpki_role role, const uint8_t *data, size_t data_len,
                      uint8_t *sig, size_t sig_cap, size_t *sig_len);

/* PIN format rules (design.md §2), checked before anything reaches the card.
 * Copies the PIN as it must be sent (sign PIN upper-cased) into out (at least
 * JPKI_PIN_MAX bytes) and sets *out_len. Returns CKR_OK, CKR_PIN_LEN_RANGE or
 * CKR_PIN_INVALID. */
CK_RV jpki_pin_check(jpki_role role, const uint8_t *pin, size_t pin_len, uint8_t *out,
                     size_t *out_len);

/* Tries a fresh PIN has, and its length limits. */
int jpki_pin_max_tries(jpki_role role);
size_t jpki_pin_min_len(jpki_role role);
size_t jpki_pin_max_len(jpki_role role);

#endif
