/*
 * _core_item.c -- SearchResult: one packed, self-contained object each.
 *
 * Programs keep tens of thousands of chart entries and search results, so
 * what one costs matters (issue 4: 10,000 of them within 15 MB). A
 * SearchResult is therefore a single variable-size object that holds all of
 * its fields, and nothing else:
 *
 *   head  the scalars (score, price, free, min_installs) in fixed slots; a
 *         bit per string that is None; a bit per string stored without its
 *         usual prefix, and one per string that is that prefix plus another
 *         field (the details URL is its prefix plus the app id); whether
 *         the long text is compressed
 *   text  the short strings as NUL-terminated UTF-8 in field order, without
 *         their prefix when they have it (the details URL, the image host),
 *         absent when derived; then the one PF_FIELD_TEXT field (summary), last and
 *         unterminated, compressed with zstd when that makes it smaller
 *
 * On chart and search cards the summary is the app's whole store
 * description: 2.2 KB of UTF-8 on average in the recordings, and about
 * 6 KB as a str, since the emoji in most descriptions make CPython store
 * every character in 2 or 4 bytes. Compressed it is about 1.1 KB, and a
 * whole SearchResult about 1.4 KB. Attributes are decoded when read; the
 * summary costs a decompression of a few microseconds.
 *
 * Packing is plain C on a pf_list (pf_py_pack), so it runs without the GIL:
 * on the engine's worker threads for fetched lists (_core_batch.c), or with
 * the GIL released for offline parses (pf_py_items_new). Making the objects
 * then only copies each packed record into its own allocation.
 */
#include "_core.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define PK_ZLEVEL 1      /* ~1.1 KB for 2.2 KB; zlib is 3 times slower for 5% less */
#define PK_ZMIN 128      /* shorter texts gain too little to compress */
#define PK_NNUM 4        /* scalar slots */
#define PK_NSTR 16       /* string slots (bits of pk_head.none) */

/* The schema's pf_item fields, set at init (the same array for every
 * interpreter) before anything is packed. */
#define NITEM PF_FIELD_COUNT(PF_ITEM_FIELDS)
static const field *item_fields;

static const char *const item_repr[] = {"app_id", "title", "developer", "score", NULL};
static PyGetSetDef item_getset[NITEM + 1];

static PyObject *item_get_field(pf_state *st, PyObject *self, const field *f,
                                int as_dict);

typeinfo pf_py_item_ti = {"SearchResult", "playfast._core.SearchResult", PF_RECORD_ITEM, NULL, 0, item_repr, item_getset, NULL, item_get_field};

/* Prefixes most values of a field share, left out when stored; when what
 * follows the prefix is another field's value (the details URL ends with
 * the app id), nothing is stored at all. */
static const struct {
    const char *field, *prefix, *rest_of;
} prefixes[] = {
    {"url", PF_DETAILS_URL, "app_id"},
    {"icon", "https://play-lh.googleusercontent.com/", NULL},
};

/* Where each field lives, worked out from item_fields at init (identically
 * by every interpreter): a scalar slot, or a string slot with the PF_FIELD_TEXT
 * field last. */
static struct {
    int slot[NITEM];
    const char *prefix[PK_NSTR];
    size_t prefix_len[PK_NSTR];
    int rest_of[PK_NSTR];              /* a string slot, or -1 */
    const field *field_of[PK_NSTR];
} L;

typedef union {
    double d;              /* PF_FIELD_DOUBLE */
    int64_t i;             /* PF_FIELD_INT */
    signed char b;         /* PF_FIELD_BOOL */
} pk_num;

typedef struct {
    pk_num num[PK_NNUM];
    uint16_t none;         /* bit s: string slot s is None */
    uint16_t cut;          /* bit s: string s is stored without its prefix */
    uint16_t rest;         /* bit s: ...and the rest is string rest_of[s] */
    uint8_t zstd;          /* the PF_FIELD_TEXT string is a zstd frame */
} pk_head;

typedef struct {
    PyObject_VAR_HEAD      /* ob_size: bytes in text[] */
    pk_head h;
    char text[];
} Item;

/* A packed record is a pk_head followed by the text, as in an Item. */
_Static_assert(offsetof(Item, text) == offsetof(Item, h) + sizeof(pk_head),
               "Item.text must follow Item.h");

/* ------------------------------------------------------------------------ */
/* Packing (no Python API: runs without the GIL)                            */
/* ------------------------------------------------------------------------ */

#define STR_AT(it, f) (*(const char *const *)((const char *)(it) + (f)->offset))

/* The most bytes item_pack() can write for it. */
static size_t item_bound(const pf_item *it)
{
    size_t n = sizeof(pk_head);
    for (size_t i = 0; i < NITEM; i++) {
        const field *f = &item_fields[i];
        const char *s;
        if ((f->kind != PF_FIELD_STR && f->kind != PF_FIELD_TEXT) || (s = STR_AT(it, f)) == NULL)
            continue;
        n += f->kind == PF_FIELD_TEXT ? ZSTD_compressBound(strlen(s)) : strlen(s) + 1;
    }
    return n;
}

/* Write the record of one item at dst (room for item_bound() bytes) and
 * return its size. z may be NULL (out of memory): the text stays as it is. */
static size_t item_pack(ZSTD_CCtx *z, const pf_item *it, char *dst)
{
    pk_head h;
    char *p = dst + sizeof h;
    const char *text = NULL;

    memset(&h, 0, sizeof h);
    for (size_t i = 0; i < NITEM; i++) {
        const field *f = &item_fields[i];
        const char *at = (const char *)it + f->offset, *v;
        int s = L.slot[i];
        size_t n;
        switch (f->kind) {
        case PF_FIELD_DOUBLE: h.num[s].d = *(const double *)at; break;
        case PF_FIELD_INT: h.num[s].i = *(const int64_t *)at; break;
        case PF_FIELD_BOOL: h.num[s].b = *(const signed char *)at; break;
        case PF_FIELD_STR:
        case PF_FIELD_TEXT:
            if ((v = *(const char *const *)at) == NULL) {
                h.none |= (uint16_t)(1u << s);
            } else if (f->kind == PF_FIELD_TEXT) {
                text = v;
            } else {
                if (L.prefix[s] && strncmp(v, L.prefix[s], L.prefix_len[s]) == 0) {
                    const char *other = L.rest_of[s] < 0 ? NULL
                                      : STR_AT(it, L.field_of[L.rest_of[s]]);
                    v += L.prefix_len[s];
                    h.cut |= (uint16_t)(1u << s);
                    if (other != NULL && strcmp(v, other) == 0) {
                        h.rest |= (uint16_t)(1u << s);
                        break;
                    }
                }
                n = strlen(v) + 1;
                memcpy(p, v, n);
                p += n;
            }
            break;
        default:
            break;
        }
    }
    if (text != NULL) {
        size_t n = strlen(text), zn = 0;
        if (z != NULL && n >= PK_ZMIN)
            zn = ZSTD_compressCCtx(z, p, ZSTD_compressBound(n), text, n, PK_ZLEVEL);
        if (zn != 0 && !ZSTD_isError(zn) && zn < n) {
            h.zstd = 1;
            p += zn;
        } else {
            memcpy(p, text, n);
            p += n;
        }
    }
    memcpy(dst, &h, sizeof h);
    return (size_t)(p - dst);
}

/* One compression and one decompression context per thread, kept for the
 * thread's life: making a context costs more than compressing a few
 * descriptions, or decompressing several, with it. */
static pthread_key_t cctx_key, dctx_key;
static int ctx_keys_ok;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void cctx_destroy(void *z)
{
    ZSTD_freeCCtx(z);
}

static void dctx_destroy(void *z)
{
    ZSTD_freeDCtx(z);
}

static void ctx_keys_init(void)
{
    ctx_keys_ok = pthread_key_create(&cctx_key, cctx_destroy) == 0 &&
                  pthread_key_create(&dctx_key, dctx_destroy) == 0;
}

static void *make_cctx(void) { return ZSTD_createCCtx(); }
static void *make_dctx(void) { return ZSTD_createDCtx(); }

static void *thread_ctx(pthread_key_t *key, void *(*make)(void),
                        void (*destroy)(void *))
{
    void *z;
    pthread_once(&ctx_once, ctx_keys_init);
    if (!ctx_keys_ok) return NULL;
    if ((z = pthread_getspecific(*key)) == NULL && (z = make()) != NULL &&
        pthread_setspecific(*key, z) != 0) {
        destroy(z);
        z = NULL;
    }
    return z;
}

/* This thread's contexts, or NULL out of memory (a text to compress then
 * stays as it is; one to decompress is a MemoryError). */
static ZSTD_CCtx *thread_cctx(void)
{
    return thread_ctx(&cctx_key, make_cctx, cctx_destroy);
}

static ZSTD_DCtx *thread_dctx(void)
{
    return thread_ctx(&dctx_key, make_dctx, dctx_destroy);
}

/* Every item of a list, packed: record i is data[end[i-1] .. end[i]). */
struct pf_py_packed {
    size_t count;
    size_t *end;
    char *data;
};

void pf_py_packed_free(pf_py_packed *p)
{
    if (p == NULL) return;
    free(p->end);
    free(p->data);
    free(p);
}

pf_py_packed *pf_py_pack(pf_list *l)
{
    size_t total = 0, pos = 0;
    pf_py_packed *p = calloc(1, sizeof *p);
    ZSTD_CCtx *z;

    if (p == NULL) return NULL;
    for (size_t i = 0; i < l->count; i++) total += item_bound(&l->items[i]);
    p->count = l->count;
    p->data = malloc(total ? total : 1);
    p->end = malloc((l->count ? l->count : 1) * sizeof *p->end);
    if (p->data == NULL || p->end == NULL) {
        pf_py_packed_free(p);
        return NULL;
    }
    z = thread_cctx();
    for (size_t i = 0; i < l->count; i++) {
        pos += item_pack(z, &l->items[i], p->data + pos);
        p->end[i] = pos;
    }
    pf_list_free(l);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */
/* ------------------------------------------------------------------------ */

static PyObject *item_from_record(PyTypeObject *tp, const char *rec, size_t size)
{
    Item *o = PyObject_NewVar(Item, tp, (Py_ssize_t)(size - sizeof(pk_head)));
    if (o == NULL) return NULL;
    memcpy(&o->h, rec, size);   /* the head, then the text */
    return (PyObject *)o;
}

PyObject *pf_py_items_from_packed(pf_state *st, pf_py_packed *p)
{
    PyObject *list = PyList_New((Py_ssize_t)p->count);
    for (size_t i = 0; list != NULL && i < p->count; i++) {
        size_t start = i ? p->end[i - 1] : 0;
        PyObject *o = item_from_record(st->SearchResult_Type, p->data + start,
                                       p->end[i] - start);
        if (o == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, o);   /* steals o */
    }
    pf_py_packed_free(p);
    return list;
}

PyObject *pf_py_items_new(pf_state *st, pf_list *l)
{
    pf_py_packed *p;

    Py_BEGIN_ALLOW_THREADS
    if ((p = pf_py_pack(l)) == NULL) pf_list_free(l);
    Py_END_ALLOW_THREADS
    if (p == NULL) return PyErr_NoMemory();
    return pf_py_items_from_packed(st, p);
}

static void Item_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Start of string slot s, which is stored (neither None nor derived). */
static const char *item_text_at(const Item *it, int s)
{
    const char *p = it->text;
    unsigned absent = it->h.none | it->h.rest;
    for (int j = 0; j < s; j++)
        if (!(absent >> j & 1)) p += strlen(p) + 1;
    return p;
}

static PyObject *with_prefix(const char *prefix, size_t plen, const char *rest)
{
    size_t rlen = strlen(rest);
    char local[512], *buf = plen + rlen <= sizeof local ? local : PyMem_Malloc(plen + rlen);
    PyObject *s;
    if (buf == NULL) return PyErr_NoMemory();
    memcpy(buf, prefix, plen);
    memcpy(buf + plen, rest, rlen);
    s = pf_py_str(buf, plen + rlen);
    if (buf != local) PyMem_Free(buf);
    return s;
}

static PyObject *decompressed(const field *f, const char *p, size_t n)
{
    unsigned long long size = ZSTD_getFrameContentSize(p, n);
    ZSTD_DCtx *z = thread_dctx();
    PyObject *s = NULL;
    char *buf;
    size_t got;

    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > (unsigned long long)PY_SSIZE_T_MAX) {
        return PyErr_Format(PyExc_ValueError,
                            "SearchResult.%s: the stored text is damaged", f->name);
    }
    if (z == NULL || (buf = PyMem_Malloc(size ? (size_t)size : 1)) == NULL)
        return PyErr_NoMemory();
    got = ZSTD_decompressDCtx(z, buf, (size_t)size, p, n);
    if (ZSTD_isError(got) || got != size)
        PyErr_Format(PyExc_ValueError, "SearchResult.%s: the stored text is damaged (%s)",
                     f->name, ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
    else
        s = pf_py_str(buf, got);
    PyMem_Free(buf);
    return s;
}

static PyObject *item_get_field(pf_state *st, PyObject *self, const field *f,
                                int as_dict)
{
    const Item *it = (const Item *)self;
    int s = L.slot[f - item_fields];
    const char *p;

    if (f->kind != PF_FIELD_STR && f->kind != PF_FIELD_TEXT)
        return pf_py_scalar(f->kind, &it->h.num[s]);
    if (it->h.none >> s & 1) Py_RETURN_NONE;
    if (it->h.rest >> s & 1)
        return with_prefix(L.prefix[s], L.prefix_len[s], item_text_at(it, L.rest_of[s]));
    p = item_text_at(it, s);
    if (f->kind == PF_FIELD_TEXT) {
        size_t n = (size_t)(it->text + Py_SIZE(it) - p);
        return it->h.zstd ? decompressed(f, p, n) : pf_py_str(p, n);
    }
    if (it->h.cut >> s & 1) return with_prefix(L.prefix[s], L.prefix_len[s], p);
    return pf_py_str(p, strlen(p));
}

/* ------------------------------------------------------------------------ */
/* SearchResult(mapping=None, /, **fields)                                  */
/* ------------------------------------------------------------------------ */

static int type_error(const field *f, const char *want, PyObject *v)
{
    PyErr_Format(PyExc_TypeError, "SearchResult.%s must be %s or None, not %.100s",
                 f->name, want, Py_TYPE(v)->tp_name);
    return -1;
}

/* Store Python value v (None: absent) as field f of a pf_item, at `at`.
 * Strings point into v, which the caller keeps alive. */
static int value_in(const field *f, PyObject *v, char *at)
{
    switch (f->kind) {
    case PF_FIELD_STR:
    case PF_FIELD_TEXT: {
        const char *s = NULL;
        Py_ssize_t n = 0;
        if (v != Py_None) {
            if (!PyUnicode_Check(v)) return type_error(f, "str", v);
            if ((s = PyUnicode_AsUTF8AndSize(v, &n)) == NULL) return -1;
            if (strlen(s) != (size_t)n) {
                PyErr_Format(PyExc_ValueError,
                             "SearchResult.%s contains a NUL character", f->name);
                return -1;
            }
        }
        *(const char **)at = s;
        return 0;
    }
    case PF_FIELD_DOUBLE: {
        double d = NAN;
        if (v != Py_None) {
            if (PyBool_Check(v) || !(PyFloat_Check(v) || PyLong_Check(v)))
                return type_error(f, "a number", v);
            if ((d = PyFloat_AsDouble(v)) == -1.0 && PyErr_Occurred()) return -1;
        }
        *(double *)at = d;
        return 0;
    }
    case PF_FIELD_INT: {
        long long i = PF_NULL_INT;
        if (v != Py_None) {
            if (PyBool_Check(v) || !PyLong_Check(v)) return type_error(f, "int", v);
            if ((i = PyLong_AsLongLong(v)) == -1 && PyErr_Occurred()) return -1;
        }
        *(int64_t *)at = (int64_t)i;
        return 0;
    }
    case PF_FIELD_BOOL:
        if (v != Py_None && !PyBool_Check(v)) return type_error(f, "bool", v);
        *(signed char *)at = v == Py_None ? PF_NULL_BOOL : (signed char)(v == Py_True);
        return 0;
    default:
        return 0;
    }
}

/* Builds the packed form from Python values: used by unpickling and by code
 * that makes results itself. Missing fields are None; unknown ones, and
 * values of the wrong type, are errors. */
static PyObject *Item_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    PyObject *src = pf_py_fields_arg(&pf_py_item_ti, args, kwds), *res = NULL;
    pf_item it;
    char *buf;

    if (src == NULL) return NULL;
    memset(&it, 0, sizeof it);
    for (size_t i = 0; i < NITEM; i++) {
        const field *f = &item_fields[i];
        PyObject *v = PyDict_GetItemString(src, f->name);   /* borrowed */
        if (value_in(f, v ? v : Py_None, (char *)&it + f->offset) < 0) goto done;
    }
    if ((buf = PyMem_Malloc(item_bound(&it))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    res = item_from_record(tp, buf, item_pack(thread_cctx(), &it, buf));
    PyMem_Free(buf);
done:
    Py_DECREF(src);
    return res;
}

int pf_py_item_init(PyObject *mod, pf_state *st)
{
    static const PyType_Slot own[] = {
        {Py_tp_dealloc, Item_dealloc},
        {Py_tp_new, Item_new},
        {0, NULL},
    };
    int nstr = 0, nnum = 0, ntext = 0, other = 0;
    size_t text = NITEM, n;

    item_fields = pf_schema_fields(PF_RECORD_ITEM, &n);
    for (size_t i = 0; i < NITEM && n == NITEM; i++) {
        pf_field_kind t = item_fields[i].kind;
        if (t == PF_FIELD_TEXT) text = i, ntext++;
        else if (t == PF_FIELD_STR) L.slot[i] = nstr++;
        else L.slot[i] = nnum++;
        other |= t != PF_FIELD_TEXT && t != PF_FIELD_STR && t != PF_FIELD_INT &&
                 t != PF_FIELD_DOUBLE && t != PF_FIELD_BOOL;
    }
    /* The record layout above holds strings, one long text and scalars:
     * a schema change beyond that must extend it, not be dropped. */
    if (n != NITEM || ntext > 1 || other) {
        PyErr_SetString(PyExc_SystemError,
                        "SearchResult: the pf_item schema has a field kind the packed record cannot hold");
        return -1;
    }
    if (text < NITEM) L.slot[text] = nstr++;
    if (nstr > PK_NSTR || nnum > PK_NNUM) {
        PyErr_SetString(PyExc_SystemError, "SearchResult: too many fields to pack");
        return -1;
    }
    for (size_t i = 0; i < NITEM; i++) {
        pf_field_kind t = item_fields[i].kind;
        if (t == PF_FIELD_STR || t == PF_FIELD_TEXT) L.field_of[L.slot[i]] = &item_fields[i];
    }
    for (int s = 0; s < PK_NSTR; s++) L.rest_of[s] = -1;
    for (size_t p = 0; p < NF(prefixes); p++) {
        for (size_t i = 0; i < NITEM; i++) {
            if (strcmp(item_fields[i].name, prefixes[p].field) != 0) continue;
            L.prefix[L.slot[i]] = prefixes[p].prefix;
            L.prefix_len[L.slot[i]] = strlen(prefixes[p].prefix);
            for (size_t j = 0; prefixes[p].rest_of && j < NITEM; j++)
                if (strcmp(item_fields[j].name, prefixes[p].rest_of) == 0)
                    L.rest_of[L.slot[i]] = L.slot[j];
        }
    }
    /* A derived string is read back from the other field's stored text, so
     * that field must be stored whole: no prefix of its own. */
    for (int s = 0; s < PK_NSTR; s++) {
        if (L.rest_of[s] >= 0 && L.prefix[L.rest_of[s]] != NULL) {
            PyErr_SetString(PyExc_SystemError, "SearchResult: a derived field's source has a prefix");
            return -1;
        }
    }
    st->SearchResult_Type = pf_py_make_type(mod, &pf_py_item_ti,
        "One entry of a top chart or of search results.", own,
        (int)offsetof(Item, text), 1, 0);
    return st->SearchResult_Type == NULL ? -1 : 0;
}
