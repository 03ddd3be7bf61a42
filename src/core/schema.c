/*
 * schema.c -- the field tables of pf_schema_fields() and the "absent"
 * records, both expanded from the lists in playfast_fields.h. See schema.h.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "schema.h"

/* ---- tables ------------------------------------------------------------ */

/* The offset of the element count: only the array kinds have one. */
#define COUNT_STR(T, name) 0
#define COUNT_TEXT(T, name) 0
#define COUNT_INT(T, name) 0
#define COUNT_DOUBLE(T, name) 0
#define COUNT_BOOL(T, name) 0
#define COUNT_STARS(T, name) 0
#define COUNT_HIST(T, name) 0
#define COUNT_STRS(T, name) offsetof(T, n_##name)
#define COUNT_CATS(T, name) offsetof(T, n_##name)
#define COUNT_PERMS(T, name) offsetof(T, n_##name)
#define COUNT_DATA(T, name) offsetof(T, n_##name)
#define COUNT_PRACTICES(T, name) offsetof(T, n_##name)

#define ROW(T, kind, name, doc) \
    {#name, PF_FIELD_##kind, offsetof(T, name), COUNT_##kind(T, name), doc},
#define APP_ROW(kind, name, doc) ROW(pf_app, kind, name, doc)
#define ITEM_ROW(kind, name, doc) ROW(pf_item, kind, name, doc)
#define REVIEW_ROW(kind, name, doc) ROW(pf_review, kind, name, doc)
#define CATEGORY_ROW(kind, name, doc) ROW(pf_category, kind, name, doc)
#define DATA_ENTRY_ROW(kind, name, doc) ROW(pf_data_entry, kind, name, doc)
#define PRACTICE_ROW(kind, name, doc) ROW(pf_practice, kind, name, doc)
#define DATASAFETY_ROW(kind, name, doc) ROW(pf_datasafety, kind, name, doc)

static const pf_field app_fields[] = {PF_APP_FIELDS(APP_ROW)};
static const pf_field item_fields[] = {PF_ITEM_FIELDS(ITEM_ROW)};
static const pf_field review_fields[] = {PF_REVIEW_FIELDS(REVIEW_ROW)};
static const pf_field category_fields[] = {PF_CATEGORY_FIELDS(CATEGORY_ROW)};
static const pf_field data_entry_fields[] = {
    PF_DATA_ENTRY_FIELDS(DATA_ENTRY_ROW)};
static const pf_field practice_fields[] = {PF_PRACTICE_FIELDS(PRACTICE_ROW)};
static const pf_field datasafety_fields[] = {
    PF_DATASAFETY_FIELDS(DATASAFETY_ROW)};

/* pf_permission predates the lists and its member `items` is published as
 * "permissions", so its two rows are written out here. */
static const pf_field permission_fields[] = {
    {"group", PF_FIELD_STR, offsetof(pf_permission, group), 0,
     "the group's name, e.g. \"Location\"; absent for the ungrouped"},
    {"permissions", PF_FIELD_STRS, offsetof(pf_permission, items),
     offsetof(pf_permission, n_items), "the permissions in the group"},
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    const pf_field *fields;
    size_t n;
    size_t size;         /* sizeof the record's struct */
} records[PF_RECORD_COUNT_] = {
    [PF_RECORD_APP] = {"app", app_fields, NF(app_fields), sizeof(pf_app)},
    [PF_RECORD_ITEM] = {"item", item_fields, NF(item_fields), sizeof(pf_item)},
    [PF_RECORD_REVIEW] = {"review", review_fields, NF(review_fields),
                          sizeof(pf_review)},
    [PF_RECORD_CATEGORY] = {"category", category_fields, NF(category_fields),
                            sizeof(pf_category)},
    [PF_RECORD_PERMISSION] = {"permission", permission_fields,
                              NF(permission_fields), sizeof(pf_permission)},
    [PF_RECORD_DATA_ENTRY] = {"data_entry", data_entry_fields,
                              NF(data_entry_fields), sizeof(pf_data_entry)},
    [PF_RECORD_PRACTICE] = {"practice", practice_fields, NF(practice_fields),
                            sizeof(pf_practice)},
    [PF_RECORD_DATASAFETY] = {"datasafety", datasafety_fields,
                              NF(datasafety_fields), sizeof(pf_datasafety)},
};

const pf_field pf__term_field = {"term", PF_FIELD_STR, 0, 0,
                                 "a suggested search term"};

#define ROWS_ONE(rec, m) {rec, 1, offsetof(pf_response, m), 0, 0, 0}
#define ROWS(rec, m, T, E) \
    {rec, 0, offsetof(pf_response, m), offsetof(T, items), offsetof(T, count), \
     sizeof(E)}

static const pf__rows rows[PF_KIND_COUNT_] = {
    [PF_KIND_APP] = ROWS_ONE(PF_RECORD_APP, app),
    [PF_KIND_LIST] = ROWS(PF_RECORD_ITEM, list, pf_list, pf_item),
    [PF_KIND_SEARCH] = ROWS(PF_RECORD_ITEM, list, pf_list, pf_item),
    [PF_KIND_REVIEWS] = ROWS(PF_RECORD_REVIEW, reviews, pf_reviews, pf_review),
    [PF_KIND_DEVELOPER] = ROWS(PF_RECORD_ITEM, list, pf_list, pf_item),
    [PF_KIND_SIMILAR] = ROWS(PF_RECORD_ITEM, list, pf_list, pf_item),
    [PF_KIND_SUGGEST] = ROWS(PF_RECORD_COUNT_, terms, pf_terms, const char *),
    [PF_KIND_PERMISSIONS] = ROWS(PF_RECORD_PERMISSION, permissions,
                                 pf_permissions, pf_permission),
    [PF_KIND_DATASAFETY] = ROWS_ONE(PF_RECORD_DATASAFETY, datasafety),
    [PF_KIND_CATEGORIES] = ROWS(PF_RECORD_CATEGORY, categories, pf_categories,
                                pf_category),
};

const pf__rows *pf__rows_of(pf_kind kind)
{
    return (unsigned)kind < PF_KIND_COUNT_ ? &rows[kind] : NULL;
}

const pf_field *pf__rows_fields(const pf__rows *r, size_t *n)
{
    if (r->rec == PF_RECORD_COUNT_) {
        *n = 1;
        return &pf__term_field;
    }
    return pf_schema_fields(r->rec, n);
}

size_t pf__rows_get(const pf__rows *r, const pf_response *res,
                    const char **base, size_t *stride)
{
    const char *p = *(const char *const *)(const void *)((const char *)res +
                                                          r->member);
    *base = NULL;
    *stride = 0;
    if (!p || res->code != PF_OK)
        return 0;
    if (r->one) {
        *base = p;
        return 1;
    }
    *base = *(const char *const *)(const void *)(p + r->items);
    *stride = r->stride;
    return *base ? *(const size_t *)(const void *)(p + r->count) : 0;
}

const pf_field *pf_schema_fields(pf_record rec, size_t *n)
{
    int ok = (unsigned)rec < PF_RECORD_COUNT_;
    if (n != NULL) *n = ok ? records[rec].n : 0;
    return ok ? records[rec].fields : NULL;
}

const char *pf_record_name(pf_record rec)
{
    return (unsigned)rec < PF_RECORD_COUNT_ ? records[rec].name : "?";
}

const char *pf_field_kind_name(pf_field_kind kind)
{
    static const char *const names[PF_FIELD_KIND_COUNT_] = {
        [PF_FIELD_STR] = "str",     [PF_FIELD_TEXT] = "text",
        [PF_FIELD_INT] = "int",     [PF_FIELD_DOUBLE] = "double",
        [PF_FIELD_BOOL] = "bool",   [PF_FIELD_STARS] = "stars",
        [PF_FIELD_HIST] = "hist",   [PF_FIELD_STRS] = "strs",
        [PF_FIELD_CATS] = "cats",   [PF_FIELD_PERMS] = "perms",
        [PF_FIELD_DATA] = "data",   [PF_FIELD_PRACTICES] = "practices",
    };
    return (unsigned)kind < PF_FIELD_KIND_COUNT_ ? names[kind] : "?";
}

/* ---- absent records ---------------------------------------------------- */

#define ABSENT_STR(name) .name = NULL,
#define ABSENT_TEXT(name) .name = NULL,
#define ABSENT_INT(name) .name = PF_NULL_INT,
#define ABSENT_DOUBLE(name) .name = NAN,
#define ABSENT_BOOL(name) .name = PF_NULL_BOOL,
#define ABSENT_STARS(name) .name = 0,
#define ABSENT_HIST(name) \
    .name = {PF_NULL_INT, PF_NULL_INT, PF_NULL_INT, PF_NULL_INT, PF_NULL_INT},
#define ABSENT_STRS(name) .name = NULL, .n_##name = 0,
#define ABSENT_CATS(name) .name = NULL, .n_##name = 0,
#define ABSENT_PERMS(name) .name = NULL, .n_##name = 0,
#define ABSENT_DATA(name) .name = NULL, .n_##name = 0,
#define ABSENT_PRACTICES(name) .name = NULL, .n_##name = 0,
#define ABSENT(kind, name, doc) ABSENT_##kind(name)

const pf_app pf__app_absent = {PF_APP_FIELDS(ABSENT)};
const pf_item pf__item_absent = {PF_ITEM_FIELDS(ABSENT)};
const pf_review pf__review_absent = {PF_REVIEW_FIELDS(ABSENT)};
const pf_data_entry pf__data_entry_absent = {PF_DATA_ENTRY_FIELDS(ABSENT)};

/* ---- sizes and copies -------------------------------------------------- */

size_t pf__record_size(pf_record rec)
{
    return (unsigned)rec < PF_RECORD_COUNT_ ? records[rec].size : 0;
}

int pf__field_record(pf_field_kind kind)
{
    switch (kind) {
    case PF_FIELD_CATS: return PF_RECORD_CATEGORY;
    case PF_FIELD_PERMS: return PF_RECORD_PERMISSION;
    case PF_FIELD_DATA: return PF_RECORD_DATA_ENTRY;
    case PF_FIELD_PRACTICES: return PF_RECORD_PRACTICE;
    default: return -1;
    }
}

/* Point the field at dst + off to a copy of string s (NULL stays NULL). */
static void copy_str(pf__arena *a, size_t field, const char *s)
{
    static const char *const none = NULL;
    memcpy(pf__arena_at(a, field), &none, sizeof none);
    if (s)
        pf__arena_ptr(a, field, pf__arena_strn(a, s, strlen(s)));
}

void pf__record_copy(pf__arena *a, size_t dst, pf_record rec, const void *src)
{
    size_t n;
    const pf_field *f = pf_schema_fields(rec, &n);
    if (a->failed || f == NULL)
        return;
    memcpy(pf__arena_at(a, dst), src, pf__record_size(rec));
    for (size_t i = 0; i < n && !a->failed; i++) {
        const void *at = (const char *)src + f[i].offset;
        if (f[i].kind == PF_FIELD_STR || f[i].kind == PF_FIELD_TEXT) {
            copy_str(a, dst + f[i].offset, *(const char *const *)at);
            continue;
        }
        if (f[i].kind < PF_FIELD_STRS)
            continue;                   /* scalars: copied with the struct */
        const char *items = *(const char *const *)at;
        size_t count = *(const size_t *)(const void *)((const char *)src +
                                                       f[i].count_offset);
        copy_str(a, dst + f[i].offset, NULL);
        if (items == NULL || count == 0)
            continue;
        int er = pf__field_record(f[i].kind);
        size_t esize = er < 0 ? sizeof(char *) : pf__record_size((pf_record)er);
        size_t arr = pf__arena_alloc(a, count * esize);
        if (arr == PF__NOFF)
            return;
        pf__arena_ptr(a, dst + f[i].offset, arr);
        for (size_t k = 0; k < count && !a->failed; k++) {
            if (er < 0)
                copy_str(a, arr + k * esize, ((const char *const *)(const void *)items)[k]);
            else
                pf__record_copy(a, arr + k * esize, (pf_record)er, items + k * esize);
        }
    }
}
