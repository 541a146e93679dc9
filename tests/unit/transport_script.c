/*
 * transport_script.c: the scripted transport of transport_script.h.
 * Mismatches are printed as TAP comments so a failing test shows what the
 * code sent against what the script expected.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "transport_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct script_step {
    uint8_t *cmd;          /* NULL: any command (failure steps only) */
    size_t cmd_len;
    uint8_t *resp;
    size_t resp_len;
    jpki_status fail;      /* JPKI_OK: answer resp */
    bool any_op;           /* a failure for the next begin or transmit */
} script_step;

typedef struct script_transport {
    jpki_transport base;
    script_step *steps;
    size_t count, cap, next;
    unsigned mismatches, begins, ends;
} script_transport;

static script_transport *as_script(jpki_transport *t)
{
    return (script_transport *)t;
}

size_t script_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;

    for (const char *p = hex; *p; p++) {
        int v;
        if (*p == ' ' || *p == ':' || *p == '\n')
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            return 0;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= cap)
            return 0;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? n : 0;
}

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
    printf("#   %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 48; i++)
        printf(" %02X", b[i]);
    printf("%s\n", n > 48 ? " ..." : "");
}

static script_step *add_step(script_transport *s)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        script_step *n = realloc(s->steps, cap * sizeof *n);
        if (n == NULL) {
            fprintf(stderr, "transport_script: out of memory\n");
            abort();
        }
        s->steps = n;
        s->cap = cap;
    }
    script_step *st = &s->steps[s->count++];
    memset(st, 0, sizeof *st);
    return st;
}

static uint8_t *dup_bytes(const uint8_t *b, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (d == NULL)
        abort();
    if (n)
        memcpy(d, b, n);
    return d;
}

static uint8_t *parse_dup(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        abort();
    *len = script_hex(hex, buf, cap);
    if (*len == 0 && hex[strspn(hex, " ")] != '\0') {
        fprintf(stderr, "transport_script: bad hex \"%s\"\n", hex);
        abort();
    }
    return buf;
}

void script_expect_bytes(jpki_transport *t, const uint8_t *cmd, size_t cmd_len,
                         const uint8_t *resp, size_t resp_len)
{
    script_step *st = add_step(as_script(t));
    st->cmd = dup_bytes(cmd, cmd_len);
    st->cmd_len = cmd_len;
    st->resp = dup_bytes(resp, resp_len);
    st->resp_len = resp_len;
}

void script_expect(jpki_transport *t, const char *cmd_hex, const char *resp_hex)
{
    script_step *st = add_step(as_script(t));
    st->cmd = parse_dup(cmd_hex, &st->cmd_len);
    st->resp = parse_dup(resp_hex, &st->resp_len);
}

void script_fail_next(jpki_transport *t, jpki_status status)
{
    script_step *st = add_step(as_script(t));
    st->fail = status;
    st->any_op = true;
}

void script_expect_fail(jpki_transport *t, const char *cmd_hex, jpki_status status)
{
    script_step *st = add_step(as_script(t));
    st->cmd = parse_dup(cmd_hex, &st->cmd_len);
    st->fail = status;
}

static void free_steps(script_transport *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->steps[i].cmd);
        free(s->steps[i].resp);
    }
    s->count = 0;
    s->next = 0;
}

static jpki_status script_begin(jpki_transport *t)
{
    script_transport *s = as_script(t);

    s->begins++;
    if (s->next < s->count && s->steps[s->next].any_op)
        return s->steps[s->next++].fail;
    return JPKI_OK;
}

static void script_end(jpki_transport *t)
{
    as_script(t)->ends++;
}

static jpki_status script_transmit(jpki_transport *t, const uint8_t *cmd, size_t cmd_len,
                                   uint8_t *resp, size_t *resp_len)
{
    script_transport *s = as_script(t);
    script_step *st;
    size_t cap = *resp_len;

    *resp_len = 0;
    if (s->next >= s->count) {
        s->mismatches++;
        printf("# transport_script: unexpected command after the end of the script\n");
        print_hex("got", cmd, cmd_len);
        return JPKI_E_COMM;
    }
    st = &s->steps[s->next];
    if (st->cmd != NULL && (st->cmd_len != cmd_len || memcmp(st->cmd, cmd, cmd_len) != 0)) {
        s->mismatches++;
        printf("# transport_script: step %zu: command mismatch\n", s->next);
        print_hex("want", st->cmd, st->cmd_len);
        print_hex("got", cmd, cmd_len);
        s->next++;
        return JPKI_E_COMM;
    }
    s->next++;
    if (st->fail != JPKI_OK)
        return st->fail;
    if (st->resp_len > cap) {
        /* What PC/SC does with a too small buffer. */
        printf("# transport_script: response of %zu bytes > buffer of %zu\n", st->resp_len, cap);
        return JPKI_E_COMM;
    }
    memcpy(resp, st->resp, st->resp_len);
    *resp_len = st->resp_len;
    return JPKI_OK;
}

static void script_destroy(jpki_transport *t)
{
    script_free(t);
}

static const jpki_transport_ops script_ops = {
    .begin = script_begin,
    .end = script_end,
    .transmit = script_transmit,
    .destroy = script_destroy,
};

jpki_transport *script_new(void)
{
    script_transport *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->base.ops = &script_ops;
    return &s->base;
}

void script_free(jpki_transport *t)
{
    script_transport *s = as_script(t);

    if (s == NULL)
        return;
    free_steps(s);
    free(s->steps);
    free(s);
}

bool script_done(jpki_transport *t)
{
    script_transport *s = as_script(t);

    if (s->next < s->count)
        printf("# transport_script: %zu step(s) not consumed\n", s->count - s->next);
    return s->mismatches == 0 && s->next == s->count;
}

unsigned script_mismatches(jpki_transport *t)
{
    return as_script(t)->mismatches;
}

size_t script_remaining(jpki_transport *t)
{
    script_transport *s = as_script(t);
    return s->count - s->next;
}

unsigned script_begins(jpki_transport *t)
{
    return as_script(t)->begins;
}

unsigned script_ends(jpki_transport *t)
{
    return as_script(t)->ends;
}

void script_reset(jpki_transport *t)
{
    script_transport *s = as_script(t);
    free_steps(s);
    s->mismatches = 0;
}
