/*
 * fetch.c -- run a fetch command's batch and stream its output.
 *
 * Responses arrive in completion order (pf_batch_next). Each is rendered to
 * text at once and its parsed result freed, then held only until every
 * earlier response has been written: output is in input order, yet what is
 * held is the text of the responses that overtook a slower one, never the
 * batch. That text stays in memory up to a cap (64 MiB) and goes to an
 * unlinked temporary file beyond it, so a stalled first request among
 * 10,000 list requests cannot grow the process to gigabytes.
 *
 * Progress is polled from this thread between responses, so the engine's
 * worker threads never touch stdio.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted;

static void on_sigint(int sig)
{
    /* A second Ctrl-C ends the process at once, as users expect. */
    if (cli_interrupted) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    cli_interrupted = 1;
}

void cli_sigint_catch(struct sigaction *old)
{
    /* SIGINT ignored from the start (`nohup`, a job put in the background
     * by a shell without job control) stays ignored, as the one who
     * started us asked. */
    if (sigaction(SIGINT, NULL, old) != 0 || old->sa_handler == SIG_IGN)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

void cli_sigint_restore(const struct sigaction *old)
{
    sigaction(SIGINT, old, NULL);
}

/* Bytes of out-of-order output kept in memory before spilling to a
 * temporary file; $PLAYFAST_REORDER_BYTES overrides (tests set it to 0). */
static size_t reorder_cap(void)
{
    long v;
    const char *e = getenv("PLAYFAST_REORDER_BYTES");
    if (e && cli_arg_long(e, 0, LONG_MAX, &v))
        return (size_t)v;
    return (size_t)64 << 20;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Progress line                                                            */
/* ------------------------------------------------------------------------ */

typedef struct progress {
    int on;
    int tty;                   /* stderr is a terminal: redraw in place */
    double start, last;
    int drawn;
    const cli_engine *eng;     /* for the client's pushback counters */
    pf_client *client;
    pf_egress_stats *eg;       /* room for every egress, made on first use */
    size_t eg_cap;
} progress;

/* What the server pushed back with, as ", 429s 3, blocked 1, pacing
 * 2.5/s": nothing until a 429 or a block was seen or a ceiling set, so a
 * run the server lets through keeps the short line. The pacing is the
 * rate each egress may start requests at now; over several egresses, their
 * range and how many are cooling down after a block. */
static void pushback_text(progress *p, char *out, size_t cap)
{
    pf_client_stats st;
    out[0] = '\0';
    if (!p->client)
        return;
    memset(&st, 0, sizeof st);
    p->eng->client_stats(p->client, &st);
    size_t n = 0;
    if (st.egresses) {
        if (st.egresses > p->eg_cap && st.egresses <= PF_MAX_EGRESSES + 1) {
            pf_egress_stats *eg = realloc(p->eg, st.egresses * sizeof *eg);
            if (eg) {
                p->eg = eg;
                p->eg_cap = st.egresses;
            }
        }
        n = p->eng->egress_stats(p->client, p->eg, p->eg_cap);
        if (n > p->eg_cap)
            n = p->eg_cap;
    }
    double lo = 0, hi = 0;
    size_t quarantined = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || p->eg[i].rate < lo)
            lo = p->eg[i].rate;
        if (p->eg[i].rate > hi)
            hi = p->eg[i].rate;
        quarantined += p->eg[i].quarantined != 0;
    }
    if (!st.rate_limited && !st.blocked && hi <= 0)
        return;
    int k = snprintf(out, cap, ", 429s %llu, blocked %llu",
                     (unsigned long long)st.rate_limited,
                     (unsigned long long)st.blocked);
    if (k < 0 || (size_t)k >= cap || hi <= 0)
        return;
    if (n == 1)
        snprintf(out + k, cap - (size_t)k, ", pacing %.1f/s%s", hi,
                 quarantined ? " (cooling down)" : "");
    else
        snprintf(out + k, cap - (size_t)k,
                 ", pacing %.1f-%.1f/s over %zu egresses, %zu cooling down",
                 lo, hi, n, quarantined);
}

static void progress_draw(progress *p, size_t done, size_t failed,
                          size_t total, int final)
{
    if (!p->on)
        return;
    double t = cli_now();
    /* A terminal gets one line redrawn every 0.1 s; a log file or pipe a
     * plain line a second, with no cursor escapes to garble it. */
    if (!final && p->drawn && t - p->last < (p->tty ? 0.1 : 1.0))
        return;
    p->last = t;
    double el = t - p->start;
    double rate = el > 0 ? (double)done / el : 0;
    char eta[32] = "--";
    if (final)
        snprintf(eta, sizeof eta, "done in %.1fs", el);
    else if (rate > 0)
        snprintf(eta, sizeof eta, "ETA %.0fs", (double)(total - done) / rate);
    char push[160];
    pushback_text(p, push, sizeof push);
    /* On a terminal, \r and erase-to-end-of-line: one line that updates
     * in place. */
    fprintf(stderr, "%s%zu/%zu done, %zu failed, %.1f req/s, %s%s%s",
            p->tty ? "\r" : "", done, total, failed, rate, eta, push,
            p->tty ? "\033[K" : "\n");
    if (final && p->tty)
        fputc('\n', stderr);
    fflush(stderr);
    p->drawn = 1;
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                */
/* ------------------------------------------------------------------------ */

/* One response as its output text (without the separator that depends on
 * its position, which write_ready adds). */
static char *render(const cli_fetch_plan *plan, const pf_request *req,
                    const pf_response *res, size_t *len)
{
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    if (plan->format == CLI_FMT_CSV) {
        /* An empty list gives "" (no rows), still non-NULL: "done". */
        cli_csv_response(&b, req, res);
        return pf__buf_take(&b, len);
    }
    pf__buf_str(&b, "{\"request\": ");
    cli_json_request(&b, req);
    if (res->code != PF_OK) {
        pf__buf_str(&b, ", \"error\": ");
        cli_json_error(&b, res->code, &res->error);
    } else if (req->kind == PF_KIND_APP) {
        pf__buf_str(&b, ", \"result\": ");
        cli_json_app(&b, res->app);
    } else if (req->kind >= PF_KIND_DEVELOPER) {
        cli_json_result_more(&b, res);
    } else if (req->kind == PF_KIND_REVIEWS) {
        pf__buf_str(&b, ", \"results\": ");
        cli_json_reviews_array(&b, res->reviews);
        pf__buf_str(&b, ", \"next_token\": ");
        pf__buf_json_str(&b, res->reviews ? res->reviews->next_token : NULL);
    } else if (res->details) {
        pf__buf_str(&b, ", \"results\": ");
        cli_json_details(&b, res);
    } else {
        pf__buf_str(&b, ", \"results\": ");
        cli_json_list(&b, res->list);
    }
    pf__buf_putc(&b, '}');
    return pf__buf_take(&b, len);
}

/* Where a finished response waits for its turn. */
enum { SLOT_EMPTY = 0, SLOT_MEM, SLOT_DISK, SLOT_WRITTEN };

typedef struct slot {
    char *mem;             /* SLOT_MEM: the text */
    off_t off;             /* SLOT_DISK: where in the spill file */
    size_t len;
    unsigned char state;
} slot;

typedef struct writer {
    const cli_fetch_plan *plan;
    slot *slots;           /* [n] */
    size_t next;           /* the next index to write */
    size_t mem_bytes;      /* text held in memory by waiting slots */
    size_t mem_cap;        /* beyond it, waiting text goes to the spill file */
    FILE *spill;           /* unlinked temporary file, opened on first use */
    off_t spill_end;
    int write_failed;
    int abandoned;         /* Ctrl-C while the reader was not reading */
    progress *pg;          /* to clear its line before output on a tty */
    int shared_tty;        /* stdout and the progress line share a screen */
} writer;

/* A write or flush of stdout failed. Interrupted by Ctrl-C, it means the
 * reader stopped reading and the user wants out: the output is abandoned
 * (the buffered rest discarded, so that exit() does not block flushing it
 * again) and the exit status stays 130. Anything else is a write error. */
static void out_failed(writer *w)
{
    if (cli_interrupted) {
        w->abandoned = 1;
        __fpurge(stdout);
        clearerr(stdout);
    } else {
        w->write_failed = 1;
    }
}

static void put(writer *w, const char *s, size_t n)
{
    if (!w->write_failed && !w->abandoned && n &&
        fwrite(s, 1, n, stdout) != n)
        out_failed(w);
}

/* Keep the text of response i until its turn. Memory holds at most mem_cap
 * bytes of waiting text: when one slow request holds up thousands of
 * finished ones (a stall, a timeout with retries), the rest goes to a
 * temporary file instead of growing the process without limit. */
static int hold(writer *w, size_t i, char *text, size_t len)
{
    slot *s = &w->slots[i];
    s->len = len;
    if (w->mem_bytes + len <= w->mem_cap) {
        s->mem = text;
        s->state = SLOT_MEM;
        w->mem_bytes += len;
        return 1;
    }
    if (!w->spill && !(w->spill = tmpfile()))
        goto fail;
    if (len && pwrite(fileno(w->spill), text, len, w->spill_end) != (ssize_t)len)
        goto fail;
    s->off = w->spill_end;
    s->state = SLOT_DISK;
    w->spill_end += (off_t)len;
    free(text);
    return 1;
fail:
    free(text);
    cli_die_msg("cannot spill out-of-order output to a temporary file: %s",
                strerror(errno));
    return 0;
}

static void put_spilled(writer *w, const slot *s)
{
    char buf[1 << 16];
    for (size_t done = 0; done < s->len && !w->write_failed && !w->abandoned;) {
        size_t want = s->len - done < sizeof buf ? s->len - done : sizeof buf;
        ssize_t r = pread(fileno(w->spill), buf, want, s->off + (off_t)done);
        if (r <= 0) {
            w->write_failed = 1;
            break;
        }
        put(w, buf, (size_t)r);
        done += (size_t)r;
    }
}

/* Write every response that is next in input order. */
static void write_ready(writer *w)
{
    int wrote = 0;
    while (w->next < w->plan->n &&
           (w->slots[w->next].state == SLOT_MEM ||
            w->slots[w->next].state == SLOT_DISK)) {
        size_t i = w->next++;
        if (!wrote && w->shared_tty && w->pg->drawn) {
            /* Erase the progress line so output starts on a clean line;
             * the next tick redraws it below. */
            fputs("\r\033[K", stderr);
            w->pg->drawn = 0;
        }
        slot *s = &w->slots[i];
        if (w->plan->format == CLI_FMT_JSON)
            put(w, i ? ",\n" : "\n", i ? 2 : 1);
        if (s->state == SLOT_MEM) {
            put(w, s->mem, s->len);
            free(s->mem);
            s->mem = NULL;
            w->mem_bytes -= s->len;
        } else {
            put_spilled(w, s);
        }
        if (w->plan->format == CLI_FMT_NDJSON)
            put(w, "\n", 1);
        s->state = SLOT_WRITTEN;
        wrote = 1;
    }
}

/* Hand what is written to the reader: called before the loop waits for the
 * next response, so a consumer of the pipe sees each line as soon as
 * nothing more is ready, and a wave of responses leaves in a few large
 * writes instead of several per line. */
static void flush_out(writer *w)
{
    if (!w->abandoned && fflush(stdout) != 0)
        out_failed(w);
}

/* ------------------------------------------------------------------------ */
/* The command                                                              */
/* ------------------------------------------------------------------------ */

static int run(cli_fetch_plan *plan)
{
    const cli_engine *eng = NULL;
    pf_client *client = NULL;
    pf_batch *batch = NULL;
    pf_error err;
    writer w;
    progress pg;
    size_t done = 0, failed = 0;
    int status = CLI_EXIT_FAIL;

    memset(&err, 0, sizeof err);
    memset(&w, 0, sizeof w);
    memset(&pg, 0, sizeof pg);
    w.plan = plan;
    w.mem_cap = reorder_cap();
    /* Lines leave in writes of up to 64 KiB (flush_out says when); a
     * terminal keeps its line buffering. glibc sizes a buffer it allocates
     * itself by the file's block size (4 KiB for a pipe), so it is given. */
    static char out_buf[1 << 16];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    if (plan->format == CLI_FMT_CSV) {
        pf__buf h;
        pf__buf_init(&h, SIZE_MAX);
        cli_csv_header(&h, plan->kind);
        put(&w, h.p, h.len);
        pf__buf_cleanup(&h);
    } else if (plan->format == CLI_FMT_JSON) {
        put(&w, "[", 1);
    }
    if (plan->n == 0) {
        status = CLI_EXIT_OK;
        goto finish;
    }

    eng = cli_engine_get();
    if (!eng)
        goto finish;
    w.slots = calloc(plan->n, sizeof *w.slots);
    if (!w.slots) {
        cli_die_msg("%s: cannot track %zu requests", pf_code_name(PF_ENOMEM),
                    plan->n);
        goto finish;
    }
    pf_code rc = eng->client_new(&plan->client, &client, &err);
    if (rc != PF_OK) {
        cli_die_msg("%s: cannot create the client: %s", pf_code_name(rc),
                    err.message[0] ? err.message : pf_strerror(rc));
        goto finish;
    }
    rc = eng->batch_start(client, plan->reqs, plan->n, NULL, &batch, &err);
    if (rc != PF_OK) {
        cli_die_msg("%s: cannot start the batch: %s", pf_code_name(rc),
                    err.message[0] ? err.message : pf_strerror(rc));
        goto finish;
    }

    pg.tty = isatty(STDERR_FILENO);
    pg.on = plan->progress < 0 ? pg.tty : plan->progress;
    pg.eng = eng;
    pg.client = client;
    w.pg = &pg;
    w.shared_tty = pg.on && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
    pg.start = cli_now();
    struct sigaction old_sa;
    cli_sigint_catch(&old_sa);
    int cancelled = 0;

    for (;;) {
        size_t idx;
        pf_response res;
        memset(&res, 0, sizeof res);
        rc = eng->batch_next(batch, 0, &idx, &res);
        if (rc == PF_EAGAIN) {
            flush_out(&w);
            /* A bounded wait keeps the progress line and Ctrl-C responsive. */
            rc = eng->batch_next(batch, 100, &idx, &res);
        }
        if ((cli_interrupted || w.write_failed || w.abandoned) && !cancelled) {
            eng->batch_cancel(batch);
            cancelled = 1;
        }
        if (rc == PF_EDONE)
            break;
        if (rc == PF_EAGAIN) {
            progress_draw(&pg, done, failed, plan->n, 0);
            continue;
        }
        if (rc != PF_OK || idx >= plan->n || w.slots[idx].state != SLOT_EMPTY) {
            eng->response_cleanup(&res);
            cli_die_msg("%s: the engine returned an unexpected response",
                        pf_code_name(rc == PF_OK ? PF_EINVAL : rc));
            break;
        }
        done++;
        if (res.code != PF_OK)
            failed++;
        size_t len = 0;
        char *text = render(plan, &plan->reqs[idx], &res, &len);
        eng->response_cleanup(&res);
        if (!text) {
            cli_die_msg("%s: cannot render response %zu",
                        pf_code_name(PF_ENOMEM), idx);
            break;
        }
        if (!hold(&w, idx, text, len))
            break;
        write_ready(&w);
        progress_draw(&pg, done, failed, plan->n, 0);
    }
    if (pg.on)
        progress_draw(&pg, done, failed, plan->n, 1);
    cli_sigint_restore(&old_sa);

    if (done < plan->n)
        status = CLI_EXIT_FAIL;
    else if (failed == plan->n)
        status = CLI_EXIT_FAIL;
    else if (failed)
        status = CLI_EXIT_PARTIAL;
    else
        status = CLI_EXIT_OK;
    if (cli_interrupted)
        status = 130;      /* 128 + SIGINT, as the shell reports it */

finish:
    if (plan->format == CLI_FMT_JSON)
        put(&w, plan->n && w.next ? "\n]\n" : "]\n", plan->n && w.next ? 3 : 2);
    if (!w.abandoned && fflush(stdout) != 0)
        out_failed(&w);
    if (w.write_failed) {
        cli_die_msg("cannot write output: %s", strerror(errno));
        status = CLI_EXIT_FAIL;
    }
    if (batch)
        eng->batch_free(batch);
    if (client)
        eng->client_free(client);
    if (w.slots)
        for (size_t i = 0; i < plan->n; i++)
            free(w.slots[i].mem);
    free(w.slots);
    if (w.spill)
        fclose(w.spill);
    free(pg.eg);
    return status;
}

int cli_cmd_fetch(pf_kind kind, int argc, char **argv)
{
    cli_fetch_plan plan;
    int status;
    if (cli_fetch_plan_build(&plan, kind, argc, argv, &status))
        status = plan.db ? cli_fetch_store_run(&plan) : run(&plan);
    cli_fetch_plan_cleanup(&plan);
    return status;
}
