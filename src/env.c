/*
 * env.c: see env.h.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* secure_getenv */
#endif
#include <stdlib.h>
#include "env.h"

const char *jpki_env(const char *name)
{
    /* A setuid program's caller chooses its environment: a log file path
     * or a cache directory from there would be written with the program's
     * rights. */
    return secure_getenv(name);
}
