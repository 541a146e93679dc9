/*
 * messages.h: jpki-tool's words in English and Japanese. A plain table
 * instead of gettext: a few dozen strings, and the tool must speak Japanese
 * even where no message catalogue is installed.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef JPKI_TOOL_MESSAGES_H
#define JPKI_TOOL_MESSAGES_H

#include <stdio.h>

#include "jpki.h"

typedef enum msg_id {
    M_USAGE,
    M_VERSION,
    M_UNKNOWN_COMMAND,
    M_BAD_ARGUMENT,
    M_NO_SERVICE,
    M_NO_READER,
    M_READER_NOT_FOUND,
    M_NO_CARD_IN,
    M_NO_JPKI_CARD,
    M_CARD_ERROR,
    M_READERS,
    M_READER_CARD,
    M_READER_NO_CARD,
    M_READER_USED,
    M_TOKEN,
    M_TOKEN_CARD,
    M_TOKEN_JUKI,
    M_TOKEN_ANDROID,
    M_TOKEN_IPHONE,
    M_TOKEN_UNKNOWN,
    M_CERT_LIST,
    M_CERT_LIST_UNKNOWN,
    M_CERT_PRESENT,
    M_CERT_ABSENT,
    M_CERT_NEEDS_PIN,
    M_KEY,
    M_KEY_UNUSABLE,
    M_PIN_AUTH,
    M_PIN_SIGN,
    M_PIN_TEXT,
    M_TRIES,
    M_TRIES_VERIFIED,
    M_TRIES_LOCKED,
    M_TRIES_LAST,
    M_TRIES_LOW,
    M_TEXT_AP_ABSENT,
    M_CERT_AUTH,
    M_CERT_SIGN,
    M_CERT_AUTH_CA,
    M_CERT_SIGN_CA,
    M_VALIDITY,
    M_EXPIRED,
    M_EXPIRES_SOON,
    M_SIGN_CERT_HINT,
    M_CHAIN_OK,
    M_CHAIN_FAILED,
    M_PROMPT_AUTH,
    M_PROMPT_SIGN,
    M_PROMPT_TEXT,
    M_PROMPT_NEW,
    M_PROMPT_NEW_AGAIN,
    M_PIN_READ_FAILED,
    M_PIN_LEN,
    M_PIN_CHARS,
    M_PIN_NEEDS_MIX,
    M_PIN_MISMATCH,
    M_PIN_SAME,
    M_PIN_INCORRECT,
    M_PIN_LOCKED,
    M_PIN_OK,
    M_PIN_CHANGED,
    M_CONFIRM_LAST,
    M_CANCELLED,
    M_TRIES_CHANGED,
    M_SIGNED,
    M_FILE_ERROR,
    M_FILE_SYMLINK,
    M_FILE_NOT_REGULAR,
    M_OPENSSL_ERROR,
    M_NAME,
    M_ADDRESS,
    M_BIRTH,
    M_SEX,
    M_SEX_MALE,
    M_SEX_FEMALE,
    M_SEX_NA,
    M_MY_NUMBER,
    M_MY_NUMBER_HIDDEN,
    M_VIEW_PROGRAM,
    M_VIEW_AUTH,
    M_VIEW_SIGN,
    M_VIEW_ALL,
    M_VIEW_FROM_ENV,
    M_VIEW_FROM_FILE,
    M_VIEW_FROM_DEFAULT,
    M_VIEW_IGNORED_ENV,
    M_VIEW_IGNORED_FILE,
    M_VIEW_IGNORED_LINE,
    M_COUNT
} msg_id;

/* Picks the language from LC_ALL, LC_MESSAGES, LANG (first one set):
 * Japanese when it starts with "ja". */
void msg_init(void);
const char *msg(msg_id id);
/* printf with msg(id) as the format. */
void msg_print(FILE *f, msg_id id, ...);
/* snprintf with msg(id) as the format. */
void msg_format(char *buf, size_t cap, msg_id id, ...);
/* A status of the card layer in the user's language. */
const char *msg_status(jpki_status st);

#endif
