/*
 * test-json-num.c -- JSON numbers (src/core/json_num.c): correctly rounded,
 * and independent of the process's locale.
 */
#include <locale.h>

#include "harness.h"
#include "json.h"

/* Parse s placed right before an unreadable page, so reading past it
 * crashes. One guarded area serves every call: a mapping per call would
 * run out of mappings in the sweep below. */
static int num(const char *s, double *out)
{
    static char *area;
    static const char room[64];
    size_t n = strlen(s);
    if (area == NULL) area = (char *)test_guarded(room, sizeof room);
    if (n > sizeof room) return 0;
    memcpy(area + sizeof room - n, s, n);
    return pf__json_number(area + sizeof room - n, area + sizeof room, out);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The reference: strtod in the "C" locale, correctly rounded by glibc. */
static double reference(const char *s)
{
    static locale_t c;
    if (c == (locale_t)0) c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    return strtod_l(s, NULL, c);
}

static const char *const samples[] = {
    "0", "-0", "4.5", "4.4123654", "3.25", "-0.5", "7490000", "0.1", "0.3",
    "1e3", "1E+3", "2.5e-2", "1.7976931348623157e308", "5e-324",
    "2.2250738585072014e-308", "9007199254740993", "9007199254740992",
    "123456789012345678901234567890", "0.000000000000000000000000001",
    "1.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203124", "1e23",
    "8.98846567431158e307", "0e999", "-0.0e-5", "1727712000", "1.5e22",
    "1e-22", "123456789e-22", "9.2233720368547758e18",
};

/* Every sample, and a sweep of numbers of every digit count and exponent,
 * read exactly as the correctly rounded reference reads them. */
TEST(numbers_are_correctly_rounded)
{
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        double d = -1;
        CHECK(num(samples[i], &d));
        if (!same_bits(d, reference(samples[i])))
            fprintf(stderr, "  %s: %.17g, want %.17g\n", samples[i], d,
                    reference(samples[i]));
        CHECK(same_bits(d, reference(samples[i])));
    }
    uint64_t x = 88172645463325252u;
    int wrong = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;   /* xorshift64 */
        char s[64];
        int digits = 1 + (int)(x % 20), point = (int)(x >> 8) % (digits + 1);
        int exp = (int)((x >> 20) % 61) - 30;
        uint64_t m = x >> 24;
        int n = snprintf(s, sizeof s, "%s%0*llu", (x >> 5) & 1 ? "-" : "",
                         digits, (unsigned long long)(m % 10000000000000000000u));
        n = digits + ((x >> 5) & 1);
        s[n] = '\0';
        /* no leading zeros (JSON forbids them) */
        char *p = s + ((x >> 5) & 1);
        if (*p == '0' && n - (p - s) > 1) *p = '1';
        if (point > 0 && point < digits) {
            memmove(p + point + 1, p + point, (size_t)(digits - point) + 1);
            p[point] = '.';
        }
        if ((x >> 4) & 1) snprintf(s + strlen(s), sizeof s - strlen(s), "e%d", exp);
        double d;
        if (!num(s, &d) || !same_bits(d, reference(s))) {
            if (wrong++ < 5) fprintf(stderr, "  %s: wrong\n", s);
        }
    }
    CHECK_INT(wrong, 0);
    double d;
    CHECK(!num("01", &d) || d == 0);   /* the number is the "0" */
    CHECK(!num("-", &d));
    CHECK(!num(".5", &d));
    CHECK(!num("1e", &d));
}

/* A comma locale, or NULL when none is installed. */
static locale_t comma_locale(void)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                        "fr_FR.utf8", "de_DE", NULL};
    for (const char *const *n = names; *n; n++) {
        locale_t l = newlocale(LC_ALL_MASK, *n, (locale_t)0);
        if (l == (locale_t)0) continue;
        locale_t old = uselocale(l);
        int comma = localeconv()->decimal_point[0] == ',';
        uselocale(old);
        if (comma) return l;
        freelocale(l);
    }
    return (locale_t)0;
}

/* Regression: numbers were read with strtod(), which follows LC_NUMERIC,
 * and retried with ',' when that failed. Under a comma locale the results
 * must be what the "C" locale gives, for every sample and for a parsed
 * app's score and prices. scripts/install-deps.sh generates de_DE.UTF-8. */
TEST(numbers_ignore_a_comma_locale)
{
    locale_t de = comma_locale();
    if (de == (locale_t)0)
        fprintf(stderr, "  no comma locale installed: run scripts/install-deps.sh\n");
    CHECK(de != (locale_t)0);
    if (de == (locale_t)0) return;
    uselocale(de);
    CHECK(strtod("4.5", NULL) == 4.0);   /* the locale is in force */
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        double d = -1;
        CHECK(num(samples[i], &d));
        CHECK(same_bits(d, reference(samples[i])));
    }
    size_t len;
    char *buf = test_fixture(
        "app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz", &len);
    pf_app *app = NULL;
    CHECK_INT(pf_parse_app(buf, len, NULL, &app, NULL), PF_OK);
    if (app != NULL) {
        CHECK(app->score > 4.0 && app->score < 5.0 && app->score != 4.0);
        CHECK(app->price == 7.49);
        pf_app_free(app);
    }
    free(buf);
    uselocale(LC_GLOBAL_LOCALE);
    freelocale(de);
}

TEST_MAIN()
