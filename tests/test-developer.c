/*
 * test-developer.c -- pf_parse_developer on the recorded developer pages
 * (by numeric id: Google LLC; by name: Mojang), on a qnKhOb continuation,
 * and the engine following continuations against the replay server.
 *
 * No qnKhOb answer was recorded. The continuation fixture
 * (continuation_qnKhOb_cluster_cards_derived.txt.gz) was built by
 * `python3 -m server.continuations` from the first five cards of the
 * recorded similar-apps cluster page, in the batchexecute framing of the
 * recorded suggest and permissions answers, with the cards at [0][0][0] and
 * the token at [0][0][7][1] of the payload, where google-play-scraper reads
 * a continuation (lib/utils/processPages.js, REQUEST_MAPPINGS).
 */
#include "kinds.h"

#define GOOGLE "developer_dev_5700313618786177705_google_en_us_2026-07.html.gz"
#define MOJANG "developer_developer_Mojang_en_us_2026-07.html.gz"
#define MORE "continuation_qnKhOb_cluster_cards_derived.txt.gz"

static pf_list *parse_ok(const char *fixture, size_t expect)
{
    size_t len;
    char *c = exact_fixture(fixture, &len);
    pf_list *l = NULL;
    pf_error err;
    pf_code rc = pf_parse_developer(c, len, &l, &err);
    CHECK_INT(rc, PF_OK);
    if (rc != PF_OK) {
        fprintf(stderr, "  %s: %s\n", fixture, err.message);
        exit(1);
    }
    CHECK_INT(l->count, expect);
    free(c);
    return l;
}

/* By numeric id: the ten cards of "More by Google LLC", in page order,
 * and the token of the next page. */
TEST(google_by_id)
{
    static const char *const ids[] = {
        "com.google.android.apps.messaging",
        "com.google.android.apps.youtube.unplugged",
        "com.google.android.apps.bard",
        "com.google.android.apps.authenticator2",
        "com.google.android.apps.youtube.kids",
        "com.google.android.apps.walletnfcrel",
        "com.google.android.apps.translate",
        "com.google.earth",
        "com.google.android.apps.adm",
        "com.google.android.apps.docs.editors.docs"};
    pf_list *l = parse_ok(GOOGLE, 10);
    for (size_t i = 0; i < 10; i++) CHECK_STR(l->items[i].app_id, ids[i]);
    pf_item *a = &l->items[0];
    CHECK_STR(a->title, "Google Messages");
    CHECK_STR(a->developer, "Google LLC");
    CHECK_STR(a->url, PF_DETAILS_URL "com.google.android.apps.messaging");
    CHECK_NUM(a->score, 4.303828, 1e-9);
    CHECK_STR(a->score_text, "4.3");
    CHECK_INT(a->free, 1);
    CHECK_STR(a->currency, "USD");
    CHECK_STR(a->genre, "Communication");
    CHECK_STR(a->installs, "10,000,000,000+");
    CHECK_INT(a->min_installs, 10000000000LL);
    CHECK_STR(l->items[9].title, "Google Docs");
    CHECK(l->next_token != NULL && !strncmp(l->next_token, "YpUBSj8KPQgKEO7A", 16));
    pf_list_free(l);
}

/* By name: wrapped cards at [22]; a paid app; no further page. */
TEST(mojang_by_name)
{
    pf_list *l = parse_ok(MOJANG, 3);
    CHECK_STR(l->items[0].app_id, "com.mojang.minecraftpe");
    CHECK_STR(l->items[1].app_id, "com.mojang.minecraftedu");
    CHECK_STR(l->items[2].app_id, "com.mojang.minecraftedu_preview");
    CHECK_STR(l->items[0].title, "Minecraft: Dream it, Build it!");
    CHECK_NUM(l->items[0].price, 6.99, 1e-9);
    CHECK_INT(l->items[0].free, 0);
    CHECK_STR(l->items[0].price_text, "$6.99");
    CHECK_STR(l->items[0].genre, "Arcade");
    CHECK(l->next_token == NULL);
    pf_list_free(l);
}

/* A continuation page is read with the same card reader. */
TEST(continuation_page)
{
    pf_list *l = parse_ok(MORE, 5);
    CHECK_STR(l->items[0].app_id, "com.google.android.inputmethod.latin");
    CHECK_STR(l->items[0].title, "Gboard - the Google Keyboard");
    CHECK_STR(l->items[4].app_id, "com.google.android.apps.messaging");
    CHECK_STR(l->next_token, "pfmore:0:5");
    pf_list_free(l);
    /* Google's "no more" (a null payload) is an empty page. */
    static const char nul[] = ")]}'\n\n[[\"wrb.fr\",\"qnKhOb\",null,null,null,null,"
                              "\"generic\"],[\"di\",1]]";
    pf_list *e = NULL;
    CHECK_INT(pf_parse_developer(nul, sizeof nul - 1, &e, NULL), PF_OK);
    CHECK(e != NULL && e->count == 0 && e->next_token == NULL);
    pf_list_free(e);
}

/* The older continuation cards (legacy search layout, as the peer's
 * mapping expects) are read too: the layout is taken from the first card. */
TEST(continuation_legacy_cards)
{
    static const char body[] =
        ")]}'\n\n[[\"wrb.fr\",\"qnKhOb\",\"[[[[[null,null,\\\"Old App\\\",null,"
        "[[[\\\"Dev\\\"]]],null,null,null,null,null,null,null,"
        "[\\\"com.old.app\\\"]]],null,null,null,null,null,null,[null,"
        "\\\"tok2\\\"]]]]\",null,null,null,\"generic\"]]";
    pf_list *l = NULL;
    pf_error err;
    CHECK_INT(pf_parse_developer(body, sizeof body - 1, &l, &err), PF_OK);
    CHECK(l && l->count == 1);
    if (l && l->count) {
        CHECK_STR(l->items[0].app_id, "com.old.app");
        CHECK_STR(l->items[0].title, "Old App");
        CHECK_STR(l->items[0].developer, "Dev");
    }
    CHECK_STR(l ? l->next_token : NULL, "tok2");
    pf_list_free(l);
}

TEST(errors)
{
    size_t len;
    char *nf = exact_fixture("datasafety_notfound_404_2026-07.html.gz", &len);
    pf_list *l = (pf_list *)1;
    pf_error err;
    CHECK_INT(pf_parse_developer(nf, len, &l, &err), PF_ENOTFOUND);
    CHECK(l == NULL);
    free(nf);
    /* An app page is not a developer page. */
    char *app = exact_fixture("app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz", &len);
    CHECK_INT(pf_parse_developer(app, len, &l, &err), PF_EUNSUPPORTED);
    free(app);
    CHECK_INT(pf_parse_developer("x", 1, NULL, NULL), PF_EINVAL);
    CHECK_INT(pf_parse_developer(NULL, 0, &l, NULL), PF_EMALFORMED);
}

/* Cut anywhere, the continuation is malformed or an error, never a crash
 * and never a short success. */
TEST(truncation_of_a_continuation)
{
    size_t len;
    char *c = exact_fixture(MORE, &len);
    TRUNCATIONS(c, len, 97, {
        pf_list *l = NULL;
        pf_code rc = pf_parse_developer(b_, n_, &l, NULL);
        CHECK(rc != PF_OK);
        pf_list_free(l);
    });
    free(c);
}

/* The cluster page cut short: never a crash; an error or the cards before
 * the cut are never claimed as a whole page without its token. */
TEST(truncation_of_a_page)
{
    size_t len;
    char *c = exact_fixture(MOJANG, &len);
    TRUNCATIONS(c, len, 4099, {
        pf_list *l = NULL;
        pf_code rc = pf_parse_developer(b_, n_, &l, NULL);
        if (rc == PF_OK) CHECK(l->count == 3);
        pf_list_free(l);
    });
    free(c);
}

/* A layout that moves the cluster pair to another index of its section
 * is still read (the pair is recognised by its cards). */
TEST(cluster_pair_at_another_index)
{
    static const char page[] =
        "<script>var AF_dataServiceRequests = {'ds:3' : {id:'MRTdke',request:[]}};"
        "</script><script>AF_initDataCallback({key: 'ds:3', hash: '1', data:"
        "[[null,[[null,null,[[[[\"com.a.b\",7],null,null,\"A B\"]],[\"t\"]]]]]], "
        "sideChannel: {}});</script>";
    pf_list *l = NULL;
    pf_error err;
    CHECK_INT(pf_parse_developer(page, sizeof page - 1, &l, &err), PF_OK);
    CHECK(l && l->count == 1);
    if (l && l->count) {
        CHECK_STR(l->items[0].app_id, "com.a.b");
        CHECK_STR(l->items[0].title, "A B");
    }
    pf_list_free(l);
}

/* What goes on the wire: the developer's page by numeric id or by name,
 * and a continuation with its token escaped in the f.req. */
TEST(requests)
{
    pf_request r;
    pf_http_request h;
    pf_request_init(&r, PF_KIND_DEVELOPER);
    r.developer_id = "5700313618786177705";
    CHECK_INT(pf_request_build(&r, "http://x", &h, NULL), PF_OK);
    CHECK_STR(h.url, "http://x/store/apps/dev?id=5700313618786177705&hl=en&gl=us");
    CHECK(h.body == NULL);
    pf_http_request_cleanup(&h);
    r.developer_id = "Panda Restaurant Group, Inc.";
    CHECK_INT(pf_request_build(&r, "http://x", &h, NULL), PF_OK);
    CHECK_STR(h.url, "http://x/store/apps/developer?id=Panda%20Restaurant%20Group%2C%20Inc."
                     "&hl=en&gl=us");
    pf_http_request_cleanup(&h);
    r.token = "a\"b";
    r.num = 30;
    CHECK_INT(pf_request_build(&r, "http://x", &h, NULL), PF_OK);
    CHECK(strstr(h.url, "/_/PlayStoreUi/data/batchexecute?rpcids=qnKhOb") != NULL);
    /* [[10,[10,30]] ... "a\"b" inside the outer JSON string, form-encoded */
    CHECK(strstr(h.body, "%5B10%2C%5B10%2C30%5D%5D") != NULL);
    CHECK(strstr(h.body, "%5C%22a%5C%5C%5C%22b%5C%22") != NULL);
    pf_http_request_cleanup(&h);
    r.developer_id = NULL;
    r.token = NULL;
    CHECK_INT(pf_request_build(&r, "http://x", &h, NULL), PF_EINVAL);
    /* Similar starts at the app's details page; categories at the home. */
    pf_request_init(&r, PF_KIND_SIMILAR);
    r.app_id = "com.a";
    CHECK_INT(pf_request_build(&r, "http://x", &h, NULL), PF_OK);
    CHECK_STR(h.url, "http://x/store/apps/details?id=com.a&hl=en&gl=us");
    pf_http_request_cleanup(&h);
    pf_request_init(&r, PF_KIND_CATEGORIES);
    r.lang = "fr";
    CHECK_INT(pf_request_build(&r, "http://x/", &h, NULL), PF_OK);
    CHECK_STR(h.url, "http://x/store/apps?hl=fr&gl=us");
    pf_http_request_cleanup(&h);
    pf_request_init(&r, PF_KIND_SUGGEST);
    r.query = "pand\"";
    CHECK_INT(pf_request_build(&r, "http://x", &h, NULL), PF_OK);
    CHECK(strstr(h.url, "rpcids=IJ4APc") != NULL);
    CHECK(strstr(h.body, "%5B%5Bnull%2C%5B%5C%22pand%5C%5C%5C%22%5C%22%5D%2C%5B10%5D") != NULL);
    pf_http_request_cleanup(&h);
}

TEST_MAIN()
