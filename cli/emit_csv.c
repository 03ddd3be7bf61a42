/*
 * emit_csv.c -- `--format csv`: one row per item (per app for `playfast
 * app`), RFC 4180 (CRLF rows, cells quoted when they need it).
 *
 * Columns: the request's fields, each in its own column (kind, app_id,
 * query, ..., lang, country: the keys of the JSON writer's "request"), so
 * rows of a fan-out stay attributable and a CSV reader needs no JSON; then
 * error, error_status, error_message, then rank for list and search, then
 * the schema's fields from the same tables as the JSON writer. A request
 * column whose name a result field also has is called "request_<name>"
 * (request_app_id of `playfast app`, request_score of `playfast reviews`,
 * the --score filter, beside each review's score).
 * Strings are written as text, absent values as empty cells, and nested
 * values (histogram, categories, screenshots, permissions) as JSON text.
 */
#include <string.h>

#include "cli.h"
#include "schema.h"

void cli_csv_cell(pf__buf *b, const char *s, size_t n)
{
    if (!s)
        return;
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
        !memchr(s, '\r', n)) {
        pf__buf_add(b, s, n);
        return;
    }
    pf__buf_putc(b, '"');
    for (const char *q; (q = memchr(s, '"', n)) != NULL;) {
        pf__buf_add(b, s, (size_t)(q - s) + 1);
        pf__buf_putc(b, '"');
        n -= (size_t)(q - s) + 1;
        s = q + 1;
    }
    pf__buf_add(b, s, n);
    pf__buf_putc(b, '"');
}

int cli_csv_ranked(pf_kind kind)
{
    return kind == PF_KIND_LIST || kind == PF_KIND_SEARCH ||
           kind == PF_KIND_DEVELOPER || kind == PF_KIND_SIMILAR ||
           kind == PF_KIND_SUGGEST;
}

/* Whether a result field of kind is called name. */
static int result_has(pf_kind kind, const char *name)
{
    size_t n;
    const pf_field *f = cli_fields_of(kind, &n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i].name, name))
            return 1;
    return 0;
}

void cli_csv_header(pf__buf *b, pf_kind kind)
{
    size_t n;
    const pf_field *f = cli_fields_of(kind, &n);
    for (size_t i = 0; i < CLI_REQUEST_COLS; i++) {
        const char *name = cli_request_col_name(kind, i);
        if (name) {
            pf__buf_fmt(b, "%s%s,", result_has(kind, name) ? "request_" : "",
                        name);
        }
    }
    pf__buf_str(b, "error,error_status,error_message");
    if (cli_csv_ranked(kind))
        pf__buf_str(b, ",rank");
    for (size_t i = 0; i < n; i++) {
        pf__buf_putc(b, ',');
        pf__buf_str(b, f[i].name);
    }
    pf__buf_str(b, "\r\n");
}

/* The value of one field as a cell. */
static void cell(pf__buf *b, pf__buf *tmp, const pf_field *f,
                 const void *base)
{
    if (f->kind == PF_FIELD_STR || f->kind == PF_FIELD_TEXT) {
        const char *s = *(const char *const *)((const char *)base + f->offset);
        if (s)
            cli_csv_cell(b, s, strlen(s));
        return;
    }
    tmp->len = 0;
    pf__json_field(tmp, f, base);
    if (tmp->failed) {
        b->failed = 1;
        return;
    }
    if (tmp->len == 4 && !memcmp(tmp->p, "null", 4))
        return;
    cli_csv_cell(b, tmp->p, tmp->len);
}

void cli_csv_request_cells(pf__buf *b, const pf_request *req)
{
    for (size_t i = 0; i < CLI_REQUEST_COLS; i++) {
        if (!cli_request_col_name(req->kind, i))
            continue;
        char tmp[32];
        int is_str;
        const char *v = cli_request_col_value(req, i, tmp, sizeof tmp, &is_str);
        if (v)
            cli_csv_cell(b, v, strlen(v));
        pf__buf_putc(b, ',');
    }
}

/* The request's cells + the three error cells (empty when ok). */
static void row_head(pf__buf *b, const pf_request *req, const pf_response *res)
{
    cli_csv_request_cells(b, req);
    if (res->code != PF_OK) {
        const char *msg = res->error.message[0] ? res->error.message
                                                 : pf_strerror(res->code);
        pf__buf_str(b, pf_code_name(res->code));
        pf__buf_putc(b, ',');
        if (res->error.http_status > 0)
            pf__buf_fmt(b, "%d", res->error.http_status);
        pf__buf_putc(b, ',');
        cli_csv_cell(b, msg, strnlen(msg, sizeof res->error.message));
    } else {
        pf__buf_str(b, ",,");
    }
}

void cli_csv_response(pf__buf *b, const pf_request *req,
                      const pf_response *res)
{
    size_t nf;
    const pf_field *f = cli_fields_of(req->kind, &nf);
    pf__buf tmp;
    pf__buf_init(&tmp, SIZE_MAX);

    const char *rows = NULL;
    size_t stride = 0, nrows = 0;
    const pf__rows *shape = pf__rows_of(req->kind);
    if (shape)
        nrows = pf__rows_get(shape, res, &rows, &stride);

    if (res->code != PF_OK) {
        row_head(b, req, res);
        if (cli_csv_ranked(req->kind))
            pf__buf_putc(b, ',');
        for (size_t i = 0; i < nf; i++)
            pf__buf_putc(b, ',');
        pf__buf_str(b, "\r\n");
    }
    for (size_t r = 0; r < nrows; r++) {
        const void *base = rows + r * stride;
        row_head(b, req, res);
        if (cli_csv_ranked(req->kind))
            pf__buf_fmt(b, ",%zu", r + 1);
        for (size_t i = 0; i < nf; i++) {
            pf__buf_putc(b, ',');
            cell(b, &tmp, &f[i], base);
        }
        pf__buf_str(b, "\r\n");
    }
    if (tmp.failed)
        b->failed = 1;
    pf__buf_cleanup(&tmp);
}
