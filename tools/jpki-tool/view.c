/*
 * view.c: the view command: which of the card's two tokens a program sees
 * through the module (jpki-pkcs11-tokens.conf(5)) and what decided it, by
 * the code the module runs at C_Initialize (src/token_view.c). The program
 * is a name or a path (its base name counts, as for the module).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "token_view.h"

static void print_ignored(const jpki_view_file *file)
{
    if (file->result != JPKI_VIEW_FILE_IGNORED)
        return;
    if (file->line > 0)
        msg_print(stdout, M_VIEW_IGNORED_LINE, file->path, file->line, file->why);
    else
        msg_print(stdout, M_VIEW_IGNORED_FILE, file->path, file->why);
}

int cmd_view(const char *program)
{
    if (program == NULL || program[0] == '\0') {
        msg_print(stderr, M_BAD_ARGUMENT, "view");
        return EXIT_TOOL_USAGE;
    }
    const char *slash = strrchr(program, '/');
    const char *name = slash != NULL ? slash + 1 : program;
    if (name[0] == '\0' || strlen(name) >= JPKI_VIEW_PROGRAM_MAX) {
        msg_print(stderr, M_BAD_ARGUMENT, program);
        return EXIT_TOOL_USAGE;
    }
    jpki_view_choice *choice = malloc(sizeof(*choice));
    if (choice == NULL)
        return EXIT_TOOL_CARD_ERROR;
    jpki_view_decide(name, choice);

    msg_print(stdout, M_VIEW_PROGRAM, name);
    msg_id tokens = M_VIEW_ALL;
    if (choice->roles == JPKI_VIEW_AUTH)
        tokens = M_VIEW_AUTH;
    else if (choice->roles == JPKI_VIEW_SIGN)
        tokens = M_VIEW_SIGN;
    msg_print(stdout, tokens, jpki_view_name(choice->roles));
    switch (choice->source) {
    case JPKI_VIEW_FROM_ENV:
        msg_print(stdout, M_VIEW_FROM_ENV);
        break;
    case JPKI_VIEW_FROM_USER_FILE:
        msg_print(stdout, M_VIEW_FROM_FILE, choice->user.path, choice->user.line);
        break;
    case JPKI_VIEW_FROM_SYSTEM_FILE:
        msg_print(stdout, M_VIEW_FROM_FILE, choice->system.path, choice->system.line);
        break;
    default:
        msg_print(stdout, M_VIEW_FROM_DEFAULT);
        break;
    }
    if (choice->env_ignored)
        msg_print(stdout, M_VIEW_IGNORED_ENV);
    print_ignored(&choice->user);
    print_ignored(&choice->system);
    free(choice);
    return EXIT_TOOL_OK;
}
