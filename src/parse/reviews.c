/*
 * reviews.c -- one page of reviews: the batchexecute answer of rpc UsvDTd
 * (or of the older oCPfdb), or an HTML page that embeds an oCPfdb block
 * (app details pages carry their first reviews that way).
 *
 * The data is [[review, ...], [null, "next token"]] with a review being
 *   [0] id  [1] ["user", [.., .., .., [.., .., "image url"]]]  [2] stars
 *   [4] text  [5] [seconds, nanos]  [6] thumbs up
 *   [7] ["developer", "reply", [seconds, nanos]]  [10] "app version"
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "items.h"
#include "page.h"
#include "schema.h"

#define MAX_REVIEWS 100000
#define LOCAL_REVIEWS 160 /* 14 KB of stack covers a 150-review page */

static const char *const rpcs[] = {"UsvDTd", "oCPfdb", NULL};

#define FIELD(base, name) ((base) + offsetof(pf_review, name))
#define REVIEW(a, base) ((pf_review *)pf__arena_at((a), (base)))

/* Fields of a review by index. */
enum { R_ID = 0, R_USER = 1, R_SCORE = 2, R_TEXT = 4, R_DATE = 5,
       R_THUMBS = 6, R_REPLY = 7, R_VERSION = 10, R_N = 11 };

/* Where each review's fields start, gathered in the validating pass so
 * that the pf_review array can be laid out contiguously before any string
 * is decoded into the arena behind it. Only starts are kept (the end and
 * escape level are those of the whole array). */
typedef struct spot {
    const char *p[R_N];
} spot;

typedef struct spots {
    spot *v;
    size_t n, cap;
    spot local[LOCAL_REVIEWS];
} spots;

static int spots_add(spots *r, const pf__jv *k, long n)
{
    if (r->n == r->cap) {
        if (r->cap >= MAX_REVIEWS) return 0;
        size_t nc = r->cap * 2;
        spot *nv = r->v == r->local ? malloc(nc * sizeof *nv)
                                    : realloc(r->v, nc * sizeof *nv);
        if (nv == NULL) return 0;
        if (r->v == r->local) memcpy(nv, r->local, r->n * sizeof *nv);
        r->v = nv;
        r->cap = nc;
    }
    spot *s = &r->v[r->n++];
    for (long i = 0; i < R_N; i++) s->p[i] = i < n ? k[i].p : NULL;
    return 1;
}

static void fill_review(pf__arena *a, size_t base, const spot *s,
                        const char *end, int esc)
{
    pf__jv k[R_N];
    for (int i = 0; i < R_N; i++)
        k[i] = s->p[i] ? pf__jv_make(s->p[i], end, esc) : PF__JV_NONE;

    /* Absent first: the strings below write their pointers at once. */
    *REVIEW(a, base) = pf__review_absent;
    pf__set_str(a, FIELD(base, review_id), k[R_ID], 0);
    pf__set_str(a, FIELD(base, user_name), pf__jv_index(k[R_USER], 0), 0);
    pf__set_str(a, FIELD(base, user_image), PF__JP(k[R_USER], 1, 3, 2), 0);
    pf__set_str(a, FIELD(base, content), k[R_TEXT], 0);
    pf__set_str(a, FIELD(base, reply_content), pf__jv_index(k[R_REPLY], 1), 0);
    pf__set_str(a, FIELD(base, app_version), k[R_VERSION], 0);

    pf_review *rv = REVIEW(a, base);
    int64_t v;
    if (pf__jv_int(k[R_SCORE], &v) && v >= 1 && v <= 5) rv->score = (int)v;
    if (pf__jv_int(k[R_THUMBS], &v) && v >= 0) rv->thumbs_up = v;
    if (pf__jv_int(pf__jv_index(k[R_DATE], 0), &v)) rv->created_at = v;
    if (pf__jv_int(PF__JP(k[R_REPLY], 2, 0), &v)) rv->reply_at = v;
}

/* Walk the review array, validating each review while its fields are
 * located. Returns 1, 0 when the array is broken (*bad set), -1 on ENOMEM. */
static int walk_reviews(pf__vwalk *w, spots *out, const char **bad)
{
    pf__jv e, k[R_N];
    int st;
    while ((st = pf__vwalk_next(w, &e)) == 1) {
        if (pf__jv_type(e) != PF_J_ARR) {
            if (!pf__vwalk_skip(w, e)) break;
            continue;
        }
        const char *after;
        long n = pf__vkids(e, k, R_N, &after);
        w->p = after;
        if (n < 0) {
            st = -1;
            break;
        }
        const char *id;
        size_t idlen;
        /* A review without an id cannot be linked or deduplicated. */
        if (n == 0 || !pf__jv_raw(k[R_ID], &id, &idlen) || idlen == 0)
            continue;
        if (!spots_add(out, k, n)) return -1;
    }
    *bad = w->p;
    return st == 0;
}

/* root is [[review, ...], [null, "token"], ...]; one validating pass. */
static pf_code read_reviews(pf__jv root, const char *buf, pf_reviews **out,
                            pf_error *err)
{
    spots r = {.n = 0, .cap = LOCAL_REVIEWS};
    r.v = r.local;
    pf__jv token = PF__JV_NONE;
    pf_code rc = PF_OK;
    const char *bad = NULL;
    pf__vwalk w, wl;
    pf__jv e;
    int st = 0;

    if (pf__jv_ok(root) && !pf__vwalk_init(&w, root))
        return pf__error(err, PF_EUNSUPPORTED, (size_t)(root.p - buf),
                         "reviews data has an unknown layout");
    for (int i = 0; pf__jv_ok(root); i++) {
        st = pf__vwalk_next(&w, &e);
        if (st <= 0) break;
        if (i == 0 && pf__vwalk_init(&wl, e)) {
            int ok = walk_reviews(&wl, &r, &bad);
            if (ok < 0) {
                rc = PF_ENOMEM;
                break;
            }
            if (!ok) {
                st = -1;
                w.p = bad;
                break;
            }
            w.p = wl.p;
            continue;
        }
        if (i == 0 && pf__jv_type(e) != PF_J_NULL) {
            rc = pf__error(err, PF_EUNSUPPORTED, (size_t)(e.p - buf),
                           "reviews data has an unknown layout");
            break;
        }
        if (i == 1) token = pf__jv_index(e, 1);
        if (!pf__vwalk_skip(&w, e)) {
            st = -1;
            break;
        }
    }
    if (rc == PF_OK && st < 0)
        rc = pf__error(err, PF_EMALFORMED, (size_t)(w.p - buf),
                       "broken or truncated reviews data");
    if (rc != PF_OK) {
        if (r.v != r.local) free(r.v);
        return rc == PF_ENOMEM
                   ? pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory")
                   : rc;
    }

    pf__arena a;
    pf__arena_init(&a, 1024 + r.n * 640); /* ~500 B of text a review */
    size_t head = pf__arena_alloc(&a, sizeof(pf_reviews));
    size_t arr = r.n ? pf__arena_alloc(&a, r.n * sizeof(pf_review))
                     : PF__NOFF;
    for (size_t i = 0; i < r.n && !a.failed; i++)
        fill_review(&a, arr + i * sizeof(pf_review), &r.v[i], root.end,
                    root.esc);
    pf__set_str(&a, head + offsetof(pf_reviews, next_token), token, 0);
    if (!a.failed) {
        ((pf_reviews *)pf__arena_at(&a, head))->count = r.n;
        if (r.n) pf__arena_ptr(&a, head + offsetof(pf_reviews, items), arr);
    }
    if (r.v != r.local) free(r.v);
    pf_reviews *res = pf__arena_finish(&a);
    if (res == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    *out = res;
    return PF_OK;
}

/* Review blocks a page may carry: the 2021 layout had an empty UsvDTd
 * block for the viewer's own review before the one with the reviews. */
#define MAX_REVIEW_BLOCKS 8

pf_code pf_parse_reviews(const char *buf, size_t len, pf_reviews **out,
                         pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf_code rc = pf__parse_args(buf, len, out, err);
    if (rc != PF_OK) return rc;

    pf__jv blocks[MAX_REVIEW_BLOCKS];
    size_t n = MAX_REVIEW_BLOCKS;
    rc = pf__page_find(buf, len, rpcs, blocks, &n, err);
    if (rc != PF_OK) return rc;
    /* Take the first block that holds reviews, else the first there is
     * (a batchexecute payload is the only one). */
    size_t pick = 0;
    for (size_t i = 0; i < n; i++) {
        if (pf__jv_type(PF__JP(blocks[i], 0, 0)) == PF_J_ARR) {
            pick = i;
            break;
        }
    }
    return read_reviews(blocks[pick], buf, out, err);
}

void pf_reviews_free(pf_reviews *reviews)
{
    free(reviews);
}
