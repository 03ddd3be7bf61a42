/*
 * _core.h -- declarations shared by the files of playfast._core.
 *
 *   _core.c        module definition, state, exceptions, offline parsers
 *   _core_client.c the default client and configure()
 *   _core_types.c  result types (AppInfo, Review, Permission), the block
 *                  object that keeps a C result alive, and what every
 *                  result type shares
 *   _core_item.c   SearchResult: packed records, summary compressed
 *   _core_batch.c  request conversion, the batch runner, the streaming
 *                  iterator, errors built from pf_error
 *   _core_store.c  _store_run: a job against a store file (playfast.store)
 *
 * Not a public header: it is compiled into the extension only.
 */
#ifndef PF_PY_CORE_H
#define PF_PY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "playfast.h"

/* Module state: every type and exception the module owns. Heap types and
 * per-module state keep several interpreters (and re-imports) independent. */
typedef struct {
    PyTypeObject *Block_Type;
    PyTypeObject *AppInfo_Type;
    PyTypeObject *SearchResult_Type;
    PyTypeObject *Review_Type;
    PyTypeObject *Permission_Type;
    PyTypeObject *Client_Type;
    PyTypeObject *BatchIter_Type;
    PyObject *PlayfastError;
    PyObject *BatchError;
    PyObject *NoDataError;           /* a chart that answered with no data */
    PyObject *exc[PF_CODE_COUNT_];   /* exception class for each pf_code */
    PyObject *client;                /* default Client, created lazily */
    PyObject *settings;              /* dict: the configure() settings */
} pf_state;

extern PyModuleDef pf_module_def;

static inline pf_state *pf_state_of_module(PyObject *mod)
{
    return (pf_state *)PyModule_GetState(mod);
}

/* State from an instance of one of our own (non-subclassable) types. */
static inline pf_state *pf_state_of_type(PyTypeObject *tp)
{
    return (pf_state *)PyType_GetModuleState(tp);
}

/* ---- result types: field tables (_core_types.c, _core_item.c) ---- */

/* The fields of every result type come from the library's schema
 * (pf_schema_fields(), expanded from include/playfast_fields.h): attribute
 * names, their order in _fields and to_dict(), and how each is stored.
 * A field's kind says what Python value it becomes:
 *   STR, TEXT  str or None (a packed SearchResult keeps TEXT compressed)
 *   INT, DOUBLE, BOOL, STARS   int / float / bool / int, or None
 *   HIST  {"1": n, ...} or None;  STRS  [str];  CATS  [{"name", "id"}]
 *   PERMS [Permission] (in to_dict(): [{"group", "permissions"}]) */
typedef pf_field field;

/* Reads one field of an instance; as_dict asks for the to_dict() form
 * (nested results as plain dicts). New reference, NULL on error. */
typedef PyObject *(*field_getter)(pf_state *st, PyObject *self,
                                  const field *f, int as_dict);

typedef struct typeinfo {
    const char *name;
    const char *qualname;      /* static: Python 3.11 keeps the pointer */
    pf_record rec;             /* whose schema gives the fields */
    const field *fields;       /* filled at init from the schema */
    size_t nfields;
    const char *const *repr_keys;
    PyGetSetDef *getset;       /* fields, aliases, sentinel; filled at init */
    const char *const (*aliases)[2];   /* {old name, field}, NULL-terminated */
    field_getter get;
} typeinfo;

#define NF(a) (sizeof(a) / sizeof((a)[0]))

/* The pieces every result type shares (_core_types.c). */
PyObject *pf_py_str(const char *s, size_t len);   /* UTF-8, "replace" */
PyObject *pf_py_scalar(pf_field_kind t, const void *at);   /* INT .. STARS */
/* The keyword arguments of a constructor, type(mapping=None, /, **fields),
 * merged into one new dict; a key that is not a field is a TypeError. */
PyObject *pf_py_fields_arg(const typeinfo *ti, PyObject *args, PyObject *kwds);
/* A result type: `own` holds the type's dealloc and new (and traverse,
 * clear, len as needed); to_dict, repr, ==, pickling and the attributes
 * come from ti, whose fields are taken from the schema of ti->rec here.
 * ti->getset must have room for the fields, the aliases and a sentinel. */
PyTypeObject *pf_py_make_type(PyObject *mod, typeinfo *ti, const char *doc,
                              const PyType_Slot *own, int basicsize,
                              int itemsize, unsigned int flags);

/* ---- _core_item.c: SearchResult ---- */
extern typeinfo pf_py_item_ti;
int pf_py_item_init(PyObject *mod, pf_state *st);
/* A list packed into SearchResult records. pf_py_pack() is plain C (call
 * it without the GIL, from any thread); it frees l, or returns NULL out of
 * memory and leaves l alone. pf_py_items_from_packed() makes the objects
 * (GIL held) and frees p. */
typedef struct pf_py_packed pf_py_packed;
pf_py_packed *pf_py_pack(pf_list *l);
void pf_py_packed_free(pf_py_packed *p);
PyObject *pf_py_items_from_packed(pf_state *st, pf_py_packed *p);
/* Both steps: SearchResult objects for a parsed list, packing with the GIL
 * released. Takes ownership of l (freed here, even on failure). */
PyObject *pf_py_items_new(pf_state *st, pf_list *l);

/* ---- _core_types.c ---- */

int pf_py_types_init(PyObject *mod, pf_state *st);

/* The Python result for a C result of `kind` (an AppInfo, a list of
 * SearchResult, or (reviews, token)). Takes ownership of ptr, which is freed
 * with its result, or at once on failure. */
PyObject *pf_py_result_new(pf_state *st, pf_kind kind, void *ptr);

/* ---- _core_kinds.c ---- */

/* The result of a successful suggest, permissions, categories or
 * datasafety response as list[str], list[dict] or dict (the response
 * keeps its result). NULL with an exception set on failure. */
PyObject *pf_py_kind_object(const pf_response *res);
extern PyMethodDef pf_py_kinds_methods[];   /* parse_kind() */

/* ---- _core.c ---- */

/* An exception instance for a failed request or parse. `request` may be
 * NULL (offline parsers). Returns a new reference, NULL on error. */
PyObject *pf_py_error_new(pf_state *st, const pf_error *err, pf_code code,
                          PyObject *request);
/* The same as an instance of cls (NULL: the class of code). */
PyObject *pf_py_error_new_as(pf_state *st, const pf_error *err, pf_code code,
                             PyObject *request, PyObject *cls);

/* The UTF-8 of str `o` (owned by o), for an argument called `name` (of
 * request `index` of a batch, or PF_PY_NO_INDEX): a ValueError naming it
 * when the text holds a NUL, which C would silently cut the string at.
 * NULL with an exception set on failure. */
#define PF_PY_NO_INDEX ((size_t)-1)
const char *pf_py_utf8(PyObject *o, const char *name, size_t index);

/* ---- _core_client.c ---- */

/* A libplayfast client as a Python object, so that its lifetime is the
 * longest of the module's default slot and the batches running on it. */
typedef struct {
    PyObject_HEAD
    pf_client *c;
} Client;

int pf_py_client_init(PyObject *mod, pf_state *st);

/* Create a Client object from st->settings. New reference or NULL. */
PyObject *pf_py_client_new(pf_state *st);

/* The default client, created on first use. Returns a new reference. */
PyObject *pf_py_default_client(pf_state *st);

extern PyMethodDef pf_py_client_methods[];

/* ---- _core_batch.c ---- */

int pf_py_batch_init(PyObject *mod, pf_state *st);

extern PyMethodDef pf_py_batch_methods[];

/* sort= as the fetch functions read it: a name ("newest", "relevant",
 * "rating") or Google's code; None keeps *out. 0, or -1 with
 * InvalidArgumentError set. */
int pf_py_sort_arg(pf_state *st, PyObject *o, int *out);

/* ---- _core_store.c ---- */

extern PyMethodDef pf_py_store_methods[];

#endif
