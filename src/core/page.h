/*
 * page.h -- locate the JSON that Play responses embed (internal).
 *
 * Two containers:
 *  - HTML pages carry AF_initDataCallback({key: 'ds:N', hash: 'H', data: ...})
 *    blocks and one AF_dataServiceRequests map from 'ds:N' to its rpc id. The
 *    number of a block changes between page versions (the app block was ds:4
 *    in 2022 and is ds:5 now), so blocks are looked up by rpc id.
 *  - batchexecute responses: the )]}' prefix, then either one JSON line or
 *    length-prefixed chunks (rt=c), holding ["wrb.fr", rpc, "<json string>",
 *    ...] frames. The payload is returned in place at escape level 1.
 */
#ifndef PF_PAGE_H
#define PF_PAGE_H

#include "json.h"

typedef struct pf__block {
    int ds;                  /* N of 'ds:N' */
    char rpc[16];            /* rpc id from AF_dataServiceRequests, "" if unknown */
    pf__jv data;             /* the data: value */
    pf__jv request;          /* the request: value from the map, may be absent */
} pf__block;

/* The most data blocks of one page that are looked at: pages since 2021
 * carry 10 to 20. */
#define PF__PAGE_MAX_BLOCKS 64

/* Find the data blocks of an HTML page, the last PF__PAGE_MAX_BLOCKS of
 * them at most, and store the first cap in page order. Returns how many
 * were found (which may exceed cap); 0 for a page without blocks. Finding
 * never fails: a block whose JSON is broken is found all the same, and the
 * parser that reads it reports where it breaks. */
size_t pf__page_blocks(const char *buf, size_t len, pf__block *out,
                       size_t cap);

/* The data of a Play response for any of `rpcs` (ids, NULL-terminated, in
 * order of preference), in either container:
 *  - batchexecute: the payload of the first rpc that has a frame (see
 *    pf__be_payload; the next rpc is tried only when the response has no
 *    frame for this one), as values[0]. It is absent for Google's "nothing
 *    to return".
 *  - HTML: the data of every block whose rpc is in the list, in page order.
 * *n is the capacity of values on entry and the count stored on return.
 * Returns PF_OK (with *n >= 1 when the capacity was), else the error with
 * err (may be NULL) filled: pf__be_payload's, or pf__page_classify's for a
 * page without such a block. The one locator every parser uses. */
pf_code pf__page_find(const char *buf, size_t len, const char *const *rpcs,
                      pf__jv *values, size_t *n, pf_error *err);

/* The opening of a parser of a small batchexecute answer (suggest,
 * permissions: a few KB): pf__parse_args, then the payload of the first
 * of `rpcs` (pf__page_find), validated whole, which must be an array or
 * null (*payload absent for null). `what` names the data in messages
 * ("suggestions"). The caller sets *out to NULL first. */
pf_code pf__page_small_payload(const char *buf, size_t len, const void *out,
                               const char *const *rpcs, const char *what,
                               pf__jv *payload, pf_error *err);

/* True when buf looks like a batchexecute response ()]}' prefix). */
int pf__is_batchexecute(const char *buf, size_t len);

/* Find the wrb.fr frame for rpc (NULL = the first) in a batchexecute
 * response and return its payload (escape level 1) in *payload. A null
 * payload (or one holding JSON null) is Google's "nothing to return":
 * PF_OK with *payload absent; followed by a status array it is an error,
 * PF_ENOTFOUND. An empty payload string is PF_ENOTFOUND, no frame for rpc
 * PF_EUNSUPPORTED, a broken envelope PF_EMALFORMED. */
pf_code pf__be_payload(const char *buf, size_t len, const char *rpc,
                       pf__jv *payload, pf_error *err);

/* Classify a body that held no usable data: PF_ENOTFOUND for Google's 404
 * page, PF_EUNSUPPORTED for an HTML page of another layout, PF_EMALFORMED
 * otherwise. Fills err with a message naming what was seen. */
pf_code pf__page_classify(const char *buf, size_t len, pf_error *err);

/* The checks every parser opens with: err (when not NULL) is reset to
 * "no error" (code PF_OK, no HTTP status, no offset, empty message); a NULL
 * out, or a NULL buf with a length, is PF_EINVAL; empty input is
 * PF_EMALFORMED at offset 0 (checked before any pointer arithmetic on a
 * possibly NULL buf). The caller sets *out to NULL first when out is not
 * NULL. */
pf_code pf__parse_args(const char *buf, size_t len, const void *out,
                       pf_error *err);

/* Fill err (may be NULL) and return code. offset may be PF_NO_OFFSET. */
pf_code pf__error(pf_error *err, pf_code code, size_t offset,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
