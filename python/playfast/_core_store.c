/*
 * _core_store.c -- `_store_run`: a job against a store file from Python,
 * run by the library's own job runner (pf_store_run, src/store/), so that
 * Python and the CLI write the same file the same way.
 *
 * The job fetches with this process's client, or with an engine written
 * in Python (`engine=`: playfast.dask runs each batch of the job on a
 * cluster): the engine's start(requests) returns a batch whose
 * next(timeout) gives [(index, packed response)] as they arrive ([] on
 * timeout, None once all are given) and whose cancel() stops it. The
 * responses cross processes packed (pf_response_pack); `_fetch_packed`
 * is the other half, run where the requests are fetched.
 *
 * Threads: the call releases the GIL for the whole job. The engine's loop
 * thread fetches, its workers parse, the store's writer thread commits;
 * none of them touches Python. The calling thread only waits, and every
 * 100 ms takes the GIL back briefly to run signal handlers, so Ctrl-C
 * cancels the job (what was committed stays), and to call the progress
 * callback, whose exception cancels it too. When the call returns,
 * every result of the job is on disk: that is what "done" means here.
 */
#include <time.h>

#include "_core.h"
#include "playfast_store.h"

typedef struct job_ctx {
    pf_client *client;
    PyObject *engine;      /* a Python engine, or NULL: the client */
    PyThreadState *ts;     /* the released thread state */
    int interrupted;       /* a signal handler, the callback or the
                              engine raised; the exception stays set */
    double last;
    PyObject *progress;    /* progress(done, failed, total) or NULL */
    const pf_store_job *job;
} job_ctx;

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* With a Python engine the job's "client" is the context itself: the
 * engine functions below are the only ones that receive it. */
static pf_client *ctx_client(void *ud)
{
    job_ctx *c = ud;
    return c->engine ? (pf_client *)c : c->client;
}

static int ctx_tick(void *ud)
{
    job_ctx *c = ud;
    double t = mono();
    if (c->interrupted || t - c->last < 0.1)
        return c->interrupted;
    c->last = t;
    PyEval_RestoreThread(c->ts);
    if (PyErr_CheckSignals() < 0)
        c->interrupted = 1;   /* the exception stays set: raised on return */
    if (!c->interrupted && c->progress) {
        PyObject *r = PyObject_CallFunction(
            c->progress, "nnn", (Py_ssize_t)c->job->fetched,
            (Py_ssize_t)c->job->failed, (Py_ssize_t)c->job->todo);
        if (!r)
            c->interrupted = 1;
        Py_XDECREF(r);
    }
    c->ts = PyEval_SaveThread();
    return c->interrupted;
}

/* ---- a job's batches on a Python engine --------------------------------- */

/* What pf_store_run takes for a pf_batch when the engine is Python's. */
typedef struct remote {
    job_ctx *ctx;
    PyObject *batch;       /* engine.start(requests) */
    PyObject *ready;       /* [(index, bytes)] given by next() */
    Py_ssize_t taken;      /* of ready */
    pf_kind *kinds;        /* each request's, for a response that fails
                              to unpack */
    size_t n;
    int over;              /* every response given, or cancelled */
} remote;

static PyObject *request_tuple(const pf_request *r)
{
    return Py_BuildValue("(izzzzzziiiizzi)", (int)r->kind, r->app_id,
                         r->lang, r->country, r->category, r->collection,
                         r->query, r->num, (int)r->price, (int)r->sort,
                         r->score, r->token, r->developer_id, r->details);
}

/* The engine raised: the job stops, the exception is raised on return. */
static void engine_failed(job_ctx *c)
{
    c->interrupted = 1;
}

static pf_code remote_start(pf_client *client, const pf_request *reqs,
                            size_t n, const pf_batch_options *opt,
                            pf_batch **out, pf_error *err)
{
    job_ctx *c = (job_ctx *)client;
    remote *rb = calloc(1, sizeof *rb);
    pf_kind *kinds = calloc(n ? n : 1, sizeof *kinds);
    PyEval_RestoreThread(c->ts);
    PyObject *list = rb && kinds ? PyList_New((Py_ssize_t)n) : PyErr_NoMemory();
    for (size_t i = 0; list && i < n; i++) {
        PyObject *t = request_tuple(&reqs[i]);
        kinds[i] = reqs[i].kind;
        if (!t)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    PyObject *batch = list ? PyObject_CallMethod(c->engine, "start", "O", list)
                           : NULL;
    Py_XDECREF(list);
    if (!batch)
        engine_failed(c);
    c->ts = PyEval_SaveThread();
    if (!batch) {
        free(rb);
        free(kinds);
        memset(err, 0, sizeof *err);
        err->code = PF_ECANCELLED;
        err->offset = PF_NO_OFFSET;
        snprintf(err->message, sizeof err->message, "the engine failed");
        return PF_ECANCELLED;
    }
    rb->ctx = c;
    rb->batch = batch;
    rb->kinds = kinds;
    rb->n = n;
    *out = (pf_batch *)rb;
    return PF_OK;
}

/* Unpack one (index, bytes) of the engine's; a response that does not
 * unpack is that request's error (stored as failed, retried next run). */
static pf_code remote_take(remote *rb, PyObject *item, size_t *idx,
                           pf_response *res)
{
    Py_ssize_t i;
    const char *p;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(item, "ny#", &i, &p, &len))
        return PF_ECANCELLED;
    if (i < 0 || (size_t)i >= rb->n) {
        PyErr_Format(PyExc_IndexError,
                     "the engine gave a response for request %zd of %zu", i,
                     rb->n);
        return PF_ECANCELLED;
    }
    pf_error err;
    pf_code rc = pf_response_unpack(p, (size_t)len, res, &err);
    if (rc != PF_OK) {
        res->kind = rb->kinds[i];
        res->code = rc;
        res->error = err;
    }
    *idx = (size_t)i;
    return PF_OK;
}

static pf_code remote_next(pf_batch *b, int timeout_ms, size_t *idx,
                           pf_response *res)
{
    remote *rb = (remote *)b;
    job_ctx *c = rb->ctx;
    if (rb->over)
        return PF_EDONE;
    pf_code rc = PF_EAGAIN;
    PyEval_RestoreThread(c->ts);
    if (!rb->ready || rb->taken == PyList_GET_SIZE(rb->ready)) {
        Py_CLEAR(rb->ready);
        rb->taken = 0;
        PyObject *got = PyObject_CallMethod(rb->batch, "next", "d",
                                            timeout_ms / 1000.0);
        if (got == Py_None) {
            rb->over = 1;
            rc = PF_EDONE;
        } else if (got && PyList_Check(got)) {
            rb->ready = got;
            got = NULL;
        } else if (got) {
            PyErr_Format(PyExc_TypeError,
                         "engine batch next() must give a list or None, "
                         "not %.80s", Py_TYPE(got)->tp_name);
        }
        Py_XDECREF(got);
        if (rc != PF_EDONE && !rb->ready)
            rc = PF_ECANCELLED;
    }
    if (rb->ready && rb->taken < PyList_GET_SIZE(rb->ready))
        rc = remote_take(rb, PyList_GET_ITEM(rb->ready, rb->taken++), idx, res);
    if (rc == PF_ECANCELLED) {
        /* The engine raised: stop here; ctx_tick cancels the job. */
        engine_failed(c);
        rb->over = 1;
        rc = PF_EDONE;
    }
    c->ts = PyEval_SaveThread();
    return rc;
}

static void remote_cancel(pf_batch *b)
{
    remote *rb = (remote *)b;
    job_ctx *c = rb->ctx;
    rb->over = 1;
    PyEval_RestoreThread(c->ts);
    /* An exception already set (the reason for the cancel) waits aside. */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyObject *r = PyObject_CallMethod(rb->batch, "cancel", NULL);
    if (!r)
        PyErr_WriteUnraisable(rb->batch);
    Py_XDECREF(r);
    PyErr_Restore(et, ev, tb);
    c->ts = PyEval_SaveThread();
}

static void remote_free(pf_batch *b)
{
    remote *rb = (remote *)b;
    job_ctx *c = rb->ctx;
    PyEval_RestoreThread(c->ts);
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    Py_XDECREF(rb->batch);
    Py_XDECREF(rb->ready);
    PyErr_Restore(et, ev, tb);
    c->ts = PyEval_SaveThread();
    free(rb->kinds);
    free(rb);
}

/* One request from its tuple (kind, app_id, lang, country, category,
 * collection, query, num, price, sort, score, token[, developer_id[,
 * details]]); the strings point into the tuple's str objects, which the
 * caller's list keeps alive. */
static int request_from(PyObject *t, size_t i, pf_request *r)
{
    const char *s[8] = {NULL};
    int kind, num, price, sort, score, details = 0;
    PyObject *o[8];
    o[7] = Py_None;
    if (!PyTuple_Check(t) ||
        !PyArg_ParseTuple(t, "iOOOOOOiiiiO|Oi", &kind, &o[0], &o[1], &o[2],
                          &o[3], &o[4], &o[5], &num, &price, &sort, &score,
                          &o[6], &o[7], &details))
        return -1;
    static const char *const names[8] = {"app_id", "lang", "country",
                                         "category", "collection", "query",
                                         "token", "developer_id"};
    for (int k = 0; k < 8; k++)
        if (o[k] != Py_None && !(s[k] = pf_py_utf8(o[k], names[k], i)))
            return -1;
    if (kind < 0 || kind >= PF_KIND_COUNT_) {
        PyErr_Format(PyExc_ValueError, "request %zu: unknown kind %d", i, kind);
        return -1;
    }
    pf_request_init(r, (pf_kind)kind);
    r->app_id = s[0];
    r->lang = s[1];
    r->country = s[2];
    r->category = s[3];
    r->collection = s[4];
    r->query = s[5];
    r->token = s[6];
    r->developer_id = s[7];
    r->details = details;
    r->num = num;
    r->price = (pf_price)price;
    r->sort = (pf_sort)sort;
    r->score = score;
    return 0;
}

/* Raise the exception of rc, built from err as the batch functions do. */
static void raise_store_error(pf_state *st, const pf_error *err, pf_code rc)
{
    PyObject *exc = pf_py_error_new(st, err, rc, NULL);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

static PyObject *py_store_run(PyObject *mod, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", "requests", "refresh", "retry_failed",
                             "since", "progress", "engine", NULL};
    pf_state *st = pf_state_of_module(mod);
    PyObject *path_obj, *list, *since_obj = Py_None, *ids_out = NULL;
    PyObject *progress = Py_None, *engine = Py_None;
    int refresh = 0, retry_failed = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O!|ppOOO", kwlist,
                                     PyUnicode_FSConverter, &path_obj,
                                     &PyList_Type, &list, &refresh,
                                     &retry_failed, &since_obj, &progress,
                                     &engine))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(list);
    pf_request *reqs = PyMem_Calloc(n ? (size_t)n : 1, sizeof *reqs);
    int64_t *ids = PyMem_Calloc(n ? (size_t)n : 1, sizeof *ids);
    PyObject *client = NULL;
    pf_store *store = NULL;
    pf_error err;
    memset(&err, 0, sizeof err);
    if (!reqs || !ids) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (request_from(PyList_GET_ITEM(list, i), (size_t)i, &reqs[i]) < 0)
            goto out;
    pf_store_job job;
    memset(&job, 0, sizeof job);
    if (since_obj != Py_None) {
        long long since = PyLong_AsLongLong(since_obj);
        if (since == -1 && PyErr_Occurred())
            goto out;
        job.has_since = 1;
        job.since = since;
    }
    /* The file is checked before anything is sent, and before the client
     * (and its threads) exists. */
    pf_code rc = pf_store_open(PyBytes_AS_STRING(path_obj), 0, &store, &err);
    if (rc != PF_OK) {
        raise_store_error(st, &err, rc);
        goto out;
    }
    static const pf_store_engine local = {pf_batch_start, pf_batch_next,
                                          pf_batch_cancel, pf_batch_free};
    static const pf_store_engine python = {remote_start, remote_next,
                                           remote_cancel, remote_free};
    job_ctx ctx = {NULL, engine == Py_None ? NULL : engine, NULL, 0, 0,
                   progress == Py_None ? NULL : progress, &job};
    if (!ctx.engine) {
        if (!(client = pf_py_default_client(st)))
            goto out;
        ctx.client = ((Client *)client)->c;
    }
    job.flags = (refresh ? PF_STORE_REFRESH : 0) |
                (retry_failed ? 0 : PF_STORE_SKIP_FAILED);
    job.userdata = &ctx;
    job.client = ctx_client;
    job.on_tick = ctx_tick;
    ctx.ts = PyEval_SaveThread();
    rc = pf_store_run(store, ctx.engine ? &python : &local, reqs, (size_t)n,
                      &job, ids, &err);
    pf_error cerr;
    memset(&cerr, 0, sizeof cerr);
    pf_code crc = pf_store_close(store, &cerr);
    store = NULL;
    PyEval_RestoreThread(ctx.ts);
    if (ctx.interrupted)
        goto out;               /* the signal's, callback's or engine's */
    if (rc == PF_OK && crc != PF_OK) {
        rc = crc;
        err = cerr;
    }
    if (rc != PF_OK) {
        raise_store_error(st, &err, rc);
        goto out;
    }
    if (!(ids_out = PyList_New(n)))
        goto out;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = PyLong_FromLongLong(ids[i]);
        if (!v) {
            Py_CLEAR(ids_out);
            goto out;
        }
        PyList_SET_ITEM(ids_out, i, v);   /* steals v */
    }
out:
    if (store) {
        Py_BEGIN_ALLOW_THREADS
        pf_store_close(store, NULL);
        Py_END_ALLOW_THREADS
    }
    Py_XDECREF(client);
    PyMem_Free(reqs);
    PyMem_Free(ids);
    Py_DECREF(path_obj);
    return ids_out;
}

/* _fetch_packed(requests, progress=None) -> [bytes]: the requests (tuples
 * as _store_run takes them) as one batch on this process's client, each
 * response packed, in request order. The GIL is released while the batch
 * runs and while each response is packed; progress(done, total) is called
 * about every 100 ms and at the end, Ctrl-C cancels. */
static PyObject *py_fetch_packed(PyObject *mod, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"requests", "progress", NULL};
    pf_state *st = pf_state_of_module(mod);
    PyObject *list, *progress = Py_None, *out = NULL, *client = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!|O", kwlist, &PyList_Type,
                                     &list, &progress))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(list);
    pf_request *reqs = PyMem_Calloc(n ? (size_t)n : 1, sizeof *reqs);
    pf_batch *b = NULL;
    pf_error err;
    memset(&err, 0, sizeof err);
    if (!reqs) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (request_from(PyList_GET_ITEM(list, i), (size_t)i, &reqs[i]) < 0)
            goto out;
    if (!(out = PyList_New(n)) || !(client = pf_py_default_client(st)))
        goto fail;
    pf_code rc = pf_batch_start(((Client *)client)->c, reqs, (size_t)n, NULL,
                                &b, &err);
    if (rc != PF_OK) {
        raise_store_error(st, &err, rc);
        goto fail;
    }
    Py_ssize_t done = 0;
    double last = mono();
    for (;;) {
        size_t idx;
        pf_response res;
        char *p = NULL;
        size_t len = 0;
        pf_code prc = PF_OK;
        Py_BEGIN_ALLOW_THREADS
        memset(&res, 0, sizeof res);
        rc = pf_batch_next(b, 100, &idx, &res);
        if (rc == PF_OK) {
            prc = pf_response_pack(&res, &p, &len, &err);
            pf_response_cleanup(&res);
        }
        Py_END_ALLOW_THREADS
        if (rc == PF_EDONE)
            break;
        if (rc == PF_OK) {
            PyObject *v = prc == PF_OK ? PyBytes_FromStringAndSize(p, (Py_ssize_t)len)
                                       : PyErr_NoMemory();
            free(p);
            if (!v)
                goto fail;
            if ((Py_ssize_t)idx >= n || PyList_GET_ITEM(out, (Py_ssize_t)idx)) {
                Py_DECREF(v);   /* never from the engine: each index once */
                continue;
            }
            PyList_SET_ITEM(out, (Py_ssize_t)idx, v);
            done++;
        }
        double t = mono();
        if (PyErr_CheckSignals() < 0)
            goto fail;
        if (progress != Py_None && (t - last >= 0.1 || done == n)) {
            last = t;
            PyObject *r = PyObject_CallFunction(progress, "nn", done, n);
            if (!r)
                goto fail;
            Py_DECREF(r);
        }
    }
    if (done == n)
        goto out;
    PyErr_Format(PyExc_RuntimeError, "the batch ended with %zd of %zd responses",
                 done, n);
fail:
    Py_CLEAR(out);
out:
    if (b) {
        pf_batch_cancel(b);
        Py_BEGIN_ALLOW_THREADS
        pf_batch_free(b);
        Py_END_ALLOW_THREADS
    }
    Py_XDECREF(client);
    PyMem_Free(reqs);
    return out;
}

/* _store_check(path): the checks pf_store_open makes for a reader (an
 * SQLite file, a playfast store, not newer than this playfast; an older
 * one is migrated), raised as the store's error; nothing else is done. */
static PyObject *py_store_check(PyObject *mod, PyObject *arg)
{
    pf_state *st = pf_state_of_module(mod);
    PyObject *path_obj;
    if (!PyUnicode_FSConverter(arg, &path_obj))
        return NULL;
    pf_store *store = NULL;
    pf_error err;
    pf_code rc;
    memset(&err, 0, sizeof err);
    Py_BEGIN_ALLOW_THREADS
    rc = pf_store_open(PyBytes_AS_STRING(path_obj), PF_STORE_READONLY, &store,
                       &err);
    if (rc == PF_OK)
        rc = pf_store_close(store, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    if (rc != PF_OK) {
        raise_store_error(st, &err, rc);
        return NULL;
    }
    Py_RETURN_NONE;
}

PyMethodDef pf_py_store_methods[] = {
    {"_store_check", py_store_check, METH_O,
     "_store_check(path)\n\nCheck (and migrate, when older) the store file at "
     "path as the readers need it; raises the store's error."},
    {"_store_run", (PyCFunction)(void (*)(void))py_store_run,
     METH_VARARGS | METH_KEYWORDS,
     "_store_run(path, requests, refresh=False, retry_failed=True, since=None,"
     " progress=None, engine=None) -> [row id]\n\nRun a job against the "
     "store at path (see playfast.store); returns when every result is "
     "committed. progress(done, failed, total) is called about every 100 ms."
     " engine: fetch through it instead of this process's client (see "
     "_core_store.c)."},
    {"_fetch_packed", (PyCFunction)(void (*)(void))py_fetch_packed,
     METH_VARARGS | METH_KEYWORDS,
     "_fetch_packed(requests, progress=None) -> [bytes]\n\nThe requests "
     "(as _store_run takes them) as one batch here, each response packed "
     "(pf_response_pack), in request order: an engine's partition."},
    {NULL, NULL, 0, NULL},
};
