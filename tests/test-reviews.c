/*
 * test-reviews.c -- pf_parse_reviews on a recorded UsvDTd page (150 reviews
 * and a next token), on app pages embedding reviews (the 2026 oCPfdb block,
 * the 2021 UsvDTd blocks), and its error kinds.
 */
#include "harness.h"
#include "playfast.h"

#define PAGE1 "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_" \
              "page1_en_us_2026-07.txt.gz"
#define TRANSLATE "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"
#define OLDPAGE "app_details_com.moonwink.treasury_en_US_2021-11_oldlayout.html.gz"

static char *exact_copy(const char *buf, size_t len)
{
    char *c = malloc(len ? len : 1);
    memcpy(c, buf, len);
    return c;
}

static const pf_review *find(const pf_reviews *r, const char *id)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->items[i].review_id, id) == 0) return &r->items[i];
    return NULL;
}

TEST(usvdtd_page_of_150)
{
    size_t len;
    char *buf = test_fixture(PAGE1, &len);
    char *c = exact_copy(buf, len);
    free(buf);
    pf_reviews *r = NULL;
    pf_error err;
    CHECK_INT(pf_parse_reviews(c, len, &r, &err), PF_OK);
    free(c); /* the result owns its strings */
    CHECK_INT(r->count, 150);

    const pf_review *a = &r->items[0];
    CHECK_STR(a->review_id, "017452fc-0d4b-471d-b406-bcf0f52387a7");
    CHECK_STR(a->user_name, "Formann Ali");
    /* \u003d in the payload is '=' */
    CHECK_STR(a->user_image, "https://play-lh.googleusercontent.com/a/ACg8ocK7nd"
                             "nq1JJ8qwhe4lMo81toJyWe4AElFFvXBHXoMDzF30jDsQ=mo");
    CHECK_STR(a->content, "niec");
    CHECK_INT(a->score, 5);
    CHECK_INT(a->thumbs_up, 0);
    CHECK_INT(a->created_at, 1783346124); /* 2026-07-06 13:55:24 UTC */
    CHECK(a->reply_content == NULL);
    CHECK_INT(a->reply_at, PF_NULL_INT);
    CHECK(a->app_version == NULL);

    CHECK_STR(r->items[1].review_id, "0ba2f9d7-69f1-4f39-83eb-d9fa3658aeb1");
    CHECK_STR(r->items[1].app_version, "10.24.48.939568180.6-release");

    /* A review with the developer's reply. */
    const pf_review *b = find(r, "5219798f-004e-4171-8477-de05baae134d");
    CHECK(b == &r->items[4]);
    if (b == NULL) exit(1);
    CHECK_STR(b->user_name, "Baran Akbar");
    CHECK_STR(b->content, "what is wrong with this update? I can no longer "
                          "manually select lines in the scanning tool");
    CHECK_INT(b->score, 1);
    CHECK_INT(b->created_at, 1783321366);
    CHECK_STR(b->reply_content, "Hi Baran. We'd like our users to have the best "
                                "possible experience with the Google Translate "
                                "app. We'll share your feedback with our product "
                                "team. Thanks.");
    CHECK_INT(b->reply_at, 1783387213);
    CHECK_STR(b->app_version, "10.24.48.939568180.6-release");

    const pf_review *z = &r->items[149];
    CHECK_STR(z->review_id, "9e7ea7be-3399-43ab-90d7-5287790cee7d");
    CHECK_STR(z->user_name, "Obsidian Fury");
    CHECK_STR(z->content, "very useful especially when you're like me and you "
                          "travel to work and have to do so alongside people of "
                          "different backgrounds.");
    CHECK_INT(z->score, 5);
    CHECK_INT(z->thumbs_up, 1);
    CHECK_INT(z->created_at, 1782828977);
    CHECK_STR(z->app_version, "10.23.29.934758792.2-release");

    /* Counts over the page, and the newest-first order. */
    size_t replies = 0, versions = 0;
    for (size_t i = 0; i < r->count; i++) {
        const pf_review *x = &r->items[i];
        CHECK(x->review_id && x->user_name && x->score >= 1 && x->score <= 5);
        if (i) CHECK(x->created_at <= r->items[i - 1].created_at);
        if (x->reply_content) {
            replies++;
            /* Not >= created_at: a review edited after the reply carries
             * the edit's date. */
            CHECK(x->reply_at != PF_NULL_INT);
        }
        versions += x->app_version != NULL;
    }
    CHECK_INT(replies, 42);
    CHECK_INT(versions, 117);

    CHECK(r->next_token != NULL);
    CHECK_INT(strlen(r->next_token), 292);
    CHECK(strncmp(r->next_token, "CtgBIs8BAU60USdy", 16) == 0);
    CHECK_STR(r->next_token + 292 - 16, "M3A_lFUlKNWLtNIG");
    pf_reviews_free(r);
}

/* The 2026 app page embeds its first reviews as an oCPfdb block (ds:10). */
TEST(app_page_ocpfdb_block)
{
    size_t len;
    char *buf = test_fixture(TRANSLATE, &len);
    pf_reviews *r = NULL;
    pf_error err;
    CHECK_INT(pf_parse_reviews(buf, len, &r, &err), PF_OK);
    CHECK_INT(r->count, 20);
    const pf_review *a = &r->items[0];
    CHECK_STR(a->review_id, "bab28c55-8798-4abf-aff8-3fb36e93701c");
    CHECK_STR(a->user_name, "Phill Bunn");
    CHECK_INT(a->score, 4);
    CHECK_INT(a->thumbs_up, 13);
    CHECK_INT(a->created_at, 1779496069);
    CHECK_STR(a->app_version, "10.15.69.904408896.1-release");
    CHECK(a->content && strncmp(a->content, "Translate is a phenomenal tool for "
                                "traveling abroad.", 51) == 0);
    const pf_review *z = &r->items[19];
    CHECK_STR(z->review_id, "fb00766d-9684-45c8-9e3c-20307e292242");
    CHECK_STR(z->user_name, "Laurel Jones");
    CHECK_INT(z->score, 1);
    CHECK_INT(z->thumbs_up, 2299);
    CHECK_INT(z->created_at, 1711906380);
    CHECK_INT(z->reply_at, 1711956763);
    /* Curly quotes survive decoding as UTF-8. */
    CHECK(z->reply_content &&
          strncmp(z->reply_content, "Hi Laurel. Let\xe2\x80\x99s enable "
                  "\xe2\x80\x9c" "Airplane Mode\xe2\x80\x9d", 41) == 0);
    CHECK(r->next_token && strlen(r->next_token) == 258);
    CHECK(strncmp(r->next_token, "Cr4BIrUBAU60USfu", 16) == 0);
    CHECK_STR(r->next_token + 258 - 16, "9vYjTs-iiuupXSBg");
    pf_reviews_free(r);
    free(buf);
}

/* The 2021 layout had two UsvDTd blocks: an empty one first, then the
 * reviews. The one holding reviews is taken. */
TEST(old_page_usvdtd_blocks)
{
    size_t len;
    char *buf = test_fixture(OLDPAGE, &len);
    pf_reviews *r = NULL;
    CHECK_INT(pf_parse_reviews(buf, len, &r, NULL), PF_OK);
    CHECK_INT(r->count, 3);
    CHECK_STR(r->items[0].review_id,
              "gp:AOqpTOG_lXScYCgRyJ219CtSIVQ-FShtLp9XN_vuLekqxDKoXk1e3US6Vqi-"
              "7qO0xBQkXvDXjDXpOeSFzsQomg");
    CHECK_STR(r->items[0].user_name, "Aleksandar Dyukendzhiev");
    CHECK_STR(r->items[0].content, "The app is dead.");
    CHECK_INT(r->items[0].score, 1);
    CHECK_INT(r->items[0].created_at, 1600939801);
    CHECK(r->next_token == NULL);
    pf_reviews_free(r);
    free(buf);
}

TEST(reviews_truncated_everywhere)
{
    size_t len;
    char *buf = test_fixture(PAGE1, &len);
    const char *tok = memmem(buf, len, "M3A_lFUlKNWLtNIG", 16);
    CHECK(tok != NULL);
    size_t n = 0, ok = 0;
    for (size_t cut = 0; cut < len; cut += 397) {
        char *c = exact_copy(buf, cut);
        pf_reviews *r = (pf_reviews *)1;
        pf_error err;
        pf_code rc = pf_parse_reviews(c, cut, &r, &err);
        n++;
        if (rc == PF_OK) {
            ok++;
            /* Only a cut after the whole payload may succeed, and then
             * with everything. */
            CHECK((size_t)(tok - buf) < cut);
            CHECK_INT(r->count, 150);
            CHECK(r->next_token != NULL);
            pf_reviews_free(r);
        } else {
            CHECK(r == NULL);
            if (cut > 100) CHECK_INT(rc, PF_EMALFORMED);
        }
        free(c);
    }
    CHECK(n > 300);
    CHECK(ok < 3);
    free(buf);
}

TEST(reviews_null_payload_is_last_page)
{
    static const char body[] =
        ")]}'\n\n[[\"wrb.fr\",\"UsvDTd\",null,null,null,\"generic\"],"
        "[\"di\",17],[\"af.httprm\",16,\"-3473423794632178532\",8]]";
    pf_reviews *r = NULL;
    CHECK_INT(pf_parse_reviews(body, sizeof body - 1, &r, NULL), PF_OK);
    CHECK(r && r->count == 0 && r->items == NULL && r->next_token == NULL);
    pf_reviews_free(r);
    pf_reviews_free(NULL);
}

TEST(reviews_error_kinds)
{
    pf_reviews *r = (pf_reviews *)1;
    pf_error err;
    size_t len;
    char *buf = test_fixture("datasafety_notfound_404_2026-07.html.gz", &len);
    CHECK_INT(pf_parse_reviews(buf, len, &r, &err), PF_ENOTFOUND);
    CHECK(r == NULL);
    free(buf);

    /* Pages and answers without reviews. */
    buf = test_fixture("search_panda_en_us_price0_2026-07.html.gz", &len);
    CHECK_INT(pf_parse_reviews(buf, len, &r, &err), PF_EUNSUPPORTED);
    free(buf);
    buf = test_fixture("permissions_xdSrCf_com.google.android.apps.translate_"
                       "en_us_2026-07.txt.gz", &len);
    CHECK_INT(pf_parse_reviews(buf, len, &r, &err), PF_EUNSUPPORTED);
    free(buf);

    CHECK_INT(pf_parse_reviews("", 0, &r, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_reviews(NULL, 0, &r, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_reviews(NULL, 1, &r, &err), PF_EINVAL);
    CHECK_INT(pf_parse_reviews("[]", 2, NULL, &err), PF_EINVAL);

    char *rnd = test_random_bytes(50000, 7);
    CHECK_INT(pf_parse_reviews(rnd, 50000, &r, &err), PF_EMALFORMED);
    memcpy(rnd, ")]}'\n[[\"wrb.fr\",\"UsvDTd\",\"[[", 29);
    CHECK(pf_parse_reviews(rnd, 50000, &r, &err) != PF_OK);
    CHECK(r == NULL);
    free(rnd);

    /* A reviews payload that is not [[...], ...] is not ours to guess at. */
    static const char odd[] =
        ")]}'\n\n[[\"wrb.fr\",\"UsvDTd\",\"{\\\"a\\\":1}\",null,null,null,\"generic\"]]";
    CHECK_INT(pf_parse_reviews(odd, sizeof odd - 1, &r, &err), PF_EUNSUPPORTED);
}

/* Regression: an error frame for UsvDTd was reported as "no frame for rpc
 * oCPfdb" (unsupported_layout), and a payload of JSON null as an unknown
 * layout. */
TEST(null_and_error_frames)
{
    pf_reviews *r = NULL;
    pf_error err;
    const char *s = ")]}'\n\n[[\"wrb.fr\",\"UsvDTd\",null,null,null,[3],\"generic\"]]";
    CHECK_INT(pf_parse_reviews(s, strlen(s), &r, &err), PF_ENOTFOUND);
    CHECK(r == NULL);
    CHECK(strstr(err.message, "UsvDTd") != NULL);
    s = ")]}'\n\n[[\"wrb.fr\",\"UsvDTd\",\"null\",null,null,null,\"generic\"]]";
    CHECK_INT(pf_parse_reviews(s, strlen(s), &r, &err), PF_OK);
    CHECK(r != NULL && r->count == 0 && r->next_token == NULL);
    pf_reviews_free(r);
    /* the older rpc still answers when it is the only one */
    s = ")]}'\n\n[[\"wrb.fr\",\"oCPfdb\",\"null\",null,null,null,\"generic\"]]";
    r = NULL;
    CHECK_INT(pf_parse_reviews(s, strlen(s), &r, &err), PF_OK);
    pf_reviews_free(r);
    pf_list *l = NULL;
    s = ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",\"null\",null,null,null,\"generic\"]]";
    CHECK_INT(pf_parse_list(s, strlen(s), &l, &err), PF_OK);
    CHECK(l != NULL && l->count == 0);
    pf_list_free(l);
}

TEST_MAIN()
