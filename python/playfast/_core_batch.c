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

#include <limits.h>
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

/* Raise InvalidArgumentError (a ValueError) for request `index` (the
 * caller's object `item`), with a message that starts with the argument's
 * name. `index` PF_PY_NO_INDEX: a single call, which has no "request 0". */
static void raise_invalid(pf_state *st, PyObject *item, size_t index,
                          const char *message)
{
    pf_error err;
    memset(&err, 0, sizeof err);
    err.code = PF_EINVAL;
    err.offset = PF_NO_OFFSET;
    if (index == PF_PY_NO_INDEX)
        snprintf(err.message, sizeof err.message, "%s", message);
    else
        snprintf(err.message, sizeof err.message, "%s (request %zu)", message, index);
    PyObject *exc = pf_py_error_new(st, &err, PF_EINVAL, item);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

/* A short repr of a wrong value for a message. */
static void value_repr(PyObject *o, char *out, size_t cap)
{
    PyObject *r = PyObject_Repr(o);
    const char *u = r ? PyUnicode_AsUTF8(r) : NULL;
    if (u == NULL) {
        PyErr_Clear();
        u = Py_TYPE(o)->tp_name;
    }
    snprintf(out, cap, "%.60s%s", u, strlen(u) > 60 ? "..." : "");
    Py_XDECREF(r);
}

/* str -> its UTF-8 (owned by the str, which the request tuple keeps
 * alive), None -> NULL. Another type is -1 (the caller's TypeError); a NUL
 * inside (C would cut the string there and fetch something else) is a
 * ValueError naming the field. */
static int opt_str(pf_state *st, PyObject *item, PyObject *o, const char **out,
                   int required, const char *name, size_t index)
{
    if (o == Py_None && !required) {
        *out = NULL;
        return 0;
    }
    if (!PyUnicode_Check(o)) return -1;   /* a shape error: TypeError */
    return (*out = pf_py_utf8(o, name, index)) == NULL ? -2 : 0;
}

/* The library's check (src/core/options.c: sizes, codes, ranges) for one
 * converted request, raised as InvalidArgumentError under the Python
 * names of the fields. */
static int request_check(pf_state *st, const pf_request *r, size_t i,
                         PyObject *item)
{
    pf_error err;
    if (pf__request_check(r, &err) == PF_OK) return 0;
    const char *py = NULL;
    size_t skip = 0;
    if (strncmp(err.message, "token:", 6) == 0) {
        py = "continuation_token";
        skip = 5;
    } else if (strncmp(err.message, "num:", 4) == 0 && r->kind == PF_KIND_REVIEWS) {
        py = "count";
        skip = 3;
    }
    if (py != NULL) {
        char rest[sizeof err.message];
        snprintf(rest, sizeof rest, "%s", err.message + skip);
        snprintf(err.message, sizeof err.message, "%s%.200s", py, rest);
    }
    raise_invalid(st, item, i, err.message);
    return -1;
}

/* The names sort= and price= take besides Google's codes, one vocabulary
 * for Python and the CLI (--sort, --price). */
static const struct { const char *name; int code; } sort_names[] = {
    {"newest", PF_SORT_NEWEST}, {"relevant", PF_SORT_RELEVANT},
    {"most_relevant", PF_SORT_RELEVANT}, {"rating", PF_SORT_RATING},
    {NULL, 0}}, price_names[] = {
    {"all", PF_PRICE_ALL}, {"free", PF_PRICE_FREE}, {"paid", PF_PRICE_PAID},
    {NULL, 0}};

/* An int argument: None keeps *out; an int within C's int goes to the
 * library's check for its range; one of `names` (sort, price) becomes its
 * code. Anything else -- "5", 10**30, 2.0 -- is an InvalidArgumentError
 * saying what is allowed. */
static int opt_int(pf_state *st, PyObject *item, PyObject *o, int *out,
                   const char *name, const char *allowed, size_t index,
                   const void *names_)
{
    const struct { const char *name; int code; } *names = names_;
    char msg[240], v[80];
    if (o == Py_None) return 0;
    if (PyUnicode_Check(o) && names != NULL) {
        const char *s = PyUnicode_AsUTF8(o);
        if (s == NULL) return -2;
        for (size_t k = 0; names[k].name; k++)
            if (strcmp(names[k].name, s) == 0) {
                *out = names[k].code;
                return 0;
            }
    } else if (PyLong_Check(o) && !PyBool_Check(o)) {
        int overflow = 0;
        long l = PyLong_AsLongAndOverflow(o, &overflow);
        if (l == -1 && PyErr_Occurred()) return -2;
        if (!overflow && l >= INT_MIN && l <= INT_MAX) {
            *out = (int)l;
            return 0;
        }
    }
    value_repr(o, v, sizeof v);
    snprintf(msg, sizeof msg, "%s: must be %s, got %s", name, allowed, v);
    raise_invalid(st, item, index, msg);
    return -2;
}

int pf_py_sort_arg(pf_state *st, PyObject *o, int *out)
{
    return opt_int(st, Py_None, o, out, "sort", "\"newest\", \"relevant\", "
                   "\"rating\" or SORT_RELEVANT (1), SORT_NEWEST (2), SORT_RATING (3)",
                   PF_PY_NO_INDEX, sort_names) < 0 ? -1 : 0;
}

/* Fill one pf_request from one Python request. Returns 0, -1 for a shape
 * error (the caller raises), -2 with an exception already set. */
static int request_from(pf_state *st, pf_kind kind, PyObject *item, size_t index,
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
#define STR(i, dst, req)                                                     \
    if (n > i && (rc = opt_str(st, item, f[i], &r->dst, req,                 \
                               field_names[kind][i], index)) < 0)            \
        return rc;
#define INT(i, dst, allowed, names)                                          \
    if (n > i && (rc = opt_int(st, item, f[i], &dst, field_names[kind][i],   \
                               allowed, index, names)) < 0)                  \
        return rc;
#define NUM_ALLOWED "an int 1..1000000 (or None for the default)"
    switch (kind) {
    case PF_KIND_APP:
        STR(0, app_id, 1) STR(1, lang, 0) STR(2, country, 0)
        break;
    case PF_KIND_LIST:
        STR(0, category, 0) STR(1, collection, 0) STR(2, lang, 0)
        STR(3, country, 0) INT(4, r->num, NUM_ALLOWED, NULL)
        break;
    case PF_KIND_SEARCH: {
        int price = 0;
        STR(0, query, 1) STR(1, lang, 0) STR(2, country, 0)
        INT(3, r->num, NUM_ALLOWED, NULL)
        INT(4, price, "\"all\", \"free\", \"paid\" or PRICE_ALL (0), "
                      "PRICE_FREE (1), PRICE_PAID (2)", price_names)
        r->price = (pf_price)price;
        break;
    }
    case PF_KIND_REVIEWS: {
        int sort = 0;
        STR(0, app_id, 1) STR(1, lang, 0) STR(2, country, 0)
        INT(3, sort, "\"newest\", \"relevant\", \"rating\" or SORT_RELEVANT "
                     "(1), SORT_NEWEST (2), SORT_RATING (3)", sort_names)
        r->sort = (pf_sort)sort;
        STR(4, token, 0)
        if (n > 5 && PyUnicode_Check(f[5]) &&
            PyUnicode_CompareWithASCIIString(f[5], "all") == 0)
            r->num = PF_REVIEWS_ALL;
        else INT(5, r->num, "an int 1..100000000, REVIEWS_ALL (-1) or \"all\" "
                       "(or None for one page)", NULL)
        INT(6, r->score, "an int 1..5 (0 or None: any)", NULL)
        break;
    }
    case PF_KIND_DEVELOPER:
        STR(0, developer_id, 1) STR(1, lang, 0) STR(2, country, 0)
        INT(3, r->num, "an int 1..250 (or None for the default, 60)", NULL)
        break;
    case PF_KIND_SIMILAR:
        STR(0, app_id, 1) STR(1, lang, 0) STR(2, country, 0)
        INT(3, r->num, "an int 1..250 (or None for all)", NULL)
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
#undef NUM_ALLOWED
    return 0;
}

static void reqset_cleanup(reqset *rs)
{
    PyMem_Free(rs->reqs);
    rs->reqs = NULL;
    Py_CLEAR(rs->items);
}

/* single: the requests of one single-request call, whose messages then
 * speak of no "request 0". */
static int reqset_init(pf_state *st, reqset *rs, pf_kind kind,
                       PyObject *requests, int single)
{
    memset(rs, 0, sizeof *rs);
    rs->kind = kind;
    if (PyBytes_Check(requests) || (PyUnicode_Check(requests) && kind == PF_KIND_LIST)) {
        PyErr_SetString(PyExc_TypeError, "requests must be a sequence of tuples, not a string");
        return -1;
    }
    /* A str where the list of requests goes is one request (an app id, a
     * query), never one request per character. */
    rs->items = PyUnicode_Check(requests) ? PyTuple_Pack(1, requests)
                                          : PySequence_Tuple(requests);
    if (rs->items == NULL) return -1;
    rs->n = (size_t)PyTuple_GET_SIZE(rs->items);
    if ((rs->reqs = PyMem_Calloc(rs->n ? rs->n : 1, sizeof(pf_request))) == NULL) {
        reqset_cleanup(rs);
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < rs->n; i++) {
        PyObject *item = PyTuple_GET_ITEM(rs->items, (Py_ssize_t)i);
        size_t index = single ? PF_PY_NO_INDEX : i;
        int rc = request_from(st, kind, item, index, &rs->reqs[i]);
        if (rc == -1 && !PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "request %zu must be %s, got %R", i,
                         kind_shape[kind], item);
        if (rc == 0) rc = request_check(st, &rs->reqs[i], index, item);
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
    if (a.res.code == PF_OK && a.res.list != NULL && a.res.details == NULL &&
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

/* Field i of a caller's request (a str for field 0, or a tuple/list) as
 * UTF-8, or dflt when absent or not a str. */
static const char *request_field(PyObject *item, Py_ssize_t i, const char *dflt)
{
    PyObject *v = NULL;
    if (PyUnicode_Check(item))
        v = i == 0 ? item : NULL;
    else if ((PyTuple_Check(item) || PyList_Check(item)) &&
             i < PySequence_Fast_GET_SIZE(item))
        v = PySequence_Fast_GET_ITEM(item, i);
    const char *s = v && PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
    if (s == NULL) PyErr_Clear();
    return s && *s ? s : dflt;
}

/* The exception for a failed request, its message saying what was asked
 * ("no app com.example.x in us") rather than how the page answered, which
 * stays in .detail (rpc ids, HTTP details). A chart with no data is a
 * NoDataError, a refused review token an InvalidArgumentError. A review
 * chain that broke after its first page carries .partial (the reviews
 * fetched) and .next_token (where to resume). New reference or NULL. */
static PyObject *request_error(pf_state *st, pf_kind kind, pf_response *res,
                               PyObject *request)
{
    pf_error err = res->error;
    pf_code code = res->code;
    PyObject *cls = NULL;
    int app_kind = kind == PF_KIND_APP || kind == PF_KIND_REVIEWS;
    const char *country = request_field(request, app_kind ? 2 : 3, "us");
    if (code == PF_ENOTFOUND && app_kind) {
        const char *app = request_field(request, 0, "?");
        const char *token = kind == PF_KIND_REVIEWS ? request_field(request, 4, NULL) : NULL;
        if (token != NULL && err.http_status != 404) {
            code = PF_EINVAL;
            snprintf(err.message, sizeof err.message, "continuation_token: the "
                     "server refused the token %.40s%s for %.80s in %.8s (expired, "
                     "or from another app, sort or country)", token,
                     strlen(token) > 40 ? "..." : "", app, country);
        } else {
            snprintf(err.message, sizeof err.message, "no app %.150s in %.8s",
                     app, country);
        }
    } else if (code == PF_ENOTFOUND && kind == PF_KIND_LIST) {
        cls = st->NoDataError;
        snprintf(err.message, sizeof err.message, "no chart %.60s / %.40s in %.8s: "
                 "the server sent no data (an unknown category or collection?)",
                 request_field(request, 0, "(all apps)"),
                 request_field(request, 1, "topselling_free"), country);
    }
    PyObject *exc = pf_py_error_new_as(st, &err, code, request, cls), *v;
    if (exc == NULL) return NULL;
    v = PyUnicode_FromString(res->error.message);
    if (v == NULL || PyObject_SetAttrString(exc, "detail", v) < 0) goto error;
    Py_CLEAR(v);
    if (kind == PF_KIND_REVIEWS && res->reviews != NULL) {
        PyObject *pair = pf_py_result_new(st, PF_KIND_REVIEWS, res->reviews);
        res->reviews = NULL;   /* taken by pf_py_result_new, even on failure */
        if (pair == NULL ||
            PyObject_SetAttrString(exc, "partial", PyTuple_GET_ITEM(pair, 0)) < 0 ||
            PyObject_SetAttrString(exc, "next_token", PyTuple_GET_ITEM(pair, 1)) < 0) {
            Py_XDECREF(pair);
            goto error;
        }
        Py_DECREF(pair);
    } else if (kind == PF_KIND_REVIEWS) {
        if (PyObject_SetAttrString(exc, "partial", Py_None) < 0 ||
            PyObject_SetAttrString(exc, "next_token", Py_None) < 0)
            goto error;
    }
    return exc;
error:
    Py_XDECREF(v);
    Py_DECREF(exc);
    return NULL;
}

/* A list fetched with details: one AppInfo per entry in list order, or
 * the exception instance of an entry whose app could not be fetched, its
 * request being (app_id, lang, country). NULL when Python itself failed. */
static PyObject *details_to_list(pf_state *st, pf_response *res, PyObject *request)
{
    PyObject *out = PyList_New((Py_ssize_t)res->n_details);
    Py_ssize_t nreq = PyTuple_Check(request) ? PyTuple_GET_SIZE(request) : 0;
    /* The list request's lang and country: (cat, coll, lang, country, num)
     * or (query, lang, country, ...). */
    Py_ssize_t li = PyTuple_Check(request) && nreq >= 4 &&
                    res->kind == PF_KIND_LIST ? 2 : 1;
    if (out == NULL) return NULL;
    for (size_t i = 0; i < res->n_details; i++) {
        pf_response *d = &res->details[i];
        PyObject *o;
        if (d->code == PF_OK && d->app != NULL) {
            o = pf_py_result_new(st, PF_KIND_APP, d->app);  /* takes app */
            d->app = NULL;
        } else {
            const char *id = res->list->items[i].app_id;
            PyObject *lang = nreq > li ? PyTuple_GET_ITEM(request, li) : Py_None;
            PyObject *country = nreq > li + 1 ? PyTuple_GET_ITEM(request, li + 1) : Py_None;
            PyObject *req = Py_BuildValue("(sOO)", id ? id : "", lang, country);
            o = req ? request_error(st, PF_KIND_APP, d, req) : NULL;
            Py_XDECREF(req);
        }
        if (o == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, o);   /* steals o */
    }
    return out;
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
    if (res->code != PF_OK) return request_error(st, kind, res, request);
    if (res->details != NULL) return details_to_list(st, res, request);
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
                           int return_exceptions, PyObject *progress, int single,
                           int details)
{
    reqset rs;
    PyObject **slots, *results = NULL, *errors = NULL, *first = NULL;

    if (reqset_init(st, &rs, kind, requests, single) < 0) return NULL;
    for (size_t i = 0; i < rs.n; i++) rs.reqs[i].details = details;
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
    list = run_batch(st, kind, requests, 1, NULL, 1, 0);
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
     "close($self, /)\n--\n\nCancel what is outstanding and release the batch; iteration ends."},
    {"cancel", BatchIter_cancel, METH_NOARGS,
     "cancel($self, /)\n--\n\nCancel what is outstanding; the remaining requests are yielded with "
     "CancelledError."},
    {"__enter__", BatchIter_enter, METH_NOARGS, "__enter__($self, /)\n--\n\n"},
    {"__exit__", BatchIter_exit, METH_VARARGS, "__exit__($self, /, *exc)\n--\n\n"},
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
                            PyObject *progress, int details)
{
    reqset rs;
    BatchIter *it;

    if (reqset_init(st, &rs, kind, requests, 0) < 0) return NULL;
    for (size_t i = 0; i < rs.n; i++) rs.reqs[i].details = details;
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

/* details= is for the kinds whose results are lists of apps. */
static int details_allowed(pf_kind kind, int details, const char *fname)
{
    if (!details || kind == PF_KIND_LIST || kind == PF_KIND_SEARCH) return 0;
    PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument 'details'",
                 fname);
    return -1;
}

static PyObject *batch_entry(PyObject *mod, PyObject *args, PyObject *kwds,
                             pf_kind kind, const char *fname)
{
    static char *kwlist[] = {"requests", "return_exceptions", "progress", "details", NULL};
    PyObject *requests, *progress = Py_None;
    int return_exceptions = 0, details = 0;
    char fmt[64];

    snprintf(fmt, sizeof fmt, "O|$pOp:%s", fname);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, &requests,
                                     &return_exceptions, &progress, &details))
        return NULL;
    if (details_allowed(kind, details, fname) < 0) return NULL;
    if (progress != Py_None && !PyCallable_Check(progress)) {
        PyErr_SetString(PyExc_TypeError, "progress must be callable(done, total)");
        return NULL;
    }
    return run_batch(pf_state_of_module(mod), kind, requests, return_exceptions,
                     progress, 0, details);
}

static PyObject *iter_entry(PyObject *mod, PyObject *args, PyObject *kwds,
                            pf_kind kind, const char *fname)
{
    static char *kwlist[] = {"requests", "progress", "details", NULL};
    PyObject *requests, *progress = Py_None;
    int details = 0;
    char fmt[64];

    snprintf(fmt, sizeof fmt, "O|$Op:%s", fname);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, &requests, &progress,
                                     &details))
        return NULL;
    if (details_allowed(kind, details, fname) < 0) return NULL;
    if (progress != Py_None && !PyCallable_Check(progress)) {
        PyErr_SetString(PyExc_TypeError, "progress must be callable(done, total)");
        return NULL;
    }
    return start_iter(pf_state_of_module(mod), kind, requests, progress, details);
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
     "fetch_and_parse_apps_batch($module, /, requests, *, return_exceptions=False,\n"
     "                           progress=None)\n--\n\n"
     "requests: [(app_id, lang, country)] -> list[AppInfo] in input order."},
    {"fetch_and_parse_list_batch", FN(py_fetch_list_batch), KW,
     "fetch_and_parse_list_batch($module, /, requests, *, return_exceptions=False,\n"
     "                           progress=None, details=False)\n--\n\n"
     "requests: [(category|None, collection, lang, country, num)] -> list[list[SearchResult]].\n"
     "details=True: each chart as list[AppInfo | PlayfastError], every entry's\n"
     "full record, fetched in the same batch as soon as its chart is in."},
    {"fetch_and_parse_search_batch", FN(py_fetch_search_batch), KW,
     "fetch_and_parse_search_batch($module, /, requests, *, return_exceptions=False,\n"
     "                             progress=None, details=False)\n--\n\n"
     "requests: [(query, lang, country[, num[, price]])] -> list[list[SearchResult]].\n"
     "price: \"all\", \"free\", \"paid\" or PRICE_*. details=True: as for\n"
     "fetch_and_parse_list_batch."},
    {"fetch_and_parse_reviews_batch", FN(py_fetch_reviews_batch), KW,
     "fetch_and_parse_reviews_batch($module, /, requests, *, return_exceptions=False,\n"
     "                              progress=None)\n--\n\n"
     "requests: [(app_id, lang, country, sort, token[, count])] -> "
     "list[tuple[list[Review], str | None]].\n"
     "sort: \"newest\" (None: the default), \"relevant\", \"rating\" or SORT_*;\n"
     "count: N reviews, \"all\" or REVIEWS_ALL. A chain that breaks after its\n"
     "first page fails with an error carrying .partial and .next_token."},
    {"iter_apps_batch", FN(py_iter_apps_batch), KW,
     "iter_apps_batch($module, /, requests, *, progress=None)\n--\n\n"
     "Iterator of (index, AppInfo | PlayfastError) as requests complete."},
    {"iter_list_batch", FN(py_iter_list_batch), KW,
     "iter_list_batch($module, /, requests, *, progress=None, details=False)\n--\n\n"
     "Iterator of (index, list | PlayfastError) as requests complete."},
    {"iter_search_batch", FN(py_iter_search_batch), KW,
     "iter_search_batch($module, /, requests, *, progress=None, details=False)\n--\n\n"
     "Iterator of (index, list | PlayfastError) as requests complete."},
    {"iter_reviews_batch", FN(py_iter_reviews_batch), KW,
     "iter_reviews_batch($module, /, requests, *, progress=None)\n--\n\n"
     "Iterator of (index, (reviews, token) | PlayfastError) as requests\n"
     "complete; a broken chain's error carries .partial and .next_token."},
    {"fetch_and_parse_app", FN(py_fetch_app), KW,
     "fetch_and_parse_app($module, /, app_id, lang=None, country=None, _timeout=None)\n--\n\n"
     "App details -> AppInfo. lang/country None: \"en\"/\"us\"."},
    {"fetch_and_parse_list", FN(py_fetch_list), KW,
     "fetch_and_parse_list($module, /, category, collection=None, lang=None,\n"
     "                     country=None, num=100, _timeout=None)\n--\n\n"
     "A top chart -> list[SearchResult]. collection None: topselling_free;\n"
     "category None: all apps."},
    {"fetch_and_parse_search", FN(py_fetch_search), KW,
     "fetch_and_parse_search($module, /, query, lang=None, country=None, _timeout=None,\n"
     "                       *, num=None, price=None)\n--\n\n"
     "Search results -> list[SearchResult]. price: \"all\", \"free\", \"paid\"\n"
     "or PRICE_*."},
    {"fetch_and_parse_reviews", FN(py_fetch_reviews), KW,
     "fetch_and_parse_reviews($module, /, app_id, lang=None, country=None, sort=1,\n"
     "                        continuation_token=None, _timeout=None, *, count=None,\n"
     "                        score=None)\n--\n\n"
     "-> (list[Review], next_token). count=None: one page; N: N reviews;\n"
     "\"all\" or REVIEWS_ALL (-1): every review. sort: \"newest\", \"relevant\",\n"
     "\"rating\" or SORT_*; its default stays the original package's documented\n"
     "SORT_RELEVANT (1), where batches, fetch_reviews() and the CLI default to\n"
     "newest. A chain that breaks after its first page raises an error\n"
     "carrying .partial (the reviews fetched) and .next_token (to resume).\n"
     "score=N: only N-star reviews."},
    /* The kinds of issue 10. */
    {"fetch_and_parse_developer", FN(py_fetch_developer), KW,
     "fetch_and_parse_developer($module, /, developer_id, lang=None, country=None, *,\n"
     "                          num=None)\n--\n\n"
     "-> list[SearchResult]: a developer's apps (numeric id or name), following\n"
     "continuation pages up to num (default 60, at most 250)."},
    {"fetch_and_parse_similar", FN(py_fetch_similar), KW,
     "fetch_and_parse_similar($module, /, app_id, lang=None, country=None, *, num=None)\n"
     "--\n\n"
     "-> list[SearchResult]: the app's similar apps (default all, at most 250)."},
    {"fetch_and_parse_suggest", FN(py_fetch_suggest), KW,
     "fetch_and_parse_suggest($module, /, term, lang=None, country=None)\n--\n\n"
     "-> list[str]: Google's search suggestions for term."},
    {"fetch_and_parse_permissions", FN(py_fetch_permissions), KW,
     "fetch_and_parse_permissions($module, /, app_id, lang=None, country=None)\n--\n\n"
     "-> list[dict]: [{'group': str | None, 'permissions': [str]}]"},
    {"fetch_and_parse_datasafety", FN(py_fetch_datasafety), KW,
     "fetch_and_parse_datasafety($module, /, app_id, lang=None, country=None)\n--\n\n"
     "-> dict with shared_data, collected_data, security_practices,\n"
     "privacy_policy_url"},
    {"fetch_and_parse_categories", FN(py_fetch_categories), KW,
     "fetch_and_parse_categories($module, /, lang=None, country=None)\n--\n\n"
     "-> list[dict]: [{'name': str, 'id': str}]"},
#define KIND_BATCH(name, shape, out)                                          \
    {"fetch_and_parse_" #name "_batch", FN(py_fetch_##name##_batch), KW,     \
     "fetch_and_parse_" #name "_batch($module, /, requests, *, "              \
     "return_exceptions=False, progress=None)\n--\n\n"                       \
     "requests: " shape " -> " out "."},                                      \
    {"iter_" #name "_batch", FN(py_iter_##name##_batch), KW,                 \
     "iter_" #name "_batch($module, /, requests, *, progress=None)\n--\n\n"   \
     "Iterator of (index, result | PlayfastError) as requests complete."},
    KIND_BATCH(developer, "[(developer_id, lang, country[, num])]", "list[list[SearchResult]]")
    KIND_BATCH(similar, "[(app_id, lang, country[, num])]", "list[list[SearchResult]]")
    KIND_BATCH(suggest, "[(term, lang, country)]", "list[list[str]]")
    KIND_BATCH(permissions, "[(app_id, lang, country)]", "list[list[dict]]")
    KIND_BATCH(datasafety, "[(app_id, lang, country)]", "list[dict]")
    KIND_BATCH(categories, "[(lang, country)]", "list[list[dict]]")
#undef KIND_BATCH
    {NULL, NULL, 0, NULL},
};

int pf_py_batch_init(PyObject *mod, pf_state *st)
{
    st->BatchIter_Type = (PyTypeObject *)PyType_FromModuleAndSpec(mod, &BatchIter_spec, NULL);
    if (st->BatchIter_Type == NULL) return -1;
    if (PyModule_AddType(mod, st->BatchIter_Type) < 0) return -1;
    return 0;
}
