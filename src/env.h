/*
 * env.h: the module's settings from the environment (JPKI_PKCS11_*, HOME,
 * XDG_CACHE_HOME). One gate for all of them, so that none is ever taken
 * from the environment of a setuid or setgid program's caller.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_ENV_H
#define JPKI_ENV_H

/* The variable's value, or NULL when it is unset or the process runs
 * setuid/setgid (secure_getenv). */
const char *jpki_env(const char *name);

#endif
