/*
 * cert_cache.c: the per-user disk cache of a card's PUBLIC certificates.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 *
 * Files are $XDG_CACHE_HOME/jpki-pkcs11/<SHA-256 of the auth certificate's
 * first JPKI_CARD_ID_LEN bytes>-<EF>.der (or ~/.cache/...), mode 0600 in a 0700 directory
 * owned by the user, reached by descriptors without following symlinks
 * (cache_dir.c). The key is read anyway at card arrival, so a hit costs
 * no APDU, and a different card (or the same card with a renewed
 * certificate) has a different key. Every user may use it, root too when
 * its cache path is root's own; a setuid or setgid process never does
 * (jpki_env). A file is used only if it is a regular file of the user,
 * private, parses as one DER certificate, and is consistent: the auth
 * certificate starts with the chunk the card just gave and verifies under
 * the cached auth CA; a CA verifies itself (the JPKI roots are
 * self-signed) and the auth CA is the issuer of that consistent auth
 * certificate. What a card signature then proves wrong is removed
 * (jpki_cert_cache_remove). EF 0006's token name and EF 0008 (which
 * certificates the card carries) are kept beside them (<key>-0006.der,
 * <key>-0008.der, checked for form), so that a known card's identification
 * reads them from here instead of the card: two APDUs less for every
 * process. Public facts learned about a card (<key>-pss: whether it signs
 * RSA-PSS; <key>-serial: the token serial, from the auth certificate's
 * issuer and serialNumber) are kept beside them too. On by default; JPKI_PKCS11_CACHE=0 turns it
 * off. When a card's auth certificate is first written (a card new to
 * this user), the files of other cards whose auth certificate has
 * expired, is missing, or does not start with the bytes that name the file
 * (a file of an older naming), are removed: the cache holds the cards in
 * use and no more.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "cache_dir.h"
#include "cert_cache.h"
#include "env.h"
#include "jpki.h"
#include "log.h"

#define CACHE_KEY_LEN 64   /* hex digits of a SHA-256 */
/* "<key>-<EF>.der" */
#define CACHE_NAME_LEN (CACHE_KEY_LEN + 1 + 4 + 4)

static bool cache_fid(uint16_t fid)
{
    return fid == JPKI_EF_AUTH_CERT || fid == JPKI_EF_AUTH_CA || fid == JPKI_EF_SIGN_CA ||
           fid == JPKI_EF_TOKEN_INFO || fid == JPKI_EF_CERT_LIST;
}

bool jpki_cert_cache_on(void)
{
    const char *setting = jpki_env("JPKI_PKCS11_CACHE");
    return setting == NULL || strcmp(setting, "0") != 0;
}

/* The cache directory unless JPKI_PKCS11_CACHE=0; -1: no cache. */
static int cache_open(bool create)
{
    return jpki_cert_cache_on() ? jpki_cache_dir_open(create) : -1;
}

/* The card's key in file names: the hex SHA-256 of head's first
 * JPKI_CARD_ID_LEN bytes (identification reads no more of a known card). */
static bool card_key(const uint8_t *head, size_t head_len, char key[CACHE_KEY_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (head == NULL || head_len == 0)
        return false;
    if (head_len > JPKI_CARD_ID_LEN)
        head_len = JPKI_CARD_ID_LEN;
    if (EVP_Digest(head, head_len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != CACHE_KEY_LEN / 2)
        return false;
    for (unsigned i = 0; i < CACHE_KEY_LEN / 2; i++) {
        key[2 * i] = hex[md[i] >> 4];
        key[2 * i + 1] = hex[md[i] & 0x0f];
    }
    key[CACHE_KEY_LEN] = '\0';
    return true;
}

/* The file name for fid of the card named by head. */
static bool cache_name(const uint8_t *head, size_t head_len, uint16_t fid,
                       char name[CACHE_NAME_LEN + 1])
{
    char key[CACHE_KEY_LEN + 1];
    if (!cache_fid(fid) || !card_key(head, head_len, key))
        return false;
    snprintf(name, CACHE_NAME_LEN + 1, "%s-%04x.der", key, (unsigned)fid);
    return true;
}

/* One whole DER certificate and nothing after it; NULL otherwise. */
static X509 *parse_one(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (x != NULL && p != der + len) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

/* ca names leaf's issuer and its key made leaf's signature. */
static bool issued_by(X509 *leaf, X509 *ca)
{
    EVP_PKEY *key = X509_get0_pubkey(ca);
    return key != NULL && X509_check_issued(ca, leaf) == X509_V_OK &&
           X509_verify(leaf, key) == 1;
}

bool jpki_cert_issued_by(const uint8_t *leaf, size_t leaf_len, const uint8_t *ca,
                         size_t ca_len)
{
    X509 *l = parse_one(leaf, leaf_len), *c = parse_one(ca, ca_len);
    bool good = l != NULL && c != NULL && issued_by(l, c);
    X509_free(l);
    X509_free(c);
    return good;
}

/* What a file for fid must be on its own: one certificate; for the auth
 * certificate, one that starts with the chunk the card gave; for a CA,
 * self-signed. */
static bool fits_alone(const uint8_t *head, size_t head_len, uint16_t fid, const uint8_t *der,
                       size_t len)
{
    /* The card's facts: what the card could have answered. */
    jpki_token_info info;
    jpki_cert_list list;
    if (fid == JPKI_EF_TOKEN_INFO)
        return jpki_parse_token_name(der, len, &info) == JPKI_OK;
    if (fid == JPKI_EF_CERT_LIST)
        return jpki_parse_cert_list(der, len, &list) == JPKI_OK;
    X509 *x = parse_one(der, len);
    bool good = x != NULL;
    if (good && fid == JPKI_EF_AUTH_CERT)
        good = len >= head_len && memcmp(der, head, head_len) == 0;
    else if (good)
        good = issued_by(x, x);
    X509_free(x);
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

/* The file of fid for the card named by head, checked on its own. */
static bool load_alone(int dir_fd, const uint8_t *head, size_t head_len, uint16_t fid,
                       uint8_t **der, size_t *len)
{
    char name[CACHE_NAME_LEN + 1];
    if (!cache_name(head, head_len, fid, name) || !read_private_file(dir_fd, name, der, len))
        return false;
    if (fits_alone(head, head_len, fid, *der, *len))
        return true;
    jpki_log(JPKI_LOG_ERROR, "cache file for EF %04X not used: not what the card holds", fid);
    free(*der);
    *der = NULL;
    return false;
}

bool jpki_cert_cache_load(const uint8_t *head, size_t head_len, uint16_t fid, uint8_t **der,
                          size_t *len)
{
    int dir_fd = cache_open(false);
    if (dir_fd < 0)
        return false;
    if (fid == JPKI_EF_SIGN_CA || fid == JPKI_EF_TOKEN_INFO || fid == JPKI_EF_CERT_LIST) {
        /* No sign certificate on disk to check the sign CA against: slot.c
         * checks it once the card's sign certificate is read. The card's
         * facts are public and checked for form. */
        bool hit = load_alone(dir_fd, head, head_len, fid, der, len);
        close(dir_fd);
        return hit;
    }
    /* The auth certificate and its CA are used as a pair or not at all. */
    uint8_t *leaf = NULL, *ca = NULL;
    size_t leaf_len = 0, ca_len = 0;
    bool hit = cache_fid(fid) &&
               load_alone(dir_fd, head, head_len, JPKI_EF_AUTH_CERT, &leaf, &leaf_len) &&
               load_alone(dir_fd, head, head_len, JPKI_EF_AUTH_CA, &ca, &ca_len);
    close(dir_fd);
    if (hit && !jpki_cert_issued_by(leaf, leaf_len, ca, ca_len)) {
        jpki_log(JPKI_LOG_ERROR, "cache: the auth certificate does not verify under the "
                 "cached CA: neither is used");
        hit = false;
    }
    if (hit && fid == JPKI_EF_AUTH_CERT) {
        *der = leaf;
        *len = leaf_len;
        leaf = NULL;
    } else if (hit) {
        *der = ca;
        *len = ca_len;
        ca = NULL;
    }
    free(leaf);
    free(ca);
    return hit;
}

/* A cache file's name: the card's key, '-', 4 hex digits (the EF), ".der";
 * or the card's key, '-', a fact's name. */
static bool known_fact(const char *fact)
{
    return fact != NULL && (strcmp(fact, JPKI_FACT_PSS) == 0 || strcmp(fact, JPKI_FACT_SERIAL) == 0);
}

static bool cache_file_name(const char *name)
{
    size_t n = strlen(name);
    if (n > CACHE_KEY_LEN && name[CACHE_KEY_LEN] == '-' && known_fact(name + CACHE_KEY_LEN + 1))
        n = CACHE_KEY_LEN + 4;   /* only the key's digits are checked below */
    else if (n != CACHE_NAME_LEN || name[CACHE_KEY_LEN] != '-' ||
             strcmp(name + n - 4, ".der") != 0)
        return false;
    for (size_t i = 0; i < n - 4; i++)
        if (i != CACHE_KEY_LEN && strchr("0123456789abcdef", name[i]) == NULL)
            return false;
    return true;
}

/* Whether the card named by a cache file's key has an auth certificate
 * file that has not expired and is named by its own first bytes. */
static bool card_current(int dir_fd, const char *name)
{
    char auth[CACHE_NAME_LEN + 1], key[CACHE_KEY_LEN + 1];
    uint8_t *der = NULL;
    size_t len = 0;
    snprintf(auth, sizeof auth, "%.*s-%04x.der", CACHE_KEY_LEN, name,
             (unsigned)JPKI_EF_AUTH_CERT);
    if (!read_private_file(dir_fd, auth, &der, &len))
        return false;
    X509 *x = parse_one(der, len);
    bool current = x != NULL && X509_cmp_current_time(X509_get0_notAfter(x)) > 0 &&
                   card_key(der, len, key) && strncmp(key, name, CACHE_KEY_LEN) == 0;
    X509_free(x);
    free(der);
    return current;
}

/* A listing of the cache directory on its own descriptor (dir_fd stays
 * the caller's); NULL when it cannot be listed. */
static DIR *list_cache(int dir_fd)
{
    int list_fd = dir_fd >= 0 ? dup(dir_fd) : -1;
    DIR *d = list_fd >= 0 ? fdopendir(list_fd) : NULL;
    if (d == NULL && list_fd >= 0)
        close(list_fd);
    return d;
}

bool jpki_cert_cache_knows_a_card(void)
{
    int dir_fd = cache_open(false);
    DIR *d = list_cache(dir_fd);
    bool found = false;
    for (struct dirent *e; d != NULL && !found && (e = readdir(d)) != NULL;)
        found = cache_file_name(e->d_name) &&
                strcmp(e->d_name + CACHE_KEY_LEN + 1, JPKI_FACT_SERIAL) == 0;
    if (d != NULL)
        closedir(d);
    if (dir_fd >= 0)
        close(dir_fd);
    return found;
}

/* Removes the files of other cards that are not current (see the top). */
static void cache_prune(int dir_fd, const char *own)
{
    DIR *d = list_cache(dir_fd);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!cache_file_name(e->d_name) || strncmp(e->d_name, own, CACHE_KEY_LEN) == 0 ||
            card_current(dir_fd, e->d_name))
            continue;
        if (unlinkat(dir_fd, e->d_name, 0) == 0)
            jpki_log(JPKI_LOG_CALL, "cache: removed %s (an expired card)", e->d_name);
    }
    closedir(d);
}

static bool write_all(int fd, const uint8_t *der, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, der + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return true;
}

/* Writes name in dir_fd at once: a reader sees the old file or the new
 * one, never half of one. */
static bool write_atomically(int dir_fd, const char *name, const uint8_t *der, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[32];
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 8; attempt++) {
        uint8_t rnd[6];
        if (RAND_bytes(rnd, sizeof rnd) != 1)
            return false;
        memcpy(tmp, ".new-", 5);
        for (size_t i = 0; i < sizeof rnd; i++) {
            tmp[5 + 2 * i] = hex[rnd[i] >> 4];
            tmp[6 + 2 * i] = hex[rnd[i] & 0x0f];
        }
        tmp[5 + 2 * sizeof rnd] = '\0';
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return false;
    }
    if (fd < 0)
        return false;
    bool good = write_all(fd, der, len) && fchmod(fd, 0600) == 0;
    if (close(fd) != 0)
        good = false;
    if (!good || renameat(dir_fd, tmp, dir_fd, name) != 0) {
        unlinkat(dir_fd, tmp, 0);
        return false;
    }
    return true;
}

/* Best effort: a cache that cannot be written is no cache. */
void jpki_cert_cache_store(const uint8_t *head, size_t head_len, uint16_t fid,
                           const uint8_t *der, size_t len)
{
    char name[CACHE_NAME_LEN + 1];
    /* Only what a later load could accept. */
    if (!cache_name(head, head_len, fid, name) || !fits_alone(head, head_len, fid, der, len))
        return;
    int dir_fd = cache_open(true);
    if (dir_fd < 0)
        return;
    if (write_atomically(dir_fd, name, der, len) && fid == JPKI_EF_AUTH_CERT)
        cache_prune(dir_fd, name);
    close(dir_fd);
}

void jpki_cert_cache_remove(const uint8_t *head, size_t head_len, uint16_t fid)
{
    /* The auth pair was trusted together: it goes together. */
    static const uint16_t auth_pair[] = { JPKI_EF_AUTH_CERT, JPKI_EF_AUTH_CA };
    bool alone = fid == JPKI_EF_SIGN_CA || fid == JPKI_EF_TOKEN_INFO || fid == JPKI_EF_CERT_LIST;
    const uint16_t *fids = alone ? &fid : auth_pair;
    size_t n = alone ? 1 : 2;
    char name[CACHE_NAME_LEN + 1];
    if (!cache_fid(fid))
        return;
    int dir_fd = cache_open(false);
    if (dir_fd < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (cache_name(head, head_len, fids[i], name) && unlinkat(dir_fd, name, 0) == 0)
            jpki_log(JPKI_LOG_CALL, "cache: removed the file of EF %04X", fids[i]);
    close(dir_fd);
}

/* A fact file holds one word of lower-case letters and digits, and a
 * newline. */
#define FACT_VALUE_MAX 16
#define FACT_NAME_LEN (CACHE_KEY_LEN + 2 + sizeof JPKI_FACT_SERIAL)

static bool fact_name(const uint8_t *head, size_t head_len, const char *fact, char *name)
{
    char key[CACHE_KEY_LEN + 1];
    if (!known_fact(fact) || !card_key(head, head_len, key))
        return false;
    snprintf(name, FACT_NAME_LEN, "%s-%s", key, fact);
    return true;
}

static bool fact_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool jpki_card_fact_load(const uint8_t *head, size_t head_len, const char *fact, char *value,
                         size_t cap)
{
    char name[FACT_NAME_LEN];
    uint8_t *buf = NULL;
    size_t size = 0;
    if (value == NULL || cap == 0 || !fact_name(head, head_len, fact, name))
        return false;
    int dir_fd = cache_open(false);
    if (dir_fd < 0)
        return false;
    bool good = read_private_file(dir_fd, name, &buf, &size);
    close(dir_fd);
    good = good && size >= 2 && size - 1 < cap && size - 1 <= FACT_VALUE_MAX &&
           buf[size - 1] == '\n';
    for (size_t i = 0; good && i + 1 < size; i++)
        good = fact_char(buf[i]);
    if (good) {
        memcpy(value, buf, size - 1);
        value[size - 1] = '\0';
    }
    free(buf);
    return good;
}

void jpki_card_fact_store(const uint8_t *head, size_t head_len, const char *fact,
                          const char *value)
{
    char name[FACT_NAME_LEN], line[FACT_VALUE_MAX + 2];
    size_t n_value = value != NULL ? strlen(value) : 0;
    if (n_value == 0 || n_value > FACT_VALUE_MAX || !fact_name(head, head_len, fact, name))
        return;
    for (size_t i = 0; i < n_value; i++)
        if (!fact_char((uint8_t)value[i]))
            return;
    int n = snprintf(line, sizeof line, "%s\n", value);
    int dir_fd = cache_open(true);
    if (dir_fd < 0)
        return;
    if (n > 0)
        (void)write_atomically(dir_fd, name, (const uint8_t *)line, (size_t)n);
    close(dir_fd);
}
