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
    EXIT_TOOL_PIN_LOCKED = 4,     /* blocked, or the user declined the last try */
    EXIT_TOOL_CARD_ERROR = 5,     /* anything else the card or a file did wrong */
    EXIT_TOOL_VERIFY_FAILED = 6,  /* certificate chain verification failed */
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
};

/* connect.c: finds the reader (--reader or the first with a JPKI card) and
 * connects. Prints why on failure and returns an exit code. */
int tool_card_open(struct tool_card *tc, const struct tool_options *opt);
void tool_card_close(struct tool_card *tc);
/* Card transactions around card work (never around a prompt). */
int tool_card_begin(struct tool_card *tc);
void tool_card_end(struct tool_card *tc);
/* Exit code for a card-layer status. */
int tool_exit_for(jpki_status st);
/* Prints "<what>: <reason>" on stderr for st and returns tool_exit_for(st). */
int tool_card_error(const char *what, jpki_status st);

/* Role from "auth"/"sign"; false for anything else. */
bool tool_parse_role(const char *word, jpki_role *role);

/* PINs (pin.c): asks for a PIN of role, checks its format (nothing reaches
 * the card otherwise) and verifies it on the card in the caller's
 * transaction. Prints what happened; returns an exit code. */
int tool_ask_pin(const struct tool_options *opt, jpki_role role, uint8_t *pin, size_t *pin_len);
int tool_verify_pin(struct tool_card *tc, jpki_role role, const uint8_t *pin, size_t pin_len);
/* When only one try is left: asks "y" before spending it. */
int tool_confirm_last_try(const struct tool_options *opt, int tries_left);
/* Before asking for a PIN: refuses a locked one (exit code 4) and asks
 * before the last try; in a transaction of its own. */
int tool_check_tries(struct tool_card *tc, const struct tool_options *opt, jpki_role role);

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

/* Small file helpers (sign.c). */
int tool_read_file(const char *path, uint8_t **data, size_t *len);
/* path "-": stdout. private_data: mode 0600 (the sign certificate). */
int tool_write_file(const char *path, const uint8_t *data, size_t len, bool private_data);

#endif
