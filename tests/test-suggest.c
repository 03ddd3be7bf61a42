/*
 * test-suggest.c -- pf_parse_suggest on the recorded IJ4APc answer for
 * "pand", and its error kinds.
 */
#include "kinds.h"

#define PAND "suggest_IJ4APc_pand_en_us_2026-07.txt.gz"

TEST(pand)
{
    size_t len;
    char *c = exact_fixture(PAND, &len);
    pf_terms *t = NULL;
    pf_error err;
    CHECK_INT(pf_parse_suggest(c, len, &t, &err), PF_OK);
    free(c);
    static const char *const want[] = {"pandora", "panda express app", "panda",
                                       "panda vpn", "panda games"};
    CHECK_INT(t->count, 5);
    for (size_t i = 0; i < 5 && i < t->count; i++) CHECK_STR(t->items[i], want[i]);
    pf_terms_free(t);
}

TEST(nothing_to_suggest)
{
    static const char nul[] = ")]}'\n\n[[\"wrb.fr\",\"IJ4APc\",null,null,null,null,"
                              "\"generic\"]]";
    pf_terms *t = NULL;
    CHECK_INT(pf_parse_suggest(nul, sizeof nul - 1, &t, NULL), PF_OK);
    CHECK(t && t->count == 0);
    pf_terms_free(t);
    static const char empty[] = ")]}'\n\n[[\"wrb.fr\",\"IJ4APc\",\"[[[],[\\\"x\\\"]]]\","
                                "null,null,null,\"generic\"]]";
    CHECK_INT(pf_parse_suggest(empty, sizeof empty - 1, &t, NULL), PF_OK);
    CHECK(t && t->count == 0);
    pf_terms_free(t);
}

TEST(errors)
{
    pf_terms *t = (pf_terms *)1;
    pf_error err;
    static const char other[] = ")]}'\n\n[[\"wrb.fr\",\"xdSrCf\",\"[]\",null]]";
    CHECK_INT(pf_parse_suggest(other, sizeof other - 1, &t, &err), PF_EUNSUPPORTED);
    CHECK(t == NULL);
    static const char num[] = ")]}'\n\n[[\"wrb.fr\",\"IJ4APc\",\"5\",null]]";
    CHECK_INT(pf_parse_suggest(num, sizeof num - 1, &t, &err), PF_EUNSUPPORTED);
    CHECK_INT(pf_parse_suggest("<html>", 6, &t, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_suggest(NULL, 0, &t, &err), PF_EMALFORMED);
    CHECK_INT(pf_parse_suggest("x", 1, NULL, &err), PF_EINVAL);
}

/* Regression: a frame cut before its payload ()]}' [["wrb.fr","IJ4APc")
 * was read as Google's null payload, an empty success; it is malformed. */
TEST(frame_cut_before_its_payload_is_malformed)
{
    static const char cut[] = ")]}'\n\n[[\"wrb.fr\",\"IJ4APc\"";
    pf_terms *t = NULL;
    pf_error err;
    CHECK_INT(pf_parse_suggest(cut, sizeof cut - 1, &t, &err), PF_EMALFORMED);
    CHECK(t == NULL);
}

TEST(truncation_at_every_byte)
{
    size_t len;
    char *c = exact_fixture(PAND, &len);
    TRUNCATIONS(c, len, 1, {
        pf_terms *t = NULL;
        pf_code rc = pf_parse_suggest(b_, n_, &t, NULL);
        CHECK(rc != PF_OK || t->count == 5);
        pf_terms_free(t);
    });
    free(c);
}

TEST_MAIN()
