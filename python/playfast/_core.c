/*
 * _core.c -- the playfast._core extension module: definition, state,
 * exceptions, constants and the offline parsers.
 *
 * Multi-phase initialisation with per-module state: every type is a heap
 * type and every exception class lives in the state, so the module can be
 * loaded in several interpreters. The result types are in _core_types.c, the
 * network functions in _core_batch.c.
 */
#include "_core.h"

#include <string.h>

#include "options.h"

/* ------------------------------------------------------------------------ */
/* Errors: pf_error -> exception instance                                   */
/* ------------------------------------------------------------------------ */

PyObject *pf_py_error_new(pf_state *st, const pf_error *err, pf_code code,
                          PyObject *request)
{
    return pf_py_error_new_as(st, err, code, request, NULL);
}

PyObject *pf_py_error_new_as(pf_state *st, const pf_error *err, pf_code code,
                             PyObject *request, PyObject *cls)
{
    PyObject *exc = NULL, *v = NULL;
    const char *text = err != NULL && err->message[0] ? err->message : pf_strerror(code);
    int status = err != NULL ? err->http_status : 0;

    if (cls == NULL)
        cls = (unsigned)code < PF_CODE_COUNT_ && st->exc[code] ? st->exc[code]
                                                             : st->PlayfastError;
    if (status > 0 && (err == NULL || !err->message[0]))
        exc = PyObject_CallFunction(cls, "N", PyUnicode_FromFormat("%s (HTTP %d)", text, status));
    else
        exc = PyObject_CallFunction(cls, "s", text);
    if (exc == NULL) return NULL;
#define SET(name, expr)                                                      \
    if ((v = (expr)) == NULL || PyObject_SetAttrString(exc, name, v) < 0)    \
        goto error;                                                          \
    Py_CLEAR(v);
    SET("request", Py_NewRef(request ? request : Py_None));
    SET("status", status > 0 ? PyLong_FromLong(status) : Py_NewRef(Py_None));
    SET("code", PyUnicode_FromString(pf_code_name(code)));
    SET("offset", err != NULL && err->offset != PF_NO_OFFSET
                      ? PyLong_FromSize_t(err->offset)
                      : Py_NewRef(Py_None));
    SET("attempts", PyLong_FromLong(err != NULL ? err->attempts : 0));
    SET("detail", Py_NewRef(Py_None));
#undef SET
    return exc;
error:
    Py_XDECREF(v);
    Py_DECREF(exc);
    return NULL;
}

const char *pf_py_utf8(PyObject *o, const char *name, size_t index)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(o, &n);
    if (s != NULL && strlen(s) != (size_t)n) {
        if (index == PF_PY_NO_INDEX)
            PyErr_Format(PyExc_ValueError, "%s: contains a NUL character", name);
        else
            PyErr_Format(PyExc_ValueError,
                         "%s: contains a NUL character (request %zu)", name, index);
        return NULL;
    }
    return s;
}

/* ------------------------------------------------------------------------ */
/* Offline parsers                                                          */
/* ------------------------------------------------------------------------ */

/* The bytes of a str (its cached UTF-8) or of any buffer. The buffer export
 * keeps a bytearray from being resized while the GIL is released. */
typedef struct {
    Py_buffer view;
    const char *buf;
    Py_ssize_t len;
} text_arg;

static int text_get(PyObject *o, text_arg *t)
{
    memset(t, 0, sizeof *t);
    if (PyUnicode_Check(o)) {
        t->buf = PyUnicode_AsUTF8AndSize(o, &t->len);
        return t->buf == NULL ? -1 : 0;
    }
    if (PyObject_GetBuffer(o, &t->view, PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "expected str or bytes, not %.100s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    t->buf = t->view.buf;
    t->len = t->view.len;
    return 0;
}

static void text_release(text_arg *t)
{
    if (t->view.obj != NULL) PyBuffer_Release(&t->view);
}

static PyObject *raise_parse_error(pf_state *st, const pf_error *err, pf_code rc)
{
    PyObject *exc = pf_py_error_new(st, err, rc, NULL);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* Parse with the GIL released (a 1 MB page takes milliseconds), then wrap
 * the result. kind selects the parser. */
static PyObject *parse_text(PyObject *mod, PyObject *text, const char *app_id,
                            pf_kind kind)
{
    pf_state *st = pf_state_of_module(mod);
    text_arg t;
    pf_error err;
    pf_code rc = PF_EINVAL;
    void *out = NULL;

    if (text_get(text, &t) < 0) return NULL;
    memset(&err, 0, sizeof err);
    Py_BEGIN_ALLOW_THREADS
    switch (kind) {
    case PF_KIND_APP:
        rc = pf_parse_app(t.buf, (size_t)t.len, app_id, (pf_app **)&out, &err);
        break;
    case PF_KIND_LIST:
        rc = pf_parse_list(t.buf, (size_t)t.len, (pf_list **)&out, &err);
        break;
    case PF_KIND_SEARCH:
        rc = pf_parse_search(t.buf, (size_t)t.len, (pf_list **)&out, &err);
        break;
    case PF_KIND_REVIEWS:
        rc = pf_parse_reviews(t.buf, (size_t)t.len, (pf_reviews **)&out, &err);
        break;
    default:
        break;
    }
    Py_END_ALLOW_THREADS
    text_release(&t);
    if (rc != PF_OK) return raise_parse_error(st, &err, rc);
    /* Takes ownership of out, even when it fails. */
    return pf_py_result_new(st, kind, out);
}

static PyObject *py_parse_app_page(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"html", "app_id", NULL};
    PyObject *html;
    const char *app_id = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|z:parse_app_page", kwlist,
                                     &html, &app_id))
        return NULL;
    return parse_text(mod, html, app_id, PF_KIND_APP);
}

static PyObject *py_parse_search_results(PyObject *mod, PyObject *html)
{
    return parse_text(mod, html, NULL, PF_KIND_SEARCH);
}

static PyObject *py_parse_list(PyObject *mod, PyObject *text)
{
    return parse_text(mod, text, NULL, PF_KIND_LIST);
}

static PyObject *py_parse_reviews(PyObject *mod, PyObject *text)
{
    return parse_text(mod, text, NULL, PF_KIND_REVIEWS);
}

/* The original package's compatibility pair for reviews pages: the reviews
 * alone, and the next page's token alone. */
static PyObject *reviews_part(PyObject *mod, PyObject *text, Py_ssize_t part)
{
    PyObject *pair = parse_text(mod, text, NULL, PF_KIND_REVIEWS), *v;
    if (pair == NULL) return NULL;
    v = Py_NewRef(PyTuple_GET_ITEM(pair, part));
    Py_DECREF(pair);
    return v;
}

static PyObject *py_parse_review_batch(PyObject *mod, PyObject *text)
{
    return reviews_part(mod, text, 0);
}

static PyObject *py_extract_continuation_token(PyObject *mod, PyObject *text)
{
    return reviews_part(mod, text, 1);
}

/* ---- request bodies, for callers with their own HTTP client ---- */

/* An optional (None -> NULL) or required str argument called name. */
static int str_arg(PyObject *o, const char *name, int required,
                   const char **out)
{
    if (o == Py_None && !required) {
        *out = NULL;
        return 0;
    }
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str%s, not %.100s", name,
                     required ? "" : " or None", Py_TYPE(o)->tp_name);
        return -1;
    }
    return (*out = pf_py_utf8(o, name, PF_PY_NO_INDEX)) == NULL ? -1 : 0;
}

static PyObject *request_body(PyObject *mod, const pf_request *r)
{
    pf_http_request h;
    pf_error err;
    pf_code rc = pf__request_check(r, &err);
    PyObject *body;

    if (rc == PF_OK) rc = pf_request_build(r, NULL, &h, &err);
    if (rc != PF_OK) return raise_parse_error(pf_state_of_module(mod), &err, rc);
    body = PyUnicode_DecodeUTF8(h.body, (Py_ssize_t)h.body_len, "strict");
    pf_http_request_cleanup(&h);
    return body;
}

static PyObject *py_build_list_request_body(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"category", "collection", "num", NULL};
    PyObject *category, *collection;
    pf_request r;
    pf_request_init(&r, PF_KIND_LIST);
    r.num = 100;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|i:build_list_request_body", kwlist,
                                     &category, &collection, &r.num) ||
        str_arg(category, "category", 0, &r.category) < 0 ||
        str_arg(collection, "collection", 0, &r.collection) < 0)
        return NULL;
    return request_body(mod, &r);
}

static PyObject *py_build_reviews_request_body(PyObject *mod, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"app_id", "sort", "continuation_token", "lang", "country",
                             "count", NULL};
    PyObject *app_id, *token = Py_None, *lang = Py_None, *country = Py_None;
    PyObject *sort_arg = Py_None;
    pf_request r;
    int sort = PF_SORT_NEWEST;
    pf_request_init(&r, PF_KIND_REVIEWS);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOOO$i:build_reviews_request_body",
                                     kwlist, &app_id, &sort_arg, &token, &lang,
                                     &country, &r.num) ||
        pf_py_sort_arg(pf_state_of_module(mod), sort_arg, &sort) < 0 ||
        str_arg(app_id, "app_id", 1, &r.app_id) < 0 ||
        str_arg(token, "continuation_token", 0, &r.token) < 0 ||
        str_arg(lang, "lang", 0, &r.lang) < 0 ||
        str_arg(country, "country", 0, &r.country) < 0)
        return NULL;
    r.sort = (pf_sort)sort;
    return request_body(mod, &r);
}

static PyMethodDef parse_methods[] = {
    {"parse_app_page", (PyCFunction)(void (*)(void))py_parse_app_page,
     METH_VARARGS | METH_KEYWORDS,
     "parse_app_page($module, /, html, app_id=None)\n--\n\n"
     "Parse an app details page (HTML) or a Ws7gDc batchexecute response."},
    {"parse_search_results", py_parse_search_results, METH_O,
     "parse_search_results($module, html, /)\n--\n\n"
     "Parse a search results page (HTML) -> list[SearchResult]."},
    {"parse_batchexecute_list_response", py_parse_list, METH_O,
     "parse_batchexecute_list_response($module, response_text, /)\n--\n\n"
     "Parse a top-chart (vyAe2) response -> list[SearchResult]."},
    {"parse_batchexecute_reviews_response", py_parse_reviews, METH_O,
     "parse_batchexecute_reviews_response($module, response_text, /)\n--\n\n"
     "Parse a reviews response -> (list[Review], next_token | None)."},
    {"parse_review_batch", py_parse_review_batch, METH_O,
     "parse_review_batch($module, response_text, /)\n--\n\n"
     "The reviews of a reviews response (the original package's name)."},
    {"extract_continuation_token", py_extract_continuation_token, METH_O,
     "extract_continuation_token($module, response_text, /)\n--\n\n"
     "The next page's token of a reviews response; None on the last page."},
    {"build_list_request_body", (PyCFunction)(void (*)(void))py_build_list_request_body,
     METH_VARARGS | METH_KEYWORDS,
     "build_list_request_body($module, /, category, collection, num=100)\n--\n\n"
     "The form body to POST for a top chart, for your own HTTP client: to\n"
     "https://play.google.com/_/PlayStoreUi/data/batchexecute?rpcids=vyAe2&hl=LANG&gl=COUNTRY\n"
     "with Content-Type: application/x-www-form-urlencoded;charset=UTF-8.\n"
     "category None means all apps. Parse the answer with\n"
     "parse_batchexecute_list_response()."},
    {"build_reviews_request_body", (PyCFunction)(void (*)(void))py_build_reviews_request_body,
     METH_VARARGS | METH_KEYWORDS,
     "build_reviews_request_body($module, /, app_id, sort=2, continuation_token=None,\n"
     "                           lang=None, country=None, *, count=150)\n--\n\n"
     "sort: \"newest\" (SORT_NEWEST, 2, the default), \"relevant\" (1) or \"rating\" (3).\n"
     "The form body to POST for one page of reviews (count <= 150), to\n"
     "https://play.google.com/_/PlayStoreUi/data/batchexecute?rpcids=UsvDTd&hl=LANG&gl=COUNTRY.\n"
     "Parse the answer with parse_batchexecute_reviews_response()."},
    {NULL, NULL, 0, NULL},
};

/* ------------------------------------------------------------------------ */
/* Exceptions                                                               */
/* ------------------------------------------------------------------------ */

static PyObject *new_exc(PyObject *mod, const char *name, const char *doc,
                         PyObject *base1, PyObject *base2)
{
    char qualname[80];
    PyObject *bases, *cls;

    snprintf(qualname, sizeof qualname, "playfast._core.%s", name);
    bases = base2 ? PyTuple_Pack(2, base1, base2) : PyTuple_Pack(1, base1);
    if (bases == NULL) return NULL;
    cls = PyErr_NewExceptionWithDoc(qualname, doc, bases, NULL);
    Py_DECREF(bases);
    if (cls != NULL && PyModule_AddObjectRef(mod, name, cls) < 0) Py_CLEAR(cls);
    return cls;
}

static int exceptions_init(PyObject *mod, pf_state *st)
{
    static const struct {
        pf_code code;
        const char *name;
        const char *doc;
        PyObject **base2;   /* a builtin to inherit from as well */
    } table[] = {
        {PF_ENOTFOUND, "AppNotFoundError", "The app or page does not exist (HTTP 404).", NULL},
        {PF_ERATELIMIT, "RateLimitError", "HTTP 429 or 503 until the request's deadline.", NULL},
        {PF_EBLOCKED, "BlockedError", "Google answered with its unusual-traffic captcha or a consent redirect, until the request's deadline.", NULL},
        {PF_EHTTP, "HttpError", "An unexpected HTTP status.", NULL},
        {PF_EMALFORMED, "ParseError", "Broken or truncated JSON or envelope.", &PyExc_ValueError},
        {PF_ETIMEOUT, "TimeoutError", "The request timed out.", &PyExc_TimeoutError},
        {PF_ENETWORK, "NetworkError", "DNS, connect, reset or TLS failure.", &PyExc_ConnectionError},
        {PF_ETOOBIG, "ResponseTooLargeError", "The response exceeded the configured cap.", NULL},
        {PF_ECANCELLED, "CancelledError", "The batch was cancelled before this request finished.", NULL},
        {PF_EINVAL, "InvalidArgumentError", "The library rejected an argument.", &PyExc_ValueError},
        {PF_ENOMEM, "OutOfMemoryError", "The library ran out of memory.", &PyExc_MemoryError},
    };
    st->PlayfastError = new_exc(mod, "PlayfastError",
        "Base of every playfast error. Attributes: request (the request as "
        "given, or None), status (HTTP status or None), code (snake_case "
        "kind), offset (byte offset of a parse error or None), attempts, "
        "detail (what the server answered, for a failed fetch).",
        PyExc_Exception, NULL);
    if (st->PlayfastError == NULL) return -1;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        PyObject *cls = new_exc(mod, table[i].name, table[i].doc, st->PlayfastError,
                                table[i].base2 ? *table[i].base2 : NULL);
        if (cls == NULL) return -1;
        st->exc[table[i].code] = cls;
    }
    /* A page of a layout the parsers do not know is a parse error too. */
    st->exc[PF_EUNSUPPORTED] = new_exc(mod, "UnsupportedLayoutError",
        "A page whose layout the parsers do not know.", st->exc[PF_EMALFORMED], NULL);
    if (st->exc[PF_EUNSUPPORTED] == NULL) return -1;
    st->BatchError = new_exc(mod, "BatchError",
        "Some requests of a batch failed. results: the list in input order "
        "with None where a request failed; errors: {index: exception}.",
        st->PlayfastError, NULL);
    if (st->BatchError == NULL) return -1;
    if (PyModule_AddObjectRef(mod, "NotFoundError", st->exc[PF_ENOTFOUND]) < 0) return -1;
    /* Not an AppNotFoundError: a chart that answers with no data names no
     * app (an unknown category or collection, or an empty chart). */
    st->NoDataError = new_exc(mod, "NoDataError",
        "The server answered with no data: a chart of an unknown category or "
        "collection, or one empty today. code == \"not_found\".",
        st->PlayfastError, PyExc_LookupError);
    if (st->NoDataError == NULL) return -1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Module                                                                   */
/* ------------------------------------------------------------------------ */

static int core_exec(PyObject *mod)
{
    pf_state *st = pf_state_of_module(mod);

    if (pf_py_types_init(mod, st) < 0) return -1;
    if (exceptions_init(mod, st) < 0) return -1;
    if (pf_py_client_init(mod, st) < 0) return -1;
    if (pf_py_batch_init(mod, st) < 0) return -1;
    if (PyModule_AddFunctions(mod, parse_methods) < 0) return -1;
    if (PyModule_AddFunctions(mod, pf_py_batch_methods) < 0) return -1;
    if (PyModule_AddFunctions(mod, pf_py_kinds_methods) < 0) return -1;
    if (PyModule_AddFunctions(mod, pf_py_client_methods) < 0) return -1;
    if (PyModule_AddFunctions(mod, pf_py_store_methods) < 0) return -1;
    if (PyModule_AddIntConstant(mod, "SORT_RELEVANT", PF_SORT_RELEVANT) < 0 ||
        PyModule_AddIntConstant(mod, "SORT_MOST_RELEVANT", PF_SORT_RELEVANT) < 0 ||
        PyModule_AddIntConstant(mod, "SORT_NEWEST", PF_SORT_NEWEST) < 0 ||
        PyModule_AddIntConstant(mod, "SORT_RATING", PF_SORT_RATING) < 0 ||
        PyModule_AddIntConstant(mod, "PRICE_ALL", PF_PRICE_ALL) < 0 ||
        PyModule_AddIntConstant(mod, "PRICE_FREE", PF_PRICE_FREE) < 0 ||
        PyModule_AddIntConstant(mod, "PRICE_PAID", PF_PRICE_PAID) < 0 ||
        PyModule_AddIntConstant(mod, "REVIEWS_ALL", PF_REVIEWS_ALL) < 0 ||
        PyModule_AddStringConstant(mod, "__version__", PF_VERSION) < 0)
        return -1;
    return 0;
}

static int core_traverse(PyObject *mod, visitproc visit, void *arg)
{
    pf_state *st = pf_state_of_module(mod);
    Py_VISIT(st->Block_Type);
    Py_VISIT(st->AppInfo_Type);
    Py_VISIT(st->SearchResult_Type);
    Py_VISIT(st->Review_Type);
    Py_VISIT(st->Permission_Type);
    Py_VISIT(st->Client_Type);
    Py_VISIT(st->BatchIter_Type);
    Py_VISIT(st->PlayfastError);
    Py_VISIT(st->BatchError);
    Py_VISIT(st->NoDataError);
    for (int i = 0; i < PF_CODE_COUNT_; i++) Py_VISIT(st->exc[i]);
    Py_VISIT(st->client);
    Py_VISIT(st->settings);
    return 0;
}

static int core_clear(PyObject *mod)
{
    pf_state *st = pf_state_of_module(mod);
    /* The client goes first: its dealloc needs Client_Type alive. */
    Py_CLEAR(st->client);
    Py_CLEAR(st->settings);
    Py_CLEAR(st->Block_Type);
    Py_CLEAR(st->AppInfo_Type);
    Py_CLEAR(st->SearchResult_Type);
    Py_CLEAR(st->Review_Type);
    Py_CLEAR(st->Permission_Type);
    Py_CLEAR(st->Client_Type);
    Py_CLEAR(st->BatchIter_Type);
    Py_CLEAR(st->PlayfastError);
    Py_CLEAR(st->BatchError);
    Py_CLEAR(st->NoDataError);
    for (int i = 0; i < PF_CODE_COUNT_; i++) Py_CLEAR(st->exc[i]);
    return 0;
}

static void core_free(void *mod)
{
    core_clear((PyObject *)mod);
}

static PyModuleDef_Slot core_slots[] = {
    {Py_mod_exec, core_exec},
    {0, NULL},
};

PyModuleDef pf_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "playfast._core",
    .m_doc = "playfast._core: Google Play Store fetching and parsing in C "
             "(libplayfast), with a batch API that releases the GIL.",
    .m_size = sizeof(pf_state),
    .m_slots = core_slots,
    .m_traverse = core_traverse,
    .m_clear = core_clear,
    .m_free = core_free,
};

PyMODINIT_FUNC PyInit__core(void)
{
    return PyModuleDef_Init(&pf_module_def);
}
