/*
 * suggest.c -- search suggestions: the batchexecute answer of rpc IJ4APc,
 * whose payload is [[[["term", null, [link]], ...], [token], ...]]: the
 * terms at [0][0][i][0], in the order the store's search box shows them.
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "page.h"

static const char *const rpcs[] = {"IJ4APc", NULL};

/* The box shows five; the cap only bounds a hostile answer. */
#define MAX_TERMS 1000

pf_code pf_parse_suggest(const char *buf, size_t len, pf_terms **out,
                         pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf__jv payload;
    pf_code rc = pf__page_small_payload(buf, len, out, rpcs, "suggestions",
                                        &payload, err);
    if (rc != PF_OK) return rc;

    pf__jv list = PF__JP(payload, 0, 0), e;
    size_t count = 0;
    pf__jiter it;
    pf__jiter_init(&it, list);
    while (count < MAX_TERMS && pf__jiter_next(&it, &e))
        count += pf__jv_type(pf__jv_index(e, 0)) == PF_J_STR;

    pf__arena a;
    pf__arena_init(&a, 512 + count * 40);
    size_t head = pf__arena_alloc(&a, sizeof(pf_terms));
    size_t arr = count ? pf__arena_alloc(&a, count * sizeof(char *)) : PF__NOFF;
    size_t k = 0;
    pf__jiter_init(&it, list);
    while (k < count && pf__jiter_next(&it, &e)) {
        pf__jv term = pf__jv_index(e, 0);
        if (pf__jv_type(term) != PF_J_STR) continue;
        /* An empty term would be no suggestion: skip it. */
        if (pf__set_str(&a, arr + k * sizeof(char *), term, 0) != PF__NOFF)
            k++;
    }
    if (!a.failed) {
        ((pf_terms *)pf__arena_at(&a, head))->count = k;
        if (k) pf__arena_ptr(&a, head + offsetof(pf_terms, items), arr);
    }
    pf_terms *res = pf__arena_finish(&a);
    if (res == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    *out = res;
    return PF_OK;
}

void pf_terms_free(pf_terms *terms)
{
    free(terms);
}
