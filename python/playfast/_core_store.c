/*
 * _core_store.c -- `_store_run`: a job against a store file from Python,
 * run by the library's own job runner (pf_store_run, src/store/), so that
 * Python and the CLI write the same file the same way.
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
    PyThreadState *ts;     /* the released thread state */
    int interrupted;       /* a signal handler or the callback raised */
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

static pf_client *ctx_client(void *ud)
{
    return ((job_ctx *)ud)->client;
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

/* One request from its tuple (kind, app_id, lang, country, category,
 * collection, query, num, price, sort, score, token); the strings point
 * into the tuple's str objects, which the caller's list keeps alive. */
static int request_from(PyObject *t, size_t i, pf_request *r)
{
    const char *s[7] = {NULL};
    int kind, num, price, sort, score;
    PyObject *o[7];
    if (!PyTuple_Check(t) ||
        !PyArg_ParseTuple(t, "iOOOOOOiiiiO", &kind, &o[0], &o[1], &o[2],
                          &o[3], &o[4], &o[5], &num, &price, &sort, &score,
                          &o[6]))
        return -1;
    static const char *const names[7] = {"app_id", "lang", "country",
                                         "category", "collection", "query",
                                         "token"};
    for (int k = 0; k < 7; k++)
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
                             "since", "progress", NULL};
    pf_state *st = pf_state_of_module(mod);
    PyObject *path_obj, *list, *since_obj = Py_None, *ids_out = NULL;
    PyObject *progress = Py_None;
    int refresh = 0, retry_failed = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O!|ppOO", kwlist,
                                     PyUnicode_FSConverter, &path_obj,
                                     &PyList_Type, &list, &refresh,
                                     &retry_failed, &since_obj, &progress))
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
    if (!(client = pf_py_default_client(st)))
        goto out;
    static const pf_store_engine eng = {pf_batch_start, pf_batch_next,
                                        pf_batch_cancel, pf_batch_free};
    job_ctx ctx = {((Client *)client)->c, NULL, 0, 0,
                   progress == Py_None ? NULL : progress, &job};
    job.flags = (refresh ? PF_STORE_REFRESH : 0) |
                (retry_failed ? 0 : PF_STORE_SKIP_FAILED);
    job.userdata = &ctx;
    job.client = ctx_client;
    job.on_tick = ctx_tick;
    ctx.ts = PyEval_SaveThread();
    rc = pf_store_run(store, &eng, reqs, (size_t)n, &job, ids, &err);
    pf_error cerr;
    memset(&cerr, 0, sizeof cerr);
    pf_code crc = pf_store_close(store, &cerr);
    store = NULL;
    PyEval_RestoreThread(ctx.ts);
    if (ctx.interrupted)
        goto out;                       /* the signal's exception */
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

PyMethodDef pf_py_store_methods[] = {
    {"_store_run", (PyCFunction)(void (*)(void))py_store_run,
     METH_VARARGS | METH_KEYWORDS,
     "_store_run(path, requests, refresh=False, retry_failed=True, since=None,"
     " progress=None) -> [row id]\n\nRun a job against the store at path "
     "(see playfast.store); returns when every result is committed. "
     "progress(done, failed, total) is called about every 100 ms."},
    {NULL, NULL, 0, NULL},
};
