/*
 * _core.h -- declarations shared by the three files of playfast._core.
 *
 *   _core.c        module definition, state, exceptions, offline parsers
 *   _core_client.c the default client and configure()
 *   _core_types.c  result types (AppInfo, SearchResult, Review, Permission)
 *                  and the block object that keeps a C result alive
 *   _core_batch.c  request conversion, the batch runner, the streaming
 *                  iterator, errors built from pf_error
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

/* ---- _core_types.c ---- */

int pf_py_types_init(PyObject *mod, pf_state *st);

/* Wrap a C result. The block takes ownership of ptr (freed with the kind's
 * _free function when the last object using it goes). On failure ptr is
 * freed too, so the caller never has to. */
PyObject *pf_py_block_new(pf_state *st, pf_kind kind, void *ptr);

/* Python objects for the results a block holds. `block` is borrowed. */
PyObject *pf_py_app_from_block(pf_state *st, PyObject *block);
PyObject *pf_py_items_from_block(pf_state *st, PyObject *block);
PyObject *pf_py_reviews_from_block(pf_state *st, PyObject *block);

/* ---- _core.c ---- */

/* An exception instance for a failed request or parse. `request` may be
 * NULL (offline parsers). Returns a new reference, NULL on error. */
PyObject *pf_py_error_new(pf_state *st, const pf_error *err, pf_code code,
                          PyObject *request);

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

#endif
