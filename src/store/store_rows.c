/*
 * store_rows.c -- the store's typed tables, generated from the schema
 * (pf_schema_fields), never from a list of their own: a field added to
 * include/playfast_fields.h becomes a column, a kind added to `tables`
 * below becomes a table. Also the canonical request key and the JSON text
 * of the array columns, which is the fetch output's JSON for that field.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_emit.h"
#include "schema.h"
#include "store_int.h"

static const pf__store_table tables[] = {
    {PF_KIND_APP, "apps"},
    {PF_KIND_LIST, "list_items"},
    {PF_KIND_SEARCH, "list_items"},
    {PF_KIND_REVIEWS, "reviews"},
    {PF_KIND_DEVELOPER, "list_items"},
    {PF_KIND_SIMILAR, "list_items"},
    {PF_KIND_SUGGEST, "suggestions"},
    {PF_KIND_PERMISSIONS, "permissions"},
    {PF_KIND_DATASAFETY, "datasafety"},
    {PF_KIND_CATEGORIES, "categories"},
};
#define N_TABLES (sizeof tables / sizeof tables[0])

const pf__store_table *pf__store_table_of(pf_kind kind)
{
    for (size_t i = 0; i < N_TABLES; i++)
        if (tables[i].kind == kind)
            return &tables[i];
    return NULL;
}

const pf__store_table *pf__store_table_at(size_t i, int *first)
{
    if (i >= N_TABLES)
        return NULL;
    *first = 1;
    for (size_t j = 0; j < i; j++)
        if (!strcmp(tables[j].name, tables[i].name))
            *first = 0;
    return &tables[i];
}

const char *pf_store_table(pf_kind kind)
{
    const pf__store_table *t = pf__store_table_of(kind);
    return t ? t->name : NULL;
}

const pf_field *pf__store_fields(const pf__store_table *t, size_t *n)
{
    return pf__rows_fields(pf__rows_of(t->kind), n);
}

size_t pf__store_rows(const pf__store_table *t, const pf_response *res,
                      const char **base, size_t *stride)
{
    return pf__rows_get(pf__rows_of(t->kind), res, base, stride);
}

/* ---- columns ----------------------------------------------------------- */

const char *pf__store_sql_type(pf_field_kind kind)
{
    switch (kind) {
    case PF_FIELD_STR:
    case PF_FIELD_TEXT: return "TEXT";
    case PF_FIELD_INT:
    case PF_FIELD_STARS: return "INTEGER";
    case PF_FIELD_DOUBLE: return "REAL";
    /* BOOLEAN has NUMERIC affinity and keeps 0/1; JSON_TEXT has TEXT
     * affinity. Both names tell a reader (pandas, Python's store) how to
     * read the column back. */
    case PF_FIELD_BOOL: return "BOOLEAN";
    default: return "JSON_TEXT";
    }
}

void pf__store_table_ddl(pf__buf *b, const pf__store_table *t)
{
    size_t n;
    const pf_field *f = pf__store_fields(t, &n);
    pf__buf_fmt(b,
                "CREATE TABLE IF NOT EXISTS %s(\n"
                "  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),\n"
                "  rank INTEGER NOT NULL",
                t->name);
    for (size_t i = 0; i < n; i++)
        pf__buf_fmt(b, ",\n  \"%s\" %s", f[i].name,
                    pf__store_sql_type(f[i].kind));
    pf__buf_fmt(b, ",\n  PRIMARY KEY (snapshot_id, rank));\n");
}

void pf__store_insert_sql(pf__buf *b, const pf__store_table *t)
{
    size_t n;
    const pf_field *f = pf__store_fields(t, &n);
    pf__buf_fmt(b, "INSERT INTO %s(snapshot_id, rank", t->name);
    for (size_t i = 0; i < n; i++)
        pf__buf_fmt(b, ", \"%s\"", f[i].name);
    pf__buf_str(b, ") VALUES(?, ?");
    for (size_t i = 0; i < n; i++)
        pf__buf_str(b, ", ?");
    pf__buf_putc(b, ')');
}

/* ---- rows -------------------------------------------------------------- */

#define AT(base, off, T) (*(T const *)((const char *)(base) + (off)))

static int hist_absent(const int64_t *h)
{
    for (int i = 0; i < 5; i++)
        if (h[i] != PF_NULL_INT)
            return 0;
    return 1;
}

int pf__store_bind_row(sqlite3_stmt *stmt, const pf__store_table *t,
                       const void *row, pf__buf *tmp)
{
    size_t n;
    const pf_field *f = pf__store_fields(t, &n);
    const char *base = row;
    int rc = SQLITE_OK;
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        int col = (int)i + 3;
        switch (f[i].kind) {
        case PF_FIELD_STR:
        case PF_FIELD_TEXT: {
            const char *s = AT(base, f[i].offset, const char *);
            rc = s ? sqlite3_bind_text(stmt, col, s, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(stmt, col);
            break;
        }
        case PF_FIELD_INT: {
            int64_t v = AT(base, f[i].offset, int64_t);
            rc = v == PF_NULL_INT ? sqlite3_bind_null(stmt, col)
                                  : sqlite3_bind_int64(stmt, col, v);
            break;
        }
        case PF_FIELD_DOUBLE: {
            double v = AT(base, f[i].offset, double);
            rc = isfinite(v) ? sqlite3_bind_double(stmt, col, v)
                             : sqlite3_bind_null(stmt, col);
            break;
        }
        case PF_FIELD_BOOL: {
            signed char v = AT(base, f[i].offset, signed char);
            rc = v == PF_NULL_BOOL ? sqlite3_bind_null(stmt, col)
                                   : sqlite3_bind_int(stmt, col, v != 0);
            break;
        }
        case PF_FIELD_STARS: {
            int v = AT(base, f[i].offset, int);
            rc = v >= 1 && v <= 5 ? sqlite3_bind_int(stmt, col, v)
                                  : sqlite3_bind_null(stmt, col);
            break;
        }
        default:
            if (f[i].kind == PF_FIELD_HIST &&
                hist_absent(&AT(base, f[i].offset, int64_t))) {
                rc = sqlite3_bind_null(stmt, col);
                break;
            }
            /* The fetch output's JSON of the field (json_emit.c). */
            pf__buf_cleanup(tmp);
            pf__json_field(tmp, &f[i], base);
            if (tmp->failed)
                return SQLITE_NOMEM;
            /* SQLITE_TRANSIENT: tmp is reused for the next cell. */
            rc = sqlite3_bind_text(stmt, col, tmp->p ? tmp->p : "[]",
                                   (int)tmp->len, SQLITE_TRANSIENT);
            break;
        }
    }
    return rc;
}

/* ---- request keys ------------------------------------------------------ */

size_t pf_store_key(const pf_request *r, char *out, size_t cap)
{
    if (!pf__store_table_of(r->kind))
        return 0;
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    /* Every parameter, always in this order, with the defaults the engine
     * applies written out: the same request spelled two ways is one key,
     * and a kind added later needs no key format of its own. The text is
     * what Python's json.dumps(..., separators=(",", ":"),
     * ensure_ascii=False) gives for the same list, but for U+0085, U+2028
     * and U+2029, which pf__buf_json_str escapes. */
    int sort = r->kind == PF_KIND_REVIEWS && r->sort == 0 ? PF_SORT_NEWEST
                                                          : (int)r->sort;
    const char *collection = r->collection;
    if (r->kind == PF_KIND_LIST && !collection)
        collection = "topselling_free";
    pf__buf_putc(&b, '[');
    pf__buf_json_str(&b, pf_kind_name(r->kind));
    const char *strs[] = {r->app_id, r->lang ? r->lang : "en",
                          r->country ? r->country : "us", r->category,
                          collection, r->query};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        pf__buf_putc(&b, ',');
        pf__buf_json_str(&b, strs[i]);
    }
    pf__buf_fmt(&b, ",%d,%d,%d,%d,", r->num, (int)r->price, sort, r->score);
    pf__buf_json_str(&b, r->token);
    /* developer_id came with the developer kind: appended only when set,
     * so the keys of the other kinds, and of files written before it,
     * stay what they were. */
    if (r->developer_id) {
        pf__buf_putc(&b, ',');
        pf__buf_json_str(&b, r->developer_id);
    }
    pf__buf_putc(&b, ']');
    size_t len = b.failed ? 0 : b.len;
    if (out && cap) {
        size_t k = len < cap ? len : cap - 1;
        if (k)
            memcpy(out, b.p, k);
        out[k] = '\0';
    }
    pf__buf_cleanup(&b);
    return len;
}
