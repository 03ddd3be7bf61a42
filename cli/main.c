/*
 * main.c -- `playfast`: dispatch to a command.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: playfast COMMAND [ARGS...]\n"
    "\n"
    "Fetch (one batch, many requests in flight; output in input order):\n"
    "  playfast app ID... [--lang L] [--country C[,C...]]\n"
    "  playfast list [--category CAT] [--collection NAME] [--num N]\n"
    "  playfast search QUERY... [--num N] [--price all|free|paid]\n"
    "  playfast reviews ID... [--sort S] [--count N | --all] [--score 1..5]\n"
    "\n"
    "  ... --db FILE [--refresh] [--no-retry-failed]   store, resume\n"
    "\n"
    "Stores (SQLite files written with --db):\n"
    "  playfast export --db FILE [--kind K] [--format ndjson|json|csv]\n"
    "  playfast changes --db FILE [--kind K] [--since TIME]\n"
    "\n"
    "Offline (parse a recorded response, no network):\n"
    "  playfast parse app|list|search|reviews FILE\n"
    "\n"
    "  playfast COMMAND --help   options of a command\n"
    "  playfast --version\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return PF_EXIT_FAIL;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return PF_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        puts("playfast " PF_VERSION);
        return PF_EXIT_OK;
    }
    if (!strcmp(cmd, "parse"))
        return pf__cmd_parse(argc - 1, argv + 1);
    if (!strcmp(cmd, "export"))
        return pf__cmd_export(argc - 1, argv + 1);
    if (!strcmp(cmd, "changes"))
        return pf__cmd_changes(argc - 1, argv + 1);
    for (int k = 0; k < PF_KIND_COUNT_; k++)
        if (!strcmp(cmd, pf_kind_name((pf_kind)k)))
            return pf__cmd_fetch((pf_kind)k, argc - 1, argv + 1);
    pf__die_msg("unknown command '%s' (see playfast --help)", cmd);
    return PF_EXIT_FAIL;
}
