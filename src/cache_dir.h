/*
 * cache_dir.h: the user's cache directory for this module, opened by
 * descriptors from "/" without following a symbolic link at any level.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_CACHE_DIR_H
#define JPKI_CACHE_DIR_H

#include <stdbool.h>

/* $XDG_CACHE_HOME/jpki-pkcs11, else $HOME/.cache/jpki-pkcs11 (absolute
 * paths only, from jpki_env), as an O_RDONLY|O_DIRECTORY descriptor; -1
 * when there is none to use. Every directory on the way must be owned by
 * root or by the euid (so root never uses a HOME another user owns), the
 * last one by the euid with no group or other access. create: makes the
 * last two components (0700) when missing. */
int jpki_cache_dir_open(bool create);

#endif
