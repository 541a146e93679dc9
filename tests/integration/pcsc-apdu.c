/*
 * pcsc-apdu: another program on the card, as plainly as PC/SC allows: it
 * connects (shared) to the first reader whose name contains PATTERN, sends
 * each APDU (hex) inside one transaction and checks its status word, then
 * disconnects leaving the card as it is (or resetting it with -r).
 * With -x FILE it connects exclusively instead, as GnuPG's scdaemon does by
 * default, and holds the card until FILE exists. With -h FILE it holds its
 * shared connection until FILE exists, as a browser with the module loaded
 * does (pcscd then keeps the card powered: its state survives between
 * other programs' connections).
 *   pcsc-apdu [-r] [-x FILE | -h FILE] PATTERN APDU[=SW]...
 * Prints "APDU -> RESPONSE" per command. Exit 0 when every SW matched (an
 * APDU without =SW must answer 9000), 1 otherwise, 2 on PC/SC errors, 3
 * when an exclusive connection is refused because another program is
 * connected.
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

static size_t from_hex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    while (s[0] != '\0' && s[0] != '=' && s[1] != '\0' && n < cap) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            return 0;
        out[n++] = (unsigned char)v;
        s += 2;
    }
    return s[0] == '\0' || s[0] == '=' ? n : 0;
}

static SCARDHANDLE connect_reader(SCARDCONTEXT ctx, const char *pattern, DWORD share,
                                  DWORD *proto, LONG *rv)
{
    char names[4096];
    DWORD len = sizeof(names);
    SCARDHANDLE card = 0;
    if (SCardListReaders(ctx, NULL, names, &len) != SCARD_S_SUCCESS)
        return 0;
    for (char *r = names; *r != '\0'; r += strlen(r) + 1) {
        if (strstr(r, pattern) == NULL)
            continue;
        *rv = SCardConnect(ctx, r, share, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, proto);
        if (*rv == SCARD_S_SUCCESS)
            return card;
        break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int first = 1, rc = 0;
    DWORD disposition = SCARD_LEAVE_CARD, proto = 0, share = SCARD_SHARE_SHARED;
    const char *hold_until = NULL;
    SCARDCONTEXT ctx;
    for (;;) {
        if (argc > first && strcmp(argv[first], "-r") == 0) {
            disposition = SCARD_RESET_CARD;
            first++;
        } else if (argc > first + 1 && strcmp(argv[first], "-x") == 0) {
            share = SCARD_SHARE_EXCLUSIVE;
            hold_until = argv[first + 1];
            first += 2;
        } else if (argc > first + 1 && strcmp(argv[first], "-h") == 0) {
            hold_until = argv[first + 1];
            first += 2;
        } else {
            break;
        }
    }
    if (argc < first + 1) {
        fprintf(stderr, "usage: %s [-r] [-x FILE | -h FILE] PATTERN APDU[=SW]...\n", argv[0]);
        return 2;
    }
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
        return 2;
    LONG crv = SCARD_S_SUCCESS;
    SCARDHANDLE card = connect_reader(ctx, argv[first], share, &proto, &crv);
    if (card == 0 && crv == SCARD_E_SHARING_VIOLATION) {
        fprintf(stderr, "pcsc-apdu: another program is connected to '%s'\n", argv[first]);
        SCardReleaseContext(ctx);
        return 3;
    }
    if (card == 0 || SCardBeginTransaction(card) != SCARD_S_SUCCESS) {
        fprintf(stderr, "pcsc-apdu: no card in a reader matching '%s'\n", argv[first]);
        SCardReleaseContext(ctx);
        return 2;
    }
    const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    for (int i = first + 1; i < argc && rc != 2; i++) {
        unsigned char cmd[300], resp[300];
        DWORD rlen = sizeof(resp);
        const char *want = strchr(argv[i], '=');
        size_t n = from_hex(argv[i], cmd, sizeof(cmd));
        LONG rv = n >= 4 ? SCardTransmit(card, pci, cmd, (DWORD)n, NULL, resp, &rlen) : -1;
        if (rv != SCARD_S_SUCCESS || rlen < 2) {
            fprintf(stderr, "pcsc-apdu: %s: not sent\n", argv[i]);
            rc = 2;
            break;
        }
        char sw[5];
        snprintf(sw, sizeof(sw), "%02X%02X", resp[rlen - 2], resp[rlen - 1]);
        printf("%.*s -> ", (int)(want != NULL ? want - argv[i] : (long)strlen(argv[i])), argv[i]);
        for (DWORD k = 0; k < rlen; k++)
            printf("%02X", resp[k]);
        printf("\n");
        if (strcasecmp(sw, want != NULL ? want + 1 : "9000") != 0)
            rc = 1;
    }
    SCardEndTransaction(card, SCARD_LEAVE_CARD);
    if (hold_until != NULL) {
        printf("holding the card\n");
        fflush(stdout);
        struct timespec tick = { 0, 50 * 1000000L };
        for (int i = 0; i < 6000 && access(hold_until, F_OK) != 0; i++)
            nanosleep(&tick, NULL);
    }
    SCardDisconnect(card, disposition);
    SCardReleaseContext(ctx);
    return rc;
}
