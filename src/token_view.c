/*
 * token_view.c: the per-application token view (token_view.h,
 * jpki-pkcs11-tokens.conf(5)).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 *
 * tokens.conf: one "PROGRAM = auth|sign|all" per line, blanks around the
 * words, "#" starts a comment; for a program named twice the last line
 * counts. A file is read whole and used only if every line is good: a
 * half-understood file would hide a token the user meant to keep. The
 * files say which token is convenient for a program, not who may use the
 * card (JPKI_PKCS11_TOKENS overrides them), so the checks are about not
 * taking another user's word: the user's file must be theirs (or root's),
 * the system file root's and writable by root alone. A setuid or setgid
 * process reads neither the environment nor the user's file
 * (jpki_env: secure_getenv).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* program_invocation_short_name */
#endif
#include "token_view.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "env.h"
#include "log.h"

#ifndef JPKI_SYSCONFDIR
#define JPKI_SYSCONFDIR "/etc/jpki-pkcs11"
#endif

#define VIEW_FILE_MAX (64 * 1024)   /* a hand-written list; more is a mistake */

static atomic_uint view_roles = JPKI_VIEW_ALL;

bool jpki_view_parse(const char *word, unsigned *roles)
{
    static const struct { const char *word; unsigned roles; } words[] = {
        { "auth", JPKI_VIEW_AUTH }, { "sign", JPKI_VIEW_SIGN }, { "all", JPKI_VIEW_ALL },
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(word, words[i].word) == 0) {
            *roles = words[i].roles;
            return true;
        }
    }
    return false;
}

const char *jpki_view_name(unsigned roles)
{
    if (roles == JPKI_VIEW_AUTH)
        return "auth";
    if (roles == JPKI_VIEW_SIGN)
        return "sign";
    return "all";
}

void jpki_view_program(char *name, size_t cap)
{
    char exe[JPKI_VIEW_PATH_MAX];
    const char *base = program_invocation_short_name;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        /* The binary was replaced under a running program (an upgrade). */
        static const char deleted[] = " (deleted)";
        size_t len = (size_t)n, dl = sizeof(deleted) - 1;
        if (len > dl && strcmp(exe + len - dl, deleted) == 0)
            exe[len - dl] = '\0';
        const char *slash = strrchr(exe, '/');
        base = slash != NULL ? slash + 1 : exe;
    }
    snprintf(name, cap, "%s", base != NULL ? base : "");
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_blanks(const char *p)
{
    while (is_blank(*p))
        p++;
    return p;
}

/* The length of the word at p: up to a blank, "=", "#" or the end. */
static size_t word_len(const char *p)
{
    size_t n = 0;
    while (p[n] != '\0' && !is_blank(p[n]) && p[n] != '=' && p[n] != '#')
        n++;
    return n;
}

/* One line (NUL-terminated, no newline). False: not a good line. *name is
 * empty for a blank or comment line. */
static bool parse_line(const char *line, char *name, size_t name_cap, unsigned *roles,
                       const char **why)
{
    for (const char *c = line; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') {
            *why = "control character";
            return false;
        }
    }
    name[0] = '\0';
    const char *p = skip_blanks(line);
    if (*p == '\0' || *p == '#')
        return true;
    size_t n = word_len(p);
    *why = "expected: PROGRAM = auth|sign|all";
    if (n == 0)
        return false;
    if (n >= name_cap) {
        *why = "program name too long";
        return false;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    p = skip_blanks(p + n);
    if (*p != '=')
        return false;
    p = skip_blanks(p + 1);
    char value[8];
    n = word_len(p);
    if (n == 0 || n >= sizeof(value))
        return false;
    memcpy(value, p, n);
    value[n] = '\0';
    p = skip_blanks(p + n);
    if ((*p != '\0' && *p != '#') || !jpki_view_parse(value, roles))
        return false;
    return true;
}

/* Whole file in memory, NUL-terminated. False with *why on failure;
 * ENOENT leaves *why NULL. */
static bool read_view_file(const char *path, bool system, char **text, const char **why)
{
    *why = NULL;
    /* O_NONBLOCK: a FIFO in the way must not hang the application. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT)
            *why = strerror(errno);
        return false;
    }
    struct stat sb;
    char *buf = NULL;
    size_t done = 0;
    if (fstat(fd, &sb) != 0) {
        *why = "cannot stat";
    } else if (!S_ISREG(sb.st_mode)) {
        *why = "not a regular file";
    } else if (system && (sb.st_uid != 0 || (sb.st_mode & (S_IWGRP | S_IWOTH)))) {
        *why = "not owned and writable by root alone";
    } else if (!system && sb.st_uid != geteuid() && sb.st_uid != 0) {
        *why = "owned by another user";
    } else if (sb.st_size > VIEW_FILE_MAX) {
        *why = "too long";
    } else if ((buf = malloc(VIEW_FILE_MAX + 2)) == NULL) {
        *why = "out of memory";
    } else {
        /* Read to the end: the size may have changed since fstat. */
        for (;;) {
            ssize_t n = read(fd, buf + done, VIEW_FILE_MAX + 1 - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                *why = "read error";
                break;
            }
            if (n == 0)
                break;
            done += (size_t)n;
            if (done > VIEW_FILE_MAX) {
                *why = "too long";
                break;
            }
        }
        if (*why == NULL && memchr(buf, '\0', done) != NULL)
            *why = "NUL byte";
    }
    close(fd);
    if (*why != NULL) {
        free(buf);
        return false;
    }
    buf[done] = '\0';
    *text = buf;
    return true;
}

/* Looks program up in the file at f->path. */
static void lookup_file(jpki_view_file *f, bool system, const char *program, unsigned *roles)
{
    char *text = NULL;
    const char *why = NULL;
    f->result = JPKI_VIEW_FILE_NONE;
    f->line = 0;
    f->why[0] = '\0';
    if (f->path[0] == '\0')
        return;
    if (!read_view_file(f->path, system, &text, &why)) {
        if (why != NULL)
            goto ignored;
        return;
    }
    f->result = JPKI_VIEW_FILE_NO_ENTRY;
    unsigned line_no = 0, found_roles = 0;
    for (char *line = text; line != NULL;) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line_no++;
        char name[JPKI_VIEW_PROGRAM_MAX];
        unsigned line_roles = 0;
        if (!parse_line(line, name, sizeof(name), &line_roles, &why)) {
            f->line = line_no;
            goto ignored;
        }
        if (name[0] != '\0' && strcmp(name, program) == 0) {
            f->result = JPKI_VIEW_FILE_FOUND;
            f->line = line_no;
            found_roles = line_roles;
        }
        line = next;
    }
    free(text);
    /* Only a file good to its end decides. */
    if (f->result == JPKI_VIEW_FILE_FOUND)
        *roles = found_roles;
    return;
ignored:
    free(text);
    f->result = JPKI_VIEW_FILE_IGNORED;
    snprintf(f->why, sizeof(f->why), "%s", why);
    if (f->line > 0)
        jpki_log(JPKI_LOG_ERROR, "token view: %s:%u: %s; file ignored", f->path, f->line,
                 f->why);
    else
        jpki_log(JPKI_LOG_ERROR, "token view: %s: %s; file ignored", f->path, f->why);
}

/* "" when there is no place for the user's file (no HOME, or setuid). */
static void user_path(char *path, size_t cap)
{
    const char *xdg = jpki_env("XDG_CONFIG_HOME");
    const char *home = jpki_env("HOME");
    int n = -1;
    /* The XDG rule: a relative value is to be ignored. */
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(path, cap, "%s/jpki-pkcs11/%s", xdg, JPKI_VIEW_FILE_NAME);
    else if (home != NULL && home[0] == '/')
        n = snprintf(path, cap, "%s/.config/jpki-pkcs11/%s", home, JPKI_VIEW_FILE_NAME);
    if (n < 0 || (size_t)n >= cap)
        path[0] = '\0';
}

/* JPKI_PKCS11_SYSCONF_DIR stands in for the configured directory in tests;
 * it decides nothing JPKI_PKCS11_TOKENS could not. */
static void system_path(char *path, size_t cap)
{
    const char *dir = jpki_env("JPKI_PKCS11_SYSCONF_DIR");
    if (dir == NULL || dir[0] == '\0')
        dir = JPKI_SYSCONFDIR;
    int n = snprintf(path, cap, "%s/%s", dir, JPKI_VIEW_FILE_NAME);
    if (n < 0 || (size_t)n >= cap)
        path[0] = '\0';
}

void jpki_view_decide(const char *program, jpki_view_choice *choice)
{
    memset(choice, 0, sizeof(*choice));
    choice->roles = JPKI_VIEW_ALL;
    choice->source = JPKI_VIEW_FROM_DEFAULT;
    const char *env = jpki_env("JPKI_PKCS11_TOKENS");
    if (env != NULL && env[0] != '\0') {
        if (jpki_view_parse(env, &choice->roles)) {
            choice->source = JPKI_VIEW_FROM_ENV;
            return;
        }
        choice->env_ignored = true;
        jpki_log(JPKI_LOG_ERROR, "token view: JPKI_PKCS11_TOKENS is not auth, sign or all;"
                 " ignored");
    }
    user_path(choice->user.path, sizeof(choice->user.path));
    lookup_file(&choice->user, false, program, &choice->roles);
    if (choice->user.result == JPKI_VIEW_FILE_FOUND) {
        choice->source = JPKI_VIEW_FROM_USER_FILE;
        return;
    }
    system_path(choice->system.path, sizeof(choice->system.path));
    lookup_file(&choice->system, true, program, &choice->roles);
    if (choice->system.result == JPKI_VIEW_FILE_FOUND)
        choice->source = JPKI_VIEW_FROM_SYSTEM_FILE;
}

void jpki_view_load(void)
{
    char program[JPKI_VIEW_PROGRAM_MAX];
    jpki_view_choice *choice = malloc(sizeof(*choice));
    unsigned roles = JPKI_VIEW_ALL;
    jpki_view_program(program, sizeof(program));
    if (choice != NULL) {
        jpki_view_decide(program, choice);
        roles = choice->roles;
        const char *from = "default";
        if (choice->source == JPKI_VIEW_FROM_ENV)
            from = "JPKI_PKCS11_TOKENS";
        else if (choice->source == JPKI_VIEW_FROM_USER_FILE)
            from = choice->user.path;
        else if (choice->source == JPKI_VIEW_FROM_SYSTEM_FILE)
            from = choice->system.path;
        jpki_log(JPKI_LOG_CALL, "token view of %s: %s (%s)", program, jpki_view_name(roles),
                 from);
        free(choice);
    }
    atomic_store(&view_roles, roles);
}

bool jpki_view_shows(jpki_role role)
{
    return (atomic_load(&view_roles) >> role) & 1u;
}
