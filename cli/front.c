/*
 * front.c -- how `playfast` runs its fetch commands: in `playfast-fetch`.
 *
 * The fetch engine brings libcurl, and libcurl some thirty shared
 * libraries (TLS, HTTP/2, IDN, LDAP, Kerberos...): loading and relocating
 * them costs about 11 million instructions and 5 ms before main() runs,
 * fourteen times what `playfast parse` itself costs on a 1.2 MB page. So
 * the CLI is two programs, both linked, never dlopen()ing anything:
 *
 *   playfast        the parsers (libplayfast-parse.a, no libcurl) and the
 *                   offline commands; `playfast app|list|search|reviews`
 *                   exec()s playfast-fetch with the same arguments;
 *   playfast-fetch  the same CLI linked with the whole library (the engine
 *                   and libcurl), which runs the fetch commands.
 *
 * playfast-fetch is looked for in one place: the directory of the running
 * `playfast` (/proc/self/exe), where `make`, `make install` and
 * `pip install` all put the two side by side. The exec keeps the process
 * (its pid, its signals, its stdin and stdout), so the fetch command is
 * what the shell started. The front passes its version in
 * PLAYFAST_CLI_VERSION, and playfast-fetch refuses to run when it or its
 * library is another version (fetch_main.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_cmd_fetch_exec(int argc, char **argv)
{
    static const char name[] = "playfast-fetch";
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof name - 1);
    char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
    if (slash == NULL) {
        cli_die_msg("cannot find the directory of this program to run %s: %s",
                    name, n < 0 ? strerror(errno) : "no directory");
        return CLI_EXIT_FAIL;
    }
    memcpy(slash + 1, name, sizeof name);

    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (args == NULL) {
        cli_die_msg("out of memory");
        return CLI_EXIT_FAIL;
    }
    args[0] = path;
    memcpy(args + 1, argv, (size_t)argc * sizeof *args);
    setenv("PLAYFAST_CLI_VERSION", PF_VERSION, 1);
    execv(path, args);
    cli_die_msg("cannot run %s (it runs the fetch commands and is installed "
                "beside playfast): %s", path, strerror(errno));
    free(args);
    return CLI_EXIT_FAIL;
}
