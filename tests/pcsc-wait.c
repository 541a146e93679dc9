/*
 * pcsc-wait: wait until the first reader whose name contains a pattern has
 * a card (present) or has none (absent), until the reader exists (reader), or
 * until no reader's name contains the pattern (gone).
 * Used by tests/rig.sh: the virtual card appears ~0.35 s after it connects.
 *   pcsc-wait present|absent|reader|gone [PATTERN] [TIMEOUT_SECONDS]
 * Exit 0 when reached, 1 on timeout, 2 on usage or PC/SC errors.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

static int reader_state(SCARDCONTEXT ctx, const char *pattern, int *found, int *present)
{
    DWORD len = 0;
    *found = 0;
    *present = 0;
    LONG rv = SCardListReaders(ctx, NULL, NULL, &len);
    if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE)
        return 0;
    if (rv != SCARD_S_SUCCESS)
        return -1;
    char *names = malloc(len);
    if (!names)
        return -1;
    rv = SCardListReaders(ctx, NULL, names, &len);
    if (rv != SCARD_S_SUCCESS) {
        free(names);
        return rv == (LONG)SCARD_E_NO_READERS_AVAILABLE ? 0 : -1;
    }
    for (char *n = names; *n; n += strlen(n) + 1) {
        if (pattern && !strstr(n, pattern))
            continue;
        SCARD_READERSTATE st = { .szReader = n, .dwCurrentState = SCARD_STATE_UNAWARE };
        *found = 1;
        if (SCardGetStatusChange(ctx, 0, &st, 1) == SCARD_S_SUCCESS)
            *present = (st.dwEventState & SCARD_STATE_PRESENT) != 0;
        break;
    }
    free(names);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s present|absent|reader|gone [PATTERN] [TIMEOUT]\n", argv[0]);
        return 2;
    }
    const char *want = argv[1];
    const char *pattern = argc > 2 && argv[2][0] ? argv[2] : NULL;
    double timeout = argc > 3 ? atof(argv[3]) : 10.0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        SCARDCONTEXT ctx;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) == SCARD_S_SUCCESS) {
            int found, present;
            int rc = reader_state(ctx, pattern, &found, &present);
            SCardReleaseContext(ctx);
            if (rc == 0) {
                if (!strcmp(want, "reader") && found)
                    return 0;
                if (!strcmp(want, "present") && found && present)
                    return 0;
                if (!strcmp(want, "absent") && (!found || !present))
                    return 0;
                if (!strcmp(want, "gone") && !found)
                    return 0;
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        double spent = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        if (spent > timeout)
            return 1;
        usleep(50 * 1000);
    }
}
