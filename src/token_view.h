/*
 * token_view.h: which of the two tokens a process sees
 * (jpki-pkcs11-tokens.conf(5)).
 * Decided at C_Initialize, in order: JPKI_PKCS11_TOKENS (auth, sign or
 * all), the user's file $XDG_CONFIG_HOME/jpki-pkcs11/tokens.conf (default
 * ~/.config/...), the system file <sysconfdir>/jpki-pkcs11/tokens.conf,
 * both keyed by program name (the executable's base name), then "all".
 * A hidden token's slot is not listed and its ID is invalid; the other
 * slot keeps its ID. A file that cannot be trusted or parsed is ignored
 * as a whole (logged); the module still loads.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TOKEN_VIEW_H
#define JPKI_TOKEN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "jpki.h"

/* Bits of the roles a process sees. */
#define JPKI_VIEW_AUTH (1u << JPKI_ROLE_AUTH)
#define JPKI_VIEW_SIGN (1u << JPKI_ROLE_SIGN)
#define JPKI_VIEW_ALL (JPKI_VIEW_AUTH | JPKI_VIEW_SIGN)

#define JPKI_VIEW_FILE_NAME "tokens.conf"
#define JPKI_VIEW_PATH_MAX 4096
#define JPKI_VIEW_PROGRAM_MAX 256

typedef enum jpki_view_source {
    JPKI_VIEW_FROM_DEFAULT,
    JPKI_VIEW_FROM_ENV,
    JPKI_VIEW_FROM_USER_FILE,
    JPKI_VIEW_FROM_SYSTEM_FILE,
} jpki_view_source;

typedef enum jpki_view_file_result {
    JPKI_VIEW_FILE_NONE,      /* no such file (or no place for one: no HOME) */
    JPKI_VIEW_FILE_NO_ENTRY,  /* a good file without a line for the program */
    JPKI_VIEW_FILE_FOUND,
    JPKI_VIEW_FILE_IGNORED,   /* broken or untrusted: why says so */
} jpki_view_file_result;

typedef struct jpki_view_file {
    char path[JPKI_VIEW_PATH_MAX];
    jpki_view_file_result result;
    unsigned line;   /* FOUND: the deciding line; IGNORED: the bad one, or 0 */
    char why[96];    /* IGNORED */
} jpki_view_file;

typedef struct jpki_view_choice {
    unsigned roles;           /* JPKI_VIEW_* */
    jpki_view_source source;
    bool env_ignored;         /* JPKI_PKCS11_TOKENS was set to something else */
    jpki_view_file user;      /* read only when the environment did not decide */
    jpki_view_file system;    /* read only when neither did the user's file */
} jpki_view_choice;

/* "auth", "sign", "all" (any case) to JPKI_VIEW_* bits. */
bool jpki_view_parse(const char *word, unsigned *roles);
/* The word for roles: "auth", "sign" or "all". */
const char *jpki_view_name(unsigned roles);
/* This process's program name: the base name of /proc/self/exe (argv[0]'s
 * when /proc is missing). */
void jpki_view_program(char *name, size_t cap);
/* The decision for a program, from this process's environment and files;
 * logs every ignored setting. */
void jpki_view_decide(const char *program, jpki_view_choice *choice);

/* The module: decide for this process (C_Initialize). */
void jpki_view_load(void);
/* Whether this process sees role's token (both until jpki_view_load). */
bool jpki_view_shows(jpki_role role);

#endif
