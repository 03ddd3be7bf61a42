/*
 * _core_types.c -- AppInfo, Review, Permission, _Block, and what every
 * result type shares.
 *
 * A C result (pf_app, pf_reviews) is one malloc() block. Rather than copying
 * every field into Python objects up front, a _Block object takes ownership
 * of that block and each result object holds a reference to the _Block plus
 * a pointer to its own struct inside it. Attributes are created when read.
 * (SearchResult, of which programs keep tens of thousands, is packed into
 * self-contained objects instead: see _core_item.c.)
 *
 * Objects made from Python values (the constructor, unpickling) keep a dict
 * in the to_dict() form instead of a block; every method handles both forms.
 * Only those dict-backed objects can take part in reference cycles, so only
 * they are tracked by the garbage collector.
 *
 * Every result type takes its attributes from the library's schema
 * (pf_schema_fields(), declared once in include/playfast_fields.h);
 * to_dict(), repr(), ==, pickling and the attribute getters are written once
 * against that table and the type's field_getter.
 */
#include "_core.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* _Block: owner of one C result                                            */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    pf_kind kind;
    void *ptr;
} Block;

static void block_free_ptr(pf_kind kind, void *ptr)
{
    if (kind == PF_KIND_APP) pf_app_free(ptr);
    else pf_reviews_free(ptr);
}

static void Block_dealloc(PyObject *self)
{
    Block *b = (Block *)self;
    PyTypeObject *tp = Py_TYPE(self);
    block_free_ptr(b->kind, b->ptr);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyType_Slot Block_slots[] = {
    {Py_tp_dealloc, Block_dealloc},
    {Py_tp_doc, "Keeps one C result block alive (internal)."},
    {0, NULL},
};

static PyType_Spec Block_spec = {
    .name = "playfast._core._Block",
    .basicsize = sizeof(Block),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Block_slots,
};

/* Takes ownership of ptr (an app or reviews result), even on failure. */
static PyObject *block_new(pf_state *st, pf_kind kind, void *ptr)
{
    Block *b = PyObject_New(Block, st->Block_Type);
    if (b == NULL) {
        block_free_ptr(kind, ptr);
        return NULL;
    }
    b->kind = kind;
    b->ptr = ptr;
    return (PyObject *)b;
}

/* ------------------------------------------------------------------------ */
/* Types: the fields are the schema's (pf_schema_fields), in JSON order     */
/* ------------------------------------------------------------------------ */

static const char *const app_repr[] = {"app_id", "title", "developer", "score", NULL};
static const char *const review_repr[] = {"review_id", "user_name", "score", NULL};
static const char *const perm_repr[] = {"group", "permissions", NULL};

/* Attribute names of the original package's RustAppInfo that mean one of
 * our fields. They are readable but not part of to_dict() or _fields. */
static const char *const app_aliases[][2] = {
    {"required_android_version", "android_version"},
    {"contains_ads", "ad_supported"},
    {"in_app_purchases", "offers_iap"},
    {NULL, NULL},
};

/* The getset arrays must outlive the types, so they are static; they are
 * filled identically by every interpreter that imports the module. */
static PyGetSetDef app_getset[PF_FIELD_COUNT(PF_APP_FIELDS) + NF(app_aliases)];
static PyGetSetDef review_getset[PF_FIELD_COUNT(PF_REVIEW_FIELDS) + 1];
static PyGetSetDef perm_getset[2 + 1];   /* group, permissions */

static PyObject *result_get_field(pf_state *st, PyObject *self,
                                  const field *f, int as_dict);

static typeinfo app_ti = {"AppInfo", "playfast._core.AppInfo", PF_RECORD_APP, NULL, 0, app_repr, app_getset, app_aliases, result_get_field};
static typeinfo review_ti = {"Review", "playfast._core.Review", PF_RECORD_REVIEW, NULL, 0, review_repr, review_getset, NULL, result_get_field};
static typeinfo perm_ti = {"Permission", "playfast._core.Permission", PF_RECORD_PERMISSION, NULL, 0, perm_repr, perm_getset, NULL, result_get_field};

static const typeinfo *typeinfo_of(PyTypeObject *tp)
{
    pf_state *st = pf_state_of_type(tp);
    if (tp == st->AppInfo_Type) return &app_ti;
    if (tp == st->SearchResult_Type) return &pf_py_item_ti;
    if (tp == st->Review_Type) return &review_ti;
    return &perm_ti;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */
/* ------------------------------------------------------------------------ */

PyObject *pf_py_str(const char *s, size_t len)
{
    /* The parsers emit UTF-8; "replace" keeps one bad byte from making a
     * whole result unreadable. */
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace");
}

static PyObject *str_or_none(const char *s)
{
    if (s == NULL) Py_RETURN_NONE;
    return pf_py_str(s, strlen(s));
}

static PyObject *i64_or_none(int64_t v)
{
    if (v == PF_NULL_INT) Py_RETURN_NONE;
    return PyLong_FromLongLong((long long)v);
}

PyObject *pf_py_scalar(pf_field_kind t, const void *at)
{
    switch (t) {
    case PF_FIELD_INT: return i64_or_none(*(const int64_t *)at);
    case PF_FIELD_DOUBLE: {
        double d = *(const double *)at;
        if (isnan(d)) Py_RETURN_NONE;
        return PyFloat_FromDouble(d);
    }
    case PF_FIELD_BOOL: {
        signed char b = *(const signed char *)at;
        if (b < 0) Py_RETURN_NONE;
        return PyBool_FromLong(b);
    }
    case PF_FIELD_STARS: {
        int s = *(const int *)at;
        if (s == 0) Py_RETURN_NONE;
        return PyLong_FromLong(s);
    }
    default:
        Py_RETURN_NONE;
    }
}

/* ------------------------------------------------------------------------ */
/* Result objects                                                           */
/* ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PyObject *owner;       /* _Block that `data` points into, or NULL */
    const void *data;
    PyObject *values;      /* dict in to_dict() form, or NULL */
} Result;

static PyObject *result_new_owned(PyTypeObject *tp, PyObject *owner,
                                  const void *data)
{
    /* PyObject_GC_New does not track the object: block-backed results hold
     * no reference that could form a cycle, so the collector never needs to
     * look at them, which saves it work on large result sets. */
    Result *r = PyObject_GC_New(Result, tp);
    if (r == NULL) return NULL;
    r->owner = Py_NewRef(owner);
    r->data = data;
    r->values = NULL;
    return (PyObject *)r;
}

static PyObject *strv_list(const char *const *v, size_t n)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (list == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *s = str_or_none(v[i]);
        if (s == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);   /* steals s */
    }
    return list;
}

static PyObject *hist_dict(const int64_t *h)
{
    int any = 0;
    for (int i = 0; i < 5; i++) any |= h[i] != PF_NULL_INT;
    if (!any) Py_RETURN_NONE;
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    for (int i = 0; i < 5; i++) {
        char key[2] = {(char)('1' + i), 0};
        PyObject *v = i64_or_none(h[i]);
        if (v == NULL || PyDict_SetItemString(d, key, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

/* Categories as dicts keyed by the category schema ({"name", "id"}). */
static PyObject *cats_list(const pf_category *c, size_t n)
{
    size_t nf;
    const field *cf = pf_schema_fields(PF_RECORD_CATEGORY, &nf);
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (list == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *d = PyDict_New();
        if (d == NULL) goto error;
        PyList_SET_ITEM(list, (Py_ssize_t)i, d);   /* steals d */
        for (size_t j = 0; j < nf; j++) {
            const char *at = (const char *)&c[i] + cf[j].offset;
            PyObject *v = str_or_none(*(const char *const *)(const void *)at);
            if (v == NULL || PyDict_SetItemString(d, cf[j].name, v) < 0) {
                Py_XDECREF(v);
                goto error;
            }
            Py_DECREF(v);
        }
    }
    return list;
error:
    Py_DECREF(list);
    return NULL;
}

static PyObject *to_dict(PyObject *self);

/* Permissions of a block-backed app: as Permission objects sharing the
 * app's block, or (for to_dict) as plain dicts. */
static PyObject *perms_list(pf_state *st, PyObject *owner,
                            const pf_permission *p, size_t n, int as_dict)
{
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (list == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *o = result_new_owned(st->Permission_Type, owner, &p[i]);
        if (o != NULL && as_dict) {
            PyObject *d = to_dict(o);
            Py_SETREF(o, d);
        }
        if (o == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, o);   /* steals o */
    }
    return list;
}

static PyObject *field_value(pf_state *st, const field *f, const Result *r,
                             int as_dict)
{
    const char *base = r->data;
    const void *at = base + f->offset;
    size_t n = f->count_offset ? *(const size_t *)(base + f->count_offset) : 0;
    switch (f->kind) {
    case PF_FIELD_STR:
    case PF_FIELD_TEXT: return str_or_none(*(const char *const *)at);
    case PF_FIELD_HIST: return hist_dict((const int64_t *)at);
    case PF_FIELD_CATS: return cats_list(*(const pf_category *const *)at, n);
    case PF_FIELD_STRS: return strv_list(*(const char *const *const *)at, n);
    case PF_FIELD_PERMS:
        return perms_list(st, r->owner, *(const pf_permission *const *)at, n,
                          as_dict);
    default: return pf_py_scalar(f->kind, at);
    }
}

/* Copy lists and dicts so a dict-backed object cannot be changed through a
 * value it handed out. Data from to_dict() is at most three levels deep. */
static PyObject *copy_plain(PyObject *v, int depth)
{
    if (depth > 3) return Py_NewRef(v);
    if (PyList_CheckExact(v)) {
        Py_ssize_t n = PyList_GET_SIZE(v);
        PyObject *out = PyList_New(n);
        if (out == NULL) return NULL;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *c = copy_plain(PyList_GET_ITEM(v, i), depth + 1);
            if (c == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(out, i, c);   /* steals c */
        }
        return out;
    }
    if (PyDict_CheckExact(v)) {
        PyObject *out = PyDict_New(), *k, *val;
        Py_ssize_t pos = 0;
        if (out == NULL) return NULL;
        while (PyDict_Next(v, &pos, &k, &val)) {
            PyObject *c = copy_plain(val, depth + 1);
            if (c == NULL || PyDict_SetItem(out, k, c) < 0) {
                Py_XDECREF(c);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(c);
        }
        return out;
    }
    return Py_NewRef(v);
}

static PyObject *perm_from_value(pf_state *st, PyObject *v);

static PyObject *dict_value(pf_state *st, const field *f, const Result *r,
                            int as_dict)
{
    PyObject *v = PyDict_GetItemString(r->values, f->name);   /* borrowed */
    if (v == NULL) Py_RETURN_NONE;
    if (f->kind == PF_FIELD_PERMS && !as_dict && PyList_Check(v)) {
        Py_ssize_t n = PyList_GET_SIZE(v);
        PyObject *out = PyList_New(n);
        if (out == NULL) return NULL;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *p = perm_from_value(st, PyList_GET_ITEM(v, i));
            if (p == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            PyList_SET_ITEM(out, i, p);   /* steals p */
        }
        return out;
    }
    return copy_plain(v, 0);
}

static PyObject *result_get_field(pf_state *st, PyObject *self,
                                  const field *f, int as_dict)
{
    const Result *r = (const Result *)self;
    if (r->values != NULL) return dict_value(st, f, r, as_dict);
    if (r->data == NULL) Py_RETURN_NONE;   /* cleared by the collector */
    return field_value(st, f, r, as_dict);
}

/* ------------------------------------------------------------------------ */
/* What every result type shares, driven by its typeinfo                    */
/* ------------------------------------------------------------------------ */

static PyObject *Result_get(PyObject *self, void *closure)
{
    PyTypeObject *tp = Py_TYPE(self);
    return typeinfo_of(tp)->get(pf_state_of_type(tp), self, closure, 0);
}

static PyObject *to_dict(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    const typeinfo *ti = typeinfo_of(tp);
    pf_state *st = pf_state_of_type(tp);
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    for (size_t i = 0; i < ti->nfields; i++) {
        const field *f = &ti->fields[i];
        PyObject *v = ti->get(st, self, f, 1);
        if (v == NULL || PyDict_SetItemString(d, f->name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(v);
    }
    return d;
}

static PyObject *Result_to_dict(PyObject *self, PyObject *unused)
{
    return to_dict(self);
}

static PyObject *Result_reduce(PyObject *self, PyObject *unused)
{
    PyObject *d = Result_to_dict(self, NULL);
    if (d == NULL) return NULL;
    /* Unpickling calls the type with the dict: the dict-backed form. */
    return Py_BuildValue("(O(N))", (PyObject *)Py_TYPE(self), d);
}

static PyObject *Result_repr(PyObject *self)
{
    const typeinfo *ti = typeinfo_of(Py_TYPE(self));
    pf_state *st = pf_state_of_type(Py_TYPE(self));
    PyObject *parts = PyList_New(0), *sep = NULL, *body = NULL, *out = NULL;
    if (parts == NULL) return NULL;
    for (const char *const *k = ti->repr_keys; *k; k++) {
        const field *f = NULL;
        for (size_t i = 0; i < ti->nfields; i++)
            if (strcmp(ti->fields[i].name, *k) == 0) f = &ti->fields[i];
        PyObject *v = f ? ti->get(st, self, f, 1) : NULL;
        PyObject *s = v ? PyUnicode_FromFormat("%s=%R", *k, v) : NULL;
        Py_XDECREF(v);
        if (s == NULL || PyList_Append(parts, s) < 0) {
            Py_XDECREF(s);
            goto error;
        }
        Py_DECREF(s);
    }
    if ((sep = PyUnicode_FromString(", ")) == NULL) goto error;
    if ((body = PyUnicode_Join(sep, parts)) == NULL) goto error;
    out = PyUnicode_FromFormat("%s(%U)", ti->name, body);
error:
    Py_XDECREF(body);
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return out;
}

static PyObject *Result_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b))
        Py_RETURN_NOTIMPLEMENTED;
    PyObject *da = to_dict(a), *db = NULL, *res = NULL;
    if (da != NULL && (db = to_dict(b)) != NULL)
        res = PyObject_RichCompare(da, db, op);
    Py_XDECREF(da);
    Py_XDECREF(db);
    return res;
}

PyObject *pf_py_fields_arg(const typeinfo *ti, PyObject *args, PyObject *kwds)
{
    PyObject *mapping = NULL, *src, *k, *v;
    Py_ssize_t pos = 0;

    if (!PyArg_ParseTuple(args, "|O:__new__", &mapping)) return NULL;
    if ((src = PyDict_New()) == NULL) return NULL;
    if (mapping != NULL && mapping != Py_None && PyDict_Merge(src, mapping, 1) < 0)
        goto error;
    if (kwds != NULL && PyDict_Merge(src, kwds, 1) < 0) goto error;
    while (PyDict_Next(src, &pos, &k, &v)) {
        const char *name = PyUnicode_Check(k) ? PyUnicode_AsUTF8(k) : NULL;
        int known = 0;
        for (size_t i = 0; name && i < ti->nfields; i++)
            known |= strcmp(name, ti->fields[i].name) == 0;
        if (!known) {
            PyErr_Format(PyExc_TypeError, "%s has no field %R", ti->name, k);
            goto error;
        }
    }
    return src;
error:
    Py_DECREF(src);
    return NULL;
}

/* AppInfo(mapping=None, /, **fields): the dict-backed form, used by
 * unpickling and by code that builds results itself. Missing fields are
 * None; unknown ones are an error so that typos do not pass silently. */
static PyObject *Result_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    const typeinfo *ti = typeinfo_of(tp);
    PyObject *src, *values = NULL;
    Result *r;

    if ((src = pf_py_fields_arg(ti, args, kwds)) == NULL) return NULL;
    if ((values = PyDict_New()) == NULL) goto error;
    for (size_t i = 0; i < ti->nfields; i++) {
        const field *f = &ti->fields[i];
        PyObject *val = PyDict_GetItemString(src, f->name);   /* borrowed */
        PyObject *plain;
        if (val == NULL) val = Py_None;
        if (f->kind == PF_FIELD_PERMS && PyList_Check(val)) {
            /* Store Permission objects in their dict form. */
            Py_ssize_t n = PyList_GET_SIZE(val);
            if ((plain = PyList_New(n)) == NULL) goto error;
            for (Py_ssize_t j = 0; j < n; j++) {
                PyObject *p = PyList_GET_ITEM(val, j);
                PyObject *c = Py_TYPE(p) == pf_state_of_type(tp)->Permission_Type
                                  ? to_dict(p)
                                  : copy_plain(p, 0);
                if (c == NULL) {
                    Py_DECREF(plain);
                    goto error;
                }
                PyList_SET_ITEM(plain, j, c);   /* steals c */
            }
        } else if ((plain = copy_plain(val, 0)) == NULL) {
            goto error;
        }
        int rc = PyDict_SetItemString(values, f->name, plain);
        Py_DECREF(plain);
        if (rc < 0) goto error;
    }
    if ((r = PyObject_GC_New(Result, tp)) == NULL) goto error;
    r->owner = NULL;
    r->data = NULL;
    r->values = values;   /* steals the reference */
    Py_DECREF(src);
    PyObject_GC_Track(r);
    return (PyObject *)r;
error:
    Py_XDECREF(values);
    Py_XDECREF(src);
    return NULL;
}

static PyObject *perm_from_value(pf_state *st, PyObject *v)
{
    PyObject *args = PyTuple_Pack(1, v), *p;
    if (args == NULL) return NULL;
    p = Result_new(st->Permission_Type, args, NULL);
    Py_DECREF(args);
    return p;
}

static int Result_traverse(PyObject *self, visitproc visit, void *arg)
{
    Result *r = (Result *)self;
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(r->owner);
    Py_VISIT(r->values);
    return 0;
}

static int Result_clear(PyObject *self)
{
    Py_CLEAR(((Result *)self)->values);
    return 0;
}

static void Result_dealloc(PyObject *self)
{
    Result *r = (Result *)self;
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(r->values);
    Py_CLEAR(r->owner);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

static Py_ssize_t Permission_len(PyObject *self)
{
    Result *r = (Result *)self;
    if (r->values != NULL) {
        PyObject *v = PyDict_GetItemString(r->values, "permissions");
        return v && PyList_Check(v) ? PyList_GET_SIZE(v) : 0;
    }
    return r->data ? (Py_ssize_t)((const pf_permission *)r->data)->n_items : 0;
}

static PyMethodDef Result_methods[] = {
    {"to_dict", Result_to_dict, METH_NOARGS,
     "A plain dict with the keys and values of the JSON schema."},
    {"__reduce__", Result_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

/* ------------------------------------------------------------------------ */
/* Public constructors and type creation                                    */
/* ------------------------------------------------------------------------ */

static PyObject *reviews_tuple(pf_state *st, PyObject *block)
{
    const pf_reviews *rv = ((Block *)block)->ptr;
    PyObject *list = PyList_New((Py_ssize_t)rv->count), *token;
    if (list == NULL) return NULL;
    for (size_t i = 0; i < rv->count; i++) {
        PyObject *o = result_new_owned(st->Review_Type, block, &rv->items[i]);
        if (o == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, o);   /* steals o */
    }
    if ((token = str_or_none(rv->next_token)) == NULL) {
        Py_DECREF(list);
        return NULL;
    }
    return Py_BuildValue("(NN)", list, token);   /* steals both */
}

PyObject *pf_py_result_new(pf_state *st, pf_kind kind, void *ptr)
{
    PyObject *block, *res;
    if (kind == PF_KIND_LIST || kind == PF_KIND_SEARCH)
        return pf_py_items_new(st, ptr);
    if ((block = block_new(st, kind, ptr)) == NULL) return NULL;
    if (kind == PF_KIND_APP)
        res = result_new_owned(st->AppInfo_Type, block, ((Block *)block)->ptr);
    else
        res = reviews_tuple(st, block);
    Py_DECREF(block);
    return res;
}

PyTypeObject *pf_py_make_type(PyObject *mod, typeinfo *ti, const char *doc,
                              const PyType_Slot *own, int basicsize,
                              int itemsize, unsigned int flags)
{
    PyType_Slot slots[16] = {
        {Py_tp_repr, Result_repr},
        {Py_tp_richcompare, Result_richcompare},
        {Py_tp_hash, PyObject_HashNotImplemented},
        {Py_tp_methods, Result_methods},
        {Py_tp_getset, ti->getset},
        {Py_tp_doc, (void *)doc},
    };
    size_t ns = 6;
    for (; own->slot != 0 && ns < NF(slots) - 1; own++) slots[ns++] = *own;
    slots[ns] = (PyType_Slot){0, NULL};
    PyType_Spec spec = {
        .name = ti->qualname,
        .basicsize = basicsize,
        .itemsize = itemsize,
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | flags,
        .slots = slots,
    };
    PyObject *names = NULL, *tp = NULL;

    ti->fields = pf_schema_fields(ti->rec, &ti->nfields);
    for (size_t i = 0; i < ti->nfields; i++) {
        ti->getset[i] = (PyGetSetDef){(char *)ti->fields[i].name, Result_get,
                                      NULL, NULL, (void *)&ti->fields[i]};
    }
    size_t n = ti->nfields;
    for (size_t a = 0; ti->aliases && ti->aliases[a][0]; a++) {
        for (size_t i = 0; i < ti->nfields; i++) {
            if (strcmp(ti->fields[i].name, ti->aliases[a][1]) == 0)
                ti->getset[n++] = (PyGetSetDef){(char *)ti->aliases[a][0], Result_get,
                                                NULL, NULL, (void *)&ti->fields[i]};
        }
    }
    ti->getset[n] = (PyGetSetDef){NULL, NULL, NULL, NULL, NULL};
    if ((tp = PyType_FromModuleAndSpec(mod, &spec, NULL)) == NULL) return NULL;
    /* _fields lists the attributes in schema order (like a namedtuple's),
     * set through tp_dict because the type is immutable afterwards. */
    if ((names = PyTuple_New((Py_ssize_t)ti->nfields)) == NULL) goto error;
    for (size_t i = 0; i < ti->nfields; i++) {
        PyObject *s = PyUnicode_InternFromString(ti->fields[i].name);
        if (s == NULL) goto error;
        PyTuple_SET_ITEM(names, (Py_ssize_t)i, s);   /* steals s */
    }
    if (PyDict_SetItemString(((PyTypeObject *)tp)->tp_dict, "_fields", names) < 0)
        goto error;
    PyType_Modified((PyTypeObject *)tp);
    Py_DECREF(names);
    return (PyTypeObject *)tp;
error:
    Py_XDECREF(names);
    Py_XDECREF(tp);
    return NULL;
}

static PyTypeObject *make_result_type(PyObject *mod, typeinfo *ti,
                                      const char *doc, int with_len)
{
    PyType_Slot own[6] = {
        {Py_tp_dealloc, Result_dealloc},
        {Py_tp_traverse, Result_traverse},
        {Py_tp_clear, Result_clear},
        {Py_tp_new, Result_new},
    };   /* the rest is zero: the sentinel */
    if (with_len) own[4] = (PyType_Slot){Py_sq_length, Permission_len};
    return pf_py_make_type(mod, ti, doc, own, sizeof(Result), 0,
                           Py_TPFLAGS_HAVE_GC);
}

int pf_py_types_init(PyObject *mod, pf_state *st)
{
    st->Block_Type = (PyTypeObject *)PyType_FromModuleAndSpec(mod, &Block_spec, NULL);
    if (st->Block_Type == NULL) return -1;
    st->AppInfo_Type = make_result_type(mod, &app_ti,
        "App details. Attributes follow the JSON schema of `playfast parse`; "
        "absent values are None.", 0);
    if (st->AppInfo_Type == NULL) return -1;
    if (pf_py_item_init(mod, st) < 0) return -1;
    st->Review_Type = make_result_type(mod, &review_ti, "One user review.", 0);
    if (st->Review_Type == NULL) return -1;
    st->Permission_Type = make_result_type(mod, &perm_ti,
        "A permission group and the permissions in it; len() counts them.", 1);
    if (st->Permission_Type == NULL) return -1;
    if (PyModule_AddType(mod, st->AppInfo_Type) < 0 ||
        PyModule_AddType(mod, st->SearchResult_Type) < 0 ||
        PyModule_AddType(mod, st->Review_Type) < 0 ||
        PyModule_AddType(mod, st->Permission_Type) < 0)
        return -1;
    /* Names used by code written against the original Rust extension. */
    if (PyModule_AddObjectRef(mod, "RustAppInfo", (PyObject *)st->AppInfo_Type) < 0 ||
        PyModule_AddObjectRef(mod, "RustSearchResult", (PyObject *)st->SearchResult_Type) < 0 ||
        PyModule_AddObjectRef(mod, "RustReview", (PyObject *)st->Review_Type) < 0 ||
        PyModule_AddObjectRef(mod, "RustPermission", (PyObject *)st->Permission_Type) < 0)
        return -1;
    return 0;
}
