/*
 * test-alloc.c -- every allocation a parser makes fails in turn.
 *
 * The test is linked with -Wl,--wrap=malloc,--wrap=realloc,--wrap=calloc
 * (see the Makefile), so every allocation the library makes goes through
 * the wrappers below, which fail the k-th one. For k = 0, 1, 2, ... each
 * parser must either succeed with a whole result or return PF_ENOMEM with
 * *out NULL; under the ASan run, LeakSanitizer fails a case that leaks
 * what was half-built. libc's own allocations (popen in the harness) are
 * not wrapped.
 */
#include <stddef.h>

#include "harness.h"
#include "playfast.h"

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_calloc(size_t k, size_t n);

static long countdown = -1; /* allocations left before one fails; -1 = never */
static long calls;

static int fail_now(void)
{
    calls++;
    if (countdown < 0) return 0;
    return countdown-- == 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
void *__wrap_calloc(size_t k, size_t n) { return fail_now() ? NULL : __real_calloc(k, n); }

typedef pf_code (*parse_fn)(const char *, size_t, void **, pf_error *);

static pf_code app(const char *b, size_t n, void **o, pf_error *e)
{
    return pf_parse_app(b, n, NULL, (pf_app **)o, e);
}
static pf_code list(const char *b, size_t n, void **o, pf_error *e)
{
    return pf_parse_list(b, n, (pf_list **)o, e);
}
static pf_code search(const char *b, size_t n, void **o, pf_error *e)
{
    return pf_parse_search(b, n, (pf_list **)o, e);
}
static pf_code reviews(const char *b, size_t n, void **o, pf_error *e)
{
    return pf_parse_reviews(b, n, (pf_reviews **)o, e);
}

/* Fail each allocation in turn until the parse succeeds; returns how many
 * allocations a successful parse made. */
static long every_failure(const char *fixture, parse_fn fn, void (*release)(void *))
{
    size_t len;
    char *buf = test_fixture(fixture, &len);
    long k;
    for (k = 0; k < 10000; k++) {
        void *out = (void *)1;
        pf_error err;
        countdown = k;
        pf_code rc = fn(buf, len, &out, &err);
        countdown = -1;
        if (rc == PF_OK) {
            CHECK(out != NULL);
            release(out);
            break;
        }
        if (rc != PF_ENOMEM || out != NULL) {
            fprintf(stderr, "  %s: allocation %ld failed -> %s, out %p\n", fixture,
                    k, pf_code_name(rc), out);
            CHECK(0);
            break;
        }
        CHECK_INT(err.code, PF_ENOMEM);
    }
    free(buf);
    return k;
}

static void free_app(void *p) { pf_app_free(p); }
static void free_list(void *p) { pf_list_free(p); }
static void free_reviews(void *p) { pf_reviews_free(p); }

TEST(app_parser)
{
    CHECK(every_failure("app_details_com.google.android.apps.translate_en_us_2026-07.html.gz",
                        app, free_app) > 0);
    CHECK(every_failure("app_details_batch_Ws7gDc_fr.reliefmaps.app_fr_2022-09.txt.gz",
                        app, free_app) > 0);
}

TEST(list_parser)
{
    CHECK(every_failure("list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz",
                        list, free_list) > 0);
}

TEST(search_parser)
{
    CHECK(every_failure("search_panda_en_us_price0_2026-07.html.gz", search, free_list) > 0);
    CHECK(every_failure("search_batch_lGYRle_gps_fr_2022-08.txt.gz", search, free_list) > 0);
}

TEST(reviews_parser)
{
    CHECK(every_failure(
              "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz",
              reviews, free_reviews) > 0);
}

TEST(wrappers_are_in_effect)
{
    /* Guards the test itself: the library's allocations do pass here. */
    long before = calls;
    pf_list *l = NULL;
    const char *s = ")]}'\n\n[[\"wrb.fr\",\"vyAe2\",\"null\"]]";
    CHECK_INT(pf_parse_list(s, strlen(s), &l, NULL), PF_OK);
    pf_list_free(l);
    CHECK(calls > before);
}

TEST_MAIN()
