/*
 * test-search.c -- pf_parse_search on recorded search pages (2026 and 2022
 * HTML) and a 2022 lGYRle batchexecute answer, and its error kinds.
 */
#include "harness.h"
#include "playfast.h"

#define PANDA "search_panda_en_us_price0_2026-07.html.gz"
#define UNICORNS "search_unicorns_en_us_price1_rating1_2022-08.html.gz"
#define BATCH "search_batch_lGYRle_gps_fr_2022-08.txt.gz"

static char *exact_copy(const char *buf, size_t len)
{
    char *c = malloc(len ? len : 1);
    memcpy(c, buf, len);
    return c;
}

static pf_list *parse_ok(const char *fixture, size_t expect)
{
    size_t len;
    char *buf = test_fixture(fixture, &len);
    /* Parse from an exact-size copy so that ASan sees any over-read. */
    char *c = exact_copy(buf, len);
    free(buf);
    pf_list *l = NULL;
    pf_error err;
    pf_code rc = pf_parse_search(c, len, &l, &err);
    CHECK_INT(rc, PF_OK);
    if (rc != PF_OK) {
        fprintf(stderr, "  %s: %s\n", fixture, err.message);
        exit(1);
    }
    CHECK_INT(l->count, expect);
    free(c); /* the result owns its strings: the input may go */
    return l;
}

static void check_distinct(const pf_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        CHECK(l->items[i].app_id && l->items[i].title && l->items[i].url);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(l->items[i].app_id, l->items[j].app_id) != 0);
    }
}

/* 2026 page: the "exact match" card for Panda Express is item 0, read
 * from its app-details record, then the 19 results. */
TEST(panda_2026_exact_match_first)
{
    pf_list *l = parse_ok(PANDA, 20);
    pf_item *a = &l->items[0];
    CHECK_STR(a->app_id, "com.pandaexpress.app");
    CHECK_STR(a->url,
              "https://play.google.com/store/apps/details?id=com.pandaexpress.app");
    CHECK_STR(a->title, "Panda Express");
    CHECK_STR(a->developer, "Panda Restaurant Group, Inc.");
    /* From /store/apps/developer?id=Panda+Restaurant+Group,+Inc. */
    CHECK_STR(a->developer_id, "Panda Restaurant Group, Inc.");
    CHECK_STR(a->icon, "https://play-lh.googleusercontent.com/zAsMei2ck_WjsjJOq"
                       "t7nGY6if-_0KByzcaEna1SJm0hgxp0duqq-eGonDEKpjnF_eiQdWPKUE"
                       "51qDolkvYP7qw");
    CHECK_NUM(a->score, 4.596675, 1e-9);
    CHECK_STR(a->score_text, "4.6");
    CHECK_NUM(a->price, 0, 0);
    CHECK_INT(a->free, 1);
    CHECK_STR(a->currency, "USD");
    CHECK_STR(a->summary,
              "Good Fortune Awaits with Panda Rewards and the Panda Express\xc2\xae App.");
    CHECK_STR(a->genre, "Food & Drink");
    CHECK_STR(a->installs, "5,000,000+");
    CHECK_INT(a->min_installs, 5000000);

    pf_item *b = &l->items[1];
    CHECK_STR(b->app_id, "com.sinyee.babybus.restaurant");
    CHECK_STR(b->title, "Little Panda's Restaurant");
    CHECK_STR(b->developer, "BabyBus");
    CHECK_NUM(b->score, 4.192623, 1e-9);
    CHECK_STR(b->genre, "Educational");
    CHECK_INT(b->min_installs, 100000000);
    CHECK(b->summary && strncmp(b->summary, "If you are an avid fan of cooking "
                                "games, then Little Panda's Restaurant", 70) == 0);

    /* An unrated app: no score, no score text. */
    CHECK_STR(l->items[4].app_id, "com.hungrypanda.web.merchant");
    CHECK(isnan(l->items[4].score));
    CHECK(l->items[4].score_text == NULL);
    CHECK_STR(l->items[4].installs, "5,000+");

    pf_item *z = &l->items[19];
    CHECK_STR(z->app_id, "com.sinyee.babybus.foodcity");
    CHECK_STR(z->title, "Little Panda's Restaurant Chef");
    CHECK_STR(z->developer, "BabyBus");
    CHECK_NUM(z->score, 3.9, 1e-9);
    check_distinct(l);
    pf_list_free(l);
}

/* When the results list the exact-match app again it is not repeated:
 * the page is edited so that the first result is Panda Express too (the
 * id is padded with JSON whitespace to keep every offset). */
TEST(panda_exact_match_not_duplicated)
{
    size_t len;
    char *buf = test_fixture(PANDA, &len);
    static const char from[] = "[[\"com.sinyee.babybus.restaurant\",7],";
    static const char to[]   = "[[\"com.pandaexpress.app\",7]         ,";
    CHECK(sizeof from == sizeof to);
    char *p = memmem(buf, len, from, sizeof from - 1);
    CHECK(p != NULL);
    memcpy(p, to, sizeof to - 1);
    pf_list *l = NULL;
    CHECK_INT(pf_parse_search(buf, len, &l, NULL), PF_OK);
    CHECK_INT(l->count, 19);
    CHECK_STR(l->items[0].app_id, "com.pandaexpress.app");
    CHECK_STR(l->items[0].title, "Panda Express");
    CHECK_STR(l->items[1].app_id, "com.yq.xmmg.gp");
    check_distinct(l);
    pf_list_free(l);
    free(buf);
}

/* 2022 page (no exact-match card). */
TEST(unicorns_2022)
{
    pf_list *l = parse_ok(UNICORNS, 30);
    pf_item *a = &l->items[0];
    CHECK_STR(a->app_id, "com.tutotoons.app.kpopsiescuteunicornpets");
    CHECK_STR(a->title, "Kpopsies - Hatch Baby Unicorns");
    CHECK_STR(a->developer, "TutoTOONS");
    CHECK_NUM(a->score, 4.1899314, 1e-9);
    CHECK_STR(a->score_text, "4.2");
    CHECK_INT(a->free, 1);
    CHECK_STR(a->genre, "Educational");
    CHECK_STR(a->installs, "10,000,000+");
    CHECK_INT(a->min_installs, 10000000);
    /* "<b>Collect Virtual Pets</b><br><br>Meet Kpopsies" as text */
    CHECK(a->summary && strncmp(a->summary,
                                "Collect Virtual Pets\n\nMeet Kpopsies", 34) == 0);
    pf_item *z = &l->items[29];
    CHECK_STR(z->app_id, "com.iabuzz.Puzzle4KidsUnicorns");
    CHECK_STR(z->title, "Unicorn games for kids");
    CHECK_STR(z->developer, "Abuzz");
    CHECK_NUM(z->score, 4.290323, 1e-9);
    check_distinct(l);
    pf_list_free(l);
}

/* 2022 batchexecute answer, older card layout, French. */
TEST(batch_lgyrle_2022_fr)
{
    pf_list *l = parse_ok(BATCH, 50);
    pf_item *a = &l->items[0];
    CHECK_STR(a->app_id, "com.waze");
    CHECK_STR(a->url, "https://play.google.com/store/apps/details?id=com.waze");
    CHECK_STR(a->title, "Navigation Waze & Trafic Live");
    CHECK_STR(a->developer, "Waze");
    CHECK_STR(a->developer_id, "Waze");
    CHECK_NUM(a->score, 4.373608, 1e-9);
    CHECK_STR(a->score_text, "4,4");
    CHECK_STR(a->summary, "\xc3\x89vitez les surprises avec les mises \xc3\xa0 jour "
                          "imm\xc3\xa9" "diates du trafic et des dangers.");
    CHECK_STR(a->icon, "https://play-lh.googleusercontent.com/r7XL36PVNtnidqy6ik"
                       "RiW1AHEIsjhePrZ8W5M4cNTQy5ViF3-lIDY47hpvxc84kJ7lw");
    /* No offer on this card layout means the install button: free. */
    CHECK_INT(a->free, 1);
    CHECK_NUM(a->price, 0, 0);
    CHECK(a->currency == NULL && a->installs == NULL);
    CHECK_INT(a->min_installs, PF_NULL_INT);

    CHECK_STR(l->items[1].app_id, "com.google.android.apps.maps");
    CHECK_STR(l->items[1].developer, "Google LLC");
    CHECK_STR(l->items[1].developer_id, "5700313618786177705");
    CHECK_NUM(l->items[1].score, 3.9760358, 1e-9);
    /* /store/apps/developer?id=Mappy+S.A. decodes to the name */
    CHECK_STR(l->items[2].app_id, "com.mappy.app");
    CHECK_STR(l->items[2].developer_id, "Mappy S.A.");
    CHECK(isnan(l->items[37].score));

    pf_item *z = &l->items[49];
    CHECK_STR(z->app_id, "tisinadev.activegps");
    CHECK_STR(z->title, "ActiveGPS -  GPS booster");
    CHECK_STR(z->developer, "Anagog");
    CHECK_NUM(z->score, 3.5232558, 1e-9);
    check_distinct(l);
    pf_list_free(l);
}

/* Truncation anywhere before the last result must fail; after it, the
 * parse may succeed, but only with every result. */
static void truncate_everywhere(const char *fixture, const char *last_id,
                                size_t full, size_t step)
{
    size_t len;
    char *buf = test_fixture(fixture, &len);
    const char *last = memmem(buf, len, last_id, strlen(last_id));
    /* The last result's id, in the results array (not in page metadata). */
    const char *q = last;
    while (q && (q = memmem(q + 1, len - (size_t)(q + 1 - buf), last_id,
                            strlen(last_id))) != NULL)
        last = q;
    CHECK(last != NULL);
    size_t n = 0, ok = 0;
    for (size_t cut = 0; cut < len; cut += step) {
        char *c = exact_copy(buf, cut);
        pf_list *l = (pf_list *)1;
        pf_code rc = pf_parse_search(c, cut, &l, NULL);
        n++;
        if (rc == PF_OK) {
            ok++;
            CHECK_INT(l->count, full);
            pf_list_free(l);
        } else {
            CHECK(l == NULL);
            CHECK(rc == PF_EMALFORMED || rc == PF_EUNSUPPORTED ||
                  rc == PF_ENOTFOUND);
        }
        free(c);
    }
    CHECK(n > 100);
    (void)ok;
    free(buf);
}

TEST(panda_truncated_everywhere)
{
    truncate_everywhere(PANDA, "com.sinyee.babybus.foodcity", 20, 4999);
}

TEST(batch_truncated_everywhere)
{
    truncate_everywhere(BATCH, "tisinadev.activegps", 50, 211);
}

/* Cutting the page inside the results block is malformed, not a shorter
 * result list. */
TEST(panda_cut_inside_results)
{
    size_t len;
    char *buf = test_fixture(PANDA, &len);
    /* The last mention is the card in the results block (earlier ones are
     * in other blocks and links). */
    const char *p = NULL, *q = buf;
    while ((q = memmem(q, len - (size_t)(q - buf), "com.sinyee.babybus.shopping",
                       27)) != NULL)
        p = q++;
    CHECK(p != NULL);
    size_t cut = (size_t)(p - buf);
    char *c = exact_copy(buf, cut);
    pf_list *l = (pf_list *)1;
    pf_error err;
    CHECK_INT(pf_parse_search(c, cut, &l, &err), PF_EMALFORMED);
    CHECK(l == NULL);
    free(c);
    free(buf);
}

TEST(search_error_kinds)
{
    pf_list *l = (pf_list *)1;
    pf_error err;
    size_t len;
    char *buf = test_fixture("datasafety_notfound_404_2026-07.html.gz", &len);
    CHECK_INT(pf_parse_search(buf, len, &l, &err), PF_ENOTFOUND);
    CHECK(l == NULL);
    free(buf);

    /* A Play page without a search block (an app page, old or new). */
    buf = test_fixture("app_details_com.moonwink.treasury_en_US_2021-11_oldlayout"
                       ".html.gz", &len);
    CHECK_INT(pf_parse_search(buf, len, &l, &err), PF_EUNSUPPORTED);
    free(buf);
    buf = test_fixture("app_details_com.google.android.apps.translate_en_us_"
                       "2026-07.html.gz", &len);
    CHECK_INT(pf_parse_search(buf, len, &l, &err), PF_EUNSUPPORTED);
    free(buf);
    /* A batchexecute answer of another rpc. */
    buf = test_fixture("suggest_IJ4APc_pand_en_us_2026-07.txt.gz", &len);
    CHECK_INT(pf_parse_search(buf, len, &l, &err), PF_EUNSUPPORTED);
    free(buf);

    CHECK_INT(pf_parse_search("", 0, &l, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_search(NULL, 0, &l, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_search(NULL, 3, &l, &err), PF_EINVAL);

    char *rnd = test_random_bytes(100000, 99);
    CHECK_INT(pf_parse_search(rnd, 100000, &l, &err), PF_EMALFORMED);
    CHECK(l == NULL);
    free(rnd);

    static const char none[] =
        ")]}'\n\n[[\"wrb.fr\",\"lGYRle\",null,null,null,\"generic\"]]";
    CHECK_INT(pf_parse_search(none, sizeof none - 1, &l, &err), PF_OK);
    CHECK(l && l->count == 0);
    pf_list_free(l);
}

TEST_MAIN()
