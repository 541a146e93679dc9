/*
 * pin_input.c: PIN entry without echo on /dev/tty (so that it works with
 * stdin and stdout redirected), or line by line from a descriptor.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "pin_input.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* What a signal handler needs to give the terminal its echo back. */
static volatile sig_atomic_t tty_fd_saved = -1;
static struct termios tty_saved;

static void restore_and_die(int sig)
{
    if (tty_fd_saved >= 0)
        tcsetattr(tty_fd_saved, TCSAFLUSH, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Byte by byte: a buffered read would swallow the next PIN of the
 * descriptor, which the next question needs. */
static int read_line(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    bool any = false;
    char c;

    *len = 0;
    for (;;) {
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        any = true;
        if (c == '\n')
            break;
        if (n < cap)
            buf[n] = c;
        n++;
    }
    c = 0;
    if (!any)
        return -1;
    if (n > 0 && n <= cap && buf[n - 1] == '\r')
        n--;
    *len = n > cap ? cap : n;
    return 0;
}

int pin_input_read(int fd, const char *prompt, bool echo, char *buf, size_t cap, size_t *len)
{
    struct termios quiet;
    struct sigaction sa, old_int, old_term, old_hup;
    int tty, rc;
    bool changed = false;

    *len = 0;
    if (fd >= 0)
        return read_line(fd, buf, cap, len);

    tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (tty < 0)
        return -1;
    if (prompt != NULL && write(tty, prompt, strlen(prompt)) < 0) {
        close(tty);
        return -1;
    }
    if (!echo && tcgetattr(tty, &tty_saved) == 0) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = restore_and_die;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGHUP, &sa, &old_hup);
        quiet = tty_saved;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        quiet.c_lflag |= ECHONL;   /* the Enter key still moves to the next line */
        tty_fd_saved = tty;
        changed = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
    }
    rc = read_line(tty, buf, cap, len);
    if (!echo) {
        if (changed)
            tcsetattr(tty, TCSAFLUSH, &tty_saved);
        if (tty_fd_saved >= 0) {
            tty_fd_saved = -1;
            sigaction(SIGINT, &old_int, NULL);
            sigaction(SIGTERM, &old_term, NULL);
            sigaction(SIGHUP, &old_hup, NULL);
        }
    }
    close(tty);
    if (rc != 0)
        OPENSSL_cleanse(buf, cap);
    return rc;
}
