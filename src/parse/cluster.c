/*
 * cluster.c -- pages that show one cluster of app cards: a developer's
 * page (by numeric id or by name), a "Similar apps" cluster page, and the
 * continuation pages of either (batchexecute rpc qnKhOb); and the cluster
 * link on an app details page that leads to its similar apps.
 *
 * On the HTML pages the cluster block (rpc MRTdke for /store/apps/dev,
 * IRWBmd for /store/apps/developer, CNT7ob for a cluster page) holds
 * [[null, [section, ...]]], and the section holds at [21] (dev, cluster)
 * or [22] (developer by name) the pair [cards, header]: the cards are those
 * of items.h (bare at [21], wrapped at [22]), the header's [3][1] is the
 * continuation token when there are more. A qnKhOb answer holds
 * [[[cards, ..., [null, token]]]]: the cards at [0][0][0], the token at
 * [0][0][7][1]. Its cards are read with the same card reader; the card
 * layout is taken from the first card, since older deployments answered
 * qnKhOb with the legacy search card (items.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "items.h"
#include "page.h"

/* The cluster block's rpc on each page, then the continuation's. */
static const char *const rpcs[] = {"MRTdke", "IRWBmd", "CNT7ob", "qnKhOb",
                                   NULL};

/* Blocks of these rpcs a page may carry; one is the cluster. */
#define MAX_BLOCKS 4

/* True when pair is [cards, ...] whose first card is an app card, bare
 * (["id", 7] first) or wrapped ([["id", 7], ...] first). */
static int is_card_pair(pf__jv pair)
{
    pf__jv first = PF__JP(pair, 0, 0);
    if (pf__jv_type(PF__JP(first, 0, 0)) == PF_J_STR) return 1;
    return pf__jv_type(PF__JP(first, 0, 0, 0)) == PF_J_STR;
}

/* The [cards, header] pair of an HTML cluster block, or absent: at [21]
 * or [22] of a section as recorded, else at whichever index of a section
 * holds app cards (a layout that moves the pair keeps working); an empty
 * cluster at [21] or [22] counts. */
static pf__jv page_cluster(pf__jv data)
{
    pf__jv sections = PF__JP(data, 0, 1);
    for (size_t i = 0;; i++) {
        pf__jv s = pf__jv_index(sections, i);
        if (!pf__jv_ok(s)) break;
        for (size_t k = 21; k <= 22; k++) {
            pf__jv pair = pf__jv_index(s, k);
            if (pf__jv_type(pf__jv_index(pair, 0)) == PF_J_ARR) return pair;
        }
    }
    pf__jiter it, jt;
    pf__jv s, pair;
    pf__jiter_init(&it, sections);
    while (pf__jiter_next(&it, &s)) {
        pf__jiter_init(&jt, s);
        while (pf__jiter_next(&jt, &pair))
            if (is_card_pair(pair)) return pair;
    }
    return PF__JV_NONE;
}

/* The layout of a card array, from its first card. */
static pf__card layout_of(pf__jv cards)
{
    pf__jv first = pf__jv_index(cards, 0);
    if (pf__jv_type(PF__JP(first, 12, 0)) == PF_J_STR) return PF__CARD_LEGACY;
    return PF__CARD_CHART;
}

static pf_code read_cluster(const char *buf, size_t len, pf_list **out,
                            pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf_code rc = pf__parse_args(buf, len, out, err);
    if (rc != PF_OK) return rc;

    pf__jv blocks[MAX_BLOCKS];
    size_t n = MAX_BLOCKS;
    rc = pf__page_find(buf, len, rpcs, blocks, &n, err);
    if (rc != PF_OK) return rc;

    pf__jv root = blocks[0], cards = PF__JV_NONE, token = PF__JV_NONE;
    int batch = pf__is_batchexecute(buf, len);
    if (batch) {
        pf__jv page = PF__JP(root, 0, 0);
        cards = pf__jv_index(page, 0);
        token = PF__JP(page, 7, 1);
    } else {
        for (size_t i = 0; i < n && !pf__jv_ok(cards); i++) {
            pf__jv pair = page_cluster(blocks[i]);
            if (!pf__jv_ok(pair)) continue;
            root = blocks[i];
            cards = pf__jv_index(pair, 0);
            token = PF__JP(pair, 1, 3, 1);
        }
        if (!pf__jv_ok(cards)) {
            const char *bad = NULL;
            if (pf__json_skip(root, &bad) == NULL)
                return pf__error(err, PF_EMALFORMED,
                                 (size_t)((bad ? bad : root.p) - buf),
                                 "broken or truncated cluster data");
            return pf__error(err, PF_EUNSUPPORTED, (size_t)(root.p - buf),
                             "the page has no cluster of app cards");
        }
    }

    pf__items b;
    pf__items_init(&b, 16384);
    if (pf__jv_ok(cards)) {
        rc = pf__items_add_all(&b, cards, layout_of(cards), NULL, 0, buf,
                               err);
    } else if (pf__jv_ok(root)) {
        /* A continuation without cards: the end, if it parses. */
        const char *bad = NULL;
        if (pf__json_skip(root, &bad) == NULL)
            rc = pf__error(err, PF_EMALFORMED,
                           (size_t)((bad ? bad : root.p) - buf),
                           "broken or truncated continuation page");
    }
    if (rc == PF_OK && pf__jv_type(token) == PF_J_STR)
        pf__items_token(&b, token);
    if (rc != PF_OK) {
        pf__items_cleanup(&b);
        return rc;
    }
    return pf__items_finish(&b, out, err);
}

pf_code pf_parse_developer(const char *buf, size_t len, pf_list **out,
                           pf_error *err)
{
    return read_cluster(buf, len, out, err);
}

pf_code pf_parse_similar(const char *buf, size_t len, pf_list **out,
                         pf_error *err)
{
    return read_cluster(buf, len, out, err);
}

/* ---- the similar-apps link of a details page ---------------------------- */

static const char *const details_rpcs[] = {"ag2B9c", NULL};

#define CLUSTER_PATH "/store/apps/collection/cluster"

pf_code pf_parse_similar_url(const char *buf, size_t len, char **path,
                             pf_error *err)
{
    if (path != NULL) *path = NULL;
    pf_code rc = pf__parse_args(buf, len, path, err);
    if (rc != PF_OK) return rc;
    pf__jv data;
    size_t n = 1;
    rc = pf__page_find(buf, len, details_rpcs, &data, &n, err);
    if (rc != PF_OK) return rc;

    /* The page's clusters are "More by <developer>" (a /store/apps/dev
     * link) and "Similar apps" or "Similar games" (a cluster link), in an
     * order that varies. The link, not the localised title, tells them
     * apart. (google-play-scraper means to pick by title, but its filter
     * keeps every cluster and it takes the first, the developer's.) */
    pf__jv clusters = PF__JP(data, 1, 1);
    pf__arena a;
    pf__arena_init(&a, 512);
    size_t off = PF__NOFF;
    for (size_t i = 0; off == PF__NOFF; i++) {
        pf__jv c = pf__jv_index(clusters, i);
        if (!pf__jv_ok(c)) break;
        off = pf__put_str(&a, PF__JP(c, 21, 1, 2, 4, 2), 0);
        if (off != PF__NOFF &&
            strncmp((const char *)pf__arena_at(&a, off), CLUSTER_PATH,
                    sizeof CLUSTER_PATH - 1) != 0) {
            a.len = off;
            off = PF__NOFF;
        }
    }
    if (off == PF__NOFF) {
        int nomem = a.failed;
        pf__arena_cleanup(&a);
        if (nomem)
            return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
        return pf__error(err, PF_EUNSUPPORTED, (size_t)(data.p - buf),
                         "the details page has no similar-apps cluster");
    }
    *path = strdup((const char *)pf__arena_at(&a, off));
    pf__arena_cleanup(&a);
    if (*path == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    return PF_OK;
}
