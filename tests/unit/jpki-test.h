/*
 * jpki-test.h: what the card-layer tests share: a certificate-shaped EF and
 * the scripted READ BINARY answers for it.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_UNIT_JPKI_TEST_H
#define JPKI_UNIT_JPKI_TEST_H
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../tap.h"
#include "jpki.h"
#include "slot.h"
#include "transport_script.h"

#define SELECT_AP "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"

static uint8_t cert[JPKI_CERT_MAX + 16] __attribute__((unused));

/* A certificate-shaped EF of total bytes with the given header. */
static inline void make_cert(const uint8_t *hdr, size_t hdr_len, size_t total)
{
    memcpy(cert, hdr, hdr_len);
    for (size_t i = hdr_len; i < sizeof cert; i++)
        cert[i] = (uint8_t)(i * 7 + 3);
    (void)total;
}

/* READ BINARY at offset with Le (short: 256 -> 00) answered by n bytes of
 * src and the status word sw. */
static inline void expect_read(jpki_transport *t, size_t offset, size_t le, const uint8_t *src,
                               size_t n, uint16_t sw)
{
    uint8_t cmd[5] = { 0x00, 0xB0, (uint8_t)(offset >> 8), (uint8_t)offset, (uint8_t)le };
    static uint8_t resp[70000];
    if (n)
        memcpy(resp, src, n);
    resp[n] = (uint8_t)(sw >> 8);
    resp[n + 1] = (uint8_t)sw;
    script_expect_bytes(t, cmd, sizeof cmd, resp, n + 2);
}

/* The first chunk of a certificate EF (current-EF form at offset 0). */
static inline void expect_head(jpki_transport *t, size_t total)
{
    expect_read(t, 0, 256, cert, total < 256 ? total : 256, 0x9000);
}

/* The chunked reads of a certificate of total bytes after its first chunk. */
static inline void expect_cert_chunks(jpki_transport *t, size_t total)
{
    for (size_t off = 256; off < total; off += 256) {
        size_t n = total - off < 256 ? total - off : 256;
        expect_read(t, off, n, cert + off, n, 0x9000);
    }
}

/* A card that does not take the SFI forms: the SELECT EF + current-EF
 * sequences (test_sfi covers the SFI forms and the fallback). */
static inline void fresh(jpki_card *card, jpki_transport *t)
{
    jpki_card_init(card, t);
    for (int form = 0; form < JPKI_SFI_FORMS; form++)
        card->sfi[form] = JPKI_SFI_REFUSED;
}

#endif
