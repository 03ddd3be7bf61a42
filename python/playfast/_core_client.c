/*
 * _core_client.c -- the process-wide default client and configure().
 *
 * Client lifetime. The default client is a Python object (_Client) held by
 * the module state; every running batch holds its own reference, so
 * configure() can replace the default while other threads still use the old
 * one, which is freed when the last of them finishes.
 */
#include "_core.h"

#include <limits.h>
#include <string.h>

#include "options.h"

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

/* configure() keys, where each goes in pf_client_options, its bit for the
 * library's check (options.h) and the field name the check's messages
 * start with. */
enum otype { O_STR, O_DBL, O_INT, O_SIZE, O_STRS };
static const struct option {
    const char *key;
    enum otype type;
    size_t off;
    unsigned bit;
    const char *field;
    size_t count_off;      /* O_STRS: where the array's count goes */
} options[] = {
#define OPT(key, type, field, bit) \
    {key, type, offsetof(pf_client_options, field), bit, #field, 0}
#define OPTS(key, field, count) \
    {key, O_STRS, offsetof(pf_client_options, field), 0, #field, \
     offsetof(pf_client_options, count)}
    OPT("base_url", O_STR, base_url, PF__OPT_BASE_URL),
    OPT("user_agent", O_STR, user_agent, PF__OPT_USER_AGENT),
    OPT("proxy", O_STR, proxy, PF__OPT_PROXY),
    OPTS("proxies", proxies, n_proxies),
    OPTS("local_addresses", local_addresses, n_local_addresses),
    OPT("cacert", O_STR, cacert, PF__OPT_CACERT),
    OPT("timeout", O_DBL, timeout, PF__OPT_TIMEOUT),
    OPT("connect_timeout", O_DBL, connect_timeout, PF__OPT_CONNECT_TIMEOUT),
    OPT("deadline", O_DBL, deadline, PF__OPT_DEADLINE),
    OPT("concurrency", O_INT, max_concurrency, PF__OPT_MAX_CONCURRENCY),
    OPT("max_per_host", O_INT, max_per_host, PF__OPT_MAX_PER_HOST),
    OPT("rate", O_DBL, rate, PF__OPT_RATE),
    OPT("retries", O_INT, retries, PF__OPT_RETRIES),
    OPT("backoff", O_DBL, backoff, PF__OPT_BACKOFF),
    OPT("max_response", O_SIZE, max_response, PF__OPT_MAX_RESPONSE),
    OPT("workers", O_INT, workers, PF__OPT_WORKERS),
    OPT("http_version", O_INT, http_version, PF__OPT_HTTP_VERSION),
    OPT("verbose", O_INT, verbose, PF__OPT_VERBOSE),
#undef OPT
#undef OPTS
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* The string arrays (proxies, local_addresses) live while the options are
 * in use: pointers into the settings' tuples of str. */
typedef struct {
    const char **v[2];
    int n;
} str_arrays;

static int option_set(const struct option *o, pf_client_options *opt,
                      PyObject *v, str_arrays *arrays)
{
    char *at = (char *)opt + o->off;
    switch (o->type) {
    case O_STR:
        if (!PyUnicode_Check(v)) goto type_error;
        /* Borrowed from the settings dict, which outlives pf_client_new();
         * the client copies its strings. */
        if ((*(const char **)at = pf_py_utf8(v, o->key, PF_PY_NO_INDEX)) == NULL)
            return -1;
        return 0;
    case O_STRS: {
        /* configure() stored a tuple (see py_configure). */
        Py_ssize_t n = PyTuple_GET_SIZE(v);
        const char **a = PyMem_Calloc(n ? (size_t)n : 1, sizeof *a);
        if (a == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        arrays->v[arrays->n++] = a;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PyTuple_GET_ITEM(v, i);
            char name[64];
            snprintf(name, sizeof name, "%s[%zd]", o->key, i);
            if (!PyUnicode_Check(item)) {
                PyErr_Format(PyExc_TypeError, "%s must be a str, not %.100s",
                             name, Py_TYPE(item)->tp_name);
                return -1;
            }
            if ((a[i] = pf_py_utf8(item, name, PF_PY_NO_INDEX)) == NULL) return -1;
        }
        *(const char ***)at = a;
        *(size_t *)((char *)opt + o->count_off) = (size_t)n;
        return 0;
    }
    case O_DBL: {
        double d = PyFloat_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        *(double *)at = d;
        return 0;
    }
    case O_INT: {
        long l = PyLong_AsLong(v);
        if (l == -1 && PyErr_Occurred()) return -1;
        /* The range is the library's check; this only keeps the value an
         * int, so that it is not changed on the way there. */
        if (l < INT_MIN || l > INT_MAX) {
            PyErr_Format(PyExc_ValueError, "%s: out of range, got %ld", o->key, l);
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

/* A refusal of the library's check as InvalidArgumentError (a ValueError),
 * its message naming the keyword argument instead of the C field. */
static void raise_option_error(pf_state *st, pf_error *err)
{
    size_t n = strcspn(err->message, "[:");
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *f = options[i].field, *k = options[i].key;
        if (strlen(f) == n && strncmp(err->message, f, n) == 0 && strcmp(f, k)) {
            char rest[sizeof err->message];
            snprintf(rest, sizeof rest, "%s", err->message + n);
            snprintf(err->message, sizeof err->message, "%s%s", k, rest);
            break;
        }
    }
    PyObject *exc = pf_py_error_new(st, err, PF_EINVAL, NULL);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

PyObject *pf_py_client_new(pf_state *st)
{
    pf_client_options opt;
    pf_error err;
    pf_client *c = NULL;
    Client *cl;
    pf_code rc;
    str_arrays arrays = {{NULL, NULL}, 0};
    unsigned given = 0;

    pf_client_options_init(&opt);
    memset(&err, 0, sizeof err);
    for (size_t i = 0; i < NOPTIONS; i++) {
        PyObject *v = PyDict_GetItemString(st->settings, options[i].key);
        if (v == NULL || v == Py_None) continue;
        if (option_set(&options[i], &opt, v, &arrays) < 0) goto error;
        given |= options[i].bit;
    }
    /* The one validation the CLI and the engine use too; the engine runs
     * it again, without knowing which values were given. */
    if (pf__client_options_check(&opt, given, &err) != PF_OK) {
        raise_option_error(st, &err);
        goto error;
    }
    rc = pf_client_new(&opt, &c, &err);
    PyMem_Free(arrays.v[0]);
    PyMem_Free(arrays.v[1]);
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
error:
    PyMem_Free(arrays.v[0]);
    PyMem_Free(arrays.v[1]);
    return NULL;
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

/* Every configure() key with the value the client runs with, defaults
 * included, as the engine resolved them (pf_client_options_get). */
static PyObject *settings_in_effect(pf_client *c)
{
    pf_client_options o;
    PyObject *d = PyDict_New(), *v = NULL;
    if (d == NULL) return NULL;
    pf_client_options_get(c, &o);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *at = (const char *)&o + options[i].off;
        switch (options[i].type) {
        case O_STR: {
            const char *s = *(const char *const *)at;
            v = s ? PyUnicode_FromString(s) : Py_NewRef(Py_None);
            break;
        }
        case O_STRS: {
            const char *const *a = *(const char *const *const *)at;
            size_t n = *(const size_t *)((const char *)&o + options[i].count_off);
            if ((v = PyTuple_New((Py_ssize_t)n)) == NULL) break;
            for (size_t k = 0; k < n; k++) {
                PyObject *s = PyUnicode_FromString(a[k]);
                if (s == NULL) {
                    Py_CLEAR(v);
                    break;
                }
                PyTuple_SET_ITEM(v, (Py_ssize_t)k, s);   /* steals s */
            }
            break;
        }
        case O_DBL: v = PyFloat_FromDouble(*(const double *)at); break;
        case O_INT: v = PyLong_FromLong(*(const int *)at); break;
        case O_SIZE: v = PyLong_FromSize_t(*(const size_t *)at); break;
        }
        if (v == NULL || PyDict_SetItemString(d, options[i].key, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_CLEAR(v);
    }
    return d;
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
        /* None restores the library default. A list option is kept as a
         * tuple, which the caller cannot change under the client. */
        if (v == Py_None) {
            if (PyDict_DelItem(st->settings, k) < 0) PyErr_Clear();
        } else if (options[i].type == O_STRS) {
            PyObject *t;
            if (PyUnicode_Check(v) || PyBytes_Check(v)) {
                PyErr_Format(PyExc_TypeError, "%s must be a list of str, not a "
                             "single string", options[i].key);
                goto error;
            }
            if ((t = PySequence_Tuple(v)) == NULL) goto error;
            int bad = PyDict_SetItem(st->settings, k, t);
            Py_DECREF(t);
            if (bad < 0) goto error;
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
    return settings_in_effect(((Client *)client)->c);
error:
    PyDict_Clear(st->settings);
    if (PyDict_Update(st->settings, saved) < 0) PyErr_Clear();
    Py_DECREF(saved);
    return NULL;
}

/* One dict per egress: name, rate, cooldown, quarantined and counters. */
static PyObject *egress_list(pf_client *c, size_t hint)
{
    pf_egress_stats *eg = NULL;
    size_t n = 0;
    PyObject *list;
    if (hint > 0) {
        if (hint > PF_MAX_EGRESSES * 2 + 1) hint = PF_MAX_EGRESSES * 2 + 1;
        if ((eg = PyMem_Calloc(hint, sizeof *eg)) == NULL) return PyErr_NoMemory();
        n = pf_client_egress_stats(c, eg, hint);
        if (n > hint) n = hint;
    }
    if ((list = PyList_New((Py_ssize_t)n)) == NULL) goto done;
    for (size_t i = 0; i < n; i++) {
        PyObject *d = Py_BuildValue(
            "{s:s,s:d,s:d,s:O,s:K,s:K,s:K}", "name", eg[i].name ? eg[i].name : "",
            "rate", eg[i].rate, "cooldown", eg[i].cooldown, "quarantined",
            eg[i].quarantined ? Py_True : Py_False, "requests",
            (unsigned long long)eg[i].requests, "rate_limited",
            (unsigned long long)eg[i].rate_limited, "blocked",
            (unsigned long long)eg[i].blocked);
        if (d == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, d);   /* steals d */
    }
done:
    PyMem_Free(eg);
    return list;
}

static PyObject *py_client_stats(PyObject *mod, PyObject *unused)
{
    pf_state *st = pf_state_of_module(mod);
    pf_client_stats s;
    PyObject *client = pf_py_default_client(st), *egresses;
    if (client == NULL) return NULL;
    memset(&s, 0, sizeof s);
    pf_client_stats_get(((Client *)client)->c, &s);
    egresses = egress_list(((Client *)client)->c, s.egresses);
    Py_DECREF(client);
    if (egresses == NULL) return NULL;
    return Py_BuildValue("{s:K,s:K,s:K,s:K,s:K,s:K,s:N}", "requests",
                         (unsigned long long)s.requests, "retries",
                         (unsigned long long)s.retries, "connections",
                         (unsigned long long)s.connections, "bytes_received",
                         (unsigned long long)s.bytes_received, "rate_limited",
                         (unsigned long long)s.rate_limited, "blocked",
                         (unsigned long long)s.blocked, "egresses", egresses);
}

#define KW (METH_VARARGS | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))
PyMethodDef pf_py_client_methods[] = {
    {"configure", FN(py_configure), KW,
     "configure($module, /, *, base_url=None, concurrency=None, rate=None, retries=None,\n"
     "          timeout=None, deadline=None, proxy=None, proxies=None,\n"
     "          local_addresses=None, cacert=None, user_agent=None,\n"
     "          connect_timeout=None, max_per_host=None, backoff=None,\n"
     "          max_response=None, workers=None, http_version=None, verbose=None)\n--\n\n"
     "Change settings of the process-wide client (None restores a default)\n"
     "and recreate it. Returns every setting now in effect, defaults included.\n"
     "A bad value raises\n"
     "InvalidArgumentError (a ValueError) naming the argument; the settings\n"
     "then stay as they were. rate is a ceiling per egress (each proxy and\n"
     "local address is one); the pacing learns what the server allows below\n"
     "it. deadline: seconds a request may take in all, retries included."},
    {"client_stats", py_client_stats, METH_NOARGS,
     "client_stats($module, /)\n--\n\nCounters of the default client: requests, retries, connections,\n"
     "bytes_received, rate_limited (429/503 answers), blocked (captcha or\n"
     "consent pages), and egresses: one dict per egress with name, rate\n"
     "(requests/s it may start now), cooldown, quarantined, requests,\n"
     "rate_limited, blocked. Call it from a progress callback to watch pushback."},
    {NULL, NULL, 0, NULL},
};

int pf_py_client_init(PyObject *mod, pf_state *st)
{
    st->Client_Type = (PyTypeObject *)PyType_FromModuleAndSpec(mod, &Client_spec, NULL);
    if (st->Client_Type == NULL) return -1;
    if ((st->settings = PyDict_New()) == NULL) return -1;
    return 0;
}
