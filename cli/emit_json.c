/*
 * emit_json.c -- the output buffer and the JSON writer of the CLI.
 *
 * Every result type is written from its schema (pf_schema_fields(), expanded
 * from include/playfast_fields.h), so the key set and order of `playfast
 * parse` and of the fetch commands' ndjson and json output are those of the
 * one declaration of the fields, and CSV reuses the same tables. Field
 * values and nested records are written by src/core/json_emit.c, which
 * the store's JSON cells share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "schema.h"

/* ------------------------------------------------------------------------ */
/* Field tables                                                             */
/* ------------------------------------------------------------------------ */

const pf_field *cli_fields_of(pf_kind kind, size_t *n)
{
    const pf__rows *r = pf__rows_of(kind);
    if (r == NULL) {
        *n = 0;
        return NULL;
    }
    return pf__rows_fields(r, n);
}


/* ------------------------------------------------------------------------ */
/* Results                                                                  */
/* ------------------------------------------------------------------------ */

void cli_json_app(pf__buf *b, const pf_app *app)
{
    if (!app) {
        pf__buf_str(b, "null");
        return;
    }
    pf__json_record(b, PF_RECORD_APP, app);
}

void cli_json_item(pf__buf *b, const pf_item *item)
{
    pf__json_record(b, PF_RECORD_ITEM, item);
}

void cli_json_review(pf__buf *b, const pf_review *r)
{
    pf__json_record(b, PF_RECORD_REVIEW, r);
}

void cli_json_list(pf__buf *b, const pf_list *list)
{
    pf__buf_putc(b, '[');
    for (size_t i = 0; list && i < list->count; i++) {
        if (i)
            pf__buf_str(b, ", ");
        cli_json_item(b, &list->items[i]);
    }
    pf__buf_putc(b, ']');
}

/* A list fetched with details: each entry as its app record with its
 * "rank" (1-based, the list's order) first; an entry whose app could not
 * be fetched keeps its list fields and gains that request's "error". */
void cli_json_details(pf__buf *b, const pf_response *res)
{
    pf__buf_putc(b, '[');
    for (size_t i = 0; i < res->n_details; i++) {
        const pf_response *d = &res->details[i];
        pf__buf_fmt(b, "%s{\"rank\": %zu, ", i ? ", " : "", i + 1);
        if (d->code == PF_OK && d->app) {
            pf__json_members(b, PF_RECORD_APP, d->app);
        } else {
            pf__json_members(b, PF_RECORD_ITEM, &res->list->items[i]);
            pf__buf_str(b, ", \"error\": ");
            cli_json_error(b, d->code, &d->error);
        }
        pf__buf_putc(b, '}');
    }
    pf__buf_putc(b, ']');
}

void cli_json_reviews_array(pf__buf *b, const pf_reviews *rv)
{
    pf__buf_putc(b, '[');
    for (size_t i = 0; rv && i < rv->count; i++) {
        if (i)
            pf__buf_str(b, ", ");
        cli_json_review(b, &rv->items[i]);
    }
    pf__buf_putc(b, ']');
}

void cli_json_reviews_doc(pf__buf *b, const pf_reviews *rv)
{
    pf__buf_str(b, "{\"reviews\": ");
    cli_json_reviews_array(b, rv);
    pf__buf_str(b, ", \"next_token\": ");
    pf__buf_json_str(b, rv ? rv->next_token : NULL);
    pf__buf_putc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* Requests and errors                                                      */
/* ------------------------------------------------------------------------ */

/* The request's fields, once, for both writers: the keys of the JSON
 * "request" object and the leading CSV columns, in this order. */
#define R_APP (1u << PF_KIND_APP)
#define R_LIST (1u << PF_KIND_LIST)
#define R_SEARCH (1u << PF_KIND_SEARCH)
#define R_REVIEWS (1u << PF_KIND_REVIEWS)
#define R_DEVELOPER (1u << PF_KIND_DEVELOPER)
#define R_SIMILAR (1u << PF_KIND_SIMILAR)
#define R_SUGGEST (1u << PF_KIND_SUGGEST)
#define R_BY_APP ((1u << PF_KIND_PERMISSIONS) | (1u << PF_KIND_DATASAFETY))
enum { C_KIND, C_APP_ID, C_DEVELOPER_ID, C_CATEGORY, C_COLLECTION, C_QUERY,
       C_NUM, C_PRICE, C_SORT, C_COUNT, C_ALL, C_SCORE, C_TOKEN, C_LANG,
       C_COUNTRY };
static const struct {
    const char *name;
    unsigned kinds;
} request_cols[CLI_REQUEST_COLS] = {
    [C_KIND] = {"kind", ~0u},
    [C_APP_ID] = {"app_id", R_APP | R_REVIEWS | R_SIMILAR | R_BY_APP},
    [C_DEVELOPER_ID] = {"developer_id", R_DEVELOPER},
    [C_CATEGORY] = {"category", R_LIST},
    [C_COLLECTION] = {"collection", R_LIST},
    [C_QUERY] = {"query", R_SEARCH | R_SUGGEST},
    [C_NUM] = {"num", R_LIST | R_SEARCH | R_DEVELOPER | R_SIMILAR},
    [C_PRICE] = {"price", R_SEARCH},
    [C_SORT] = {"sort", R_REVIEWS},
    [C_COUNT] = {"count", R_REVIEWS},
    [C_ALL] = {"all", R_REVIEWS},
    [C_SCORE] = {"score", R_REVIEWS},
    [C_TOKEN] = {"token", R_REVIEWS | R_DEVELOPER | R_SIMILAR},
    [C_LANG] = {"lang", ~0u},
    [C_COUNTRY] = {"country", ~0u},
};

const char *cli_request_col_name(pf_kind kind, size_t i)
{
    if (i >= CLI_REQUEST_COLS || !(request_cols[i].kinds & (1u << kind)))
        return NULL;
    return request_cols[i].name;
}

static const char *int_or_null(int v, char *tmp, size_t cap)
{
    if (!v)
        return NULL;
    snprintf(tmp, cap, "%d", v);
    return tmp;
}

const char *cli_request_col_value(const pf_request *r, size_t i, char *tmp,
                                  size_t cap, int *is_str)
{
    static const char *const prices[] = {"all", "free", "paid"};
    static const char *const sorts[] = {NULL, "relevant", "newest", "rating"};
    *is_str = 1;
    switch (i) {
    case C_KIND: return pf_kind_name(r->kind);
    case C_APP_ID: return r->app_id;
    case C_DEVELOPER_ID: return r->developer_id;
    case C_CATEGORY: return r->category;
    case C_COLLECTION: return r->collection ? r->collection : "topselling_free";
    case C_QUERY: return r->query;
    case C_PRICE: return (unsigned)r->price <= 2 ? prices[r->price] : NULL;
    case C_SORT:
        return r->sort >= 1 && r->sort <= 3 ? sorts[r->sort] : "newest";
    case C_TOKEN: return r->token;
    case C_LANG: return r->lang ? r->lang : "en";
    case C_COUNTRY: return r->country ? r->country : "us";
    default: break;
    }
    *is_str = 0;
    switch (i) {
    case C_NUM: return int_or_null(r->num, tmp, cap);
    case C_COUNT:
        return int_or_null(r->num == PF_REVIEWS_ALL ? 0 : r->num, tmp, cap);
    case C_ALL: return r->num == PF_REVIEWS_ALL ? "true" : "false";
    case C_SCORE: return int_or_null(r->score, tmp, cap);
    default: return NULL;
    }
}

void cli_json_request(pf__buf *b, const pf_request *r)
{
    const char *sep = "{";
    for (size_t i = 0; i < CLI_REQUEST_COLS; i++) {
        const char *name = cli_request_col_name(r->kind, i);
        if (!name)
            continue;
        char tmp[32];
        int is_str;
        const char *v = cli_request_col_value(r, i, tmp, sizeof tmp, &is_str);
        pf__buf_fmt(b, "%s\"%s\": ", sep, name);
        sep = ", ";
        if (is_str || !v)
            pf__buf_json_str(b, v);
        else
            pf__buf_str(b, v);
    }
    pf__buf_putc(b, '}');
}

void cli_json_error(pf__buf *b, pf_code code, const pf_error *err)
{
    pf__buf_str(b, "{\"kind\": ");
    pf__buf_json_str(b, pf_code_name(code));
    pf__buf_str(b, ", \"status\": ");
    if (err && err->http_status > 0)
        pf__buf_fmt(b, "%d", err->http_status);
    else
        pf__buf_str(b, "null");
    pf__buf_str(b, ", \"message\": ");
    const char *msg = err && err->message[0] ? err->message : pf_strerror(code);
    /* message is a fixed array: never read past it even if unterminated. */
    pf__buf_json_strn(b, msg, strnlen(msg, sizeof err->message));
    pf__buf_putc(b, '}');
}
