/*
 * pace.h -- how fast one egress may start requests (internal).
 *
 * One pf__pace per egress (the client talks to one host, so per egress is
 * per (host, egress)). It is a token bucket whose rate is learned from the
 * server's pushback, additive increase and multiplicative decrease:
 *
 *  - Before any pushback, and without a ceiling, it probes: a burst of
 *    PF__PROBE_BURST starts (shared among the egresses that probe
 *    together: a server that limits each address sees each burst, and
 *    every start of it past the server's own burst is refused before the
 *    first refusal is heard), then starts paced at PF__PROBE_RATE, doubling
 *    every PF__PROBE_DOUBLE starts but at most every PF__PROBE_STEP, so K
 *    requests are all out within about 100 ms while a server that refuses
 *    early is heard before many more have gone: the time step matters when
 *    the server answers at once and its first refusal waits behind the
 *    pages it is still sending.
 *  - A 429, a 503 or a blocked page cuts the rate, once per episode (only
 *    a request started after the last cut can cut again), and pauses the
 *    egress for the Retry-After it was told: every start on it waits.
 *  - Successes raise the rate: quickly while far below the rate that last
 *    drew pushback, slowly near it, never above the caller's ceiling.
 *  - An egress still probing adopts the rate another egress of the pool
 *    just learned (pf__pace_adopt).
 *  - A blocked page also quarantines the egress for a cool-down that
 *    doubles with each block in a row (PF__BLOCK_COOL, at most
 *    PF__BLOCK_COOL_MAX), unless the server's Retry-After says longer.
 *
 * Every function takes `now` (pf__now() seconds) so the policy is tested
 * with a simulated clock. Not thread-safe: the egress pool (egress.c)
 * guards each controller with its lock.
 */
#ifndef PF_PACE_H
#define PF_PACE_H

#include <stddef.h>

#ifndef PF__PROBE_BURST
#define PF__PROBE_BURST 24
#endif
#ifndef PF__PROBE_DOUBLE
#define PF__PROBE_DOUBLE 8         /* probe starts per doubling of its rate */
#endif
#ifndef PF__PROBE_STEP
#define PF__PROBE_STEP 0.025       /* and at most one doubling this often */
#endif
#ifndef PF__PROBE_RATE
#define PF__PROBE_RATE 250.0       /* starts/s after the first burst */
#endif
#define PF__MIN_RATE 0.2           /* the floor a cut can reach */
#define PF__PAUSE_DEFAULT 1.0      /* a 429/503 without Retry-After */
#define PF__BLOCK_COOL 30.0
#define PF__BLOCK_COOL_MAX 900.0

typedef struct pf__pace {
    double ceiling;        /* the caller's rate, 0 = none */
    double rate;           /* allowed starts/s; 0 while probing */
    double tokens, burst, last;
    double probe_rate;
    unsigned probe_burst;          /* this egress's share of the burst */
    unsigned probe_starts;         /* since the last doubling */
    double probe_at;               /* when the rate last doubled */
    double paused_until;   /* no start before this */
    double cut_at;         /* when the rate was last cut; -1: never */
    double top;            /* the rate that last drew pushback */
    /* Starts in the current and the previous one-second slot, and the
     * refusals among requests started in them: accepted = starts -
     * refused is what the server let through. */
    double slot;
    unsigned starts, starts_prev, refused, refused_prev;
    int blocks;            /* blocked answers in a row */
    int quarantined;       /* the pause is a block's cool-down */
} pf__pace;

/* `probers` is the number of egresses that probe together: each bursts
 * PF__PROBE_BURST / probers starts (at least one) and then starts at
 * PF__PROBE_RATE / probers, so the pool as a whole probes no faster than
 * one egress would. */
void pf__pace_init(pf__pace *p, double ceiling, size_t probers, double now);

/* Take a start: 0 when the caller may start now (a token is taken), else
 * the seconds until one may. */
double pf__pace_take(pf__pace *p, double now);

/* Give back a token taken by pf__pace_take() that was not used. */
void pf__pace_untake(pf__pace *p);

/* A request was answered (not pushback). */
void pf__pace_ok(pf__pace *p, double now);

/* A request started at `started` met pushback: a 429 or 503 (blocked 0)
 * or a blocked page (blocked 1); retry_after in seconds, < 0 when absent.
 * Returns when the egress may start again. */
double pf__pace_pushback(pf__pace *p, double started, double now,
                         double retry_after, int blocked);

/* Another egress of the pool learned `rate` from pushback: one still
 * probing starts from it instead of finding the limit on its own (each
 * address has its own limit, but the server sets them alike). */
void pf__pace_adopt(pf__pace *p, double rate);

/* The rate it may start at now (0: not limited yet) and the seconds until
 * it may start at all; for stats. */
double pf__pace_rate(const pf__pace *p);
double pf__pace_cooldown(const pf__pace *p, double now);

#endif
