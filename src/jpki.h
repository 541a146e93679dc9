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
#include "card_profile.h"
#include "transport.h"

/* Elementary files of the JPKI AP (jpki-protocol.md §3.1); which role uses
 * which is the card profile's (card_profile.h). */
enum {
    JPKI_EF_SIGN_CERT = 0x0001,
    JPKI_EF_SIGN_CA = 0x0002,
    JPKI_EF_TOKEN_INFO = 0x0006,
    JPKI_EF_CERT_LIST = 0x0008,
    JPKI_EF_AUTH_CERT = 0x000A,
    JPKI_EF_AUTH_CA = 0x000B,
    JPKI_EF_AUTH_KEY = 0x0017,
    JPKI_EF_AUTH_PIN = 0x0018,
    JPKI_EF_SIGN_KEY = 0x001A,
    JPKI_EF_SIGN_PIN = 0x001B,
};

#define JPKI_SIGNATURE_LEN 256    /* RSA-2048, today's cards */
#define JPKI_SIGNATURE_MAX (JPKI_RSA_BITS_MAX / 8)
#define JPKI_SIGNATURE_MIN (JPKI_RSA_BITS_MIN / 8)
#define JPKI_PKCS1_OVERHEAD 11    /* the card pads with PKCS#1 v1.5 type 1: input <= k - 11 */
#define JPKI_SIGN_INPUT_MAX (JPKI_SIGNATURE_MAX - JPKI_PKCS1_OVERHEAD)
#define JPKI_CERT_MAX 8192        /* refuse certificates larger than this */
#define JPKI_PIN_MAX 16
#define JPKI_TOKEN_NAME_LEN 32
#define JPKI_CERT_HEAD_LEN 256    /* first READ BINARY of a certificate EF */
/* The first bytes of the auth certificate that name a card: its header,
 * serialNumber (at most 21 bytes) and the start of the issuer. What
 * identification reads of a card the disk cache knows. */
#define JPKI_CARD_ID_LEN 64

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
    const jpki_card_profile *profile;  /* chosen at the probe; the default row before */
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

/* Reads only the first len bytes (4 to JPKI_CERT_HEAD_LEN) of a public
 * certificate EF and keeps them in card->head for a later
 * jpki_read_certificate of the same EF. Never use it for the sign
 * certificate (personal data stays out of long-lived buffers). */
jpki_status jpki_read_cert_head(jpki_card *card, uint16_t fid, size_t len);
/* Reads more of the EF in card->head, up to JPKI_CERT_HEAD_LEN bytes (or
 * the end of its DER): what identification reads of a card the disk cache
 * does not know. */
jpki_status jpki_extend_cert_head(jpki_card *card);

/* Finds the DER serialNumber and issuer Name inside the first len bytes of
 * a certificate (a bounded DER walk of the TBSCertificate prefix; nothing
 * is read beyond len). JPKI_E_MALFORMED for a broken prefix, JPKI_E_END_OF_FILE
 * when the two fields end beyond len. */
jpki_status jpki_cert_issuer_serial(const uint8_t *der, size_t len, const uint8_t **serial,
                                    size_t *serial_len, const uint8_t **issuer,
                                    size_t *issuer_len);

#define JPKI_TOKEN_SERIAL_OFFSET 80  /* EF 0006: CK_TOKEN_INFO serialNumber[16] (§3.2) */
#define JPKI_TOKEN_SERIAL_LEN 16

typedef struct jpki_token_info {
    char name[JPKI_TOKEN_NAME_LEN + 1];  /* EF 0006 bytes 0-31, trailing blanks removed */
    jpki_token_kind kind;                /* from the name; JPKI_TOKEN_UNKNOWN if unread */
    char serial[JPKI_TOKEN_SERIAL_LEN + 1];  /* bytes 80-95, trimmed; "" unless read */
} jpki_token_info;

/* Parses the token name (EF 0006 bytes 0-31): exactly 32 bytes of
 * printable ASCII, padded with blanks (or NULs, as some test doubles do),
 * not empty. Anything shorter or else is JPKI_E_MALFORMED, info untouched. */
jpki_status jpki_parse_token_name(const uint8_t *raw, size_t len, jpki_token_info *info);
/* Parses the serialNumber field (16 bytes of printable ASCII, blank
 * padded, not blank) into info->serial; JPKI_E_MALFORMED otherwise. */
jpki_status jpki_parse_token_serial(const uint8_t *raw, size_t len, jpki_token_info *info);
/* Reads the token name from EF 0006 (32 bytes, one READ BINARY by SFI):
 * the rest of the record is read only where it is used. */
jpki_status jpki_read_token_info(jpki_card *card, jpki_token_info *info);
/* Reads the serialNumber field of EF 0006 (one READ BINARY at offset 80). */
jpki_status jpki_read_token_serial(jpki_card *card, jpki_token_info *info);

/* EF 0008: which certificates the token carries (§3.1: 3 bytes, 8F 8F 00
 * with both; byte 0 the sign certificate, byte 1 the auth certificate). */
typedef enum jpki_cert_presence {
    JPKI_CERT_UNKNOWN = 0,   /* EF 0008 missing or unreadable: assume present */
    JPKI_CERT_PRESENT,
    JPKI_CERT_ABSENT,
} jpki_cert_presence;
typedef struct jpki_cert_list {
    jpki_cert_presence cert[JPKI_ROLES];   /* per role */
    uint8_t raw[3];
    size_t raw_len;
} jpki_cert_list;
/* Parses EF 0008: 00 says "absent", any other byte "present" (only 8F
 * is documented: a byte we do not know must not hide a certificate).
 * Fewer than 2 bytes: JPKI_E_MALFORMED, everything unknown. */
jpki_status jpki_parse_cert_list(const uint8_t *raw, size_t len, jpki_cert_list *list);
/* Reads EF 0008 (one READ BINARY by SFI). On an error list says unknown. */
jpki_status jpki_read_cert_list(jpki_card *card, jpki_cert_list *list);

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

/* COMPUTE DIGITAL SIGNATURE with the role's key: the card pads data (a
 * DigestInfo, at most sig_cap - 11 bytes) with PKCS#1 v1.5 type 1. sig_cap
 * (at least JPKI_SIGNATURE_MIN, at most JPKI_SIGNATURE_MAX) bounds the
 * signature, which comes through short APDUs with 61xx chaining unless the
 * card takes extended Le; its exact length is the caller's to check against
 * the key. JPKI_E_SECURITY_STATUS if the PIN is not verified. */
jpki_status jpki_sign(jpki_card *card, jpki_role role, const uint8_t *data, size_t data_len,
                      uint8_t *sig, size_t sig_cap, size_t *sig_len);

/* The card's signature modes the module uses (P1 of COMPUTE DIGITAL
 * SIGNATURE, jpki-protocol.md §4.2). */
typedef enum jpki_sign_mode {
    JPKI_SIGN_PKCS1 = 0x00,       /* PKCS#1 v1.5 type 1 over the data as given */
    JPKI_SIGN_PSS_SHA256 = 0x04,  /* RSASSA-PSS over a SHA-256 hash, MGF1-SHA-256, salt 32 */
} jpki_sign_mode;
#define JPKI_SHA256_LEN 32
#define JPKI_PSS_SALT_LEN 32

/* jpki_sign in a given mode; for JPKI_SIGN_PSS_SHA256 data is the 32-byte
 * hash (JPKI_E_BAD_ARG otherwise). A card without the mode answers 6A86
 * (JPKI_E_WRONG_PARAMS). */
jpki_status jpki_sign_mode_of(jpki_card *card, jpki_role role, jpki_sign_mode mode,
                              const uint8_t *data, size_t data_len, uint8_t *sig,
                              size_t sig_cap, size_t *sig_len);

/* The card's profile (the default row before a probe chose one). */
const jpki_card_profile *jpki_card_profile_of(const jpki_card *card);
void jpki_card_set_profile(jpki_card *card, const jpki_card_profile *profile);

/* PIN format rules (design.md §2), checked before anything reaches the card.
 * Copies the PIN as it must be sent (sign PIN upper-cased) into out (at least
 * JPKI_PIN_MAX bytes) and sets *out_len. Returns CKR_OK, CKR_PIN_LEN_RANGE or
 * CKR_PIN_INVALID. */
CK_RV jpki_pin_check(jpki_role role, const uint8_t *pin, size_t pin_len, uint8_t *out,
                     size_t *out_len);

/* Tries a fresh PIN has, and its length limits: the role's PIN rule in the
 * card profile table (the same on every token kind known). */
int jpki_pin_max_tries(jpki_role role);
size_t jpki_pin_min_len(jpki_role role);
size_t jpki_pin_max_len(jpki_role role);

#endif
