/*
 * emit_json.c -- the output buffer and the JSON writer of the CLI.
 *
 * Every result type is written from its schema (pf_schema_fields(), expanded
 * from include/playfast_fields.h), so the key set and order of `playfast
 * parse` and of the fetch commands' ndjson and json output are those of the
 * one declaration of the fields, and CSV reuses the same tables. Nested
 * records (categories, permission groups) are written from theirs.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ------------------------------------------------------------------------ */
/* Scalars                                                                  */
/* ------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one:
 * overlong forms, surrogates and code points past U+10FFFF are rejected,
 * as RFC 3629 requires, so the output decodes in any strict reader. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return len;
}

void pf__json_strn(pf__buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;

    pf__buf_putc(b, '"');
    while (i < n) {
        unsigned c = s[i];
        /* Plain bytes are copied in runs: most text needs no escaping. */
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t ulen = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
        /* U+0085, U+2028 and U+2029 are legal raw in JSON but end a line
         * for many readers (Python's splitlines, JavaScript source), which
         * would split an ndjson record; escape them. */
        int sep = (ulen == 2 && c == 0xC2 && s[i + 1] == 0x85) ||
                  (ulen == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
                   (s[i + 2] == 0xA8 || s[i + 2] == 0xA9));
        if (ulen && !sep) {
            i += ulen;
            continue;
        }
        pf__buf_add(b, str + run, i - run);
        if (sep) {
            pf__buf_str(b, c == 0xC2 ? "\\u0085"
                             : s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
            i += ulen;
            run = i;
            continue;
        }
        switch (c) {
        case '"': pf__buf_add(b, "\\\"", 2); break;
        case '\\': pf__buf_add(b, "\\\\", 2); break;
        case '\n': pf__buf_add(b, "\\n", 2); break;
        case '\r': pf__buf_add(b, "\\r", 2); break;
        case '\t': pf__buf_add(b, "\\t", 2); break;
        case '\b': pf__buf_add(b, "\\b", 2); break;
        case '\f': pf__buf_add(b, "\\f", 2); break;
        default:
            if (c < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                pf__buf_add(b, e, 6);
            } else {
                pf__buf_add(b, "\xEF\xBF\xBD", 3);   /* U+FFFD */
            }
        }
        i++;
        run = i;
    }
    pf__buf_add(b, str + run, n - run);
    pf__buf_putc(b, '"');
}

void pf__json_str(pf__buf *b, const char *s)
{
    if (!s)
        pf__buf_add(b, "null", 4);
    else
        pf__json_strn(b, s, strlen(s));
}

void pf__json_double(pf__buf *b, double d)
{
    if (!isfinite(d)) {
        pf__buf_add(b, "null", 4);
        return;
    }
    /* The shortest of %.15g..%.17g that reads back exactly: 4.5 stays
     * "4.5" rather than "4.5000000000000000", and nothing is lost. */
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    pf__buf_str(b, tmp);
}

void pf__json_int(pf__buf *b, int64_t v)
{
    if (v == PF_NULL_INT)
        pf__buf_add(b, "null", 4);
    else
        pf__buf_fmt(b, "%" PRId64, v);
}

/* ------------------------------------------------------------------------ */
/* Field tables                                                             */
/* ------------------------------------------------------------------------ */

pf_record pf__record_of(pf_kind kind)
{
    switch (kind) {
    case PF_KIND_APP: return PF_RECORD_APP;
    case PF_KIND_REVIEWS: return PF_RECORD_REVIEW;
    default: return PF_RECORD_ITEM;
    }
}

const pf_field *pf__fields_of(pf_kind kind, size_t *n)
{
    if (kind >= PF_KIND_DEVELOPER) return pf__fields_of_more(kind, n);
    return pf_schema_fields(pf__record_of(kind), n);
}

#define AT(base, off, T) (*(T const *)((const char *)(base) + (off)))

/* [elem, ...] of the array field f: strings, or records of rec (an
 * element of elem_size bytes each). */
static void array(pf__buf *b, const pf_field *f, const void *base,
                  pf_record rec, size_t elem_size)
{
    const char *v = AT(base, f->offset, const char *);
    size_t n = AT(base, f->count_offset, size_t);
    pf__buf_putc(b, '[');
    for (size_t i = 0; v && i < n; i++) {
        if (i)
            pf__buf_str(b, ", ");
        if (f->kind == PF_FIELD_STRS)
            pf__json_str(b, ((const char *const *)(const void *)v)[i]);
        else
            pf__json_object(b, rec, v + i * elem_size);
    }
    pf__buf_putc(b, ']');
}

void pf__json_field_value(pf__buf *b, const pf_field *f, const void *base)
{
    switch (f->kind) {
    case PF_FIELD_STR:
    case PF_FIELD_TEXT:
        pf__json_str(b, AT(base, f->offset, const char *));
        break;
    case PF_FIELD_INT:
        pf__json_int(b, AT(base, f->offset, int64_t));
        break;
    case PF_FIELD_DOUBLE:
        pf__json_double(b, AT(base, f->offset, double));
        break;
    case PF_FIELD_BOOL: {
        signed char v = AT(base, f->offset, signed char);
        pf__buf_str(b, v == PF_NULL_BOOL ? "null" : v ? "true" : "false");
        break;
    }
    case PF_FIELD_STARS: {
        int v = AT(base, f->offset, int);
        if (v >= 1 && v <= 5)
            pf__buf_fmt(b, "%d", v);
        else
            pf__buf_str(b, "null");
        break;
    }
    case PF_FIELD_HIST: {
        const int64_t *h = &AT(base, f->offset, int64_t);
        int any = 0;
        for (int i = 0; i < 5; i++)
            any |= h[i] != PF_NULL_INT;
        if (!any) {
            pf__buf_str(b, "null");
            break;
        }
        for (int i = 0; i < 5; i++) {
            pf__buf_fmt(b, "%s\"%d\": ", i ? ", " : "{", i + 1);
            pf__json_int(b, h[i]);
        }
        pf__buf_putc(b, '}');
        break;
    }
    case PF_FIELD_STRS:
        array(b, f, base, PF_RECORD_COUNT_, sizeof(const char *));
        break;
    case PF_FIELD_CATS:
        array(b, f, base, PF_RECORD_CATEGORY, sizeof(pf_category));
        break;
    case PF_FIELD_PERMS:
        array(b, f, base, PF_RECORD_PERMISSION, sizeof(pf_permission));
        break;
    case PF_FIELD_DATA:
        array(b, f, base, PF_RECORD_DATA_ENTRY, sizeof(pf_data_entry));
        break;
    case PF_FIELD_PRACTICES:
        array(b, f, base, PF_RECORD_PRACTICE, sizeof(pf_practice));
        break;
    default:
        pf__buf_str(b, "null");
        break;
    }
}

void pf__json_object(pf__buf *b, pf_record rec, const void *base)
{
    size_t n;
    const pf_field *fields = pf_schema_fields(rec, &n);
    pf__buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            pf__buf_str(b, ", ");
        pf__json_str(b, fields[i].name);
        pf__buf_str(b, ": ");
        pf__json_field_value(b, &fields[i], base);
    }
    pf__buf_putc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */
/* ------------------------------------------------------------------------ */

void pf__json_app(pf__buf *b, const pf_app *app)
{
    if (!app) {
        pf__buf_str(b, "null");
        return;
    }
    pf__json_object(b, PF_RECORD_APP, app);
}

void pf__json_item(pf__buf *b, const pf_item *item)
{
    pf__json_object(b, PF_RECORD_ITEM, item);
}

void pf__json_review(pf__buf *b, const pf_review *r)
{
    pf__json_object(b, PF_RECORD_REVIEW, r);
}

void pf__json_list(pf__buf *b, const pf_list *list)
{
    pf__buf_putc(b, '[');
    for (size_t i = 0; list && i < list->count; i++) {
        if (i)
            pf__buf_str(b, ", ");
        pf__json_item(b, &list->items[i]);
    }
    pf__buf_putc(b, ']');
}

void pf__json_reviews_array(pf__buf *b, const pf_reviews *rv)
{
    pf__buf_putc(b, '[');
    for (size_t i = 0; rv && i < rv->count; i++) {
        if (i)
            pf__buf_str(b, ", ");
        pf__json_review(b, &rv->items[i]);
    }
    pf__buf_putc(b, ']');
}

void pf__json_reviews_doc(pf__buf *b, const pf_reviews *rv)
{
    pf__buf_str(b, "{\"reviews\": ");
    pf__json_reviews_array(b, rv);
    pf__buf_str(b, ", \"next_token\": ");
    pf__json_str(b, rv ? rv->next_token : NULL);
    pf__buf_putc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* Requests and errors                                                      */
/* ------------------------------------------------------------------------ */

static void key(pf__buf *b, const char *k)
{
    pf__buf_str(b, ", \"");
    pf__buf_str(b, k);
    pf__buf_str(b, "\": ");
}

static void num_or_null(pf__buf *b, int v)
{
    if (v)
        pf__buf_fmt(b, "%d", v);
    else
        pf__buf_str(b, "null");
}

void pf__json_request(pf__buf *b, const pf_request *r)
{
    static const char *const prices[] = {"all", "free", "paid"};
    static const char *const sorts[] = {NULL, "relevant", "newest", "rating"};

    pf__buf_str(b, "{\"kind\": ");
    pf__json_str(b, pf_kind_name(r->kind));
    switch (r->kind) {
    case PF_KIND_APP:
        key(b, "app_id");
        pf__json_str(b, r->app_id);
        break;
    case PF_KIND_LIST:
        key(b, "category");
        pf__json_str(b, r->category);
        key(b, "collection");
        pf__json_str(b, r->collection ? r->collection : "topselling_free");
        key(b, "num");
        num_or_null(b, r->num);
        break;
    case PF_KIND_SEARCH:
        key(b, "query");
        pf__json_str(b, r->query);
        key(b, "num");
        num_or_null(b, r->num);
        key(b, "price");
        pf__json_str(b, (unsigned)r->price <= 2 ? prices[r->price] : NULL);
        break;
    case PF_KIND_REVIEWS:
        key(b, "app_id");
        pf__json_str(b, r->app_id);
        key(b, "sort");
        pf__json_str(b, r->sort >= 1 && r->sort <= 3 ? sorts[r->sort]
                                                     : "newest");
        key(b, "count");
        num_or_null(b, r->num == PF_REVIEWS_ALL ? 0 : r->num);
        key(b, "all");
        pf__buf_str(b, r->num == PF_REVIEWS_ALL ? "true" : "false");
        key(b, "score");
        num_or_null(b, r->score);
        key(b, "token");
        pf__json_str(b, r->token);
        break;
    default:
        pf__json_request_more(b, r);
        break;
    }
    key(b, "lang");
    pf__json_str(b, r->lang ? r->lang : "en");
    key(b, "country");
    pf__json_str(b, r->country ? r->country : "us");
    pf__buf_putc(b, '}');
}

void pf__json_error(pf__buf *b, pf_code code, const pf_error *err)
{
    pf__buf_str(b, "{\"kind\": ");
    pf__json_str(b, pf_code_name(code));
    pf__buf_str(b, ", \"status\": ");
    if (err && err->http_status > 0)
        pf__buf_fmt(b, "%d", err->http_status);
    else
        pf__buf_str(b, "null");
    pf__buf_str(b, ", \"message\": ");
    const char *msg = err && err->message[0] ? err->message : pf_strerror(code);
    /* message is a fixed array: never read past it even if unterminated. */
    pf__json_strn(b, msg, strnlen(msg, sizeof err->message));
    pf__buf_putc(b, '}');
}
