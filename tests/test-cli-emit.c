/*
 * test-cli-emit.c -- the CLI's JSON and CSV writers (cli/emit_*.c): string
 * escaping and UTF-8 repair, shortest round-trip doubles, null for absent
 * values, every schema key in struct order, RFC 4180 quoting.
 *
 * The writers are compiled into this test directly: they are part of the
 * `playfast` program, not of the library the other tests link.
 */
#include "harness.h"

#include "../cli/emit_json.c"
#include "../cli/emit_csv.c"
#include "../cli/emit_kinds.c"

/* Render with fn into a fresh buffer and return the NUL-terminated text. */
#define RENDER(call)                                                \
    ({                                                              \
        pf__buf b_;                                                 \
        pf__buf_init(&b_, SIZE_MAX);                                \
        pf__buf *b = &b_;                                           \
        call;                                                       \
        pf__buf_take(&b_, NULL);                                    \
    })

static char *jstr(const char *s, size_t n)
{
    return RENDER(pf__buf_json_strn(b, s, n));
}

static char *jdbl(double d)
{
    return RENDER(pf__json_double(b, d));
}

TEST(json_string_escapes)
{
    static const char in[] = "a\"b\\c\n\r\t\b\f\x01\x1f/";
    char *s = jstr(in, sizeof in - 1);
    CHECK_STR(s, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/\"");
    free(s);
    s = jstr("nul\0x", 5);                 /* an embedded NUL stays data */
    CHECK_STR(s, "\"nul\\u0000x\"");
    free(s);
    s = RENDER(pf__buf_json_str(b, NULL));
    CHECK_STR(s, "null");
    free(s);
}

TEST(json_string_utf8_kept_and_repaired)
{
    /* Valid 2-, 3- and 4-byte sequences pass through untouched. */
    const char ok[] = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x90\xBE";
    char *s = jstr(ok, sizeof ok - 1);
    CHECK_STR(s, "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x90\xBE\"");
    free(s);
    /* Invalid: lone continuation, overlong '/', a surrogate, truncated
     * sequence at the end, 0xFF; each bad byte becomes U+FFFD. */
    const char bad[] = "\x80|\xC0\xAF|\xED\xA0\x80|\xFF|\xE2\x82";
    s = jstr(bad, sizeof bad - 1);
    CHECK_STR(s, "\"\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF"
                 "\xBD\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\"");
    free(s);
    /* Past U+10FFFF. */
    s = jstr("\xF4\x90\x80\x80", 4);
    CHECK_STR(s, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    free(s);
}

TEST(json_string_line_separators_escaped)
{
    const char in[] = "a\xE2\x80\xA8" "b\xE2\x80\xA9" "c\xC2\x85" "d\xE2\x80\xA6";
    char *s = jstr(in, sizeof in - 1);
    /* U+2026 (the ellipsis next door) stays raw. */
    CHECK_STR(s, "\"a\\u2028b\\u2029c\\u0085d\xE2\x80\xA6\"");
    free(s);
}

/* Plain bytes are skipped 16 at a time (buf.c): whatever the length of
 * the plain run and wherever in it, every byte that needs a look is still
 * seen -- at each offset of strings from 0 to 70 bytes. */
TEST(json_string_specials_at_every_offset)
{
    static const struct { const char *in, *out; } sp[] = {
        {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x01", "\\u0001"},
        {"\x7f", "\x7f"}, {"\x80", "\xEF\xBF\xBD"}, {"\xC3\xA9", "\xC3\xA9"},
        {"\xE2\x80\xA8", "\\u2028"}, {"\xFF", "\xEF\xBF\xBD"},
    };
    char in[128], want[160];
    int bad = 0;
    for (size_t k = 0; k < sizeof sp / sizeof *sp; k++) {
        size_t sl = strlen(sp[k].in), ol = strlen(sp[k].out);
        for (size_t n = 0; n <= 70; n++) {
            for (size_t at = 0; at <= n; at++) {
                /* n plain bytes with the special one inserted at `at`. */
                memset(in, 'a', n + sl);
                memcpy(in + at, sp[k].in, sl);
                want[0] = '"';
                memset(want + 1, 'a', n + ol);
                memcpy(want + 1 + at, sp[k].out, ol);
                memcpy(want + 1 + n + ol, "\"", 2);
                char *s = jstr(in, n + sl);
                if (strcmp(s, want) != 0 && bad++ < 3)
                    fprintf(stderr, "  special %zu, %zu plain bytes, at %zu: %s\n",
                            k, n, at, s);
                free(s);
            }
        }
    }
    CHECK(bad == 0);
}

TEST(json_double_shortest_round_trip)
{
    const double cases[] = {4.5, 0.1, 4.6152463, 1.0 / 3, 0, -2.5, 1e300,
                            123456789012345678.0, 0.99};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = jdbl(cases[i]);
        CHECK(strtod(s, NULL) == cases[i]);
        /* Shortest: one digit fewer would not read back. */
        CHECK(strlen(s) <= 24);
        free(s);
    }
    char *s = jdbl(4.5);
    CHECK_STR(s, "4.5");
    free(s);
    s = jdbl(0.1);
    CHECK_STR(s, "0.1");
    free(s);
    s = jdbl(4.6152463);
    CHECK_STR(s, "4.6152463");
    free(s);
    s = jdbl(NAN);
    CHECK_STR(s, "null");
    free(s);
    s = jdbl(INFINITY);
    CHECK_STR(s, "null");
    free(s);
}

TEST(json_app_all_keys_nulls_in_struct_order)
{
    pf_app app;
    memset(&app, 0, sizeof app);
    app.app_id = "x.y";
    app.min_installs = app.max_installs = app.ratings = app.reviews =
        app.released = app.updated = PF_NULL_INT;
    for (int i = 0; i < 5; i++)
        app.histogram[i] = PF_NULL_INT;
    app.score = app.price = app.original_price = NAN;
    app.free = app.offers_iap = app.ad_supported = PF_NULL_BOOL;
    app.available = app.preregister = app.early_access = PF_NULL_BOOL;
    app.play_pass = PF_NULL_BOOL;
    char *s = RENDER(cli_json_app(b, &app));
    static const char head[] = "{\"app_id\": \"x.y\", \"url\": null, \"title\": null";
    CHECK(strncmp(s, head, sizeof head - 1) == 0);
    CHECK(strstr(s, "\"histogram\": null") != NULL);
    CHECK(strstr(s, "\"score\": null") != NULL);
    CHECK(strstr(s, "\"free\": null") != NULL);
    CHECK(strstr(s, "\"categories\": []") != NULL);
    CHECK(strstr(s, "\"permissions\": [], ") != NULL);
    CHECK(strstr(s, "\"play_pass\": null}") != NULL);
    CHECK(strstr(s, "n_categories") == NULL);
    /* 54 keys: every pf_app field except the three n_* counts. */
    size_t keys = 0;
    for (const char *p = s; (p = strstr(p, "\": ")) != NULL; p++)
        keys++;
    CHECK_INT(keys, 54);
    free(s);
}

TEST(json_app_nested_values)
{
    pf_app app;
    memset(&app, 0, sizeof app);
    pf_category cats[2] = {{"Tools", "TOOLS"}, {"Offline", NULL}};
    const char *shots[2] = {"a", "b\"c"};
    const char *items[2] = {"p1", "p2"};
    pf_permission perms[1] = {{"Location", items, 2}};
    int64_t h[5] = {1, 2, 3, 4, 5000000000LL};
    memcpy(app.histogram, h, sizeof h);
    app.categories = cats;
    app.n_categories = 2;
    app.screenshots = shots;
    app.n_screenshots = 2;
    app.permissions = perms;
    app.n_permissions = 1;
    app.free = 1;
    app.offers_iap = 0;
    char *s = RENDER(cli_json_app(b, &app));
    CHECK(strstr(s, "\"histogram\": {\"1\": 1, \"2\": 2, \"3\": 3, \"4\": 4, "
                    "\"5\": 5000000000}") != NULL);
    CHECK(strstr(s, "\"categories\": [{\"name\": \"Tools\", \"id\": \"TOOLS\"}, "
                    "{\"name\": \"Offline\", \"id\": null}]") != NULL);
    CHECK(strstr(s, "\"screenshots\": [\"a\", \"b\\\"c\"]") != NULL);
    CHECK(strstr(s, "\"permissions\": [{\"group\": \"Location\", "
                    "\"permissions\": [\"p1\", \"p2\"]}]") != NULL);
    CHECK(strstr(s, "\"free\": true") != NULL);
    CHECK(strstr(s, "\"offers_iap\": false") != NULL);
    free(s);
}

TEST(json_review_score_zero_is_null)
{
    pf_review r;
    memset(&r, 0, sizeof r);
    r.thumbs_up = 3;
    r.created_at = r.reply_at = PF_NULL_INT;
    char *s = RENDER(cli_json_review(b, &r));
    CHECK_STR(s, "{\"review_id\": null, \"user_name\": null, \"user_image\": null, "
                 "\"content\": null, \"score\": null, \"thumbs_up\": 3, "
                 "\"created_at\": null, \"reply_content\": null, "
                 "\"reply_at\": null, \"app_version\": null}");
    free(s);
}

TEST(json_request_and_error)
{
    pf_request r;
    memset(&r, 0, sizeof r);
    r.kind = PF_KIND_SEARCH;
    r.query = "a \"b\"\n";
    r.price = PF_PRICE_PAID;
    char *s = RENDER(cli_json_request(b, &r));
    CHECK_STR(s, "{\"kind\": \"search\", \"query\": \"a \\\"b\\\"\\n\", \"num\": null, "
                 "\"price\": \"paid\", \"lang\": \"en\", \"country\": \"us\"}");
    free(s);
    pf_error e;
    memset(&e, 0, sizeof e);
    e.http_status = 404;
    snprintf(e.message, sizeof e.message, "no such app");
    s = RENDER(cli_json_error(b, PF_ENOTFOUND, &e));
    CHECK_STR(s, "{\"kind\": \"not_found\", \"status\": 404, \"message\": \"no such app\"}");
    free(s);
}

TEST(csv_cell_quoting)
{
    char *s = RENDER(cli_csv_cell(b, "plain", 5));
    CHECK_STR(s, "plain");
    free(s);
    s = RENDER(cli_csv_cell(b, "a,b", 3));
    CHECK_STR(s, "\"a,b\"");
    free(s);
    static const char q[] = "say \"hi\"\r\nok";
    s = RENDER(cli_csv_cell(b, q, sizeof q - 1));
    CHECK_STR(s, "\"say \"\"hi\"\"\r\nok\"");
    free(s);
}

TEST(csv_rows_and_error_row)
{
    pf_item items[2];
    memset(items, 0, sizeof items);
    for (int i = 0; i < 2; i++) {
        items[i].score = i ? NAN : 4.25;
        items[i].price = 0;
        items[i].free = 1;
        items[i].min_installs = PF_NULL_INT;
    }
    items[0].app_id = "a.b";
    items[0].title = "T, with comma";
    items[1].app_id = "c.d";
    pf_list list = {items, 2, NULL};
    pf_request req;
    memset(&req, 0, sizeof req);
    req.kind = PF_KIND_LIST;
    req.collection = "topselling_free";
    pf_response res;
    memset(&res, 0, sizeof res);
    res.kind = PF_KIND_LIST;
    res.list = &list;
    char *s = RENDER(cli_csv_response(b, &req, &res));
    /* Two rows, CRLF-terminated; the request's fields in their own cells
     * (kind, category, collection, num, lang, country; issue 13.10). */
    char *row2 = strstr(s, "\r\n");
    CHECK(row2 != NULL && strstr(row2 + 2, "\r\n") == row2 + 2 + strlen(row2 + 2) - 2);
    CHECK(strstr(s, "list,,topselling_free,,en,us,,,,1,a.b,,\"T, with comma\",,,,4.25,,0,true,") == s);
    CHECK(strstr(s, "\r\nlist,,topselling_free,,en,us,,,,2,c.d,,,,,,,,0,true,") != NULL);
    free(s);

    res.list = NULL;
    res.code = PF_EHTTP;
    res.error.http_status = 503;
    snprintf(res.error.message, sizeof res.error.message, "HTTP 503");
    s = RENDER(cli_csv_response(b, &req, &res));
    CHECK(strstr(s, ",http_error,503,HTTP 503,,") != NULL);
    free(s);

    s = RENDER(cli_csv_header(b, PF_KIND_REVIEWS));
    CHECK_STR(s, "kind,app_id,sort,count,all,request_score,token,lang,country,"
                 "error,error_status,error_message,review_id,user_name,"
                 "user_image,content,score,thumbs_up,created_at,reply_content,"
                 "reply_at,app_version\r\n");
    free(s);
}

TEST_MAIN()
