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

/* Find every data block of an HTML page (at most cap are stored, in page
 * order). Returns the count found, or -1 on malformed block JSON, with err
 * filled (offset relative to buf). A page without blocks returns 0. */
int pf__page_blocks(const char *buf, size_t len, pf__block *out, size_t cap,
                    pf_error *err);

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

/* The checks every parser opens with: a NULL out, or a NULL buf with a
 * length, is PF_EINVAL; empty input is PF_EMALFORMED at offset 0 (checked
 * before any pointer arithmetic on a possibly NULL buf). The caller sets
 * *out to NULL first when out is not NULL. */
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
