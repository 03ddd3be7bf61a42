/*
 * fetch_store.c -- a fetch command with --db FILE: pf_store_run() skips
 * what the file holds, fetches the rest and commits each response as it
 * arrives; this file prints. Every output line is read back from the file
 * once its request's outcome is committed, so a line printed is a result
 * on disk, the output of a resumed run is the output of an uninterrupted
 * one, and the lines are those of `playfast export`.
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

/* Where each request's line stands. */
typedef struct line {
    int ended;          /* its outcome is decided */
    int failed;
    uint64_t ticket;    /* printable once the store committed it */
} line;

typedef struct out_state {
    cli_fetch_plan *plan;
    pf_store *st;
    pf_store_job job;
    const cli_engine *eng;
    pf_client *client;
    sqlite3 *rd;
    line *lines;
    int64_t *ids;
    size_t next, printed;
    int write_failed;
    int progress, drawn;
    double start, last_draw;
} out_state;

static void draw(out_state *o, int final)
{
    if (!o->progress)
        return;
    double t = cli_now();
    if (!final && o->drawn && t - o->last_draw < 0.1)
        return;
    o->last_draw = t;
    const pf_store_job *j = &o->job;
    double el = t - o->start, rate = el > 0 ? (double)j->fetched / el : 0;
    size_t left = j->todo - j->fetched;
    char eta[32] = "--";
    if (final)
        snprintf(eta, sizeof eta, "in %.1fs", el);
    else if (rate > 0)
        snprintf(eta, sizeof eta, "ETA %.0fs", (double)left / rate);
    /* \r and erase-to-end-of-line: one line that updates in place. */
    fprintf(stderr,
            "\r%zu done, %zu failed, %zu remaining, %zu from the store, "
            "%.1f req/s, %s\033[K%s",
            j->fetched - j->failed, j->failed, left, j->from_store, rate, eta,
            final ? "\n" : "");
    fflush(stderr);
    o->drawn = !final;
}

static void put_out(out_state *o, const char *s, size_t n)
{
    if (!o->write_failed && n && fwrite(s, 1, n, stdout) != n)
        o->write_failed = 1;
}

/* Print every request that is next in input order and whose outcome is
 * committed, reading it back from the file. At the end of the job (final)
 * a request that has no committed outcome is passed over instead of waited
 * for, so a job that stopped early still prints all that is on disk. */
static void write_ready(out_state *o, int final)
{
    cli_fetch_plan *plan = o->plan;
    uint64_t committed = pf_store_committed(o->st);
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    int wrote = 0;
    for (; o->next < plan->n && !o->write_failed; o->next++) {
        size_t i = o->next;
        const line *l = &o->lines[i];
        if (!l->ended || l->ticket > committed) {
            if (final)
                continue;
            break;
        }
        b.len = 0;
        if (plan->format == CLI_FMT_JSON)
            pf__buf_str(&b, o->printed ? ",\n" : "\n");
        int got = cli_stored_render(o->rd, plan->format, o->ids[i],
                                    &plan->reqs[i], &b);
        if (got < 0) {
            o->write_failed = 1;
            break;
        }
        if (got == 0)
            continue;
        if (plan->format == CLI_FMT_NDJSON)
            pf__buf_putc(&b, '\n');
        if (b.failed) {
            cli_die_msg("%s", "out of memory rendering a stored result");
            o->write_failed = 1;
            break;
        }
        if (o->drawn) {
            fputs("\r\033[K", stderr);
            o->drawn = 0;
        }
        put_out(o, b.p, b.len);
        o->printed++;
        wrote = 1;
    }
    pf__buf_cleanup(&b);
    if (wrote && fflush(stdout) != 0)
        o->write_failed = 1;
}

static void on_end(void *ud, size_t i, uint64_t ticket, int failed)
{
    out_state *o = ud;
    o->lines[i].ended = 1;
    o->lines[i].failed = failed;
    o->lines[i].ticket = ticket;
}

static int on_tick(void *ud)
{
    out_state *o = ud;
    write_ready(o, 0);
    draw(o, 0);
    return cli_interrupted || o->write_failed;
}

/* The engine is loaded only when something needs fetching. */
static pf_client *get_client(void *ud)
{
    out_state *o = ud;
    pf_error err;
    memset(&err, 0, sizeof err);
    if (!(o->eng = cli_engine_get()))
        return NULL;
    pf_code rc = o->eng->client_new(&o->plan->client, &o->client, &err);
    if (rc != PF_OK)
        cli_die_msg("%s: cannot create the client: %s", pf_code_name(rc),
                    err.message[0] ? err.message : pf_strerror(rc));
    return o->client;
}

/* Forwarders, so that the engine table is filled before it is loaded. */
static const cli_engine *loaded(void)
{
    return cli_engine_get();
}
static pf_code fw_start(pf_client *c, const pf_request *r, size_t n,
                        const pf_batch_options *opt, pf_batch **b,
                        pf_error *e)
{
    return loaded()->batch_start(c, r, n, opt, b, e);
}
static pf_code fw_next(pf_batch *b, int t, size_t *i, pf_response *res)
{
    return loaded()->batch_next(b, t, i, res);
}
static void fw_cancel(pf_batch *b)
{
    loaded()->batch_cancel(b);
}
static void fw_free(pf_batch *b)
{
    loaded()->batch_free(b);
}

int cli_fetch_store_run(cli_fetch_plan *plan)
{
    static const pf_store_engine eng = {fw_start, fw_next, fw_cancel, fw_free};
    out_state o;
    memset(&o, 0, sizeof o);
    o.plan = plan;
    pf_error err;
    memset(&err, 0, sizeof err);
    int status = CLI_EXIT_FAIL;
    pf_code rc = PF_EINVAL;

    /* The file is checked before the engine is loaded or anything sent. */
    if (pf_store_open(plan->db, 0, &o.st, &err) != PF_OK) {
        cli_die_msg("%s", err.message);
        return CLI_EXIT_FAIL;
    }
    o.lines = calloc(plan->n ? plan->n : 1, sizeof *o.lines);
    o.ids = calloc(plan->n ? plan->n : 1, sizeof *o.ids);
    if (!o.lines || !o.ids || !(o.rd = cli_store_reader(plan->db))) {
        cli_die_msg("%s", "out of memory");
        goto done;
    }
    if (plan->format == CLI_FMT_CSV) {
        pf__buf h;
        pf__buf_init(&h, SIZE_MAX);
        cli_csv_header(&h, plan->kind);
        put_out(&o, h.p, h.len);
        pf__buf_cleanup(&h);
    } else if (plan->format == CLI_FMT_JSON) {
        put_out(&o, "[", 1);
    }
    o.progress = plan->progress < 0 ? isatty(STDERR_FILENO) : plan->progress;
    o.start = cli_now();
    o.job.flags = (plan->refresh ? PF_STORE_REFRESH : 0) |
                  (plan->skip_failed ? PF_STORE_SKIP_FAILED : 0);
    o.job.has_since = plan->has_since;
    o.job.since = plan->since;
    o.job.userdata = &o;
    o.job.client = get_client;
    o.job.on_end = on_end;
    o.job.on_tick = on_tick;

    struct sigaction old_sa;
    cli_sigint_catch(&old_sa);
    rc = pf_store_run(o.st, &eng, plan->reqs, plan->n, &o.job, o.ids,
                              &err);
    cli_sigint_restore(&old_sa);
    if (rc != PF_OK && rc != PF_ECANCELLED && err.message[0])
        cli_die_msg("%s", err.message);
    write_ready(&o, 1);
    draw(&o, 1);
    size_t failed = 0, left = 0;
    for (size_t i = 0; i < plan->n; i++) {
        failed += o.lines[i].ended && o.lines[i].failed;
        left += !o.lines[i].ended;
    }
    /* The summary, also when stderr is no terminal: a long job's log. */
    fprintf(stderr,
            "playfast: %s: %zu requests: %zu fetched now (%zu failed), %zu "
            "already stored, %zu not done\n",
            plan->db, plan->n, o.job.fetched, o.job.failed,
            o.job.from_store, left);
    if (rc != PF_OK || left || o.write_failed || failed == plan->n)
        status = CLI_EXIT_FAIL;
    else
        status = failed ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
    if (cli_interrupted)
        status = 130;      /* 128 + SIGINT, as the shell reports it */
done:
    if (plan->format == CLI_FMT_JSON && !o.write_failed)
        put_out(&o, o.printed ? "\n]\n" : "]\n", o.printed ? 3 : 2);
    if (fflush(stdout) != 0)
        o.write_failed = 1;
    if (o.write_failed && !cli_interrupted) {
        cli_die_msg("cannot write output: %s", strerror(errno));
        status = CLI_EXIT_FAIL;
    }
    if (o.client)
        o.eng->client_free(o.client);
    /* The reader goes first: the store's connection, closed last,
     * checkpoints the WAL into the file and removes it. */
    sqlite3_close(o.rd);
    if (pf_store_close(o.st, &err) != PF_OK && rc == PF_OK) {
        cli_die_msg("%s", err.message);
        status = CLI_EXIT_FAIL;
    }
    free(o.lines);
    free(o.ids);
    return status;
}
