/*
 * fuzz_sw.c: status words into errors.c. Every pair of input bytes is a
 * status word; its mapping must stay inside the tables (a status outside
 * them would reach an application as CKR_GENERAL_ERROR).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "fuzz.h"

#include <stdlib.h>

#include "errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 1 < size; i += 2) {
        uint16_t sw = (uint16_t)(data[i] << 8 | data[i + 1]);
        int tries = -2;
        jpki_status st = jpki_status_from_sw(sw, &tries);

        if ((unsigned)st >= JPKI_E_STATUS_COUNT || tries < -1 || tries > 15)
            abort();
        if ((st == JPKI_OK) != (sw == 0x9000))
            abort();
        if (jpki_status_to_ckr(st) == CKR_GENERAL_ERROR || jpki_status_name(st) == NULL)
            abort();
        /* A wrong PIN always says how many tries are left. */
        if (st == JPKI_E_PIN_INCORRECT && tries <= 0)
            abort();
        if (jpki_status_from_sw(sw, NULL) != st)
            abort();
    }
    return 0;
}
