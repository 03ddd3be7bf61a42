/*
 * emit_json.c -- the output buffer and the JSON writer of the CLI.
 *
 * Every result type is written from a field table (name, type, offset), so
 * the key set and order of `playfast parse` and of the fetch commands' ndjson
 * and json output come from one place, and CSV reuses the same tables. Key
 * order is struct order, as the schema requires.
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

#define FLD(T, f, type) {#f, type, offsetof(T, f), 0}
#define ARR(T, f, type, n) {#f, type, offsetof(T, f), offsetof(T, n)}

const pf__field pf__app_fields[] = {
    FLD(pf_app, app_id, PF_F_STR),
    FLD(pf_app, url, PF_F_STR),
    FLD(pf_app, title, PF_F_STR),
    FLD(pf_app, summary, PF_F_STR),
    FLD(pf_app, description, PF_F_STR),
    FLD(pf_app, description_html, PF_F_STR),
    FLD(pf_app, installs, PF_F_STR),
    FLD(pf_app, min_installs, PF_F_INT),
    FLD(pf_app, max_installs, PF_F_INT),
    FLD(pf_app, score, PF_F_DBL),
    FLD(pf_app, score_text, PF_F_STR),
    FLD(pf_app, ratings, PF_F_INT),
    FLD(pf_app, reviews, PF_F_INT),
    FLD(pf_app, histogram, PF_F_HIST),
    FLD(pf_app, price, PF_F_DBL),
    FLD(pf_app, free, PF_F_BOOL),
    FLD(pf_app, currency, PF_F_STR),
    FLD(pf_app, price_text, PF_F_STR),
    FLD(pf_app, original_price, PF_F_DBL),
    FLD(pf_app, offers_iap, PF_F_BOOL),
    FLD(pf_app, iap_range, PF_F_STR),
    FLD(pf_app, android_version, PF_F_STR),
    FLD(pf_app, developer, PF_F_STR),
    FLD(pf_app, developer_id, PF_F_STR),
    FLD(pf_app, developer_email, PF_F_STR),
    FLD(pf_app, developer_website, PF_F_STR),
    FLD(pf_app, developer_address, PF_F_STR),
    FLD(pf_app, privacy_policy, PF_F_STR),
    FLD(pf_app, genre, PF_F_STR),
    FLD(pf_app, genre_id, PF_F_STR),
    ARR(pf_app, categories, PF_F_CATS, n_categories),
    FLD(pf_app, icon, PF_F_STR),
    FLD(pf_app, header_image, PF_F_STR),
    ARR(pf_app, screenshots, PF_F_STRS, n_screenshots),
    FLD(pf_app, video, PF_F_STR),
    FLD(pf_app, video_image, PF_F_STR),
    FLD(pf_app, content_rating, PF_F_STR),
    FLD(pf_app, content_rating_description, PF_F_STR),
    FLD(pf_app, ad_supported, PF_F_BOOL),
    FLD(pf_app, released, PF_F_INT),
    FLD(pf_app, updated, PF_F_INT),
    FLD(pf_app, version, PF_F_STR),
    FLD(pf_app, recent_changes, PF_F_STR),
    ARR(pf_app, permissions, PF_F_PERMS, n_permissions),
    FLD(pf_app, developer_legal_name, PF_F_STR),
    FLD(pf_app, developer_legal_email, PF_F_STR),
    FLD(pf_app, developer_legal_address, PF_F_STR),
    FLD(pf_app, developer_legal_phone, PF_F_STR),
    FLD(pf_app, android_max_version, PF_F_STR),
    FLD(pf_app, preview_video, PF_F_STR),
    FLD(pf_app, available, PF_F_BOOL),
    FLD(pf_app, preregister, PF_F_BOOL),
    FLD(pf_app, early_access, PF_F_BOOL),
    FLD(pf_app, play_pass, PF_F_BOOL),
};
const size_t pf__n_app_fields = sizeof pf__app_fields / sizeof pf__app_fields[0];

const pf__field pf__item_fields[] = {
    FLD(pf_item, app_id, PF_F_STR),
    FLD(pf_item, url, PF_F_STR),
    FLD(pf_item, title, PF_F_STR),
    FLD(pf_item, developer, PF_F_STR),
    FLD(pf_item, developer_id, PF_F_STR),
    FLD(pf_item, icon, PF_F_STR),
    FLD(pf_item, score, PF_F_DBL),
    FLD(pf_item, score_text, PF_F_STR),
    FLD(pf_item, price, PF_F_DBL),
    FLD(pf_item, free, PF_F_BOOL),
    FLD(pf_item, currency, PF_F_STR),
    FLD(pf_item, price_text, PF_F_STR),
    FLD(pf_item, summary, PF_F_STR),
    FLD(pf_item, genre, PF_F_STR),
    FLD(pf_item, installs, PF_F_STR),
    FLD(pf_item, min_installs, PF_F_INT),
};
const size_t pf__n_item_fields = sizeof pf__item_fields / sizeof pf__item_fields[0];

const pf__field pf__review_fields[] = {
    FLD(pf_review, review_id, PF_F_STR),
    FLD(pf_review, user_name, PF_F_STR),
    FLD(pf_review, user_image, PF_F_STR),
    FLD(pf_review, content, PF_F_STR),
    FLD(pf_review, score, PF_F_STARS),
    FLD(pf_review, thumbs_up, PF_F_INT),
    FLD(pf_review, created_at, PF_F_INT),
    FLD(pf_review, reply_content, PF_F_STR),
    FLD(pf_review, reply_at, PF_F_INT),
    FLD(pf_review, app_version, PF_F_STR),
};
const size_t pf__n_review_fields =
    sizeof pf__review_fields / sizeof pf__review_fields[0];

#define AT(base, off, T) (*(T const *)((const char *)(base) + (off)))

void pf__json_field_value(pf__buf *b, const pf__field *f, const void *base)
{
    size_t n = f->count_off ? AT(base, f->count_off, size_t) : 0;

    switch (f->type) {
    case PF_F_STR:
        pf__json_str(b, AT(base, f->off, const char *));
        break;
    case PF_F_INT:
        pf__json_int(b, AT(base, f->off, int64_t));
        break;
    case PF_F_DBL:
        pf__json_double(b, AT(base, f->off, double));
        break;
    case PF_F_BOOL: {
        signed char v = AT(base, f->off, signed char);
        pf__buf_str(b, v == PF_NULL_BOOL ? "null" : v ? "true" : "false");
        break;
    }
    case PF_F_STARS: {
        int v = AT(base, f->off, int);
        if (v >= 1 && v <= 5)
            pf__buf_fmt(b, "%d", v);
        else
            pf__buf_str(b, "null");
        break;
    }
    case PF_F_HIST: {
        const int64_t *h = &AT(base, f->off, int64_t);
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
    case PF_F_CATS: {
        const pf_category *c = AT(base, f->off, const pf_category *);
        pf__buf_putc(b, '[');
        for (size_t i = 0; c && i < n; i++) {
            pf__buf_str(b, i ? ", {\"name\": " : "{\"name\": ");
            pf__json_str(b, c[i].name);
            pf__buf_str(b, ", \"id\": ");
            pf__json_str(b, c[i].id);
            pf__buf_putc(b, '}');
        }
        pf__buf_putc(b, ']');
        break;
    }
    case PF_F_STRS: {
        const char *const *s = AT(base, f->off, const char *const *);
        pf__buf_putc(b, '[');
        for (size_t i = 0; s && i < n; i++) {
            if (i)
                pf__buf_str(b, ", ");
            pf__json_str(b, s[i]);
        }
        pf__buf_putc(b, ']');
        break;
    }
    case PF_F_PERMS: {
        const pf_permission *p = AT(base, f->off, const pf_permission *);
        pf__buf_putc(b, '[');
        for (size_t i = 0; p && i < n; i++) {
            pf__buf_str(b, i ? ", {\"group\": " : "{\"group\": ");
            pf__json_str(b, p[i].group);
            pf__buf_str(b, ", \"permissions\": [");
            for (size_t j = 0; p[i].items && j < p[i].n_items; j++) {
                if (j)
                    pf__buf_str(b, ", ");
                pf__json_str(b, p[i].items[j]);
            }
            pf__buf_str(b, "]}");
        }
        pf__buf_putc(b, ']');
        break;
    }
    }
}

void pf__json_object(pf__buf *b, const pf__field *fields, size_t n,
                     const void *base)
{
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
    pf__json_object(b, pf__app_fields, pf__n_app_fields, app);
}

void pf__json_item(pf__buf *b, const pf_item *item)
{
    pf__json_object(b, pf__item_fields, pf__n_item_fields, item);
}

void pf__json_review(pf__buf *b, const pf_review *r)
{
    pf__json_object(b, pf__review_fields, pf__n_review_fields, r);
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
