/*
 * retry.h -- when an attempt is worth repeating, and how long to wait
 * first (internal). How fast requests start is pace.h's job.
 */
#ifndef PF_RETRY_H
#define PF_RETRY_H

#include <curl/curl.h>

/* Monotonic seconds. */
double pf__now(void);

/* Whether an attempt that ended with curl code `cc` and HTTP status
 * `status` is worth repeating within the client's retry count. (429 and
 * 503 are pushback: the loop retries those until the deadline.) */
int pf__retryable(CURLcode cc, long status);

/* Seconds to wait before attempt number `attempt` + 1 (attempt >= 1):
 * Retry-After when the server sent one (capped), else exponential backoff
 * from `base` with jitter. `seed` is the caller's PRNG state. */
double pf__backoff(double base, int attempt, long retry_after,
                   unsigned *seed);

#endif
