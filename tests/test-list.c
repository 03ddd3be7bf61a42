/*
 * test-list.c -- pf_parse_list on a recorded top chart (rpc vyAe2, rt=c
 * framing), and its error kinds.
 */
#include "harness.h"
#include "playfast.h"

#define CHART "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz"

/* An exact-size copy, so that ASan sees any read past the input. */
static char *exact_copy(const char *buf, size_t len)
{
    char *c = malloc(len ? len : 1);
    memcpy(c, buf, len);
    return c;
}

TEST(chart_first_and_last)
{
    size_t len;
    char *buf = test_fixture(CHART, &len);
    pf_list *l = NULL;
    pf_error err;
    CHECK_INT(pf_parse_list(buf, len, &l, &err), PF_OK);
    CHECK(l != NULL);
    CHECK_INT(l->count, 100);

    pf_item *a = &l->items[0];
    CHECK_STR(a->app_id, "com.oakever.meowdoku");
    CHECK_STR(a->url,
              "https://play.google.com/store/apps/details?id=com.oakever.meowdoku");
    CHECK_STR(a->title, "Meowdoku: Brain Puzzle Games");
    CHECK_STR(a->developer, "Oakever Games");
    CHECK(a->developer_id == NULL); /* a chart card names no developer id */
    CHECK_STR(a->icon, "https://play-lh.googleusercontent.com/1vD3Jl37OTth18x__"
                       "EkbpMZRAmDlGB5mlqKvveWumothf52-1HZXhAy5HGkGLzW_HYoz-rj2q0"
                       "HBaxu5_8kyVQ");
    CHECK_NUM(a->score, 4.6152463, 1e-9);
    CHECK_STR(a->score_text, "4.6");
    CHECK_NUM(a->price, 0, 0);
    CHECK_INT(a->free, 1);
    CHECK_STR(a->currency, "USD");
    CHECK(a->price_text == NULL); /* Play sends "" for free apps */
    CHECK_STR(a->genre, "Puzzle");
    CHECK_STR(a->installs, "5,000,000+");
    CHECK_INT(a->min_installs, 5000000);
    /* The summary is the card's description as plain text: <br> became a
     * newline and &quot; a quote. */
    CHECK(a->summary && strncmp(a->summary, "Looking for a game that soothes "
                                "the soul but keeps your brain spinning? "
                                "Welcome to Meowdoku \xe2\x80\x94 a pure", 100) == 0);
    CHECK(a->summary && strstr(a->summary, "Minesweeper.\nHere, you have") != NULL);
    CHECK(a->summary && strstr(a->summary, "perfect \"exclusive territory\"") != NULL);
    CHECK(a->summary && strstr(a->summary, "<br>") == NULL);

    CHECK_STR(l->items[1].app_id, "com.moonactive.holestars");
    CHECK_STR(l->items[1].title, "Hole Stars: Puzzle Game");
    CHECK_NUM(l->items[1].score, 4.8056793, 1e-9);
    CHECK_INT(l->items[1].min_installs, 1000000);

    pf_item *z = &l->items[99];
    CHECK_STR(z->app_id, "com.media720.games2020");
    CHECK_STR(z->title, "Offline Games No WiFi internet");
    CHECK_STR(z->developer, "Fun Offline Games");
    CHECK_NUM(z->score, 4.5776186, 1e-9);
    CHECK_STR(z->score_text, "4.6");
    CHECK_STR(z->genre, "Casual");
    CHECK_STR(z->installs, "100,000,000+");
    CHECK_INT(z->min_installs, 100000000);

    /* Every entry is complete and distinct. */
    for (size_t i = 0; i < l->count; i++) {
        CHECK(l->items[i].app_id && l->items[i].title && l->items[i].icon);
        CHECK(l->items[i].url && strstr(l->items[i].url, l->items[i].app_id));
        CHECK_INT(l->items[i].free, 1);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(l->items[i].app_id, l->items[j].app_id) != 0);
    }
    pf_list_free(l);
    free(buf);
}

/* The result is one block: freeing it frees every string (ASan/LSan check
 * this); pf_list_free(NULL) is a no-op. */
TEST(chart_free_null)
{
    pf_list_free(NULL);
}

/* A cut anywhere inside the card array must fail, never yield the cards
 * before the cut; a cut after it may succeed, but only with the full chart. */
TEST(chart_truncated_everywhere)
{
    size_t len;
    char *buf = test_fixture(CHART, &len);
    const char *last = memmem(buf, len, "com.media720.games2020", 22);
    CHECK(last != NULL);
    size_t last_card = (size_t)(last - buf);
    size_t cuts = 0, errors = 0;
    for (size_t cut = 0; cut < len; cut += (cut < 2000 ? 37 : 4093)) {
        char *c = exact_copy(buf, cut);
        pf_list *l = (pf_list *)1;
        pf_error err;
        pf_code rc = pf_parse_list(c, cut, &l, &err);
        cuts++;
        if (rc == PF_OK) {
            CHECK(cut > last_card);
            CHECK_INT(l->count, 100);
            pf_list_free(l);
        } else {
            errors++;
            CHECK(l == NULL);
            CHECK(rc == PF_EMALFORMED || rc == PF_ENOTFOUND ||
                  rc == PF_EUNSUPPORTED);
            if (cut > 200 && cut <= last_card) CHECK_INT(rc, PF_EMALFORMED);
        }
        free(c);
    }
    CHECK(cuts > 200);
    CHECK(errors + 5 >= cuts);
    free(buf);
}

/* A damaged byte inside a card is malformed JSON, reported with its offset. */
TEST(chart_corrupted_card)
{
    size_t len;
    char *buf = test_fixture(CHART, &len);
    char *p = memmem(buf, len, "Hole Stars: Puzzle Game", 23);
    CHECK(p != NULL);
    /* The title's closing \" becomes \x: an invalid escape at level 1. */
    p[23 + 1] = 'x';
    pf_list *l = NULL;
    pf_error err;
    CHECK_INT(pf_parse_list(buf, len, &l, &err), PF_EMALFORMED);
    CHECK(l == NULL);
    CHECK(err.offset != PF_NO_OFFSET && err.offset >= (size_t)(p - buf) &&
          err.offset < (size_t)(p - buf) + 64);
    free(buf);
}

/* Google answers an empty chart with a null payload: an empty list. */
TEST(chart_null_payload_is_empty)
{
    static const char body[] =
        ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",null,null,null,\"generic\"],"
        "[\"di\",41],[\"af.httprm\",41,\"-5349371946016434830\",2]]";
    pf_list *l = NULL;
    CHECK_INT(pf_parse_list(body, sizeof body - 1, &l, NULL), PF_OK);
    CHECK(l != NULL && l->count == 0 && l->items == NULL);
    pf_list_free(l);

    /* With a status after the null payload it is an error, not "empty". */
    static const char failed[] =
        ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",null,null,null,[3],\"generic\"]]";
    l = (pf_list *)1;
    CHECK(pf_parse_list(failed, sizeof failed - 1, &l, NULL) != PF_OK);
    CHECK(l == NULL);
}

TEST(chart_error_kinds)
{
    pf_list *l = (pf_list *)1;
    pf_error err;

    size_t len;
    char *buf = test_fixture("datasafety_notfound_404_2026-07.html.gz", &len);
    CHECK_INT(pf_parse_list(buf, len, &l, &err), PF_ENOTFOUND);
    CHECK(l == NULL);
    CHECK_INT(err.code, PF_ENOTFOUND);
    free(buf);

    /* An HTML page is not a chart response. */
    buf = test_fixture("app_details_com.moonwink.treasury_en_US_2021-11_oldlayout"
                       ".html.gz", &len);
    CHECK_INT(pf_parse_list(buf, len, &l, &err), PF_EUNSUPPORTED);
    free(buf);

    /* A batchexecute answer for another rpc. */
    buf = test_fixture("permissions_xdSrCf_com.google.android.apps.translate_"
                       "en_us_2026-07.txt.gz", &len);
    CHECK_INT(pf_parse_list(buf, len, &l, &err), PF_EUNSUPPORTED);
    free(buf);

    CHECK_INT(pf_parse_list("", 0, &l, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_list(NULL, 0, &l, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_list(")]}'", 4, &l, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_list(NULL, 5, &l, &err), PF_EINVAL);
    CHECK_INT(pf_parse_list("x", 1, NULL, &err), PF_EINVAL);

    /* Random bytes, with and without the batchexecute prefix. */
    char *rnd = test_random_bytes(65536, 12345);
    CHECK_INT(pf_parse_list(rnd, 65536, &l, &err), PF_EMALFORMED);
    memcpy(rnd, ")]}'\n", 5);
    CHECK_INT(pf_parse_list(rnd, 65536, &l, &err), PF_EMALFORMED);
    CHECK(l == NULL);
    free(rnd);
}

TEST_MAIN()
