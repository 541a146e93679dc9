/*
 * test-log.c: the JPKI_PKCS11_DEBUG log file. Only a regular file of the
 * user is written, never through a symlink, created 0600 whatever the
 * umask, not inherited by exec'd programs; a FIFO does not hang; a refused
 * file sends the log to stderr with one line saying why; a forked child
 * logs even when the parent's lock was held by another thread at fork.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "log.h"

static char dir[] = "/tmp/jpki-test-log-XXXXXX";
static char err_path[PATH_MAX];

static void path_in_dir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Logging on to path (level 3), one line logged, logging off. stderr goes
 * to err_path meanwhile. */
static void log_one_line(const char *path, const char *line)
{
    char env[PATH_MAX + 8];
    int saved = dup(STDERR_FILENO);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(err, STDERR_FILENO);
    close(err);
    snprintf(env, sizeof env, "3:%s", path);
    setenv("JPKI_PKCS11_DEBUG", env, 1);
    jpki_log_init();
    jpki_log(JPKI_LOG_ERROR, "%s", line);
    jpki_log_close();
    unsetenv("JPKI_PKCS11_DEBUG");
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static bool file_has(const char *path, const char *needle)
{
    char text[8192];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    return strstr(text, needle) != NULL;
}

static void test_new_file(void)
{
    char path[PATH_MAX];
    struct stat sb;
    path_in_dir(path, sizeof path, "new.log");
    mode_t old = umask(0);
    log_one_line(path, "line one");
    umask(old);
    ok(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode), "a new log file is created");
    ok(lstat(path, &sb) == 0 && (sb.st_mode & 07777) == 0600,
       "mode 0600 even with umask 0 (got %o)", (unsigned)(sb.st_mode & 07777));
    ok(file_has(path, "line one"), "the line is in it");
    log_one_line(path, "line two");
    ok(file_has(path, "line one") && file_has(path, "line two"), "a second run appends");
    ok(!file_has(err_path, "jpki-pkcs11"), "nothing on stderr");
}

static void test_symlink(void)
{
    char target[PATH_MAX], link_path[PATH_MAX];
    struct stat sb;
    path_in_dir(target, sizeof target, "victim");
    path_in_dir(link_path, sizeof link_path, "link.log");
    int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    close(fd);
    if (symlink(target, link_path) != 0) {
        ok(0, "symlink: %s", strerror(errno));
        return;
    }
    log_one_line(link_path, "through the link");
    ok(stat(target, &sb) == 0 && sb.st_size == 0, "nothing written through a symlink");
    ok(file_has(err_path, "not used") && file_has(err_path, "symbolic link"),
       "stderr says the file was refused, and why");
    ok(file_has(err_path, "through the link"), "the log went to stderr instead");

    char dangling[PATH_MAX], missing[PATH_MAX];
    path_in_dir(dangling, sizeof dangling, "dangling.log");
    path_in_dir(missing, sizeof missing, "created-through-link");
    if (symlink(missing, dangling) != 0) {
        ok(0, "symlink: %s", strerror(errno));
        return;
    }
    log_one_line(dangling, "dangling");
    ok(lstat(missing, &sb) != 0, "a dangling symlink creates no file at its target");
}

static void test_not_regular(void)
{
    char fifo[PATH_MAX], sub[PATH_MAX];
    path_in_dir(fifo, sizeof fifo, "fifo.log");
    path_in_dir(sub, sizeof sub, "dir.log");
    mkfifo(fifo, 0600);
    mkdir(sub, 0700);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);   /* a hang becomes a failure */
        log_one_line(fifo, "into the fifo");
        _exit(file_has(err_path, "not used") ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "a FIFO is refused without hanging (status %d)", status);
    /* A reader on the FIFO: now open succeeds, fstat must refuse it. */
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    log_one_line(fifo, "into the read fifo");
    char buf[64];
    ok(read(rd, buf, sizeof buf) <= 0 && file_has(err_path, "not a regular file"),
       "a FIFO with a reader is refused too");
    close(rd);
    log_one_line(sub, "into a directory");
    ok(file_has(err_path, "not used"), "a directory is refused");
}

static void test_other_owner(void)
{
    char path[PATH_MAX];
    path_in_dir(path, sizeof path, "theirs.log");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    close(fd);
    if (geteuid() != 0 || chown(path, 65534, 65534) != 0) {
        /* Needs root to give the file away; the suite runs as root. */
        ok(1, "# SKIP another user's file: not root");
        return;
    }
    log_one_line(path, "into their file");
    ok(!file_has(path, "into their file"), "another user's file is not written");
    ok(file_has(err_path, "owned by another user"), "stderr says why");
}

/* While the log is on, no descriptor of the log file lacks FD_CLOEXEC. */
static void test_cloexec(void)
{
    char path[PATH_MAX], env[PATH_MAX + 8], link[300], seen[PATH_MAX];
    path_in_dir(path, sizeof path, "cloexec.log");
    snprintf(env, sizeof env, "3:%s", path);
    setenv("JPKI_PKCS11_DEBUG", env, 1);
    jpki_log_init();
    jpki_log(JPKI_LOG_ERROR, "open");
    int found = 0, inherited = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, seen, sizeof seen - 1);
        if (n <= 0)
            continue;
        seen[n] = '\0';
        if (strcmp(seen, path) != 0)
            continue;
        found++;
        if (!(fcntl(atoi(e->d_name), F_GETFD) & FD_CLOEXEC))
            inherited++;
    }
    if (d != NULL)
        closedir(d);
    jpki_log_close();
    unsetenv("JPKI_PKCS11_DEBUG");
    ok(found == 1 && inherited == 0, "the log file is close-on-exec (%d open, %d inherited)",
       found, inherited);
}

static atomic_bool stop_logging;

static void *log_forever(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_logging))
        jpki_log(JPKI_LOG_ERROR, "filling the pipe so that this thread blocks holding the lock");
    return NULL;
}

/* A thread blocks in a log write (stderr is a full pipe), so it holds the
 * log lock when the process forks: the child must still be able to log. */
static void test_fork(void)
{
    int p[2];
    if (pipe(p) != 0) {
        ok(0, "pipe");
        return;
    }
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    int saved = dup(STDERR_FILENO);
    dup2(p[1], STDERR_FILENO);
    setenv("JPKI_PKCS11_DEBUG", "1", 1);
    jpki_log_init();
    pthread_t th;
    pthread_create(&th, NULL, log_forever, NULL);
    int size = fcntl(p[1], F_GETPIPE_SZ), queued = 0, last = -1;
    /* Full: nothing more arrives (a line that does not fit is cut). */
    for (int i = 0; i < 500 && (queued == 0 || queued != last); i++) {
        last = queued;
        nanosleep(&(struct timespec){ 0, 20000000L }, NULL);
        ioctl(p[0], FIONREAD, &queued);
    }
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
        jpki_log_atfork_child();
        jpki_log(JPKI_LOG_ERROR, "from the child");
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    atomic_store(&stop_logging, true);
    char buf[4096];
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    while (pthread_tryjoin_np(th, NULL) != 0)
        if (read(p[0], buf, sizeof buf) <= 0)
            nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
    jpki_log_close();
    unsetenv("JPKI_PKCS11_DEBUG");
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(p[0]);
    close(p[1]);
    ok(queued > size - 200, "the logging thread filled the pipe (%d of %d bytes)", queued, size);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "a forked child logs although the lock was held at fork (status %d)", status);
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            (void)unlinkat(dirfd(d), e->d_name, strcmp(e->d_name, "dir.log") == 0 ? AT_REMOVEDIR : 0);
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        skip_all("mkdtemp failed");
    path_in_dir(err_path, sizeof err_path, "stderr.txt");
    test_new_file();
    test_symlink();
    test_not_regular();
    test_other_owner();
    test_cloexec();
    test_fork();
    remove_dir();
    return done_testing();
}
