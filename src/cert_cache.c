/*
 * cert_cache.c: the per-user disk cache of a card's PUBLIC certificates.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 *
 * Files are $XDG_CACHE_HOME/jpki-pkcs11/<SHA-256 of the auth certificate's
 * first chunk>-<EF>.der (or ~/.cache/...), mode 0600 in a 0700 directory
 * owned by the user. The key is read anyway at card arrival, so a hit
 * costs no APDU, and a different card (or the same card with a renewed
 * certificate) has a different key. Every user may use it, root too (its
 * home is its own); a setuid or setgid process never does
 * (secure_getenv), so it cannot write into someone else's home. A file is
 * used only if it is a regular file of the user, private, parses as one
 * DER certificate and, for the auth certificate, starts with the chunk
 * the card just gave. On by default; JPKI_PKCS11_CACHE=0 turns it off.
 * When a card's auth certificate is first written (a card new to this
 * user), the files of other cards whose auth certificate has expired, or is
 * missing, are removed: the cache holds the cards in use and no more.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* secure_getenv */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "cert_cache.h"
#include "jpki.h"
#include "log.h"

#define CACHE_PATH_MAX 4096
#define CACHE_KEY_LEN 64   /* hex digits of a SHA-256 */

static bool cache_fid(uint16_t fid)
{
    return fid == JPKI_EF_AUTH_CERT || fid == JPKI_EF_AUTH_CA || fid == JPKI_EF_SIGN_CA;
}

/* On unless JPKI_PKCS11_CACHE=0, and never in a setuid/setgid process. */
static bool cache_enabled(void)
{
    const char *setting = getenv("JPKI_PKCS11_CACHE");
    if (setting != NULL && strcmp(setting, "0") == 0)
        return false;
    /* secure_getenv is NULL in a setuid/setgid process. */
    return secure_getenv("HOME") != NULL || secure_getenv("XDG_CACHE_HOME") != NULL;
}

static bool cache_dir(char *dir, size_t cap)
{
    if (!cache_enabled())
        return false;
    const char *xdg = secure_getenv("XDG_CACHE_HOME");
    const char *home = secure_getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(dir, cap, "%s/jpki-pkcs11", xdg);
    else if (home != NULL && home[0] == '/')
        n = snprintf(dir, cap, "%s/.cache/jpki-pkcs11", home);
    else
        return false;
    return n > 0 && (size_t)n < cap;
}

static bool dir_private(const char *dir)
{
    struct stat sb;
    return lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() &&
           (sb.st_mode & 077) == 0;
}

/* The file <key>-<suffix> of the card named by head. */
static bool card_path(const uint8_t *head, size_t head_len, const char *suffix, char *dir,
                      char *path)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char key[CACHE_KEY_LEN + 1];

    if (head == NULL || head_len == 0 || !cache_dir(dir, CACHE_PATH_MAX))
        return false;
    if (EVP_Digest(head, head_len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != CACHE_KEY_LEN / 2)
        return false;
    for (unsigned i = 0; i < CACHE_KEY_LEN / 2; i++) {
        key[2 * i] = hex[md[i] >> 4];
        key[2 * i + 1] = hex[md[i] & 0x0f];
    }
    key[CACHE_KEY_LEN] = '\0';
    int n = snprintf(path, CACHE_PATH_MAX, "%s/%s-%s", dir, key, suffix);
    return n > 0 && n < CACHE_PATH_MAX;
}

/* The file for fid of the card named by head; false when there is none to use. */
static bool cache_path(const uint8_t *head, size_t head_len, uint16_t fid, char *dir,
                       char *path)
{
    char suffix[16];
    snprintf(suffix, sizeof suffix, "%04x.der", (unsigned)fid);
    return cache_fid(fid) && card_path(head, head_len, suffix, dir, path);
}

static bool cache_valid(const uint8_t *head, size_t head_len, uint16_t fid, const uint8_t *der,
                        size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    bool good = x != NULL && p == der + len;
    X509_free(x);
    if (good && fid == JPKI_EF_AUTH_CERT)
        good = len >= head_len && memcmp(der, head, head_len) == 0;
    return good;
}

/* The contents of a regular, private file of the user, of certificate size;
 * malloc'd. */
static bool read_private_file(int dir_fd, const char *name, uint8_t **out, size_t *out_len)
{
    struct stat sb;
    uint8_t *buf = NULL;
    size_t size = 0, done = 0;
    /* O_NONBLOCK: a FIFO in the way must not hang the application. */
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
        (sb.st_mode & 077) == 0 && sb.st_size > 0 && sb.st_size <= JPKI_CERT_MAX) {
        size = (size_t)sb.st_size;
        buf = malloc(size);
    }
    while (buf != NULL && done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    if (buf == NULL || done != size) {
        free(buf);
        return false;
    }
    *out = buf;
    *out_len = size;
    return true;
}

bool jpki_cert_cache_load(const uint8_t *head, size_t head_len, uint16_t fid, uint8_t **der,
                          size_t *len)
{
    char dir[CACHE_PATH_MAX], path[CACHE_PATH_MAX];
    uint8_t *buf = NULL;
    size_t size = 0;

    if (!cache_path(head, head_len, fid, dir, path) || !dir_private(dir))
        return false;
    if (!read_private_file(AT_FDCWD, path, &buf, &size))
        return false;
    if (!cache_valid(head, head_len, fid, buf, size)) {
        jpki_log(JPKI_LOG_ERROR, "cache file for EF %04X not used", fid);
        free(buf);
        return false;
    }
    *der = buf;
    *len = size;
    return true;
}

/* A cache file's name: the card's key, '-', 4 hex digits (the EF), ".der";
 * or the card's key, '-', a fact's name. */
static bool cache_file_name(const char *name)
{
    size_t n = strlen(name);
    if (n > CACHE_KEY_LEN + 1 && name[CACHE_KEY_LEN] == '-' &&
        strcmp(name + CACHE_KEY_LEN + 1, JPKI_FACT_PSS) == 0)
        n = CACHE_KEY_LEN;   /* the key's digits are checked below */
    else if (n != CACHE_KEY_LEN + 1 + 4 + 4 || name[CACHE_KEY_LEN] != '-' ||
             strcmp(name + n - 4, ".der") != 0)
        return false;
    else
        n -= 4;
    for (size_t i = 0; i < n; i++)
        if (i != CACHE_KEY_LEN && strchr("0123456789abcdef", name[i]) == NULL)
            return false;
    return true;
}

/* Whether the card named by a cache file's key has an auth certificate
 * file that has not expired. */
static bool card_current(int dir_fd, const char *name)
{
    char auth[CACHE_KEY_LEN + 10];
    uint8_t *der = NULL;
    size_t len = 0;
    snprintf(auth, sizeof auth, "%.*s-%04x.der", CACHE_KEY_LEN, name,
             (unsigned)JPKI_EF_AUTH_CERT);
    if (!read_private_file(dir_fd, auth, &der, &len))
        return false;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    bool current = x != NULL && X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
    X509_free(x);
    free(der);
    return current;
}

/* Removes the files of other cards that are not current (see the top). */
static void cache_prune(const char *dir, const char *own_path)
{
    const char *own = strrchr(own_path, '/');
    DIR *d = opendir(dir);
    if (d == NULL || own == NULL) {
        if (d != NULL)
            closedir(d);
        return;
    }
    own++;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!cache_file_name(e->d_name) || strncmp(e->d_name, own, CACHE_KEY_LEN) == 0 ||
            card_current(dirfd(d), e->d_name))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            jpki_log(JPKI_LOG_CALL, "cache: removed %s (an expired card)", e->d_name);
    }
    closedir(d);
}

/* Writes path (in dir, made private if new) at once, through a temporary
 * file, mode 0600. */
static bool write_private_file(char *dir, const char *path, const uint8_t *data, size_t len)
{
    char tmp[CACHE_PATH_MAX];
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        (void)mkdir(dir, 0700);   /* ~/.cache, as the XDG spec wants it */
        *slash = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return false;
    if (!dir_private(dir))
        return false;
    int n = snprintf(tmp, sizeof tmp, "%s/.new-XXXXXX", dir);
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return false;
    int fd = mkstemp(tmp);   /* mode 0600 */
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    bool good = done == len && fchmod(fd, 0600) == 0;
    if (close(fd) != 0)
        good = false;
    if (!good || rename(tmp, path) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}

/* Best effort: a cache that cannot be written is no cache. */
void jpki_cert_cache_store(const uint8_t *head, size_t head_len, uint16_t fid,
                           const uint8_t *der, size_t len)
{
    char dir[CACHE_PATH_MAX], path[CACHE_PATH_MAX];

    /* Only what a later load would accept. */
    if (!cache_path(head, head_len, fid, dir, path) ||
        !cache_valid(head, head_len, fid, der, len))
        return;
    if (write_private_file(dir, path, der, len) && fid == JPKI_EF_AUTH_CERT)
        cache_prune(dir, path);
}

/* A fact file holds one word and a newline. */
#define FACT_VALUE_MAX 15

bool jpki_card_fact_load(const uint8_t *head, size_t head_len, const char *name, char *value,
                         size_t cap)
{
    char dir[CACHE_PATH_MAX], path[CACHE_PATH_MAX];
    uint8_t *buf = NULL;
    size_t size = 0;

    if (name == NULL || strcmp(name, JPKI_FACT_PSS) != 0 || value == NULL || cap == 0 ||
        !card_path(head, head_len, name, dir, path) || !dir_private(dir) ||
        !read_private_file(AT_FDCWD, path, &buf, &size))
        return false;
    bool good = size >= 2 && size - 1 < cap && size - 1 <= FACT_VALUE_MAX &&
                buf[size - 1] == '\n';
    for (size_t i = 0; good && i + 1 < size; i++)
        good = buf[i] >= 'a' && buf[i] <= 'z';
    if (good) {
        memcpy(value, buf, size - 1);
        value[size - 1] = '\0';
    }
    free(buf);
    return good;
}

void jpki_card_fact_store(const uint8_t *head, size_t head_len, const char *name,
                          const char *value)
{
    char dir[CACHE_PATH_MAX], path[CACHE_PATH_MAX], line[FACT_VALUE_MAX + 2];

    if (name == NULL || strcmp(name, JPKI_FACT_PSS) != 0 || value == NULL ||
        strlen(value) > FACT_VALUE_MAX || !card_path(head, head_len, name, dir, path))
        return;
    int n = snprintf(line, sizeof line, "%s\n", value);
    if (n > 0)
        (void)write_private_file(dir, path, (const uint8_t *)line, (size_t)n);
}
