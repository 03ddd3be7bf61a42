/*
 * test-datasafety.c -- pf_parse_datasafety on the recorded data safety
 * page of Google Translate and the recorded missing-app page.
 */
#include "kinds.h"

#define TRANSLATE "datasafety_com.google.android.apps.translate_en_2026-07.html.gz"

TEST(translate)
{
    size_t len;
    char *c = exact_fixture(TRANSLATE, &len);
    pf_datasafety *d = NULL;
    pf_error err;
    CHECK_INT(pf_parse_datasafety(c, len, &d, &err), PF_OK);
    free(c);
    /* "No data shared with third parties". */
    CHECK_INT(d->n_shared_data, 0);
    CHECK(d->shared_data == NULL);
    CHECK_INT(d->n_collected_data, 16);
    const pf_data_entry *e = d->collected_data;
    CHECK_STR(e[0].data, "Name");
    CHECK_STR(e[0].type, "Personal info");
    CHECK_STR(e[0].purpose, "Account management");
    CHECK_INT(e[0].optional, 1);
    CHECK_STR(e[2].data, "User IDs");
    CHECK_INT(e[2].optional, 0);
    CHECK_STR(e[5].purpose,
              "App functionality, Analytics, Developer communications, Account management");
    CHECK_STR(e[6].data, "Device or other IDs");
    CHECK_STR(e[6].type, "Device or other IDs");
    CHECK_STR(e[10].data, "Approximate location");
    CHECK_STR(e[10].type, "Location");
    CHECK_STR(e[15].data, "Contacts");
    CHECK_STR(e[15].type, "Contacts");
    CHECK_INT(d->n_security_practices, 3);
    CHECK_STR(d->security_practices[0].practice, "Data is encrypted in transit");
    CHECK_STR(d->security_practices[0].description,
              "Your data is transferred over a secure connection");
    CHECK_STR(d->security_practices[1].practice, "You can request that data be deleted");
    CHECK_STR(d->security_practices[2].practice, "Independent security review");
    CHECK_STR(d->privacy_policy_url, "http://www.google.com/policies/privacy/");
    pf_datasafety_free(d);
}

/* Regression (fuzz finding tests/fuzz-regress/datasafety/empty-data-name):
 * an entry whose data is "" was kept with data NULL; it names nothing and
 * is left out. */
TEST(entry_without_a_name_is_left_out)
{
    size_t len;
    char *c = exact_fixture(TRANSLATE, &len);
    static const char from[] = "[\"Name\",1,\"Account management\"]";
    static const char to[] = "[\"\",1,\"Account management\"]    ";
    char *at = memmem(c, len, from, sizeof from - 1);
    CHECK(at != NULL);
    if (at) memcpy(at, to, sizeof to - 1);
    pf_datasafety *d = NULL;
    CHECK_INT(pf_parse_datasafety(c, len, &d, NULL), PF_OK);
    free(c);
    CHECK_INT(d->n_collected_data, 15);
    for (size_t i = 0; i < d->n_collected_data; i++)
        CHECK(d->collected_data[i].data != NULL);
    CHECK_STR(d->collected_data[0].data, "Email address");
    pf_datasafety_free(d);
}

TEST(missing_app_is_not_found)
{
    size_t len;
    char *c = exact_fixture("datasafety_notfound_404_2026-07.html.gz", &len);
    pf_datasafety *d = (pf_datasafety *)1;
    pf_error err;
    CHECK_INT(pf_parse_datasafety(c, len, &d, &err), PF_ENOTFOUND);
    CHECK(d == NULL);
    free(c);
    /* A page of another kind has no app record. */
    c = exact_fixture("developer_developer_Mojang_en_us_2026-07.html.gz", &len);
    CHECK_INT(pf_parse_datasafety(c, len, &d, &err), PF_EUNSUPPORTED);
    free(c);
}

TEST(truncation_of_the_page)
{
    size_t len;
    char *c = exact_fixture(TRANSLATE, &len);
    TRUNCATIONS(c, len, 3001, {
        pf_datasafety *d = NULL;
        pf_code rc = pf_parse_datasafety(b_, n_, &d, NULL);
        if (rc == PF_OK) CHECK(d->n_collected_data == 16);
        pf_datasafety_free(d);
    });
    free(c);
}

TEST_MAIN()
