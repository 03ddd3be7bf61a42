/*
 * request.h -- URL and body builders (internal side of pf_request_build).
 */
#ifndef PF_REQUEST_H
#define PF_REQUEST_H

#include "playfast.h"
#include "buf.h"

/* Escapers for the request builders, into a pf__buf (buf.h). */
/* Percent-encode every byte except RFC 3986 unreserved characters. */
void pf__buf_pct(pf__buf *b, const char *s, size_t n);
/* Append s as the inside of a JSON string literal (no quotes added). */
void pf__buf_json(pf__buf *b, const char *s, size_t n);

/* The server to talk to: `given` when set, else $PLAYFAST_BASE_URL, else
 * the live store. */
const char *pf__base_url(const char *given);

#define PF__REVIEWS_PAGE 150

/* Build the exchange for req against base (no trailing slash needed) into
 * *out (playfast.h: url and body malloc'd, body NULL for GET; release with
 * pf_http_request_cleanup). For reviews, `rpc` is "UsvDTd" or "oCPfdb",
 * `count` the page size and `token` the continuation (NULL: first page). */
pf_code pf__http_build(const char *base, const pf_request *req,
                       const char *rpc, int count, const char *token,
                       pf_http_request *out);
/* A GET of `path` (starting with one '/', e.g. a cluster link a page
 * gave) on base, with req's hl and gl added. PF_EINVAL for anything but
 * a same-server path. */
pf_code pf__http_build_path(const char *base, const pf_request *req,
                            const char *path, pf_http_request *out);
/* Fill *err (may be NULL) for a pf__http_build failure; returns code. */
pf_code pf__build_error(pf_error *err, pf_code code);

/* Merge pages (in order) into one block, dropping repeated review ids
 * (app ids) and keeping at most `want` entries (want < 0: all). next_token
 * is copied. Returns NULL on out of memory. The pages are not freed.
 * (merge.c) */
pf_reviews *pf__reviews_merge(pf_reviews *const *pages, size_t npages,
                              long want, const char *next_token);
pf_list *pf__list_merge(pf_list *const *pages, size_t npages, long want,
                        const char *next_token);

#endif
