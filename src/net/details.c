/*
 * details.c -- a list request with `details` (pf_request.details): every
 * entry's full app record, fetched in the same batch as soon as the list
 * is parsed.
 *
 * The list's transfer becomes a parent. It keeps the list response and
 * spawns one app transfer per entry into its loop (pf__loop_spawn), which
 * starts them within the client's K, ahead of new requests, on the egress
 * the pacing picks, like any request. Each child's response lands in
 * details[i]; the last one to finish publishes the parent in its batch.
 * The parent gives its concurrency slot back while it waits, so K parents
 * can never starve their own children of slots.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "details.h"
#include "batch.h"
#include "page.h" /* pf__error */
#include "retry.h"
#include "xfer.h"

struct pf__parent {
    pf_response res;           /* the list; details[] filled by children */
    atomic_size_t pending;     /* children not finished, +1 while spawning */
    pf_batch *batch;
    size_t index;
    double t0;
    pf_request *reqs;          /* the children's requests */
};

static void publish(pf__parent *p)
{
    p->res.elapsed = pf__now() - p->t0;
    pf__batch_publish(p->batch, p->index, &p->res);
    free(p->reqs);
    free(p);
}

static void child_failed(pf__parent *p, size_t i, pf_code code)
{
    pf_response *r = &p->res.details[i];
    r->kind = PF_KIND_APP;
    r->code = pf__error(&r->error, code, PF_NO_OFFSET,
                        "out of memory for this entry's details");
}

int pf__details_spawn(pf__xfer *x, pf_response *res)
{
    const pf_request *req = x->req;
    if (!req->details || res->code != PF_OK || res->list == NULL ||
        res->list->count == 0)
        return 0;
    size_t n = res->list->count;
    pf__parent *p = calloc(1, sizeof *p);
    pf_response *details = calloc(n, sizeof *details);
    pf_request *reqs = calloc(n, sizeof *reqs);
    if (!p || !details || !reqs) {
        free(p);
        free(details);
        free(reqs);
        pf_list_free(res->list);
        res->list = NULL;
        res->code = pf__error(&res->error, PF_ENOMEM, PF_NO_OFFSET,
                              "out of memory for the entries' details");
        return 0;
    }
    p->res = *res;
    p->res.details = details;
    p->res.n_details = n;
    p->batch = x->batch;
    p->index = x->index;
    p->t0 = x->t0;
    p->reqs = reqs;
    atomic_store(&p->pending, n + 1);
    const pf__env *env = x->env;
    pf__loop *L = x->loop;
    for (size_t i = 0; i < n; i++) {
        /* The strings stay valid until the parent is published: the app
         * ids live in the list it holds, lang and country in the batch's
         * copy of the request, and the batch waits for this index. */
        pf_request_init(&reqs[i], PF_KIND_APP);
        reqs[i].app_id = p->res.list->items[i].app_id;
        reqs[i].lang = req->lang;
        reqs[i].country = req->country;
        pf__xfer *c = malloc(sizeof *c);
        if (c == NULL) {
            child_failed(p, i, PF_ENOMEM);
            atomic_fetch_sub(&p->pending, 1);
            continue;
        }
        pf__xfer_init(c, env, L, x->batch, i, &reqs[i]);
        c->parent = p;
        pf__loop_spawn(L, c);
    }
    /* The parent transfer is done; its slot goes back (see the top). */
    pf__xfer_free(x);
    pf__loop_release(L);
    if (atomic_fetch_sub(&p->pending, 1) == 1) publish(p);
    return 1;
}

void pf__details_done(pf__parent *p, size_t i, pf_response *res)
{
    p->res.details[i] = *res;
    memset(res, 0, sizeof *res);
    if (atomic_fetch_sub(&p->pending, 1) == 1) publish(p);
}
