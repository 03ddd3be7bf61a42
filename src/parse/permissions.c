/*
 * permissions.c -- an app's full permission list: the batchexecute answer
 * of rpc xdSrCf, whose payload is the permissions message
 *   [[group, ...], [other group, ...], [[null, "permission"], ...]]
 * with a group [name, icon, [[null, "permission"], ...], [icon name]].
 * The same message is field 74.2 of an app record, so the app parser
 * stores it with pf__permissions_put() too.
 */
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "page.h"

static const char *const rpcs[] = {"xdSrCf", NULL};

/* A non-empty string: Play writes "" for "no value". */
static int is_str(pf__jv v)
{
    const char *s;
    size_t n;
    return pf__jv_raw(v, &s, &n) && n > 0;
}

static size_t count_items(pf__jv list)
{
    pf__jiter it;
    pf__jv e;
    size_t n = 0;
    pf__jiter_init(&it, list);
    while (pf__jiter_next(&it, &e)) n += is_str(pf__jv_index(e, 1));
    return n;
}

static void put_group(pf__arena *a, size_t g, pf__jv name, pf__jv list)
{
    size_t n = count_items(list);
    if (pf__jv_ok(name))
        pf__set_str(a, g + offsetof(pf_permission, group), name, 0);
    if (n == 0) return;
    size_t items = pf__arena_alloc(a, n * sizeof(char *));
    if (items == PF__NOFF) return;
    pf__arena_ptr(a, g + offsetof(pf_permission, items), items);
    memcpy((char *)pf__arena_at(a, g) + offsetof(pf_permission, n_items), &n,
           sizeof n);
    pf__jiter it;
    pf__jv e;
    size_t k = 0;
    pf__jiter_init(&it, list);
    while (k < n && pf__jiter_next(&it, &e)) {
        pf__jv s = pf__jv_index(e, 1);
        if (is_str(s))
            pf__set_str(a, items + k++ * sizeof(char *), s, 0);
    }
}

void pf__permissions_put(pf__arena *a, pf__jv msg, size_t ptr_field,
                         size_t count_field)
{
    pf__jv parts[3];
    size_t np = pf__jv_children(msg, parts, 3);
    if (np > 3) np = 3;
    size_t ng = 0;
    for (size_t p = 0; p < np && p < 2; p++) {
        pf__jiter it;
        pf__jv grp;
        pf__jiter_init(&it, parts[p]);
        while (pf__jiter_next(&it, &grp)) ng += is_str(pf__jv_index(grp, 0));
    }
    int loose = np == 3 && count_items(parts[2]) > 0;
    if (ng + (size_t)loose == 0) return;
    size_t off = pf__arena_alloc(a, (ng + (size_t)loose) * sizeof(pf_permission));
    if (off == PF__NOFF) return;
    pf__arena_ptr(a, ptr_field, off);
    size_t g = 0;
    for (size_t p = 0; p < np && p < 2; p++) {
        pf__jiter it;
        pf__jv grp;
        pf__jiter_init(&it, parts[p]);
        while (g < ng && pf__jiter_next(&it, &grp)) {
            pf__jv name = pf__jv_index(grp, 0);
            if (!is_str(name)) continue;
            put_group(a, off + g++ * sizeof(pf_permission), name,
                      pf__jv_index(grp, 2));
        }
    }
    if (loose)
        put_group(a, off + g++ * sizeof(pf_permission), PF__JV_NONE, parts[2]);
    memcpy((char *)pf__arena_at(a, 0) + count_field, &g, sizeof g);
}

pf_code pf_parse_permissions(const char *buf, size_t len,
                             pf_permissions **out, pf_error *err)
{
    if (out != NULL) *out = NULL;
    pf__jv payload;
    pf_code rc = pf__page_small_payload(buf, len, out, rpcs, "permissions",
                                        &payload, err);
    if (rc != PF_OK) return rc;

    pf__arena a;
    pf__arena_init(&a, 2048);
    pf__arena_alloc(&a, sizeof(pf_permissions));
    if (pf__jv_ok(payload))
        pf__permissions_put(&a, payload, offsetof(pf_permissions, items),
                            offsetof(pf_permissions, count));
    pf_permissions *res = pf__arena_finish(&a);
    if (res == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    *out = res;
    return PF_OK;
}

void pf_permissions_free(pf_permissions *perms)
{
    free(perms);
}
