/*
 * slot_info.c: C_GetSlotList, C_GetSlotInfo and C_GetTokenInfo. Token info
 * comes from what was read when the card arrived: browsers poll it, so it
 * costs no APDU after the first call (which reads the auth certificate for
 * the serial number).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "jpki.h"
#include "log.h"
#include "slot_internal.h"
#include "token.h"
#include "token_view.h"

/* Blank-padded, not NUL-terminated; cut on a UTF-8 character boundary. */
static void pad_copy(CK_UTF8CHAR *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n > cap) {
        n = cap;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memset(dst, ' ', cap);
    memcpy(dst, src, n);
}

/* A snapshot of the reader list after a rescan; readers are never freed
 * before C_Finalize, so the pointers stay good. */
static jpki_reader **readers_snapshot(size_t *n)
{
    jpki_global_lock();
    jpki_slots_rescan();
    *n = jpki_mod.n_readers;
    jpki_reader **copy = calloc(*n + 1, sizeof(*copy));
    if (copy != NULL && *n > 0)
        memcpy(copy, jpki_mod.readers, *n * sizeof(*copy));
    jpki_global_unlock();
    return copy;
}

CK_RV jpki_slot_list(bool token_present, CK_SLOT_ID *list, CK_ULONG *count)
{
    size_t n = 0;
    jpki_reader **readers = readers_snapshot(&n);
    if (readers == NULL)
        return CKR_HOST_MEMORY;
    CK_SLOT_ID *ids = calloc(2 * n + 1, sizeof(*ids));
    CK_ULONG found = 0;
    CK_RV rv = CKR_HOST_MEMORY;
    if (ids == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        bool present[2] = { true, true };
        if (token_present) {
            jpki_reader_acquire(readers[i]);
            for (int role = 0; role < 2; role++)
                present[role] = jpki_reader_has_token(readers[i], (jpki_role)role);
            jpki_reader_release(readers[i]);
        }
        for (int role = 0; role < 2; role++)
            if (present[role] && jpki_view_shows((jpki_role)role))
                ids[found++] = 2 * readers[i]->index + (CK_SLOT_ID)role;
    }
    rv = CKR_OK;
    if (list != NULL && *count < found)
        rv = CKR_BUFFER_TOO_SMALL;
    else if (list != NULL)
        memcpy(list, ids, found * sizeof(*ids));
    *count = found;
out:
    free(ids);
    free(readers);
    return rv;
}

/* "<reader> (User Authentication)", and with a token in it what the token
 * is: "<reader> (User Authentication, Android mobile JPKI)". The reader
 * name gives way when the 64 bytes are short. */
static void slot_description(const jpki_reader *r, jpki_role role, CK_UTF8CHAR out[64])
{
    const jpki_card_profile *p = jpki_card_profile_of(&r->card);
    char suffix[96], desc[JPKI_READER_NAME_MAX + 96];
    if (r->token_present)
        snprintf(suffix, sizeof suffix, " (%s, %s)", p->role[role].words, p->words);
    else
        snprintf(suffix, sizeof suffix, " (%s)", p->role[role].words);
    size_t room = 64 > strlen(suffix) ? 64 - strlen(suffix) : 0;
    size_t name_len = strlen(r->name);
    if (name_len > room) {
        name_len = room;
        while (name_len > 0 && ((unsigned char)r->name[name_len] & 0xC0) == 0x80)
            name_len--;
    }
    memcpy(desc, r->name, name_len);
    strcpy(desc + name_len, suffix);
    pad_copy(out, 64, desc);
}

CK_RV jpki_slot_get_info(CK_SLOT_ID id, CK_SLOT_INFO *info)
{
    jpki_slot slot;
    CK_RV rv = jpki_slot_acquire(id, &slot);
    if (rv != CKR_OK)
        return rv;
    memset(info, 0, sizeof(*info));
    slot_description(slot.reader, slot.role, info->slotDescription);
    pad_copy(info->manufacturerID, sizeof(info->manufacturerID), "JPKI");
    info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
    if (jpki_reader_has_token(slot.reader, slot.role))
        info->flags |= CKF_TOKEN_PRESENT;
    info->hardwareVersion.major = 1;
    info->firmwareVersion.major = 1;
    jpki_slot_release(&slot);
    return CKR_OK;
}

/* The same value as jpki_token_serial (token.c) of the whole certificate:
 * SHA-256 over the DER serialNumber and issuer Name, last 8 bytes in hex;
 * a DER certificate carries both in the encoding OpenSSL re-emits. */
void jpki_reader_serial_from_head(jpki_reader *r, jpki_status head_st)
{
    static const char hex[] = "0123456789ABCDEF";
    const uint8_t *ser = NULL, *iss = NULL;
    size_t ser_len = 0, iss_len = 0;
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    jpki_status st = head_st;

    if (st == JPKI_OK && r->card.head_fid == JPKI_EF_AUTH_CERT)
        st = jpki_cert_issuer_serial(r->card.head, r->card.head_len, &ser, &ser_len, &iss,
                                     &iss_len);
    else if (st == JPKI_OK)
        st = JPKI_E_MALFORMED;
    if (st == JPKI_E_END_OF_FILE)
        return;    /* a long issuer: token_serial reads the whole certificate */
    memset(r->serial, ' ', sizeof(r->serial));
    r->have_serial = true;
    if (st != JPKI_OK) {
        /* No serial rather than no token: the keys may still work. */
        jpki_log(JPKI_LOG_ERROR, "reader %zu: auth certificate: %s: no serial", r->index,
                 jpki_status_name(st));
        return;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool good = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
                EVP_DigestUpdate(ctx, ser, ser_len) == 1 &&
                EVP_DigestUpdate(ctx, iss, iss_len) == 1 &&
                EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len >= 8;
    EVP_MD_CTX_free(ctx);
    if (!good) {
        r->have_serial = false;   /* try again with the whole certificate */
        return;
    }
    for (size_t i = 0; i < 8; i++) {
        r->serial[2 * i] = hex[md[md_len - 8 + i] >> 4];
        r->serial[2 * i + 1] = hex[md[md_len - 8 + i] & 0x0f];
    }
}

void jpki_reader_serial_from_token_info(jpki_reader *r, jpki_status read_st)
{
    memset(r->serial, ' ', sizeof(r->serial));
    r->have_serial = true;
    if (read_st != JPKI_OK) {
        jpki_log(JPKI_LOG_ERROR, "reader %zu: EF 0006 serial: %s: no serial", r->index,
                 jpki_status_name(read_st));
        return;
    }
    size_t n = strlen(r->info.serial);
    memcpy(r->serial, r->info.serial, n < sizeof(r->serial) ? n : sizeof(r->serial));
}

static CK_RV token_serial(jpki_reader *r)
{
    if (r->have_serial)
        return CKR_OK;
    const uint8_t *der = NULL;
    size_t len = 0;
    CK_RV rv = jpki_reader_cert(r, jpki_card_profile_of(&r->card)->role[JPKI_ROLE_AUTH].cert_ef,
                                &der, &len);
    if (rv == CKR_OBJECT_HANDLE_INVALID) {
        /* No auth certificate on this card: no serial, but a usable token. */
        jpki_log(JPKI_LOG_ERROR, "reader %zu: no auth certificate: no serial", r->index);
        memset(r->serial, ' ', sizeof(r->serial));
        rv = CKR_OK;
    } else if (rv == CKR_OK) {
        rv = jpki_token_serial(der, len, r->serial);
    }
    if (rv == CKR_OK)
        r->have_serial = true;
    return rv;
}

static CK_FLAGS pin_flags(int tries, int max)
{
    CK_FLAGS flags = 0;
    if (tries < 0)
        return 0;
    if (tries < max)
        flags |= CKF_USER_PIN_COUNT_LOW;
    if (tries == 1)
        flags |= CKF_USER_PIN_FINAL_TRY;
    if (tries == 0)
        flags |= CKF_USER_PIN_LOCKED;
    return flags;
}

CK_RV jpki_slot_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO *info)
{
    jpki_slot slot;
    CK_RV rv = jpki_slot_acquire(id, &slot);
    if (rv != CKR_OK)
        return rv;
    jpki_reader *r = slot.reader;
    jpki_role role = slot.role;
    rv = CKR_TOKEN_NOT_PRESENT;
    if (!jpki_reader_has_token(r, role))
        goto out;
    rv = token_serial(r);
    if (rv == CKR_DEVICE_REMOVED || !r->token_present) {
        rv = CKR_TOKEN_NOT_PRESENT;
        goto out;
    }
    if (rv != CKR_OK)
        goto out;
    memset(info, 0, sizeof(*info));
    const jpki_card_profile *p = jpki_card_profile_of(&r->card);
    pad_copy(info->label, sizeof(info->label), p->role[role].token_label);
    pad_copy(info->manufacturerID, sizeof(info->manufacturerID), "JPKI");
    pad_copy(info->model, sizeof(info->model), p->model);
    memcpy(info->serialNumber, r->serial, sizeof(info->serialNumber));
    int tries = jpki_ts_tries(r, role);
    if (!r->token_present) {
        rv = CKR_TOKEN_NOT_PRESENT;  /* it went while the counters were read */
        goto out;
    }
    info->flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED |
                  CKF_WRITE_PROTECTED | pin_flags(tries, jpki_pin_max_tries(role));
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulSessionCount = r->sessions[role];
    info->ulRwSessionCount = r->rw_sessions[role];
    info->ulMaxPinLen = jpki_pin_max_len(role);
    info->ulMinPinLen = jpki_pin_min_len(role);
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion.major = 1;
    info->firmwareVersion.major = 1;
    memset(info->utcTime, ' ', sizeof(info->utcTime));
    rv = CKR_OK;
out:
    jpki_slot_release(&slot);
    return rv;
}

/* The key of a slot's token; none known without a token. want_size: the
 * sign key's size, when its certificate is not read, from the auth key
 * (read now where it is free): for C_GetMechanismInfo only, which no
 * signature waits for. */
static CK_RV slot_key(CK_SLOT_ID id, bool want_size, jpki_key_info *key, bool *known)
{
    jpki_slot slot;
    CK_RV rv = jpki_slot_acquire(id, &slot);
    *known = false;
    if (rv != CKR_OK)
        return rv;
    if (jpki_reader_has_token(slot.reader, slot.role)) {
        rv = jpki_reader_key(slot.reader, slot.role, key);
        if (rv == CKR_OK && want_size && key->type == CKK_RSA && key->bits == 0 &&
            slot.role == JPKI_ROLE_SIGN) {
            jpki_key_info auth;
            rv = jpki_reader_key(slot.reader, JPKI_ROLE_AUTH, &auth);
            if (rv == CKR_OK && auth.type == CKK_RSA)
                *key = auth;
        }
        *known = rv == CKR_OK && key->type != JPKI_KEY_UNKNOWN;
        if (rv == CKR_DEVICE_REMOVED)
            rv = CKR_OK;   /* the slot is still there: the table's answer */
    }
    jpki_slot_release(&slot);
    return rv;
}

CK_RV jpki_slot_mech_list(CK_SLOT_ID id, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
    jpki_key_info key;
    bool known = false;
    CK_RV rv = slot_key(id, false, &key, &known);
    if (rv != CKR_OK)
        return rv;
    return jpki_mech_list_for_key(known ? &key : NULL, list, count);
}

CK_RV jpki_slot_mech_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
    jpki_key_info key;
    bool known = false;
    CK_RV rv = slot_key(id, true, &key, &known);
    if (rv != CKR_OK)
        return rv;
    return jpki_mech_info_for_key(known ? &key : NULL, type, info);
}
