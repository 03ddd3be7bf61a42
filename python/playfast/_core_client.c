/*
 * _core_client.c -- the process-wide default client and configure().
 *
 * Client lifetime. The default client is a Python object (_Client) held by
 * the module state; every running batch holds its own reference, so
 * configure() can replace the default while other threads still use the old
 * one, which is freed when the last of them finishes.
 */
#include "_core.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* _Client                                                                  */
/* ------------------------------------------------------------------------ */

static void Client_dealloc(PyObject *self)
{
    Client *cl = (Client *)self;
    PyTypeObject *tp = Py_TYPE(self);
    if (cl->c != NULL) {
        pf_client *c = cl->c;
        cl->c = NULL;
        /* Joining the engine's threads can take a moment; let others run. */
        Py_BEGIN_ALLOW_THREADS
        pf_client_free(c);
        Py_END_ALLOW_THREADS
    }
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot Client_slots[] = {
    {Py_tp_dealloc, Client_dealloc},
    {Py_tp_doc, "One libplayfast client (internal; see configure())."},
    {0, NULL},
};

static PyType_Spec Client_spec = {
    .name = "playfast._core._Client",
    .basicsize = sizeof(Client),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Client_slots,
};

/* configure() keys and where each goes in pf_client_options. */
enum otype { O_STR, O_DBL, O_INT, O_SIZE };
static const struct option {
    const char *key;
    enum otype type;
    size_t off;
} options[] = {
    {"base_url", O_STR, offsetof(pf_client_options, base_url)},
    {"user_agent", O_STR, offsetof(pf_client_options, user_agent)},
    {"proxy", O_STR, offsetof(pf_client_options, proxy)},
    {"cacert", O_STR, offsetof(pf_client_options, cacert)},
    {"timeout", O_DBL, offsetof(pf_client_options, timeout)},
    {"connect_timeout", O_DBL, offsetof(pf_client_options, connect_timeout)},
    {"concurrency", O_INT, offsetof(pf_client_options, max_concurrency)},
    {"max_per_host", O_INT, offsetof(pf_client_options, max_per_host)},
    {"rate", O_DBL, offsetof(pf_client_options, rate)},
    {"retries", O_INT, offsetof(pf_client_options, retries)},
    {"backoff", O_DBL, offsetof(pf_client_options, backoff)},
    {"max_response", O_SIZE, offsetof(pf_client_options, max_response)},
    {"workers", O_INT, offsetof(pf_client_options, workers)},
    {"http_version", O_INT, offsetof(pf_client_options, http_version)},
    {"verbose", O_INT, offsetof(pf_client_options, verbose)},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static int option_set(const struct option *o, pf_client_options *opt, PyObject *v)
{
    char *at = (char *)opt + o->off;
    switch (o->type) {
    case O_STR:
        if (!PyUnicode_Check(v)) goto type_error;
        /* Borrowed from the settings dict, which outlives pf_client_new();
         * the client copies its strings. */
        if ((*(const char **)at = PyUnicode_AsUTF8(v)) == NULL) return -1;
        return 0;
    case O_DBL: {
        double d = PyFloat_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        *(double *)at = d;
        return 0;
    }
    case O_INT: {
        long l = PyLong_AsLong(v);
        if (l == -1 && PyErr_Occurred()) return -1;
        if (l < -1 || l > 1000000) {
            PyErr_Format(PyExc_ValueError, "%s out of range: %ld", o->key, l);
            return -1;
        }
        *(int *)at = (int)l;
        return 0;
    }
    case O_SIZE: {
        size_t s = PyLong_AsSize_t(v);
        if (s == (size_t)-1 && PyErr_Occurred()) return -1;
        *(size_t *)at = s;
        return 0;
    }
    }
type_error:
    PyErr_Format(PyExc_TypeError, "%s must be a str, not %.100s", o->key,
                 Py_TYPE(v)->tp_name);
    return -1;
}

PyObject *pf_py_client_new(pf_state *st)
{
    pf_client_options opt;
    pf_error err;
    pf_client *c = NULL;
    Client *cl;
    pf_code rc;

    pf_client_options_init(&opt);
    memset(&err, 0, sizeof err);
    for (size_t i = 0; i < NOPTIONS; i++) {
        PyObject *v = PyDict_GetItemString(st->settings, options[i].key);
        if (v != NULL && v != Py_None && option_set(&options[i], &opt, v) < 0)
            return NULL;
    }
    rc = pf_client_new(&opt, &c, &err);
    if (rc != PF_OK) {
        PyObject *exc = pf_py_error_new(st, &err, rc, NULL);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        return NULL;
    }
    if ((cl = PyObject_New(Client, st->Client_Type)) == NULL) {
        pf_client_free(c);
        return NULL;
    }
    cl->c = c;
    return (PyObject *)cl;
}

PyObject *pf_py_default_client(pf_state *st)
{
    if (st->client == NULL) {
        PyObject *c = pf_py_client_new(st);
        if (c == NULL) return NULL;
        /* Creating the client may run the garbage collector, and with it
         * finalizers that let another thread in; keep whichever client was
         * installed first. */
        if (st->client == NULL)
            st->client = c;   /* the state takes the reference */
        else
            Py_DECREF(c);
    }
    return Py_NewRef(st->client);
}

static PyObject *py_configure(PyObject *mod, PyObject *args, PyObject *kwds)
{
    pf_state *st = pf_state_of_module(mod);
    PyObject *saved = NULL, *k, *v, *client;
    Py_ssize_t pos = 0;

    if (PyTuple_GET_SIZE(args) != 0) {
        PyErr_SetString(PyExc_TypeError, "configure() takes keyword arguments only");
        return NULL;
    }
    if ((saved = PyDict_Copy(st->settings)) == NULL) return NULL;
    while (kwds != NULL && PyDict_Next(kwds, &pos, &k, &v)) {
        const char *key = PyUnicode_AsUTF8(k);
        size_t i = 0;
        if (key == NULL) goto error;
        while (i < NOPTIONS && strcmp(options[i].key, key) != 0) i++;
        if (i == NOPTIONS) {
            PyErr_Format(PyExc_TypeError, "configure() got an unexpected keyword %R", k);
            goto error;
        }
        /* None restores the library default. */
        if (v == Py_None) {
            if (PyDict_DelItem(st->settings, k) < 0) PyErr_Clear();
        } else if (PyDict_SetItem(st->settings, k, v) < 0) {
            goto error;
        }
    }
    /* Create the client now so that a bad setting fails here, not at the
     * next fetch. Batches still running keep their own reference to the old
     * client. */
    if ((client = pf_py_client_new(st)) == NULL) goto error;
    Py_XSETREF(st->client, client);
    Py_DECREF(saved);
    return PyDict_Copy(st->settings);
error:
    PyDict_Clear(st->settings);
    if (PyDict_Update(st->settings, saved) < 0) PyErr_Clear();
    Py_DECREF(saved);
    return NULL;
}

static PyObject *py_client_stats(PyObject *mod, PyObject *unused)
{
    pf_state *st = pf_state_of_module(mod);
    pf_client_stats s;
    PyObject *client = pf_py_default_client(st);
    if (client == NULL) return NULL;
    memset(&s, 0, sizeof s);
    pf_client_stats_get(((Client *)client)->c, &s);
    Py_DECREF(client);
    return Py_BuildValue("{s:K,s:K,s:K,s:K}", "requests",
                         (unsigned long long)s.requests, "retries",
                         (unsigned long long)s.retries, "connections",
                         (unsigned long long)s.connections, "bytes_received",
                         (unsigned long long)s.bytes_received);
}

#define KW (METH_VARARGS | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))
PyMethodDef pf_py_client_methods[] = {
    {"configure", FN(py_configure), KW,
     "configure(*, base_url=, concurrency=, rate=, retries=, timeout=, proxy=,\n"
     "          cacert=, user_agent=, connect_timeout=, max_per_host=, backoff=,\n"
     "          max_response=, workers=, http_version=, verbose=) -> dict\n"
     "Change settings of the process-wide client (None restores a default)\n"
     "and recreate it. Returns the settings now in effect."},
    {"client_stats", py_client_stats, METH_NOARGS,
     "Counters of the default client: requests, retries, connections, bytes_received."},
    {NULL, NULL, 0, NULL},
};

int pf_py_client_init(PyObject *mod, pf_state *st)
{
    st->Client_Type = (PyTypeObject *)PyType_FromModuleAndSpec(mod, &Client_spec, NULL);
    if (st->Client_Type == NULL) return -1;
    if ((st->settings = PyDict_New()) == NULL) return -1;
    return 0;
}
