/*
 * xfer.h -- one logical request on its way through the engine (internal).
 *
 * A pf__xfer lives from the moment the loop claims its request until a
 * worker publishes the response. It belongs to one thread at a time: the
 * loop while an attempt runs or waits, then the worker it is handed to
 * (outcome.c), which either publishes it or hands it back to the loop for
 * the next review page. It counts against the client's concurrency cap for
 * that whole time, so memory does not grow with n.
 */
#ifndef PF_XFER_H
#define PF_XFER_H

#include <curl/curl.h>

#include "playfast.h"
#include "body.h"
#include "client.h"
#include "egress.h"
#include "loop.h"
#include "pool.h"

struct pf__xfer {
    pf__job job;                 /* must stay first: pool callback */
    pf__xfer *next, *prev;       /* loop-thread lists */
    const pf__env *env;
    pf__loop *loop;
    pf_batch *batch;
    size_t index;                /* in the batch, or in parent's entries */
    struct pf__parent *parent;   /* an entry of a list's details (details.c) */
    const pf_request *req;       /* the batch's copy */

    /* Current exchange. */
    pf_http_request http;
    int redirects;               /* same-origin redirects followed */

    /* The last attempt: set by the loop, read by the worker. */
    CURL *easy;
    pf__egress *egress;
    double started;
    pf__body body;
    int toobig;                  /* the body passed max_response */
    int nomem;                   /* a body buffer could not be mapped */
    int paused;                  /* waiting for body budget (loop) */
    pf__xfer *pnext;             /* the loop's paused list */
    long status;
    CURLcode cc;
    long retry_after;            /* seconds, -1 when absent */
    int blocked;                 /* a captcha page or blocking redirect */
    char encoding[64];           /* Content-Encoding as sent ("" none) */
    char *offsite;               /* a redirect off the store: its target */
    char errbuf[CURL_ERROR_SIZE];

    double t0;                   /* claimed */
    double due;                  /* when a delayed attempt may start */
    double deadline;             /* when this page stops being retried */
    int page_attempts;           /* attempts of the current page */
    int attempts;                /* all attempts of this request */
    int cancelled;
    pf_code fail;                /* set before the first attempt */
    pf_error fail_err;           /* what `fail` was, when a check said */

    /* Reviews pagination. */
    const char *rpc;
    char *token;
    long want;                   /* PF_REVIEWS_ALL -> -1 */
    size_t got;
    pf_reviews **pages;
    size_t npages, cappages;

    /* Lists followed over continuation pages (developer, similar,
     * search; outcome_lists.c). `token` above is the qnKhOb token. */
    pf_list **lists;
    size_t nlists, caplists;
    int more;                    /* the current exchange is a qnKhOb */
    char *path;                  /* similar: the cluster page to get next */
    int stage;                   /* similar: 0 while on the details page */
};

/* outcome.c: prepare a fresh transfer for request i of b (builds the
 * first exchange; on failure x->fail says why). */
void pf__xfer_init(pf__xfer *x, const pf__env *env, pf__loop *L,
                   pf_batch *b, size_t i, const pf_request *req);
void pf__xfer_free(pf__xfer *x);
/* Worker: the body as a parser reads it, decoded when it came compressed
 * (decode.h). Returns 1, or 0 with res carrying the error (too_large for
 * a decode bomb, malformed for a corrupt body). *b stays valid until the
 * worker's next decode. */
int pf__xfer_body(pf__xfer *x, pf_response *res, const char **b, size_t *n);
/* Pool job: turn the finished exchange into a response and publish it, or
 * send the next review page back to the loop. */
void pf__xfer_complete(pf__job *job);

/* outcome_lists.c: the list kinds that follow continuation pages
 * (developer, similar, and search with a num). */
int pf__xfer_is_list(pf_kind kind);
pf_code pf__xfer_init_list(pf__xfer *x);
pf_code pf__xfer_build_list(pf__xfer *x);
/* Parse the page that came back: 1 when the xfer went back to the loop for
 * another, else 0 with *res final. */
int pf__xfer_list_page(pf__xfer *x, pf_response *res);
/* outcome.c: rebuild and requeue for the next exchange; 1, or 0 with res
 * set when the build failed. */
int pf__xfer_again(pf__xfer *x, pf_response *res);

#endif
