/*
 * bench-parse.c -- `make bench-parse`: time each parser over the recorded
 * fixtures and print a table: median and p95 time per response, MB/s at the
 * median, the result's size, and the process's peak RSS.
 *
 * Usage: bench-parse FIXTURE_DIR [ROUNDS]
 * Each response is parsed ROUNDS times (default 300) after a warm-up; the
 * median is robust to the other core's noise, p95 shows it.
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

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/fixtures";
    int rounds = argc > 2 ? atoi(argv[2]) : 300;
    if (rounds < 5) rounds = 5;
    double *t = malloc(sizeof(double) * (size_t)rounds);

    printf("%-8s %-58s %9s %9s %9s %9s %8s\n", "kind", "fixture", "bytes",
           "median", "p95", "MB/s", "result");
    int failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len;
        char *buf = load(dir, cases[c].file, &len);
        if (buf == NULL || len == 0) {
            fprintf(stderr, "cannot load %s\n", cases[c].file);
            return 1;
        }
        pf_error err;
        size_t size = 0;
        for (int i = 0; i < 20; i++) size = parse_once(cases[c].kind, buf, len, &err);
        if (size == 0) {
            printf("%-8s %-58.58s parse failed: %s\n", cases[c].kind,
                   cases[c].file, err.message);
            failed = 1;
            free(buf);
            continue;
        }
        for (int i = 0; i < rounds; i++) {
            double t0 = now();
            parse_once(cases[c].kind, buf, len, &err);
            t[i] = now() - t0;
        }
        qsort(t, (size_t)rounds, sizeof *t, cmp);
        double med = t[rounds / 2], p95 = t[(rounds * 95) / 100];
        printf("%-8s %-58.58s %9zu %7.1fus %7.1fus %9.0f %7zuB\n",
               cases[c].kind, cases[c].file, len, med * 1e6, p95 * 1e6,
               (double)len / med / 1e6, size);
        free(buf);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %ld KB (fixture bytes loaded one at a time; parsers "
           "allocate only their result)\n", ru.ru_maxrss);
    free(t);
    return failed;
}
