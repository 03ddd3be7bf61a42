/*
 * search.c -- search results: the /store/search HTML page, or the
 * batchexecute answer of rpc lGYRle (the page's own data block comes from
 * the same rpc, so both share one reader).
 *
 * The data is [[null, [section, ...]]]. A section holds either
 *  - [22][0]: the result cards [[card], ...] (PF__CARD_CHART), or
 *  - [23]: the "exact match" card shown above the results when the query
 *    names an app (PF__CARD_DETAILS), or
 *  - [0][0]: result cards of the older layout (PF__CARD_LEGACY), which some
 *    lGYRle answers still use.
 * The exact-match card becomes item 0 and is not repeated when the results
 * list the same app again.
 */
#include <string.h>

#include "items.h"
#include "page.h"

static const char *const rpcs[] = {"lGYRle", NULL};

/* The result array of a legacy section, or absent. */
static pf__jv legacy_cards(pf__jv section)
{
    pf__jv cards = PF__JP(section, 0, 0);
    if (pf__jv_type(cards) != PF_J_ARR) return PF__JV_NONE;
    pf__jv first = pf__jv_index(cards, 0);
    if (pf__jv_type(PF__JP(first, 12, 0)) != PF_J_STR) return PF__JV_NONE;
    return cards;
}

static pf_code read_results(pf__jv root, const char *buf, pf_list **out,
                            pf_error *err)
{
    pf__items b;
    pf__items_init(&b, 32768);
    pf_code rc = PF_OK;
    if (pf__jv_ok(root)) {
        pf__jv sections = PF__JP(root, 0, 1);
        pf__jtype t = pf__jv_type(sections);
        if (pf__jv_type(root) != PF_J_ARR ||
            (t != PF_J_ARR && t != PF_J_NULL && t != PF_J_NONE)) {
            pf__items_cleanup(&b);
            return pf__error(err, PF_EUNSUPPORTED, (size_t)(root.p - buf),
                             "search data has an unknown layout");
        }

        /* One look at each section finds both the exact-match card and
         * the results; the card must be known before the results are
         * added so that its duplicate can be skipped. Sections are taken
         * by index (there are two or three): an iterator would first skip
         * over each whole section, results included. */
        pf__jv exact = PF__JV_NONE, cards = PF__JV_NONE, token = PF__JV_NONE;
        pf__card layout = PF__CARD_CHART;
        for (size_t i = 0;; i++) {
            pf__jv s = pf__jv_index(sections, i);
            if (!pf__jv_ok(s)) break;
            pf__jv k[24];
            size_t n = pf__jv_children(s, k, 24);
            const char *id;
            size_t idlen;
            if (!pf__jv_ok(exact) && n > 23 &&
                pf__card_id(k[23], PF__CARD_DETAILS, &id, &idlen))
                exact = k[23];
            if (pf__jv_ok(cards) || n == 0) continue;
            if (n > 22 && pf__jv_type(PF__JP(k[22], 0, 0)) == PF_J_ARR) {
                cards = pf__jv_index(k[22], 0);
                /* The continuation (rpc qnKhOb) of the results. */
                token = PF__JP(k[22], 1, 3, 1);
                layout = PF__CARD_CHART;
            } else if (pf__jv_ok(cards = legacy_cards(s))) {
                layout = PF__CARD_LEGACY;
            }
        }

        const char *skip = NULL;
        size_t skiplen = 0;
        if (pf__jv_ok(exact)) {
            pf__card_id(exact, PF__CARD_DETAILS, &skip, &skiplen);
            rc = pf__items_add_exact(&b, exact, buf, err);
        }
        if (rc == PF_OK && pf__jv_ok(cards))
            rc = pf__items_add_all(&b, cards, layout, skip, skiplen, buf, err);
        if (rc == PF_OK && pf__jv_type(token) == PF_J_STR)
            pf__items_token(&b, token);
        /* No result list: either there are no results or the data is cut
         * short before them. Only data that parses means "no results". */
        const char *bad = NULL;
        if (rc == PF_OK && !pf__jv_ok(cards) &&
            pf__json_skip(root, &bad) == NULL)
            rc = pf__error(err, PF_EMALFORMED,
                           (size_t)((bad ? bad : root.p) - buf),
                           "broken or truncated search data");
        if (rc != PF_OK) {
            pf__items_cleanup(&b);
            return rc;
        }
    }
    return pf__items_finish(&b, out, err);
}

pf_code pf_parse_search(const char *buf, size_t len, pf_list **out,
                        pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf_code rc = pf__parse_args(buf, len, out, err);
    if (rc != PF_OK) return rc;

    /* The first block of the rpc is the page's results. */
    pf__jv data;
    size_t n = 1;
    rc = pf__page_find(buf, len, rpcs, &data, &n, err);
    if (rc != PF_OK) return rc;
    return read_results(data, buf, out, err);
}
