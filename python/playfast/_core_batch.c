/*
 * _core_batch.c -- the network side of playfast._core: request conversion,
 * the batch runner, the streaming iterator and the single-request functions.
 *
 * Threading. The engine works on its own threads; the calling thread only
 * waits for results. It waits with the GIL released, in slices of SLICE_MS,
 * and between slices takes the GIL back to turn completed results into
 * Python objects, call the progress callback and run PyErr_CheckSignals(),
 * so Ctrl-C interrupts a long batch within about one slice. On any error the
 * batch is cancelled and freed before the exception propagates.
 *
 * Every running batch holds its own reference to the client object it
 * started on (see _core_client.c), so configure() may replace the default
 * client at any time.
 */
#include "_core.h"

#include <string.h>

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
    "(app_id, lang, country[, sort[, continuation_token[, count]]])",
};

/* str -> its UTF-8 (owned by the str, which the request tuple keeps
 * alive), None -> NULL. */
static int opt_str(PyObject *o, const char **out, int required)
{
    if (o == Py_None && !required) {
        *out = NULL;
        return 0;
    }
    if (!PyUnicode_Check(o)) return -1;
    return (*out = PyUnicode_AsUTF8(o)) == NULL ? -2 : 0;
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
static int request_from(pf_kind kind, PyObject *item, pf_request *r)
{
    PyObject *f[6] = {NULL};
    static const Py_ssize_t max_fields[PF_KIND_COUNT_] = {3, 5, 5, 6};
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
#define STR(i, dst, req) if (n > i && (rc = opt_str(f[i], &r->dst, req)) < 0) return rc;
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
        STR(4, token, 0) INT(5, num)
        break;
    }
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

static int reqset_init(reqset *rs, pf_kind kind, PyObject *requests)
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
        int rc = request_from(kind, item, &rs->reqs[i]);
        if (rc == -1 && !PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "request %zu must be %s, got %R", i,
                         kind_shape[kind], item);
        if (rc < 0) {
            reqset_cleanup(rs);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Running a batch                                                          */
/* ------------------------------------------------------------------------ */

static int batch_begin(pf_state *st, const reqset *rs, PyObject **client,
                       pf_batch **b)
{
    pf_error err;
    pf_code rc;

    memset(&err, 0, sizeof err);
    if ((*client = pf_py_default_client(st)) == NULL) return -1;
    rc = pf_batch_start(((Client *)*client)->c, rs->reqs, rs->n, NULL, b, &err);
    if (rc != PF_OK) {
        PyObject *exc = pf_py_error_new(st, &err, rc, NULL);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        Py_CLEAR(*client);
        return -1;
    }
    return 0;
}

/* Cancel what is outstanding and free; the wait for in-flight transfers to
 * unwind happens without the GIL. An exception being propagated is per
 * thread state and survives the release. */
static void batch_end(pf_batch *b, int cancel)
{
    if (b == NULL) return;
    if (cancel) pf_batch_cancel(b);
    Py_BEGIN_ALLOW_THREADS
    pf_batch_free(b);
    Py_END_ALLOW_THREADS
}

/* Turn one response into a result object, or into an exception instance
 * when the request failed. NULL only when Python itself failed. */
static PyObject *response_to_object(pf_state *st, pf_kind kind,
                                    pf_response *res, PyObject *request)
{
    PyObject *block, *obj = NULL;
    void *ptr;

    if (res->code != PF_OK)
        return pf_py_error_new(st, &res->error, res->code, request);
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
    /* The block now owns ptr (and frees it even if it fails to allocate). */
    if ((block = pf_py_block_new(st, kind, ptr)) == NULL) return NULL;
    switch (kind) {
    case PF_KIND_APP: obj = pf_py_app_from_block(st, block); break;
    case PF_KIND_REVIEWS: obj = pf_py_reviews_from_block(st, block); break;
    default: obj = pf_py_items_from_block(st, block); break;
    }
    Py_DECREF(block);
    return obj;
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
    PyObject *client = NULL;
    pf_batch *b = NULL;
    size_t done = 0;

    if (batch_begin(st, rs, &client, &b) < 0) return -1;
    for (;;) {
        pf_response res;
        size_t idx = 0;
        pf_code rc;

        memset(&res, 0, sizeof res);
        Py_BEGIN_ALLOW_THREADS
        rc = pf_batch_next(b, SLICE_MS, &idx, &res);
        Py_END_ALLOW_THREADS
        if (rc == PF_EDONE) break;
        if (rc == PF_OK) {
            PyObject *obj = NULL;
            if (idx < rs->n && slots[idx] == NULL) {
                obj = response_to_object(st, rs->kind, &res,
                                         PyTuple_GET_ITEM(rs->items, (Py_ssize_t)idx));
                slots[idx] = obj;
            }
            pf_response_cleanup(&res);
            if (idx < rs->n && obj == NULL) goto error;
            if (call_progress(progress, ++done, rs->n) < 0) goto error;
        } else if (rc != PF_EAGAIN) {
            PyErr_Format(st->PlayfastError, "pf_batch_next: %s", pf_strerror(rc));
            goto error;
        }
        if (PyErr_CheckSignals() < 0) goto error;
    }
    batch_end(b, 0);
    Py_DECREF(client);
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
    batch_end(b, 1);
    Py_DECREF(client);
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

    if (reqset_init(&rs, kind, requests) < 0) return NULL;
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
    PyObject *client;      /* keeps the engine alive while b exists */
    pf_batch *b;
    pf_kind kind;
    PyObject *items;       /* the caller's requests, for exception.request */
    PyObject *progress;
    size_t n, done;
    int busy;              /* a thread is inside __next__ */
} BatchIter;

static void iter_finish(BatchIter *it, int cancel)
{
    pf_batch *b = it->b;
    it->b = NULL;
    batch_end(b, cancel);
    Py_CLEAR(it->client);
}

static PyObject *BatchIter_next(PyObject *self)
{
    BatchIter *it = (BatchIter *)self;
    pf_state *st = pf_state_of_type(Py_TYPE(self));

    if (it->b == NULL) return NULL;
    if (it->busy) {
        PyErr_SetString(PyExc_ValueError, "batch iterator already executing");
        return NULL;
    }
    it->busy = 1;
    for (;;) {
        pf_response res;
        size_t idx = 0;
        pf_code rc;

        memset(&res, 0, sizeof res);
        Py_BEGIN_ALLOW_THREADS
        rc = pf_batch_next(it->b, SLICE_MS, &idx, &res);
        Py_END_ALLOW_THREADS
        if (rc == PF_EDONE) {
            it->busy = 0;
            iter_finish(it, 0);
            return NULL;
        }
        if (rc == PF_OK) {
            PyObject *obj = NULL, *pair = NULL;
            if (idx < it->n)
                obj = response_to_object(st, it->kind, &res,
                                         PyTuple_GET_ITEM(it->items, (Py_ssize_t)idx));
            pf_response_cleanup(&res);
            if (obj == NULL) {
                if (!PyErr_Occurred()) continue;   /* index out of range */
                goto error;
            }
            pair = Py_BuildValue("(nN)", (Py_ssize_t)idx, obj);   /* steals obj */
            if (pair == NULL) goto error;
            it->busy = 0;
            if (call_progress(it->progress, ++it->done, it->n) < 0) {
                Py_DECREF(pair);
                iter_finish(it, 1);
                return NULL;
            }
            return pair;
        }
        if (rc != PF_EAGAIN) {
            PyErr_Format(st->PlayfastError, "pf_batch_next: %s", pf_strerror(rc));
            goto error;
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
        if (it->b) pf_batch_cancel(it->b);
    } else {
        iter_finish(it, 1);
    }
    Py_RETURN_NONE;
}

static PyObject *BatchIter_cancel(PyObject *self, PyObject *unused)
{
    BatchIter *it = (BatchIter *)self;
    if (it->b) pf_batch_cancel(it->b);
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

    if (reqset_init(&rs, kind, requests) < 0) return NULL;
    if ((it = PyObject_GC_New(BatchIter, st->BatchIter_Type)) == NULL) {
        reqset_cleanup(&rs);
        return NULL;
    }
    it->client = NULL;
    it->b = NULL;
    it->kind = kind;
    it->items = Py_NewRef(rs.items);
    it->progress = progress && progress != Py_None ? Py_NewRef(progress) : NULL;
    it->n = rs.n;
    it->done = 0;
    it->busy = 0;
    PyObject_GC_Track(it);
    if (batch_begin(st, &rs, &it->client, &it->b) < 0) {
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
                             "continuation_token", "_timeout", "count", NULL};
    PyObject *app_id, *lang = Py_None, *country = Py_None, *sort = NULL;
    PyObject *token = Py_None, *timeout = Py_None, *count = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOOOO$O:fetch_and_parse_reviews",
                                     kwlist, &app_id, &lang, &country, &sort,
                                     &token, &timeout, &count))
        return NULL;
    if (sort == NULL)   /* the original's default: Google's "most relevant" */
        return one(mod, PF_KIND_REVIEWS, Py_BuildValue("(OOOiOO)", app_id, lang,
                                                       country, (int)PF_SORT_RELEVANT,
                                                       token, count));
    return one(mod, PF_KIND_REVIEWS,
               PyTuple_Pack(6, app_id, lang, country, sort, token, count));
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
     "REVIEWS_ALL (-1): every review."},
    {NULL, NULL, 0, NULL},
};

int pf_py_batch_init(PyObject *mod, pf_state *st)
{
    st->BatchIter_Type = (PyTypeObject *)PyType_FromModuleAndSpec(mod, &BatchIter_spec, NULL);
    if (st->BatchIter_Type == NULL) return -1;
    if (PyModule_AddType(mod, st->BatchIter_Type) < 0) return -1;
    return 0;
}
