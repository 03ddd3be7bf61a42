/*
 * client.c -- the pooled HTTP client: options, the libcurl share (DNS cache
 * and TLS sessions), and the loop thread that owns the multi handle.
 *
 * The loop is the only thread that touches libcurl handles. Other threads
 * talk to it through client->mu-guarded queues and curl_multi_wakeup(), so
 * libcurl never needs to be thread-safe beyond its documented wakeup call.
 */
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define DEFAULT_UA                                                          \
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "      \
    "Gecko) Chrome/126.0.0.0 Safari/537.36"

/* pf_client_options_init: zero every field and set retries to -1 (the
 * default), so a zeroed struct means "all defaults". NULL is a no-op.
 * Any thread; touches only *opt. */
void pf_client_options_init(pf_client_options *opt)
{
    if (opt == NULL) return;
    memset(opt, 0, sizeof *opt);
    opt->retries = -1;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Fill every 0/negative "default" with its value, once, so the rest of the
 * engine reads plain numbers. */
/* Seconds the engine later turns into integer milliseconds must stay
 * representable: converting an out-of-range double is undefined. A day is
 * far beyond any useful timeout. */
#define MAX_SECONDS 86400.0

static void resolve(pf_client_options *o)
{
    /* The negated tests also send NaN to the default. */
    if (!(o->timeout > 0)) o->timeout = 30;
    if (!(o->connect_timeout > 0)) o->connect_timeout = 10;
    if (o->timeout > MAX_SECONDS) o->timeout = MAX_SECONDS;
    if (o->connect_timeout > MAX_SECONDS) o->connect_timeout = MAX_SECONDS;
    if (o->max_concurrency <= 0) o->max_concurrency = 64;
    if (o->max_per_host <= 0) o->max_per_host = o->max_concurrency;
    if (!(o->rate >= 0)) o->rate = 0;
    if (o->retries < 0) o->retries = 3;
    if (!(o->backoff > 0)) o->backoff = 0.5;
    if (o->backoff > MAX_SECONDS) o->backoff = MAX_SECONDS;
    if (o->max_response == 0) o->max_response = (size_t)32 << 20;
    if (o->workers <= 0) o->workers = pf__pool_default_size();
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- the curl share: DNS and TLS sessions survive across transfers ---- */

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
    (void)h;
    (void)a;
    pf_client *c = u;
    pthread_mutex_lock(&c->share_mu[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
    (void)h;
    pf_client *c = u;
    pthread_mutex_unlock(&c->share_mu[d]);
}

/* ---- the loop thread --------------------------------------------------- */

typedef struct loop {
    pf_client *c;
    pf__xfer *running;           /* doubly linked, attempts in flight */
    pf__xfer *waiting;           /* singly linked FIFO, not yet started */
    pf__xfer *waiting_tail;
    pf__xfer *paused, *paused_tail; /* parked for the body budget, FIFO */
    CURL **spare;                /* reusable easy handles */
    size_t nspare, capspare;
    pf__bucket bucket;
    unsigned seed;
    unsigned cancel_seen;
    double idle_since;           /* when the client went idle; 0: busy */
} loop;

/* Spare body buffers outlive a short idle spell: a program that runs one
 * batch after another (a country at a time, say) would otherwise map and
 * fault in every body afresh, which for a 1 MB page costs about what
 * parsing it does. After this long idle they go back to the OS. */
#define SPARE_KEEP_S 2.0

static void push_waiting(loop *L, pf__xfer *x)
{
    x->next = NULL;
    if (L->waiting_tail)
        L->waiting_tail->next = x;
    else
        L->waiting = x;
    L->waiting_tail = x;
}

/* Body budget: park a transfer whose first bytes arrive while earlier bodies
 * hold the budget (body.c explains why). */
static void pause_push(loop *L, pf__xfer *x)
{
    x->paused = 1;
    x->pnext = NULL;
    if (L->paused_tail)
        L->paused_tail->pnext = x;
    else
        L->paused = x;
    L->paused_tail = x;
}

static void pause_remove(loop *L, pf__xfer *x)
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

/* Would one more body of the expected size exceed the budget? A client
 * with no live body always admits one, whatever its size. */
static int over_budget(pf_client *c)
{
    size_t live = atomic_load(&c->body_bytes);
    return live > 0 && live + c->body_est > PF__BODY_BUDGET;
}

/* Resume paused transfers while the budget allows; loop thread. */
static void pause_drain(loop *L)
{
    pf_client *c = L->c;
    while (L->paused && !over_budget(c)) {
        pf__xfer *x = L->paused;
        L->paused = x->pnext;
        if (L->paused == NULL) L->paused_tail = NULL;
        x->pnext = NULL;
        x->paused = 2; /* admitted: on_data must not park it again */
        curl_easy_pause(x->easy, CURLPAUSE_CONT);
    }
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *u)
{
    pf__xfer *x = u;
    pf_client *c = x->client;
    size_t n = size * nmemb;
    if (x->cap == 0 && x->paused == 0 && over_budget(c)) {
        pause_push(c->loop_state, x);
        return CURL_WRITEFUNC_PAUSE; /* curl hands the same bytes again */
    }
    size_t max = c->opt.max_response;
    if (n > max - x->len) {
        x->toobig = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (!pf__body_reserve(x, x->len + n + 1)) return 0;
    memcpy(x->buf + x->len, p, n);
    x->len += n;
    x->buf[x->len] = '\0';
    atomic_fetch_add(&c->n_bytes, n);
    return n;
}

static long http_version(const pf_client *c)
{
    switch (c->opt.http_version) {
    case 1:
        return CURL_HTTP_VERSION_1_1;
    case 2:
        /* Plain http:// has no ALPN to negotiate h2, so asking for HTTP/2
         * there means prior knowledge (h2c), as the replay server speaks. */
        return strncmp(c->base_url, "http://", 7) == 0
                   ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
                   : CURL_HTTP_VERSION_2_0;
    default:
        return CURL_HTTP_VERSION_2TLS;
    }
}

static void setup(pf_client *c, CURL *e, pf__xfer *x)
{
    const pf_client_options *o = &c->opt;
    curl_easy_setopt(e, CURLOPT_URL, x->http.url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SHARE, c->share);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, http_version(c));
    /* Waiting for a connection that might multiplex only pays when h2 is
     * possible; on plain http without prior knowledge it would serialise
     * the first round behind one HTTP/1.1 response. */
    if (c->multiplex) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(o->connect_timeout * 1000));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)o->max_response);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 64L * 1024);
    if (c->proxy) curl_easy_setopt(e, CURLOPT_PROXY, c->proxy);
    if (c->cacert) curl_easy_setopt(e, CURLOPT_CAINFO, c->cacert);
    if (o->verbose) curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    if (x->http.body) {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdr_post);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)x->http.body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->http.body);
    } else {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdr_get);
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
}

static void to_pool(loop *L, pf__xfer *x)
{
    pf__pool_submit(L->c->pool, &x->job);
}

/* Start one attempt of x. On failure x goes straight to a worker, which
 * publishes the error. */
static void start(loop *L, pf__xfer *x)
{
    pf_client *c = L->c;
    CURL *e = L->nspare ? L->spare[--L->nspare] : curl_easy_init();
    if (e == NULL) {
        x->fail = PF_ENOMEM;
        to_pool(L, x);
        return;
    }
    curl_easy_reset(e);
    x->len = 0;
    x->toobig = 0;
    x->paused = 0;
    x->status = 0;
    x->cc = CURLE_OK;
    x->retry_after = -1;
    x->errbuf[0] = '\0';
    setup(c, e, x);
    x->easy = e;
    x->attempts++;
    x->page_attempts++;
    atomic_fetch_add(&c->n_requests, 1);
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        x->easy = NULL;
        curl_easy_cleanup(e);
        x->fail = PF_ENOMEM;
        to_pool(L, x);
        return;
    }
    x->prev = NULL;
    x->next = L->running;
    if (L->running) L->running->prev = x;
    L->running = x;
}

static void unlink_running(loop *L, pf__xfer *x)
{
    pause_remove(L, x);
    if (x->prev)
        x->prev->next = x->next;
    else
        L->running = x->next;
    if (x->next) x->next->prev = x->prev;
    x->next = x->prev = NULL;
}

static void release_easy(loop *L, pf__xfer *x)
{
    CURL *e = x->easy;
    x->easy = NULL;
    curl_multi_remove_handle(L->c->multi, e);
    if (L->nspare == L->capspare) {
        curl_easy_cleanup(e);
        return;
    }
    L->spare[L->nspare++] = e;
}

/* An attempt ended: retry it later or hand it to a worker. */
static void done(loop *L, pf__xfer *x, CURLcode cc)
{
    pf_client *c = L->c;
    long status = 0, nconn = 0;
    curl_off_t ra = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
    atomic_fetch_add(&c->n_connections, (uint64_t)(nconn > 0 ? nconn : 0));
    unlink_running(L, x);
    release_easy(L, x);
    /* Track the size bodies have: it sizes new buffers and the budget's
     * admission test. Slow decay, fast rise. */
    if (cc == CURLE_OK && x->len > 0)
        c->body_est = x->len > c->body_est
                          ? x->len
                          : c->body_est - (c->body_est - x->len) / 8;
    x->cc = cc;
    x->status = status;
    /* CURLINFO_RETRY_AFTER parses both delta-seconds and HTTP-dates; it
     * reports 0 when the header is absent, which then means "use the
     * backoff" -- a Retry-After: 0 is treated the same. */
    x->retry_after = ra > 0 ? (long)ra : -1;
    if (!x->cancelled && !x->toobig && pf__retryable(cc, status) &&
        x->page_attempts <= c->opt.retries &&
        !pf__batch_cancelled(x->batch)) {
        x->due = pf__now() + pf__backoff(c->opt.backoff, x->page_attempts,
                                         x->retry_after, &L->seed);
        pf__body_free(x); /* a backoff wait must not hold the budget */
        atomic_fetch_add(&c->n_retries, 1);
        push_waiting(L, x);
        return;
    }
    to_pool(L, x);
}

/* Abort everything of a cancelled batch that the loop holds. */
static void sweep_cancelled(loop *L)
{
    for (pf__xfer *x = L->running, *nx; x; x = nx) {
        nx = x->next;
        if (!pf__batch_cancelled(x->batch)) continue;
        unlink_running(L, x);
        release_easy(L, x);
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
        if (tail)
            tail->next = x;
        else
            keep = x;
        tail = x;
    }
    L->waiting = keep;
    L->waiting_tail = tail;
}

/* Start whatever may start now; returns seconds until something might. */
static double schedule(loop *L)
{
    pf_client *c = L->c;
    double now = pf__now(), wake = 1.0;

    /* Retries and continuations first: they already hold a slot. */
    pf__xfer *keep = NULL, *tail = NULL;
    for (pf__xfer *x = L->waiting, *nx; x; x = nx) {
        nx = x->next;
        x->next = NULL;
        if (pf__batch_cancelled(x->batch)) {
            /* A continuation or retry of a batch cancelled after the last
             * sweep: end it instead of starting it. */
            x->cancelled = 1;
            to_pool(L, x);
            continue;
        }
        double w = x->due - now;
        if (w <= 0) w = pf__bucket_take(&L->bucket, now);
        if (w <= 0) {
            start(L, x);
            continue;
        }
        if (w < wake) wake = w;
        if (tail)
            tail->next = x;
        else
            keep = x;
        tail = x;
    }
    L->waiting = keep;
    L->waiting_tail = tail;

    /* Then new requests, while slots and tokens last. */
    for (;;) {
        double w = pf__bucket_take(&L->bucket, now);
        if (w > 0) {
            if (w < wake) wake = w;
            break;
        }
        pf__xfer *x = NULL;
        pthread_mutex_lock(&c->mu);
        if (!c->stop && c->active < (size_t)c->opt.max_concurrency) {
            for (struct pf_batch *b = c->batches; b && !x;
                 b = b->link_next) {
                const pf_request *req;
                size_t i = pf__batch_claim(b, &req);
                if (i == (size_t)-1) continue;
                x = malloc(sizeof *x);
                if (x == NULL) {
                    /* No xfer to carry the error: publish it from here so
                     * the batch still gets an answer for index i. */
                    pf_response r;
                    memset(&r, 0, sizeof r);
                    r.kind = req->kind;
                    r.code = PF_ENOMEM;
                    r.error.code = PF_ENOMEM;
                    r.error.offset = PF_NO_OFFSET;
                    strcpy(r.error.message, "out of memory");
                    pthread_mutex_unlock(&c->mu);
                    pf__batch_publish(b, i, &r);
                    pthread_mutex_lock(&c->mu);
                    break;
                }
                c->active++;
                x->fail = pf__xfer_init(x, c, b, i, req);
            }
        }
        pthread_mutex_unlock(&c->mu);
        if (x == NULL) {
            L->bucket.tokens += 1; /* unused: give the token back */
            break;
        }
        if (x->fail != PF_OK) {
            L->bucket.tokens += 1; /* nothing goes on the wire */
            to_pool(L, x);
        }
        else
            start(L, x);
    }
    return wake;
}

static void *loop_main(void *arg)
{
    loop L;
    memset(&L, 0, sizeof L);
    L.c = arg;
    pf_client *c = L.c;
    c->loop_state = &L;
    L.capspare = (size_t)c->opt.max_concurrency;
    L.spare = calloc(L.capspare, sizeof *L.spare);
    if (L.spare == NULL) L.capspare = 0;
    /* Through uint64_t: microseconds of uptime overflow unsigned, and a
     * double converted to an integer that cannot hold it is undefined. */
    L.seed = (unsigned)(uintptr_t)c ^ (unsigned)(uint64_t)(pf__now() * 1e6);
    pf__bucket_init(&L.bucket, c->opt.rate, pf__now());

    for (;;) {
        pthread_mutex_lock(&c->mu);
        pf__xfer *ready = c->ready;
        c->ready = c->ready_tail = NULL;
        size_t active = c->active;
        int quit = c->stop && active == 0;
        pthread_mutex_unlock(&c->mu);
        if (quit) break;
        if (active > 0)
            L.idle_since = 0;
        else if (L.idle_since == 0)
            L.idle_since = pf__now();
        else if (pf__now() - L.idle_since >= SPARE_KEEP_S)
            pf__body_spares_free(c); /* give the RSS back */
        for (pf__xfer *x = ready, *nx; x; x = nx) {
            nx = x->next;
            x->due = 0;
            push_waiting(&L, x);
        }
        unsigned gen = atomic_load(&c->cancel_gen);
        if (gen != L.cancel_seen) {
            L.cancel_seen = gen;
            sweep_cancelled(&L);
        }

        pause_drain(&L);
        double wake = schedule(&L);

        int still = 0;
        curl_multi_perform(c->multi, &still);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(c->multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            pf__xfer *x = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            done(&L, x, m->data.result);
        }
        /* Finished attempts may have freed a slot or become due. */
        if (L.waiting) {
            double w = schedule(&L);
            if (w < wake) wake = w;
        }
        /* Compare before converting: a far-off wake (a tiny rate) would
         * overflow int, and the poll never sleeps over a second anyway. */
        int ms = wake >= 1.0 ? 1000 : wake > 0 ? (int)(wake * 1000) + 1 : 1;
        /* Nothing due for a while: use the wait to page in a body buffer
         * for the responses still to come, then look at the network. */
        if (ms > 1 && active > 0 && pf__body_prefault(c, active)) ms = 0;
        curl_multi_poll(c->multi, NULL, 0, ms, NULL);
    }

    for (size_t i = 0; i < L.nspare; i++) curl_easy_cleanup(L.spare[i]);
    free(L.spare);
    return NULL;
}

/* ---- cross-thread entry points ---------------------------------------- */

void pf__client_wake(pf_client *c)
{
    curl_multi_wakeup(c->multi);
}

void pf__client_continue(pf_client *c, pf__xfer *x)
{
    x->next = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->ready_tail)
        c->ready_tail->next = x;
    else
        c->ready = x;
    c->ready_tail = x;
    pf__client_wake(c);
    pthread_mutex_unlock(&c->mu);
}

void pf__client_link_batch(pf_client *c, struct pf_batch *b)
{
    /* Appended, so batches are served first come, first served. */
    pthread_mutex_lock(&c->mu);
    b->link_next = NULL;
    b->link_prev = NULL;
    if (c->batches == NULL) {
        c->batches = b;
    } else {
        struct pf_batch *t = c->batches;
        while (t->link_next) t = t->link_next;
        t->link_next = b;
        b->link_prev = t;
    }
    pthread_mutex_unlock(&c->mu);
    pf__client_wake(c);
}

void pf__client_unlink_batch(pf_client *c, struct pf_batch *b)
{
    pthread_mutex_lock(&c->mu);
    if (b->link_prev)
        b->link_prev->link_next = b->link_next;
    else if (c->batches == b)
        c->batches = b->link_next;
    if (b->link_next) b->link_next->link_prev = b->link_prev;
    b->link_next = b->link_prev = NULL;
    pthread_mutex_unlock(&c->mu);
}

void pf__client_release(pf_client *c)
{
    /* Wake under the lock: once active reaches 0 the loop may exit and
     * pf_client_free() destroy the multi handle, so the wakeup must happen
     * before the loop can see the new count. */
    pthread_mutex_lock(&c->mu);
    c->active--;
    pf__client_wake(c);
    pthread_mutex_unlock(&c->mu);
}

/* ---- public ------------------------------------------------------------ */

/* pf_client_new: copy the options (strings included), resolve defaults,
 * create the curl share and multi handle, start the parse workers and the
 * loop thread. On any failure everything built so far is freed and *out is
 * NULL. Any thread; the client may then be used from any number of threads
 * (pf_batch_start, pf_fetch, pf_client_stats_get). Cost: a few threads and
 * one curl multi handle; connections are opened lazily. */
pf_code pf_client_new(const pf_client_options *opt, pf_client **out,
                      pf_error *err)
{
    if (out) *out = NULL;
    if (out == NULL)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "out is NULL");
    pf_client_options o;
    if (opt)
        o = *opt;
    else
        pf_client_options_init(&o);
    if (o.http_version < 0 || o.http_version > 2)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "http_version must be 0, 1 or 2");
    resolve(&o);

    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);

    pf_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_mu[i], NULL);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    pthread_mutex_init(&c->spare_mu, NULL);
    c->body_est = 1 << 20; /* an app page is ~1.2 MB */
    c->opt = o;
    c->base_url = strdup(pf__base_url(o.base_url));
    c->user_agent = strdup(o.user_agent ? o.user_agent : DEFAULT_UA);
    c->proxy = dup_or_null(o.proxy);
    c->cacert = dup_or_null(o.cacert);
    c->opt.base_url = c->opt.user_agent = NULL;
    c->opt.proxy = c->opt.cacert = NULL;
    if (!c->base_url || !c->user_agent || (o.proxy && !c->proxy) ||
        (o.cacert && !c->cacert))
        goto nomem;

    c->share = curl_share_init();
    if (c->share == NULL) goto nomem;
    curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);

    static const char *const common[] = {
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language: en-US,en;q=0.9",
        "Origin: https://play.google.com",
        "Referer: https://play.google.com/",
    };
    for (size_t i = 0; i < sizeof common / sizeof *common; i++) {
        struct curl_slist *g = curl_slist_append(c->hdr_get, common[i]);
        if (g == NULL) goto nomem;
        c->hdr_get = g;
        struct curl_slist *p = curl_slist_append(c->hdr_post, common[i]);
        if (p == NULL) goto nomem;
        c->hdr_post = p;
    }
    struct curl_slist *ct = curl_slist_append(
        c->hdr_post,
        "Content-Type: application/x-www-form-urlencoded;charset=UTF-8");
    if (ct == NULL) goto nomem;
    c->hdr_post = ct;

    c->multiplex = o.http_version == 2 ||
                   (o.http_version == 0 && strncmp(c->base_url, "https://", 8) == 0);

    c->multi = curl_multi_init();
    if (c->multi == NULL) goto nomem;
    long k = o.max_concurrency;
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)o.max_per_host);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, k);
    /* The default connection cache is sized for a few transfers; with K
     * in flight over HTTP/1.1 it would close connections it is about to
     * need again. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, k);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, k);

    c->pool = pf__pool_new(o.workers);
    if (c->pool == NULL) goto nomem;
    if (pthread_create(&c->loop, NULL, loop_main, c)) goto nomem;
    c->loop_started = 1;
    *out = c;
    return PF_OK;
nomem:
    pf_client_free(c);
    return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                     "out of memory creating the client");
}

/* pf_client_free: cancel every batch still linked to the client, wait for
 * the loop and the workers to unwind what was in flight, then free. Batches
 * not yet freed stay valid for taking results and pf_batch_free(). Call it
 * from one thread, once no other thread uses the client. NULL is a no-op. */
void pf_client_free(pf_client *c)
{
    if (c == NULL) return;
    if (c->loop_started) {
        /* Cancel what is outstanding and let the loop and the workers
         * unwind it; the loop exits once nothing is active. */
        pthread_mutex_lock(&c->mu);
        c->stop = 1;
        struct pf_batch *bs = c->batches;
        pthread_mutex_unlock(&c->mu);
        for (struct pf_batch *b = bs; b; b = b->link_next)
            pf_batch_cancel(b);
        pf__client_wake(c);
        pthread_join(c->loop, NULL);
        pthread_mutex_lock(&c->mu);
        /* Batches outlive the client; pf_batch_free() then only frees. */
        while (c->batches) {
            struct pf_batch *b = c->batches;
            c->batches = b->link_next;
            b->link_next = b->link_prev = NULL;
            b->client = NULL;
        }
        pthread_mutex_unlock(&c->mu);
    }
    pf__pool_free(c->pool);
    pf__body_spares_free(c);
    pthread_mutex_destroy(&c->spare_mu);
    if (c->multi) curl_multi_cleanup(c->multi);
    if (c->share) curl_share_cleanup(c->share);
    curl_slist_free_all(c->hdr_get);
    curl_slist_free_all(c->hdr_post);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_mu[i]);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->base_url);
    free(c->user_agent);
    free(c->proxy);
    free(c->cacert);
    free(c);
}

/* pf_client_stats_get: a snapshot of the counters (atomics, no lock). Any
 * thread. A NULL client gives zeros; a NULL out is a no-op. */
void pf_client_stats_get(pf_client *c, pf_client_stats *out)
{
    if (out == NULL) return;
    memset(out, 0, sizeof *out);
    if (c == NULL) return;
    out->requests = atomic_load(&c->n_requests);
    out->retries = atomic_load(&c->n_retries);
    out->connections = atomic_load(&c->n_connections);
    out->bytes_received = atomic_load(&c->n_bytes);
}
