/*
 * merge.c -- join review pages into one pf_reviews block.
 *
 * A reviews request for more than one page is one logical request: the
 * engine follows the continuation tokens and the caller receives a single
 * result, freed by one pf_reviews_free(). Pages can overlap when reviews
 * arrive while we paginate, so ids seen on an earlier page are dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "request.h"

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603u;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

/* Returns 1 when id was already in the set, else inserts it. Reviews without
 * an id are never treated as duplicates. */
static int seen(const char **set, size_t mask, const char *id)
{
    if (id == NULL) return 0;
    for (size_t i = hash(id) & mask;; i = (i + 1) & mask) {
        if (set[i] == NULL) {
            set[i] = id;
            return 0;
        }
        if (!strcmp(set[i], id)) return 1;
    }
}

static void copy_str(pf__arena *a, size_t field, const char *s)
{
    if (s == NULL) return;
    size_t off = pf__arena_strn(a, s, strlen(s));
    pf__arena_ptr(a, field, off);
}

pf_reviews *pf__reviews_merge(pf_reviews *const *pages, size_t npages,
                              long want, const char *next_token)
{
    size_t total = 0;
    for (size_t p = 0; p < npages; p++) total += pages[p]->count;
    size_t cap = 16;
    while (cap < total * 2) cap *= 2;
    const char **set = calloc(cap, sizeof *set);
    const pf_review **keep = malloc((total ? total : 1) * sizeof *keep);
    pf_reviews *out = NULL;
    if (set == NULL || keep == NULL) goto done;

    size_t n = 0;
    for (size_t p = 0; p < npages; p++)
        for (size_t i = 0; i < pages[p]->count; i++) {
            if (want >= 0 && n >= (size_t)want) break;
            const pf_review *r = &pages[p]->items[i];
            if (!seen(set, cap - 1, r->review_id)) keep[n++] = r;
        }

    pf__arena a;
    pf__arena_init(&a, sizeof(pf_reviews) + n * (sizeof(pf_review) + 256));
    size_t root = pf__arena_alloc(&a, sizeof(pf_reviews));
    size_t items = n ? pf__arena_alloc(&a, n * sizeof(pf_review)) : PF__NOFF;
    if (root != PF__NOFF) {
        pf_reviews *rv = pf__arena_at(&a, root);
        rv->count = n;
        pf__arena_ptr(&a, root + offsetof(pf_reviews, items), items);
        copy_str(&a, root + offsetof(pf_reviews, next_token), next_token);
    }
    for (size_t i = 0; i < n && items != PF__NOFF && !a.failed; i++) {
        size_t at = items + i * sizeof(pf_review);
        const pf_review *r = keep[i];
        pf_review *d = pf__arena_at(&a, at);
        d->score = r->score;
        d->thumbs_up = r->thumbs_up;
        d->created_at = r->created_at;
        d->reply_at = r->reply_at;
#define S(f) copy_str(&a, at + offsetof(pf_review, f), r->f)
        S(review_id);
        S(user_name);
        S(user_image);
        S(content);
        S(reply_content);
        S(app_version);
#undef S
    }
    out = pf__arena_finish(&a);
done:
    free(set);
    free(keep);
    return out;
}
