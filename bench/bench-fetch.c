/*
 * bench-fetch.c -- one fetch-engine measurement, driven by bench-fetch.py.
 *
 *   bench-fetch BASE_URL MODE KIND N K [RATE] [HTTP_VERSION] [CACERT]
 *
 * MODE  batch   one batch of N, results taken in input order at the end
 *       stream  one batch of N, each result taken with pf_batch_next() and
 *               freed at once (memory independent of N)
 *       serial  N batches of one, one after the other (a one-by-one client)
 * KIND  app | list | search | reviews | missing (an app that 404s)
 *
 * Prints one JSON object: wall and CPU seconds of this process, peak RSS,
 * successes, the first error seen, and the client's counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "playfast.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static pf_request make(const char *kind, size_t i)
{
    pf_request r;
    (void)i;
    if (!strcmp(kind, "list")) {
        pf_request_init(&r, PF_KIND_LIST);
        r.category = "GAME";
        r.num = 100;
    } else if (!strcmp(kind, "search")) {
        pf_request_init(&r, PF_KIND_SEARCH);
        r.query = "panda";
    } else if (!strcmp(kind, "reviews")) {
        pf_request_init(&r, PF_KIND_REVIEWS);
        r.app_id = "com.google.android.apps.translate";
    } else if (!strcmp(kind, "missing")) {
        /* A 215-byte 404: measures the engine without the data phase. */
        pf_request_init(&r, PF_KIND_APP);
        r.app_id = "com.example.missing";
    } else {
        pf_request_init(&r, PF_KIND_APP);
        r.app_id = "com.google.android.apps.translate";
    }
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s BASE MODE KIND N K [RATE] [HTTPV] [CA]\n",
                argv[0]);
        return 2;
    }
    const char *mode = argv[2], *kind = argv[3];
    size_t n = strtoul(argv[4], NULL, 10);
    pf_client_options o;
    pf_client_options_init(&o);
    o.base_url = argv[1];
    o.max_concurrency = atoi(argv[5]);
    if (argc > 6) o.rate = atof(argv[6]);
    if (argc > 7) o.http_version = atoi(argv[7]);
    if (argc > 8 && argv[8][0]) o.cacert = argv[8];
    o.retries = 5;
    pf_client *c;
    pf_error err;
    if (pf_client_new(&o, &c, &err) != PF_OK) {
        fprintf(stderr, "pf_client_new: %s\n", err.message);
        return 1;
    }
    pf_request *reqs = malloc((n ? n : 1) * sizeof *reqs);
    for (size_t i = 0; i < n; i++) reqs[i] = make(kind, i);

    size_t ok = 0;
    pf_code first = PF_OK;
    char first_msg[240] = "";
    double t0 = now();
    pf_response res;
#define COUNT(r)                                                        \
    do {                                                                \
        if ((r).code == PF_OK)                                          \
            ok++;                                                       \
        else if (first == PF_OK) {                                      \
            first = (r).code;                                           \
            snprintf(first_msg, sizeof first_msg, "%s", (r).error.message); \
        }                                                               \
        pf_response_cleanup(&(r));                                      \
    } while (0)

    if (!strcmp(mode, "serial")) {
        for (size_t i = 0; i < n; i++) {
            pf_fetch(c, &reqs[i], 1, &res, NULL);
            COUNT(res);
        }
    } else if (!strcmp(mode, "stream")) {
        pf_batch *b;
        pf_batch_start(c, reqs, n, NULL, &b, NULL);
        size_t idx;
        while (pf_batch_next(b, -1, &idx, &res) == PF_OK) COUNT(res);
        pf_batch_free(b);
    } else {
        pf_response *out = calloc(n ? n : 1, sizeof *out);
        pf_fetch(c, reqs, n, out, NULL);
        for (size_t i = 0; i < n; i++) COUNT(out[i]);
        free(out);
    }
    double wall = now() - t0;
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    pf_client_free(c);
    free(reqs);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    printf("{\"wall\": %.4f, \"cpu\": %.4f, \"rss_kb\": %ld, \"ok\": %zu, "
           "\"n\": %zu, \"first_error\": \"%s\", \"requests\": %llu, "
           "\"retries\": %llu, \"connections\": %llu, \"bytes\": %llu}\n",
           wall, cpu, ru.ru_maxrss, ok, n, first ? pf_code_name(first) : "",
           (unsigned long long)st.requests, (unsigned long long)st.retries,
           (unsigned long long)st.connections,
           (unsigned long long)st.bytes_received);
    if (first) fprintf(stderr, "first error: %s\n", first_msg);
    return 0;
}
