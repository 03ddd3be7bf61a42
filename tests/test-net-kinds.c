/*
 * test-net-kinds.c -- the kinds of issue 10 fetched by the engine from the
 * replay server (loopback): a developer's apps and similar apps followed
 * over qnKhOb continuations (which the server assembles from recorded
 * cards, server/continuations.py), deeper search, suggest, permissions,
 * data safety and categories, and a missing app.
 */
#include "harness.h"
#include "test-net.h"

#define TRANSLATE "com.google.android.apps.translate"

static void fetch(const test_server *s, pf_request *r, size_t n,
                  pf_response *out)
{
    pf_client *c = test_client(s, NULL);
    pf_error err;
    CHECK_INT(pf_fetch(c, r, n, out, &err), PF_OK);
    pf_client_free(c);
}

static void check_distinct(const pf_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(l->items[i].app_id, l->items[j].app_id) != 0);
}

TEST(developer_follows_continuations_up_to_num)
{
    test_server s;
    server_start(&s, "");
    pf_request r[4];
    pf_request_init(&r[0], PF_KIND_DEVELOPER);
    r[0].developer_id = "5700313618786177705"; /* default: 60 */
    pf_request_init(&r[1], PF_KIND_DEVELOPER);
    r[1].developer_id = "5700313618786177705";
    r[1].num = 15;
    pf_request_init(&r[2], PF_KIND_DEVELOPER);
    r[2].developer_id = "Mojang";
    pf_request_init(&r[3], PF_KIND_DEVELOPER);
    r[3].developer_id = "5700313618786177705";
    r[3].num = 5; /* less than the first page: no continuation */
    pf_response out[4];
    fetch(&s, r, 4, out);
    for (int i = 0; i < 4; i++) CHECK_INT(out[i].code, PF_OK);
    CHECK_INT(out[0].list->count, 60);
    CHECK_STR(out[0].list->items[0].app_id, "com.google.android.apps.messaging");
    CHECK_STR(out[0].list->items[9].app_id, "com.google.android.apps.docs.editors.docs");
    /* The 11th is the first card of the continuation: the pool's first app
     * that the page did not show, Gboard from the cluster recording. */
    CHECK_STR(out[0].list->items[10].app_id, "com.google.android.inputmethod.latin");
    CHECK(out[0].list->next_token != NULL);
    check_distinct(out[0].list);
    CHECK_INT(out[1].list->count, 15);
    CHECK_STR(out[1].list->items[14].app_id, out[0].list->items[14].app_id);
    CHECK_INT(out[2].list->count, 3);
    CHECK(out[2].list->next_token == NULL);
    CHECK_INT(out[3].list->count, 5);
    /* 2 + 3 exchanges: a page, a page and its continuation, ... */
    CHECK_INT(server_stat(&s, "requests"), 6);
    for (int i = 0; i < 4; i++) pf_response_cleanup(&out[i]);
    server_stop(&s);
}

TEST(similar_reads_the_details_page_then_the_cluster)
{
    test_server s;
    server_start(&s, "");
    pf_request r[2];
    pf_request_init(&r[0], PF_KIND_SIMILAR);
    r[0].app_id = TRANSLATE;
    r[0].num = 70;
    pf_request_init(&r[1], PF_KIND_SIMILAR);
    r[1].app_id = "com.example.gone";
    pf_response out[2];
    fetch(&s, r, 2, out);
    CHECK_INT(out[0].code, PF_OK);
    CHECK_INT(out[0].list->count, 70);
    CHECK_STR(out[0].list->items[0].app_id, "com.google.android.inputmethod.latin");
    CHECK_STR(out[0].list->items[49].app_id, "com.google.android.apps.authenticator2");
    check_distinct(out[0].list);
    CHECK_INT(out[1].code, PF_ENOTFOUND);
    CHECK(out[1].list == NULL);
    for (int i = 0; i < 2; i++) pf_response_cleanup(&out[i]);
    server_stop(&s);
}

/* Deeper search: the server's search pages end with a token
 * (--search-more); --num 250 follows it. */
TEST(search_num_250_follows_continuations)
{
    test_server s;
    server_start(&s, "--search-more");
    pf_request r[2];
    pf_request_init(&r[0], PF_KIND_SEARCH);
    r[0].query = "panda";
    r[0].num = 250;
    pf_request_init(&r[1], PF_KIND_SEARCH);
    r[1].query = "panda"; /* no num: the first page, as before */
    pf_response out[2];
    fetch(&s, r, 2, out);
    CHECK_INT(out[0].code, PF_OK);
    CHECK(out[0].list->count > 200 && out[0].list->count <= 250);
    CHECK_STR(out[0].list->items[0].app_id, "com.pandaexpress.app");
    check_distinct(out[0].list);
    CHECK_INT(out[1].code, PF_OK);
    CHECK_INT(out[1].list->count, 20);
    for (int i = 0; i < 2; i++) pf_response_cleanup(&out[i]);
    server_stop(&s);
}

TEST(suggest_permissions_datasafety_categories)
{
    test_server s;
    server_start(&s, "");
    pf_request r[5];
    pf_request_init(&r[0], PF_KIND_SUGGEST);
    r[0].query = "pand";
    pf_request_init(&r[1], PF_KIND_PERMISSIONS);
    r[1].app_id = TRANSLATE;
    pf_request_init(&r[2], PF_KIND_DATASAFETY);
    r[2].app_id = TRANSLATE;
    pf_request_init(&r[3], PF_KIND_CATEGORIES);
    pf_request_init(&r[4], PF_KIND_DATASAFETY);
    r[4].app_id = "com.example.gone";
    pf_response out[5];
    fetch(&s, r, 5, out);
    for (int i = 0; i < 4; i++) CHECK_INT(out[i].code, PF_OK);
    CHECK(out[0].terms && out[0].terms->count == 5);
    if (out[0].terms) CHECK_STR(out[0].terms->items[0], "pandora");
    CHECK(out[1].permissions && out[1].permissions->count == 10);
    CHECK(out[2].datasafety && out[2].datasafety->n_collected_data == 16);
    CHECK(out[3].categories && out[3].categories->count == 54);
    CHECK_INT(out[4].code, PF_ENOTFOUND);
    CHECK_INT(out[4].error.http_status, 404);
    for (int i = 0; i < 5; i++) pf_response_cleanup(&out[i]);
    server_stop(&s);
}

TEST_MAIN()
