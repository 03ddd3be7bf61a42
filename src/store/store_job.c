/*
 * store_job.c -- pf_store_run(): a job against a store. What the file
 * holds is skipped, the rest is fetched through the engine and handed to
 * the writer thread response by response.
 *
 * Review chains are fetched one page per request (150 reviews), a round
 * of pages over every unfinished chain at a time, and each page is
 * committed with its next token: a chain cut at page 7 (kill, network,
 * quota) resumes at page 7. The engine's own chain following (num = all)
 * would hold pages 1-6 in memory until the last one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "store_int.h"

#define PAGE 150   /* reviews per page request: Play's largest page */

/* One request of the job. Requests with the same key share one row and
 * are fetched once, by the first of them (the owner). */
typedef struct slot {
    int64_t id;
    size_t owner;
    size_t next_dup;    /* the next request with the same row, or SIZE_MAX */
    int more;           /* something (left) to fetch */
    char *token;        /* review chains: the next page's token */
    int64_t stored;     /* review chains: reviews in the open snapshot */
} slot;

typedef struct run {
    pf_store *st;
    const pf_store_engine *eng;
    const pf_request *reqs;
    size_t n;
    pf_store_job *job;
    slot *s;
    pf_client *client;
    pf_code stop;       /* why the job stopped early, PF_OK while it runs */
    pf_error *err;
} run;

static int cmp_id(const void *a, const void *b, void *arg)
{
    const slot *s = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (s[i].id != s[j].id)
        return s[i].id < s[j].id ? -1 : 1;
    return i < j ? -1 : 1;
}

static int find_owners(slot *s, size_t n)
{
    size_t *ix = malloc((n ? n : 1) * sizeof *ix);
    if (!ix)
        return 0;
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    qsort_r(ix, n, sizeof *ix, cmp_id, s);
    for (size_t k = 0; k < n; k++) {
        int dup = k && s[ix[k - 1]].id == s[ix[k]].id;
        s[ix[k]].owner = dup ? s[ix[k - 1]].owner : ix[k];
        s[ix[k]].next_dup = SIZE_MAX;
        if (dup)
            s[ix[k - 1]].next_dup = ix[k];   /* in input order: ix sorts ties by index */
    }
    free(ix);
    return 1;
}

/* Every request that owner o stands for has ended. */
static void ended(run *r, size_t o, uint64_t ticket, int failed)
{
    if (!r->job->on_end)
        return;
    for (size_t i = o; i != SIZE_MAX; i = r->s[i].next_dup)
        r->job->on_end(r->job->userdata, i, ticket, failed);
}

/* The page request of a review chain. */
static void page_request(const slot *c, const pf_request *req, pf_request *out)
{
    *out = *req;
    out->token = c->token;
    if (req->num == PF_REVIEWS_ALL)
        out->num = PAGE;
    else if (req->num > 0)
        out->num = req->num - c->stored < PAGE ? (int)(req->num - c->stored)
                                               : PAGE;
}

/* Cut a page to what the request wants: the count asked for, and with
 * `since` only the reviews written at or after it (meant for a newest-first
 * chain, so that a daily job fetches only new reviews). Returns 1 when the
 * chain ends with this page. */
static int cut_page(const pf_store_job *job, const slot *c,
                    const pf_request *req, pf_reviews *rv)
{
    /* As the engine's own chain following: no token, an empty page or the
     * token just used again ends the chain. */
    int last = rv->next_token == NULL || !*rv->next_token || rv->count == 0 ||
               req->num == 0 ||
               (c->token && !strcmp(c->token, rv->next_token));
    if (req->num > 0 && c->stored + (int64_t)rv->count >= req->num) {
        rv->count = (size_t)(req->num - c->stored);
        last = 1;
    }
    if (job->has_since)
        for (size_t k = 0; k < rv->count; k++)
            if (rv->items[k].created_at != PF_NULL_INT &&
                rv->items[k].created_at < job->since) {
                rv->count = k;
                last = 1;
                break;
            }
    return last;
}

/* One response: hand it to the store, move its chain on. */
static void take(run *r, size_t i, pf_response *res)
{
    slot *c = &r->s[i];
    const pf_request *req = &r->reqs[i];
    if (res->code == PF_ECANCELLED) {
        /* Never answered: left for the next run. */
        c->more = 0;
        pf_response_cleanup(res);
        return;
    }
    int last = 1;
    char *next = NULL;
    if (res->code == PF_ENOTFOUND && req->kind == PF_KIND_REVIEWS &&
        c->stored > 0) {
        /* A null payload after the first page means "no more", as the
         * engine reads it when it follows a chain itself. */
        pf_response_cleanup(res);
        res->kind = PF_KIND_REVIEWS;
        res->code = PF_OK;
    }
    if (res->code == PF_OK && req->kind == PF_KIND_REVIEWS && res->reviews) {
        last = cut_page(r->job, c, req, res->reviews);
        if (!last && !(next = strdup(res->reviews->next_token)))
            last = 1;
        c->stored += (int64_t)res->reviews->count;
    }
    int ok = res->code == PF_OK;
    uint64_t ticket = 0;
    pf_code rc = pf_store_put(r->st, c->id, res, last, &ticket, r->err);
    if (rc != PF_OK) {
        r->stop = rc;
        free(next);
        return;
    }
    free(c->token);
    c->token = next;
    c->more = ok && !last;
    if (!c->more) {
        r->job->fetched++;
        r->job->failed += !ok;
        ended(r, i, ticket, !ok);
    }
}

static int tick(run *r)
{
    return r->job->on_tick && r->job->on_tick(r->job->userdata);
}

/* One batch over every request with something to fetch. Returns how many
 * it held (0: the job is over). */
static size_t round_run(run *r)
{
    pf_request *reqs = malloc(r->n * sizeof *reqs);
    size_t *map = malloc(r->n * sizeof *map);
    size_t k = 0;
    pf_batch *batch = NULL;
    if (!reqs || !map) {
        r->stop = pf__error(r->err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->n; i++) {
        slot *c = &r->s[i];
        if (c->owner != i || !c->more)
            continue;
        if (r->reqs[i].kind == PF_KIND_REVIEWS)
            page_request(c, &r->reqs[i], &reqs[k]);
        else
            reqs[k] = r->reqs[i];
        map[k++] = i;
    }
    if (!k)
        goto out;
    if (!r->client && !(r->client = r->job->client
                                        ? r->job->client(r->job->userdata)
                                        : NULL)) {
        r->stop = pf__error(r->err, PF_EINVAL, PF_NO_OFFSET,
                            "no client to fetch with");
        goto out;
    }
    pf_code rc = r->eng->batch_start(r->client, reqs, k, NULL, &batch, r->err);
    if (rc != PF_OK) {
        r->stop = rc;
        goto out;
    }
    int cancelled = 0;
    for (;;) {
        size_t idx;
        pf_response res;
        memset(&res, 0, sizeof res);
        rc = r->eng->batch_next(batch, 100, &idx, &res);
        if (!cancelled && (r->stop != PF_OK || tick(r))) {
            r->eng->batch_cancel(batch);
            cancelled = 1;
            if (r->stop == PF_OK)
                r->stop = pf__error(r->err, PF_ECANCELLED, PF_NO_OFFSET,
                                    "cancelled");
        }
        if (rc == PF_EDONE)
            break;
        if (rc == PF_OK && idx < k && r->stop == PF_OK)
            take(r, map[idx], &res);
        else
            pf_response_cleanup(&res);
    }
out:
    if (batch)
        r->eng->batch_free(batch);
    free(reqs);
    free(map);
    return r->stop == PF_OK ? k : 0;
}

pf_code pf_store_run(pf_store *st, const pf_store_engine *eng,
                     const pf_request *reqs, size_t n, pf_store_job *job,
                     int64_t *ids, pf_error *err)
{
    pf_error local;
    run r;
    memset(&r, 0, sizeof r);
    r.st = st;
    r.eng = eng;
    r.reqs = reqs;
    r.n = n;
    r.job = job;
    r.err = err ? err : &local;
    job->todo = job->fetched = job->failed = job->from_store = 0;
    pf_store_entry *e = calloc(n ? n : 1, sizeof *e);
    r.s = calloc(n ? n : 1, sizeof *r.s);
    if (!e || !r.s) {
        r.stop = pf__error(r.err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
        goto out;
    }
    r.stop = pf_store_plan(st, reqs, n, job->flags, e, r.err);
    if (r.stop != PF_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        r.s[i].id = e[i].id;
        if (ids)
            ids[i] = e[i].id;
    }
    if (!find_owners(r.s, n)) {
        r.stop = pf__error(r.err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        slot *c = &r.s[i];
        if (c->owner != i)
            continue;
        if (e[i].state == PF_STORE_DONE || e[i].state == PF_STORE_FAILED) {
            job->from_store++;
            ended(&r, i, 0, e[i].state == PF_STORE_FAILED);
            continue;
        }
        const char *tok = e[i].state == PF_STORE_CONTINUE ? e[i].token
                                                          : reqs[i].token;
        if (tok && !(c->token = strdup(tok))) {
            r.stop = pf__error(r.err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
            goto out;
        }
        c->stored = e[i].stored;
        c->more = 1;
        job->todo++;
    }
    for (;;) {
        if (tick(&r)) {
            r.stop = pf__error(r.err, PF_ECANCELLED, PF_NO_OFFSET,
                               "cancelled");
            break;
        }
        if (!round_run(&r))
            break;
    }
out:
    /* Everything handed over lands before the job reports back; the
     * tick keeps the caller's output moving while it does. */
    for (;;) {
        pf_code rc = pf_store_wait(st, 0, 100, r.stop == PF_OK ? r.err : NULL);
        if (rc != PF_EAGAIN) {
            if (rc != PF_OK && r.stop == PF_OK)
                r.stop = rc;
            break;
        }
        tick(&r);
    }
    if (r.s)
        for (size_t i = 0; i < n; i++)
            free(r.s[i].token);
    free(r.s);
    free(e);
    return r.stop;
}
