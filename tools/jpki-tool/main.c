/*
 * main.c: jpki-tool, the card holder's companion to the PKCS#11 module:
 * command line, language, dispatch. Exit codes: tool.h and jpki-tool(1).
 * Copyright (C) 2026 jpki-pkcs11 developers. LGPL-2.1-or-later.
 */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "messages.h"
#include "signals.h"

enum { OPT_READER = 256, OPT_PIN_FD, OPT_SIGN_PIN, OPT_PEM, OPT_DER, OPT_KEY, OPT_CMS,
       OPT_SHOW_NUMBER, OPT_VERSION };

static const struct option long_options[] = {
    { "reader", required_argument, NULL, OPT_READER },
    { "pin-fd", required_argument, NULL, OPT_PIN_FD },
    { "sign-pin", no_argument, NULL, OPT_SIGN_PIN },
    { "pem", no_argument, NULL, OPT_PEM },
    { "der", no_argument, NULL, OPT_DER },
    { "key", required_argument, NULL, OPT_KEY },
    { "cms", no_argument, NULL, OPT_CMS },
    { "show-number", no_argument, NULL, OPT_SHOW_NUMBER },
    { "output", required_argument, NULL, 'o' },
    { "input", required_argument, NULL, 'i' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

/* --pin-fd must name an open descriptor: a typo must not make the tool
 * wait on (or read PINs from) something unintended. */
static bool parse_fd(const char *s, int *fd)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > INT_MAX)
        return false;
    if (fcntl((int)v, F_GETFD) < 0)
        return false;
    *fd = (int)v;
    return true;
}

static int usage_error(const char *what)
{
    msg_print(stderr, M_BAD_ARGUMENT, what);
    return EXIT_TOOL_USAGE;
}

static int run(const struct tool_options *opt, const char *command, const char *arg)
{
    if (strcmp(command, "status") == 0 && arg == NULL)
        return cmd_status(opt);
    if (strcmp(command, "cert") == 0)
        return cmd_cert(opt, arg);
    if (strcmp(command, "verify-pin") == 0)
        return cmd_verify_pin(opt, arg);
    if (strcmp(command, "change-pin") == 0)
        return cmd_change_pin(opt, arg);
    if (strcmp(command, "sign") == 0 && arg == NULL)
        return cmd_sign(opt);
    if (strcmp(command, "basic-info") == 0 && arg == NULL)
        return cmd_basic_info(opt);
    if (strcmp(command, "view") == 0)
        return cmd_view(arg);
    msg_print(stderr, M_UNKNOWN_COMMAND, command);
    return EXIT_TOOL_USAGE;
}

int main(int argc, char **argv)
{
    struct tool_options opt;
    const char *command, *arg;
    int c, rc;

    setlocale(LC_ALL, "");
    msg_init();
    memset(&opt, 0, sizeof opt);
    opt.pin_fd = -1;

    while ((c = getopt_long(argc, argv, "ho:i:", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_READER:
            opt.reader = optarg;
            break;
        case OPT_PIN_FD:
            if (!parse_fd(optarg, &opt.pin_fd))
                return usage_error("--pin-fd");
            break;
        case OPT_SIGN_PIN:
            opt.sign_pin = true;
            break;
        case OPT_PEM:
            opt.der = false;
            break;
        case OPT_DER:
            opt.der = true;
            break;
        case OPT_KEY:
            opt.key = optarg;
            break;
        case OPT_CMS:
            opt.cms = true;
            break;
        case OPT_SHOW_NUMBER:
            opt.show_number = true;
            break;
        case 'o':
            opt.out_file = optarg;
            break;
        case 'i':
            opt.in_file = optarg;
            break;
        case 'h':
            fputs(msg(M_USAGE), stdout);
            return EXIT_TOOL_OK;
        case OPT_VERSION:
            msg_print(stdout, M_VERSION, PACKAGE_VERSION);
            return EXIT_TOOL_OK;
        default:
            fputs(msg(M_USAGE), stderr);
            return EXIT_TOOL_USAGE;
        }
    }
    if (optind >= argc) {
        fputs(msg(M_USAGE), stderr);
        return EXIT_TOOL_USAGE;
    }
    command = argv[optind];
    arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (optind + 2 < argc)
        return usage_error(argv[optind + 2]);

    /* JPKI_PKCS11_DEBUG, as for the module: the card layer's log. */
    jpki_log_init();
    /* From here Ctrl-C ends the command the clean way: PINs wiped, card
     * un-verified, transaction ended; then the process dies of it. */
    tool_signals_install();
    rc = run(&opt, command, arg);
    jpki_log_close();
    if (fflush(stdout) != 0 && rc == EXIT_TOOL_OK)
        rc = EXIT_TOOL_CARD_ERROR;   /* e.g. a full disk under "> file" */
    tool_signals_finish();
    return rc;
}
