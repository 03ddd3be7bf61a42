/*
 * datasafety.c -- an app's data safety page (GET /store/apps/datasafety).
 *
 * The page's app block (rpc Ws7gDc) holds the app record at [1][2], and
 * the data safety section is its field 138 (index 137, in the record's
 * sparse tail):
 *   [4][0][0]  shared data, [4][1][0] collected data: lists of groups
 *              [[icon, "Personal info", [null, summary]], null, null,
 *               null, [["Email address", optional 0/1, "purposes"], ...]]
 *              (null when the developer declares none)
 *   [9][2]     security practices: [[icon, "practice", [null, "text"]]]
 * and the privacy policy link is field 100 ([99][0][5][2]).
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "page.h"
#include "schema.h"

static const char *const rpcs[] = {"Ws7gDc", NULL};

#define MAX_BLOCKS 4
#define D(field) offsetof(pf_datasafety, field)

/* The name of a data kind: a non-empty string. An entry without one
 * names nothing and is left out (fuzz finding
 * tests/fuzz-regress/datasafety/empty-data-name: it was kept with a NULL
 * `data`). */
static int has_name(pf__jv entry)
{
    const char *s;
    size_t n;
    return pf__jv_raw(pf__jv_index(entry, 0), &s, &n) && n > 0;
}

/* Entries of a shared/collected list: one per data kind of each group. */
static size_t count_entries(pf__jv groups)
{
    pf__jiter it, jt;
    pf__jv g, e;
    size_t n = 0;
    pf__jiter_init(&it, groups);
    while (pf__jiter_next(&it, &g)) {
        pf__jiter_init(&jt, pf__jv_index(g, 4));
        while (pf__jiter_next(&jt, &e)) n += has_name(e);
    }
    return n;
}

static void put_entries(pf__arena *a, size_t ptr_field, size_t count_field,
                        pf__jv groups)
{
    size_t n = count_entries(groups);
    if (n == 0) return;
    size_t arr = pf__arena_alloc(a, n * sizeof(pf_data_entry));
    if (arr == PF__NOFF) return;
    pf__arena_ptr(a, ptr_field, arr);
    memcpy((char *)pf__arena_at(a, 0) + count_field, &n, sizeof n);
    pf__jiter it, jt;
    pf__jv g, e;
    size_t k = 0;
    pf__jiter_init(&it, groups);
    while (k < n && pf__jiter_next(&it, &g)) {
        pf__jv type = PF__JP(g, 0, 1);
        pf__jiter_init(&jt, pf__jv_index(g, 4));
        while (k < n && pf__jiter_next(&jt, &e)) {
            pf__jv data = pf__jv_index(e, 0);
            if (!has_name(e)) continue;
            size_t at = arr + k++ * sizeof(pf_data_entry);
            *(pf_data_entry *)pf__arena_at(a, at) = pf__data_entry_absent;
            /* A number (0/1) or a boolean, as the page has used both. */
            pf__jv opt = pf__jv_index(e, 1);
            int64_t v;
            int b;
            signed char o = PF_NULL_BOOL;
            if (pf__jv_int(opt, &v)) o = v != 0;
            else if (pf__jv_bool(opt, &b)) o = b != 0;
            else if (pf__jv_type(opt) == PF_J_NULL) o = 0;
            ((pf_data_entry *)pf__arena_at(a, at))->optional = o;
            pf__set_str(a, at + offsetof(pf_data_entry, data), data, 0);
            pf__set_str(a, at + offsetof(pf_data_entry, type), type, 0);
            pf__set_str(a, at + offsetof(pf_data_entry, purpose),
                        pf__jv_index(e, 2), 0);
        }
    }
}

static void put_practices(pf__arena *a, pf__jv list)
{
    pf__jiter it;
    pf__jv p;
    size_t n = 0;
    pf__jiter_init(&it, list);
    while (pf__jiter_next(&it, &p))
        n += pf__jv_type(pf__jv_index(p, 1)) == PF_J_STR;
    if (n == 0) return;
    size_t arr = pf__arena_alloc(a, n * sizeof(pf_practice));
    if (arr == PF__NOFF) return;
    pf__arena_ptr(a, D(security_practices), arr);
    memcpy((char *)pf__arena_at(a, 0) + D(n_security_practices), &n, sizeof n);
    size_t k = 0;
    pf__jiter_init(&it, list);
    while (k < n && pf__jiter_next(&it, &p)) {
        if (pf__jv_type(pf__jv_index(p, 1)) != PF_J_STR) continue;
        size_t at = arr + k++ * sizeof(pf_practice);
        pf__set_str(a, at + offsetof(pf_practice, practice),
                    pf__jv_index(p, 1), 0);
        pf__set_str(a, at + offsetof(pf_practice, description),
                    PF__JP(p, 2, 1), 0);
    }
}

pf_code pf_parse_datasafety(const char *buf, size_t len, pf_datasafety **out,
                            pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf_code rc = pf__parse_args(buf, len, out, err);
    if (rc != PF_OK) return rc;
    pf__jv blocks[MAX_BLOCKS];
    size_t n = MAX_BLOCKS;
    rc = pf__page_find(buf, len, rpcs, blocks, &n, err);
    if (rc != PF_OK) return rc;

    pf__jv rec = PF__JV_NONE;
    for (size_t i = 0; i < n && !pf__jv_ok(rec); i++) {
        const char *bad = NULL;
        /* The block is small (~8 KB): validate it before reading. */
        if (pf__json_skip(blocks[i], &bad) == NULL)
            return pf__error(err, PF_EMALFORMED,
                             (size_t)((bad ? bad : blocks[i].p) - buf),
                             "broken or truncated data safety data");
        rec = PF__JP(blocks[i], 1, 2);
    }
    if (pf__jv_type(rec) != PF_J_ARR)
        return pf__error(err, PF_EUNSUPPORTED,
                         n && pf__jv_ok(blocks[0])
                             ? (size_t)(blocks[0].p - buf) : PF_NO_OFFSET,
                         "the page has no app record for data safety");

    pf__jv ds = pf__jv_index(rec, 137);
    pf__arena a;
    pf__arena_init(&a, 4096);
    pf__arena_alloc(&a, sizeof(pf_datasafety));
    put_entries(&a, D(shared_data), D(n_shared_data), PF__JP(ds, 4, 0, 0));
    put_entries(&a, D(collected_data), D(n_collected_data),
                PF__JP(ds, 4, 1, 0));
    put_practices(&a, PF__JP(ds, 9, 2));
    pf__set_str(&a, D(privacy_policy_url), PF__JP(rec, 99, 0, 5, 2), 0);
    pf_datasafety *res = pf__arena_finish(&a);
    if (res == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    *out = res;
    return PF_OK;
}

void pf_datasafety_free(pf_datasafety *ds)
{
    free(ds);
}
