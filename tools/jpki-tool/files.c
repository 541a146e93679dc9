/*
 * files.c: jpki-tool's files: the document to sign, read whole, and what the
 * commands write. Output never goes through a symbolic link (a link planted
 * where the holder writes their certificate must not redirect it), and is
 * written to a new file renamed over the target, so that the mode chosen
 * here holds even when a more open file was there: 0600 for private data
 * (the sign certificate carries the holder's name and address).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "messages.h"

/* Files to sign are read whole: CMS needs the content once more after the
 * card signed, and a signed document is not expected to be huge. */
#define SIGN_INPUT_MAX ((size_t)1 << 30)

int tool_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;

    *data = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (f == NULL) {
        msg_print(stderr, M_FILE_ERROR, path, strerror(errno));
        return EXIT_TOOL_USAGE;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *bigger;
            if (cap >= SIGN_INPUT_MAX)
                goto too_big;
            cap = cap ? cap * 2 : 65536;
            bigger = realloc(buf, cap);
            if (bigger == NULL)
                goto too_big;
            buf = bigger;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        msg_print(stderr, M_FILE_ERROR, path, strerror(errno));
        fclose(f);
        free(buf);
        return EXIT_TOOL_USAGE;
    }
    fclose(f);
    *data = buf;
    *len = n;
    return EXIT_TOOL_OK;

too_big:
    msg_print(stderr, M_FILE_ERROR, path, strerror(EFBIG));
    fclose(f);
    free(buf);
    return EXIT_TOOL_USAGE;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        done += (size_t)w;
    }
    return 0;
}

static int file_error(const char *path, int err, int rc)
{
    msg_print(stderr, M_FILE_ERROR, path, strerror(err));
    return rc;
}

/* Opens the directory that holds path and points *base at the last
 * component. -1 with errno on failure. */
static int open_parent(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd;

    if (slash == NULL) {
        *base = path;
        return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    *base = slash + 1;
    if (**base == '\0') {
        errno = EISDIR;
        return -1;
    }
    dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    return fd;
}

/* A fresh name next to the target: created with O_EXCL, never an existing
 * file or link. */
static int create_temp(int dir, const char *base, mode_t mode, char *name, size_t cap)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        unsigned char rnd[6];
        int fd;

        if (RAND_bytes(rnd, sizeof rnd) != 1)
            return -1;
        snprintf(name, cap, ".%.200s.%02x%02x%02x%02x%02x%02x.tmp", base, rnd[0], rnd[1],
                 rnd[2], rnd[3], rnd[4], rnd[5]);
        fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* Devices and pipes (-o /dev/null) take public data in place: they have
 * no mode of their own to keep private and cannot be renamed over. */
static int write_in_place(int dir, const char *base, const char *path, const uint8_t *data,
                          size_t len)
{
    int fd = openat(dir, base, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    int err;

    if (fd < 0)
        return file_error(path, errno, EXIT_TOOL_USAGE);
    err = write_all(fd, data, len);
    if (close(fd) != 0 && err == 0)
        err = errno;
    return err == 0 ? EXIT_TOOL_OK : file_error(path, err, EXIT_TOOL_CARD_ERROR);
}

static int replace_file(int dir, const char *base, const char *path, const uint8_t *data,
                        size_t len, bool private_data)
{
    char tmp[256];
    int fd, err;

    fd = create_temp(dir, base, private_data ? 0600 : 0644, tmp, sizeof tmp);
    if (fd < 0)
        return file_error(path, errno, EXIT_TOOL_USAGE);
    err = write_all(fd, data, len);
    if (err == 0 && private_data && fchmod(fd, 0600) != 0)
        err = errno;
    if (err == 0 && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    /* renameat replaces a link planted meanwhile, never what it points to. */
    if (err == 0 && renameat(dir, tmp, dir, base) != 0)
        err = errno;
    if (err != 0) {
        unlinkat(dir, tmp, 0);
        return file_error(path, err, EXIT_TOOL_CARD_ERROR);
    }
    return EXIT_TOOL_OK;
}

enum target { TARGET_REFUSED, TARGET_REPLACE, TARGET_IN_PLACE };

/* What may be done with the target base in dir; says why when refused. */
static enum target classify(int dir, const char *base, const char *path, bool private_data)
{
    struct stat st;

    if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return TARGET_REPLACE;
        file_error(path, errno, EXIT_TOOL_USAGE);
        return TARGET_REFUSED;
    }
    if (S_ISLNK(st.st_mode)) {
        msg_print(stderr, M_FILE_SYMLINK, path);
        return TARGET_REFUSED;
    }
    if (S_ISREG(st.st_mode))
        return TARGET_REPLACE;
    if (!private_data && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
        return TARGET_IN_PLACE;
    msg_print(stderr, M_FILE_NOT_REGULAR, path);
    return TARGET_REFUSED;
}

int tool_check_output(const char *path, bool private_data)
{
    const char *base = NULL;
    int dir;
    enum target what;

    if (strcmp(path, "-") == 0)
        return EXIT_TOOL_OK;
    dir = open_parent(path, &base);
    if (dir < 0)
        return file_error(path, errno, EXIT_TOOL_USAGE);
    what = classify(dir, base, path, private_data);
    close(dir);
    return what == TARGET_REFUSED ? EXIT_TOOL_USAGE : EXIT_TOOL_OK;
}

int tool_write_file(const char *path, const uint8_t *data, size_t len, bool private_data)
{
    const char *base = NULL;
    int dir, rc = EXIT_TOOL_USAGE;

    if (strcmp(path, "-") == 0) {
        fflush(stdout);
        rc = write_all(STDOUT_FILENO, data, len);
        return rc == 0 ? EXIT_TOOL_OK : file_error(path, rc, EXIT_TOOL_CARD_ERROR);
    }
    dir = open_parent(path, &base);
    if (dir < 0)
        return file_error(path, errno, EXIT_TOOL_USAGE);
    switch (classify(dir, base, path, private_data)) {
    case TARGET_REPLACE:
        rc = replace_file(dir, base, path, data, len, private_data);
        break;
    case TARGET_IN_PLACE:
        rc = write_in_place(dir, base, path, data, len);
        break;
    case TARGET_REFUSED:
        break;
    }
    close(dir);
    return rc;
}
