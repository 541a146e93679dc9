/*
 * log.h: JPKI_PKCS11_DEBUG logging. Off unless the variable is set:
 *   JPKI_PKCS11_DEBUG=1|2|3          level (1 errors, 2 + calls, 3 + APDUs), to stderr
 *   JPKI_PKCS11_DEBUG=3:/path/file   the same, appended to a file: only a
 *       regular file owned by the user, not a symlink, created 0600;
 *       another file is refused (one line on stderr says so) and the log
 *       goes to stderr. Never read in a setuid/setgid process.
 * Never pass a PIN or the signature certificate's contents to these functions.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_LOG_H
#define JPKI_LOG_H

#include <stddef.h>
#include <stdint.h>

enum jpki_log_level {
    JPKI_LOG_ERROR = 1,
    JPKI_LOG_CALL = 2,  /* PKCS#11 calls and their results */
    JPKI_LOG_APDU = 3,  /* every APDU, PIN bytes redacted */
};

/* Reads JPKI_PKCS11_DEBUG; cheap to call again. */
void jpki_log_init(void);
void jpki_log_close(void);
/* In a forked child (pthread_atfork): the lock may be held by a thread that
 * was not copied; makes it usable again. */
void jpki_log_atfork_child(void);
/* Whether a message of this level would be written (to skip building it). */
int jpki_log_enabled(enum jpki_log_level level);
void jpki_log(enum jpki_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "prefix: 00 A4 04 0C ..." at most max_bytes shown, then "..." */
void jpki_log_hex(enum jpki_log_level level, const char *prefix, const uint8_t *data,
                  size_t len, size_t max_bytes);

#endif
