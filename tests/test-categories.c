/*
 * test-categories.c -- pf_parse_categories on the recorded store home
 * pages (2026: six categories linked; 2022: one) and on no page at all.
 */
#include "kinds.h"

static pf_categories *parse_ok(const char *fixture)
{
    size_t len = 0;
    char *c = fixture ? exact_fixture(fixture, &len) : NULL;
    pf_categories *k = NULL;
    pf_error err;
    CHECK_INT(pf_parse_categories(c, len, &k, &err), PF_OK);
    free(c);
    return k;
}

static const pf_category *find(const pf_categories *k, const char *id)
{
    for (size_t i = 0; i < k->count; i++)
        if (!strcmp(k->items[i].id, id)) return &k->items[i];
    return NULL;
}

/* The 2026 home links FAMILY ("Kids", navigation) and five categories of
 * event cards, named by the page; then the published list follows. */
TEST(home_2026)
{
    pf_categories *k = parse_ok("store_home_apps_en_us_2026-07.html.gz");
    static const char *const ids[] = {"FAMILY", "PRODUCTIVITY", "SOCIAL", "SPORTS",
                                      "HEALTH_AND_FITNESS", "ENTERTAINMENT"};
    static const char *const names[] = {"Kids", "Productivity", "Social", "Sports",
                                        "Health & Fitness", "Entertainment"};
    for (size_t i = 0; i < 6; i++) {
        CHECK_STR(k->items[i].id, ids[i]);
        CHECK_STR(k->items[i].name, names[i]);
    }
    CHECK_STR(k->items[6].id, "APPLICATION");
    CHECK_INT(k->count, 54);
    CHECK(find(k, "GAME_ACTION") && !strcmp(find(k, "GAME_ACTION")->name, "Action"));
    CHECK(find(k, "TOOLS") != NULL && find(k, "GAME") != NULL);
    for (size_t i = 0; i < k->count; i++) {
        CHECK(k->items[i].name != NULL && k->items[i].id != NULL);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(k->items[i].id, k->items[j].id) != 0);
    }
    pf_categories_free(k);
}

TEST(home_2022_and_no_page)
{
    pf_categories *k = parse_ok("store_home_apps_en_US_2022-08.html.gz");
    CHECK_STR(k->items[0].id, "FAMILY");
    CHECK_INT(k->count, 54);
    pf_categories_free(k);
    k = parse_ok(NULL);
    CHECK_INT(k->count, 54);
    CHECK_STR(k->items[0].id, "APPLICATION");
    CHECK_STR(k->items[53].id, "FAMILY");
    pf_categories_free(k);
}

TEST(errors)
{
    size_t len;
    char *c = exact_fixture("datasafety_notfound_404_2026-07.html.gz", &len);
    pf_categories *k = (pf_categories *)1;
    CHECK_INT(pf_parse_categories(c, len, &k, NULL), PF_ENOTFOUND);
    CHECK(k == NULL);
    free(c);
    CHECK_INT(pf_parse_categories("x", 1, NULL, NULL), PF_EINVAL);
    /* A link whose id runs to the end of the input. */
    static const char tail[] = "<a href=\"/store/apps/category/GAME_ACT";
    CHECK_INT(pf_parse_categories(tail, sizeof tail - 1, &k, NULL), PF_OK);
    CHECK_STR(k->items[0].id, "GAME_ACT");
    CHECK_STR(k->items[0].name, NULL);
    pf_categories_free(k);
}

TEST_MAIN()
