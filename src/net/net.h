/*
 * net.h -- the fetch engine's internal interfaces (internal).
 *
 * Threads and what each owns:
 *
 *   caller threads   pf_batch_* / pf_fetch: create batches, take results.
 *   loop thread      owns the CURLM and every easy handle; pulls requests
 *                    from the client's batches while fewer than K are active,
 *                    applies the rate limit, runs transfers, schedules
 *                    retries, and hands each finished transfer to the pool.
 *   pool workers     turn a finished transfer into a pf_response (status
 *                    mapping, parsing, review pagination) and publish it in
 *                    its batch; a review page that needs a successor goes
 *                    back to the loop as a continuation.
 *
 * A pf__xfer is one logical request from the moment the loop takes it from
 * its batch until a worker publishes its response. It counts against the
 * client's concurrency cap for that whole time (backoff waits and parsing
 * included), so memory does not grow with n; the body budget (body.c) then
 * bounds how many of the K bodies are buffered at once.
 *
 * Lock order: client->mu before batch->mu. Nobody holds a lock while calling
 * the parsers or a user callback, nor into libcurl except for
 * curl_multi_wakeup(), which is made under client->mu so that it cannot race
 * the multi handle's destruction in pf_client_free().
 */
#ifndef PF_NET_H
#define PF_NET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>

#include "playfast.h"
#include "buf.h"
#include "page.h" /* pf__error */

typedef struct pf__pool pf__pool;
typedef struct pf__xfer pf__xfer;

/* ---- pool.c: fixed worker threads running jobs in FIFO order ---------- */

typedef struct pf__job pf__job;
struct pf__job {
    pf__job *next;
    void (*run)(pf__job *job);
};

/* Start n threads (n >= 1). Returns NULL on failure with nothing left
 * running. */
pf__pool *pf__pool_new(int n);
/* Queue a job; any thread. Never fails: the job is intrusive. */
void pf__pool_submit(pf__pool *p, pf__job *job);
/* Run every queued job, then join the threads. NULL is a no-op. */
void pf__pool_free(pf__pool *p);
/* Default worker count for this machine. */
int pf__pool_default_size(void);

/* ---- request.c: URL and body builders --------------------------------- */

/* Escapers for the request builders, into a pf__buf (buf.h). */
/* Percent-encode every byte except RFC 3986 unreserved characters. */
void pf__buf_pct(pf__buf *b, const char *s, size_t n);
/* Append s as the inside of a JSON string literal (no quotes added). */
void pf__buf_json(pf__buf *b, const char *s, size_t n);

/* The server to talk to: `given` when set, else $PLAYFAST_BASE_URL, else
 * the live store. */
const char *pf__base_url(const char *given);

#define PF__REVIEWS_PAGE 150

/* Build the exchange for req against base (no trailing slash needed) into
 * *out (playfast.h: url and body malloc'd, body NULL for GET; release with
 * pf_http_request_cleanup). For reviews, `rpc` is "UsvDTd" or "oCPfdb",
 * `count` the page size and `token` the continuation (NULL: first page). */
pf_code pf__http_build(const char *base, const pf_request *req,
                       const char *rpc, int count, const char *token,
                       pf_http_request *out);
/* Fill *err (may be NULL) for a pf__http_build failure; returns code. */
pf_code pf__build_error(pf_error *err, pf_code code);

/* ---- retry.c: backoff, Retry-After, token bucket ---------------------- */

/* Whether an attempt that ended with curl code `cc` and HTTP status
 * `status` is worth repeating. */
int pf__retryable(CURLcode cc, long status);
/* Seconds to wait before attempt number `attempt` + 1 (attempt >= 1):
 * Retry-After when the server sent one (capped), else exponential backoff
 * from `base` with jitter. `seed` is the caller's PRNG state. */
double pf__backoff(double base, int attempt, long retry_after,
                   unsigned *seed);

typedef struct pf__bucket {
    double rate;     /* tokens per second; 0 = unlimited */
    double burst;
    double tokens;
    double last;
} pf__bucket;

void pf__bucket_init(pf__bucket *b, double rate, double now);
/* Take one token if available: returns 0. Otherwise returns the seconds
 * until one will be. */
double pf__bucket_take(pf__bucket *b, double now);

/* Monotonic seconds. */
double pf__now(void);

/* ---- body.c: response buffers ---------------------------------------- */

/* Grow x's body to hold `need` bytes (capped by max_response + 1); returns
 * 0 on failure. Loop thread. */
int pf__body_reserve(pf__xfer *x, size_t need);
/* Release x's body (kept for reuse when few are spare); any thread. */
void pf__body_free(pf__xfer *x);
/* Unmap the spare buffers (idle client, pf_client_free); any thread. */
void pf__body_spares_free(pf_client *c);
/* While no body is being received, map and fault in one more spare when
 * `active` transfers would want more than there are and the budget has
 * room. Returns 1 when it made one. Loop thread, when nothing is due. */
int pf__body_prefault(pf_client *c, size_t active);

/* Body bytes the client lets transfers hold before it pauses new ones. */
#ifndef PF__BODY_BUDGET
#define PF__BODY_BUDGET ((size_t)48 << 20)
#endif

/* ---- reviews merge (merge.c) ------------------------------------------ */

/* Merge pages (in order) into one block, dropping repeated review ids and
 * keeping at most `want` reviews (want < 0: all). next_token is copied.
 * Returns NULL on out of memory. The pages are not freed. */
pf_reviews *pf__reviews_merge(pf_reviews *const *pages, size_t npages,
                              long want, const char *next_token);

/* ---- the client, shared by client.c, batch.c and complete.c ----------- */

struct pf_batch;

struct pf__xfer {
    pf__job job;                 /* must stay first: pool callback */
    pf__xfer *next, *prev;       /* loop-thread lists */
    pf_client *client;
    struct pf_batch *batch;
    size_t index;
    const pf_request *req;       /* the batch's copy */

    /* Current exchange (loop thread while running, then the worker). */
    pf_http_request http;
    CURL *easy;
    char *buf;                   /* response body */
    size_t len, cap;
    int toobig;
    int paused;                  /* waiting for body budget (loop thread) */
    pf__xfer *pnext;             /* the loop's paused list */
    long status;
    CURLcode cc;
    long retry_after;            /* seconds, -1 when absent */
    char errbuf[CURL_ERROR_SIZE];
    double due;                  /* when a delayed attempt may start */
    int page_attempts;           /* attempts of the current page */
    int attempts;                /* all attempts of this request */
    int cancelled;
    pf_code fail;                /* set before the first attempt: publish it */
    double t0;

    /* Reviews pagination. */
    const char *rpc;
    char *token;
    long want;                   /* PF_REVIEWS_ALL -> -1 */
    size_t got;
    pf_reviews **pages;
    size_t npages, cappages;
};

struct pf_client {
    char *base_url, *user_agent, *proxy, *cacert;
    pf_client_options opt;
    int multiplex;               /* HTTP/2 possible: wait to share a conn */

    CURLM *multi;                /* loop thread only */
    CURLSH *share;
    pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
    struct curl_slist *hdr_get, *hdr_post;
    pthread_t loop;
    int loop_started;

    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t cv;
    int stop;
    struct pf_batch *batches;    /* batches with requests not yet taken */
    pf__xfer *ready;             /* continuations from workers, FIFO */
    pf__xfer *ready_tail;
    size_t active;               /* xfers alive (see net.h top) */

    pf__pool *pool;

    atomic_uint cancel_gen;
    atomic_size_t body_bytes;    /* capacity of all live body buffers */
    size_t body_est;             /* expected body size (loop thread) */
    pthread_mutex_t spare_mu;
    struct { char *p; size_t cap; } spare[64];
    size_t nspare, spare_bytes;
    void *loop_state;            /* the loop's private state (loop only) */      /* bumped by every pf_batch_cancel() */
    atomic_uint_least64_t n_requests, n_retries, n_connections, n_bytes;
};

/* Make the loop look at its queues again; any thread. */
void pf__client_wake(pf_client *c);
/* Worker -> loop: run the xfer's next exchange (its http is built). */
void pf__client_continue(pf_client *c, pf__xfer *x);
/* Worker: the xfer has been published and no longer counts as active. */
void pf__client_release(pf_client *c);
/* Attach a new batch (pf_batch_start; the loop serves batches first come,
 * first served) and detach it again (pf_batch_free). */
void pf__client_link_batch(pf_client *c, struct pf_batch *b);
void pf__client_unlink_batch(pf_client *c, struct pf_batch *b);

/* ---- batch.c, called by the loop and the workers ---------------------- */

struct pf_batch {
    struct pf_batch *link_next, *link_prev;  /* client->batches, client->mu */
    pf_client *client;           /* NULL once the client is gone */
    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t cv;
    size_t n;
    size_t next;                 /* first request not yet claimed */
    size_t done, failed, taken;
    size_t outstanding;          /* claimed, not yet fully published */
    atomic_int cancelled;        /* read by the loop without the lock */
    int mode;                    /* 0 unused, 1 next(), 2 take() */
    pf_request *reqs;            /* copies; strings live in `strings` */
    char *strings;
    pf_response *slots;
    unsigned char *state;        /* per slot: 0 pending, 1 ready, 2 taken */
    size_t *queue;               /* completion order; each index once */
    size_t qhead, qtail;
    pf_batch_options opt;
};

/* Loop (with client->mu held): the next request index of b to start, or
 * (size_t)-1 when b has none left. Counts it as outstanding. */
size_t pf__batch_claim(struct pf_batch *b, const pf_request **req);
int pf__batch_cancelled(struct pf_batch *b);
/* Worker: store the outcome of request i (takes ownership of res'
 * results). Must be the last touch of the batch by this xfer. */
void pf__batch_publish(struct pf_batch *b, size_t i, pf_response *res);

/* ---- complete.c, run on a worker ------------------------------------- */

/* Pool job: turn the finished exchange into a response and publish it, or
 * send a continuation back to the loop. */
void pf__xfer_complete(pf__job *job);
/* Prepare a fresh xfer for req (builds the first exchange). */
pf_code pf__xfer_init(pf__xfer *x, pf_client *c, struct pf_batch *b,
                      size_t i, const pf_request *req);
void pf__xfer_free(pf__xfer *x);

#endif
