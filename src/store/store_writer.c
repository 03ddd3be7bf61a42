/*
 * store_writer.c -- the writer thread: responses handed over with
 * pf_store_put() are written and committed off the caller's thread, in
 * group commits.
 *
 * The thread sleeps until something is queued, then takes everything
 * queued (up to BATCH_MAX responses) into one transaction. While it
 * commits, new responses queue up and go into the next one: at a few
 * hundred responses a second a transaction holds a handful, at thousands
 * it holds hundreds, and a commit (an fsync of the WAL only at checkpoints
 * under synchronous=NORMAL) never waits on a timer. The queue holds at
 * most QUEUE_MAX responses; pf_store_put() waits for room beyond that, so
 * a disk slower than the network slows the job instead of growing memory.
 *
 * A write error (disk full, I/O error) rolls the transaction back and stops
 * the store: later puts and waits return it, and nothing more is written,
 * so everything committed before stays a consistent, readable file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "page.h"
#include "schema.h"
#include "store_int.h"

#define QUEUE_MAX 4096   /* responses waiting; each holds its parsed result */
#define BATCH_MAX 1024   /* responses in one transaction */

/* ---- writing one response ---------------------------------------------- */

static sqlite3_stmt *insert_stmt(pf_store *st, const pf__store_table *t)
{
    int first;
    size_t i = (size_t)(t - pf__store_table_at(0, &first));
    if (!st->ins[i]) {
        pf__buf b;
        pf__buf_init(&b, SIZE_MAX);
        pf__store_insert_sql(&b, t);
        if (b.failed ||
            sqlite3_prepare_v3(st->db, b.p, -1, SQLITE_PREPARE_PERSISTENT,
                               &st->ins[i], NULL) != SQLITE_OK)
            st->ins[i] = NULL;
        pf__buf_cleanup(&b);
    }
    if (st->ins[i])
        sqlite3_reset(st->ins[i]);
    return st->ins[i];
}

static int step_done(sqlite3_stmt *s)
{
    int rc = s ? sqlite3_step(s) : SQLITE_NOMEM;
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int write_rows(pf_store *st, const pf__store_table *t, int64_t snap,
                      int64_t rank0, const pf_response *res, size_t *count)
{
    const char *base;
    size_t stride;
    size_t n = pf__store_rows(t, res, &base, &stride);
    *count = n;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = insert_stmt(st, t);
        if (!s)
            return sqlite3_errcode(st->db);
        sqlite3_bind_int64(s, 1, snap);
        sqlite3_bind_int64(s, 2, rank0 + (int64_t)i + 1);
        int rc = pf__store_bind_row(s, t, base + i * stride, &st->tmp);
        if (rc == SQLITE_OK)
            rc = step_done(s);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int write_failure(pf_store *st, const pf__store_item *it)
{
    const pf_response *res = &it->res;
    sqlite3_stmt *s = pf__store_stmt(st, ST_FAILED);
    if (!s)
        return sqlite3_errcode(st->db);
    const char *msg = res->error.message[0] ? res->error.message
                                            : pf_strerror(res->code);
    sqlite3_bind_int64(s, 1, it->id);
    sqlite3_bind_text(s, 2, pf_code_name(res->code), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, msg, (int)strnlen(msg, sizeof res->error.message),
                      SQLITE_TRANSIENT);
    if (res->error.http_status > 0)
        sqlite3_bind_int(s, 4, res->error.http_status);
    sqlite3_bind_int(s, 5, res->error.attempts);
    return step_done(s);
}

static int write_item(pf_store *st, const pf__store_item *it);

/* A list fetched with details: each entry's app is stored as that app's
 * own request (kind app, the list's lang and country), in the list's
 * transaction, so that the apps are exported, resumed and compared like
 * any other app request. */
static int write_details(pf_store *st, const pf__store_item *it)
{
    const pf_response *res = &it->res;
    sqlite3_stmt *g = pf__store_stmt(st, ST_GET_REQ);
    if (!g)
        return sqlite3_errcode(st->db);
    sqlite3_bind_int64(g, 1, it->id);
    int rc = sqlite3_step(g);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
    char *lang = strdup((const char *)sqlite3_column_text(g, 3));
    char *country = strdup((const char *)sqlite3_column_text(g, 4));
    sqlite3_reset(g);
    rc = lang && country ? SQLITE_OK : SQLITE_NOMEM;
    pf__buf key;
    pf__buf_init(&key, SIZE_MAX);
    for (size_t i = 0; rc == SQLITE_OK && i < res->n_details; i++) {
        const char *app_id = i < res->list->count ? res->list->items[i].app_id
                                                  : NULL;
        /* An entry without an id has no request to be stored as. */
        if (!app_id)
            continue;
        pf_request r;
        pf_request_init(&r, PF_KIND_APP);
        r.app_id = app_id;
        r.lang = lang;
        r.country = country;
        pf__store_item d;
        memset(&d, 0, sizeof d);
        d.id = pf__store_request_row(st, &r, &key, &rc);
        if (rc != SQLITE_OK)
            break;
        d.res = res->details[i];
        d.res.kind = PF_KIND_APP;
        d.last = 1;
        rc = write_item(st, &d);
    }
    pf__buf_cleanup(&key);
    free(lang);
    free(country);
    return rc;
}

static int write_item(pf_store *st, const pf__store_item *it)
{
    const pf_response *res = &it->res;
    const pf__store_table *t = pf__store_table_of(res->kind);
    /* A cancelled request was never answered: it stays as it was, to be
     * fetched by the next run. */
    if (res->code == PF_ECANCELLED || !t)
        return SQLITE_OK;
    if (res->code != PF_OK)
        return write_failure(st, it);

    int64_t open_snap = 0, stored = 0;
    const char *next = NULL;
    int rc, final = 1;
    if (t->kind == PF_KIND_REVIEWS) {
        sqlite3_stmt *g = pf__store_stmt(st, ST_GET_REQ);
        if (!g)
            return sqlite3_errcode(st->db);
        sqlite3_bind_int64(g, 1, it->id);
        rc = sqlite3_step(g);
        if (rc != SQLITE_ROW)
            return rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
        open_snap = sqlite3_column_int64(g, 0);
        stored = sqlite3_column_int64(g, 1);
        sqlite3_reset(g);
        next = res->reviews ? res->reviews->next_token : NULL;
        final = it->last || !next;
    }
    int64_t snap = open_snap;
    sqlite3_stmt *s;
    if (!snap) {
        s = pf__store_stmt(st, ST_ADD_SNAPSHOT);
        if (!s)
            return sqlite3_errcode(st->db);
        sqlite3_bind_int64(s, 1, it->id);
        sqlite3_bind_int(s, 2, final);
        sqlite3_bind_double(s, 3, res->elapsed);
        /* Developer and similar lists print where they go on. */
        if (pf__rows_of(t->kind)->member == offsetof(pf_response, list) &&
            res->list)
            sqlite3_bind_text(s, 4, res->list->next_token, -1,
                              SQLITE_STATIC);
        if ((rc = step_done(s)) != SQLITE_OK)
            return rc;
        snap = sqlite3_last_insert_rowid(st->db);
    } else {
        s = pf__store_stmt(st, ST_SNAP_DONE);
        if (!s)
            return sqlite3_errcode(st->db);
        sqlite3_bind_int64(s, 1, snap);
        sqlite3_bind_int(s, 2, final);
        sqlite3_bind_double(s, 3, res->elapsed);
        if ((rc = step_done(s)) != SQLITE_OK)
            return rc;
    }
    size_t count;
    if ((rc = write_rows(st, t, snap, stored, res, &count)) != SQLITE_OK)
        return rc;
    s = pf__store_stmt(st, final ? ST_DONE : ST_PAGE);
    if (!s)
        return sqlite3_errcode(st->db);
    sqlite3_bind_int64(s, 1, it->id);
    sqlite3_bind_int(s, 2, res->error.attempts);
    if (final) {
        sqlite3_bind_int64(s, 3, snap);
        sqlite3_bind_int64(s, 4, stored + (int64_t)count);
    } else {
        sqlite3_bind_int64(s, 3, snap);
        sqlite3_bind_text(s, 4, next, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, stored + (int64_t)count);
    }
    if ((rc = step_done(s)) != SQLITE_OK)
        return rc;
    return res->details && res->list ? write_details(st, it) : SQLITE_OK;
}

/* ---- the thread -------------------------------------------------------- */

static void stop_with(pf_store *st, int rc)
{
    pf_error e;
    memset(&e, 0, sizeof e);
    pf__store_fail(st, &e, rc, "cannot write");
    pthread_mutex_lock(&st->mu);
    if (st->failed == PF_OK) {
        st->failed = e.code;
        st->ferr = e;
    }
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

/* Write and commit batch[0..n). Returns the SQLite error, if any. */
static int commit_batch(pf_store *st, pf__store_item *batch, size_t n)
{
    pthread_mutex_lock(&st->db_mu);
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        rc = write_item(st, &batch[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        /* Keep the code of what failed (disk full, I/O), not the
         * rollback's. */
        int keep = rc;
        if (!sqlite3_get_autocommit(st->db))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        rc = keep;
    }
    pthread_mutex_unlock(&st->db_mu);
    return rc;
}

static void *writer_main(void *arg)
{
    pf_store *st = arg;
    pf__store_item *batch = st->batch;
    for (;;) {
        pthread_mutex_lock(&st->mu);
        while (!st->qlen && !st->stop)
            pthread_cond_wait(&st->cv, &st->mu);
        if (!st->qlen && st->stop) {
            pthread_mutex_unlock(&st->mu);
            break;
        }
        size_t n = 0;
        uint64_t top = 0;
        while (st->qlen && n < BATCH_MAX) {
            batch[n] = st->q[st->qhead];
            top = batch[n++].ticket;
            st->qhead = (st->qhead + 1) % st->qcap;
            st->qlen--;
        }
        int failed = st->failed != PF_OK;
        pthread_cond_broadcast(&st->cv);    /* room in the queue */
        pthread_mutex_unlock(&st->mu);

        int rc = failed ? SQLITE_OK : commit_batch(st, batch, n);
        for (size_t i = 0; i < n; i++)
            pf_response_cleanup(&batch[i].res);
        if (failed)
            continue;
        if (rc != SQLITE_OK) {
            stop_with(st, rc);
            continue;
        }
        pthread_mutex_lock(&st->mu);
        st->committed = top;
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
    }
    return NULL;
}

int pf__store_writer_start(pf_store *st, pf_error *err)
{
    int first;
    size_t n = 0;
    while (pf__store_table_at(n, &first))
        n++;
    st->ins = calloc(n, sizeof *st->ins);
    st->qcap = 64;
    st->q = malloc(st->qcap * sizeof *st->q);
    st->batch = malloc(BATCH_MAX * sizeof *st->batch);
    if (!st->ins || !st->q || !st->batch) {
        pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
        return -1;
    }
    int rc = pthread_create(&st->thread, NULL, writer_main, st);
    if (rc != 0) {
        pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                  "cannot start the store's writer thread: %s", strerror(rc));
        return -1;
    }
    st->thread_on = 1;
    return 0;
}

void pf__store_writer_stop(pf_store *st)
{
    if (!st->thread_on)
        return;
    pthread_mutex_lock(&st->mu);
    st->stop = 1;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    pthread_join(st->thread, NULL);
    st->thread_on = 0;
}

/* ---- the public side --------------------------------------------------- */

/* Room for one more: grow the ring (doubling, up to QUEUE_MAX) or wait for
 * the writer. Called with mu held. */
static int make_room(pf_store *st)
{
    while (st->qlen == st->qcap && st->failed == PF_OK) {
        if (st->qcap < QUEUE_MAX) {
            size_t cap = st->qcap * 2;
            pf__store_item *q = malloc(cap * sizeof *q);
            if (!q)
                return 0;
            for (size_t i = 0; i < st->qlen; i++)
                q[i] = st->q[(st->qhead + i) % st->qcap];
            free(st->q);
            st->q = q;
            st->qcap = cap;
            st->qhead = 0;
            return 1;
        }
        pthread_cond_wait(&st->cv, &st->mu);
    }
    return st->failed == PF_OK;
}

pf_code pf_store_put(pf_store *st, int64_t id, pf_response *res, int last,
                     uint64_t *ticket, pf_error *err)
{
    pf_code code;
    pthread_mutex_lock(&st->mu);
    if (!st->thread_on) {
        code = pf__error(err, PF_EINVAL, PF_NO_OFFSET, "%s: opened read-only",
                         st->path);
    } else if (!make_room(st)) {
        code = st->failed != PF_OK
                   ? st->failed
                   : pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
        if (st->failed != PF_OK && err)
            *err = st->ferr;
    } else {
        pf__store_item *it = &st->q[(st->qhead + st->qlen) % st->qcap];
        it->id = id;
        it->res = *res;
        it->last = last;
        it->ticket = ++st->issued;
        st->qlen++;
        memset(res, 0, sizeof *res);
        if (ticket)
            *ticket = it->ticket;
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        return PF_OK;
    }
    pthread_mutex_unlock(&st->mu);
    pf_response_cleanup(res);
    return code;
}

uint64_t pf_store_committed(pf_store *st)
{
    pthread_mutex_lock(&st->mu);
    uint64_t c = st->committed;
    pthread_mutex_unlock(&st->mu);
    return c;
}

pf_code pf_store_wait(pf_store *st, uint64_t ticket, int timeout_ms,
                      pf_error *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&st->mu);
    uint64_t want = ticket ? ticket : st->issued;
    pf_code code = PF_OK;
    while (st->committed < want && st->failed == PF_OK) {
        if (timeout_ms == 0 ||
            (timeout_ms > 0 &&
             pthread_cond_timedwait(&st->cv, &st->mu, &until) == ETIMEDOUT)) {
            code = PF_EAGAIN;
            break;
        }
        if (timeout_ms < 0)
            pthread_cond_wait(&st->cv, &st->mu);
    }
    if (st->committed < want && st->failed != PF_OK) {
        code = st->failed;
        if (err)
            *err = st->ferr;
    }
    pthread_mutex_unlock(&st->mu);
    return code;
}
