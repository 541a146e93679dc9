/*
 * vpcd.c: the vsmartcard "vicc" side of the vpcd protocol. pcscd's vpcd
 * driver listens; we connect. Every message is a 2-byte big-endian length
 * and a payload: 1 byte = control (00 off, 01 on, 02 reset, 04 get ATR),
 * longer = a command APDU answered with the response APDU.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "vpcd.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STARTUP_RETRY_MS 10000
#define RETRY_STEP_MS 200

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t toggle_requested;   /* SIGUSR1: remove/insert */

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        toggle_requested = 1;
    else
        stop_requested = 1;
}

/* Pending response of the sw-61xx fault, fetched with GET RESPONSE. */
static uint8_t pending[CARD_MAX_RESPONSE];
static size_t pending_len, pending_off;

void vpcd_install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking poll/connect must return EINTR. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void sleep_us(unsigned long long us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};

    while (!stop_requested && !toggle_requested && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void log_line(const struct vpcd_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void log_line(const struct vpcd_options *o, const char *fmt, ...)
{
    struct timespec ts;
    va_list ap;

    if (!o->apdu_log)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(o->apdu_log, "%lld.%03ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
    va_start(ap, fmt);
    vfprintf(o->apdu_log, fmt, ap);
    va_end(ap);
    fputc('\n', o->apdu_log);
    fflush(o->apdu_log);
}

static int connect_once(const struct vpcd_options *o)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[16];
    int fd = -1, one = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", o->port);
    if (getaddrinfo(o->host, port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Read exactly N bytes. vpcd writes the length and the payload in two
 * send()s without TCP_NODELAY; re-arming QUICKACK before each recv() keeps
 * delayed ACKs from costing ~40 ms per APDU. */
static int recv_all(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    int one = 1;

    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t r;
        int pr;

        if (stop_requested || toggle_requested)
            return -1;
        pr = poll(&p, 1, 500);
        if (pr < 0 && errno != EINTR)
            return -1;
        if (pr <= 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
        r = recv(fd, buf + got, n - got, 0);
        if (r == 0)
            return -1;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static int send_msg(int fd, const uint8_t *payload, size_t len)
{
    uint8_t *buf = malloc(len + 2);
    size_t off = 0;
    int rc = 0;

    if (!buf || len > 0xFFFF) {
        free(buf);
        return -1;
    }
    /* One buffer, one send: header and payload in the same segment. */
    buf[0] = (uint8_t)(len >> 8);
    buf[1] = (uint8_t)len;
    memcpy(buf + 2, payload, len);
    while (off < len + 2) {
        ssize_t w = send(fd, buf + off, len + 2 - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    free(buf);
    return rc;
}

/* GET RESPONSE for the sw-61xx fault: chunks of the pending data, 61xx
 * while more is left. */
static size_t get_response(const struct apdu *a, uint8_t *resp)
{
    size_t left = pending_len - pending_off, n;

    if (!left || a->p1 || a->p2) {
        pending_len = pending_off = 0;
        resp[0] = 0x69;
        resp[1] = 0x85;
        return 2;
    }
    n = a->le && a->le < left ? a->le : left;
    memcpy(resp, pending + pending_off, n);
    pending_off += n;
    left -= n;
    resp[n] = left ? 0x61 : 0x90;
    resp[n + 1] = left ? (uint8_t)(left >= 256 ? 0 : left) : 0x00;
    if (!left)
        pending_len = pending_off = 0;
    return n + 2;
}

/* Apply a response fault. Returns the new length. */
static size_t apply_fault(const struct vpcd_options *o, const struct apdu *a, uint8_t *resp,
                          size_t len)
{
    bool is_read_ok;

    if (len > 0xFFFF) {
        /* Only reachable with a 64 KiB EF, which this card never has. */
        resp[0] = 0x67;
        resp[1] = 0x00;
        return 2;
    }
    is_read_ok = a->ins == 0xB0 && len >= 2 && resp[len - 2] == 0x90 && resp[len - 1] == 0;

    switch (o->fault) {
    case FAULT_TRUNCATE_READ:
        if (is_read_ok && len > 2) {
            memmove(resp + len - 3, resp + len - 2, 2);
            return len - 1;
        }
        return len;
    case FAULT_OVERSIZE_READ:
        if (is_read_ok) {
            memmove(resp + len - 1, resp + len - 2, 2);
            resp[len - 2] = 0xFF;
            return len + 1;
        }
        return len;
    case FAULT_SW_6CXX:
        /* "Wrong Le, use xx": only when fewer bytes than asked are left,
         * so a client that retries with Le=xx gets the data. */
        if (is_read_ok && len - 2 < a->le && len - 2 < 256) {
            resp[0] = 0x6C;
            resp[1] = (uint8_t)(len - 2);
            return 2;
        }
        return len;
    case FAULT_SW_61XX:
        /* Data only through GET RESPONSE (00 C0 00 00 xx); a long
         * signature the card already answers with 61xx passes as it is. */
        if (len > 2 && resp[len - 2] != 0x61) {
            memcpy(pending, resp, len - 2);
            pending_len = len - 2;
            pending_off = 0;
            resp[0] = 0x61;
            resp[1] = (uint8_t)(pending_len >= 256 ? 0 : pending_len);
            return 2;
        }
        return len;
    case FAULT_BAD_SW:
        resp[0] = 0x6F;
        resp[1] = 0x00;
        return 2;
    case FAULT_SHORT_RESPONSE:
        resp[0] = 0x90;
        return 1;
    default:
        return len;
    }
}

static int handle_control(struct card *c, const struct vpcd_options *o, int fd, uint8_t ctl)
{
    switch (ctl) {
    case 0x00:
        log_line(o, "POWER_OFF");
        card_reset(c);
        return 0;
    case 0x01:
        log_line(o, "POWER_ON");
        card_reset(c);
        return 0;
    case 0x02:
        log_line(o, "RESET");
        card_reset(c);
        return 0;
    case 0x04:
        /* Presence poll every ~400 ms: not logged. */
        return send_msg(fd, o->atr, o->atr_len);
    default:
        log_line(o, "CONTROL=%02X ignored", ctl);
        return 0;
    }
}

/* Serve one connection until it drops, a signal, or the disconnect fault. */
static void serve(struct card *c, const struct vpcd_options *o, int fd, unsigned *apdus)
{
    static uint8_t cmd[0x10000], resp[CARD_MAX_RESPONSE + 1];

    while (!stop_requested) {
        uint8_t hdr[2];
        size_t len, resp_len;
        struct apdu a;
        unsigned long long delay;

        if (recv_all(fd, hdr, 2))
            return;
        len = (size_t)hdr[0] << 8 | hdr[1];
        if (len == 0 || recv_all(fd, cmd, len))
            return;
        if (len == 1) {
            if (handle_control(c, o, fd, cmd[0]))
                return;
            continue;
        }
        if (card_parse_apdu(cmd, len, &a)) {
            memset(&a, 0, sizeof(a));
            a.ins = cmd[1];
        }
        if (o->fault == FAULT_SW_61XX && a.cla == 0x00 && a.ins == 0xC0 && pending_len) {
            resp_len = get_response(&a, resp);
        } else {
            pending_len = pending_off = 0;
            card_process(c, cmd, len, resp, &resp_len);
            resp_len = apply_fault(o, &a, resp, resp_len);
        }
        /* Never log command data: VERIFY/CHANGE carry PINs. */
        log_line(o, "INS=%02X P1P2=%02X%02X Lc=%zu Le=%zu -> resp_len=%zu SW=%02X%02X", a.ins,
                 a.p1, a.p2, a.lc, a.le, resp_len >= 2 ? resp_len - 2 : 0,
                 resp_len >= 2 ? resp[resp_len - 2] : 0, resp[resp_len - 1]);
        delay = (unsigned long long)o->latency_ms * 1000 +
                (unsigned long long)o->byte_us * (len + resp_len);
        if (a.ins == 0x2A && resp_len >= 258)   /* a signature, or its first part */
            delay += (unsigned long long)o->sign_ms * 1000;
        if (delay)
            sleep_us(delay);
        if (send_msg(fd, resp, resp_len))
            return;
        (*apdus)++;
        /* One-shot: the card comes back once, like a user re-inserting it. */
        if (o->fault == FAULT_DISCONNECT_AFTER && *apdus == o->fault_arg) {
            log_line(o, "FAULT disconnect after %u APDUs", *apdus);
            return;
        }
    }
}

int vpcd_run(struct card *c, const struct vpcd_options *o)
{
    unsigned waited_ms = 0, apdus = 0;
    bool ever_connected = false;

    while (!stop_requested) {
        int fd;

        if (toggle_requested) {
            /* SIGUSR1 while removed: insert the card again. */
            toggle_requested = 0;
            log_line(o, "CARD_INSERTED");
        }
        fd = connect_once(o);

        if (fd < 0) {
            if (!ever_connected && waited_ms >= STARTUP_RETRY_MS) {
                fprintf(stderr, "jpki-vcard: cannot connect to vpcd at %s:%u\n", o->host,
                        o->port);
                return 1;
            }
            sleep_us(RETRY_STEP_MS * 1000);
            waited_ms += RETRY_STEP_MS;
            continue;
        }
        ever_connected = true;
        log_line(o, "CONNECTED %s:%u", o->host, o->port);
        card_reset(c);
        serve(c, o, fd, &apdus);
        close(fd);
        /* A dropped connection is a removed card: power it down. */
        card_reset(c);
        log_line(o, "DISCONNECTED");
        if (toggle_requested) {
            /* SIGUSR1 while connected: the card stays out until the next one. */
            toggle_requested = 0;
            log_line(o, "CARD_REMOVED");
            while (!stop_requested && !toggle_requested)
                sleep_us(100000);
        }
        if (o->fault == FAULT_DISCONNECT_AFTER && !stop_requested)
            sleep_us(1000000);   /* let pcscd notice the removal */
    }
    return 0;
}
