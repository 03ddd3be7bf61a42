/*
 * fetch_store.c -- a fetch command with --db FILE: only what the store does
 * not hold yet is fetched, each response is committed by the store's writer
 * thread as it arrives, and every output line is read back from the file
 * once it is committed. So a line printed is a result on disk, the output
 * of a resumed run is the output of an uninterrupted one, and the lines
 * are those of `playfast export`.
 *
 * Review chains are fetched one page per request (150 reviews), a round of
 * pages at a time over every unfinished chain, and each page is committed
 * with its next token: a chain cut at page 7 (kill, network, quota)
 * resumes at page 7. The engine's own chain following (num = all) would
 * keep pages 1-6 in memory until the last one.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "playfast_store.h"

#define PAGE 150   /* reviews per page request: Play's largest page */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    if (interrupted) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    interrupted = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request of the plan. Requests with the same key share one row and
 * are fetched once, by the first of them (the owner). */
typedef struct job {
    int64_t id;
    size_t owner;
    int ended;          /* nothing more to fetch: printable once committed */
    int more;           /* a chain with another page to fetch */
    int failed;
    uint64_t ticket;    /* committed >= ticket: its outcome is on disk */
    char *token;        /* the next page's token */
    int64_t stored;     /* reviews stored in the open snapshot */
} job;

typedef struct run_state {
    pf__fetch_plan *plan;
    pf_store *st;
    sqlite3 *rd;
    job *jobs;
    size_t next, printed;
    size_t fetched, failed, from_store, todo;
    int write_failed, store_failed;
    int progress;
    double start, last_draw;
    int drawn;
} run_state;

static int cmp_id(const void *a, const void *b, void *jobs)
{
    const job *j = jobs;
    int64_t x = j[*(const size_t *)a].id, y = j[*(const size_t *)b].id;
    if (x != y)
        return x < y ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* owner = the first request with the same row. */
static int find_owners(job *jobs, size_t n)
{
    size_t *ix = malloc(n * sizeof *ix);
    if (!ix)
        return 0;
    for (size_t i = 0; i < n; i++)
        ix[i] = i;
    qsort_r(ix, n, sizeof *ix, cmp_id, jobs);
    for (size_t k = 0; k < n; k++)
        jobs[ix[k]].owner = k && jobs[ix[k - 1]].id == jobs[ix[k]].id
                                ? jobs[ix[k - 1]].owner
                                : ix[k];
    free(ix);
    return 1;
}

static void draw(run_state *r, int final)
{
    if (!r->progress)
        return;
    double t = now();
    if (!final && r->drawn && t - r->last_draw < 0.1)
        return;
    r->last_draw = t;
    double el = t - r->start, rate = el > 0 ? (double)r->fetched / el : 0;
    size_t left = r->todo - r->fetched;
    char eta[32] = "--";
    if (final)
        snprintf(eta, sizeof eta, "in %.1fs", el);
    else if (rate > 0)
        snprintf(eta, sizeof eta, "ETA %.0fs", (double)left / rate);
    fprintf(stderr,
            "\r%zu done, %zu failed, %zu remaining, %zu from the store, "
            "%.1f req/s, %s\033[K%s",
            r->fetched - r->failed, r->failed, left, r->from_store, rate, eta,
            final ? "\n" : "");
    fflush(stderr);
    r->drawn = !final;
}

static void put_out(run_state *r, const char *s, size_t n)
{
    if (!r->write_failed && n && fwrite(s, 1, n, stdout) != n)
        r->write_failed = 1;
}

/* Print every request that is next in input order and whose outcome is
 * committed, reading it back from the file. */
static void write_ready(run_state *r)
{
    pf__fetch_plan *plan = r->plan;
    uint64_t committed = pf_store_committed(r->st);
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    int wrote = 0;
    while (r->next < plan->n && !r->write_failed) {
        const job *o = &r->jobs[r->jobs[r->next].owner];
        if (!o->ended || o->ticket > committed)
            break;
        size_t i = r->next++;
        b.len = 0;
        if (plan->format == PF_FMT_JSON)
            pf__buf_str(&b, r->printed ? ",\n" : "\n");
        int got = pf__stored_render(r->rd, plan->format, o->id,
                                    &plan->reqs[i], &b);
        if (got < 0) {
            r->write_failed = 1;
            break;
        }
        if (got == 0)
            continue;
        if (plan->format == PF_FMT_NDJSON)
            pf__buf_putc(&b, '\n');
        if (b.failed) {
            pf__die_msg("%s", "out of memory rendering a stored result");
            r->write_failed = 1;
            break;
        }
        if (r->drawn) {
            fputs("\r\033[K", stderr);
            r->drawn = 0;
        }
        put_out(r, b.p, b.len);
        r->printed++;
        wrote = 1;
    }
    pf__buf_cleanup(&b);
    if (wrote && fflush(stdout) != 0)
        r->write_failed = 1;
}

/* The page request of a review chain. */
static void page_request(const job *j, const pf_request *req, pf_request *out)
{
    *out = *req;
    out->token = j->token;
    if (req->num == PF_REVIEWS_ALL)
        out->num = PAGE;
    else if (req->num > 0)
        out->num = req->num - j->stored < PAGE ? (int)(req->num - j->stored)
                                              : PAGE;
}

/* Cut a page to what the request wants: the count asked for, and with
 * --since only the reviews newer than it (the chain must be newest first
 * for that to mean "only new reviews"). Returns 1 when the chain ends. */
static int cut_page(const run_state *r, const job *j, const pf_request *req,
                    pf_reviews *rv)
{
    int last = rv->next_token == NULL || req->num == 0;
    if (req->num > 0 && j->stored + (int64_t)rv->count >= req->num) {
        rv->count = (size_t)(req->num - j->stored);
        last = 1;
    }
    if (r->plan->has_since)
        for (size_t k = 0; k < rv->count; k++)
            if (rv->items[k].created_at != PF_NULL_INT &&
                rv->items[k].created_at < r->plan->since) {
                rv->count = k;
                last = 1;
                break;
            }
    return last;
}

/* One response: hand it to the store and update its job. */
static void take(run_state *r, const pf__engine *eng, size_t ji,
                 pf_response *res)
{
    job *j = &r->jobs[ji];
    const pf_request *req = &r->plan->reqs[ji];
    pf_error err;
    memset(&err, 0, sizeof err);
    if (res->code == PF_ECANCELLED) {
        /* Never answered: left for the next run. */
        j->more = 0;
        eng->response_cleanup(res);
        return;
    }
    int last = 1;
    char *next = NULL;
    if (res->code == PF_OK && req->kind == PF_KIND_REVIEWS && res->reviews) {
        last = cut_page(r, j, req, res->reviews);
        if (!last && !(next = strdup(res->reviews->next_token)))
            last = 1;
        j->stored += (int64_t)res->reviews->count;
    }
    int ok = res->code == PF_OK;
    if (pf_store_put(r->st, j->id, res, last, &j->ticket, &err) != PF_OK) {
        if (!r->store_failed)
            pf__die_msg("%s", err.message);
        r->store_failed = 1;
        free(next);
        return;
    }
    free(j->token);
    j->token = next;
    j->more = ok && !last;
    if (!j->more) {
        j->ended = 1;
        j->failed = !ok;
        r->fetched++;
        r->failed += !ok;
    }
}

/* Run one batch: every job that has something to fetch. Returns how many
 * requests it held. */
static size_t round_run(run_state *r, const pf__engine *eng,
                        pf_client *client)
{
    pf__fetch_plan *plan = r->plan;
    pf_request *reqs = malloc(plan->n * sizeof *reqs);
    size_t *map = malloc(plan->n * sizeof *map);
    size_t k = 0;
    pf_batch *batch = NULL;
    pf_error err;
    memset(&err, 0, sizeof err);
    if (!reqs || !map) {
        pf__die_msg("%s", "out of memory");
        r->store_failed = 1;
        goto out;
    }
    for (size_t i = 0; i < plan->n; i++) {
        job *j = &r->jobs[i];
        if (j->owner != i || !j->more)
            continue;
        if (plan->reqs[i].kind == PF_KIND_REVIEWS)
            page_request(j, &plan->reqs[i], &reqs[k]);
        else
            reqs[k] = plan->reqs[i];
        map[k++] = i;
    }
    if (!k)
        goto out;
    pf_code rc = eng->batch_start(client, reqs, k, NULL, &batch, &err);
    if (rc != PF_OK) {
        pf__die_msg("%s: cannot start the batch: %s", pf_code_name(rc),
                    err.message[0] ? err.message : pf_strerror(rc));
        r->store_failed = 1;
        goto out;
    }
    int cancelled = 0;
    for (;;) {
        size_t idx;
        pf_response res;
        memset(&res, 0, sizeof res);
        rc = eng->batch_next(batch, 100, &idx, &res);
        if ((interrupted || r->write_failed || r->store_failed) &&
            !cancelled) {
            eng->batch_cancel(batch);
            cancelled = 1;
        }
        if (rc == PF_EDONE)
            break;
        if (rc == PF_OK && idx < k)
            take(r, eng, map[idx], &res);
        else
            eng->response_cleanup(&res);
        write_ready(r);
        draw(r, 0);
    }
out:
    if (batch)
        eng->batch_free(batch);
    free(reqs);
    free(map);
    return k;
}

static int plan_jobs(run_state *r, pf_store_entry *e)
{
    pf__fetch_plan *plan = r->plan;
    if (!find_owners(r->jobs, plan->n))
        return 0;
    for (size_t i = 0; i < plan->n; i++) {
        job *j = &r->jobs[i];
        if (j->owner != i)
            continue;
        switch (e[i].state) {
        case PF_STORE_DONE:
        case PF_STORE_FAILED:
            j->ended = 1;
            j->failed = e[i].state == PF_STORE_FAILED;
            r->from_store++;
            break;
        case PF_STORE_CONTINUE:
        case PF_STORE_FETCH: {
            const char *tok = e[i].state == PF_STORE_CONTINUE
                                  ? e[i].token
                                  : plan->reqs[i].token;
            if (tok && !(j->token = strdup(tok)))
                return 0;
            j->stored = e[i].stored;
            j->more = 1;
            r->todo++;
            break;
        }
        }
    }
    return 1;
}

int pf__fetch_store_run(pf__fetch_plan *plan)
{
    run_state r;
    memset(&r, 0, sizeof r);
    r.plan = plan;
    pf_error err;
    memset(&err, 0, sizeof err);
    pf_store_entry *entries = NULL;
    const pf__engine *eng = NULL;
    pf_client *client = NULL;
    int status = PF_EXIT_FAIL;

    /* The file is checked before the engine is loaded or anything sent. */
    if (pf_store_open(plan->db, 0, &r.st, &err) != PF_OK) {
        pf__die_msg("%s", err.message);
        return PF_EXIT_FAIL;
    }
    entries = calloc(plan->n ? plan->n : 1, sizeof *entries);
    r.jobs = calloc(plan->n ? plan->n : 1, sizeof *r.jobs);
    if (!entries || !r.jobs) {
        pf__die_msg("%s", "out of memory");
        goto done;
    }
    unsigned flags = (plan->refresh ? PF_STORE_REFRESH : 0) |
                     (plan->skip_failed ? PF_STORE_SKIP_FAILED : 0);
    if (pf_store_plan(r.st, plan->reqs, plan->n, flags, entries, &err) !=
        PF_OK) {
        pf__die_msg("%s", err.message);
        goto done;
    }
    for (size_t i = 0; i < plan->n; i++)
        r.jobs[i].id = entries[i].id;
    if (!plan_jobs(&r, entries) || !(r.rd = pf__store_reader(plan->db))) {
        pf__die_msg("%s", "out of memory");
        goto done;
    }

    if (plan->format == PF_FMT_CSV) {
        pf__buf h;
        pf__buf_init(&h, SIZE_MAX);
        pf__csv_header(&h, plan->kind);
        put_out(&r, h.p, h.len);
        pf__buf_cleanup(&h);
    } else if (plan->format == PF_FMT_JSON) {
        put_out(&r, "[", 1);
    }
    r.progress = plan->progress < 0 ? isatty(STDERR_FILENO) : plan->progress;
    r.start = now();
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sa);
    write_ready(&r);
    if (r.todo) {
        eng = pf__engine_get();
        if (!eng)
            goto restore;
        pf_code rc = eng->client_new(&plan->client, &client, &err);
        if (rc != PF_OK) {
            pf__die_msg("%s: cannot create the client: %s", pf_code_name(rc),
                        err.message[0] ? err.message : pf_strerror(rc));
            goto restore;
        }
        while (!interrupted && !r.write_failed && !r.store_failed &&
               round_run(&r, eng, client))
            ;
    }
    /* Everything handed over lands before the last lines are printed. */
    while (!r.store_failed) {
        pf_code rc = pf_store_wait(r.st, 0, 100, &err);
        if (rc == PF_OK)
            break;
        if (rc != PF_EAGAIN) {
            pf__die_msg("%s", err.message);
            r.store_failed = 1;
        }
    }
    write_ready(&r);
    draw(&r, 1);
    size_t failed = 0, left = 0;
    for (size_t i = 0; i < plan->n; i++) {
        const job *o = &r.jobs[r.jobs[i].owner];
        failed += o->ended && o->failed;
        left += !o->ended;
    }
    fprintf(stderr,
            "playfast: %s: %zu requests: %zu fetched now (%zu failed), %zu "
            "already stored, %zu not done\n",
            plan->db, plan->n, r.fetched, r.failed, r.from_store, left);
    if (left || r.store_failed || r.write_failed || failed == plan->n)
        status = PF_EXIT_FAIL;
    else
        status = failed ? PF_EXIT_PARTIAL : PF_EXIT_OK;
    if (interrupted)
        status = 130;
restore:
    sigaction(SIGINT, &old_sa, NULL);
done:
    if (plan->format == PF_FMT_JSON && !r.write_failed)
        put_out(&r, r.printed ? "\n]\n" : "]\n", r.printed ? 3 : 2);
    if (fflush(stdout) != 0)
        r.write_failed = 1;
    if (r.write_failed && !r.store_failed) {
        pf__die_msg("cannot write output: %s", strerror(errno));
        status = PF_EXIT_FAIL;
    }
    if (client)
        eng->client_free(client);
    /* The reader goes first: the store's connection, closed last,
     * checkpoints the WAL into the file and removes it. */
    sqlite3_close(r.rd);
    if (pf_store_close(r.st, &err) != PF_OK && !r.store_failed) {
        pf__die_msg("%s", err.message);
        status = PF_EXIT_FAIL;
    }
    if (r.jobs)
        for (size_t i = 0; i < plan->n; i++)
            free(r.jobs[i].token);
    free(r.jobs);
    free(entries);
    return status;
}
