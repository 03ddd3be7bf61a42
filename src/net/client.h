/*
 * client.h -- what the engine's parts read of their client (internal).
 *
 * pf_client_new() (client.c) resolves the options and builds the shared
 * pieces once; the loop (loop.c), the transfers and the workers
 * (outcome.c) then only read them. The counters are the one thing they
 * write, atomically.
 *
 * Threads:
 *   caller threads   pf_batch_* / pf_fetch: start batches, take results.
 *   loop thread      owns the curl multi handle and every easy handle
 *                    (loop.c).
 *   pool workers     turn a finished transfer into its response
 *                    (outcome.c) and publish it in its batch (batch.c).
 * Calls go one way: loop -> batch (claim) and loop -> workers (submit);
 * workers -> batch (publish) and -> loop (a review page's successor, the
 * end of a transfer). Nobody holds a lock while calling the parsers or a
 * user callback.
 */
#ifndef PF_CLIENT_H
#define PF_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <curl/curl.h>

#include "playfast.h"
#include "body.h"
#include "egress.h"
#include "pool.h"

typedef struct pf__env {
    pf_client_options opt;       /* resolved: every default filled in */
    const char *base_url, *user_agent, *cacert;
    int multiplex;               /* HTTP/2 possible: wait to share a conn */
    CURLSH *share;               /* DNS cache and TLS sessions */
    struct curl_slist *hdr_get, *hdr_post;
    pf__pool *pool;
    pf__bodies *bodies;
    pf__egresses *egress;
    atomic_uint_least64_t n_requests, n_retries, n_connections, n_bytes;
} pf__env;

/* The loop of a client, for pf_batch_start(). */
struct pf__loop *pf__client_loop(pf_client *c);
/* The resolved options (strings the client's copies), for tests. */
const pf_client_options *pf__client_options(pf_client *c);
/* The client's body buffers, for tests. */
pf__bodies *pf__client_bodies(pf_client *c);

#endif
