/*
 * token_info.c: parsing what EF 0006 (token name, serial number) and EF
 * 0008 (which certificates) say, strictly: a short, padded-only or
 * non-ASCII answer is an error, never read past (jpki-protocol.md §3.1,
 * §3.2). The reads are jpki.c's.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <string.h>

#include "jpki.h"

/* A field of exactly want bytes of printable ASCII padded with blanks or
 * NULs, not blank, into out (want + 1 bytes) without the padding. */
static jpki_status copy_padded(const uint8_t *raw, size_t len, size_t want, char *out)
{
    size_t n = len;

    if (len != want)
        return JPKI_E_MALFORMED;   /* fewer bytes than asked: a broken card */
    /* Real cards pad with blanks; some test doubles with NULs (§3.2). */
    while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\0'))
        n--;
    for (size_t i = 0; i < n; i++)
        if (raw[i] < 0x20 || raw[i] > 0x7E)
            return JPKI_E_MALFORMED;
    if (n == 0)
        return JPKI_E_MALFORMED;
    memcpy(out, raw, n);
    out[n] = '\0';
    return JPKI_OK;
}

jpki_status jpki_parse_token_name(const uint8_t *raw, size_t len, jpki_token_info *info)
{
    if (raw == NULL || info == NULL)
        return JPKI_E_BAD_ARG;
    jpki_status st = copy_padded(raw, len, JPKI_TOKEN_NAME_LEN, info->name);
    if (st == JPKI_OK)
        info->kind = jpki_profile_for_name(info->name)->kind;
    return st;
}

jpki_status jpki_parse_token_serial(const uint8_t *raw, size_t len, jpki_token_info *info)
{
    if (raw == NULL || info == NULL)
        return JPKI_E_BAD_ARG;
    return copy_padded(raw, len, JPKI_TOKEN_SERIAL_LEN, info->serial);
}

jpki_status jpki_parse_cert_list(const uint8_t *raw, size_t len, jpki_cert_list *list)
{
    if (raw == NULL || list == NULL)
        return JPKI_E_BAD_ARG;
    memset(list, 0, sizeof *list);
    if (len < 2 || len > sizeof list->raw)
        return JPKI_E_MALFORMED;
    memcpy(list->raw, raw, len);
    list->raw_len = len;
    list->cert[JPKI_ROLE_SIGN] = raw[0] == 0x00 ? JPKI_CERT_ABSENT : JPKI_CERT_PRESENT;
    list->cert[JPKI_ROLE_AUTH] = raw[1] == 0x00 ? JPKI_CERT_ABSENT : JPKI_CERT_PRESENT;
    return JPKI_OK;
}
