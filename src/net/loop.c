/*
 * loop.c -- the loop thread: the only thread that touches libcurl handles.
 *
 * It pulls requests from the attached batches while fewer than K are
 * active, starts each attempt on the egress the pacing picks (egress.h),
 * receives bodies within the body budget (body.h), and ends each attempt:
 * pushback (429, 503, a blocked page) slows its egress down and waits for
 * the pause it was told, other retryable failures back off, and a final
 * answer goes to a parse worker (outcome.c). Other threads talk to it
 * through the queues below, guarded by L->mu, and an eventfd.
 *
 * libcurl is driven by its socket interface: an epoll set holds the
 * sockets libcurl asks to watch (on_socket) and the loop acts on the ones
 * that are ready and on libcurl's timer (on_timer). curl_multi_perform
 * would look at every transfer on every pass -- a poll() of each socket
 * still receiving, and a poll() of all of them to wait -- which at K=64
 * costs more than the sockets that are ready.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "batch.h"
#include "blocked.h"
#include "decode.h"
#include "loop.h"
#include "page.h" /* pf__error */
#include "retry.h"
#include "xfer.h"

struct pf__loop {
    const pf__env *env;
    CURLM *multi;
    pthread_t thread;
    int ep;                      /* epoll: libcurl's sockets and `ev` */
    int ev;                      /* eventfd: other threads wake the loop */
    double curl_due;             /* libcurl's timer (pf__now), < 0: none */

    pthread_mutex_t mu;          /* guards the fields down to `active` */
    int stop;
    pf_batch **batches;          /* attached, first come first served */
    size_t nbatches, capbatches;
    pf__xfer *ready, *ready_tail; /* next review pages from workers */
    pf__xfer *spawned, *spawned_tail; /* entries' details, not started */
    size_t active;               /* transfers alive (xfer.h) */

    atomic_uint cancel_gen;      /* bumped by every pf_batch_cancel() */

    /* Loop thread only. */
    pf__xfer *running;           /* doubly linked, attempts in flight */
    pf__xfer *waiting;           /* FIFO: retries, next pages, redirects */
    pf__xfer *waiting_tail;
    pf__xfer *paused, *paused_tail; /* parked for the body budget, FIFO */
    pf__xfer *overdraft;         /* the one that may grow past the budget */
    pf__decoder decoder;         /* small bodies, to recognise blocks */
    CURL **spare;                /* reusable easy handles */
    size_t nspare, capspare;
    unsigned seed;
    unsigned cancel_seen;
    double idle_since;           /* when the client went idle; 0: busy */
};

/* Spare body buffers outlive a short idle spell: a program that runs one
 * batch after another (a country at a time, say) would otherwise map and
 * fault in every body afresh, which for a 1 MB page costs about what
 * parsing it does. After this long idle they go back to the OS. */
#define SPARE_KEEP_S 2.0

/* Same-origin redirects followed for one page. */
#define MAX_REDIRECTS 5

/* Append x to the FIFO head..tail linked through `next`. */
static void fifo_push(pf__xfer **head, pf__xfer **tail, pf__xfer *x)
{
    x->next = NULL;
    if (*tail)
        (*tail)->next = x;
    else
        *head = x;
    *tail = x;
}

static void push_waiting(pf__loop *L, pf__xfer *x)
{
    fifo_push(&L->waiting, &L->waiting_tail, x);
}

/* ---- the body budget --------------------------------------------------- */

/* Park a transfer whose body may not grow now: earlier bodies hold the
 * budget and another transfer has the overdraft (body.c explains why). */
static void pause_push(pf__loop *L, pf__xfer *x)
{
    x->paused = 1;
    x->pnext = NULL;
    if (L->paused_tail)
        L->paused_tail->pnext = x;
    else
        L->paused = x;
    L->paused_tail = x;
}

static void pause_remove(pf__loop *L, pf__xfer *x)
{
    if (x->paused != 1) return;
    pf__xfer **pp = &L->paused, *prev = NULL;
    while (*pp && *pp != x) {
        prev = *pp;
        pp = &(*pp)->pnext;
    }
    if (*pp) *pp = x->pnext;
    if (L->paused_tail == x) L->paused_tail = prev;
    x->pnext = NULL;
    x->paused = 0;
}

/* May x grow its body by `extra` bytes now? Within the budget, yes; past
 * it only the transfer holding the overdraft, which one transfer at a
 * time may take, so the bodies in flight always drain. */
static int may_grow(pf__loop *L, pf__xfer *x, size_t extra)
{
    if (extra == 0 || L->overdraft == x ||
        pf__bodies_room(L->env->bodies, extra))
        return 1;
    if (L->overdraft != NULL) return 0;
    L->overdraft = x;
    return 1;
}

/* Resume paused transfers, oldest first, while they may grow. */
static void pause_drain(pf__loop *L)
{
    pf__bodies *bs = L->env->bodies;
    while (L->paused) {
        pf__xfer *x = L->paused;
        size_t extra = pf__body_growth(bs, &x->body, x->body.len + 1);
        if (extra == 0) extra = x->body.cap ? x->body.cap : 1;
        if (!may_grow(L, x, extra)) break;
        L->paused = x->pnext;
        if (L->paused == NULL) L->paused_tail = NULL;
        x->pnext = NULL;
        x->paused = 0;
        curl_easy_pause(x->easy, CURLPAUSE_CONT);
    }
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *u)
{
    pf__xfer *x = u;
    const pf__env *env = x->env;
    size_t n = size * nmemb;
    size_t max = env->opt.max_response;
    if (n > max - x->body.len) {
        x->toobig = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    size_t need = x->body.len + n + 1;
    if (x->paused == 0 &&
        !may_grow(x->loop, x, pf__body_growth(env->bodies, &x->body, need))) {
        pause_push(x->loop, x);
        return CURL_WRITEFUNC_PAUSE; /* curl hands the same bytes again */
    }
    if (!pf__body_reserve(env->bodies, &x->body, need)) {
        x->nomem = 1;
        return 0;
    }
    pf__body_append(&x->body, p, n);
    atomic_fetch_add((atomic_uint_least64_t *)&env->n_bytes, n);
    return n;
}

/* ---- attempts ---------------------------------------------------------- */

static long http_version(const pf__env *env)
{
    switch (env->opt.http_version) {
    case 1:
        return CURL_HTTP_VERSION_1_1;
    case 2:
        /* Plain http:// has no ALPN to negotiate h2, so asking for HTTP/2
         * there means prior knowledge (h2c), as the replay server speaks. */
        return strncmp(env->base_url, "http://", 7) == 0
                   ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
                   : CURL_HTTP_VERSION_2_0;
    default:
        return CURL_HTTP_VERSION_2TLS;
    }
}

/* How much libcurl reads from a socket at once, into its buffer of that
 * size per transfer, before on_data copies it out. Each read is a recv
 * call and a window update, which on loopback also runs the sender's
 * transmit on this thread, the engine's busiest. For bodies of a megabyte
 * 256 KiB pays: 2000 plain pages from nginx at K=64, three rounds of 8-10
 * interleaved runs: wall median 1.32 -> 1.16, 1.42 -> 1.15 and 1.63 ->
 * 1.40 s against 64 KiB, CPU 1.19 -> 1.02 s. Once bodies turn out
 * smaller (a gzip'd page is 220 KB), the first touch of the larger
 * buffers costs more than the reads saved, so later transfers get 64 KiB.
 * (Starting at 64 KiB until a body was seen cost plain pages 9% of wall
 * time, the reason unknown.) Every transfer may fill its buffer, so
 * together they are held to 16 MiB, never less than 64 KiB each. */
static long read_size(const pf__env *env)
{
    const pf_client_options *o = &env->opt;
    size_t est = pf__bodies_expected(env->bodies);   /* 0: none seen */
    if (est > 0 && est < ((size_t)512 << 10))
        return 64L * 1024;
    long k = o->max_concurrency > 0 ? o->max_concurrency : 1;
    long per = (16L << 20) / k;
    if (per > 256L * 1024) per = 256L * 1024;
    if (per < 64L * 1024) per = 64L * 1024;
    return per;
}

static void setup(const pf__env *env, CURL *e, pf__xfer *x, double now)
{
    const pf_client_options *o = &env->opt;
    curl_easy_setopt(e, CURLOPT_URL, x->http.url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SHARE, env->share);
    curl_easy_setopt(e, CURLOPT_USERAGENT, env->user_agent);
    /* Bodies stay as sent: the parse worker decodes them (decode.h), so
     * the loop never spends a millisecond inflating a page while transfers
     * wait, and the body budget counts the bytes on the wire. */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br, zstd");
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, http_version(env));
    /* Waiting for a connection that might multiplex only pays when h2 is
     * possible; on plain http without prior knowledge it would serialise
     * the first round behind one HTTP/1.1 response. */
    if (env->multiplex) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    /* Redirects are followed by done(), which first checks where they
     * lead: a consent wall or /sorry/ is a block, another host is never
     * the request's answer. Only http and https, ever. */
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    /* An attempt may not outlast its request's deadline. */
    double t = o->timeout, left = x->deadline - now;
    if (left < t) t = left > 0.001 ? left : 0.001;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(t * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(o->connect_timeout * 1000));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)o->max_response);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, read_size(env));
    if (env->cacert) curl_easy_setopt(e, CURLOPT_CAINFO, env->cacert);
    if (o->verbose) curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    if (x->http.body) {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, env->hdr_post);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)x->http.body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->http.body);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, env->hdr_get);
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
}

static void to_pool(pf__loop *L, pf__xfer *x)
{
    pf__pool_submit(L->env->pool, &x->job);
}

/* Start one attempt of x on egress g (whose start is taken). On failure x
 * goes straight to a worker, which publishes the error. */
static void start(pf__loop *L, pf__xfer *x, pf__egress *g, double now)
{
    const pf__env *env = L->env;
    CURL *e = L->nspare ? L->spare[--L->nspare] : curl_easy_init();
    if (e == NULL) {
        pf__egress_end(env->egress, g, PF__FAILED, now, now, -1);
        x->fail = PF_ENOMEM;
        to_pool(L, x);
        return;
    }
    curl_easy_reset(e);
    x->body.len = 0;
    x->toobig = 0;
    x->nomem = 0;
    x->paused = 0;
    x->status = 0;
    x->cc = CURLE_OK;
    x->retry_after = -1;
    x->blocked = 0;
    x->errbuf[0] = '\0';
    setup(env, e, x, now);
    pf__egress_setup(g, e);
    x->egress = g;
    x->started = now;
    x->easy = e;
    x->attempts++;
    x->page_attempts++;
    atomic_fetch_add((atomic_uint_least64_t *)&env->n_requests, 1);
    if (curl_multi_add_handle(L->multi, e) != CURLM_OK) {
        x->easy = NULL;
        x->egress = NULL;
        curl_easy_cleanup(e);
        pf__egress_end(env->egress, g, PF__FAILED, now, now, -1);
        x->fail = PF_ENOMEM;
        to_pool(L, x);
        return;
    }
    x->prev = NULL;
    x->next = L->running;
    if (L->running) L->running->prev = x;
    L->running = x;
}

static void unlink_running(pf__loop *L, pf__xfer *x)
{
    pause_remove(L, x);
    if (L->overdraft == x) L->overdraft = NULL;
    if (x->prev)
        x->prev->next = x->next;
    else
        L->running = x->next;
    if (x->next) x->next->prev = x->prev;
    x->next = x->prev = NULL;
}

static void release_easy(pf__loop *L, pf__xfer *x)
{
    CURL *e = x->easy;
    x->easy = NULL;
    curl_multi_remove_handle(L->multi, e);
    if (L->nspare == L->capspare) {
        curl_easy_cleanup(e);
        return;
    }
    L->spare[L->nspare++] = e;
}

/* Follow a same-origin redirect: the next attempt asks for `url`, with
 * GET unless the status keeps the method (307, 308). Returns 0 on out of
 * memory. */
static int redirect(pf__xfer *x, const char *url, long status)
{
    char *u = strdup(url);
    if (u == NULL) return 0;
    free(x->http.url);
    x->http.url = u;
    if (status != 307 && status != 308) {
        free(x->http.body);
        x->http.body = NULL;
        x->http.body_len = 0;
    }
    x->redirects++;
    return 1;
}

/* Is x's body the unusual-traffic page? Only a small body can be: one
 * sent compressed is decoded here, on the loop, which for a few KB costs
 * microseconds; anything that decodes past the scan limit is a real page,
 * and one that says so (a reviews page: 28 KB of gzip, 122 KB decoded) is
 * not decoded at all -- the worker decodes it once, in full. */
static int blocked_body(pf__loop *L, pf__xfer *x)
{
    if (x->body.len > PF__BLOCKED_SCAN_MAX ||
        pf__decode_declared(x->encoding, x->body.buf, x->body.len) >
            PF__BLOCKED_SCAN_MAX)
        return 0;
    const char *b;
    size_t n;
    if (pf__decode(&L->decoder, x->encoding, x->body.buf, x->body.len,
                   PF__BLOCKED_SCAN_MAX, &b, &n, NULL) != PF_OK)
        return 0;
    return pf__blocked_page(b, n);
}

/* How an answer that did not fail on the wire reads as pushback. */
static pf__verdict verdict(pf__loop *L, pf__xfer *x, const char *location)
{
    long st = x->status;
    if (st == 429 || st == 503) return PF__RATE;
    if (st >= 300 && st <= 399 && location && pf__blocked_location(location))
        return PF__BLOCKED;
    if (blocked_body(L, x)) return PF__BLOCKED;
    return PF__ANSWERED;
}

/* Keep the last response's Content-Encoding for the worker, which must
 * not touch the easy handle. */
static void take_encoding(pf__xfer *x)
{
    struct curl_header *h = NULL;
    x->encoding[0] = '\0';
    if (curl_easy_header(x->easy, "Content-Encoding", 0, CURLH_HEADER, -1,
                         &h) == CURLHE_OK && h && h->value)
        snprintf(x->encoding, sizeof x->encoding, "%s", h->value);
}

/* An attempt ended: follow it, retry it later, or hand it to a worker. */
static void done(pf__loop *L, pf__xfer *x, CURLcode cc)
{
    const pf__env *env = L->env;
    long status = 0, nconn = 0;
    curl_off_t ra = 0;
    char *loc = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
    char *location = loc ? strdup(loc) : NULL; /* loc dies with the handle */
    take_encoding(x);
    atomic_fetch_add((atomic_uint_least64_t *)&env->n_connections,
                     (uint64_t)(nconn > 0 ? nconn : 0));
    unlink_running(L, x);
    release_easy(L, x);
    if (cc == CURLE_OK) pf__bodies_observe(env->bodies, x->body.len);
    x->cc = cc;
    x->status = status;
    /* CURLINFO_RETRY_AFTER parses both delta-seconds and HTTP-dates; it
     * reports 0 when the header is absent, which then means "use the
     * default" -- a Retry-After: 0 is treated the same. */
    x->retry_after = ra > 0 ? (long)ra : -1;

    double now = pf__now();
    pf__verdict v = cc != CURLE_OK ? PF__FAILED : verdict(L, x, location);
    pf__egress *g = x->egress;
    x->egress = NULL;
    pf__egress_end(env->egress, g, v, x->started, now,
                   x->retry_after >= 0 ? (double)x->retry_after : -1);
    x->blocked = v == PF__BLOCKED;
    int gone = x->cancelled || pf__batch_cancelled(x->batch);

    if (v == PF__ANSWERED && status >= 300 && status <= 399 && location) {
        if (!pf__same_origin(location, env->base_url)) {
            free(x->offsite);
            x->offsite = location; /* the worker reports where it led */
            location = NULL;
        } else if (!gone && x->redirects < MAX_REDIRECTS &&
                   redirect(x, location, status)) {
            free(location);
            pf__body_release(env->bodies, &x->body);
            x->due = now;
            push_waiting(L, x);
            return;
        }
    }
    free(location);

    double due = -1;
    if (gone) {
        due = -1;
    } else if (v == PF__RATE || v == PF__BLOCKED) {
        /* "Come back later", not "failed": retried while the deadline
         * allows, as soon as any egress may start again. */
        due = pf__egresses_ready_at(env->egress, now);
    } else if (!x->toobig && !x->nomem && pf__retryable(cc, status) &&
               x->page_attempts <= env->opt.retries) {
        due = now + pf__backoff(env->opt.backoff, x->page_attempts,
                                x->retry_after, &L->seed);
    }
    if (due >= 0 && due < x->deadline) {
        x->due = due;
        pf__body_release(env->bodies, &x->body); /* a wait must not hold
                                                     the budget */
        atomic_fetch_add((atomic_uint_least64_t *)&env->n_retries, 1);
        push_waiting(L, x);
        return;
    }
    to_pool(L, x);
}

/* Abort everything of a cancelled batch that the loop holds. */
static void sweep_cancelled(pf__loop *L)
{
    /* Entries spawned for a cancelled batch end without starting. */
    pthread_mutex_lock(&L->mu);
    pf__xfer *gone = NULL, **pp = &L->spawned;
    L->spawned_tail = NULL;
    while (*pp) {
        pf__xfer *x = *pp;
        if (pf__batch_cancelled(x->batch)) {
            *pp = x->next;
            x->next = gone;
            gone = x;
            L->active++;
        } else {
            L->spawned_tail = x;
            pp = &x->next;
        }
    }
    pthread_mutex_unlock(&L->mu);
    for (pf__xfer *x = gone, *nx; x; x = nx) {
        nx = x->next;
        x->cancelled = 1;
        to_pool(L, x);
    }

    for (pf__xfer *x = L->running, *nx; x; x = nx) {
        nx = x->next;
        if (!pf__batch_cancelled(x->batch)) continue;
        unlink_running(L, x);
        release_easy(L, x);
        pf__egress_end(L->env->egress, x->egress, PF__FAILED, x->started,
                       pf__now(), -1);
        x->egress = NULL;
        x->cancelled = 1;
        to_pool(L, x);
    }
    pf__xfer *keep = NULL, *tail = NULL;
    for (pf__xfer *x = L->waiting, *nx; x; x = nx) {
        nx = x->next;
        x->next = NULL;
        if (pf__batch_cancelled(x->batch)) {
            x->cancelled = 1;
            to_pool(L, x);
            continue;
        }
        fifo_push(&keep, &tail, x);
    }
    L->waiting = keep;
    L->waiting_tail = tail;
}

/* No room for x in the client (the malloc of its transfer failed): publish
 * the error from here so the batch still gets an answer for index i. */
static void publish_nomem(pf_batch *b, size_t i, const pf_request *req)
{
    pf_response r;
    memset(&r, 0, sizeof r);
    r.kind = req->kind;
    r.code = pf__error(&r.error, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    pf__batch_publish(b, i, &r);
}

/* Claim the next request of the attached batches (L->mu held). */
static pf__xfer *claim(pf__loop *L)
{
    for (size_t k = 0; k < L->nbatches; k++) {
        pf_batch *b = L->batches[k];
        const pf_request *req;
        size_t i = pf__batch_claim(b, &req);
        if (i == (size_t)-1) continue;
        pf__xfer *x = malloc(sizeof *x);
        if (x == NULL) {
            pthread_mutex_unlock(&L->mu);
            publish_nomem(b, i, req);
            pthread_mutex_lock(&L->mu);
            return NULL;
        }
        L->active++;
        pf__xfer_init(x, L->env, L, b, i, req);
        return x;
    }
    return NULL;
}

/* The oldest spawned transfer, now counted active (L->mu held). */
static pf__xfer *take_spawned(pf__loop *L)
{
    pf__xfer *x = L->spawned;
    L->spawned = x->next;
    if (L->spawned == NULL) L->spawned_tail = NULL;
    x->next = NULL;
    L->active++;
    /* Its time starts now, as a claimed request's does, not while it
     * waited for a slot behind the other entries. */
    x->t0 = pf__now();
    x->deadline = x->t0 + L->env->opt.deadline;
    return x;
}

/* Start whatever may start now; returns seconds until something might. */
static double schedule(pf__loop *L)
{
    const pf__env *env = L->env;
    double now = pf__now(), wake = 1.0;
    double held = -1; /* no egress may start for this long: stop asking */

    /* Retries and next pages first: they already hold a slot. */
    pf__xfer *keep = NULL, *tail = NULL;
    for (pf__xfer *x = L->waiting, *nx; x; x = nx) {
        nx = x->next;
        x->next = NULL;
        if (pf__batch_cancelled(x->batch)) {
            /* A retry or next page of a batch cancelled after the last
             * sweep: end it instead of starting it. */
            x->cancelled = 1;
            to_pool(L, x);
            continue;
        }
        double w = x->due - now;
        pf__egress *g = NULL;
        if (w <= 0 && held < 0) {
            g = pf__egress_pick(env->egress, now, &w);
            if (g == NULL) held = w;
        } else if (w <= 0) {
            w = held;
        }
        if (g) {
            start(L, x, g, now);
            continue;
        }
        if (now + w >= x->deadline && x->attempts > 0) {
            /* Every egress is cooling down past this page's deadline:
             * report the last answer now rather than wait for nothing. */
            to_pool(L, x);
            continue;
        }
        if (w < wake) wake = w;
        fifo_push(&keep, &tail, x);
    }
    L->waiting = keep;
    L->waiting_tail = tail;

    /* Then new requests, while slots and starts last. */
    while (held < 0) {
        /* Only the loop adds to `active`, so room seen here stays. */
        pthread_mutex_lock(&L->mu);
        int room = (L->spawned || (!L->stop && L->nbatches > 0)) &&
                   L->active < (size_t)env->opt.max_concurrency;
        pthread_mutex_unlock(&L->mu);
        if (!room) break;
        double w;
        pf__egress *g = pf__egress_pick(env->egress, now, &w);
        if (g == NULL) {
            if (w < wake) wake = w;
            break;
        }
        pthread_mutex_lock(&L->mu);
        pf__xfer *x = L->spawned ? take_spawned(L) : L->stop ? NULL : claim(L);
        pthread_mutex_unlock(&L->mu);
        if (x && x->fail == PF_OK && pf__batch_cancelled(x->batch))
            x->cancelled = 1; /* an entry of a cancelled batch: end it */
        if (x == NULL || x->fail != PF_OK || x->cancelled) {
            pf__egress_unpick(env->egress, g); /* nothing on the wire */
            if (x == NULL) break;
            to_pool(L, x);
            continue;
        }
        start(L, x, g, now);
    }
    return wake;
}

/* ---- libcurl's socket interface ---------------------------------------- */

/* CURLMOPT_SOCKETFUNCTION: watch socket s for what libcurl waits on. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *u, void *sp)
{
    pf__loop *L = u;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(L->ep, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) |
                (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.fd = s;
    /* sp is what curl_multi_assign() left on the socket: set once it is in
     * the epoll set, forgotten by libcurl after CURL_POLL_REMOVE. A socket
     * closed behind our back left the set by itself, hence the fallbacks. */
    int op = sp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int r = epoll_ctl(L->ep, op, s, &ev);
    if (r != 0 && errno == (sp ? ENOENT : EEXIST))
        r = epoll_ctl(L->ep, sp ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev);
    if (r != 0) return -1;   /* libcurl fails the transfers on that socket */
    if (sp == NULL) curl_multi_assign(L->multi, s, L);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: when libcurl wants to run its timeouts. */
static int on_timer(CURLM *m, long ms, void *u)
{
    pf__loop *L = u;
    L->curl_due = ms < 0 ? -1.0 : pf__now() + (double)ms / 1000.0;
    return 0;
}

/* Run libcurl's due timeouts (new transfers start this way), then end the
 * attempts it finished. */
static void curl_due_run(pf__loop *L)
{
    int still;
    if (L->curl_due >= 0 && pf__now() >= L->curl_due) {
        L->curl_due = -1.0;
        curl_multi_socket_action(L->multi, CURL_SOCKET_TIMEOUT, 0, &still);
    }
}

static void curl_ended(pf__loop *L)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(L->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        pf__xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        done(L, x, m->data.result);
    }
}

/* Wait up to ms for sockets, libcurl's timer or a wake-up, and hand each
 * ready socket to libcurl. */
static void curl_wait(pf__loop *L, int ms)
{
    if (L->curl_due >= 0) {
        double d = (L->curl_due - pf__now()) * 1000.0;
        int dm = d <= 0 ? 0 : d >= 1000 ? 1000 : (int)d + 1;
        if (dm < ms) ms = dm;
    }
    struct epoll_event evs[64];
    int n = epoll_wait(L->ep, evs, 64, ms);
    for (int i = 0; i < n; i++) {
        if (evs[i].data.fd == L->ev) {
            uint64_t v;
            ssize_t r = read(L->ev, &v, sizeof v);
            (void)r;
            continue;
        }
        int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR
                                                           : 0);
        int still;
        curl_multi_socket_action(L->multi, evs[i].data.fd, flags, &still);
    }
}

static void *loop_main(void *arg)
{
    pf__loop *L = arg;
    const pf__env *env = L->env;
    L->capspare = (size_t)env->opt.max_concurrency;
    L->spare = calloc(L->capspare, sizeof *L->spare);
    if (L->spare == NULL) L->capspare = 0;
    /* Through uint64_t: microseconds of uptime overflow unsigned, and a
     * double converted to an integer that cannot hold it is undefined. */
    L->seed = (unsigned)(uintptr_t)L ^ (unsigned)(uint64_t)(pf__now() * 1e6);

    for (;;) {
        pthread_mutex_lock(&L->mu);
        pf__xfer *ready = L->ready;
        L->ready = L->ready_tail = NULL;
        size_t active = L->active;
        int quit = L->stop && active == 0 && L->spawned == NULL;
        pthread_mutex_unlock(&L->mu);
        if (quit) break;
        if (active > 0)
            L->idle_since = 0;
        else if (L->idle_since == 0)
            L->idle_since = pf__now();
        else if (pf__now() - L->idle_since >= SPARE_KEEP_S)
            pf__bodies_trim(env->bodies); /* give the RSS back */
        for (pf__xfer *x = ready, *nx; x; x = nx) {
            nx = x->next;
            x->due = 0;
            push_waiting(L, x);
        }
        unsigned gen = atomic_load(&L->cancel_gen);
        if (gen != L->cancel_seen) {
            L->cancel_seen = gen;
            sweep_cancelled(L);
        }

        pause_drain(L);
        double wake = schedule(L);

        curl_due_run(L);
        curl_ended(L);
        /* Finished attempts may have freed a slot or become due. */
        if (L->waiting) {
            double w = schedule(L);
            if (w < wake) wake = w;
        }
        /* Compare before converting: a far-off wake (a tiny rate) would
         * overflow int, and the poll never sleeps over a second anyway. */
        int ms = wake >= 1.0 ? 1000 : wake > 0 ? (int)(wake * 1000) + 1 : 1;
        /* Nothing due for a while: use the wait to page in a body buffer
         * for the responses still to come, then look at the network. */
        if (ms > 1 && active > 0 && pf__bodies_prefault(env->bodies, active))
            ms = 0;
        curl_wait(L, ms);
        curl_ended(L);
    }

    for (size_t i = 0; i < L->nspare; i++) curl_easy_cleanup(L->spare[i]);
    free(L->spare);
    pf__decoder_cleanup(&L->decoder);
    return NULL;
}

/* ---- cross-thread entry points ---------------------------------------- */

pf__loop *pf__loop_new(const pf__env *env)
{
    pf__loop *L = calloc(1, sizeof *L);
    if (L == NULL) return NULL;
    L->env = env;
    pf__decoder_init(&L->decoder);
    pthread_mutex_init(&L->mu, NULL);
    L->curl_due = -1.0;
    L->ep = epoll_create1(EPOLL_CLOEXEC);
    L->ev = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    L->multi = curl_multi_init();
    if (L->multi == NULL || L->ep < 0 || L->ev < 0) goto err;
    struct epoll_event wev;
    memset(&wev, 0, sizeof wev);
    wev.events = EPOLLIN;
    wev.data.fd = L->ev;
    if (epoll_ctl(L->ep, EPOLL_CTL_ADD, L->ev, &wev) != 0) goto err;
    curl_multi_setopt(L->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(L->multi, CURLMOPT_SOCKETDATA, L);
    curl_multi_setopt(L->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(L->multi, CURLMOPT_TIMERDATA, L);
    long k = env->opt.max_concurrency;
    curl_multi_setopt(L->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(L->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)env->opt.max_per_host);
    curl_multi_setopt(L->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, k);
    /* The default connection cache is sized for a few transfers; with K
     * in flight over HTTP/1.1 it would close connections it is about to
     * need again. */
    curl_multi_setopt(L->multi, CURLMOPT_MAXCONNECTS, k);
    curl_multi_setopt(L->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, k);
    if (pthread_create(&L->thread, NULL, loop_main, L)) goto err;
    return L;
err:
    if (L->multi) curl_multi_cleanup(L->multi);
    if (L->ep >= 0) close(L->ep);
    if (L->ev >= 0) close(L->ev);
    pthread_mutex_destroy(&L->mu);
    free(L);
    return NULL;
}

static void wake(pf__loop *L)
{
    uint64_t one = 1;
    ssize_t r = write(L->ev, &one, sizeof one);
    (void)r;   /* EAGAIN: the counter is already non-zero, a wake pending */
}

void pf__loop_free(pf__loop *L)
{
    if (L == NULL) return;
    /* Cancel what is outstanding and let the loop and the workers unwind
     * it; the loop exits once nothing is active. */
    pthread_mutex_lock(&L->mu);
    L->stop = 1;
    size_t n = L->nbatches;
    pf_batch **bs = n ? malloc(n * sizeof *bs) : NULL;
    if (bs) memcpy(bs, L->batches, n * sizeof *bs);
    pthread_mutex_unlock(&L->mu);
    /* Outside the lock: cancelling may deliver results to callbacks. A
     * failed copy still stops: the loop ends what it has in flight, and
     * unclaimed requests are cancelled by their pf_batch_free(). */
    for (size_t i = 0; bs && i < n; i++) pf_batch_cancel(bs[i]);
    free(bs);
    pthread_mutex_lock(&L->mu);
    wake(L);
    pthread_mutex_unlock(&L->mu);
    pthread_join(L->thread, NULL);
    /* Batches outlive the client; pf_batch_free() then only frees. */
    pthread_mutex_lock(&L->mu);
    for (size_t i = 0; i < L->nbatches; i++) pf__batch_orphan(L->batches[i]);
    L->nbatches = 0;
    pthread_mutex_unlock(&L->mu);
    curl_multi_cleanup(L->multi);
    close(L->ep);
    close(L->ev);
    free(L->batches);
    pthread_mutex_destroy(&L->mu);
    free(L);
}

int pf__loop_attach(pf__loop *L, pf_batch *b)
{
    pthread_mutex_lock(&L->mu);
    if (L->nbatches == L->capbatches) {
        size_t nc = L->capbatches ? L->capbatches * 2 : 8;
        pf_batch **nb = realloc(L->batches, nc * sizeof *nb);
        if (nb == NULL) {
            pthread_mutex_unlock(&L->mu);
            return 0;
        }
        L->batches = nb;
        L->capbatches = nc;
    }
    L->batches[L->nbatches++] = b;
    wake(L);
    pthread_mutex_unlock(&L->mu);
    return 1;
}

void pf__loop_detach(pf__loop *L, pf_batch *b)
{
    pthread_mutex_lock(&L->mu);
    for (size_t i = 0; i < L->nbatches; i++) {
        if (L->batches[i] != b) continue;
        memmove(&L->batches[i], &L->batches[i + 1],
                (L->nbatches - i - 1) * sizeof *L->batches);
        L->nbatches--;
        break;
    }
    pthread_mutex_unlock(&L->mu);
}

void pf__loop_cancelled(pf__loop *L)
{
    atomic_fetch_add(&L->cancel_gen, 1);
    pthread_mutex_lock(&L->mu);
    wake(L);
    pthread_mutex_unlock(&L->mu);
}

/* Append x to one of the cross-thread queues and wake the loop. */
static void hand_over(pf__loop *L, pf__xfer **head, pf__xfer **tail,
                      pf__xfer *x)
{
    pthread_mutex_lock(&L->mu);
    fifo_push(head, tail, x);
    wake(L);
    pthread_mutex_unlock(&L->mu);
}

void pf__loop_spawn(pf__loop *L, pf__xfer *x)
{
    hand_over(L, &L->spawned, &L->spawned_tail, x);
}

void pf__loop_requeue(pf__loop *L, pf__xfer *x)
{
    hand_over(L, &L->ready, &L->ready_tail, x);
}

void pf__loop_release(pf__loop *L)
{
    /* Wake under the lock: once active reaches 0 the loop may exit and
     * pf__loop_free() destroy the multi handle, so the wakeup must happen
     * before the loop can see the new count. */
    pthread_mutex_lock(&L->mu);
    L->active--;
    wake(L);
    pthread_mutex_unlock(&L->mu);
}
