/*
 * test-page.c -- locating embedded data (src/core/page.c) in real pages.
 */
#include "harness.h"
#include "page.h"

static const pf__block *by_ds(const pf__block *b, int n, int ds)
{
    for (int i = 0; i < n; i++)
        if (b[i].ds == ds) return &b[i];
    return NULL;
}

TEST(blocks_of_2026_app_page)
{
    size_t len;
    char *buf = test_fixture(
        "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz", &len);
    pf__block b[64];
    int n = (int)pf__page_blocks(buf, len, b, 64);
    CHECK_INT(n, 13);
    const pf__block *app = by_ds(b, n, 5);
    CHECK(app != NULL);
    if (app == NULL) return;
    CHECK_STR(app->rpc, "Ws7gDc");
    const pf__block *reviews = by_ds(b, n, 10), *rating = by_ds(b, n, 9);
    CHECK(reviews != NULL && !strcmp(reviews->rpc, "oCPfdb"));
    CHECK(rating != NULL && !strcmp(rating->rpc, "Ws7gDc"));
    /* the block's data is valid JSON of the recorded size */
    const char *e = pf__json_skip(app->data, NULL);
    CHECK(e != NULL);
    CHECK_INT(e - app->data.p, 14499);
    /* data[1][2][0][0] is the title */
    pf__arena a;
    pf__arena_init(&a, 64);
    size_t off = pf__jv_str(PF__JP(app->data, 1, 2, 0, 0), &a);
    CHECK(off != PF__NOFF);
    if (off != PF__NOFF) CHECK_STR((char *)pf__arena_at(&a, off), "Google Translate");
    pf__arena_cleanup(&a);
    /* the request from the map names the app */
    CHECK(pf__jv_streq(PF__JP(app->request, 5, 0, 0), "com.google.android.apps.translate"));
    /* blocks are handed out in page order */
    for (int i = 1; i < n; i++) CHECK(b[i - 1].data.p < b[i].data.p);
    free(buf);
}

TEST(blocks_of_2022_app_page_use_ds4)
{
    size_t len;
    char *buf = test_fixture(
        "app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz", &len);
    pf__block b[64];
    int n = (int)pf__page_blocks(buf, len, b, 64);
    CHECK(n > 5);
    const pf__block *app = by_ds(b, n, 4);
    CHECK(app != NULL && !strcmp(app->rpc, "Ws7gDc"));
    free(buf);
}

TEST(cap_limits_what_is_stored)
{
    size_t len;
    char *buf = test_fixture(
        "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz", &len);
    pf__block b[3];
    CHECK_INT(pf__page_blocks(buf, len, b, 3), 13);
    CHECK_INT(b[0].ds, 0);
    CHECK_STR(b[0].rpc, "T6C6Se");
    free(buf);
}

TEST(batchexecute_rtc_framing)
{
    size_t len;
    char *buf = test_fixture(
        "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz", &len);
    CHECK(pf__is_batchexecute(buf, len));
    pf__jv pl;
    pf_error err;
    CHECK_INT(pf__be_payload(buf, len, "vyAe2", &pl, &err), PF_OK);
    CHECK(pl.esc == 1);
    CHECK(pf__jv_type(pl) == PF_J_ARR);
    /* the whole payload validates at level 1 and ends at the frame's quote */
    const char *e = pf__json_skip(pl, NULL);
    CHECK(e != NULL && *e == '"');
    CHECK_INT(pf__be_payload(buf, len, "UsvDTd", &pl, &err), PF_EUNSUPPORTED);
    free(buf);
}

TEST(batchexecute_plain_framing)
{
    size_t len;
    char *buf = test_fixture(
        "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz",
        &len);
    pf__jv pl;
    CHECK_INT(pf__be_payload(buf, len, NULL, &pl, NULL), PF_OK);
    pf__jv kids[4];
    CHECK_INT(pf__jv_children(pf__jv_index(pl, 0), kids, 4), 150);
    CHECK(pf__jv_streq(PF__JP(pl, 0, 0, 0), "017452fc-0d4b-471d-b406-bcf0f52387a7"));
    free(buf);
}

TEST(batchexecute_errors)
{
    pf__jv pl;
    pf_error err;
    const char *s;
    s = "[[\"wrb.fr\",\"x\",\"[]\"]]";
    CHECK_INT(pf__be_payload(s, strlen(s), NULL, &pl, &err), PF_EMALFORMED);
    CHECK_INT(err.offset, 0);
    /* A null payload is "nothing to return"... */
    s = ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",null,null,null,null,\"generic\"]]";
    CHECK_INT(pf__be_payload(s, strlen(s), "vyAe2", &pl, &err), PF_OK);
    CHECK(!pf__jv_ok(pl));
    s = ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",\"null\",null,null,null,\"generic\"]]";
    CHECK_INT(pf__be_payload(s, strlen(s), "vyAe2", &pl, &err), PF_OK);
    CHECK(!pf__jv_ok(pl));
    /* ...unless a status follows it, which makes it an error. */
    s = ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",null,null,null,[5],\"generic\"]]";
    CHECK_INT(pf__be_payload(s, strlen(s), "vyAe2", &pl, &err), PF_ENOTFOUND);
    CHECK(strstr(err.message, "status 5") != NULL);
    s = ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",\"\",null,null,null,\"generic\"]]";
    CHECK_INT(pf__be_payload(s, strlen(s), "vyAe2", &pl, &err), PF_ENOTFOUND);
    s = ")]}'\n\n[[\"er\",null,null,null,null,400]]";
    CHECK_INT(pf__be_payload(s, strlen(s), "vyAe2", &pl, &err), PF_EHTTP);
    s = ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",\"[1]\"],[\"di\",1";
    const char *g = test_guarded(s, strlen(s));
    /* the payload is found before the broken trailer is reached */
    CHECK_INT(pf__be_payload(g, strlen(s), "vyAe2", &pl, &err), PF_OK);
    s = ")]}'\n\n[[\"di\",1],[\"wrb.fr\",\"vyAe2\",\"[1";
    g = test_guarded(s, strlen(s));
    CHECK_INT(pf__be_payload(g, strlen(s), "zzz", &pl, &err), PF_EMALFORMED);
    CHECK_INT(err.offset, strlen(s));
    s = ")]}'\n12\nxyz";
    CHECK_INT(pf__be_payload(s, strlen(s), NULL, &pl, &err), PF_EMALFORMED);
    CHECK_INT(err.offset, 8);   /* the x */
}

TEST(classify)
{
    size_t len;
    pf_error err;
    char *buf = test_fixture("datasafety_notfound_404_2026-07.html.gz", &len);
    CHECK_INT(pf__page_classify(buf, len, &err), PF_ENOTFOUND);
    free(buf);
    buf = test_fixture(
        "app_details_com.moonwink.treasury_en_US_2021-11_oldlayout.html.gz", &len);
    CHECK_INT(pf__page_classify(buf, len, &err), PF_EUNSUPPORTED);
    free(buf);
    CHECK_INT(pf__page_classify("\x01\x02garbage", 9, &err), PF_EMALFORMED);
    CHECK_INT(pf__page_classify("", 0, &err), PF_EMALFORMED);
    /* NULL with length 0 is empty input, not a crash (regression) */
    CHECK_INT(pf__page_classify(NULL, 0, &err), PF_EMALFORMED);
    CHECK_INT(pf__page_blocks(NULL, 0, NULL, 0), 0);
    pf__jv pl;
    CHECK_INT(pf__be_payload(NULL, 0, NULL, &pl, &err), PF_EMALFORMED);
    CHECK(!pf__is_batchexecute(NULL, 0));
    CHECK_INT(pf__page_classify("<html><body>Service unavailable</body></html>", 45,
                                &err), PF_EUNSUPPORTED);
    /* a page cut short is malformed, at its end */
    CHECK_INT(pf__page_classify("<html><body>Service unav", 24, &err), PF_EMALFORMED);
    CHECK_INT(err.offset, 24);
    CHECK_INT(pf__page_classify("<HTML><body></body></HTML>\n", 27, &err), PF_EUNSUPPORTED);
    CHECK_STR(pf_code_name(PF_ENOTFOUND), "not_found");
    CHECK_STR(pf_code_name(PF_EUNSUPPORTED), "unsupported_layout");
    CHECK_STR(pf_code_name(PF_EMALFORMED), "malformed");
    CHECK_STR(pf_code_name((pf_code)999), "unknown");
    CHECK(strlen(pf_strerror(PF_ERATELIMIT)) > 0);
}

TEST(truncated_pages_never_overread)
{
    size_t len;
    char *buf = test_fixture(
        "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz", &len);
    pf__block b[64];
    /* cut inside the map, inside blocks, and at their edges */
    size_t cuts[] = {0, 1, 930900, 931300, 1083760, 1102850, 1102897, 1110000,
                     1117400, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        const char *g = test_guarded(buf, cuts[i]);
        int n = (int)pf__page_blocks(g, cuts[i], b, 64);
        for (int k = 0; k < n && k < 64; k++) {
            CHECK(b[k].data.end <= g + cuts[i]);
            (void)pf__json_skip(b[k].data, NULL);
        }
    }
    free(buf);
}

/* The one locator of the parsers: every block of the rpcs in page order,
 * the capacity respected, the page classified when there is none, and in a
 * batchexecute response the second rpc tried only when the first has no
 * frame at all. */
TEST(page_find_by_rpc_in_both_containers)
{
    size_t len;
    char *buf = test_fixture(
        "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz", &len);
    static const char *const app[] = {"Ws7gDc", NULL};
    static const char *const two[] = {"nope", "oCPfdb", NULL};
    static const char *const none[] = {"nope", NULL};
    pf__jv v[4];
    pf_error err;
    size_t n = 4;
    CHECK_INT(pf__page_find(buf, len, app, v, &n, &err), PF_OK);
    CHECK_INT(n, 2);                       /* ds:5 (the app), ds:9 (ratings) */
    CHECK(n == 2 && v[0].p < v[1].p);
    n = 1;
    CHECK_INT(pf__page_find(buf, len, app, v, &n, &err), PF_OK);
    CHECK_INT(n, 1);
    n = 4;
    CHECK_INT(pf__page_find(buf, len, two, v, &n, &err), PF_OK);
    CHECK_INT(n, 1);
    n = 4;
    CHECK_INT(pf__page_find(buf, len, none, v, &n, &err), PF_EUNSUPPORTED);
    CHECK_INT(n, 0);
    CHECK(strstr(err.message, "unsupported layout") != NULL);
    free(buf);

    const char *be = ")]}'\n[[\"wrb.fr\",\"oCPfdb\",\"[1]\"]]";
    static const char *const rv[] = {"UsvDTd", "oCPfdb", NULL};
    n = 4;
    CHECK_INT(pf__page_find(be, strlen(be), rv, v, &n, &err), PF_OK);
    CHECK_INT(n, 1);
    CHECK_INT(pf__jv_type(v[0]), PF_J_ARR);
    /* an error frame for the first rpc is its answer: no second try */
    const char *er = ")]}'\n[[\"wrb.fr\",\"UsvDTd\",null,null,null,[3]]]";
    n = 4;
    CHECK_INT(pf__page_find(er, strlen(er), rv, v, &n, &err), PF_ENOTFOUND);
    CHECK_INT(n, 0);
}

/* The opening check resets the caller's error, so a parse that succeeds
 * never leaves an earlier failure behind, and every parser makes it. */
TEST(every_parser_opens_with_the_same_checks)
{
    pf_error err;
    pf_app *app;
    pf_list *list;
    pf_reviews *rv;
    memset(&err, 0x55, sizeof err);
    CHECK_INT(pf_parse_app(NULL, 3, NULL, &app, &err), PF_EINVAL);
    CHECK_INT(err.http_status, 0);
    CHECK_INT(err.attempts, 0);
    CHECK_INT(pf_parse_list(NULL, 3, &list, &err), PF_EINVAL);
    CHECK_INT(pf_parse_search(NULL, 3, &list, &err), PF_EINVAL);
    CHECK_INT(pf_parse_reviews(NULL, 3, &rv, &err), PF_EINVAL);
    CHECK_INT(pf_parse_app("x", 1, NULL, NULL, &err), PF_EINVAL);
    CHECK_INT(pf_parse_app("", 0, NULL, &app, &err), PF_EMALFORMED);
    CHECK_INT(err.offset, 0);
    CHECK_STR(err.message, "empty input");
    CHECK_INT(pf_parse_reviews(NULL, 0, &rv, &err), PF_EMALFORMED);
    CHECK_STR(err.message, "empty input");
    memset(&err, 0x55, sizeof err);
    const char *be = ")]}'\n[[\"wrb.fr\",\"UsvDTd\",\"[[],null]\"]]";
    CHECK_INT(pf_parse_reviews(be, strlen(be), &rv, &err), PF_OK);
    CHECK_INT(err.code, PF_OK);
    CHECK_INT(err.http_status, 0);
    CHECK(err.offset == PF_NO_OFFSET);
    CHECK_STR(err.message, "");
    pf_reviews_free(rv);
}

TEST_MAIN()
