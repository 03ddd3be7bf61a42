/*
 * _core_batch.c -- the network side of playfast._core: request conversion,
 * the batch runner, the streaming iterator and the single-request functions.
 *
 * Threading. The engine works on its own threads, and hands each response
 * over on the worker that parsed it, where a list is also packed into
 * SearchResult records (see "Arrivals"). The calling thread only waits for
 * results. It waits with the GIL released, in slices of SLICE_MS, and
 * between slices takes the GIL back to turn completed results into Python
 * objects, call the progress callback and run PyErr_CheckSignals(), so
 * Ctrl-C interrupts a long batch within about one slice. On any error the
 * batch is cancelled and freed before the exception propagates.
 *
 * Every running batch holds its own reference to the client object it
 * started on (see _core_client.c), so configure() may replace the default
 * client at any time.
 */
#include "_core.h"
#include "options.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLICE_MS 100

/* ------------------------------------------------------------------------ */
/* Requests: Python tuples -> pf_request                                    */
/* ------------------------------------------------------------------------ */

typedef struct {
    pf_kind kind;
    PyObject *items;      /* tuple of the caller's request objects */
    pf_request *reqs;
    size_t n;
} reqset;

static const char *const kind_shape[PF_KIND_COUNT_] = {
    "(app_id, lang, country)",
    "(category, collection, lang, country[, num])",
    "(query, lang, country[, num[, price]])",
    "(app_id, lang, country[, sort[, continuation_token[, count[, score]]]])",
    "(developer_id, lang, country[, num])",
    "(app_id, lang, country[, num])",
    "(query, lang, country)",
    "(app_id, lang, country)",
    "(app_id, lang, country)",
    "(lang, country)",
};

/* The name of each position of a request tuple, for messages. */
static const char *const field_names[PF_KIND_COUNT_][7] = {
    {"app_id", "lang", "country"},
    {"category", "collection", "lang", "country", "num"},
    {"query", "lang", "country", "num", "price"},
    {"app_id", "lang", "country", "sort", "continuation_token", "count", "score"},
    {"developer_id", "lang", "country", "num"},
    {"app_id", "lang", "country", "num"},
    {"query", "lang", "country"},
    {"app_id", "lang", "country"},
    {"app_id", "lang", "country"},
    {"lang", "country"},
};

/* str -> its UTF-8 (owned by the str, which the request tuple keeps
 * alive), None -> NULL. A NUL inside is a ValueError naming the field
 * (C would cut the string there and fetch something else). */
static int opt_str(PyObject *o, const char **out, int required,
                   const char *name, size_t index)
{
    if (o == Py_None && !required) {
        *out = NULL;
        return 0;
    }
    if (!PyUnicode_Check(o)) return -1;
    return (*out = pf_py_utf8(o, name, index)) == NULL ? -2 : 0;
}

/* The library's size limits for one converted request, raised as
 * InvalidArgumentError naming the field, the limit and the request. */
static int request_check(pf_state *st, const pf_request *r, size_t i,
                         PyObject *item)
{
    pf_error err;
    if (pf__request_check(r, &err) == PF_OK) return 0;
    if (strncmp(err.message, "token:", 6) == 0) {   /* its Python name */
        char rest[sizeof err.message];
        snprintf(rest, sizeof rest, "%s", err.message + 5);
        snprintf(err.message, sizeof err.message, "continuation_token%.200s", rest);
    }
    size_t len = strlen(err.message);
    snprintf(err.message + len, sizeof err.message - len, " (request %zu)", i);
    PyObject *exc = pf_py_error_new(st, &err, PF_EINVAL, item);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return -1;
}

static int opt_int(PyObject *o, int *out)
{
    long l;
    if (o == Py_None) return 0;
    if (!PyLong_Check(o)) return -1;
    l = PyLong_AsLong(o);
    if (l == -1 && PyErr_Occurred()) return -2;
    if (l < -1 || l > 1000000000L) return -1;
    *out = (int)l;
    return 0;
}

/* Fill one pf_request from one Python request. Returns 0, -1 for a shape
 * error (the caller raises), -2 with an exception already set. */
static int request_from(pf_kind kind, PyObject *item, size_t index,
                        pf_request *r)
{
    PyObject *f[7] = {NULL};
    static const Py_ssize_t max_fields[PF_KIND_COUNT_] = {3, 5, 5, 7, 4, 4,
                                                          3, 3, 3, 2};
    Py_ssize_t n, max = max_fields[kind];
    int rc = 0;

    pf_request_init(r, kind);
    if (PyUnicode_Check(item) && kind != PF_KIND_LIST) {
        f[0] = item;
        n = 1;
    } else if (PyTuple_Check(item) || PyList_Check(item)) {
        n = PySequence_Fast_GET_SIZE(item);
        if (n < 1 || n > max || (kind == PF_KIND_LIST && n < 2)) return -1;
        for (Py_ssize_t i = 0; i < n; i++) f[i] = PySequence_Fast_GET_ITEM(item, i);
    } else {
        return -1;
    }
#define STR(i, dst, req) \
    if (n > i && (rc = opt_str(f[i], &r->dst, req, field_names[kind][i], index)) < 0) \
        return rc;
#define INT(i, dst) if (n > i && (rc = opt_int(f[i], &r->dst)) < 0) return rc;
    switch (kind) {
    case PF_KIND_APP:
        STR(0, app_id, 1) STR(1, lang, 0) STR(2, country, 0)
        break;
    case PF_KIND_LIST:
        STR(0, category, 0) STR(1, collection, 0) STR(2, lang, 0)
        STR(3, country, 0) INT(4, num)
        break;
    case PF_KIND_SEARCH: {
        int price = 0;
        STR(0, query, 1) STR(1, lang, 0) STR(2, country, 0) INT(3, num)
        if (n > 4 && (rc = opt_int(f[4], &price)) < 0) return rc;
        r->price = (pf_price)price;
        break;
    }
    case PF_KIND_REVIEWS: {
        int sort = 0;
        STR(0, app_id, 1) STR(1, lang, 0) STR(2, country, 0)
        if (n > 3 && (rc = opt_int(f[3], &sort)) < 0) return rc;
        r->sort = (pf_sort)sort;
        STR(4, token, 0) INT(5, num) INT(6, score)
        break;
    }
    case PF_KIND_DEVELOPER:
        STR(0, developer_id, 1) STR(1, lang, 0) STR(2, country, 0) INT(3, num)
        break;
    case PF_KIND_SIMILAR:
        STR(0, app_id, 1) STR(1, lang, 0) STR(2, country, 0) INT(3, num)
        break;
    case PF_KIND_SUGGEST:
        STR(0, query, 1) STR(1, lang, 0) STR(2, country, 0)
        break;
    case PF_KIND_PERMISSIONS:
    case PF_KIND_DATASAFETY:
        STR(0, app_id, 1) STR(1, lang, 0) STR(2, country, 0)
        break;
    case PF_KIND_CATEGORIES:
        /* A lone string is the language. */
        STR(0, lang, 0) STR(1, country, 0)
        break;
    default:
        return -1;
    }
#undef STR
#undef INT
    return 0;
}

static void reqset_cleanup(reqset *rs)
{
    PyMem_Free(rs->reqs);
    rs->reqs = NULL;
    Py_CLEAR(rs->items);
}

static int reqset_init(pf_state *st, reqset *rs, pf_kind kind,
                       PyObject *requests)
{
    memset(rs, 0, sizeof *rs);
    rs->kind = kind;
    if (PyUnicode_Check(requests) || PyBytes_Check(requests)) {
        PyErr_SetString(PyExc_TypeError, "requests must be a sequence of tuples, not a string");
        return -1;
    }
    if ((rs->items = PySequence_Tuple(requests)) == NULL) return -1;
    rs->n = (size_t)PyTuple_GET_SIZE(rs->items);
    if ((rs->reqs = PyMem_Calloc(rs->n ? rs->n : 1, sizeof(pf_request))) == NULL) {
        reqset_cleanup(rs);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < rs->n; i++) {
        PyObject *item = PyTuple_GET_ITEM(rs->items, (Py_ssize_t)i);
        int rc = request_from(kind, item, i, &rs->reqs[i]);
        if (rc == -1 && !PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "request %zu must be %s, got %R", i,
                         kind_shape[kind], item);
        if (rc == 0) rc = request_check(st, &rs->reqs[i], i, item);
        if (rc < 0) {
            reqset_cleanup(rs);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Arrivals: responses handed over on the engine's worker threads           */
/* ------------------------------------------------------------------------ */

/* The engine hands each response to on_arrival() on the worker thread that
 * parsed it (pf_batch_options.on_result). A list is packed into SearchResult
 * records right there, so compressing a page's descriptions runs on the
 * workers alongside the transfers and parses still going, not afterwards
 * on the Python thread. The Python thread takes arrivals from the inbox,
 * the one queue every response reaches (those cancelled before they
 * started arrive from the thread that cancelled). */
typedef struct {
    size_t idx;
    pf_response res;
    pf_py_packed *packed;   /* res's list, packed (res.list is then NULL) */
} arrival;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* on CLOCK_MONOTONIC */
    size_t n, head, tail;   /* q[head..tail) waits to be taken */
    size_t taken;           /* n: done */
    int woken;
    arrival q[];            /* n: each index arrives once */
} inbox;

static void arrival_free(arrival *a)
{
    pf_response_cleanup(&a->res);
    pf_py_packed_free(a->packed);
    a->packed = NULL;
}

static inbox *inbox_new(size_t n)
{
    inbox *ib = calloc(1, sizeof *ib + n * sizeof(arrival));
    pthread_condattr_t ca;
    if (ib == NULL) return NULL;
    ib->n = n;
    pthread_mutex_init(&ib->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ib->cv, &ca);
    pthread_condattr_destroy(&ca);
    return ib;
}

/* Once no callback can run any more (after pf_batch_free). */
static void inbox_free(inbox *ib)
{
    if (ib == NULL) return;
    for (size_t i = ib->head; i < ib->tail; i++) arrival_free(&ib->q[i]);
    pthread_cond_destroy(&ib->cv);
    pthread_mutex_destroy(&ib->mu);
    free(ib);
}

/* Make a waiting run_next() look again (after a cancel). */
static void inbox_wake(inbox *ib)
{
    pthread_mutex_lock(&ib->mu);
    ib->woken = 1;
    pthread_cond_broadcast(&ib->cv);
    pthread_mutex_unlock(&ib->mu);
}

/* pf_result_cb, on a worker thread: takes *res. */
static void on_arrival(void *userdata, size_t idx, pf_response *res)
{
    inbox *ib = userdata;
    arrival a = {idx, *res, NULL};

    memset(res, 0, sizeof *res);
    /* Out of memory, the list stays unpacked: the Python side packs it. */
    if (a.res.code == PF_OK && a.res.list != NULL &&
        (a.packed = pf_py_pack(a.res.list)) != NULL)
        a.res.list = NULL;
    pthread_mutex_lock(&ib->mu);
    if (ib->tail < ib->n) {
        ib->q[ib->tail++] = a;
        memset(&a, 0, sizeof a);
    }
    pthread_cond_signal(&ib->cv);
    pthread_mutex_unlock(&ib->mu);
    arrival_free(&a);   /* only if it did not fit: never for a sane engine */
}

/* ------------------------------------------------------------------------ */
/* Running a batch                                                          */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyObject *client;       /* keeps the engine alive while b exists */
    pf_batch *b;
    inbox *ib;
} run;

static int run_begin(pf_state *st, const reqset *rs, run *r)
{
    pf_batch_options opt;
    pf_error err;
    pf_code rc;

    memset(r, 0, sizeof *r);
    memset(&err, 0, sizeof err);
    memset(&opt, 0, sizeof opt);
    if ((r->ib = inbox_new(rs->n)) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if ((r->client = pf_py_default_client(st)) == NULL) goto error;
    opt.on_result = on_arrival;
    opt.userdata = r->ib;
    rc = pf_batch_start(((Client *)r->client)->c, rs->reqs, rs->n, &opt, &r->b, &err);
    if (rc != PF_OK) {
        PyObject *exc = pf_py_error_new(st, &err, rc, NULL);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        goto error;
    }
    return 0;
error:
    Py_CLEAR(r->client);
    inbox_free(r->ib);
    r->ib = NULL;
    return -1;
}

/* Cancel what is outstanding (when asked) and free; the wait for in-flight
 * transfers to unwind happens without the GIL. An exception being
 * propagated is per thread state and survives the release. */
static void run_end(run *r, int cancel)
{
    pf_batch *b = r->b;
    inbox *ib = r->ib;
    r->b = NULL;
    r->ib = NULL;
    if (b != NULL) {
        if (cancel) pf_batch_cancel(b);
        Py_BEGIN_ALLOW_THREADS
        pf_batch_free(b);
        Py_END_ALLOW_THREADS
    }
    inbox_free(ib);
    Py_CLEAR(r->client);
}

/* Wait up to timeout_ms for the next response; call without the GIL.
 * PF_OK with *out filled (the caller frees it with arrival_free), PF_EAGAIN
 * on timeout, PF_EDONE once every response has been taken. */
static pf_code run_next(run *r, int timeout_ms, arrival *out)
{
    inbox *ib = r->ib;
    struct timespec ts;
    uint64_t ns;
    pf_code rc = PF_EAGAIN;

    memset(out, 0, sizeof *out);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ns = (uint64_t)ts.tv_nsec + (uint64_t)timeout_ms * 1000000u;
    ts.tv_sec += (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    pthread_mutex_lock(&ib->mu);
    while (ib->head == ib->tail && ib->taken < ib->n && !ib->woken &&
           pthread_cond_timedwait(&ib->cv, &ib->mu, &ts) == 0)
        ;
    ib->woken = 0;
    if (ib->head < ib->tail) {
        *out = ib->q[ib->head];
        memset(&ib->q[ib->head], 0, sizeof ib->q[ib->head]);
        ib->head++;
        ib->taken++;
        rc = PF_OK;
    } else if (ib->taken == ib->n) {
        rc = PF_EDONE;
    }
    pthread_mutex_unlock(&ib->mu);
    return rc;
}

/* Turn one response into a result object, or into an exception instance
 * when the request failed. The result moves out of a; the caller frees
 * what is left with arrival_free(). NULL only when Python itself failed. */
static PyObject *arrival_to_object(pf_state *st, pf_kind kind, arrival *a,
                                   PyObject *request)
{
    pf_response *res = &a->res;
    PyObject *obj;
    void *ptr;

    if (a->packed != NULL) {
        obj = pf_py_items_from_packed(st, a->packed);
        a->packed = NULL;
        return obj;
    }
    if (res->code != PF_OK)
        return pf_py_error_new(st, &res->error, res->code, request);
    if (kind >= PF_KIND_SUGGEST) return pf_py_kind_object(res);
    if (kind == PF_KIND_DEVELOPER || kind == PF_KIND_SIMILAR) {
        /* Unpacked only when packing ran out of memory. */
        ptr = res->list;
        res->list = NULL;
        return ptr ? pf_py_items_new(st, ptr) : PyList_New(0);
    }
    switch (kind) {
    case PF_KIND_APP: ptr = res->app; res->app = NULL; break;
    case PF_KIND_REVIEWS: ptr = res->reviews; res->reviews = NULL; break;
    default: ptr = res->list; res->list = NULL; break;
    }
    if (ptr == NULL) {
        pf_error err;
        memset(&err, 0, sizeof err);
        err.offset = PF_NO_OFFSET;
        snprintf(err.message, sizeof err.message, "the engine returned no result");
        return pf_py_error_new(st, &err, PF_EMALFORMED, request);
    }
    /* Takes ownership of ptr, even when it fails. */
    return pf_py_result_new(st, kind, ptr);
}

static int call_progress(PyObject *progress, size_t done, size_t total)
{
    PyObject *r;
    if (progress == NULL || progress == Py_None) return 0;
    r = PyObject_CallFunction(progress, "nn", (Py_ssize_t)done, (Py_ssize_t)total);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}

/* Run every request of rs; slots[i] receives the result or the exception
 * instance of request i. Returns -1 with an exception set (KeyboardInterrupt,
 * an exception from progress, MemoryError) after cancelling the batch. */
static int collect(pf_state *st, const reqset *rs, PyObject *progress,
                   PyObject **slots)
{
    run r;
    size_t done = 0;

    if (run_begin(st, rs, &r) < 0) return -1;
    for (;;) {
        arrival a;
        pf_code rc;

        Py_BEGIN_ALLOW_THREADS
        rc = run_next(&r, SLICE_MS, &a);
        Py_END_ALLOW_THREADS
        if (rc == PF_EDONE) break;
        if (rc == PF_OK) {
            PyObject *obj = NULL;
            if (a.idx < rs->n && slots[a.idx] == NULL) {
                obj = arrival_to_object(st, rs->kind, &a,
                                        PyTuple_GET_ITEM(rs->items, (Py_ssize_t)a.idx));
                slots[a.idx] = obj;
            }
            arrival_free(&a);
            if (a.idx < rs->n && obj == NULL) goto error;
            if (call_progress(progress, ++done, rs->n) < 0) goto error;
        }
        if (PyErr_CheckSignals() < 0) goto error;
    }
    run_end(&r, 0);
    /* Defensive: a request the engine never answered is reported, not
     * returned as a NULL slot. */
    for (size_t i = 0; i < rs->n; i++) {
        if (slots[i] == NULL) {
            pf_error err;
            memset(&err, 0, sizeof err);
            err.offset = PF_NO_OFFSET;
            snprintf(err.message, sizeof err.message, "no response for this request");
            slots[i] = pf_py_error_new(st, &err, PF_ECANCELLED,
                                       PyTuple_GET_ITEM(rs->items, (Py_ssize_t)i));
            if (slots[i] == NULL) return -1;
        }
    }
    return 0;
error:
    run_end(&r, 1);
    return -1;
}

static void slots_free(PyObject **slots, size_t n)
{
    for (size_t i = 0; i < n; i++) Py_XDECREF(slots[i]);
    PyMem_Free(slots);
}

static PyObject *batch_error(pf_state *st, PyObject *results, PyObject *errors,
                             size_t n, PyObject *first)
{
    PyObject *exc, *msg;
    msg = PyUnicode_FromFormat("%zd of %zu requests failed; first: %S",
                               PyDict_GET_SIZE(errors), n, first);
    if (msg == NULL) return NULL;
    exc = PyObject_CallOneArg(st->BatchError, msg);
    Py_DECREF(msg);
    if (exc == NULL) return NULL;
    if (PyObject_SetAttrString(exc, "results", results) < 0 ||
        PyObject_SetAttrString(exc, "errors", errors) < 0 ||
        PyObject_SetAttrString(exc, "request", Py_None) < 0 ||
        PyObject_SetAttrString(exc, "status", Py_None) < 0) {
        Py_DECREF(exc);
        return NULL;
    }
    PyErr_SetObject(st->BatchError, exc);
    Py_DECREF(exc);
    return NULL;
}

static PyObject *run_batch(pf_state *st, pf_kind kind, PyObject *requests,
                           int return_exceptions, PyObject *progress)
{
    reqset rs;
    PyObject **slots, *results = NULL, *errors = NULL, *first = NULL;

    if (reqset_init(st, &rs, kind, requests) < 0) return NULL;
    if ((slots = PyMem_Calloc(rs.n ? rs.n : 1, sizeof(PyObject *))) == NULL) {
        reqset_cleanup(&rs);
        return PyErr_NoMemory();
    }
    if (rs.n > 0 && collect(st, &rs, progress, slots) < 0) goto error;
    if ((results = PyList_New((Py_ssize_t)rs.n)) == NULL) goto error;
    if ((errors = PyDict_New()) == NULL) goto error;
    for (size_t i = 0; i < rs.n; i++) {
        PyObject *o = slots[i];
        slots[i] = NULL;
        if (!return_exceptions && PyExceptionInstance_Check(o)) {
            PyObject *key = PyLong_FromSize_t(i);
            int rc = key ? PyDict_SetItem(errors, key, o) : -1;
            Py_XDECREF(key);
            if (first == NULL) first = Py_NewRef(o);
            Py_DECREF(o);
            if (rc < 0) goto error;
            o = Py_NewRef(Py_None);
        }
        PyList_SET_ITEM(results, (Py_ssize_t)i, o);   /* steals o */
    }
    if (PyDict_GET_SIZE(errors) > 0) {
        batch_error(st, results, errors, rs.n, first);
        goto error;
    }
    Py_DECREF(errors);
    slots_free(slots, rs.n);
    reqset_cleanup(&rs);
    return results;
error:
    Py_XDECREF(first);
    Py_XDECREF(errors);
    Py_XDECREF(results);
    slots_free(slots, rs.n);
    reqset_cleanup(&rs);
    return NULL;
}

/* One request: the result, or its exception raised directly. */
static PyObject *run_one(pf_state *st, pf_kind kind, PyObject *request)
{
    PyObject *requests = PyTuple_Pack(1, request), *list, *o;
    if (requests == NULL) return NULL;
    list = run_batch(st, kind, requests, 1, NULL);
    Py_DECREF(requests);
    if (list == NULL) return NULL;
    o = Py_NewRef(PyList_GET_ITEM(list, 0));
    Py_DECREF(list);
    if (PyExceptionInstance_Check(o)) {
        PyErr_SetObject((PyObject *)Py_TYPE(o), o);
        Py_DECREF(o);
        return NULL;
    }
    return o;
}

/* ------------------------------------------------------------------------ */
/* Streaming: iter_*_batch()                                                */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    run r;                 /* r.b is NULL once finished */
    pf_kind kind;
    PyObject *items;       /* the caller's requests, for exception.request */
    PyObject *progress;
    size_t n, done;
    int busy;              /* a thread is inside __next__ */
} BatchIter;

static void iter_finish(BatchIter *it, int cancel)
{
    run_end(&it->r, cancel);
}

static PyObject *BatchIter_next(PyObject *self)
{
    BatchIter *it = (BatchIter *)self;
    pf_state *st = pf_state_of_type(Py_TYPE(self));

    if (it->r.b == NULL) return NULL;
    if (it->busy) {
        PyErr_SetString(PyExc_ValueError, "batch iterator already executing");
        return NULL;
    }
    it->busy = 1;
    for (;;) {
        arrival a;
        pf_code rc;

        Py_BEGIN_ALLOW_THREADS
        rc = run_next(&it->r, SLICE_MS, &a);
        Py_END_ALLOW_THREADS
        if (rc == PF_EDONE) {
            it->busy = 0;
            iter_finish(it, 0);
            return NULL;
        }
        if (rc == PF_OK) {
            PyObject *obj = NULL, *pair = NULL;
            if (a.idx < it->n)
                obj = arrival_to_object(st, it->kind, &a,
                                        PyTuple_GET_ITEM(it->items, (Py_ssize_t)a.idx));
            arrival_free(&a);
            if (obj == NULL) {
                if (!PyErr_Occurred()) continue;   /* index out of range */
                goto error;
            }
            pair = Py_BuildValue("(nN)", (Py_ssize_t)a.idx, obj);   /* steals obj */
            if (pair == NULL) goto error;
            it->busy = 0;
            if (call_progress(it->progress, ++it->done, it->n) < 0) {
                Py_DECREF(pair);
                iter_finish(it, 1);
                return NULL;
            }
            return pair;
        }
        if (PyErr_CheckSignals() < 0) goto error;
    }
error:
    it->busy = 0;
    iter_finish(it, 1);
    return NULL;
}

static PyObject *BatchIter_close(PyObject *self, PyObject *unused)
{
    BatchIter *it = (BatchIter *)self;
    /* A thread inside __next__ owns the batch; cancelling makes it finish
     * quickly and free the batch itself. */
    if (it->busy) {
        if (it->r.b) {
            pf_batch_cancel(it->r.b);
            inbox_wake(it->r.ib);
        }
    } else {
        iter_finish(it, 1);
    }
    Py_RETURN_NONE;
}

static PyObject *BatchIter_cancel(PyObject *self, PyObject *unused)
{
    BatchIter *it = (BatchIter *)self;
    if (it->r.b) {
        pf_batch_cancel(it->r.b);
        inbox_wake(it->r.ib);
    }
    Py_RETURN_NONE;
}

static PyObject *BatchIter_enter(PyObject *self, PyObject *unused)
{
    return Py_NewRef(self);
}

static PyObject *BatchIter_exit(PyObject *self, PyObject *args)
{
    PyObject *r = BatchIter_close(self, NULL);
    Py_XDECREF(r);
    if (r == NULL) return NULL;
    Py_RETURN_FALSE;
}

static Py_ssize_t BatchIter_len(PyObject *self)
{
    return (Py_ssize_t)((BatchIter *)self)->n;
}

static PyObject *BatchIter_get_done(PyObject *self, void *unused)
{
    return PyLong_FromSize_t(((BatchIter *)self)->done);
}

static int BatchIter_traverse(PyObject *self, visitproc visit, void *arg)
{
    BatchIter *it = (BatchIter *)self;
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(it->items);
    Py_VISIT(it->progress);
    return 0;
}

static int BatchIter_clear(PyObject *self)
{
    BatchIter *it = (BatchIter *)self;
    Py_CLEAR(it->items);
    Py_CLEAR(it->progress);
    return 0;
}

static void BatchIter_dealloc(PyObject *self)
{
    BatchIter *it = (BatchIter *)self;
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    iter_finish(it, 1);
    BatchIter_clear(self);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

static PyMethodDef BatchIter_methods[] = {
    {"close", BatchIter_close, METH_NOARGS,
     "Cancel what is outstanding and release the batch; iteration ends."},
    {"cancel", BatchIter_cancel, METH_NOARGS,
     "Cancel what is outstanding; the remaining requests are yielded with "
     "CancelledError."},
    {"__enter__", BatchIter_enter, METH_NOARGS, NULL},
    {"__exit__", BatchIter_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef BatchIter_getset[] = {
    {"done", BatchIter_get_done, NULL, "Results yielded so far.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot BatchIter_slots[] = {
    {Py_tp_dealloc, BatchIter_dealloc},
    {Py_tp_traverse, BatchIter_traverse},
    {Py_tp_clear, BatchIter_clear},
    {Py_tp_iter, PyObject_SelfIter},
    {Py_tp_iternext, BatchIter_next},
    {Py_tp_methods, BatchIter_methods},
    {Py_tp_getset, BatchIter_getset},
    {Py_sq_length, BatchIter_len},
    {Py_tp_doc, "Yields (index, result or exception) as requests complete."},
    {0, NULL},
};

static PyType_Spec BatchIter_spec = {
    .name = "playfast._core.BatchIterator",
    .basicsize = sizeof(BatchIter),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = BatchIter_slots,
};

static PyObject *start_iter(pf_state *st, pf_kind kind, PyObject *requests,
                            PyObject *progress)
{
    reqset rs;
    BatchIter *it;

    if (reqset_init(st, &rs, kind, requests) < 0) return NULL;
    if ((it = PyObject_GC_New(BatchIter, st->BatchIter_Type)) == NULL) {
        reqset_cleanup(&rs);
        return NULL;
    }
    memset(&it->r, 0, sizeof it->r);
    it->kind = kind;
    it->items = Py_NewRef(rs.items);
    it->progress = progress && progress != Py_None ? Py_NewRef(progress) : NULL;
    it->n = rs.n;
    it->done = 0;
    it->busy = 0;
    PyObject_GC_Track(it);
    if (run_begin(st, &rs, &it->r) < 0) {
        reqset_cleanup(&rs);
        Py_DECREF(it);
        return NULL;
    }
    /* pf_batch_start() copied the requests; only the tuple is kept. */
    reqset_cleanup(&rs);
    return (PyObject *)it;
}

/* ------------------------------------------------------------------------ */
/* Module functions                                                         */
/* ------------------------------------------------------------------------ */

static PyObject *batch_entry(PyObject *mod, PyObject *args, PyObject *kwds,
                             pf_kind kind, const char *fname)
{
    static char *kwlist[] = {"requests", "return_exceptions", "progress", NULL};
    PyObject *requests, *progress = Py_None;
    int return_exceptions = 0;
    char fmt[64];

    snprintf(fmt, sizeof fmt, "O|$pO:%s", fname);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, &requests,
                                     &return_exceptions, &progress))
        return NULL;
    if (progress != Py_None && !PyCallable_Check(progress)) {
        PyErr_SetString(PyExc_TypeError, "progress must be callable(done, total)");
        return NULL;
    }
    return run_batch(pf_state_of_module(mod), kind, requests, return_exceptions,
                     progress);
}

static PyObject *iter_entry(PyObject *mod, PyObject *args, PyObject *kwds,
                            pf_kind kind, const char *fname)
{
    static char *kwlist[] = {"requests", "progress", NULL};
    PyObject *requests, *progress = Py_None;
    char fmt[64];

    snprintf(fmt, sizeof fmt, "O|$O:%s", fname);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, &requests, &progress))
        return NULL;
    if (progress != Py_None && !PyCallable_Check(progress)) {
        PyErr_SetString(PyExc_TypeError, "progress must be callable(done, total)");
        return NULL;
    }
    return start_iter(pf_state_of_module(mod), kind, requests, progress);
}

#define ENTRY(kind, name)                                                    \
    static PyObject *py_fetch_##name##_batch(PyObject *m, PyObject *a, PyObject *k) \
    {                                                                        \
        return batch_entry(m, a, k, kind, "fetch_and_parse_" #name "_batch"); \
    }                                                                        \
    static PyObject *py_iter_##name##_batch(PyObject *m, PyObject *a, PyObject *k) \
    {                                                                        \
        return iter_entry(m, a, k, kind, "iter_" #name "_batch");            \
    }
ENTRY(PF_KIND_APP, apps)
ENTRY(PF_KIND_LIST, list)
ENTRY(PF_KIND_SEARCH, search)
ENTRY(PF_KIND_REVIEWS, reviews)
ENTRY(PF_KIND_DEVELOPER, developer)
ENTRY(PF_KIND_SIMILAR, similar)
ENTRY(PF_KIND_SUGGEST, suggest)
ENTRY(PF_KIND_PERMISSIONS, permissions)
ENTRY(PF_KIND_DATASAFETY, datasafety)
ENTRY(PF_KIND_CATEGORIES, categories)
#undef ENTRY

/* The single-request functions build the same tuple a batch takes, so there
 * is one conversion path. `_timeout` is accepted for compatibility with the
 * original signatures; the per-attempt timeout is set with configure(). */
static PyObject *one(PyObject *mod, pf_kind kind, PyObject *request)
{
    PyObject *r;
    if (request == NULL) return NULL;
    r = run_one(pf_state_of_module(mod), kind, request);
    Py_DECREF(request);
    return r;
}

static PyObject *py_fetch_app(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"app_id", "lang", "country", "_timeout", NULL};
    PyObject *app_id, *lang = Py_None, *country = Py_None, *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOO:fetch_and_parse_app", kwlist,
                                     &app_id, &lang, &country, &timeout))
        return NULL;
    return one(mod, PF_KIND_APP, PyTuple_Pack(3, app_id, lang, country));
}

static PyObject *py_fetch_list(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"category", "collection", "lang", "country", "num",
                             "_timeout", NULL};
    PyObject *category, *collection = Py_None, *lang = Py_None, *country = Py_None;
    PyObject *num = NULL, *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOOOO:fetch_and_parse_list",
                                     kwlist, &category, &collection, &lang,
                                     &country, &num, &timeout))
        return NULL;
    if (num == NULL) return one(mod, PF_KIND_LIST, Py_BuildValue("(OOOOi)", category, collection, lang, country, 100));
    return one(mod, PF_KIND_LIST, PyTuple_Pack(5, category, collection, lang, country, num));
}

static PyObject *py_fetch_search(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"query", "lang", "country", "_timeout", "num",
                             "price", NULL};
    PyObject *query, *lang = Py_None, *country = Py_None, *timeout = Py_None;
    PyObject *num = Py_None, *price = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOO$OO:fetch_and_parse_search",
                                     kwlist, &query, &lang, &country, &timeout,
                                     &num, &price))
        return NULL;
    return one(mod, PF_KIND_SEARCH, PyTuple_Pack(5, query, lang, country, num, price));
}

static PyObject *py_fetch_reviews(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"app_id", "lang", "country", "sort",
                             "continuation_token", "_timeout", "count", "score",
                             NULL};
    PyObject *app_id, *lang = Py_None, *country = Py_None, *sort = NULL;
    PyObject *token = Py_None, *timeout = Py_None, *count = Py_None;
    PyObject *score = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOOOO$OO:fetch_and_parse_reviews",
                                     kwlist, &app_id, &lang, &country, &sort,
                                     &token, &timeout, &count, &score))
        return NULL;
    if (sort == NULL)   /* the original's default: Google's "most relevant" */
        return one(mod, PF_KIND_REVIEWS, Py_BuildValue("(OOOiOOO)", app_id, lang,
                                                       country, (int)PF_SORT_RELEVANT,
                                                       token, count, score));
    return one(mod, PF_KIND_REVIEWS,
               PyTuple_Pack(7, app_id, lang, country, sort, token, count, score));
}

/* ---- the kinds of issue 10 ---------------------------------------------- */

/* fetch_and_parse_developer(developer_id, lang, country, *, num) and
 * fetch_and_parse_similar(app_id, lang, country, *, num). */
static PyObject *fetch_paged(PyObject *mod, PyObject *args, PyObject *kwds,
                             pf_kind kind, const char *fmt, char **kwlist)
{
    PyObject *id, *lang = Py_None, *country = Py_None, *num = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, &id, &lang,
                                     &country, &num))
        return NULL;
    return one(mod, kind, PyTuple_Pack(4, id, lang, country, num));
}

static PyObject *py_fetch_developer(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"developer_id", "lang", "country", "num", NULL};
    return fetch_paged(mod, args, kwds, PF_KIND_DEVELOPER,
                       "O|OO$O:fetch_and_parse_developer", kwlist);
}

static PyObject *py_fetch_similar(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"app_id", "lang", "country", "num", NULL};
    return fetch_paged(mod, args, kwds, PF_KIND_SIMILAR,
                       "O|OO$O:fetch_and_parse_similar", kwlist);
}

/* (id, lang, country) for suggest, permissions and datasafety. */
static PyObject *fetch_three(PyObject *mod, PyObject *args, PyObject *kwds,
                             pf_kind kind, const char *fmt, char **kwlist)
{
    PyObject *id, *lang = Py_None, *country = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, &id, &lang, &country))
        return NULL;
    return one(mod, kind, PyTuple_Pack(3, id, lang, country));
}

static PyObject *py_fetch_suggest(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"term", "lang", "country", NULL};
    return fetch_three(mod, args, kwds, PF_KIND_SUGGEST,
                       "O|OO:fetch_and_parse_suggest", kwlist);
}

static PyObject *py_fetch_permissions(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"app_id", "lang", "country", NULL};
    return fetch_three(mod, args, kwds, PF_KIND_PERMISSIONS,
                       "O|OO:fetch_and_parse_permissions", kwlist);
}

static PyObject *py_fetch_datasafety(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"app_id", "lang", "country", NULL};
    return fetch_three(mod, args, kwds, PF_KIND_DATASAFETY,
                       "O|OO:fetch_and_parse_datasafety", kwlist);
}

static PyObject *py_fetch_categories(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"lang", "country", NULL};
    PyObject *lang = Py_None, *country = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:fetch_and_parse_categories",
                                     kwlist, &lang, &country))
        return NULL;
    return one(mod, PF_KIND_CATEGORIES, PyTuple_Pack(2, lang, country));
}

#define KW (METH_VARARGS | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))
PyMethodDef pf_py_batch_methods[] = {
    {"fetch_and_parse_apps_batch", FN(py_fetch_apps_batch), KW,
     "fetch_and_parse_apps_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(app_id, lang, country)] -> list[AppInfo] in input order."},
    {"fetch_and_parse_list_batch", FN(py_fetch_list_batch), KW,
     "fetch_and_parse_list_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(category|None, collection, lang, country, num)] -> list[list[SearchResult]]."},
    {"fetch_and_parse_search_batch", FN(py_fetch_search_batch), KW,
     "fetch_and_parse_search_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(query, lang, country)] -> list[list[SearchResult]]."},
    {"fetch_and_parse_reviews_batch", FN(py_fetch_reviews_batch), KW,
     "fetch_and_parse_reviews_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(app_id, lang, country, sort, token[, count])] -> "
     "list[tuple[list[Review], str | None]]."},
    {"iter_apps_batch", FN(py_iter_apps_batch), KW,
     "iter_apps_batch(requests, *, progress=None) -> iterator of (index, AppInfo | PlayfastError)."},
    {"iter_list_batch", FN(py_iter_list_batch), KW,
     "iter_list_batch(requests, *, progress=None) -> iterator of (index, list | PlayfastError)."},
    {"iter_search_batch", FN(py_iter_search_batch), KW,
     "iter_search_batch(requests, *, progress=None) -> iterator of (index, list | PlayfastError)."},
    {"iter_reviews_batch", FN(py_iter_reviews_batch), KW,
     "iter_reviews_batch(requests, *, progress=None) -> iterator of (index, (reviews, token) | PlayfastError)."},
    {"fetch_and_parse_app", FN(py_fetch_app), KW,
     "fetch_and_parse_app(app_id, lang='en', country='us') -> AppInfo"},
    {"fetch_and_parse_list", FN(py_fetch_list), KW,
     "fetch_and_parse_list(category, collection='topselling_free', lang='en', country='us', num=100)"
     " -> list[SearchResult]"},
    {"fetch_and_parse_search", FN(py_fetch_search), KW,
     "fetch_and_parse_search(query, lang='en', country='us', *, num=None, price=None)"
     " -> list[SearchResult]"},
    {"fetch_and_parse_reviews", FN(py_fetch_reviews), KW,
     "fetch_and_parse_reviews(app_id, lang='en', country='us', sort=SORT_RELEVANT,\n"
     "                        continuation_token=None, *, count=None)\n"
     "-> (list[Review], next_token). count=None: one page; N: N reviews;\n"
     "REVIEWS_ALL (-1): every review. score=N: only N-star reviews."},
    /* The kinds of issue 10. */
    {"fetch_and_parse_developer", FN(py_fetch_developer), KW,
     "fetch_and_parse_developer(developer_id, lang='en', country='us', *, num=None)\n"
     "-> list[SearchResult]: a developer's apps (numeric id or name), following\n"
     "continuation pages up to num (default 60, at most 250)."},
    {"fetch_and_parse_similar", FN(py_fetch_similar), KW,
     "fetch_and_parse_similar(app_id, lang='en', country='us', *, num=None)\n"
     "-> list[SearchResult]: the app's similar apps (default all, at most 250)."},
    {"fetch_and_parse_suggest", FN(py_fetch_suggest), KW,
     "fetch_and_parse_suggest(term, lang='en', country='us') -> list[str]"},
    {"fetch_and_parse_permissions", FN(py_fetch_permissions), KW,
     "fetch_and_parse_permissions(app_id, lang='en', country='us')\n"
     "-> list[dict]: [{'group': str | None, 'permissions': [str]}]"},
    {"fetch_and_parse_datasafety", FN(py_fetch_datasafety), KW,
     "fetch_and_parse_datasafety(app_id, lang='en', country='us') -> dict with\n"
     "shared_data, collected_data, security_practices, privacy_policy_url"},
    {"fetch_and_parse_categories", FN(py_fetch_categories), KW,
     "fetch_and_parse_categories(lang='en', country='us') -> list[dict]:\n"
     "[{'name': str, 'id': str}]"},
    {"fetch_and_parse_developer_batch", FN(py_fetch_developer_batch), KW,
     "fetch_and_parse_developer_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(developer_id, lang, country[, num])] -> list[list[SearchResult]]."},
    {"fetch_and_parse_similar_batch", FN(py_fetch_similar_batch), KW,
     "fetch_and_parse_similar_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(app_id, lang, country[, num])] -> list[list[SearchResult]]."},
    {"fetch_and_parse_suggest_batch", FN(py_fetch_suggest_batch), KW,
     "fetch_and_parse_suggest_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(term, lang, country)] -> list[list[str]]."},
    {"fetch_and_parse_permissions_batch", FN(py_fetch_permissions_batch), KW,
     "fetch_and_parse_permissions_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(app_id, lang, country)] -> list[list[dict]]."},
    {"fetch_and_parse_datasafety_batch", FN(py_fetch_datasafety_batch), KW,
     "fetch_and_parse_datasafety_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(app_id, lang, country)] -> list[dict]."},
    {"fetch_and_parse_categories_batch", FN(py_fetch_categories_batch), KW,
     "fetch_and_parse_categories_batch(requests, *, return_exceptions=False, progress=None)\n"
     "requests: [(lang, country)] -> list[list[dict]]."},
    {"iter_developer_batch", FN(py_iter_developer_batch), KW,
     "iter_developer_batch(requests, *, progress=None) -> iterator of (index, list | PlayfastError)."},
    {"iter_similar_batch", FN(py_iter_similar_batch), KW,
     "iter_similar_batch(requests, *, progress=None) -> iterator of (index, list | PlayfastError)."},
    {"iter_suggest_batch", FN(py_iter_suggest_batch), KW,
     "iter_suggest_batch(requests, *, progress=None) -> iterator of (index, list | PlayfastError)."},
    {"iter_permissions_batch", FN(py_iter_permissions_batch), KW,
     "iter_permissions_batch(requests, *, progress=None) -> iterator of (index, list | PlayfastError)."},
    {"iter_datasafety_batch", FN(py_iter_datasafety_batch), KW,
     "iter_datasafety_batch(requests, *, progress=None) -> iterator of (index, dict | PlayfastError)."},
    {"iter_categories_batch", FN(py_iter_categories_batch), KW,
     "iter_categories_batch(requests, *, progress=None) -> iterator of (index, list | PlayfastError)."},
    {NULL, NULL, 0, NULL},
};

int pf_py_batch_init(PyObject *mod, pf_state *st)
{
    st->BatchIter_Type = (PyTypeObject *)PyType_FromModuleAndSpec(mod, &BatchIter_spec, NULL);
    if (st->BatchIter_Type == NULL) return -1;
    if (PyModule_AddType(mod, st->BatchIter_Type) < 0) return -1;
    return 0;
}
