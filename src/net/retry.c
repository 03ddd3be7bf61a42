/*
 * retry.c -- when to try again: retry classification, exponential backoff
 * with jitter, Retry-After.
 */
#include <time.h>

#include "retry.h"

double pf__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int pf__retryable(CURLcode cc, long status)
{
    switch (cc) {
    case CURLE_OK:
        /* 408, 429 and 5xx are the server saying "later"; other statuses
         * are answers and repeating the question would not change them. */
        return status == 408 || status == 429 ||
               (status >= 500 && status <= 599);
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* The server's Retry-After is honoured but bounded: a misconfigured or
 * hostile header must not park a transfer for hours. */
#define RETRY_AFTER_MAX 120.0
#define BACKOFF_MAX 30.0

static double rnd(unsigned *seed)
{
    /* xorshift32: jitter needs spread, not cryptographic quality, and a
     * per-client state keeps it lock-free on the loop thread. */
    unsigned x = *seed ? *seed : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    return (double)(x >> 8) / (double)(1u << 24);
}

double pf__backoff(double base, int attempt, long retry_after,
                   unsigned *seed)
{
    if (retry_after >= 0) {
        double d = (double)retry_after;
        return d > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : d;
    }
    double d = base;
    for (int i = 1; i < attempt && d < BACKOFF_MAX; i++) d *= 2;
    if (d > BACKOFF_MAX) d = BACKOFF_MAX;
    /* "Equal jitter": at least half the step, so retries still back off,
     * spread over the other half, so K clients hit by the same 503 do not
     * come back in lockstep. */
    return d / 2 + rnd(seed) * d / 2;
}
