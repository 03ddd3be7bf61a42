/*
 * emit_kinds.c -- the output of the kinds added with issue 10 (developer,
 * similar, suggest, permissions, datasafety, categories): their JSON, their
 * request objects, and their `playfast parse` step (their CSV rows are the
 * kind's rows, pf__rows_of). Every record is written from its schema
 * (emit_json.c), so the keys are those of include/playfast_fields.h.
 */
#include <string.h>

#include "cli.h"

/* [record, ...] of `count` elements of `size` bytes. */
static void records(pf__buf *b, pf_record rec, const void *items,
                    size_t count, size_t size)
{
    pf__buf_putc(b, '[');
    for (size_t i = 0; items && i < count; i++) {
        if (i) pf__buf_str(b, ", ");
        pf__json_record(b, rec, (const char *)items + i * size);
    }
    pf__buf_putc(b, ']');
}

void cli_json_terms(pf__buf *b, const pf_terms *t)
{
    pf__buf_putc(b, '[');
    for (size_t i = 0; t && i < t->count; i++) {
        if (i) pf__buf_str(b, ", ");
        pf__buf_json_str(b, t->items[i]);
    }
    pf__buf_putc(b, ']');
}

void cli_json_permissions(pf__buf *b, const pf_permissions *p)
{
    records(b, PF_RECORD_PERMISSION, p ? p->items : NULL, p ? p->count : 0,
            sizeof(pf_permission));
}

void cli_json_categories(pf__buf *b, const pf_categories *c)
{
    records(b, PF_RECORD_CATEGORY, c ? c->items : NULL, c ? c->count : 0,
            sizeof(pf_category));
}

void cli_json_datasafety(pf__buf *b, const pf_datasafety *d)
{
    if (!d)
        pf__buf_str(b, "null");
    else
        pf__json_record(b, PF_RECORD_DATASAFETY, d);
}

void cli_json_result_more(pf__buf *b, const pf_response *res)
{
    switch (res->kind) {
    case PF_KIND_SUGGEST:
        pf__buf_str(b, ", \"results\": ");
        cli_json_terms(b, res->terms);
        break;
    case PF_KIND_PERMISSIONS:
        pf__buf_str(b, ", \"results\": ");
        cli_json_permissions(b, res->permissions);
        break;
    case PF_KIND_CATEGORIES:
        pf__buf_str(b, ", \"results\": ");
        cli_json_categories(b, res->categories);
        break;
    case PF_KIND_DATASAFETY:
        pf__buf_str(b, ", \"result\": ");
        cli_json_datasafety(b, res->datasafety);
        break;
    default: /* developer, similar: apps, and where the list goes on */
        pf__buf_str(b, ", \"results\": ");
        cli_json_list(b, res->list);
        pf__buf_str(b, ", \"next_token\": ");
        pf__buf_json_str(b, res->list ? res->list->next_token : NULL);
        break;
    }
}

int cli_parse_kind_more(const char *name)
{
    for (int k = PF_KIND_DEVELOPER; k < PF_KIND_COUNT_; k++)
        if (!strcmp(name, pf_kind_name((pf_kind)k)))
            return k;
    return -1;
}

pf_code cli_parse_more(int kind, const char *buf, size_t len, pf__buf *out,
                       pf_error *err)
{
    pf_response r;
    memset(&r, 0, sizeof r);
    r.kind = (pf_kind)kind;
    pf_code rc;
    switch (kind) {
    case PF_KIND_DEVELOPER:
        rc = pf_parse_developer(buf, len, &r.list, err);
        if (rc == PF_OK) cli_json_list(out, r.list);
        break;
    case PF_KIND_SIMILAR:
        rc = pf_parse_similar(buf, len, &r.list, err);
        if (rc == PF_OK) cli_json_list(out, r.list);
        break;
    case PF_KIND_SUGGEST:
        rc = pf_parse_suggest(buf, len, &r.terms, err);
        if (rc == PF_OK) cli_json_terms(out, r.terms);
        break;
    case PF_KIND_PERMISSIONS:
        rc = pf_parse_permissions(buf, len, &r.permissions, err);
        if (rc == PF_OK) cli_json_permissions(out, r.permissions);
        break;
    case PF_KIND_DATASAFETY:
        rc = pf_parse_datasafety(buf, len, &r.datasafety, err);
        if (rc == PF_OK) cli_json_datasafety(out, r.datasafety);
        break;
    default:
        rc = pf_parse_categories(buf, len, &r.categories, err);
        if (rc == PF_OK) cli_json_categories(out, r.categories);
        break;
    }
    pf_list_free(r.list);
    pf_terms_free(r.terms);
    pf_permissions_free(r.permissions);
    pf_datasafety_free(r.datasafety);
    pf_categories_free(r.categories);
    return rc;
}
