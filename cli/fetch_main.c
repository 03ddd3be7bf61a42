/*
 * fetch_main.c -- `playfast-fetch`: the fetch commands of `playfast`, in a
 * program linked with the whole library (see front.c for why there are
 * two). It checks at start-up that the library it runs with is the one it
 * was compiled against, and that the `playfast` that started it is the
 * same version, so a half-updated install fails with a message instead of
 * misreading structs.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    const char *front = getenv("PLAYFAST_CLI_VERSION");
    if (strcmp(pf_version(), PF_VERSION) != 0) {
        cli_die_msg("playfast-fetch was built against libplayfast %s but "
                    "runs with %s: reinstall playfast", PF_VERSION,
                    pf_version());
        return CLI_EXIT_FAIL;
    }
    if (front && strcmp(front, PF_VERSION) != 0) {
        cli_die_msg("playfast %.40s found playfast-fetch %s beside it: "
                    "reinstall playfast", front, PF_VERSION);
        return CLI_EXIT_FAIL;
    }
    if (argc >= 2 && !strcmp(argv[1], "export"))
        return cli_cmd_export(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "changes"))
        return cli_cmd_changes(argc - 1, argv + 1);
    if (argc >= 2)
        for (int k = 0; k < PF_KIND_COUNT_; k++)
            if (!strcmp(argv[1], pf_kind_name((pf_kind)k)))
                return cli_cmd_fetch((pf_kind)k, argc - 1, argv + 1);
    cli_die_msg("playfast-fetch runs the fetch commands of playfast (app, "
                "list, search, reviews); run playfast instead");
    return CLI_EXIT_FAIL;
}
