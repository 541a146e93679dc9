/*
 * sw.h: the status words the virtual card answers (protocol notes §5).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#ifndef VCARD_SW_H
#define VCARD_SW_H

enum {
    SW_OK = 0x9000,
    SW_MORE_DATA = 0x6100,      /* | bytes left (00: 256 or more), for GET RESPONSE */
    SW_WRONG_LENGTH = 0x6700,
    SW_LOGICAL_CHANNEL = 0x6881,
    SW_SM = 0x6882,
    SW_CHAINING = 0x6884,
    SW_FILE_STRUCTURE = 0x6981,
    SW_SECURITY = 0x6982,
    SW_BLOCKED = 0x6984,
    SW_CONDITIONS = 0x6985,
    SW_NO_CURRENT_EF = 0x6986,
    SW_FUNC_NOT_SUPPORTED = 0x6A81,
    SW_NOT_FOUND = 0x6A82,
    SW_WRONG_P1P2 = 0x6A86,
    SW_WRONG_OFFSET = 0x6B00,
    SW_BAD_INS = 0x6D00,
    SW_BAD_CLA = 0x6E00,
    SW_UNKNOWN = 0x6F00,
};

#endif
