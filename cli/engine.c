/*
 * engine.c -- the engine's entry points the fetch commands call, in one
 * table (cli.h's cli_engine), linked directly into playfast-fetch.
 */
#include "cli.h"

const cli_engine *cli_engine_get(void)
{
    static const cli_engine direct = {
        pf_client_new, pf_client_free, pf_batch_start, pf_batch_next,
        pf_batch_cancel, pf_batch_free, pf_response_cleanup,
        pf_client_stats_get, pf_client_egress_stats,
    };
    return &direct;
}
