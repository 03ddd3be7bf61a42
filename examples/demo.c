/*
 * demo.c -- `make demo`: one mixed batch through the real engine.
 *
 * Apps in several countries, two top charts, a search and two pages of
 * reviews leave in one pf_batch_start() call; each result is printed as it
 * completes, then a summary compares the wall time with what the same
 * requests would take one after another. `make demo` runs it against the
 * bundled replay server with realistic latency (PLAYFAST_BASE_URL is set by
 * server/harness.py); without that variable it would ask the live store.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "playfast.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* One line describing what a request asked for. */
static void describe(const pf_request *r, char *out, size_t n)
{
    switch (r->kind) {
    case PF_KIND_APP:
        snprintf(out, n, "app     %s (%s)", r->app_id, r->country);
        break;
    case PF_KIND_LIST:
        snprintf(out, n, "chart   %s / %s (%s)", r->category ? r->category : "all apps",
                 r->collection, r->country);
        break;
    case PF_KIND_SEARCH:
        snprintf(out, n, "search  \"%s\" (%s)", r->query, r->country);
        break;
    default:
        snprintf(out, n, "reviews %s, %d newest", r->app_id, r->num);
        break;
    }
}

static void print_result(const pf_response *res)
{
    if (res->code != PF_OK) {
        printf("  ERROR %s (HTTP %d): %s\n", pf_code_name(res->code),
               res->error.http_status, res->error.message);
        return;
    }
    if (res->app) {
        const pf_app *a = res->app;
        printf("  %s by %s | %s%.2f | %s installs | %s\n", or_dash(a->title),
               or_dash(a->developer), isnan(a->score) ? "unrated " : "score ",
               isnan(a->score) ? 0.0 : a->score, or_dash(a->installs),
               a->free == 1 ? "free" : or_dash(a->price_text));
    } else if (res->list) {
        const pf_list *l = res->list;
        printf("  %zu apps", l->count);
        for (size_t i = 0; i < l->count && i < 3; i++)
            printf("%s #%zu %s", i ? "," : ":", i + 1, or_dash(l->items[i].title));
        printf("\n");
    } else if (res->reviews) {
        const pf_reviews *r = res->reviews;
        printf("  %zu reviews, next page %s", r->count,
               r->next_token ? "available" : "none");
        if (r->count)
            printf("; latest: %d stars by %s\n", r->items[0].score,
                   or_dash(r->items[0].user_name));
        else
            printf("\n");
    }
}

int main(void)
{
    static const char *apps[] = {"com.google.android.apps.translate",
                                 "com.adex77.WhereAmI",
                                 "com.mojang.minecraftpe",
                                 "com.instagram.android"};
    static const char *countries[] = {"us", "de", "jp", "br"};
    pf_request reqs[32];
    size_t n = 0;

    for (size_t a = 0; a < 4; a++)
        for (size_t c = 0; c < 4; c++) {
            pf_request_init(&reqs[n], PF_KIND_APP);
            reqs[n].app_id = apps[a];
            reqs[n].country = countries[c];
            n++;
        }
    pf_request_init(&reqs[n], PF_KIND_LIST);
    reqs[n].category = "GAME";
    reqs[n].collection = "topselling_free";
    reqs[n].num = 100;
    reqs[n++].country = "us";
    pf_request_init(&reqs[n], PF_KIND_LIST);
    reqs[n].collection = "topgrossing";
    reqs[n].num = 50;
    reqs[n++].country = "jp";
    pf_request_init(&reqs[n], PF_KIND_SEARCH);
    reqs[n].query = "panda";
    reqs[n++].country = "us";
    pf_request_init(&reqs[n], PF_KIND_REVIEWS);
    reqs[n].app_id = "com.google.android.apps.translate";
    reqs[n].sort = PF_SORT_NEWEST;
    reqs[n].num = 300; /* two pages of 150, followed by token */
    reqs[n++].country = "us";
    pf_request_init(&reqs[n], PF_KIND_APP);
    reqs[n].app_id = "com.example.does.not.exist";
    reqs[n++].country = "us";

    const char *base = getenv("PLAYFAST_BASE_URL");
    printf("playfast %s demo: %zu requests in one batch against %s\n\n",
           PF_VERSION, n, base ? base : "https://play.google.com (live)");

    pf_client *client = NULL;
    pf_error err;
    if (pf_client_new(NULL, &client, &err) != PF_OK) {
        fprintf(stderr, "demo: cannot create the client: %s\n", err.message);
        return 1;
    }
    double cpu0 = cpu_seconds(), t0 = now();
    pf_batch *b = NULL;
    if (pf_batch_start(client, reqs, n, NULL, &b, &err) != PF_OK) {
        fprintf(stderr, "demo: cannot start the batch: %s\n", err.message);
        pf_client_free(client);
        return 1;
    }

    double sum_elapsed = 0, slowest = 0;
    size_t ok = 0, failed = 0, index;
    pf_response res;
    while (pf_batch_next(b, -1, &index, &res) == PF_OK) {
        char what[160];
        describe(&reqs[index], what, sizeof what);
        printf("[%5.2fs] #%-2zu %s\n", now() - t0, index, what);
        print_result(&res);
        sum_elapsed += res.elapsed;
        if (res.elapsed > slowest) slowest = res.elapsed;
        if (res.code == PF_OK)
            ok++;
        else
            failed++;
        pf_response_cleanup(&res);
    }
    double wall = now() - t0, cpu = cpu_seconds() - cpu0;
    pf_batch_free(b);

    pf_client_stats st;
    pf_client_stats_get(client, &st);
    printf("\nsummary\n");
    printf("  requests            %zu (%zu succeeded, %zu failed: failures are "
           "per request, the rest are kept)\n", n, ok, failed);
    printf("  wall time           %.2f s (slowest single request %.2f s)\n",
           wall, slowest);
    printf("  one by one would be %.2f s (sum of request times) -> %.1fx faster\n",
           sum_elapsed, wall > 0 ? sum_elapsed / wall : 0.0);
    printf("  HTTP attempts       %llu over %llu connections, %llu retries, "
           "%.1f MB received\n", (unsigned long long)st.requests,
           (unsigned long long)st.connections, (unsigned long long)st.retries,
           (double)st.bytes_received / 1e6);
    printf("  CPU                 %.3f s (%.2f ms per request)\n", cpu,
           cpu * 1e3 / (double)n);
    pf_client_free(client);
    return ok > 0 ? 0 : 1;
}
