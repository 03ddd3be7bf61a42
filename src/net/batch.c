/*
 * batch.c -- a set of requests and their responses.
 *
 * A batch holds one copy of each request and one response slot per index;
 * nothing else grows with n. The loop claims indexes in order while the
 * client has free slots, workers publish responses into the slots, and the
 * caller takes them either in completion order (pf_batch_next) or, after
 * pf_batch_wait, by index (pf_batch_take).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "client.h"
#include "loop.h"
#include "page.h" /* pf__error */

struct pf_batch {
    pf__loop *loop;              /* NULL once the client is gone */
    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t cv;
    size_t n;
    size_t next;                 /* first request not yet claimed */
    size_t done, failed, taken;
    size_t outstanding;          /* claimed or being delivered, not yet
                                    fully published */
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

/* ---- copying requests -------------------------------------------------- */

static size_t slen(const char *s) { return s ? strlen(s) + 1 : 0; }

static size_t req_strings(const pf_request *r)
{
    return slen(r->app_id) + slen(r->lang) + slen(r->country) +
           slen(r->category) + slen(r->collection) + slen(r->query) +
           slen(r->token) + slen(r->developer_id);
}

static const char *put(char **at, const char *s)
{
    if (s == NULL) return NULL;
    size_t n = strlen(s) + 1;
    char *d = *at;
    memcpy(d, s, n);
    *at += n;
    return d;
}

static void copy_req(pf_request *d, const pf_request *s, char **at)
{
    *d = *s;
    d->app_id = put(at, s->app_id);
    d->lang = put(at, s->lang);
    d->country = put(at, s->country);
    d->category = put(at, s->category);
    d->collection = put(at, s->collection);
    d->query = put(at, s->query);
    d->token = put(at, s->token);
    d->developer_id = put(at, s->developer_id);
}

static void batch_destroy(pf_batch *b)
{
    if (b->slots && b->state) /* either may be what failed to allocate */
        for (size_t i = 0; i < b->n; i++)
            if (b->state[i] == 1) pf_response_cleanup(&b->slots[i]);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b->reqs);
    free(b->strings);
    free(b->slots);
    free(b->state);
    free(b->queue);
    free(b);
}

/* pf_batch_start: copy the n requests (all their strings in one block) and
 * hand the batch to the client's loop, which starts them as slots free up.
 * Invalid requests are not a batch error: each ends with its own
 * PF_EINVAL response. Returns PF_EINVAL for a NULL client/out (or NULL reqs
 * with n > 0) and PF_ENOMEM, with *out NULL and nothing leaked. Any thread.
 * Cost: O(n) copying; memory ~330 bytes per request plus its strings. */
pf_code pf_batch_start(pf_client *client, const pf_request *reqs, size_t n,
                       const pf_batch_options *opt, pf_batch **out,
                       pf_error *err)
{
    if (out) *out = NULL;
    if (client == NULL || out == NULL || (reqs == NULL && n > 0))
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET,
                         "client, out and (for n > 0) reqs are required");
    if (n > ((size_t)-1) / sizeof(pf_response))
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "batch too large");
    pf_batch *b = calloc(1, sizeof *b);
    if (b == NULL) return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    pthread_mutex_init(&b->mu, NULL);
    /* Timed waits measure on the monotonic clock: a wall-clock step must
     * not stretch or cut a caller's timeout. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    b->n = n;
    b->loop = pf__client_loop(client);
    if (opt) b->opt = *opt;
    size_t total = 1;
    for (size_t i = 0; i < n; i++) total += req_strings(&reqs[i]);
    size_t m = n ? n : 1;
    b->reqs = malloc(m * sizeof *b->reqs);
    b->strings = malloc(total);
    b->slots = calloc(m, sizeof *b->slots);
    b->state = calloc(m, 1);
    b->queue = malloc(m * sizeof *b->queue);
    if (!b->reqs || !b->strings || !b->slots || !b->state || !b->queue) {
        batch_destroy(b);
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "out of memory for a batch of %zu", n);
    }
    char *at = b->strings;
    for (size_t i = 0; i < n; i++) copy_req(&b->reqs[i], &reqs[i], &at);
    if (!pf__loop_attach(b->loop, b)) {
        batch_destroy(b);
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "out of memory attaching a batch");
    }
    *out = b;
    return PF_OK;
}

/* ---- loop and worker side ---------------------------------------------- */

size_t pf__batch_claim(pf_batch *b, const pf_request **req)
{
    size_t i = (size_t)-1;
    pthread_mutex_lock(&b->mu);
    if (!atomic_load(&b->cancelled) && b->next < b->n) {
        i = b->next++;
        b->outstanding++;
        *req = &b->reqs[i];
    }
    pthread_mutex_unlock(&b->mu);
    return i;
}

int pf__batch_cancelled(pf_batch *b)
{
    return atomic_load(&b->cancelled);
}

void pf__batch_orphan(pf_batch *b)
{
    pthread_mutex_lock(&b->mu);
    b->loop = NULL;
    pthread_mutex_unlock(&b->mu);
}

/* With b->mu held. */
static void ready(pf_batch *b, size_t i)
{
    b->state[i] = 1;
    b->done++;
    if (b->slots[i].code != PF_OK) b->failed++;
    b->queue[b->qtail++] = i;
}

void pf__batch_publish(pf_batch *b, size_t i, pf_response *res)
{
    pf_result_cb rcb = b->opt.on_result;
    pthread_mutex_lock(&b->mu);
    if (rcb != NULL) {
        /* The result callback takes the response: it is counted done and
         * taken here, and never enters the queue. */
        b->state[i] = 2;
        b->done++;
        b->taken++;
        if (res->code != PF_OK) b->failed++;
    } else {
        b->slots[i] = *res;
        ready(b, i);
    }
    size_t done = b->done, failed = b->failed, n = b->n;
    pf_progress_cb cb = b->opt.on_progress;
    void *ud = b->opt.userdata;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    /* Outside the lock, so the callbacks may call pf_batch_progress() or
     * pf_batch_cancel(); still before `outstanding` drops, so
     * pf_batch_free() cannot free the batch under them. */
    if (rcb != NULL) rcb(ud, i, res);
    if (cb) cb(ud, done, failed, n);
    pthread_mutex_lock(&b->mu);
    /* Only pf_batch_free waits for this, and only for the last one: a
     * broadcast per result would wake every consumer a second time. */
    if (--b->outstanding == 0) pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* ---- caller side ------------------------------------------------------- */

static struct timespec deadline(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Wait on b->cv (b->mu held): 0 when woken, ETIMEDOUT at the deadline. */
static int wait_cv(pf_batch *b, int timeout_ms, const struct timespec *ts)
{
    if (timeout_ms < 0) return pthread_cond_wait(&b->cv, &b->mu);
    if (timeout_ms == 0) return ETIMEDOUT;
    return pthread_cond_timedwait(&b->cv, &b->mu, ts);
}

static void move_out(pf_batch *b, size_t i, pf_response *res)
{
    *res = b->slots[i];
    memset(&b->slots[i], 0, sizeof b->slots[i]);
    b->state[i] = 2;
    b->taken++;
}

/* pf_batch_next: pop the oldest completed response. Any thread; several
 * threads may consume the same batch, each response goes to exactly one.
 * Blocks on the batch's condition variable only (no lock held while the
 * caller processes a result). */
pf_code pf_batch_next(pf_batch *b, int timeout_ms, size_t *index,
                      pf_response *res)
{
    if (b == NULL || res == NULL) return PF_EINVAL;
    struct timespec ts = deadline(timeout_ms > 0 ? timeout_ms : 0);
    pf_code rc = PF_OK;
    pthread_mutex_lock(&b->mu);
    if (b->mode == 2) {
        rc = PF_EINVAL;
        goto out;
    }
    b->mode = 1;
    while (b->qhead == b->qtail) {
        if (b->taken == b->n) {
            rc = PF_EDONE;
            goto out;
        }
        if (wait_cv(b, timeout_ms, &ts) == ETIMEDOUT &&
            b->qhead == b->qtail) {
            rc = b->taken == b->n ? PF_EDONE : PF_EAGAIN;
            goto out;
        }
    }
    size_t i = b->queue[b->qhead++];
    move_out(b, i, res);
    if (index) *index = i;
out:
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* pf_batch_wait: block until every response is in (cancelled ones count).
 * Any thread; does not take anything. */
pf_code pf_batch_wait(pf_batch *b, int timeout_ms)
{
    if (b == NULL) return PF_EINVAL;
    struct timespec ts = deadline(timeout_ms > 0 ? timeout_ms : 0);
    pf_code rc = PF_OK;
    pthread_mutex_lock(&b->mu);
    while (b->done < b->n) {
        if (wait_cv(b, timeout_ms, &ts) == ETIMEDOUT && b->done < b->n) {
            rc = PF_EAGAIN;
            break;
        }
    }
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* pf_batch_take: move response i out. PF_EAGAIN while it is not ready,
 * PF_EINVAL for an index out of range, taken twice, or after
 * pf_batch_next() was used on this batch. Any thread. */
pf_code pf_batch_take(pf_batch *b, size_t i, pf_response *res)
{
    if (b == NULL || res == NULL) return PF_EINVAL;
    pf_code rc = PF_OK;
    pthread_mutex_lock(&b->mu);
    if (b->mode == 1 || i >= b->n)
        rc = PF_EINVAL;
    else if (b->state[i] == 0)
        rc = PF_EAGAIN;
    else if (b->state[i] == 2)
        rc = PF_EINVAL;
    else {
        b->mode = 2;
        move_out(b, i, res);
    }
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* pf_batch_progress: counts under the batch lock; any thread, including
 * from a progress callback. NULL b gives zeros. */
void pf_batch_progress(pf_batch *b, size_t *done, size_t *failed,
                       size_t *total)
{
    size_t d = 0, f = 0, t = 0;
    if (b) {
        pthread_mutex_lock(&b->mu);
        d = b->done;
        f = b->failed;
        t = b->n;
        pthread_mutex_unlock(&b->mu);
    }
    if (done) *done = d;
    if (failed) *failed = f;
    if (total) *total = t;
}

/* pf_batch_cancel: requests not yet started end at once with
 * PF_ECANCELLED (delivered to the result callback from this thread when the
 * batch has one); the loop aborts those in flight or waiting to retry at
 * its next turn; responses already published are kept. Requests ended here
 * do not trigger the progress callback (pf_batch_progress shows them). Any
 * thread, including a progress or result callback; idempotent. Takes the
 * batch lock briefly, so it is not async-signal-safe. */
void pf_batch_cancel(pf_batch *b)
{
    if (b == NULL) return;
    pthread_mutex_lock(&b->mu);
    if (atomic_load(&b->cancelled)) {
        pthread_mutex_unlock(&b->mu);
        return;
    }
    atomic_store(&b->cancelled, 1);
    /* Requests never started end here; those in flight are the loop's. */
    size_t first = b->next, last = b->n;
    pf_result_cb rcb = b->opt.on_result;
    for (size_t i = first; i < last; i++) {
        pf_response *r = &b->slots[i];
        r->kind = b->reqs[i].kind;
        r->code = PF_ECANCELLED;
        pf__error(&r->error, PF_ECANCELLED, PF_NO_OFFSET,
                  "cancelled before it started");
        if (rcb) {
            /* Delivered below, outside the lock, like every result. */
            b->state[i] = 2;
            b->done++;
            b->failed++;
            b->taken++;
        } else {
            ready(b, i);
        }
    }
    b->next = b->n;
    if (rcb) b->outstanding++; /* pf_batch_free waits for the delivery */
    pthread_cond_broadcast(&b->cv);
    pf__loop *L = b->loop;
    pthread_mutex_unlock(&b->mu);
    if (rcb) {
        for (size_t i = first; i < last; i++) {
            pf_response r = b->slots[i];
            memset(&b->slots[i], 0, sizeof b->slots[i]);
            rcb(b->opt.userdata, i, &r);
        }
        pthread_mutex_lock(&b->mu);
        b->outstanding--;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
    }
    if (L) pf__loop_cancelled(L);
}

/* pf_batch_free: cancel, wait until no transfer of this batch is left in
 * the loop or on a worker (so no progress callback runs after it returns),
 * and free the copies and every response not taken. One thread, once no
 * other thread uses the batch; never from the batch's own progress callback
 * (it would wait for itself). NULL is a no-op. */
void pf_batch_free(pf_batch *b)
{
    if (b == NULL) return;
    pf_batch_cancel(b);
    pthread_mutex_lock(&b->mu);
    while (b->outstanding > 0) pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    pthread_mutex_lock(&b->mu);
    pf__loop *L = b->loop;
    pthread_mutex_unlock(&b->mu);
    if (L) pf__loop_detach(L, b);
    batch_destroy(b);
}

/* pf_fetch: pf_batch_start + pf_batch_wait + pf_batch_take for each index.
 * Blocks the calling thread; any thread. */
pf_code pf_fetch(pf_client *client, const pf_request *reqs, size_t n,
                 pf_response *out, pf_error *err)
{
    if (out == NULL && n > 0)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "out is NULL");
    pf_batch *b;
    pf_code rc = pf_batch_start(client, reqs, n, NULL, &b, err);
    if (rc != PF_OK) return rc;
    pf_batch_wait(b, -1);
    for (size_t i = 0; i < n; i++) pf_batch_take(b, i, &out[i]);
    pf_batch_free(b);
    return PF_OK;
}
