/*
 * _core_kinds.c -- the results of the kinds added with issue 10 as Python
 * objects: suggestions as list[str]; permissions, categories and data
 * safety as dicts (lists of dicts) whose keys are the schema's fields
 * (include/playfast_fields.h), built generically from pf_schema_fields(),
 * so a field added to those lists appears here without a change.
 * (Developer and similar apps are lists of SearchResult, packed on the
 * worker like search results: _core_batch.c.)
 *
 * Called with the GIL held; the result stays owned by the response.
 */
#include "_core.h"

static PyObject *record_dict(pf_record rec, const void *base);

static PyObject *str_or_none(const char *s)
{
    return s ? pf_py_str(s, strlen(s)) : Py_NewRef(Py_None);
}

/* [record, ...] of n elements of `size` bytes at v. */
static PyObject *record_list(pf_record rec, const void *v, size_t n,
                             size_t size)
{
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *d = record_dict(rec, (const char *)v + i * size);
        if (d == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, d); /* steals d */
    }
    return l;
}

static PyObject *strs_list(const char *const *v, size_t n)
{
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *s = str_or_none(v[i]);
        if (s == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, s); /* steals s */
    }
    return l;
}

static PyObject *field_value(const pf_field *f, const void *base)
{
    const char *at = (const char *)base + f->offset;
    size_t n = f->count_offset ? *(const size_t *)(const void *)((const char *)base + f->count_offset) : 0;
    const void *arr = f->count_offset ? *(const void *const *)(const void *)at : NULL;
    switch (f->kind) {
    case PF_FIELD_STR:
    case PF_FIELD_TEXT: return str_or_none(*(const char *const *)(const void *)at);
    case PF_FIELD_STRS: return strs_list(arr, arr ? n : 0);
    case PF_FIELD_CATS:
        return record_list(PF_RECORD_CATEGORY, arr, arr ? n : 0, sizeof(pf_category));
    case PF_FIELD_PERMS:
        return record_list(PF_RECORD_PERMISSION, arr, arr ? n : 0, sizeof(pf_permission));
    case PF_FIELD_DATA:
        return record_list(PF_RECORD_DATA_ENTRY, arr, arr ? n : 0, sizeof(pf_data_entry));
    case PF_FIELD_PRACTICES:
        return record_list(PF_RECORD_PRACTICE, arr, arr ? n : 0, sizeof(pf_practice));
    case PF_FIELD_HIST:
        PyErr_SetString(PyExc_SystemError, "histogram in a kind record");
        return NULL;
    default: return pf_py_scalar(f->kind, at);
    }
}

static PyObject *record_dict(pf_record rec, const void *base)
{
    size_t n;
    const pf_field *f = pf_schema_fields(rec, &n);
    PyObject *d = PyDict_New();
    for (size_t i = 0; d && i < n; i++) {
        PyObject *v = field_value(&f[i], base);
        if (v == NULL || PyDict_SetItemString(d, f[i].name, v) < 0) Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

PyObject *pf_py_kind_object(const pf_response *res)
{
    switch (res->kind) {
    case PF_KIND_SUGGEST:
        return res->terms ? strs_list(res->terms->items, res->terms->count)
                          : PyList_New(0);
    case PF_KIND_PERMISSIONS:
        return res->permissions
                   ? record_list(PF_RECORD_PERMISSION, res->permissions->items,
                                 res->permissions->count, sizeof(pf_permission))
                   : PyList_New(0);
    case PF_KIND_CATEGORIES:
        return res->categories
                   ? record_list(PF_RECORD_CATEGORY, res->categories->items,
                                 res->categories->count, sizeof(pf_category))
                   : PyList_New(0);
    case PF_KIND_DATASAFETY:
        if (res->datasafety) return record_dict(PF_RECORD_DATASAFETY, res->datasafety);
        break;
    default:
        break;
    }
    PyErr_SetString(PyExc_SystemError, "the engine returned no result");
    return NULL;
}

/* ---- parse_kind(kind, text): the parsers offline ------------------------ */

static PyObject *py_parse_kind(PyObject *mod, PyObject *args)
{
    const char *name;
    PyObject *text;
    if (!PyArg_ParseTuple(args, "sO:parse_kind", &name, &text)) return NULL;
    int kind = -1;
    for (int k = PF_KIND_DEVELOPER; k < PF_KIND_COUNT_; k++)
        if (!strcmp(name, pf_kind_name((pf_kind)k))) kind = k;
    if (kind < 0) {
        PyErr_Format(PyExc_ValueError, "parse_kind: unknown kind %R (developer, "
                     "similar, suggest, permissions, datasafety, categories)",
                     PyTuple_GET_ITEM(args, 0));
        return NULL;
    }
    const char *buf;
    Py_ssize_t len;
    if (PyUnicode_Check(text)) {
        if ((buf = PyUnicode_AsUTF8AndSize(text, &len)) == NULL) return NULL;
    } else if (PyBytes_Check(text)) {
        buf = PyBytes_AS_STRING(text);
        len = PyBytes_GET_SIZE(text);
    } else {
        PyErr_SetString(PyExc_TypeError, "parse_kind: text must be str or bytes");
        return NULL;
    }
    pf_response res;
    memset(&res, 0, sizeof res);
    res.kind = (pf_kind)kind;
    pf_error err;
    memset(&err, 0, sizeof err);
    pf_code rc;
    /* The text object stays referenced by args for the whole call. */
    Py_BEGIN_ALLOW_THREADS
    switch (kind) {
    case PF_KIND_DEVELOPER:
        rc = pf_parse_developer(buf, (size_t)len, &res.list, &err);
        break;
    case PF_KIND_SIMILAR:
        rc = pf_parse_similar(buf, (size_t)len, &res.list, &err);
        break;
    case PF_KIND_SUGGEST:
        rc = pf_parse_suggest(buf, (size_t)len, &res.terms, &err);
        break;
    case PF_KIND_PERMISSIONS:
        rc = pf_parse_permissions(buf, (size_t)len, &res.permissions, &err);
        break;
    case PF_KIND_DATASAFETY:
        rc = pf_parse_datasafety(buf, (size_t)len, &res.datasafety, &err);
        break;
    default:
        rc = pf_parse_categories(buf, (size_t)len, &res.categories, &err);
        break;
    }
    Py_END_ALLOW_THREADS
    pf_state *st = pf_state_of_module(mod);
    PyObject *out;
    if (rc != PF_OK) {
        PyObject *exc = pf_py_error_new(st, &err, rc, NULL);
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        out = NULL;
    } else if (res.list != NULL) {
        out = pf_py_items_new(st, res.list); /* takes the list */
        res.list = NULL;
    } else {
        out = pf_py_kind_object(&res);
    }
    pf_response_cleanup(&res);
    return out;
}

/* _schema(record) -> [(field, kind)]: the fields of a record type by its
 * pf_record_name() ("app", "item", "review", "datasafety", ...), with
 * pf_field_kind_name() of each; for code that types records (DataFrame
 * dtypes) without a copy of the field lists. */
static PyObject *py_schema(PyObject *mod, PyObject *arg)
{
    const char *name = PyUnicode_Check(arg) ? PyUnicode_AsUTF8(arg) : NULL;
    if (name == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "_schema takes a record name (str)");
        return NULL;
    }
    for (int r = 0; r < PF_RECORD_COUNT_; r++) {
        if (strcmp(pf_record_name((pf_record)r), name) != 0)
            continue;
        size_t n;
        const pf_field *f = pf_schema_fields((pf_record)r, &n);
        PyObject *l = PyList_New((Py_ssize_t)n);
        for (size_t i = 0; l && i < n; i++) {
            PyObject *t = Py_BuildValue("(ss)", f[i].name,
                                        pf_field_kind_name(f[i].kind));
            if (t == NULL) {
                Py_CLEAR(l);
                break;
            }
            PyList_SET_ITEM(l, (Py_ssize_t)i, t);
        }
        return l;
    }
    PyErr_Format(PyExc_ValueError, "no record type named %R", arg);
    return NULL;
}

PyMethodDef pf_py_kinds_methods[] = {
    {"_schema", py_schema, METH_O,
     "_schema($module, record, /)\n--\n\n"
     "[(field, kind)] of a record type of the library's schema, e.g.\n"
     "_schema('app'); kinds as pf_field_kind_name() spells them."},
    {"parse_kind", py_parse_kind, METH_VARARGS,
     "parse_kind($module, kind, text, /)\n--\n\n"
     "The parse of one recorded response of kind 'developer' or 'similar'\n"
     "(list[SearchResult]),\n"
     "'suggest' (list[str]), 'permissions' or 'categories' (list[dict]),\n"
     "'datasafety' (dict). parse_kind('categories', '') gives Google's\n"
     "published categories."},
    {NULL, NULL, 0, NULL},
};
