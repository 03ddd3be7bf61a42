/*
 * outcome_lists.c -- on a worker, the list kinds whose results run over
 * several pages: a developer's apps, an app's similar apps, and search
 * results. The first exchange is a page of the store (for similar: the
 * app's details page, which names the cluster page to get next); each page
 * may end with a continuation token, asked for with rpc qnKhOb until the
 * caller's num is reached, the token runs out or repeats, or MAX_PAGES
 * pages were read. The pages are then merged into one pf_list, duplicates
 * dropped. Like the review pages in outcome.c, one logical request is many
 * exchanges; each page gets its own deadline there.
 */
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "request.h"
#include "schema.h"
#include "xfer.h"

/* What a list request may ask for: "--num up to 250" (issue 10), as the
 * peers allow. */
#define MAX_NUM 250
/* Pages followed at most: far more than 250 apps need (a continuation
 * brings up to 100), a bound on a server that never stops. */
#define MAX_PAGES 20
/* Cards asked for per continuation page, as the web client asks. */
#define MORE_COUNT 100

int pf__xfer_is_list(pf_kind kind)
{
    return kind == PF_KIND_DEVELOPER || kind == PF_KIND_SIMILAR ||
           kind == PF_KIND_SEARCH;
}

/* Apps wanted: num (at most MAX_NUM); without one, a developer's first 60
 * (google-play-scraper's default), every similar app there is (up to
 * MAX_NUM), and the first page of search results (as before continuations
 * were followed). */
static long wanted(const pf_request *req)
{
    if (req->num > 0) return req->num < MAX_NUM ? req->num : MAX_NUM;
    switch (req->kind) {
    case PF_KIND_DEVELOPER: return 60;
    case PF_KIND_SIMILAR: return MAX_NUM;
    default: return 0; /* one page, as it comes */
    }
}

pf_code pf__xfer_init_list(pf__xfer *x)
{
    const pf_request *req = x->req;
    if (req->num < 0) return PF_EINVAL;
    x->want = wanted(req);
    if (req->token && *req->token) {
        /* A caller's token: continue from there. */
        x->token = strdup(req->token);
        if (x->token == NULL) return PF_ENOMEM;
        x->stage = 1;
    }
    return PF_OK;
}

pf_code pf__xfer_build_list(pf__xfer *x)
{
    x->more = x->path == NULL && x->token != NULL;
    if (x->path)
        return pf__http_build_path(x->env->base_url, x->req, x->path,
                                   &x->http);
    int count = MORE_COUNT;
    if (x->want > 0 && x->want - (long)x->got < count)
        count = (int)(x->want - (long)x->got);
    return pf__http_build(x->env->base_url, x->req, NULL, count > 0 ? count : 1,
                          x->more ? x->token : NULL, &x->http);
}

/* ---- one page ----------------------------------------------------------- */

static int keep_page(pf__xfer *x, pf_list *page, pf_response *res)
{
    if (x->nlists == x->caplists) {
        size_t nc = x->caplists ? x->caplists * 2 : 4;
        pf_list **nl = realloc(x->lists, nc * sizeof *nl);
        if (nl == NULL) {
            pf_list_free(page);
            res->code = pf__error(&res->error, PF_ENOMEM, PF_NO_OFFSET,
                                  "out of memory merging list pages");
            return 0;
        }
        x->lists = nl;
        x->caplists = nc;
    }
    x->lists[x->nlists++] = page;
    x->got += page->count;
    return 1;
}

/* Similar, first exchange: the details page names the cluster page. */
static int similar_start(pf__xfer *x, pf_response *res)
{
    char *path = NULL;
    const char *b;
    size_t n;
    if (!pf__xfer_body(x, res, &b, &n)) return 0;
    pf_code rc = pf_parse_similar_url(b, n, &path, &res->error);
    if (rc != PF_OK) {
        res->code = rc;
        return 0;
    }
    x->path = path;
    x->stage = 1;
    return pf__xfer_again(x, res);
}

int pf__xfer_list_page(pf__xfer *x, pf_response *res)
{
    const pf_request *req = x->req;
    if (req->kind == PF_KIND_SIMILAR && x->stage == 0)
        return similar_start(x, res);

    pf_list *page = NULL;
    pf_code rc;
    const char *b;
    size_t n;
    if (!pf__xfer_body(x, res, &b, &n)) return 0;
    if (req->kind == PF_KIND_SEARCH && !x->more)
        rc = pf_parse_search(b, n, &page, &res->error);
    else /* a developer's or cluster page, or any continuation */
        rc = pf_parse_developer(b, n, &page, &res->error);
    free(x->path);
    x->path = NULL;
    if (rc == PF_ENOTFOUND && x->nlists > 0) {
        /* An error frame after the first page: no more pages. */
        res->error.code = PF_OK;
        free(x->token);
        x->token = NULL;
    } else if (rc != PF_OK) {
        res->code = rc;
        return 0;
    } else {
        if (!keep_page(x, page, res)) return 0;
        const char *next = page->next_token;
        int more = next && *next && page->count > 0 && x->want > 0 &&
                   x->got < (size_t)x->want && x->nlists < MAX_PAGES &&
                   !(x->token && !strcmp(x->token, next));
        char *tok = next && *next ? strdup(next) : NULL;
        if (next && *next && tok == NULL) more = 0;
        free(x->token);
        x->token = tok;
        if (more) return pf__xfer_again(x, res);
    }

    /* Done: one page as it came (trimmed), or the pages merged. */
    if (x->nlists == 1) {
        res->list = x->lists[0];
        x->nlists = 0;
        if (x->want > 0 && res->list->count > (size_t)x->want)
            res->list->count = (size_t)x->want;
        if (req->kind == PF_KIND_SEARCH && req->num > 0 &&
            res->list->count > (size_t)req->num)
            res->list->count = (size_t)req->num;
    } else {
        res->list = pf__list_merge(x->lists, x->nlists, x->want > 0 ? x->want : -1,
                                   x->token);
        if (res->list == NULL) {
            res->code = pf__error(&res->error, PF_ENOMEM, PF_NO_OFFSET,
                                  "out of memory merging list pages");
            return 0;
        }
    }
    res->code = PF_OK;
    return 0;
}
