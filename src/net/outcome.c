/*
 * outcome.c -- what a transfer's last attempt comes to, on a worker: map
 * the curl and HTTP outcome to a pf_code, run the parser, and for reviews
 * follow continuation tokens until the caller's count is reached; then
 * publish the response in its batch.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "decode.h"
#include "details.h"
#include "options.h"
#include "page.h"
#include "request.h"
#include "retry.h"
#include "xfer.h"

/* ---- the worker's decoder ---------------------------------------------- */

/* Each worker thread keeps one decoder (decode.h) for all the bodies it
 * parses, so its output buffer is mapped once; it is freed when the thread
 * ends (pf__pool_free joins the workers). */
static pthread_key_t decoder_key;
static pthread_once_t decoder_once = PTHREAD_ONCE_INIT;
static int decoder_key_ok;

static void decoder_free(void *p)
{
    pf__decoder_cleanup(p);
    free(p);
}

static void decoder_key_make(void)
{
    decoder_key_ok = pthread_key_create(&decoder_key, decoder_free) == 0;
}

static pf__decoder *worker_decoder(void)
{
    pthread_once(&decoder_once, decoder_key_make);
    if (!decoder_key_ok) return NULL;
    pf__decoder *d = pthread_getspecific(decoder_key);
    if (d == NULL && (d = malloc(sizeof *d)) != NULL) {
        pf__decoder_init(d);
        if (pthread_setspecific(decoder_key, d) != 0) {
            free(d);
            d = NULL;
        }
    }
    return d;
}

/* The body as the parser reads it: decoded when it came compressed. On
 * failure res carries the error (too_large for a decode bomb, malformed
 * for a corrupt body) and 0 is returned. */
int pf__xfer_body(pf__xfer *x, pf_response *res, const char **b, size_t *n)
{
    if (x->encoding[0] == '\0') {
        *b = x->body.buf;
        *n = x->body.len;
        return 1;
    }
    pf__decoder *d = worker_decoder();
    if (d == NULL) {
        res->code = pf__error(&res->error, PF_ENOMEM, PF_NO_OFFSET,
                              "out of memory for a body decoder");
        return 0;
    }
    res->code = pf__decode(d, x->encoding, x->body.buf, x->body.len,
                           x->env->opt.max_response, b, n, &res->error);
    return res->code == PF_OK;
}

static long reviews_wanted(const pf_request *req)
{
    if (req->num == PF_REVIEWS_ALL || req->num < 0) return -1;
    return req->num > 0 ? req->num : PF__REVIEWS_PAGE;
}

static int page_size(const pf__xfer *x)
{
    if (x->want < 0) return PF__REVIEWS_PAGE;
    long left = x->want - (long)x->got;
    if (left > PF__REVIEWS_PAGE) left = PF__REVIEWS_PAGE;
    return left > 0 ? (int)left : 1;
}

static pf_code build(pf__xfer *x)
{
    pf_http_request_cleanup(&x->http);
    x->redirects = 0;
    if (pf__xfer_is_list(x->req->kind))
        return pf__xfer_build_list(x);
    return pf__http_build(x->env->base_url, x->req, x->rpc, page_size(x),
                          x->token, &x->http);
}

void pf__xfer_init(pf__xfer *x, const pf__env *env, pf__loop *L,
                   pf_batch *b, size_t i, const pf_request *req)
{
    memset(x, 0, sizeof *x);
    x->job.run = pf__xfer_complete;
    x->env = env;
    x->loop = L;
    x->batch = b;
    x->index = i;
    x->req = req;
    x->retry_after = -1;
    x->t0 = pf__now();
    x->deadline = x->t0 + env->opt.deadline;
    if ((x->fail = pf__request_check(req, &x->fail_err)) != PF_OK) return;
    if (pf__xfer_is_list(req->kind)) {
        if ((x->fail = pf__xfer_init_list(x)) != PF_OK) return;
    } else if (req->kind == PF_KIND_REVIEWS) {
        x->rpc = "UsvDTd";
        x->want = reviews_wanted(req);
        if (req->token && *req->token) {
            x->token = strdup(req->token);
            if (x->token == NULL) {
                x->fail = PF_ENOMEM;
                return;
            }
        }
    }
    x->fail = build(x);
}

void pf__xfer_free(pf__xfer *x)
{
    if (x == NULL) return;
    pf_http_request_cleanup(&x->http);
    pf__body_release(x->env->bodies, &x->body);
    free(x->offsite);
    free(x->token);
    for (size_t i = 0; i < x->npages; i++) pf_reviews_free(x->pages[i]);
    free(x->pages);
    for (size_t i = 0; i < x->nlists; i++) pf_list_free(x->lists[i]);
    free(x->lists);
    free(x->path);
    free(x);
}

static void finish(pf__xfer *x, pf_response *res)
{
    pf__loop *L = x->loop;
    pf_batch *b = x->batch;
    size_t i = x->index;
    res->elapsed = pf__now() - x->t0;
    res->error.http_status = (int)x->status;
    res->error.attempts = x->attempts;
    if (res->code == PF_OK) {
        res->error.code = PF_OK;
        res->error.offset = PF_NO_OFFSET;
        res->error.message[0] = '\0';
    }
    pf__parent *parent = x->parent;
    if (parent == NULL && pf__details_spawn(x, res)) return;
    pf__xfer_free(x);
    if (parent)
        pf__details_done(parent, i, res);
    else
        pf__batch_publish(b, i, res);
    pf__loop_release(L);
}

/* Rebuild the request (x->rpc or x->token changed) and send the xfer back
 * to the loop for it. Returns 1, or 0 with res set when the build failed. */
int pf__xfer_again(pf__xfer *x, pf_response *res)
{
    if (build(x) != PF_OK) {
        res->code = pf__error(&res->error, PF_ENOMEM, PF_NO_OFFSET,
                              "out of memory building a request");
        return 0;
    }
    x->page_attempts = 0;
    /* A new page has its own deadline: a long review chain is many
     * requests, each of which may meet pushback. */
    x->deadline = pf__now() + x->env->opt.deadline;
    pf__body_release(x->env->bodies, &x->body); /* parsed: an idle xfer
                                                    must not hold the budget */
    x->status = 0;
    x->cc = CURLE_OK;
    pf__loop_requeue(x->loop, x);
    return 1;
}

static int again(pf__xfer *x, pf_response *res)
{
    return pf__xfer_again(x, res);
}

static void trim(pf_list *l, int num)
{
    if (l && num > 0 && l->count > (size_t)num) l->count = (size_t)num;
}

/* Returns 1 when the xfer went back to the loop for another page. */
static int reviews_page(pf__xfer *x, pf_response *res)
{
    pf_reviews *page = NULL;
    const char *b;
    size_t n;
    if (!pf__xfer_body(x, res, &b, &n)) return 0;
    pf_code rc = pf_parse_reviews(b, n, &page, &res->error);
    int empty = rc == PF_OK && page->count == 0 &&
                !(page->next_token && *page->next_token);
    if (x->npages == 0 && !strcmp(x->rpc, "UsvDTd") &&
        (empty || (rc != PF_OK && rc != PF_ENOMEM))) {
        /* Nothing usable under UsvDTd: older deployments answered reviews
         * only under oCPfdb, so ask once more under that name and let its
         * answer stand. An app with no reviews costs one extra request. */
        pf_reviews_free(page);
        res->error.code = PF_OK;
        x->rpc = "oCPfdb";
        return again(x, res);
    }
    if (rc == PF_ENOTFOUND && x->npages > 0) {
        /* A null payload after the first page just means no more. */
        free(x->token);
        x->token = NULL;
        rc = PF_OK;
    } else if (rc != PF_OK) {
        res->code = rc;
        return 0;
    } else {
        if (x->npages == x->cappages) {
            size_t nc = x->cappages ? x->cappages * 2 : 4;
            pf_reviews **np = realloc(x->pages, nc * sizeof *np);
            if (np == NULL) {
                pf_reviews_free(page);
                res->code = pf__error(&res->error, PF_ENOMEM, PF_NO_OFFSET,
                                      "out of memory merging review pages");
                return 0;
            }
            x->pages = np;
            x->cappages = nc;
        }
        x->pages[x->npages++] = page;
        x->got += page->count;
        const char *next = page->next_token;
        int more = next && *next && page->count > 0 &&
                   (x->want < 0 || x->got < (size_t)x->want) &&
                   !(x->token && !strcmp(x->token, next));
        char *tok = next && *next ? strdup(next) : NULL;
        if (next && *next && tok == NULL) more = 0;
        free(x->token);
        x->token = tok;
        if (more) return again(x, res);
    }
    /* Done: one page as it came, or every page merged into one block. */
    if (x->npages == 1 && (x->want < 0 || x->got <= (size_t)x->want)) {
        res->reviews = x->pages[0];
        x->npages = 0;
    } else {
        res->reviews = pf__reviews_merge(x->pages, x->npages, x->want,
                                         x->token);
        if (res->reviews == NULL) {
            res->code = pf__error(&res->error, PF_ENOMEM, PF_NO_OFFSET,
                                  "out of memory merging review pages");
            return 0;
        }
    }
    res->code = PF_OK;
    return 0;
}

/* A review chain that failed after its first page keeps what it fetched:
 * res->reviews holds the pages so far, merged, with next_token the token
 * of the page that failed, so the caller can resume there (pf_response).
 * Out of memory, the error stands alone. */
static void keep_partial(pf__xfer *x, pf_response *res)
{
    if (x->req->kind != PF_KIND_REVIEWS || x->npages == 0) return;
    res->reviews = pf__reviews_merge(x->pages, x->npages, x->want, x->token);
}

static void parse(pf__xfer *x, pf_response *res)
{
    const pf_request *req = x->req;
    const char *b;
    size_t n;
    if (!pf__xfer_body(x, res, &b, &n)) return;
    switch (req->kind) {
    case PF_KIND_APP:
        res->code = pf_parse_app(b, n, req->app_id, &res->app,
                                 &res->error);
        break;
    case PF_KIND_LIST:
        res->code = pf_parse_list(b, n, &res->list, &res->error);
        if (res->code == PF_OK) trim(res->list, req->num);
        break;
    case PF_KIND_SUGGEST:
        res->code = pf_parse_suggest(b, n, &res->terms,
                                     &res->error);
        break;
    case PF_KIND_PERMISSIONS:
        res->code = pf_parse_permissions(b, n,
                                         &res->permissions, &res->error);
        break;
    case PF_KIND_DATASAFETY:
        res->code = pf_parse_datasafety(b, n,
                                        &res->datasafety, &res->error);
        break;
    case PF_KIND_CATEGORIES:
        res->code = pf_parse_categories(b, n,
                                        &res->categories, &res->error);
        break;
    default:
        res->code = PF_EINVAL;
    }
}

void pf__xfer_complete(pf__job *job)
{
    pf__xfer *x = (pf__xfer *)job;
    pf_response res;
    memset(&res, 0, sizeof res);
    res.kind = x->req->kind;
    res.error.offset = PF_NO_OFFSET;
    pf_error *e = &res.error;
    long st = x->status;

    if (x->fail && x->fail_err.message[0]) {
        res.code = x->fail;
        *e = x->fail_err;
    } else if (x->fail) {
        res.code = pf__build_error(e, x->fail);
    } else if (x->cancelled) {
        res.code = pf__error(e, PF_ECANCELLED, PF_NO_OFFSET,
                             "cancelled before it completed");
    } else if (x->toobig || x->cc == CURLE_FILESIZE_EXCEEDED) {
        res.code = pf__error(e, PF_ETOOBIG, PF_NO_OFFSET,
                             "response over the %zu-byte cap",
                             x->env->opt.max_response);
    } else if (x->cc == CURLE_OPERATION_TIMEDOUT) {
        res.code = pf__error(e, PF_ETIMEOUT, PF_NO_OFFSET,
                             "timed out after %d attempt%s: %s", x->attempts,
                             x->attempts == 1 ? "" : "s",
                             x->errbuf[0] ? x->errbuf
                                          : curl_easy_strerror(x->cc));
    } else if (x->nomem) {
        res.code = pf__error(e, PF_ENOMEM, PF_NO_OFFSET,
                             "out of memory for a response body");
    } else if (x->cc == CURLE_OUT_OF_MEMORY) {
        /* libcurl says "out of memory" for what the server sent it: a
         * header line over its 100 KB limit, a body its decoder could not
         * hold. The cause is the answer, not this process's memory. */
        res.code = pf__error(e, PF_ETOOBIG, PF_NO_OFFSET,
                             "the server's answer was more than libcurl "
                             "holds (an oversized header or encoded "
                             "body): %s", x->errbuf[0] ? x->errbuf
                                 : curl_easy_strerror(x->cc));
    } else if (x->cc == CURLE_BAD_CONTENT_ENCODING) {
        res.code = pf__error(e, PF_EMALFORMED, PF_NO_OFFSET,
                             "the compressed body does not decode: %s",
                             x->errbuf[0] ? x->errbuf
                                          : curl_easy_strerror(x->cc));
    } else if (x->cc != CURLE_OK) {
        res.code = pf__error(e, PF_ENETWORK, PF_NO_OFFSET, "%s",
                             x->errbuf[0] ? x->errbuf
                                          : curl_easy_strerror(x->cc));
    } else if (x->blocked) {
        res.code = pf__error(e, PF_EBLOCKED, PF_NO_OFFSET,
                             "blocked: the server answered with its "
                             "unusual-traffic or consent page (HTTP %ld), "
                             "%d attempt%s until the deadline", st,
                             x->attempts, x->attempts == 1 ? "" : "s");
    } else if (x->offsite) {
        res.code = pf__error(e, PF_EHTTP, PF_NO_OFFSET,
                             "HTTP %ld: redirected off the store, to %.120s",
                             st, x->offsite);
    } else if (st >= 200 && st <= 299) {
        if (x->req->kind == PF_KIND_REVIEWS) {
            if (reviews_page(x, &res)) return; /* the loop has it again */
        } else if (pf__xfer_is_list(x->req->kind)) {
            if (pf__xfer_list_page(x, &res)) return; /* another page */
        } else {
            parse(x, &res);
        }
    } else if (st == 404 && (x->req->kind == PF_KIND_APP ||
                             x->req->kind == PF_KIND_REVIEWS)) {
        res.code = pf__error(e, PF_ENOTFOUND, PF_NO_OFFSET,
                             "HTTP 404: no such app");
    } else if (st == 404 && x->req->kind >= PF_KIND_DEVELOPER) {
        res.code = pf__error(e, PF_ENOTFOUND, PF_NO_OFFSET,
                             "HTTP 404: no such %s",
                             x->req->kind == PF_KIND_DEVELOPER ? "developer"
                             : x->req->kind == PF_KIND_CATEGORIES ? "page"
                                                                  : "app");
    } else if (st == 429 || st == 503) {
        res.code = pf__error(e, PF_ERATELIMIT, PF_NO_OFFSET,
                             "HTTP %ld: rate limited, %d attempt%s until "
                             "the deadline", st, x->attempts,
                             x->attempts == 1 ? "" : "s");
    } else {
        res.code = pf__error(e, PF_EHTTP, PF_NO_OFFSET, "HTTP %ld after %d "
                             "attempt%s", st, x->attempts,
                             x->attempts == 1 ? "" : "s");
    }
    if (res.code != PF_OK) {
        /* Parsers fill kind and offset; keep them, but make sure the code
         * in the struct agrees with the response's. */
        res.error.code = res.code;
        pf_app_free(res.app);
        pf_list_free(res.list);
        pf_reviews_free(res.reviews);
        pf_terms_free(res.terms);
        pf_permissions_free(res.permissions);
        pf_datasafety_free(res.datasafety);
        pf_categories_free(res.categories);
        res.app = NULL;
        res.list = NULL;
        res.reviews = NULL;
        keep_partial(x, &res);
        res.terms = NULL;
        res.permissions = NULL;
        res.datasafety = NULL;
        res.categories = NULL;
    }
    finish(x, &res);
}
