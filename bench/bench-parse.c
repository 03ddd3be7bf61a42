/*
 * bench-parse.c -- `make bench-parse`: time each parser over the recorded
 * fixtures and print a table: median and p95 time per response, MB/s at the
 * median, the result's size, and the process's peak RSS.
 *
 * Usage: bench-parse FIXTURE_DIR [ROUNDS]
 * Each response is parsed ROUNDS times (default 300) after a warm-up, the
 * fixtures interleaved round by round; the median is robust to the other
 * core's noise, p95 shows it. Exits 2 when a median misses its bar.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "playfast.h"

static const struct {
    const char *kind;
    const char *file;
} cases[] = {
    {"app", "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"},
    {"app", "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz"},
    {"app", "app_details_com.raiseright.edumarketapp_en_2025-10.html.gz"},
    {"app", "app_details_com.moonwink.treasury_en_US_gl_BR_2022-06.html.gz"},
    {"app", "app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz"},
    {"app", "app_details_com.instagram.android_zh_CN_2022-08.html.gz"},
    {"list", "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz"},
    {"search", "search_panda_en_us_price0_2026-07.html.gz"},
    {"search", "search_unicorns_en_us_price1_rating1_2022-08.html.gz"},
    {"reviews", "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz"},
    {"developer", "developer_dev_5700313618786177705_google_en_us_2026-07.html.gz"},
    {"developer", "developer_developer_Mojang_en_us_2026-07.html.gz"},
    {"developer", "continuation_qnKhOb_cluster_cards_derived.txt.gz"},
    {"similar", "similar_cluster_com.google.android.apps.translate_en_us_2026-07.html.gz"},
    {"similar_url", "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"},
    {"suggest", "suggest_IJ4APc_pand_en_us_2026-07.txt.gz"},
    {"permissions", "permissions_xdSrCf_com.google.android.apps.translate_en_us_2026-07.txt.gz"},
    {"datasafety", "datasafety_com.google.android.apps.translate_en_2026-07.html.gz"},
    {"categories", "store_home_apps_en_us_2026-07.html.gz"},
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *load(const char *dir, const char *name, size_t *len)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "zcat '%s/%s'", dir, name);
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    size_t cap = 1 << 21, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, p);
        if (r == 0) break;
        n += r;
    }
    pclose(p);
    /* Exact-size copy so an over-read would show under ASan. */
    char *exact = malloc(n ? n : 1);
    memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

/* The kinds of issue 10: the result's block size, or 0 on error. */
static size_t parse_more(const char *kind, const char *buf, size_t len,
                         pf_error *err)
{
    size_t size = 0;
    void *r = NULL;
    pf_code c;
    if (!strcmp(kind, "developer") || !strcmp(kind, "similar")) {
        c = !strcmp(kind, "developer")
                ? pf_parse_developer(buf, len, (pf_list **)&r, err)
                : pf_parse_similar(buf, len, (pf_list **)&r, err);
    } else if (!strcmp(kind, "similar_url")) {
        c = pf_parse_similar_url(buf, len, (char **)&r, err);
    } else if (!strcmp(kind, "suggest")) {
        c = pf_parse_suggest(buf, len, (pf_terms **)&r, err);
    } else if (!strcmp(kind, "permissions")) {
        c = pf_parse_permissions(buf, len, (pf_permissions **)&r, err);
    } else if (!strcmp(kind, "datasafety")) {
        c = pf_parse_datasafety(buf, len, (pf_datasafety **)&r, err);
    } else {
        c = pf_parse_categories(buf, len, (pf_categories **)&r, err);
    }
    if (c == PF_OK) size = malloc_usable_size(r);
    free(r); /* every result of these kinds is one block */
    return size;
}

/* Parse once; returns the result's block size, or 0 on error. */
static size_t parse_once(const char *kind, const char *buf, size_t len,
                         pf_error *err)
{
    size_t size = 0;
    if (!strcmp(kind, "app")) {
        pf_app *a = NULL;
        if (pf_parse_app(buf, len, NULL, &a, err) == PF_OK)
            size = malloc_usable_size(a);
        pf_app_free(a);
    } else if (!strcmp(kind, "reviews")) {
        pf_reviews *r = NULL;
        if (pf_parse_reviews(buf, len, &r, err) == PF_OK)
            size = malloc_usable_size(r);
        pf_reviews_free(r);
    } else if (strcmp(kind, "list") && strcmp(kind, "search")) {
        size = parse_more(kind, buf, len, err);
    } else {
        pf_list *l = NULL;
        pf_code c = !strcmp(kind, "list") ? pf_parse_list(buf, len, &l, err)
                                          : pf_parse_search(buf, len, &l, err);
        if (c == PF_OK) size = malloc_usable_size(l);
        pf_list_free(l);
    }
    return size;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The bars, median per response. */
static double bar_us(const char *kind)
{
    if (!strcmp(kind, "app")) return 250;
    if (!strcmp(kind, "list")) return 1000;
    if (!strcmp(kind, "reviews")) return 200;
    if (!strcmp(kind, "developer")) return 1000;  /* issue 10: <= 1 ms */
    return 0;
}

int main(int argc, char **argv)
{
    enum { NCASES = sizeof cases / sizeof cases[0] };
    const char *dir = argc > 1 ? argv[1] : "tests/fixtures";
    int rounds = argc > 2 ? atoi(argv[2]) : 300;
    if (rounds < 5) rounds = 5;
    char *buf[NCASES];
    size_t len[NCASES], size[NCASES];
    double *t[NCASES];

    int failed = 0;
    for (size_t c = 0; c < NCASES; c++) {
        buf[c] = load(dir, cases[c].file, &len[c]);
        if (buf[c] == NULL || len[c] == 0) {
            fprintf(stderr, "cannot load %s\n", cases[c].file);
            return 1;
        }
        t[c] = malloc(sizeof(double) * (size_t)rounds);
        pf_error err;
        for (int i = 0; i < 20; i++) size[c] = parse_once(cases[c].kind, buf[c], len[c], &err);
        if (size[c] == 0) {
            printf("%s: parse failed: %s\n", cases[c].file, err.message);
            return 1;
        }
    }
    /* Rounds interleave the fixtures, so a burst of noise from the other
     * core or the host lands on every kind alike instead of on one row. */
    for (int i = 0; i < rounds; i++)
        for (size_t c = 0; c < NCASES; c++) {
            pf_error err;
            double t0 = now();
            parse_once(cases[c].kind, buf[c], len[c], &err);
            t[c][i] = now() - t0;
        }

    printf("%-8s %-58s %9s %9s %9s %7s %8s %s\n", "kind", "fixture", "bytes",
           "median", "p95", "MB/s", "result", "bar");
    for (size_t c = 0; c < NCASES; c++) {
        qsort(t[c], (size_t)rounds, sizeof(double), cmp);
        double med = t[c][rounds / 2], p95 = t[c][(rounds * 95) / 100];
        double bar = bar_us(cases[c].kind);
        char verdict[32] = "";
        if (bar > 0) {
            snprintf(verdict, sizeof verdict, "<= %.0fus %s", bar,
                     med * 1e6 <= bar ? "ok" : "MISSED");
            if (med * 1e6 > bar) failed = 1;
        }
        printf("%-8s %-58.58s %9zu %7.1fus %7.1fus %7.0f %7zuB %s\n",
               cases[c].kind, cases[c].file, len[c], med * 1e6, p95 * 1e6,
               (double)len[c] / med / 1e6, size[c], verdict);
        free(t[c]);
        free(buf[c]);
    }
    size_t input = 0;
    for (size_t c = 0; c < NCASES; c++) input += len[c];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%d interleaved rounds; peak RSS %ld KB with every fixture loaded "
           "(%.1f MB of input); parsers allocate only their result\n",
           rounds, ru.ru_maxrss, (double)input / 1e6);
    return failed ? 2 : 0;
}
