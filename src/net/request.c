/*
 * request.c -- what goes on the wire for each kind of request.
 *
 * The shapes follow what the Play web client (and google-play-scraper, the
 * reference peer) sends. Every user value is escaped for each layer it
 * crosses: batchexecute carries JSON inside a JSON string inside a form
 * field, so an app id is JSON-escaped into the inner document, that whole
 * document is JSON-escaped as a string of the outer one, and the outer one
 * is percent-encoded. Built that way, no quote, backslash, '&' or newline in
 * a query can change the structure of the request.
 */
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "page.h" /* pf__error */
#include "request.h"

/* ---- escaping into a pf__buf (buf.h) ------------------------------------ */

void pf__buf_pct(pf__buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!pf__buf_reserve(b, n * 3)) return;
    char *o = b->p + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

void pf__buf_json(pf__buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (!pf__buf_reserve(b, n * 6)) return;
    char *o = b->p + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': *o++ = '\\'; *o++ = '"'; break;
        case '\\': *o++ = '\\'; *o++ = '\\'; break;
        case '\n': *o++ = '\\'; *o++ = 'n'; break;
        case '\r': *o++ = '\\'; *o++ = 'r'; break;
        case '\t': *o++ = '\\'; *o++ = 't'; break;
        default:
            /* Control bytes must be escaped; '<' and '>' are escaped as a
             * browser's JSON.stringify would not, but harmlessly, so the
             * request never carries markup. UTF-8 passes through. */
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>') {
                *o++ = '\\'; *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hex[c >> 4]; *o++ = hex[c & 15];
            } else {
                *o++ = (char)c;
            }
        }
    }
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

/* ---- kinds ------------------------------------------------------------ */

/* pf_kind_name: constant text, "unknown" out of range. Any thread. */
const char *pf_kind_name(pf_kind kind)
{
    static const char *const names[PF_KIND_COUNT_] = {
        "app", "list", "search", "reviews", "developer", "similar",
        "suggest", "permissions", "datasafety", "categories"};
    if ((unsigned)kind >= PF_KIND_COUNT_) return "unknown";
    return names[kind];
}

/* pf_request_init: zero every field (defaults: hl "en", gl "us", newest
 * first, one page) and set the kind. NULL is a no-op. Any thread. */
void pf_request_init(pf_request *req, pf_kind kind)
{
    if (req == NULL) return;
    memset(req, 0, sizeof *req);
    req->kind = kind;
}

/* ---- the list (top chart) request ------------------------------------- */

/* The vyAe2 request names, per item type, the fields the server should fill.
 * The web client sends one entry per (type, surface) pair with the same
 * field list for every surface of a type, so the 240 entries are generated
 * from these two tables instead of being pasted as an opaque blob. */
static const int list_surfaces[] = {1,  31, 104, 9,   8,   27,  12,  65,
                                    110, 88, 11, 56, 55,  96,  10,  122,
                                    72,  71, 64, 113, 139, 150, 169, 165,
                                    151, 163, 32, 16, 108, 100};
static const struct {
    int type;
    const char *fields;
} list_types[] = {
    {7, "1,73,96,103,97,58,50,92,52,112,69,19,31,101,123,74,49,80,38,20,10,"
        "14,79,43,42,139"},
    {9, "1,7,9,24,12,31,5,15,27,8,13,10"},
    {17, "1,7,9,25,13,31,5,41,27,8,14,10"},
    {10, "1,7,6,9"},
    {1, "1,5,14,38,19,29,34,4,12,11,6,30,43,40,42,16,10,7"},
    {4, "1,3,5,4,7,6,11,19,21,17,15,12,16,20"},
    {3, "1,5,14,4,10,17"},
    {2, "1,5,7,4,13,16,12,18"},
};

static void list_inner(pf__buf *b, int num, const char *collection,
                       const char *category)
{
    pf__buf_fmt(b, "[[null,[[8,[20,%d]],true,null,", num);
    pf__buf_str(b, "[64,1,195,71,8,72,9,10,11,139,12,16,145,148,150,151,152,"
                   "27,30,31,96,32,34,163,100,165,104,169,108,110,113,55,56,"
                   "57,122],");
    pf__buf_str(b, "[null,null,[[[true],null,[[null,[]]],null,null,null,null,"
                   "[null,2],null,null,null,null,null,null,[1],null,null,"
                   "null,null,null,null,null,[1]],[null,[[null,[]]]],"
                   "[null,[[null,[]]],null,[true]],[null,[[null,[]]]],null,"
                   "null,null,null,[[[null,[]]]],[[[null,[]]]]],[[");
    int first = 1;
    for (size_t t = 0; t < sizeof list_types / sizeof *list_types; t++)
        for (size_t s = 0; s < sizeof list_surfaces / sizeof *list_surfaces;
             s++) {
            pf__buf_fmt(b, "%s[[%d,%d],[[", first ? "" : ",",
                        list_types[t].type, list_surfaces[s]);
            pf__buf_str(b, list_types[t].fields);
            pf__buf_str(b, "]]]");
            first = 0;
        }
    pf__buf_str(b, "]]],null,null,[[[1,2],[10,8,9],[],[]]]],[2,\"");
    pf__buf_json(b, collection, strlen(collection));
    pf__buf_str(b, "\",\"");
    pf__buf_json(b, category, strlen(category));
    pf__buf_str(b, "\"]]]");
}

/* Reviews: [null,null,[2,sort,[count,null,token],null,[null,score]],
 *           ["app.id",7]] -- an absent score filter is an empty list. */
static void reviews_inner(pf__buf *b, const pf_request *req, int count,
                          const char *token)
{
    int sort = req->sort ? (int)req->sort : PF_SORT_NEWEST;
    pf__buf_fmt(b, "[null,null,[2,%d,[%d,null,", sort, count);
    if (token) {
        pf__buf_str(b, "\"");
        pf__buf_json(b, token, strlen(token));
        pf__buf_str(b, "\"");
    } else {
        pf__buf_str(b, "null");
    }
    pf__buf_str(b, "],null,");
    if (req->score)
        pf__buf_fmt(b, "[null,%d]", req->score);
    else
        pf__buf_str(b, "[]");
    pf__buf_str(b, "],[\"");
    pf__buf_json(b, req->app_id, strlen(req->app_id));
    pf__buf_str(b, "\",7]]");
}

/* f.req=[[["rpc","<inner as a JSON string>",null,"generic"]]], form-encoded. */
static char *be_body(const char *rpc, const char *inner, size_t inner_len,
                     size_t *len)
{
    pf__buf outer, form;
    pf__buf_init(&outer, 0);
    pf__buf_str(&outer, "[[[\"");
    pf__buf_json(&outer, rpc, strlen(rpc));
    pf__buf_str(&outer, "\",\"");
    pf__buf_json(&outer, inner, inner_len);
    pf__buf_str(&outer, "\",null,\"generic\"]]]");
    pf__buf_init(&form, 0);
    pf__buf_str(&form, "f.req=");
    if (!outer.failed) pf__buf_pct(&form, outer.p, outer.len);
    pf__buf_cleanup(&outer);
    if (outer.failed) form.failed = 1;
    *len = form.len;
    return pf__buf_take(&form, NULL);
}

static void query_param(pf__buf *b, const char *sep, const char *name,
                        const char *value)
{
    pf__buf_str(b, sep);
    pf__buf_str(b, name);
    pf__buf_str(b, "=");
    pf__buf_pct(b, value, strlen(value));
}

static void base(pf__buf *b, const char *base_url)
{
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/') n--;
    pf__buf_add(b, base_url, n);
}

static const char *collection_name(const char *c)
{
    /* google-play-scraper's constant names are accepted as aliases. */
    if (c == NULL || !strcmp(c, "TOP_FREE")) return "topselling_free";
    if (!strcmp(c, "TOP_PAID")) return "topselling_paid";
    if (!strcmp(c, "GROSSING")) return "topgrossing";
    return c;
}

/* ---- the kinds of issue 10 ------------------------------------------- */

/* The continuation of a cluster or of search results (rpc qnKhOb), as the
 * web client asks for it: [[null, [[10, [10, count]], true, null, [the
 * card fields wanted]], null, "token"]]. */
static void more_inner(pf__buf *b, int count, const char *token)
{
    pf__buf_fmt(b, "[[null,[[10,[10,%d]],true,null,[96,27,4,8,57,30,110,79,"
                   "11,16,49,1,3,9,12,104,55,56,51,10,34,77]],null,\"",
                count);
    pf__buf_json(b, token, strlen(token));
    pf__buf_str(b, "\"]]");
}

/* A developer id of digits only is the numeric id (/store/apps/dev);
 * anything else is a name (/store/apps/developer), as the store links
 * them. */
static int numeric(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static void batch_url(pf__buf *u, const char *rpc, const char *source)
{
    pf__buf_str(u, "/_/PlayStoreUi/data/batchexecute?rpcids=");
    pf__buf_str(u, rpc);
    pf__buf_str(u, "&source-path=");
    pf__buf_pct(u, source, strlen(source));
    pf__buf_str(u, "&authuser=0&soc-app=121&soc-platform=1&soc-device=1");
}

/* The body of a batchexecute call whose inner document `fill` writes. */
static int batch_body(pf_http_request *out, const char *rpc,
                      void (*fill)(pf__buf *, const pf_request *, int,
                                   const char *),
                      const pf_request *req, int count, const char *token)
{
    pf__buf inner;
    pf__buf_init(&inner, 0);
    fill(&inner, req, count, token);
    if (!inner.failed)
        out->body = be_body(rpc, inner.p, inner.len, &out->body_len);
    pf__buf_cleanup(&inner);
    return out->body != NULL;
}

static void more_fill(pf__buf *b, const pf_request *req, int count,
                      const char *token)
{
    more_inner(b, count, token);
}

/* Suggestions: [[null, ["term"], [10], [2], 4]]. */
static void suggest_fill(pf__buf *b, const pf_request *req, int count,
                         const char *token)
{
    pf__buf_str(b, "[[null,[\"");
    pf__buf_json(b, req->query, strlen(req->query));
    pf__buf_str(b, "\"],[10],[2],4]]");
}

/* Permissions: [[null, ["app.id", 7], []]]. The id is JSON-escaped like
 * every other value (google-play-scraper pastes it in raw, so a quote in
 * it rewrites the request). */
static void permissions_fill(pf__buf *b, const pf_request *req, int count,
                             const char *token)
{
    pf__buf_str(b, "[[null,[\"");
    pf__buf_json(b, req->app_id, strlen(req->app_id));
    pf__buf_str(b, "\",7],[]]]");
}

/* Build the exchange of the kinds added with issue 10; 0 on a missing
 * field (PF_EINVAL), -1 out of memory, 1 done. A token asks for the
 * continuation of a developer's, a similar or a search list. */
static int build_more_kinds(pf__buf *u, const pf_request *req, int count,
                            const char *token, pf_http_request *out)
{
    if (token && (req->kind == PF_KIND_DEVELOPER ||
                  req->kind == PF_KIND_SIMILAR ||
                  req->kind == PF_KIND_SEARCH)) {
        batch_url(u, "qnKhOb", req->kind == PF_KIND_SEARCH ? "/store/search"
                                                           : "/store/apps");
        return batch_body(out, "qnKhOb", more_fill, req,
                          count > 0 ? count : 100, token) ? 1 : -1;
    }
    switch (req->kind) {
    case PF_KIND_DEVELOPER:
        if (req->developer_id == NULL || !*req->developer_id) return 0;
        pf__buf_str(u, numeric(req->developer_id) ? "/store/apps/dev"
                                                  : "/store/apps/developer");
        query_param(u, "?", "id", req->developer_id);
        return 1;
    case PF_KIND_SIMILAR: /* its first exchange is the app's details page */
    case PF_KIND_DATASAFETY:
        if (req->app_id == NULL || !*req->app_id) return 0;
        pf__buf_str(u, req->kind == PF_KIND_SIMILAR ? "/store/apps/details"
                                                    : "/store/apps/datasafety");
        query_param(u, "?", "id", req->app_id);
        return 1;
    case PF_KIND_CATEGORIES:
        pf__buf_str(u, "/store/apps?");
        return 1;
    case PF_KIND_SUGGEST:
        if (req->query == NULL || !*req->query) return 0;
        batch_url(u, "IJ4APc", "/store/apps");
        return batch_body(out, "IJ4APc", suggest_fill, req, 0, NULL) ? 1 : -1;
    case PF_KIND_PERMISSIONS:
        if (req->app_id == NULL || !*req->app_id) return 0;
        batch_url(u, "xdSrCf", "/store/apps/details");
        return batch_body(out, "xdSrCf", permissions_fill, req, 0, NULL) ? 1
                                                                        : -1;
    default:
        return 0;
    }
}

pf_code pf__http_build_path(const char *base_url, const pf_request *req,
                            const char *path, pf_http_request *out)
{
    memset(out, 0, sizeof *out);
    const char *hl = req->lang && *req->lang ? req->lang : "en";
    const char *gl = req->country && *req->country ? req->country : "us";
    /* Only a path on the same server: never a URL a page could point
     * elsewhere with. */
    if (path == NULL || path[0] != '/' || path[1] == '/') return PF_EINVAL;
    pf__buf u;
    pf__buf_init(&u, 0);
    base(&u, base_url);
    pf__buf_str(&u, path);
    query_param(&u, strchr(path, '?') ? "&" : "?", "hl", hl);
    query_param(&u, "&", "gl", gl);
    out->url = pf__buf_take(&u, NULL);
    return out->url ? PF_OK : PF_ENOMEM;
}

pf_code pf__http_build(const char *base_url, const pf_request *req,
                       const char *rpc, int count, const char *token,
                       pf_http_request *out)
{
    memset(out, 0, sizeof *out);
    if (req == NULL || base_url == NULL) return PF_EINVAL;
    const char *hl = req->lang && *req->lang ? req->lang : "en";
    const char *gl = req->country && *req->country ? req->country : "us";
    pf__buf u;
    pf__buf_init(&u, 0);
    base(&u, base_url);

    if (req->kind >= PF_KIND_DEVELOPER ||
        (req->kind == PF_KIND_SEARCH && token != NULL)) {
        int r = build_more_kinds(&u, req, count, token, out);
        if (r == 0) goto inval;
        if (r < 0) goto nomem;
        if (req->kind == PF_KIND_CATEGORIES) {
            /* "/store/apps?" already ends in the separator. */
            query_param(&u, "", "hl", hl);
            query_param(&u, "&", "gl", gl);
            out->url = pf__buf_take(&u, NULL);
            if (out->url == NULL) goto nomem;
            return PF_OK;
        }
        goto params;
    }
    switch (req->kind) {
    case PF_KIND_APP:
        if (req->app_id == NULL || !*req->app_id) goto inval;
        pf__buf_str(&u, "/store/apps/details");
        query_param(&u, "?", "id", req->app_id);
        break;
    case PF_KIND_SEARCH:
        if (req->query == NULL || !*req->query) goto inval;
        if (req->price < PF_PRICE_ALL || req->price > PF_PRICE_PAID)
            goto inval;
        pf__buf_str(&u, "/store/search");
        query_param(&u, "?", "q", req->query);
        pf__buf_str(&u, "&c=apps");
        break;
    case PF_KIND_LIST: {
        if (req->num < 0) goto inval;
        pf__buf_str(&u, "/_/PlayStoreUi/data/batchexecute?rpcids=vyAe2"
                        "&source-path=%2Fstore%2Fapps&authuser=0"
                        "&soc-app=121&soc-platform=1&soc-device=1&rt=c");
        pf__buf inner;
        pf__buf_init(&inner, 0);
        list_inner(&inner, req->num ? req->num : 100,
                   collection_name(req->collection),
                   req->category && *req->category ? req->category
                                                   : "APPLICATION");
        if (!inner.failed)
            out->body = be_body("vyAe2", inner.p, inner.len, &out->body_len);
        pf__buf_cleanup(&inner);
        if (out->body == NULL) goto nomem;
        break;
    }
    case PF_KIND_REVIEWS: {
        if (req->app_id == NULL || !*req->app_id) goto inval;
        if (req->score < 0 || req->score > 5) goto inval;
        if (req->sort != 0 && (req->sort < PF_SORT_RELEVANT ||
                               req->sort > PF_SORT_RATING))
            goto inval;
        if (rpc == NULL) rpc = "UsvDTd";
        pf__buf_str(&u, "/_/PlayStoreUi/data/batchexecute?rpcids=");
        pf__buf_pct(&u, rpc, strlen(rpc));
        pf__buf_str(&u, "&source-path=%2Fstore%2Fapps%2Fdetails&authuser=0"
                        "&soc-app=121&soc-platform=1&soc-device=1");
        pf__buf inner;
        pf__buf_init(&inner, 0);
        reviews_inner(&inner, req, count > 0 ? count : PF__REVIEWS_PAGE,
                      token);
        if (!inner.failed)
            out->body = be_body(rpc, inner.p, inner.len, &out->body_len);
        pf__buf_cleanup(&inner);
        if (out->body == NULL) goto nomem;
        break;
    }
    default:
        goto inval;
    }
params:
    query_param(&u, "&", "hl", hl);
    query_param(&u, "&", "gl", gl);
    if (req->kind == PF_KIND_SEARCH && req->price != PF_PRICE_ALL)
        pf__buf_fmt(&u, "&price=%d", (int)req->price);
    out->url = pf__buf_take(&u, NULL);
    if (out->url == NULL) goto nomem;
    return PF_OK;
inval:
    pf__buf_cleanup(&u);
    return PF_EINVAL;
nomem:
    pf__buf_cleanup(&u);
    pf_http_request_cleanup(out);
    return PF_ENOMEM;
}



/* ---- the public builder ------------------------------------------------ */

const char *pf__base_url(const char *given)
{
    if (given == NULL || !*given) given = getenv("PLAYFAST_BASE_URL");
    return given && *given ? given : "https://play.google.com";
}

pf_code pf__build_error(pf_error *err, pf_code code)
{
    return pf__error(err, code, PF_NO_OFFSET, "%s",
                     code == PF_EINVAL ? "invalid request: a required field is "
                                         "missing or out of range"
                                       : pf_strerror(code));
}

pf_code pf_request_build(const pf_request *req, const char *base_url,
                         pf_http_request *out, pf_error *err)
{
    if (out != NULL) memset(out, 0, sizeof *out);
    if (out == NULL || req == NULL) return pf__build_error(err, PF_EINVAL);
    pf_code rc = pf__request_check(req, err);
    if (rc != PF_OK) return rc;
    int count = req->num > 0 && req->num < PF__REVIEWS_PAGE ? req->num
                                                            : PF__REVIEWS_PAGE;
    rc = pf__http_build(pf__base_url(base_url), req, NULL, count,
                        req->token, out);
    return rc == PF_OK ? PF_OK : pf__build_error(err, rc);
}

void pf_http_request_cleanup(pf_http_request *h)
{
    if (h == NULL) return;
    free(h->url);
    free(h->body);
    memset(h, 0, sizeof *h);
}
