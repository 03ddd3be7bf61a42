/*
 * main.c -- `playfast`: dispatch to a command. The offline commands run
 * here; the fetch commands in playfast-fetch (front.c).
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
    "  playfast developer DEV_ID... [--num N]   playfast similar ID... [--num N]\n"
    "  playfast suggest TERM...   playfast permissions ID...\n"
    "  playfast datasafety ID...  playfast categories\n"
    "\n"
    "  ... --db FILE [--refresh] [--no-retry-failed]   store, resume\n"
    "\n"
    "Stores (SQLite files written with --db):\n"
    "  playfast export --db FILE [--kind K] [--format ndjson|json|csv]\n"
    "  playfast changes --db FILE [--kind K] [--since TIME]\n"
    "\n"
    "Offline (parse a recorded response, no network):\n"
    "  playfast parse app|list|search|reviews FILE\n"
    "  playfast parse developer|similar|suggest|permissions|datasafety|categories FILE\n"
    "\n"
    "  playfast COMMAND --help   options of a command\n"
    "  playfast --version\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_EXIT_FAIL;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        puts("playfast " PF_VERSION);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "parse"))
        return cli_cmd_parse(argc - 1, argv + 1);
    if (!strcmp(cmd, "export") || !strcmp(cmd, "changes"))
        return cli_cmd_fetch_exec(argc - 1, argv + 1); /* they need SQLite */
    for (int k = 0; k < PF_KIND_COUNT_; k++)
        if (!strcmp(cmd, pf_kind_name((pf_kind)k)))
            return cli_cmd_fetch_exec(argc - 1, argv + 1);
    cli_die_msg("unknown command '%s' (see playfast --help)", cmd);
    return CLI_EXIT_FAIL;
}
