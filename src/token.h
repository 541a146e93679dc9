/*
 * token.h: the two tokens of a JPKI card as const tables (design.md §1) and
 * the PKCS#11 attributes of their objects, computed from the certificates
 * with OpenSSL. Knows nothing of slots, sessions or card I/O: certificates
 * come through a jpki_cert_source, so a certificate is read only when an
 * attribute actually needs it.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TOKEN_H
#define JPKI_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pkcs11-v3.h"
#include "jpki.h"
#include "mech.h"

/* Every object a JPKI card can show. */
typedef enum jpki_object_id {
    JPKI_OBJ_AUTH_CERT = 0,  /* auth token, public,  ID 01 */
    JPKI_OBJ_AUTH_PUBKEY,    /* auth token, public,  ID 01 */
    JPKI_OBJ_AUTH_KEY,       /* auth token, private, ID 01 */
    JPKI_OBJ_AUTH_CA,        /* auth token, public,  ID 03 */
    JPKI_OBJ_AUTH_PROFILE,   /* auth token, public,  CKP_PUBLIC_CERTIFICATES_TOKEN */
    JPKI_OBJ_SIGN_CA,        /* sign token, public,  ID 04 */
    JPKI_OBJ_SIGN_CERT,      /* sign token, private, ID 02 */
    JPKI_OBJ_SIGN_PUBKEY,    /* sign token, private, ID 02 */
    JPKI_OBJ_SIGN_KEY,       /* sign token, private, ID 02, CKA_ALWAYS_AUTHENTICATE */
    JPKI_OBJ_AUTH_SIGN_CA,   /* auth token, public,  ID 04: where OpenSC shows the sign CA */
    JPKI_OBJ_COUNT
} jpki_object_id;

typedef struct jpki_object_def {
    jpki_object_id id;
    jpki_role token;            /* which of the two tokens shows it */
    CK_OBJECT_CLASS klass;
    const char *label;
    uint8_t ckaid;              /* CKA_ID, one byte; 0 for the profile object */
    bool is_private;            /* visible only after C_Login on its token */
    uint16_t cert_fid;          /* EF of the certificate its attributes come from; 0: none */
} jpki_object_def;

const jpki_object_def *jpki_object_def_get(jpki_object_id id);

/* The objects a token of the profile's kind (NULL: the default) shows, in
 * a stable order: those it can answer for without a PIN, then (if
 * logged_in) the private ones and those computed from a certificate the
 * token gives only after the PIN (Android's auth certificate). Such a
 * token has no CKP_PUBLIC_CERTIFICATES_TOKEN profile: NSS must log in to
 * find its certificate. Returns how many were written to out (which must
 * hold JPKI_OBJ_COUNT). */
size_t jpki_token_objects(const jpki_card_profile *profile, jpki_role token, bool logged_in,
                          jpki_object_id *out);

/* Where certificates come from. get returns CKR_OK with the DER (owned by
 * the source, valid until the card changes), or a CKR_* error (e.g.
 * CKR_DEVICE_REMOVED, CKR_DEVICE_ERROR; the sign certificate missing from the
 * card: CKR_OBJECT_HANDLE_INVALID / not present). */
typedef struct jpki_cert_source {
    CK_RV (*get)(void *ctx, uint16_t fid, const uint8_t **der, size_t *der_len);
    /* The type and size of the key of the certificate in EF fid, as far as
     * they are known without a PIN (the sign key's from the auth
     * certificate until its own is read). NULL: from get. */
    CK_RV (*key)(void *ctx, uint16_t fid, jpki_key_info *key);
    void *ctx;
} jpki_cert_source;

/* C_GetAttributeValue for one object, with full PKCS#11 semantics: length
 * queries (pValue NULL), CK_UNAVAILABLE_INFORMATION per attribute with
 * CKR_ATTRIBUTE_SENSITIVE / CKR_ATTRIBUTE_TYPE_INVALID / CKR_BUFFER_TOO_SMALL
 * as the overall result, every attribute processed. */
CK_RV jpki_object_get_attributes(jpki_object_id id, const jpki_cert_source *src,
                                 CK_ATTRIBUTE *tmpl, CK_ULONG count);

/* Whether an object matches a C_FindObjectsInit template (an empty template
 * matches everything). Reads a certificate only if the template asks for an
 * attribute computed from it. CKR_OK with *match set, or a source error. */
CK_RV jpki_object_match(jpki_object_id id, const jpki_cert_source *src,
                        const CK_ATTRIBUTE *tmpl, CK_ULONG count, bool *match);

/* C_GetObjectSize: the DER size for certificates, an estimate otherwise. */
CK_RV jpki_object_size(jpki_object_id id, const jpki_cert_source *src, CK_ULONG *size);

/* The token serial number (16 chars, blank padded, not NUL terminated),
 * derived from the auth certificate so it is unique per card. */
CK_RV jpki_token_serial(const uint8_t *auth_cert, size_t len, char serial[16]);

#endif
