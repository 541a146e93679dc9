/*
 * state.c: PIN values and retry counters of the virtual card, kept in
 * DIR/pins as "key=value" lines so a blocked test card stays blocked across
 * restarts, exactly like a physical one.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int state_make_dir(const char *dir)
{
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "jpki-vcard: mkdir %s: %s\n", dir, strerror(errno));
    return -1;
}

static int copy_pin(char *dst, const char *src)
{
    size_t n = strlen(src);

    if (n == 0 || n > VCARD_PIN_MAX)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

static int parse_tries(unsigned *dst, const char *src, unsigned max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(src, &end, 10);
    if (errno || end == src || *end || v > max)
        return -1;
    *dst = (unsigned)v;
    return 0;
}

int state_load(struct vcard_state *st, const char *dir)
{
    char line[256];
    FILE *f;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    strcpy(st->auth_pin, "1234");
    strcpy(st->sign_pin, "ABC123");
    st->auth_tries = VCARD_AUTH_TRIES;
    st->sign_tries = VCARD_SIGN_TRIES;
    if ((size_t)snprintf(st->path, sizeof(st->path), "%s/pins", dir) >= sizeof(st->path))
        return -1;

    f = fopen(st->path, "r");
    if (!f)
        return errno == ENOENT ? 1 : -1;
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '=');
        char *nl = strchr(line, '\n');

        if (nl)
            *nl = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!eq) {
            rc = -1;
            break;
        }
        *eq++ = '\0';
        if (strcmp(line, "auth_pin") == 0)
            rc = copy_pin(st->auth_pin, eq);
        else if (strcmp(line, "sign_pin") == 0)
            rc = copy_pin(st->sign_pin, eq);
        else if (strcmp(line, "auth_tries") == 0)
            rc = parse_tries(&st->auth_tries, eq, VCARD_AUTH_TRIES);
        else if (strcmp(line, "sign_tries") == 0)
            rc = parse_tries(&st->sign_tries, eq, VCARD_SIGN_TRIES);
        if (rc)
            break;
    }
    fclose(f);
    if (rc)
        fprintf(stderr, "jpki-vcard: %s: malformed\n", st->path);
    return rc;
}

int state_save(const struct vcard_state *st)
{
    char tmp[sizeof(st->path) + 8];
    FILE *f;
    int rc;

    if (!st->path[0])
        return 0;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", st->path) >= sizeof(tmp))
        return -1;
    f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "jpki-vcard: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "# jpki-vcard PIN state (test card only)\n"
               "auth_pin=%s\nsign_pin=%s\nauth_tries=%u\nsign_tries=%u\n",
            st->auth_pin, st->sign_pin, st->auth_tries, st->sign_tries);
    rc = fclose(f);
    if (rc == 0)
        rc = rename(tmp, st->path);
    if (rc)
        fprintf(stderr, "jpki-vcard: saving %s: %s\n", st->path, strerror(errno));
    return rc ? -1 : 0;
}
