/*
 * merge.c -- the pages of a chained request joined into one result block:
 * review pages (pf_reviews) and the continuation pages of developer,
 * similar and search lists (pf_list).
 *
 * A request for more than one page is one logical request: the engine
 * follows the continuation tokens and the caller receives a single result,
 * freed by one call. Pages can overlap when entries move while we
 * paginate, so an entry whose key (its record's first field: review_id,
 * app_id) was seen on an earlier page is dropped; entries without a key are
 * kept. Records are copied from the schema (pf__record_copy), so a field
 * added to playfast_fields.h is carried over without a change here.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "request.h"
#include "schema.h"

/* Both page types are {items, count, next_token}; merge() reads either. */
_Static_assert(sizeof(pf_list) == sizeof(pf_reviews) &&
               offsetof(pf_list, items) == offsetof(pf_reviews, items) &&
               offsetof(pf_list, count) == offsetof(pf_reviews, count) &&
               offsetof(pf_list, next_token) ==
                   offsetof(pf_reviews, next_token),
               "pf_list and pf_reviews share a layout");

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603u;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

/* Returns 1 when key was already in the set, else inserts it. */
static int seen(const char **set, size_t mask, const char *key)
{
    if (key == NULL) return 0;
    for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
        if (set[i] == NULL) {
            set[i] = key;
            return 0;
        }
        if (!strcmp(set[i], key)) return 1;
    }
}

/* pages[0..npages) of records rec, as one block of the same page type. */
static void *merge(pf_record rec, const pf_list *const *pages, size_t npages,
                   long want, const char *next_token)
{
    size_t esize = pf__record_size(rec);
    size_t key = pf_schema_fields(rec, NULL)[0].offset;
    size_t total = 0;
    for (size_t p = 0; p < npages; p++) total += pages[p]->count;
    size_t cap = 16;
    while (cap < total * 2) cap *= 2;
    const char **set = calloc(cap, sizeof *set);
    const char **keep = malloc((total ? total : 1) * sizeof *keep);
    void *out = NULL;
    if (set == NULL || keep == NULL) goto done;

    size_t n = 0;
    for (size_t p = 0; p < npages; p++)
        for (size_t i = 0; i < pages[p]->count; i++) {
            if (want >= 0 && n >= (size_t)want) break;
            const char *r = (const char *)pages[p]->items + i * esize;
            if (!seen(set, cap - 1, *(const char *const *)(const void *)(r + key)))
                keep[n++] = r;
        }

    pf__arena a;
    pf__arena_init(&a, sizeof(pf_list) + n * (esize + 256));
    size_t root = pf__arena_alloc(&a, sizeof(pf_list));
    size_t items = n ? pf__arena_alloc(&a, n * esize) : PF__NOFF;
    if (root != PF__NOFF) {
        ((pf_list *)pf__arena_at(&a, root))->count = n;
        pf__arena_ptr(&a, root + offsetof(pf_list, items), items);
        if (next_token)
            pf__arena_ptr(&a, root + offsetof(pf_list, next_token),
                          pf__arena_strn(&a, next_token, strlen(next_token)));
    }
    for (size_t i = 0; i < n && items != PF__NOFF; i++)
        pf__record_copy(&a, items + i * esize, rec, keep[i]);
    out = pf__arena_finish(&a);
done:
    free(set);
    free(keep);
    return out;
}

pf_reviews *pf__reviews_merge(pf_reviews *const *pages, size_t npages,
                              long want, const char *next_token)
{
    return merge(PF_RECORD_REVIEW, (const pf_list *const *)(const void *)pages,
                 npages, want, next_token);
}

pf_list *pf__list_merge(pf_list *const *pages, size_t npages, long want,
                        const char *next_token)
{
    return merge(PF_RECORD_ITEM, (const pf_list *const *)pages, npages, want,
                 next_token);
}
