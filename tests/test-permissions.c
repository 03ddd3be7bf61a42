/*
 * test-permissions.c -- pf_parse_permissions on the recorded xdSrCf answer
 * for Google Translate, the request that asks for it (the app id escaped,
 * never pasted raw), and the error kinds.
 */
#include "kinds.h"

#define TRANSLATE "permissions_xdSrCf_com.google.android.apps.translate_en_us_2026-07.txt.gz"

TEST(translate)
{
    size_t len;
    char *c = exact_fixture(TRANSLATE, &len);
    pf_permissions *p = NULL;
    pf_error err;
    CHECK_INT(pf_parse_permissions(c, len, &p, &err), PF_OK);
    free(c);
    /* Eight named groups, "Other", and the ungrouped one (group NULL). */
    CHECK_INT(p->count, 10);
    CHECK_STR(p->items[0].group, "Identity");
    CHECK_INT(p->items[0].n_items, 2);
    CHECK_STR(p->items[0].items[0], "find accounts on the device");
    CHECK_STR(p->items[0].items[1], "add or remove accounts");
    CHECK_STR(p->items[7].group, "Wi-Fi connection information");
    CHECK_STR(p->items[8].group, "Other");
    CHECK_INT(p->items[8].n_items, 12);
    CHECK_STR(p->items[8].items[11], "read Google service configuration");
    CHECK(p->items[9].group == NULL);
    CHECK_INT(p->items[9].n_items, 1);
    CHECK_STR(p->items[9].items[0], "receive data from Internet");
    pf_permissions_free(p);
}

/* The same message is field 74.2 of the app record: one reader for both,
 * so the app's permissions equal the rpc's. */
TEST(app_record_reads_the_same_groups)
{
    size_t len;
    char *c = exact_fixture(TRANSLATE, &len);
    pf_permissions *p = NULL;
    CHECK_INT(pf_parse_permissions(c, len, &p, NULL), PF_OK);
    free(c);
    char *page = exact_fixture("app_details_com.google.android.apps.translate_en_us_2026-07.html.gz", &len);
    pf_app *app = NULL;
    CHECK_INT(pf_parse_app(page, len, NULL, &app, NULL), PF_OK);
    free(page);
    if (app && app->n_permissions) {
        CHECK_STR(app->permissions[0].group, p->items[0].group);
        CHECK_STR(app->permissions[0].items[0], p->items[0].items[0]);
    }
    pf_app_free(app);
    pf_permissions_free(p);
}

/* A quote or backslash in the app id cannot rewrite the request: it is
 * escaped for the inner JSON, the outer JSON string and the form. */
TEST(app_id_is_escaped_in_the_request)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_PERMISSIONS);
    r.app_id = "a\",7],[\"x";
    pf_http_request h;
    CHECK_INT(pf_request_build(&r, "http://127.0.0.1:1", &h, NULL), PF_OK);
    CHECK(strstr(h.url, "rpcids=xdSrCf") != NULL);
    /* The quote arrives as \\\" inside the outer string: %5C%5C%5C%22. */
    CHECK(strstr(h.body, "a%5C%5C%5C%22%2C7%5D%2C%5B%5C%5C%5C%22x") != NULL);
    CHECK(strstr(h.body, "%5B%5Bnull%2C%5B%5C%22a") != NULL);
    pf_http_request_cleanup(&h);
    r.app_id = NULL;
    CHECK_INT(pf_request_build(&r, "http://127.0.0.1:1", &h, NULL), PF_EINVAL);
}

TEST(no_permissions_and_errors)
{
    static const char nul[] = ")]}'\n\n[[\"wrb.fr\",\"xdSrCf\",null,null,null,null,"
                              "\"generic\"]]";
    pf_permissions *p = NULL;
    CHECK_INT(pf_parse_permissions(nul, sizeof nul - 1, &p, NULL), PF_OK);
    CHECK(p && p->count == 0);
    pf_permissions_free(p);
    static const char empty[] = ")]}'\n\n[[\"wrb.fr\",\"xdSrCf\",\"[[],[],[]]\",null]]";
    CHECK_INT(pf_parse_permissions(empty, sizeof empty - 1, &p, NULL), PF_OK);
    CHECK(p && p->count == 0);
    pf_permissions_free(p);
    static const char str[] = ")]}'\n\n[[\"wrb.fr\",\"xdSrCf\",\"\\\"x\\\"\",null]]";
    CHECK_INT(pf_parse_permissions(str, sizeof str - 1, &p, NULL), PF_EUNSUPPORTED);
    CHECK(p == NULL);
}

TEST(truncation_at_every_byte)
{
    size_t len;
    char *c = exact_fixture(TRANSLATE, &len);
    TRUNCATIONS(c, len, 1, {
        pf_permissions *p = NULL;
        pf_code rc = pf_parse_permissions(b_, n_, &p, NULL);
        CHECK(rc != PF_OK || p->count == 10);
        pf_permissions_free(p);
    });
    free(c);
}

TEST_MAIN()
