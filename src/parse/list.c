/*
 * list.c -- top charts: the batchexecute answer of rpc vyAe2.
 *
 * The payload is [[null, [cluster, ...]]] where a cluster holds its cards at
 * [28][0] as [[card], [card], ...] (see items.h for the card). The payload
 * stays inside the response at escape level 1: nothing is unescaped except
 * the strings returned.
 */
#include "items.h"
#include "page.h"

static const char *const rpcs[] = {"vyAe2", NULL};

pf_code pf_parse_list(const char *buf, size_t len, pf_list **out,
                      pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf_code rc = pf__parse_args(buf, len, out, err);
    if (rc != PF_OK) return rc;

    /* Charts come from batchexecute only; on an HTML page (no chart block)
     * this classifies the page. */
    pf__jv payload;
    size_t n = 1;
    rc = pf__page_find(buf, len, rpcs, &payload, &n, err);
    if (rc != PF_OK) return rc;

    pf__items b;
    /* A 100-app chart returns ~250 KB of text (descriptions mostly); the
     * arena starts small and doubles rather than reserving by page size. */
    pf__items_init(&b, 65536);
    if (pf__jv_ok(payload)) {
        pf__jv clusters = PF__JP(payload, 0, 1);
        pf__jtype t = pf__jv_type(clusters);
        if (pf__jv_type(payload) != PF_J_ARR ||
            (t != PF_J_ARR && t != PF_J_NULL && t != PF_J_NONE)) {
            pf__items_cleanup(&b);
            return pf__error(err, PF_EUNSUPPORTED, (size_t)(payload.p - buf),
                             "top chart payload has an unknown layout");
        }
        /* The first cluster with cards is the chart; later clusters (when
         * Google sends any) are recommendations, not chart positions.
         * Clusters are taken by index, not iterated: an iterator would skip
         * the whole first cluster -- nearly the whole payload -- before
         * handing it out. */
        for (size_t i = 0;; i++) {
            pf__jv cluster = pf__jv_index(clusters, i);
            if (!pf__jv_ok(cluster)) break;
            pf__jv cards = PF__JP(cluster, 28, 0);
            if (pf__jv_type(cards) != PF_J_ARR) continue;
            rc = pf__items_add_all(&b, cards, PF__CARD_CHART, NULL, 0, buf,
                                   err);
            if (rc != PF_OK || b.n) break;
        }
        /* No cards: either the chart is empty or the payload is cut short
         * before them. Only a payload that parses is an empty chart. */
        const char *bad = NULL;
        if (rc == PF_OK && b.n == 0 && pf__json_skip(payload, &bad) == NULL)
            rc = pf__error(err, PF_EMALFORMED,
                           (size_t)((bad ? bad : payload.p) - buf),
                           "broken or truncated top chart payload");
        if (rc != PF_OK) {
            pf__items_cleanup(&b);
            return rc;
        }
    }
    return pf__items_finish(&b, out, err);
}
