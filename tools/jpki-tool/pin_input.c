/*
 * pin_input.c: PIN entry without echo on /dev/tty (so that it works with
 * stdin and stdout redirected), or line by line from a descriptor.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "pin_input.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "signals.h"

/* Byte by byte: a buffered read would swallow the next PIN of the
 * descriptor, which the next question needs. Each byte is waited for with
 * the signals let in, so that Ctrl-C ends the prompt (PIN_INPUT_INTERRUPTED)
 * and the command cleans up. */
static int read_line(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    bool any = false;
    char c;
    int waited;

    *len = 0;
    for (;;) {
        waited = tool_wait_readable(fd);
        if (waited != 0) {
            c = 0;
            return waited > 0 ? PIN_INPUT_INTERRUPTED : -1;
        }
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            c = 0;
            return -1;
        }
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
    struct termios saved, quiet;
    int tty, rc;
    bool changed = false;

    *len = 0;
    if (fd >= 0) {
        rc = read_line(fd, buf, cap, len);
    } else {
        tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (tty < 0)
            return -1;
        /* Echo off before the prompt shows: nothing typed at once after it
         * appears on the screen. Ctrl-C only notes the signal (signals.c):
         * this function itself gives the terminal its echo back. */
        if (!echo && tcgetattr(tty, &saved) == 0) {
            quiet = saved;
            quiet.c_lflag &= (tcflag_t)~ECHO;
            quiet.c_lflag |= ECHONL;   /* the Enter key still moves to the next line */
            changed = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
        }
        if (prompt != NULL && write(tty, prompt, strlen(prompt)) < 0)
            rc = -1;
        else
            rc = read_line(tty, buf, cap, len);
        if (changed)
            tcsetattr(tty, TCSAFLUSH, &saved);
        if (rc == PIN_INPUT_INTERRUPTED && write(tty, "\n", 1) < 0)
            rc = PIN_INPUT_INTERRUPTED;   /* nothing more to do: the prompt ends anyway */
        close(tty);
    }
    if (rc != 0) {
        OPENSSL_cleanse(buf, cap);
        *len = 0;
    }
    return rc;
}
