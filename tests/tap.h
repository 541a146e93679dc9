/*
 * tap.h: a tiny TAP producer for the C tests (automake's tap-driver reads it).
 *   plan_lazy(); ok(cond, "name %d", i); is_ulong(got, want, "name"); done_testing();
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TAP_H
#define JPKI_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline void tap_vresult(int pass, const char *fmt, va_list ap)
{
    printf("%sok %d - ", pass ? "" : "not ", ++tap_count);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    if (!pass)
        tap_failed++;
}

static inline int ok(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int ok(int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vresult(pass, fmt, ap);
    va_end(ap);
    return pass;
}

static inline int is_ulong(unsigned long got, unsigned long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int is_ulong(unsigned long got, unsigned long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vresult(got == want, fmt, ap);
    va_end(ap);
    if (got != want)
        printf("#   got 0x%lx, want 0x%lx\n", got, want);
    return got == want;
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

/* Skip the whole program (automake: exit 77 is a skip). */
static inline void skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    exit(77);
}

static inline int done_testing(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
