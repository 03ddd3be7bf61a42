/*
 * test-pack.c -- pf_response_pack / pf_response_unpack: every kind of
 * result from a real page goes across whole, and bad bytes are refused
 * with what was wrong.
 */
#include "harness.h"
#include "playfast.h"
#include "schema.h"

/* A response holding what the parser of `kind` made of fixture `name`. */
static pf_response parsed(pf_kind kind, const char *name, const char *app_id)
{
    size_t len;
    char *buf = test_fixture(name, &len);
    pf_response r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.elapsed = 0.25;
    pf_error e;
    pf_code rc = PF_EINVAL;
    switch (kind) {
    case PF_KIND_APP: rc = pf_parse_app(buf, len, app_id, &r.app, &e); break;
    case PF_KIND_LIST: rc = pf_parse_list(buf, len, &r.list, &e); break;
    case PF_KIND_SEARCH: rc = pf_parse_search(buf, len, &r.list, &e); break;
    case PF_KIND_REVIEWS: rc = pf_parse_reviews(buf, len, &r.reviews, &e); break;
    case PF_KIND_SUGGEST: rc = pf_parse_suggest(buf, len, &r.terms, &e); break;
    case PF_KIND_PERMISSIONS:
        rc = pf_parse_permissions(buf, len, &r.permissions, &e);
        break;
    case PF_KIND_DATASAFETY:
        rc = pf_parse_datasafety(buf, len, &r.datasafety, &e);
        break;
    case PF_KIND_CATEGORIES:
        rc = pf_parse_categories(buf, len, &r.categories, &e);
        break;
    default: break;
    }
    free(buf);
    CHECK_INT(rc, PF_OK);
    return r;
}

/* pack -> unpack -> pack gives the same bytes; returns the unpacked copy. */
static pf_response round_trip(const pf_response *r, size_t *packed_len)
{
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    pf_response back;
    pf_error e;
    CHECK_INT(pf_response_pack(r, &a, &na, &e), PF_OK);
    CHECK_INT(pf_response_unpack(a, na, &back, &e), PF_OK);
    CHECK_INT(pf_response_pack(&back, &b, &nb, &e), PF_OK);
    CHECK(na == nb && memcmp(a, b, na) == 0);
    if (packed_len)
        *packed_len = na;
    free(a);
    free(b);
    return back;
}

TEST(pack_app_whole)
{
    pf_response r = parsed(PF_KIND_APP,
        "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz",
        "com.google.android.apps.translate");
    pf_response b = round_trip(&r, NULL);
    CHECK_INT(b.kind, PF_KIND_APP);
    CHECK_INT(b.code, PF_OK);
    CHECK_NUM(b.elapsed, 0.25, 0);
    CHECK(b.app != NULL && b.list == NULL && b.reviews == NULL);
    CHECK_STR(b.app->title, r.app->title);
    CHECK_STR(b.app->description_html, r.app->description_html);
    CHECK_INT(b.app->min_installs, r.app->min_installs);
    CHECK_NUM(b.app->score, r.app->score, 0);
    CHECK_INT(b.app->histogram[4], r.app->histogram[4]);
    CHECK_INT(b.app->free, r.app->free);
    CHECK_INT(b.app->n_screenshots, r.app->n_screenshots);
    CHECK(b.app->n_screenshots > 0);
    CHECK_STR(b.app->screenshots[b.app->n_screenshots - 1],
              r.app->screenshots[r.app->n_screenshots - 1]);
    CHECK_INT(b.app->n_categories, r.app->n_categories);
    CHECK_STR(b.app->categories[0].name, r.app->categories[0].name);
    /* Absent stays absent: NULL strings, NAN, PF_NULL_INT. */
    CHECK(r.app->video == NULL ? b.app->video == NULL : 1);
    CHECK(isnan(r.app->original_price) == isnan(b.app->original_price));
    pf_response_cleanup(&r);
    pf_response_cleanup(&b);
}

TEST(pack_lists_reviews_and_small_kinds)
{
    static const struct { pf_kind kind; const char *name; } cases[] = {
        {PF_KIND_LIST,
         "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz"},
        {PF_KIND_SEARCH, "search_panda_en_us_price0_2026-07.html.gz"},
        {PF_KIND_REVIEWS, "reviews_UsvDTd_com.google.android.apps.translate_"
                          "newest_count150_page1_en_us_2026-07.txt.gz"},
        {PF_KIND_SUGGEST, "suggest_IJ4APc_pand_en_us_2026-07.txt.gz"},
        {PF_KIND_PERMISSIONS, "permissions_xdSrCf_com.google.android.apps."
                              "translate_en_us_2026-07.txt.gz"},
        {PF_KIND_DATASAFETY, "datasafety_com.google.android.apps.translate_"
                             "en_2026-07.html.gz"},
        {PF_KIND_CATEGORIES, "store_home_apps_en_us_2026-07.html.gz"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pf_response r = parsed(cases[i].kind, cases[i].name, NULL);
        pf_response b = round_trip(&r, NULL);
        CHECK_INT(b.kind, cases[i].kind);
        switch (cases[i].kind) {
        case PF_KIND_LIST:
        case PF_KIND_SEARCH:
            CHECK_INT(b.list->count, r.list->count);
            CHECK(b.list->count > 0);
            CHECK_STR(b.list->items[b.list->count - 1].app_id,
                      r.list->items[r.list->count - 1].app_id);
            CHECK((b.list->next_token == NULL) == (r.list->next_token == NULL));
            break;
        case PF_KIND_REVIEWS:
            CHECK_INT(b.reviews->count, 150);
            CHECK_STR(b.reviews->next_token, r.reviews->next_token);
            CHECK_INT(b.reviews->items[149].score, r.reviews->items[149].score);
            CHECK_STR(b.reviews->items[7].content, r.reviews->items[7].content);
            break;
        case PF_KIND_SUGGEST:
            CHECK_INT(b.terms->count, r.terms->count);
            CHECK_STR(b.terms->items[0], r.terms->items[0]);
            break;
        case PF_KIND_PERMISSIONS:
            CHECK_INT(b.permissions->count, r.permissions->count);
            CHECK_INT(b.permissions->items[0].n_items,
                      r.permissions->items[0].n_items);
            break;
        case PF_KIND_DATASAFETY:
            CHECK_INT(b.datasafety->n_collected_data,
                      r.datasafety->n_collected_data);
            CHECK_STR(b.datasafety->privacy_policy_url,
                      r.datasafety->privacy_policy_url);
            break;
        default:
            CHECK_INT(b.categories->count, r.categories->count);
            CHECK_STR(b.categories->items[0].id, r.categories->items[0].id);
            break;
        }
        pf_response_cleanup(&r);
        pf_response_cleanup(&b);
    }
}

TEST(pack_errors_and_details)
{
    pf_response r;
    memset(&r, 0, sizeof r);
    r.kind = PF_KIND_LIST;
    r.list = parsed(PF_KIND_LIST,
        "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz", NULL).list;
    r.n_details = 2;
    r.details = calloc(2, sizeof *r.details);
    r.details[0] = parsed(PF_KIND_APP,
        "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz",
        "com.adex77.WhereAmI");
    r.details[1].kind = PF_KIND_APP;
    r.details[1].code = PF_EBLOCKED;
    r.details[1].error.code = PF_EBLOCKED;
    r.details[1].error.http_status = 429;
    r.details[1].error.attempts = 7;
    r.details[1].error.offset = PF_NO_OFFSET;
    snprintf(r.details[1].error.message, sizeof r.details[1].error.message,
             "Google's unusual-traffic page (\xc3\xa9)");
    pf_response b = round_trip(&r, NULL);
    CHECK_INT(b.n_details, 2);
    CHECK_STR(b.details[0].app->title, r.details[0].app->title);
    CHECK_INT(b.details[1].code, PF_EBLOCKED);
    CHECK_INT(b.details[1].error.http_status, 429);
    CHECK_INT(b.details[1].error.attempts, 7);
    CHECK(b.details[1].error.offset == PF_NO_OFFSET);
    CHECK_STR(b.details[1].error.message, r.details[1].error.message);
    CHECK(b.details[1].app == NULL);
    pf_response_cleanup(&r);
    pf_response_cleanup(&b);
}

/* Every prefix of a packed response is refused as malformed and leaks
 * nothing (ASan checks the leaks); so is a trailing byte. */
TEST(unpack_truncated_and_trailing)
{
    pf_response r = parsed(PF_KIND_REVIEWS,
        "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_"
        "page1_en_us_2026-07.txt.gz", NULL);
    char *p;
    size_t n;
    pf_error e;
    CHECK_INT(pf_response_pack(&r, &p, &n, &e), PF_OK);
    pf_response b;
    for (size_t cut = 0; cut < n; cut += cut < 64 ? 1 : 97) {
        const char *g = test_guarded(p, cut);
        pf_code rc = pf_response_unpack(g, cut, &b, &e);
        CHECK_INT(rc, PF_EMALFORMED);
        CHECK(b.reviews == NULL && b.app == NULL);
    }
    char *longer = malloc(n + 1);
    memcpy(longer, p, n);
    longer[n] = 0;
    CHECK_INT(pf_response_unpack(longer, n + 1, &b, &e), PF_EMALFORMED);
    CHECK(strstr(e.message, "bytes after the end") != NULL);
    CHECK_INT(e.offset, n);
    free(longer);
    free(p);
    pf_response_cleanup(&r);
}

TEST(unpack_refuses_other_schema_and_lies)
{
    pf_response r;
    memset(&r, 0, sizeof r);
    r.kind = PF_KIND_SUGGEST;
    r.terms = parsed(PF_KIND_SUGGEST, "suggest_IJ4APc_pand_en_us_2026-07.txt.gz",
                     NULL).terms;
    char *p;
    size_t n;
    pf_error e;
    pf_response b;
    CHECK_INT(pf_response_pack(&r, &p, &n, &e), PF_OK);
    p[5] ^= 1;                         /* the schema hash */
    CHECK_INT(pf_response_unpack(p, n, &b, &e), PF_EUNSUPPORTED);
    CHECK(strstr(e.message, "other result fields") != NULL);
    p[5] ^= 1;
    p[3] = 9;                          /* the version */
    CHECK_INT(pf_response_unpack(p, n, &b, &e), PF_EUNSUPPORTED);
    CHECK(strstr(e.message, "version 9") != NULL);
    p[3] = 1;
    /* The terms count (after the 8-byte header, 35 bytes of body header
     * with no message: the 4-byte NONE) claims more than the bytes hold. */
    size_t count_at = 8 + 1 + 1 + 8 + 4 + 4 + 8 + 4 + 1;
    unsigned char saved = (unsigned char)p[count_at + 3];
    p[count_at + 3] = 0x7f;
    CHECK_INT(pf_response_unpack(p, n, &b, &e), PF_EMALFORMED);
    CHECK(strstr(e.message, "element count") != NULL);
    CHECK_INT(e.offset, count_at + 4);
    p[count_at + 3] = (char)saved;
    p[8] = 99;                         /* the kind */
    CHECK_INT(pf_response_unpack(p, n, &b, &e), PF_EMALFORMED);
    CHECK(strstr(e.message, "unknown kind") != NULL);
    CHECK_INT(pf_response_unpack("PFR", 3, &b, &e), PF_EMALFORMED);
    CHECK_INT(pf_response_unpack("<html>..", 8, &b, &e), PF_EMALFORMED);
    CHECK(strstr(e.message, "not a packed response") != NULL);
    free(p);
    pf_response_cleanup(&r);
}

/* pf__record_copy (merge.c's copier) carries every field of a record with
 * arrays of strings and of nested records: the copy packs to the same
 * bytes as the original. */
TEST(record_copy_is_deep_and_whole)
{
    pf_response r = parsed(PF_KIND_APP,
        "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz",
        "com.google.android.apps.translate");
    CHECK(r.app->n_permissions > 0 && r.app->n_categories > 0);
    pf_response d = parsed(PF_KIND_DATASAFETY,
        "datasafety_com.google.android.apps.translate_en_2026-07.html.gz", NULL);
    pf_response c;
    memset(&c, 0, sizeof c);
    c.kind = PF_KIND_APP;
    c.elapsed = 0.25;
    pf__arena a;
    pf__arena_init(&a, 64);
    pf__record_copy(&a, pf__arena_alloc(&a, sizeof(pf_app)), PF_RECORD_APP, r.app);
    c.app = pf__arena_finish(&a);
    pf__arena_init(&a, 64);
    pf__record_copy(&a, pf__arena_alloc(&a, sizeof(pf_datasafety)),
                    PF_RECORD_DATASAFETY, d.datasafety);
    c.datasafety = pf__arena_finish(&a);
    CHECK(c.app != NULL && c.datasafety != NULL);
    CHECK(c.app->title != r.app->title);           /* copied, not shared */
    r.datasafety = d.datasafety;
    d.datasafety = NULL;
    char *p1, *p2;
    size_t n1, n2;
    pf_error e;
    CHECK_INT(pf_response_pack(&r, &p1, &n1, &e), PF_OK);
    CHECK_INT(pf_response_pack(&c, &p2, &n2, &e), PF_OK);
    CHECK(n1 == n2 && memcmp(p1, p2, n1) == 0);
    free(p1);
    free(p2);
    pf_response_cleanup(&r);
    pf_response_cleanup(&c);
}

TEST_MAIN()
