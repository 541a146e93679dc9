/*
 * fuzz_reader.c: src/reader.h without PC/SC, for the API fuzz target: one
 * reader with a card always in it, whose transport answers from the fuzz
 * input. Linked instead of transport_pcsc.c (the convenience library's
 * member is then never pulled in).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reader.h"

struct jpki_pcsc {
    int unused;
};

jpki_status jpki_pcsc_open(jpki_pcsc **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? JPKI_OK : JPKI_E_NO_MEMORY;
}

void jpki_pcsc_close(jpki_pcsc *ctx)
{
    free(ctx);
}

bool jpki_pcsc_is_stale(jpki_pcsc *ctx)
{
    (void)ctx;
    return false;
}

jpki_status jpki_pcsc_list_readers(jpki_pcsc *ctx, char ***names, size_t *count)
{
    (void)ctx;
    *count = 0;
    *names = calloc(1, sizeof **names);
    if (*names == NULL || ((*names)[0] = strdup("Fuzz Reader 00 00")) == NULL) {
        free(*names);
        *names = NULL;
        return JPKI_E_NO_MEMORY;
    }
    *count = 1;
    return JPKI_OK;
}

void jpki_pcsc_free_names(char **names, size_t count)
{
    for (size_t i = 0; names != NULL && i < count; i++)
        free(names[i]);
    free(names);
}

jpki_status jpki_pcsc_reader_status(jpki_pcsc *ctx, const char *reader, jpki_reader_status *out)
{
    (void)ctx;
    (void)reader;
    memset(out, 0, sizeof *out);
    out->present = true;
    out->event_count = 1;
    return JPKI_OK;
}

jpki_status jpki_pcsc_wait_change(jpki_pcsc *ctx, const char *const *readers,
                                  const uint32_t *known, size_t n, long timeout_ms)
{
    (void)ctx;
    (void)readers;
    (void)known;
    (void)n;
    /* Nothing ever changes here; never block a fuzzer. */
    return timeout_ms < 0 ? JPKI_E_CANCELLED : JPKI_E_TIMEOUT;
}

void jpki_pcsc_cancel(jpki_pcsc *ctx)
{
    (void)ctx;
}

jpki_status jpki_pcsc_connect(jpki_pcsc *ctx, const char *reader, jpki_transport **out)
{
    (void)ctx;
    (void)reader;
    *out = fuzz_transport_new();
    return *out ? JPKI_OK : JPKI_E_NO_MEMORY;
}
