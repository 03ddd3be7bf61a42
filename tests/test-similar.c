/*
 * test-similar.c -- the similar-apps link of a details page
 * (pf_parse_similar_url) and the recorded "Similar apps" cluster page of
 * Google Translate (pf_parse_similar).
 */
#include "kinds.h"

#define CLUSTER "similar_cluster_com.google.android.apps.translate_en_us_2026-07.html.gz"

static char *url_of(const char *fixture, pf_code want)
{
    size_t len;
    char *c = exact_fixture(fixture, &len);
    char *path = (char *)1;
    pf_error err;
    CHECK_INT(pf_parse_similar_url(c, len, &path, &err), want);
    if (want != PF_OK) CHECK(path == NULL);
    free(c);
    return path;
}

/* Translate's page lists "More by Google LLC" first: the link, not the
 * position (google-play-scraper takes the first cluster), picks the
 * similar apps. */
TEST(similar_url_skips_the_developer_cluster)
{
    char *p = url_of("app_details_com.google.android.apps.translate_en_us_2026-07.html.gz",
                     PF_OK);
    CHECK_STR(p, "/store/apps/collection/cluster?gsr=SnFqGDcwdUV5SnMwa2xwZWNpSEpwbzRk"
                 "U3c9PcICUQolCiFjb20uZ29vZ2xlLmFuZHJvaWQuYXBwcy50cmFuc2xhdGUQBxgI"
                 "MAE4AEocCAEQABoQR29vZ2xlIFRyYW5zbGF0ZSAAKAAwAFAAWAFgALASAA%3D%3D"
                 ":S:ANO1ljJOLuI");
    free(p);
}

/* "Similar games" (WhereAmI, 2026) and a 2022 page (Minecraft, ds:5). */
TEST(similar_url_games_and_2022)
{
    char *p = url_of("app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz", PF_OK);
    CHECK(p && !strncmp(p, "/store/apps/collection/cluster?gsr=Sm5qGDNZVTk4", 47));
    CHECK(p && strlen(p) == 205);
    free(p);
    p = url_of("app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz", PF_OK);
    CHECK(p && !strcmp(p + strlen(p) - 20, "%3D%3D:S:ANO1ljL3ZSU"));
    CHECK(p && strlen(p) == 137);
    free(p);
}

TEST(similar_url_errors)
{
    free(url_of("datasafety_notfound_404_2026-07.html.gz", PF_ENOTFOUND));
    /* A page without the section (a developer's page) has no link. */
    free(url_of("developer_developer_Mojang_en_us_2026-07.html.gz", PF_EUNSUPPORTED));
}

/* The cluster page: 50 cards in page order, and the next page's token. */
TEST(translate_cluster)
{
    size_t len;
    char *c = exact_fixture(CLUSTER, &len);
    pf_list *l = NULL;
    pf_error err;
    CHECK_INT(pf_parse_similar(c, len, &l, &err), PF_OK);
    free(c);
    CHECK_INT(l->count, 50);
    CHECK_STR(l->items[0].app_id, "com.google.android.inputmethod.latin");
    CHECK_STR(l->items[0].title, "Gboard - the Google Keyboard");
    CHECK_NUM(l->items[0].score, 4.50862, 1e-9);
    CHECK_STR(l->items[1].app_id, "com.google.android.dialer");
    CHECK_STR(l->items[2].title, "Languages Translator App");
    CHECK_STR(l->items[2].developer, "Tool Apps Hub");
    CHECK_NUM(l->items[2].score, 3.922131, 1e-9);
    CHECK_STR(l->items[49].app_id, "com.google.android.apps.authenticator2");
    for (size_t i = 0; i < l->count; i++)
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(l->items[i].app_id, l->items[j].app_id) != 0);
    CHECK(l->next_token && !strncmp(l->next_token, "YrUBSkAKPggyEKGq", 16));
    pf_list_free(l);
}

TEST(truncation_of_the_cluster)
{
    size_t len;
    char *c = exact_fixture(CLUSTER, &len);
    TRUNCATIONS(c, len, 7919, {
        pf_list *l = NULL;
        pf_code rc = pf_parse_similar(b_, n_, &l, NULL);
        if (rc == PF_OK) CHECK(l->count == 50);
        pf_list_free(l);
    });
    free(c);
}

TEST_MAIN()
