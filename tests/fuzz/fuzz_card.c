/*
 * fuzz_card.c: the card layer (jpki.c, apdu.c) on a card that answers from
 * the fuzz input: SELECT, token info, the four certificates, PIN status,
 * VERIFY and sign of both keys. The first input byte picks the read
 * settings (extended Le, chunk size) so that every chunking path is fuzzed.
 * Whatever the card says, what the layer returns as OK must be sane.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "jpki.h"

static const size_t read_sizes[] = { 256, 128, 1000, 65536 };
static const uint16_t cert_fids[] = {
    JPKI_EF_AUTH_CERT, JPKI_EF_AUTH_CA, JPKI_EF_SIGN_CERT, JPKI_EF_SIGN_CA,
};
/* A SHA-256 DigestInfo, as the module sends it. */
static const uint8_t digest_info[51] = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    0x05, 0x00, 0x04, 0x20,
};

static void check_certificate(jpki_card *card, uint16_t fid)
{
    uint8_t *der = NULL;
    size_t len = 0;
    jpki_status st = jpki_read_certificate(card, fid, &der, &len);

    if (st == JPKI_OK) {
        /* A certificate handed up is exactly one DER SEQUENCE, within bounds. */
        if (der == NULL || len < 2 || len > JPKI_CERT_MAX || der[0] != 0x30)
            abort();
    } else if (der != NULL || len != 0) {
        abort();
    }
    free(der);
}

static void sign_with(jpki_card *card, jpki_role role, const char *pin)
{
    uint8_t sig[JPKI_SIGNATURE_LEN];
    size_t sig_len = 0;
    int tries = -2;
    jpki_status st;

    st = jpki_pin_status(card, role, &tries);
    if (st == JPKI_OK && (tries < -1 || tries > 15))
        abort();
    st = jpki_verify_pin(card, role, (const uint8_t *)pin, strlen(pin), &tries);
    /* "incorrect" only from a VERIFY's 63 Cx, x > 0: never from a SELECT
     * answered 63 Cx (crashes/card/select-answers-63cx), never with no tries
     * left (that is "locked"). */
    if (st == JPKI_E_PIN_INCORRECT && tries < 1)
        abort();
    st = jpki_sign(card, role, digest_info, sizeof digest_info, sig, sizeof sig, &sig_len);
    if ((st == JPKI_OK) != (sig_len == JPKI_SIGNATURE_LEN))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t settings = 0, buf[300];
    jpki_token_info info;
    jpki_transport *t;
    jpki_card card;
    size_t got = 0;

    fuzz_input_reset(data, size);
    if (fuzz_recording())
        fuzz_record_append(&settings, 1);
    else
        (void)fuzz_input_take(&settings, 1);
    t = fuzz_transport_new();
    if (t == NULL)
        return 0;
    jpki_card_init(&card, t);
    card.extended_le = settings & 1;
    card.max_read = read_sizes[(settings >> 1) & 3];

    if (jpki_card_begin(&card, NULL) == JPKI_OK) {
        (void)jpki_select_ap(&card);
        if (jpki_read_token_info(&card, &info) == JPKI_OK &&
            (info.name[0] == '\0' || strlen(info.name) > JPKI_TOKEN_NAME_LEN))
            abort();
        for (size_t i = 0; i < sizeof cert_fids / sizeof cert_fids[0]; i++)
            check_certificate(&card, cert_fids[i]);
        sign_with(&card, JPKI_ROLE_AUTH, "1234");
        sign_with(&card, JPKI_ROLE_SIGN, "ABC123");
        if (jpki_read_binary(&card, JPKI_EF_TOKEN_INFO, 0, buf, sizeof buf, &got) == JPKI_OK &&
            got > sizeof buf)
            abort();
        (void)jpki_change_pin(&card, JPKI_ROLE_AUTH, (const uint8_t *)"4321", 4);
        /* EF 0006's serial and EF 0008: strict parses of what the card says. */
        jpki_cert_list list;
        if (jpki_read_token_serial(&card, &info) == JPKI_OK &&
            (info.serial[0] == '\0' || strlen(info.serial) > JPKI_TOKEN_SERIAL_LEN))
            abort();
        if (jpki_read_cert_list(&card, &list) == JPKI_OK &&
            (list.raw_len < 2 || list.raw_len > sizeof list.raw))
            abort();
        jpki_card_end(&card);
    }
    t->ops->destroy(t);
    return 0;
}
