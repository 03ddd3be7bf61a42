/*
 * test-net-client.c -- the client (src/net/client.c): options and their
 * defaults, connection reuse over HTTP/1.1 and multiplexing over HTTP/2,
 * the response-size cap, compression, statistics.
 */
#include "harness.h"
#include <math.h>
#include "test-net.h"

#include "body.h"
#include "client.h"

#define TRANSLATE "com.google.android.apps.translate"

static int run_apps(pf_client *c, int n)
{
    pf_request *r = calloc((size_t)n, sizeof *r);
    pf_response *out = calloc((size_t)n, sizeof *out);
    for (int i = 0; i < n; i++) {
        pf_request_init(&r[i], PF_KIND_APP);
        r[i].app_id = TRANSLATE;
    }
    CHECK_INT(pf_fetch(c, r, (size_t)n, out, NULL), PF_OK);
    int ok = 0;
    for (int i = 0; i < n; i++) {
        ok += out[i].code == PF_OK;
        if (out[i].code != PF_OK)
            fprintf(stderr, "  [%d] %s: %s\n", i, pf_code_name(out[i].code),
                    out[i].error.message);
        pf_response_cleanup(&out[i]);
    }
    free(r);
    free(out);
    return ok;
}

TEST(options_defaults)
{
    pf_client_options o;
    memset(&o, 0x7f, sizeof o);
    pf_client_options_init(&o);
    CHECK(o.base_url == NULL && o.proxy == NULL);
    CHECK_INT(o.retries, -1);
    CHECK_INT(o.max_concurrency, 0);
    pf_client_options_init(NULL);

    pf_client *c = NULL;
    pf_error err;
    o.http_version = 3;
    CHECK_INT(pf_client_new(&o, &c, &err), PF_EINVAL);
    CHECK(c == NULL);
    CHECK_INT(err.code, PF_EINVAL);
    CHECK_INT(pf_client_new(NULL, NULL, NULL), PF_EINVAL);

    CHECK_INT(pf_client_new(NULL, &c, &err), PF_OK);
    CHECK_STR(pf__client_options(c)->base_url, "https://play.google.com");
    CHECK_INT(pf__client_options(c)->max_concurrency, 64);
    CHECK_INT(pf__client_options(c)->max_per_host, 64);
    CHECK_INT(pf__client_options(c)->retries, 3);
    CHECK_NUM(pf__client_options(c)->timeout, 30, 0);
    CHECK_NUM(pf__client_options(c)->backoff, 0.5, 0);
    CHECK_INT(pf__client_options(c)->max_response, 32 << 20);
    CHECK(pf__client_options(c)->workers >= 2 && pf__client_options(c)->workers <= 8);
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    CHECK_INT(st.requests, 0);
    pf_client_free(c);
    pf_client_free(NULL);
    pf_client_stats_get(NULL, &st);
    CHECK_INT(st.requests, 0);

    setenv("PLAYFAST_BASE_URL", "http://127.0.0.1:1", 1);
    CHECK_INT(pf_client_new(NULL, &c, &err), PF_OK);
    CHECK_STR(pf__client_options(c)->base_url, "http://127.0.0.1:1");
    pf_client_free(c);
    pf_client_options_init(&o);
    o.base_url = "http://127.0.0.1:2";
    CHECK_INT(pf_client_new(&o, &c, &err), PF_OK);
    CHECK_STR(pf__client_options(c)->base_url, "http://127.0.0.1:2"); /* the option wins */
    pf_client_free(c);
    unsetenv("PLAYFAST_BASE_URL");
}

/* Regression: seconds turned into integer milliseconds (and the loop's
 * seed, from microseconds of uptime) overflowed their integer types, which
 * is undefined; clang's UBSan in the sanitizer run caught the seed. Absurd
 * option values are now refused by name (pf_client_options_check), values
 * at the edge of their range are kept, and a client made with them still
 * runs requests. */
TEST(absurd_seconds_are_refused_and_edges_run)
{
    pf_client_options o;
    pf_client *c = NULL;
    pf_error err;
    static const struct { int field; double v; const char *name; } bad[] = {
        {0, NAN, "timeout"}, {1, 1e300, "connect_timeout"},
        {2, INFINITY, "backoff"}, {3, NAN, "rate"}, {4, -1, "deadline"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pf_client_options_init(&o);
        double *f[] = {&o.timeout, &o.connect_timeout, &o.backoff, &o.rate,
                       &o.deadline};
        *f[bad[i].field] = bad[i].v;
        CHECK_INT(pf_client_new(&o, &c, &err), PF_EINVAL);
        CHECK(c == NULL);
        CHECK(strncmp(err.message, bad[i].name, strlen(bad[i].name)) == 0);
    }
    pf_client_options_init(&o);
    o.connect_timeout = PF_MAX_SECONDS;
    o.backoff = PF_MAX_SECONDS;
    CHECK_INT(pf_client_new(&o, &c, NULL), PF_OK);
    CHECK_NUM(pf__client_options(c)->timeout, 30, 0);
    CHECK_NUM(pf__client_options(c)->connect_timeout, 86400, 0);
    CHECK_NUM(pf__client_options(c)->backoff, 86400, 0);
    CHECK_NUM(pf__client_options(c)->deadline, 600, 0);
    pf_client_free(c);

    test_server s;
    server_start(&s, "");
    pf_client_options_init(&o);
    o.timeout = PF_MAX_SECONDS;
    o.rate = 1e-6; /* one request, then a wait of ~12 days: cancel it */
    c = test_client(&s, &o);
    pf_request r[2];
    for (int i = 0; i < 2; i++) {
        pf_request_init(&r[i], PF_KIND_APP);
        r[i].app_id = "com.google.android.apps.translate";
    }
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, 2, NULL, &b, NULL), PF_OK);
    size_t idx;
    pf_response res;
    CHECK_INT(pf_batch_next(b, 10000, &idx, &res), PF_OK);
    CHECK_INT(res.code, PF_OK);
    pf_response_cleanup(&res);
    pf_batch_cancel(b);
    CHECK_INT(pf_batch_next(b, 10000, &idx, &res), PF_OK);
    CHECK_INT(res.code, PF_ECANCELLED);
    pf_batch_free(b);
    pf_client_free(c);
    server_stop(&s);
}

TEST(http1_connections_are_reused)
{
    test_server s;
    server_start(&s, "--latency 0.02");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 4;
    o.http_version = 1;
    pf_client *c = test_client(&s, &o);
    CHECK_INT(run_apps(c, 40), 40);
    CHECK_INT(run_apps(c, 8), 8); /* a second batch reuses them too */
    long conns = server_stat(&s, "connections") - 1; /* minus our stats GET */
    CHECK(conns >= 1 && conns <= 4);
    CHECK(server_stat(&s, "max_in_flight") <= 4);
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    CHECK_INT(st.requests, 48);
    CHECK(st.connections >= 1 && st.connections <= 4);
    pf_client_free(c);
    server_stop(&s);
}

TEST(per_host_cap)
{
    test_server s;
    server_start(&s, "--latency 0.05");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 16;
    o.max_per_host = 2;
    o.http_version = 1;
    pf_client *c = test_client(&s, &o);
    CHECK_INT(run_apps(c, 12), 12);
    CHECK(server_stat(&s, "connections") - 1 <= 2);
    CHECK(server_stat(&s, "max_in_flight") <= 2);
    pf_client_free(c);
    server_stop(&s);
}

TEST(http2_multiplexes_over_one_connection)
{
    test_server s;
    server_start(&s, "--h2 --latency 0.05");
    CHECK(s.ca[0] != '\0');
    CHECK(!strncmp(s.base, "https://", 8));
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 32;
    o.http_version = 2;
    pf_client *c = test_client(&s, &o);
    CHECK_INT(run_apps(c, 40), 40);
    long conns = server_stat(&s, "connections") - 1;
    CHECK(conns >= 1 && conns <= 2);
    CHECK(server_stat(&s, "h2_connections") >= 1);
    CHECK(server_stat(&s, "max_in_flight") > 2); /* concurrent streams */
    pf_client_free(c);

    /* Auto (0) negotiates h2 over TLS by ALPN as well. */
    pf_client_options_init(&o);
    o.max_concurrency = 16;
    c = test_client(&s, &o);
    long before = server_stat(&s, "connections");
    CHECK_INT(run_apps(c, 16), 16);
    CHECK(server_stat(&s, "connections") - before - 1 <= 2);
    pf_client_free(c);
    server_stop(&s);
}

TEST(response_cap_is_too_big_not_oom)
{
    test_server s;
    server_start(&s, "");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_response = 100000; /* app pages are ~1.2 MB */
    pf_client *c = test_client(&s, &o);
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = TRANSLATE;
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_ETOOBIG);
    CHECK_INT(res.error.attempts, 1); /* not retried */
    pf_response_cleanup(&res);
    /* Small responses still pass under the same cap. */
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = "no.such.app";
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_ENOTFOUND);
    if (res.code != PF_ENOTFOUND) fprintf(stderr, "  %s\n", res.error.message);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);

    /* Compressed: the wire size (~220 KB) passes the cap, the decoded body
     * (1.2 MB) does not; the write path must catch it. */
    server_start(&s, "--gzip");
    o.max_response = 300000;
    c = test_client(&s, &o);
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = TRANSLATE;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_ETOOBIG);
    CHECK_INT(res.error.attempts, 1);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST(gzip_is_negotiated_and_decoded)
{
    test_server s;
    server_start(&s, "--gzip");
    pf_client *c = test_client(&s, NULL);
    CHECK_INT(run_apps(c, 2), 2);
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    long sent = server_stat(&s, "bytes_sent");
    /* The body is kept as sent and decoded on a worker: what is counted
     * (and held against the body budget) is the compressed size, about a
     * sixth of the 1.2 MB page. */
    CHECK(sent > 0 && sent < 1000000);
    CHECK(st.bytes_received > 2 * 100000 && st.bytes_received < 2 * 400000);
    CHECK(st.bytes_received <= (uint64_t)sent);
    pf_client_free(c);
    server_stop(&s);
}

TEST(many_requests_few_slots)
{
    /* 2,000 requests through 16 slots: memory and handles stay bounded, and
     * every request is answered exactly once. */
    test_server s;
    server_start(&s, "--fill");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 16;
    pf_client *c = test_client(&s, &o);
    enum { N = 2000 };
    pf_request *r = calloc(N, sizeof *r);
    for (int i = 0; i < N; i++) {
        pf_request_init(&r[i], PF_KIND_REVIEWS); /* small bodies */
        r[i].app_id = TRANSLATE;
        r[i].num = 10;
    }
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, N, NULL, &b, NULL), PF_OK);
    free(r); /* the batch holds its own copies */
    size_t idx, n = 0, ok = 0;
    pf_response res;
    while (pf_batch_next(b, -1, &idx, &res) == PF_OK) {
        n++;
        ok += res.code == PF_OK && res.reviews && res.reviews->count == 10;
        pf_response_cleanup(&res);
    }
    CHECK_INT(n, N);
    CHECK_INT(ok, N);
    CHECK(server_stat(&s, "max_in_flight") <= 16);
    pf_batch_free(b);
    pf_client_free(c);
    server_stop(&s);
}

#include <sys/resource.h>

TEST(body_budget_bounds_memory)
{
    /* 400 app pages (1.2 MB each) with 200 in flight: without the body
     * budget all 200 would be buffered at once (~250 MB). Transfers past
     * the budget are paused and resumed; every one must still complete. */
    test_server s;
    server_start(&s, "--latency 0.05");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 200;
    o.http_version = 1;
    pf_client *c = test_client(&s, &o);
    enum { N = 400 };
    pf_request *r = calloc(N, sizeof *r);
    for (int i = 0; i < N; i++) {
        pf_request_init(&r[i], PF_KIND_APP);
        r[i].app_id = TRANSLATE;
    }
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, N, NULL, &b, NULL), PF_OK);
    free(r);
    size_t idx, ok = 0, peak = 0;
    pf_response res;
    while (pf_batch_next(b, -1, &idx, &res) == PF_OK) {
        ok += res.code == PF_OK;
        pf_response_cleanup(&res);
        size_t live;
        pf__bodies_stats(pf__client_bodies(c), &live, NULL, NULL);
        if (live > peak) peak = live;
    }
    CHECK_INT(ok, N);
    /* The budget plus what the transfers admitted before it filled grew. */
    CHECK(peak <= PF__BODY_BUDGET + 16 * (2u << 20));
    pf_batch_free(b);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
#if !defined(__SANITIZE_THREAD__) /* TSan's shadow memory dwarfs the rest */
    CHECK(ru.ru_maxrss < 200 * 1024); /* KiB */
#endif
    pf_client_free(c);
    server_stop(&s);
}

/* A batch of n (at most 16) requests for the Translate page. */
static pf_batch *start_apps(pf_client *c, int n)
{
    pf_request r[16];
    for (int i = 0; i < n && i < 16; i++) {
        pf_request_init(&r[i], PF_KIND_APP);
        r[i].app_id = TRANSLATE;
    }
    pf_batch *b = NULL;
    CHECK_INT(pf_batch_start(c, r, (size_t)(n < 16 ? n : 16), NULL, &b, NULL),
              PF_OK);
    return b;
}

TEST(spares_are_paged_in_during_the_wait)
{
    /* While the server thinks, the loop maps spare buffers for the bodies
     * to come (bounded by the budget), once one body has shown their size;
     * after 2 s idle they go back. */
    test_server s;
    server_start(&s, "--latency 0.6");
    pf_client *c = test_client(&s, NULL);
    CHECK_INT(run_apps(c, 1), 1); /* the size to expect */
    size_t live, nspare, spare_bytes, nspare0;
    pf__bodies_stats(pf__client_bodies(c), NULL, &nspare0, NULL);
    enum { N = 8 };
    pf_batch *b = start_apps(c, N);
    usleep(300 * 1000);   /* requests sent, no byte back yet */
    pf__bodies_stats(pf__client_bodies(c), &live, &nspare, &spare_bytes);
    CHECK(nspare > nspare0 && nspare <= N);
    CHECK(spare_bytes <= PF__BODY_BUDGET / 2);
    CHECK_INT(live, 0);
    CHECK_INT(pf_batch_wait(b, -1), PF_OK);
    for (size_t i = 0; i < N; i++) {
        pf_response res;
        CHECK_INT(pf_batch_take(b, i, &res), PF_OK);
        CHECK_INT(res.code, PF_OK);
        pf_response_cleanup(&res);
    }
    pf_batch_free(b);
    usleep(3200 * 1000);  /* idle past the 2 s grace, and the 1 s poll */
    pf__bodies_stats(pf__client_bodies(c), NULL, &nspare, NULL);
    CHECK_INT(nspare, 0);
    pf_client_free(c);
    server_stop(&s);
}

TEST(no_spares_are_paged_in_before_a_body_has_arrived)
{
    /* The first round's size is a guess (1 MB): paging in 1 MB spares for
     * 220 KB gzip'd pages cost more CPU than their faults (body.c). */
    test_server s;
    server_start(&s, "--latency 0.5");
    pf_client *c = test_client(&s, NULL);
    enum { N = 8 };
    pf_batch *b = start_apps(c, N);
    usleep(250 * 1000);   /* requests sent, no byte back yet */
    size_t live, nspare;
    pf__bodies_stats(pf__client_bodies(c), &live, &nspare, NULL);
    CHECK_INT(nspare, 0);
    CHECK_INT(live, 0);
    CHECK_INT(pf_batch_wait(b, -1), PF_OK);
    pf_batch_free(b);
    pf_client_free(c);
    server_stop(&s);
}

static size_t pages(size_t n)
{
    return (n + 4095) / 4096 * 4096;
}

TEST(appended_pieces_arrive_whole_at_any_size_and_alignment)
{
    /* Pieces from 1 byte to past the streaming threshold, so that both
     * copies run, at every destination alignment mod 16. */
    pf__bodies *bs = pf__bodies_new((size_t)32 << 20);
    enum { TOTAL = 600000 };
    char *src = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++) src[i] = (char)(i * 131 + (i >> 9));
    pf__body b = {0};
    CHECK(pf__body_reserve(bs, &b, TOTAL + 1));
    size_t at = 0, piece = 1;
    while (at < TOTAL) {
        size_t n = piece < TOTAL - at ? piece : TOTAL - at;
        pf__body_append(&b, src + at, n);
        at += n;
        CHECK_INT(b.len, at);
        CHECK(b.buf[b.len] == '\0');
        piece = piece * 3 + 7; /* 1, 10, 37, ... 8K, 24K, 73K, ... */
        if (piece > 70000) piece = piece % 70000 + 8191;
    }
    CHECK(memcmp(b.buf, src, TOTAL) == 0);
    pf__body_release(bs, &b);
    pf__bodies_free(bs);
    free(src);
}

TEST(prefault_waits_for_an_observed_size_and_uses_it)
{
    pf__bodies *bs = pf__bodies_new((size_t)32 << 20);
    size_t nspare, spare_bytes;
    CHECK_INT(pf__bodies_prefault(bs, 8), 0);
    pf__bodies_stats(bs, NULL, &nspare, NULL);
    CHECK_INT(nspare, 0);
    pf__bodies_observe(bs, 218303);
    CHECK_INT(pf__bodies_prefault(bs, 8), 1);
    pf__bodies_stats(bs, NULL, &nspare, &spare_bytes);
    CHECK_INT(nspare, 1);
    CHECK_INT(spare_bytes, pages(218303));
    pf__bodies_free(bs);
}

TEST_MAIN()
