/*
 * log.c: JPKI_PKCS11_DEBUG. The module runs inside other programs (browsers,
 * ssh), so it is silent unless asked, writes one whole line per call under a
 * mutex (threads must not interleave), and never decides on its own what is
 * secret: callers must not hand it PINs.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "env.h"
#if defined(__linux__)
#include <sys/syscall.h>
#endif

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* Read without the lock by jpki_log_enabled: an atomic keeps that cheap. */
static atomic_int log_level;
static FILE *log_file;        /* NULL: stderr */
static char *log_path;        /* as asked for, also when refused */

static void close_file_locked(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    free(log_path);
    log_path = NULL;
}

/* The file named in JPKI_PKCS11_DEBUG, or NULL (and why, on stderr) when it
 * is not one to write a log into: only a regular file of the user's, never
 * through a symlink, created private. O_NONBLOCK: a FIFO planted there
 * must not hang the application. */
static FILE *open_log_file(const char *path)
{
    const char *why = NULL;
    struct stat sb;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                  0600);
    if (fd < 0)
        why = errno == ELOOP ? "a symbolic link" : strerror(errno);
    else if (fstat(fd, &sb) != 0)
        why = strerror(errno);
    else if (!S_ISREG(sb.st_mode))
        why = "not a regular file";
    else if (sb.st_uid != geteuid())
        why = "owned by another user";
    FILE *f = why == NULL ? fdopen(fd, "a") : NULL;
    if (why == NULL && f == NULL)
        why = strerror(errno);
    if (why != NULL) {
        if (fd >= 0)
            close(fd);
        /* The user asked for a log: say where it goes instead. */
        fprintf(stderr, "jpki-pkcs11: JPKI_PKCS11_DEBUG: %s not used (%s); logging to "
                "standard error\n", path, why);
        return NULL;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

void jpki_log_init(void)
{
    const char *env = jpki_env("JPKI_PKCS11_DEBUG");
    int level = 0;
    const char *path = NULL;

    if (env && *env) {
        char *end = NULL;
        long v = strtol(env, &end, 10);
        if (end != env) {
            if (v < 0)
                v = 0;
            if (v > JPKI_LOG_APDU)
                v = JPKI_LOG_APDU;
            level = (int)v;
            if (*end == ':' && end[1] != '\0')
                path = end + 1;
        }
    }

    pthread_mutex_lock(&log_lock);
    /* Keep an open file when nothing changed: C_Initialize may run often
     * (and a refused file is not refused again with every call). */
    if (path == NULL || log_path == NULL || strcmp(path, log_path) != 0) {
        close_file_locked();
        if (path && level > 0) {
            log_file = open_log_file(path);
            log_path = strdup(path);
        }
    }
    atomic_store(&log_level, level);
    pthread_mutex_unlock(&log_lock);
}

void jpki_log_atfork_child(void)
{
    /* The fork may have happened while another thread of the parent held
     * the lock: that thread does not exist here to release it. */
    static const pthread_mutex_t unlocked = PTHREAD_MUTEX_INITIALIZER;
    memcpy(&log_lock, &unlocked, sizeof log_lock);
}

void jpki_log_close(void)
{
    pthread_mutex_lock(&log_lock);
    atomic_store(&log_level, 0);
    close_file_locked();
    pthread_mutex_unlock(&log_lock);
}

int jpki_log_enabled(enum jpki_log_level level)
{
    return (int)level <= atomic_load(&log_level);
}

static unsigned long thread_id(void)
{
#if defined(__linux__) && defined(SYS_gettid)
    return (unsigned long)syscall(SYS_gettid);
#else
    return (unsigned long)(uintptr_t)pthread_self();
#endif
}

static const char *level_name(enum jpki_log_level level)
{
    switch (level) {
    case JPKI_LOG_ERROR:
        return "ERR ";
    case JPKI_LOG_CALL:
        return "CALL";
    case JPKI_LOG_APDU:
        return "APDU";
    }
    return "?";
}

static void vlog(enum jpki_log_level level, const char *fmt, va_list ap)
{
    struct timespec ts = { 0, 0 };
    struct tm tm;
    char stamp[32] = "";

    if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm))
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    pthread_mutex_lock(&log_lock);
    FILE *f = log_file ? log_file : stderr;
    fprintf(f, "%s.%03ldZ jpki-pkcs11[%ld/%lu] %s ", stamp, ts.tv_nsec / 1000000L,
            (long)getpid(), thread_id(), level_name(level));
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    fflush(f);
    pthread_mutex_unlock(&log_lock);
}

void jpki_log(enum jpki_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (!jpki_log_enabled(level))
        return;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

/* vlog takes a va_list; this wraps it for the hex dump's single line. */
static void log_line(enum jpki_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_line(enum jpki_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

void jpki_log_hex(enum jpki_log_level level, const char *prefix, const uint8_t *data,
                  size_t len, size_t max_bytes)
{
    static const char hexdigits[] = "0123456789ABCDEF";
    size_t shown, pos = 0;
    char *buf;

    if (!jpki_log_enabled(level))
        return;
    if (data == NULL)
        len = 0;
    shown = len < max_bytes ? len : max_bytes;
    buf = malloc(shown * 3 + 8);
    if (buf == NULL) {
        log_line(level, "%s: (%zu bytes)", prefix ? prefix : "", len);
        return;
    }
    for (size_t i = 0; i < shown; i++) {
        if (i > 0)
            buf[pos++] = ' ';
        buf[pos++] = hexdigits[data[i] >> 4];
        buf[pos++] = hexdigits[data[i] & 0x0F];
    }
    if (shown < len) {
        memcpy(buf + pos, " ...", 4);
        pos += 4;
    }
    buf[pos] = '\0';
    log_line(level, "%s: %s", prefix ? prefix : "", buf);
    free(buf);
}
