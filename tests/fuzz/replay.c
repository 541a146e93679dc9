/*
 * replay.c: a main for a fuzz target without libFuzzer, so that make check
 * runs every committed input (tests/fuzz/corpus/TARGET and, for inputs that
 * once crashed, tests/fuzz/crashes/TARGET) through the target as built for
 * the test suite (ASan too under scripts/check-asan). One TAP line: a crash
 * kills the program, which the TAP driver reports. Files named on the
 * command line are run instead (for reproducing a fuzzer's find).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../tap.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif

#define INPUT_MAX (1 << 20)   /* libFuzzer's default -max_len is far smaller */

static int run_file(const char *path)
{
    static uint8_t buf[INPUT_MAX];
    FILE *fp = fopen(path, "rb");
    size_t n;

    if (fp == NULL) {
        diag("cannot open %s", path);
        return -1;
    }
    n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    /* A heap copy of the exact size lets ASan see reads past the end. */
    uint8_t *copy = malloc(n ? n : 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, buf, n);
    (void)LLVMFuzzerTestOneInput(copy, n);
    free(copy);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir in name order; returns how many, or -1. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    long ran = 0;

    if (d == NULL)
        return 0;   /* no crashes directory: nothing to replay */
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (nn == NULL)
                abort();
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            abort();
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (run_file(path) < 0)
            ran = -1;
        else if (ran >= 0)
            ran++;
        free(names[i]);
    }
    free(names);
    return ran;
}

int main(int argc, char **argv)
{
    const char *top = getenv("top_srcdir");
    char dir[4096];
    long corpus, crashes;

    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            ok(run_file(argv[i]) == 0, "%s: %s", FUZZ_TARGET, argv[i]);
        return done_testing();
    }
    if (top == NULL)
        top = ".";
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top, FUZZ_TARGET);
    corpus = run_dir(dir);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/crashes/%s", top, FUZZ_TARGET);
    crashes = run_dir(dir);
    /* An empty corpus means the test lost its inputs, not that all is well. */
    ok(corpus > 0 && crashes >= 0, "%s: %ld corpus and %ld past crash inputs ran", FUZZ_TARGET,
       corpus, crashes);
    return done_testing();
}
