/*
 * test-net-request.c -- the request builders (src/net/request.c) and the
 * review-page merge (src/net/merge.c).
 *
 * Each builder test decodes what was built -- percent-decoding, then the
 * outer JSON, then the inner JSON string -- and compares the values that
 * come out with the values that went in. Hostile values (quotes,
 * backslashes, '&', '#', newlines, non-ASCII) must survive every layer and
 * must not change the request's structure.
 */
#include "harness.h"

#include "arena.h"
#include "json.h"
#include "request.h"

static const char *nasty = "a\"b\\c&d=e#f\ng\r\th'i<j>%k+l m\xc3\xa9\xe2\x82\xac"
                           "\\u0041\x01/?[1,2]";

/* Decode %XX (and '+' as space when form is set) into a fresh string. */
static char *pct_decode(const char *s, size_t n, int form)
{
    char *o = malloc(n + 1), *w = o;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n + 1) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            *w++ = (char)strtol(h, NULL, 16);
            i += 2;
        } else if (form && s[i] == '+') {
            *w++ = ' ';
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return o;
}

/* Value of query parameter `name` in url, decoded; NULL when absent. */
static char *query_arg(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t nl = strlen(name);
    while (q) {
        q++;
        if (!strncmp(q, name, nl) && q[nl] == '=') {
            const char *v = q + nl + 1;
            return pct_decode(v, strcspn(v, "&#"), 1);
        }
        q = strchr(q, '&');
    }
    return NULL;
}

static int count_params(const char *url)
{
    int n = 0;
    for (const char *p = strchr(url, '?'); p; p = strchr(p + 1, '&')) n++;
    return n;
}

/* The decoded text of a JSON string value (escape level 0). */
static char *jstr(pf__jv v)
{
    pf__arena a;
    pf__arena_init(&a, 64);
    size_t off = pf__jv_str(v, &a);
    char *s = off == PF__NOFF ? NULL : strdup(a.buf + off);
    pf__arena_cleanup(&a);
    return s;
}

/* Decode an f.req form body down to the inner request document: returns the
 * inner JSON text (caller frees) and the rpc id in rpc[]. */
static char *inner_of(const char *body, char rpc[16])
{
    CHECK(!strncmp(body, "f.req=", 6));
    CHECK(strchr(body, '&') == NULL); /* one field: nothing leaked out */
    char *outer = pct_decode(body + 6, strlen(body + 6), 1);
    pf__jv root = pf__jv_make(outer, outer + strlen(outer), 0);
    const char *bad = NULL;
    CHECK(pf__json_skip(root, &bad) == outer + strlen(outer));
    pf__jv call = PF__JP(root, 0, 0);
    CHECK(pf__jv_type(call) == PF_J_ARR);
    char *r = jstr(pf__jv_index(call, 0));
    snprintf(rpc, 16, "%s", r ? r : "");
    free(r);
    char *generic = jstr(pf__jv_index(call, 3));
    CHECK_STR(generic, "generic");
    free(generic);
    char *inner = jstr(pf__jv_index(call, 1));
    free(outer);
    CHECK(inner != NULL);
    return inner;
}

TEST(kind_names_and_init)
{
    CHECK_STR(pf_kind_name(PF_KIND_APP), "app");
    CHECK_STR(pf_kind_name(PF_KIND_LIST), "list");
    CHECK_STR(pf_kind_name(PF_KIND_SEARCH), "search");
    CHECK_STR(pf_kind_name(PF_KIND_REVIEWS), "reviews");
    CHECK_STR(pf_kind_name((pf_kind)99), "unknown");
    pf_request r;
    memset(&r, 0x5a, sizeof r);
    pf_request_init(&r, PF_KIND_SEARCH);
    CHECK_INT(r.kind, PF_KIND_SEARCH);
    CHECK(r.query == NULL && r.num == 0 && r.token == NULL);
    pf_request_init(NULL, PF_KIND_APP); /* no-op */
}

TEST(app_url_exact)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = "com.example.app";
    pf_http_request h;
    CHECK_INT(pf__http_build("https://play.google.com/", &r, NULL, 0, NULL, &h),
              PF_OK);
    CHECK_STR(h.url, "https://play.google.com/store/apps/details"
                     "?id=com.example.app&hl=en&gl=us");
    CHECK(h.body == NULL);
    pf_http_request_cleanup(&h);

    r.lang = "pt-BR";
    r.country = "br";
    CHECK_INT(pf__http_build("http://127.0.0.1:9", &r, NULL, 0, NULL, &h), PF_OK);
    CHECK_STR(h.url, "http://127.0.0.1:9/store/apps/details"
                     "?id=com.example.app&hl=pt-BR&gl=br");
    pf_http_request_cleanup(&h);
}

TEST(app_id_hostile_is_one_param)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = nasty;
    r.lang = "en&gl=xx";
    pf_http_request h;
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_OK);
    CHECK_INT(count_params(h.url), 3);
    CHECK(strchr(h.url, '#') == NULL && strchr(h.url, '\n') == NULL &&
          strchr(h.url, ' ') == NULL);
    char *id = query_arg(h.url, "id"), *hl = query_arg(h.url, "hl"),
         *gl = query_arg(h.url, "gl");
    CHECK_STR(id, nasty);
    CHECK_STR(hl, "en&gl=xx");
    CHECK_STR(gl, "us");
    free(id);
    free(hl);
    free(gl);
    pf_http_request_cleanup(&h);
}

TEST(search_url_roundtrip)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_SEARCH);
    r.query = nasty;
    r.price = PF_PRICE_PAID;
    pf_http_request h;
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_OK);
    CHECK(!strncmp(h.url, "http://h/store/search?q=", 24));
    char *q = query_arg(h.url, "q"), *c = query_arg(h.url, "c"),
         *price = query_arg(h.url, "price");
    CHECK_STR(q, nasty);
    CHECK_STR(c, "apps");
    CHECK_STR(price, "2");
    CHECK_INT(count_params(h.url), 5);
    free(q);
    free(c);
    free(price);
    pf_http_request_cleanup(&h);

    r.price = PF_PRICE_ALL;
    r.query = "panda";
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_OK);
    CHECK_STR(h.url, "http://h/store/search?q=panda&c=apps&hl=en&gl=us");
    pf_http_request_cleanup(&h);
}

TEST(reviews_body_roundtrip)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = nasty;
    r.sort = PF_SORT_RATING;
    r.score = 4;
    pf_http_request h;
    const char *token = "CpEBCo4BKmsKCPo\"\\&#\n=end";
    CHECK_INT(pf__http_build("http://h", &r, "UsvDTd", 77, token, &h), PF_OK);
    CHECK(strstr(h.url, "rpcids=UsvDTd") != NULL);
    CHECK(h.body_len == strlen(h.body));
    char rpc[16];
    char *inner = inner_of(h.body, rpc);
    CHECK_STR(rpc, "UsvDTd");
    pf__jv v = pf__jv_make(inner, inner + strlen(inner), 0);
    const char *bad = NULL;
    CHECK(pf__json_skip(v, &bad) == inner + strlen(inner));
    int64_t k = 0;
    CHECK(pf__jv_int(PF__JP(v, 2, 0), &k) && k == 2);
    CHECK(pf__jv_int(PF__JP(v, 2, 1), &k) && k == PF_SORT_RATING);
    CHECK(pf__jv_int(PF__JP(v, 2, 2, 0), &k) && k == 77);
    CHECK(pf__jv_int(PF__JP(v, 2, 4, 1), &k) && k == 4);
    char *tok = jstr(PF__JP(v, 2, 2, 2));
    char *id = jstr(PF__JP(v, 3, 0));
    CHECK_STR(tok, token);
    CHECK_STR(id, nasty);
    CHECK(pf__jv_int(PF__JP(v, 3, 1), &k) && k == 7);
    free(tok);
    free(id);
    free(inner);
    pf_http_request_cleanup(&h);

    /* First page: null token, no score filter, newest by default. */
    r.app_id = "com.x";
    r.sort = 0;
    r.score = 0;
    CHECK_INT(pf__http_build("http://h", &r, "oCPfdb", 150, NULL, &h), PF_OK);
    inner = inner_of(h.body, rpc);
    CHECK_STR(rpc, "oCPfdb");
    CHECK_STR(inner, "[null,null,[2,2,[150,null,null],null,[]],[\"com.x\",7]]");
    free(inner);
    pf_http_request_cleanup(&h);
}

TEST(list_body_roundtrip)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_LIST);
    r.category = "GAME\",\"x";
    r.collection = "TOP_PAID";
    r.num = 42;
    pf_http_request h;
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_OK);
    CHECK(strstr(h.url, "rpcids=vyAe2") != NULL);
    CHECK(strstr(h.url, "&hl=en&gl=us") != NULL);
    char rpc[16];
    char *inner = inner_of(h.body, rpc);
    CHECK_STR(rpc, "vyAe2");
    pf__jv v = pf__jv_make(inner, inner + strlen(inner), 0);
    const char *bad = NULL;
    CHECK(pf__json_skip(v, &bad) == inner + strlen(inner));
    int64_t k = 0;
    CHECK(pf__jv_int(PF__JP(v, 0, 1, 0, 1, 1), &k) && k == 42);
    /* 8 item types x 30 surfaces, as the web client asks. */
    CHECK_INT(pf__jv_children(PF__JP(v, 0, 1, 4, 3, 0), NULL, 0), 240);
    char *coll = jstr(PF__JP(v, 0, 2, 1)), *cat = jstr(PF__JP(v, 0, 2, 2));
    CHECK_STR(coll, "topselling_paid");
    CHECK_STR(cat, "GAME\",\"x");
    CHECK(pf__jv_int(PF__JP(v, 0, 2, 0), &k) && k == 2);
    CHECK_INT(pf__jv_children(PF__JP(v, 0, 2), NULL, 0), 3);
    free(coll);
    free(cat);
    free(inner);
    pf_http_request_cleanup(&h);

    /* Defaults: all apps, top free, 100. */
    pf_request_init(&r, PF_KIND_LIST);
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_OK);
    inner = inner_of(h.body, rpc);
    CHECK(strstr(inner, "[2,\"topselling_free\",\"APPLICATION\"]") != NULL);
    CHECK(strstr(inner, "[8,[20,100]]") != NULL);
    free(inner);
    pf_http_request_cleanup(&h);
}

TEST(invalid_requests)
{
    pf_request r;
    pf_http_request h;
    pf_request_init(&r, PF_KIND_APP);
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_EINVAL);
    CHECK(h.url == NULL && h.body == NULL);
    r.app_id = "";
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_EINVAL);
    pf_request_init(&r, PF_KIND_SEARCH);
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_EINVAL);
    r.query = "x";
    r.price = (pf_price)7;
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_EINVAL);
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = "a";
    r.score = 6;
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_EINVAL);
    r.score = 0;
    r.sort = (pf_sort)9;
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_EINVAL);
    pf_request_init(&r, (pf_kind)17);
    CHECK_INT(pf__http_build("http://h", &r, NULL, 0, NULL, &h), PF_EINVAL);
}

TEST(public_builder)
{
    /* pf_request_build is the engine's builder for one page, with the
     * base URL resolved as the client resolves it. */
    pf_request r;
    pf_http_request h;
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = "a.b";
    r.token = "TOK";
    r.num = 40;
    unsetenv("PLAYFAST_BASE_URL");
    CHECK_INT(pf_request_build(&r, NULL, &h, NULL), PF_OK);
    const char *want = "https://play.google.com/_/PlayStoreUi/data/batchexecute?"
                       "rpcids=UsvDTd&";
    CHECK(!strncmp(h.url, want, strlen(want)));
    char rpc[16];
    char *inner = inner_of(h.body, rpc);
    CHECK(strstr(inner, "[40,null,\"TOK\"]") != NULL);
    free(inner);
    pf_http_request_cleanup(&h);

    r.num = 0;   /* 0, or more than a page: one full page */
    r.token = NULL;
    setenv("PLAYFAST_BASE_URL", "http://127.0.0.1:9", 1);
    CHECK_INT(pf_request_build(&r, NULL, &h, NULL), PF_OK);
    want = "http://127.0.0.1:9/_/";
    CHECK(!strncmp(h.url, want, strlen(want)));
    inner = inner_of(h.body, rpc);
    CHECK(strstr(inner, "[150,null,null]") != NULL);
    free(inner);
    pf_http_request_cleanup(&h);
    unsetenv("PLAYFAST_BASE_URL");

    pf_request_init(&r, PF_KIND_APP);
    r.app_id = "x.y";
    CHECK_INT(pf_request_build(&r, "http://h", &h, NULL), PF_OK);
    CHECK_STR(h.url, "http://h/store/apps/details?id=x.y&hl=en&gl=us");
    CHECK(h.body == NULL && h.body_len == 0);
    pf_http_request_cleanup(&h);

    r.app_id = NULL;
    pf_error err;
    CHECK_INT(pf_request_build(&r, "http://h", &h, &err), PF_EINVAL);
    CHECK(h.url == NULL && h.body == NULL);
    CHECK_INT(err.code, PF_EINVAL);
    CHECK(strncmp(err.message, "app_id: missing", 15) == 0);   /* names the field */
    CHECK_INT(pf_request_build(NULL, "http://h", &h, &err), PF_EINVAL);
    CHECK_INT(pf_request_build(&r, "http://h", NULL, NULL), PF_EINVAL);
    pf_http_request_cleanup(NULL);
}

TEST(buf_cap_is_an_error)
{
    pf__buf b;
    pf__buf_init(&b, 16);
    pf__buf_str(&b, "0123456789");
    CHECK(!b.failed);
    pf__buf_str(&b, "0123456789");
    CHECK(b.failed);
    CHECK(pf__buf_take(&b, NULL) == NULL);
    /* After take (or cleanup) the buffer is empty and usable again. */
    CHECK(!b.failed);
    pf__buf_str(&b, "ok");
    size_t len = 0;
    char *t = pf__buf_take(&b, &len);
    CHECK_STR(t, "ok");
    CHECK_INT(len, 2);
    free(t);
}

TEST(buf_take_and_fmt)
{
    /* The CLI's output buffer: no cap, formats of any length, and an empty
     * buffer hands over "" rather than NULL. */
    pf__buf b;
    pf__buf_init(&b, SIZE_MAX);
    size_t len = 7;
    char *t = pf__buf_take(&b, &len);
    CHECK(t != NULL && t[0] == '\0' && len == 0);
    free(t);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pf__buf_fmt(&b, "<%s|%d>", big, 42);
    pf__buf_putc(&b, '!');
    t = pf__buf_take(&b, &len);
    CHECK_INT(len, 299 + 6);
    CHECK(t[0] == '<' && t[300] == '|' && strcmp(t + 301, "42>!") == 0);
    free(t);
}

/* ---- merge ------------------------------------------------------------- */

static pf_reviews *fixture_reviews(void)
{
    size_t len;
    char *buf = test_fixture("reviews_UsvDTd_com.google.android.apps.translate_"
                             "newest_count150_page1_en_us_2026-07.txt.gz", &len);
    pf_reviews *r = NULL;
    pf_error err;
    CHECK_INT(pf_parse_reviews(buf, len, &r, &err), PF_OK);
    free(buf);
    return r;
}

TEST(merge_dedupes_and_caps)
{
    pf_reviews *p = fixture_reviews();
    if (!p) return;
    CHECK_INT(p->count, 150);
    pf_reviews *pages[2] = {p, p};
    pf_reviews *m = pf__reviews_merge(pages, 2, -1, "tok\"en");
    CHECK(m != NULL);
    CHECK_INT(m->count, 150); /* the second copy is all duplicates */
    CHECK_STR(m->next_token, "tok\"en");
    for (size_t i = 0; i < m->count; i++) {
        CHECK_STR(m->items[i].review_id, p->items[i].review_id);
        CHECK_STR(m->items[i].content, p->items[i].content);
        CHECK_INT(m->items[i].score, p->items[i].score);
        CHECK_INT(m->items[i].created_at, p->items[i].created_at);
        CHECK(m->items[i].review_id != p->items[i].review_id); /* copied */
    }
    pf_reviews_free(m);

    m = pf__reviews_merge(pages, 2, 10, NULL);
    CHECK_INT(m->count, 10);
    CHECK(m->next_token == NULL);
    CHECK_STR(m->items[9].user_name, p->items[9].user_name);
    pf_reviews_free(m);

    m = pf__reviews_merge(pages, 0, -1, NULL);
    CHECK(m != NULL && m->count == 0 && m->items == NULL);
    pf_reviews_free(m);
    pf_reviews_free(p);
}

TEST_MAIN()
