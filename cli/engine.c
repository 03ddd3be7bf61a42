/*
 * engine.c -- how the CLI reaches the fetch engine (pf_client, pf_batch).
 *
 * The engine brings libcurl, and libcurl brings some thirty shared
 * libraries (TLS, HTTP/2, IDN, LDAP, Kerberos...). Loading and relocating
 * them costs about 11 million instructions and 5 ms before main() runs,
 * fourteen times what `playfast parse` itself costs on a 1.2 MB page. So
 * when built with PF_CLI_DLOPEN (and linked without libcurl), the binary
 * carries only the parsers and opens libplayfast.so on the first fetch
 * command; offline parsing never pays for the network stack. Without the
 * macro the engine is linked in directly, as any program would.
 *
 * The shared library is looked for, in order: $PLAYFAST_LIB; next to the
 * executable (the build tree: build/playfast beside build/libplayfast.so);
 * ../lib/libplayfast.so.0 from it (make install's layout); then the
 * dynamic linker's own search path.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef PF_CLI_DLOPEN

const pf__engine *pf__engine_get(void)
{
    static const pf__engine direct = {
        pf_client_new, pf_client_free, pf_batch_start, pf_batch_next,
        pf_batch_cancel, pf_batch_free, pf_response_cleanup,
        pf_client_stats_get, pf_client_egress_stats,
    };
    return &direct;
}

#else

#include <dlfcn.h>

static void *try_open(const char *dir, const char *name)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s%s", dir, name) >= (int)sizeof path)
        return NULL;
    return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

static void *open_library(void)
{
    const char *env = getenv("PLAYFAST_LIB");
    if (env && *env)
        return dlopen(env, RTLD_NOW | RTLD_LOCAL);

    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            slash[1] = '\0';
            void *h = try_open(exe, "libplayfast.so");
            if (!h)
                h = try_open(exe, "../lib/libplayfast.so.0");
            if (h)
                return h;
        }
    }
    return dlopen("libplayfast.so.0", RTLD_NOW | RTLD_LOCAL);
}

const pf__engine *pf__engine_get(void)
{
    static pf__engine e;
    static int loaded;
    if (loaded)
        return &e;

    void *h = open_library();
    if (!h) {
        pf__die_msg("cannot load the fetch engine (libplayfast.so): %s",
                    dlerror());
        return NULL;
    }
    /* POSIX allows converting dlsym's void * to a function pointer; the
     * union keeps -Wpedantic quiet about it. */
#define LOAD(field, sym)                                                \
    do {                                                                \
        union { void *p; __typeof__(e.field) f; } u_;                   \
        u_.p = dlsym(h, sym);                                           \
        if (!u_.p) {                                                    \
            pf__die_msg("libplayfast.so lacks %s", sym);                \
            dlclose(h);                                                 \
            return NULL;                                                \
        }                                                               \
        e.field = u_.f;                                                 \
    } while (0)
    LOAD(client_new, "pf_client_new");
    LOAD(client_free, "pf_client_free");
    LOAD(batch_start, "pf_batch_start");
    LOAD(batch_next, "pf_batch_next");
    LOAD(batch_cancel, "pf_batch_cancel");
    LOAD(batch_free, "pf_batch_free");
    LOAD(response_cleanup, "pf_response_cleanup");
    LOAD(client_stats, "pf_client_stats_get");
    LOAD(egress_stats, "pf_client_egress_stats");
#undef LOAD
    /* The handle stays open for the life of the process: the client's
     * threads run code from it until pf_client_free returns. */
    loaded = 1;
    return &e;
}

#endif
