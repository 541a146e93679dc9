/*
 * seed.c: makes seed inputs for a fuzz target from the virtual card
 * (tests/vcard/card.c): the target runs once per card variant with the fuzz
 * transport recording the card's real answers, so the seeds are what a
 * real session looks like. Built and run by `scripts/fuzz seed` only.
 *   seed-TARGET STATE_DIR OUT_DIR
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../vcard/card.h"

static struct card the_card;
static int truncate_reads;

static void answer(const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len)
{
    card_process(&the_card, cmd, cmd_len, resp, resp_len);
    /* The hostile variant: READ BINARY one byte short, as --fault truncate-read. */
    if (truncate_reads && cmd_len >= 2 && cmd[1] == 0xB0 && *resp_len > 3) {
        memmove(resp + *resp_len - 3, resp + *resp_len - 2, 2);
        (*resp_len)--;
    }
}

static int write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof path, "%s/seed-%s", dir, name);
    fp = fopen(path, "wb");
    if (fp == NULL || fwrite(p, 1, n, fp) != n) {
        perror(path);
        if (fp)
            fclose(fp);
        return -1;
    }
    return fclose(fp);
}

typedef struct variant {
    const char *name;
    struct card_config cfg;
    const char *auth_pin, *sign_pin;
    unsigned auth_tries, sign_tries;
    int truncate;
} variant;

static const variant variants[] = {
    { "default", { .extended = true }, "1234", "ABC123", 3, 5, 0 },
    { "short-reads", { .extended = false, .max_read = 100 }, "1234", "ABC123", 3, 5, 0 },
    { "no-sign-cert", { .extended = true, .no_sign_cert = true }, "1234", "ABC123", 3, 5, 0 },
    { "juki", { .extended = true, .token_name = "JPKIAPICCTOKEN" }, "1234", "ABC123", 3, 5, 0 },
    { "past-end-6282", { .extended = true, .past_end_sw = 0x6282 }, "1234", "ABC123", 3, 5, 0 },
    { "wrong-pins", { .extended = true }, "9999", "WRONG1", 3, 5, 0 },
    { "final-try", { .extended = true }, "1234", "ABC123", 1, 1, 0 },
    { "locked", { .extended = true }, "1234", "ABC123", 0, 0, 0 },
    { "truncated-reads", { .extended = true }, "1234", "ABC123", 3, 5, 1 },
};

/* The default card again, with one transaction's begin answering
 * something else than JPKI_OK (the card itself stays as it is: a reset
 * here only says one happened). The begins of fuzz_api on that card:
 * 1 probe, 2-4 certificate reads, 5 auth login, 6 auth signature, 7 logout,
 * 8 sign login, 9 context login, 10 sign-key signature, 11 logout. A fault
 * at a begin that never comes (fuzz_card has one) is not written. */
typedef struct begin_fault {
    const char *name;
    unsigned at;
    enum fuzz_begin_result result;
} begin_fault;

static const begin_fault begin_faults[] = {
    { "begin-probe-removed", 1, FUZZ_BEGIN_NO_CARD },
    { "begin-probe-reset", 1, FUZZ_BEGIN_RESET },
    { "begin-probe-comm", 1, FUZZ_BEGIN_COMM },
    { "begin-cert-no-service", 2, FUZZ_BEGIN_NO_SERVICE },
    { "begin-cert-timeout", 3, FUZZ_BEGIN_TIMEOUT },
    { "begin-login-removed", 5, FUZZ_BEGIN_NO_CARD },
    { "begin-login-cancelled", 5, FUZZ_BEGIN_CANCELLED },
    { "begin-sign-reset", 6, FUZZ_BEGIN_RESET },
    { "begin-sign-no-reader", 6, FUZZ_BEGIN_NO_READER },
    { "begin-sign-login-no-memory", 8, FUZZ_BEGIN_NO_MEMORY },
    { "begin-sign-key-reset", 10, FUZZ_BEGIN_RESET },
    { "begin-logout-comm", 11, FUZZ_BEGIN_COMM },
};

static int cert_seeds(const struct pki *pki, const char *out)
{
    const struct der *d[] = { &pki->auth_cert, &pki->auth_ca, &pki->sign_cert, &pki->sign_ca };
    const char *names[] = { "auth-cert", "auth-ca", "sign-cert", "sign-ca" };
    int rc = 0;

    for (size_t i = 0; i < 4; i++) {
        char name[64];
        rc |= write_file(out, names[i], d[i]->data, d[i]->len);
        snprintf(name, sizeof name, "%s-truncated", names[i]);
        rc |= write_file(out, name, d[i]->data, d[i]->len / 2);
    }
    return rc;
}

/* One run of the target on the card variant v (with the begin fault bf,
 * unless NULL), written as seed-NAME. */
static int record(const variant *v, const struct pki *pki, const begin_fault *bf,
                  const char *out)
{
    struct vcard_state st = { .auth_tries = v->auth_tries, .sign_tries = v->sign_tries };
    struct card_config cfg = v->cfg;
    const uint8_t *rec;
    size_t len;
    int rc = 0;

    strcpy(st.auth_pin, v->auth_pin);
    strcpy(st.sign_pin, v->sign_pin);
    if (cfg.token_name[0] == '\0')
        snprintf(cfg.token_name, sizeof cfg.token_name, "%s", card_token_name("card"));
    card_init(&the_card, &cfg, pki, &st);
    truncate_reads = v->truncate;
    fuzz_record_start(answer);
    if (bf != NULL)
        fuzz_record_begin_fault(bf->at, bf->result);
    (void)LLVMFuzzerTestOneInput(NULL, 0);
    rec = fuzz_record_get(&len);
    if (bf == NULL || fuzz_record_begins() >= bf->at)
        rc = write_file(out, bf != NULL ? bf->name : v->name, rec, len);
    fuzz_record_start(NULL);
    return rc;
}

int main(int argc, char **argv)
{
    struct pki pki;
    int rc = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: %s STATE_DIR OUT_DIR\n", argv[0]);
        return 2;
    }
    if (pki_ensure(argv[1]) || pki_load(&pki, argv[1]))
        return 1;
    if (strcmp(FUZZ_TARGET, "cert") == 0) {
        rc = cert_seeds(&pki, argv[2]);
        pki_free(&pki);
        return rc ? 1 : 0;
    }
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        rc |= record(&variants[i], &pki, NULL, argv[2]);
    for (size_t i = 0; i < sizeof begin_faults / sizeof begin_faults[0]; i++)
        rc |= record(&variants[0], &pki, &begin_faults[i], argv[2]);
    pki_free(&pki);
    return rc ? 1 : 0;
}
