/*
 * tool.h: what the parts of jpki-tool share: options, exit codes, the
 * connected card.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TOOL_TOOL_H
#define JPKI_TOOL_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/x509.h>

#include "jpki.h"
#include "reader.h"

/* Exit codes, documented in doc/jpki-tool.1. */
enum tool_exit {
    EXIT_TOOL_OK = 0,
    EXIT_TOOL_USAGE = 1,
    EXIT_TOOL_NO_CARD = 2,        /* no pcscd, no reader, no (JPKI) card */
    EXIT_TOOL_PIN_INCORRECT = 3,  /* wrong PIN, or a PIN refused before sending */
    EXIT_TOOL_PIN_LOCKED = 4,     /* blocked, the user declined the last try, or the
                                   * tries left changed while the PIN was typed */
    EXIT_TOOL_CARD_ERROR = 5,     /* anything else the card or a file did wrong */
    EXIT_TOOL_VERIFY_FAILED = 6,  /* certificate chain verification failed */
    EXIT_TOOL_INTERRUPTED = 130,  /* SIGINT & co. (the process then dies of the signal) */
};

struct tool_options {
    const char *reader;     /* --reader: substring of the reader name */
    int pin_fd;             /* --pin-fd: -1 = the terminal */
    bool sign_pin;          /* status --sign-pin */
    bool der;               /* cert --der (default PEM) */
    const char *out_file;   /* -o */
    const char *in_file;    /* -i */
    const char *key;        /* sign --key auth|sign */
    bool cms;               /* sign --cms */
    bool show_number;       /* basic-info --show-number */
};

/* The card a command works on. */
struct tool_card {
    jpki_pcsc *pcsc;
    jpki_transport *transport;
    jpki_card card;
    char reader[JPKI_READER_NAME_MAX + 1];
    bool in_transaction;
    /* SELECT the JPKI AP before this transaction ends: a PIN was sent (the
     * SELECT clears what it verified) or the text AP was selected. */
    bool must_reselect;
};

/* connect.c: finds the reader (--reader or the first with a JPKI card) and
 * connects. Prints why on failure and returns an exit code. */
int tool_card_open(struct tool_card *tc, const struct tool_options *opt);
void tool_card_close(struct tool_card *tc);
/* Card transactions around card work (never around a prompt). Signals are
 * held back during a transaction (signals.h); tool_card_end first
 * un-verifies (must_reselect), and returns an exit code: non-zero when that
 * SELECT failed. */
int tool_card_begin(struct tool_card *tc);
int tool_card_end(struct tool_card *tc);
/* Exit code for a card-layer status. */
int tool_exit_for(jpki_status st);
/* Prints "<what>: <reason>" on stderr for st and returns tool_exit_for(st). */
int tool_card_error(const char *what, jpki_status st);

/* Role from "auth"/"sign"; false for anything else. */
bool tool_parse_role(const char *word, jpki_role *role);

/* The PINs jpki-tool asks for: the JPKI AP's two and the text AP's. */
typedef enum tool_pin {
    TOOL_PIN_AUTH = JPKI_ROLE_AUTH,
    TOOL_PIN_SIGN = JPKI_ROLE_SIGN,
    TOOL_PIN_TEXT,
} tool_pin;

/* What the holder was shown before typing a PIN: the tries left then (-1:
 * the card said "verified"); when 1, they agreed to spend the last try. */
struct tool_pin_plan {
    tool_pin pin;
    int tries_seen;
};

/* pin_guard.c: the final-try guard on fresh counters.
 * tool_pin_prepare, before the PIN is asked: reads the counter in a
 * transaction of its own, refuses a locked PIN (exit code 4) and asks
 * before the last try. tool_pin_verify, in the caller's transaction: reads
 * the counter again and sends the one VERIFY only if it is what the holder
 * was shown (otherwise exit code 4 and nothing sent); sets must_reselect.
 * Both print what happened and return an exit code. */
const char *tool_pin_name(tool_pin pin);
int tool_pin_prepare(struct tool_card *tc, const struct tool_options *opt, tool_pin pin,
                     struct tool_pin_plan *plan);
int tool_pin_verify(struct tool_card *tc, const struct tool_pin_plan *plan, const uint8_t *pin,
                    size_t pin_len);
/* All of it for an auth or sign PIN: prepare, ask, begin a transaction,
 * verify. On success the caller is in that transaction with the PIN
 * verified (tool_card_end un-verifies); on failure no transaction is left
 * open. The PIN is wiped here on every path. */
int tool_begin_verified(struct tool_card *tc, const struct tool_options *opt, jpki_role role);

/* pin.c: asks for a PIN of role and checks its format (nothing reaches the
 * card otherwise); pin gets at least JPKI_PIN_MAX bytes. */
int tool_ask_pin(const struct tool_options *opt, jpki_role role, uint8_t *pin, size_t *pin_len);
/* Exit code and message for a failed prompt (pin_input_read's result). */
int tool_prompt_failed(int input_rc);

/* cert.c helpers shared with status and sign. */
int tool_read_cert(struct tool_card *tc, uint16_t ef, X509 **out);
/* Prints validity and an expiry warning; returns days left (negative:
 * expired). */
long tool_print_validity(FILE *f, X509 *cert, const char *label);
/* X509_verify_cert of cert with ca as the only trust anchor; why gets the
 * reason of a failure. */
bool tool_verify_chain(X509 *cert, X509 *ca, const char **why);

/* The commands. */
int cmd_status(const struct tool_options *opt);
int cmd_cert(const struct tool_options *opt, const char *which);
int cmd_verify_pin(const struct tool_options *opt, const char *which);
int cmd_change_pin(const struct tool_options *opt, const char *which);
int cmd_sign(const struct tool_options *opt);
int cmd_basic_info(const struct tool_options *opt);
/* view.c: the token view of a program (src/token_view.h). */
int cmd_view(const char *program);

/* cms.c: a detached CMS SignedData over data, signed by the card. */
int tool_cms_sign(struct tool_card *tc, jpki_role role, X509 *cert, const uint8_t *data,
                  size_t data_len, uint8_t **der, size_t *der_len);

/* Files (files.c). Reads a whole file to sign. */
int tool_read_file(const char *path, uint8_t **data, size_t *len);
/* path "-": stdout. Otherwise a new file in the target's directory,
 * renamed over the target: never through a symbolic link (refused), and
 * private_data (the sign certificate, CMS with it) ends up mode 0600 even
 * where a more open file was. */
int tool_write_file(const char *path, const uint8_t *data, size_t len, bool private_data);
/* The same checks before any card work, so that no PIN is typed (nor a
 * signature made) for an output that would be refused. */
int tool_check_output(const char *path, bool private_data);

#endif
