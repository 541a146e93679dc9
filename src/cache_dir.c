/*
 * cache_dir.c: see cache_dir.h. Opening each component with O_NOFOLLOW
 * relative to the one before means no one can swap a symlink into the path
 * between our check and our use; the owner check on each means no one else
 * can swap anything at all.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cache_dir.h"
#include "env.h"

#define CACHE_DIR_PATH_MAX 4096
#define CACHE_DIR_NAME "jpki-pkcs11"
#define CACHE_DIR_DEPTH_MAX 128   /* components; a deeper path has no cache */

static bool owner_trusted(const struct stat *sb)
{
    return sb->st_uid == 0 || sb->st_uid == geteuid();
}

/* The next component below dir_fd, a directory of a trusted owner; made
 * when missing and may_create. Closes dir_fd. */
static int open_component(int dir_fd, const char *name, bool may_create, bool last)
{
    /* O_PATH: a directory we may only traverse (mode --x) is fine on the
     * way; the cache directory itself is read (pruning). */
    int flags = (last ? O_RDONLY : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = openat(dir_fd, name, flags);
    if (fd < 0 && errno == ENOENT && may_create &&
        (mkdirat(dir_fd, name, 0700) == 0 || errno == EEXIST))
        fd = openat(dir_fd, name, flags);
    close(dir_fd);
    struct stat sb;
    if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISDIR(sb.st_mode) || !owner_trusted(&sb))) {
        close(fd);
        fd = -1;
    }
    return fd;
}

int jpki_cache_dir_open(bool create)
{
    char path[CACHE_DIR_PATH_MAX];
    const char *xdg = jpki_env("XDG_CACHE_HOME");
    const char *home = jpki_env("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(path, sizeof path, "%s/" CACHE_DIR_NAME, xdg);
    else if (home != NULL && home[0] == '/')
        n = snprintf(path, sizeof path, "%s/.cache/" CACHE_DIR_NAME, home);
    else
        return -1;
    if (n <= 0 || (size_t)n >= sizeof path)
        return -1;

    size_t count = 0;
    char *names[CACHE_DIR_DEPTH_MAX];
    for (char *save = NULL, *c = strtok_r(path, "/", &save); c != NULL;
         c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, "..") == 0 || count == CACHE_DIR_DEPTH_MAX)
            return -1;   /* the path must say where it goes */
        if (strcmp(c, ".") != 0)
            names[count++] = c;
    }
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (size_t i = 0; fd >= 0 && i < count; i++)
        fd = open_component(fd, names[i], create && i + 2 >= count, i + 1 == count);
    struct stat sb;
    if (fd >= 0 && (fstat(fd, &sb) != 0 || sb.st_uid != geteuid() || (sb.st_mode & 077) != 0)) {
        close(fd);
        fd = -1;
    }
    return fd;
}
