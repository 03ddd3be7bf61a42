/*
 * egress.h -- the egress pool: the ways out to the server (internal).
 *
 * Each proxy and each local source address given in the options is one
 * egress; with none there is one direct egress. Each has its own pacing
 * controller (pace.h), so N egresses get N times what the server allows
 * one client address, and a blocked egress cools down while the others
 * carry the load. The loop thread picks an egress for every attempt and
 * reports how the attempt ended; any thread may read the stats. One lock
 * guards the pool; it is never held while calling out.
 */
#ifndef PF_EGRESS_H
#define PF_EGRESS_H

#include <curl/curl.h>

#include "playfast.h"

typedef struct pf__egress pf__egress;
typedef struct pf__egresses pf__egresses;

/* How an attempt ended, for its egress's pacing. */
typedef enum pf__verdict {
    PF__ANSWERED,     /* any answer that is not pushback */
    PF__FAILED,       /* no answer: network error, timeout, cancelled */
    PF__RATE,         /* 429 or 503 */
    PF__BLOCKED       /* captcha page, /sorry/ or consent redirect */
} pf__verdict;

/* Build the pool from resolved options: opt->proxy, then opt->proxies,
 * then opt->local_addresses. Returns NULL on out of memory. */
pf__egresses *pf__egresses_new(const pf_client_options *opt, double now);
/* NULL is a no-op. */
void pf__egresses_free(pf__egresses *g);
size_t pf__egresses_count(const pf__egresses *g);

/* Loop thread: the egress to start an attempt on now -- among those whose
 * pacing allows a start, the one with the fewest attempts in flight -- with
 * its start taken. NULL when none may start yet; then *wait says how long
 * until one may. */
pf__egress *pf__egress_pick(pf__egresses *g, double now, double *wait);
/* Give back a pick that did not lead to an attempt. */
void pf__egress_unpick(pf__egresses *g, pf__egress *e);
/* Route an easy handle through e. */
void pf__egress_setup(const pf__egress *e, CURL *easy);
/* An attempt started at `started` on e ended. For PF__RATE and
 * PF__BLOCKED, retry_after is the server's (seconds, < 0 when absent).
 * Returns the earliest time e may start again. */
double pf__egress_end(pf__egresses *g, pf__egress *e, pf__verdict v,
                      double started, double now, double retry_after);
/* The earliest time any egress may start (now when one may). */
double pf__egresses_ready_at(pf__egresses *g, double now);

/* Any thread: fill out[0..cap), return the count; sum the pushback. */
size_t pf__egresses_stats(pf__egresses *g, pf_egress_stats *out, size_t cap,
                          double now);
void pf__egresses_totals(pf__egresses *g, uint64_t *rate_limited,
                         uint64_t *blocked);

#endif
