/*
 * test-net-retry.c -- src/net/retry.c and the loop's use of it: which
 * failures are retried, backoff with jitter, Retry-After, a ceiling on the
 * rate, and the error kinds a request ends with when retries or its
 * deadline run out. The pacing policy itself is test-net-pace.c's.
 */
#include "harness.h"
#include "test-net.h"

#include "pace.h"
#include "retry.h"

#define TRANSLATE "com.google.android.apps.translate"

static pf_response fetch_one(pf_client *c)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = TRANSLATE;
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    return res;
}

TEST(backoff_doubles_with_jitter_and_caps)
{
    unsigned seed = 1;
    for (int attempt = 1; attempt <= 12; attempt++) {
        double step = 0.5;
        for (int i = 1; i < attempt; i++) step *= 2;
        if (step > 30) step = 30;
        for (int k = 0; k < 50; k++) {
            double d = pf__backoff(0.5, attempt, -1, &seed);
            CHECK(d >= step / 2 && d <= step);
        }
    }
    /* Jitter spreads: not every draw is the same. */
    double a = pf__backoff(1, 3, -1, &seed), b = pf__backoff(1, 3, -1, &seed);
    CHECK(a != b);
    CHECK_NUM(pf__backoff(0.5, 1, 7, &seed), 7.0, 0);
    CHECK_NUM(pf__backoff(0.5, 1, 100000, &seed), 120.0, 0);
}

TEST(retryable_classification)
{
    CHECK(pf__retryable(CURLE_OK, 429));
    CHECK(pf__retryable(CURLE_OK, 503));
    CHECK(pf__retryable(CURLE_OK, 500));
    CHECK(pf__retryable(CURLE_OK, 408));
    CHECK(!pf__retryable(CURLE_OK, 200));
    CHECK(!pf__retryable(CURLE_OK, 404));
    CHECK(!pf__retryable(CURLE_OK, 400));
    CHECK(pf__retryable(CURLE_OPERATION_TIMEDOUT, 0));
    CHECK(pf__retryable(CURLE_COULDNT_CONNECT, 0));
    CHECK(pf__retryable(CURLE_RECV_ERROR, 0));
    CHECK(pf__retryable(CURLE_GOT_NOTHING, 0));
    CHECK(!pf__retryable(CURLE_WRITE_ERROR, 0));
    CHECK(!pf__retryable(CURLE_URL_MALFORMAT, 0));
}

TEST(ceiling_spaces_starts)
{
    pf__pace b;
    pf__pace_init(&b, 10, 1, 100.0);
    CHECK_NUM(pf__pace_take(&b, 100.0), 0, 0);   /* the first is free */
    double w = pf__pace_take(&b, 100.0);
    CHECK(w > 0.099 && w <= 0.1);
    CHECK(pf__pace_take(&b, 100.05) > 0);
    CHECK_NUM(pf__pace_take(&b, 100.1), 0, 0);
    /* Idle time does not build a burst beyond one. */
    CHECK_NUM(pf__pace_take(&b, 200.0), 0, 0);
    CHECK(pf__pace_take(&b, 200.0) > 0);
}

TEST(retries_503_then_succeeds)
{
    test_server s;
    server_start(&s, "--script 503,503");
    pf_client *c = test_client(&s, NULL);
    pf_response res = fetch_one(c);
    CHECK_INT(res.code, PF_OK);
    CHECK_INT(res.error.attempts, 3);
    CHECK_INT(res.error.http_status, 200);
    pf_response_cleanup(&res);
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    CHECK_INT(st.requests, 3);
    CHECK_INT(st.retries, 2);
    CHECK_INT(server_stat(&s, "requests"), 3);
    pf_client_free(c);
    server_stop(&s);
}

TEST(rate_limited_until_the_deadline)
{
    /* A 429 is "come back later": retried whatever `retries` says, and
     * reported as rate_limited only when the deadline runs out. Without a
     * Retry-After the egress pauses PF__PAUSE_DEFAULT between attempts. */
    test_server s;
    server_start(&s, "--rate-limit 0.01 --burst 1 --retry-after 0");
    pf_client_options o;
    pf_client_options_init(&o);
    o.retries = 0;
    o.deadline = 2.5;
    pf_client *c = test_client(&s, &o);
    double t0 = test_now();
    pf_response first = fetch_one(c); /* takes the bucket's one token */
    CHECK_INT(first.code, PF_OK);
    pf_response_cleanup(&first);
    pf_response res = fetch_one(c);
    double el = test_now() - t0;
    CHECK_INT(res.code, PF_ERATELIMIT);
    CHECK_INT(res.error.code, PF_ERATELIMIT);
    CHECK_INT(res.error.http_status, 429);
    CHECK(res.error.attempts >= 2);
    CHECK(strstr(res.error.message, "deadline") != NULL);
    CHECK(res.app == NULL);
    CHECK(el < 2.5 + 1.5);
    pf_response_cleanup(&res);
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    CHECK(st.rate_limited >= 2);
    CHECK_INT(st.egresses, 1);
    pf_client_free(c);
    server_stop(&s);
}

TEST(a_429_is_retried_beyond_retries)
{
    test_server s;
    server_start(&s, "--script 429,429 --retry-after 0");
    pf_client_options o;
    pf_client_options_init(&o);
    o.retries = 0;
    pf_client *c = test_client(&s, &o);
    pf_response res = fetch_one(c);
    CHECK_INT(res.code, PF_OK);
    CHECK_INT(res.error.attempts, 3);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST(a_503_until_the_deadline_is_rate_limited)
{
    test_server s;
    server_start(&s, "--fail-5xx 1");
    pf_client_options o;
    pf_client_options_init(&o);
    o.retries = 1;
    o.deadline = 1.5;
    pf_client *c = test_client(&s, &o);
    pf_response res = fetch_one(c);
    CHECK_INT(res.code, PF_ERATELIMIT);
    CHECK_INT(res.error.http_status, 503);
    CHECK(res.error.attempts >= 2);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST(retry_after_is_honoured)
{
    test_server s;
    server_start(&s, "--script 429 --retry-after 1");
    pf_client_options o;
    pf_client_options_init(&o);
    o.backoff = 0.01; /* so only Retry-After can explain a 1 s wait */
    pf_client *c = test_client(&s, &o);
    double t0 = test_now();
    pf_response res = fetch_one(c);
    double el = test_now() - t0;
    CHECK_INT(res.code, PF_OK);
    CHECK_INT(res.error.attempts, 2);
    CHECK(el >= 0.95 && el < 3);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST(timeout_is_its_own_kind)
{
    test_server s;
    server_start(&s, "--stall 1");
    pf_client_options o;
    pf_client_options_init(&o);
    o.timeout = 0.4;
    o.retries = 1;
    pf_client *c = test_client(&s, &o);
    double t0 = test_now();
    pf_response res = fetch_one(c);
    CHECK_INT(res.code, PF_ETIMEOUT);
    CHECK_INT(res.error.attempts, 2);
    CHECK_INT(res.error.http_status, 0);
    CHECK(test_now() - t0 >= 0.8);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST(connection_errors_are_network_and_retried)
{
    test_server s;
    server_start(&s, "--script reset");
    pf_client_options o;
    pf_client_options_init(&o);
    o.retries = 0;
    pf_client *c = test_client(&s, &o);
    pf_response res = fetch_one(c);
    CHECK_INT(res.code, PF_ENETWORK);
    CHECK_INT(res.error.attempts, 1);
    pf_response_cleanup(&res);
    pf_client_free(c);

    /* With retries the same fault is invisible to the caller. */
    free(server_control(&s, "/__script", "[\"reset\"]"));
    c = test_client(&s, NULL);
    res = fetch_one(c);
    CHECK_INT(res.code, PF_OK);
    CHECK_INT(res.error.attempts, 2);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);

    /* Nobody listening: connect fails. */
    test_server dead = s;
    pf_client_options_init(&o);
    o.retries = 1;
    o.connect_timeout = 1;
    c = test_client(&dead, &o);
    res = fetch_one(c);
    CHECK_INT(res.code, PF_ENETWORK);
    CHECK_INT(res.error.attempts, 2);
    pf_response_cleanup(&res);
    pf_client_free(c);
}

TEST(rate_limit_is_respected)
{
    /* The server answers 429 beyond 20 req/s; a client limited to 20 req/s
     * must never see one, and must not be much slower than the limit. */
    test_server s;
    server_start(&s, "--rate-limit 20 --burst 2");
    pf_client_options o;
    pf_client_options_init(&o);
    o.rate = 20;
    o.retries = 0;
    pf_client *c = test_client(&s, &o);
    enum { N = 30 };
    pf_request r[N];
    for (int i = 0; i < N; i++) {
        /* Tiny 404 answers keep the test about timing, not parsing. */
        pf_request_init(&r[i], PF_KIND_APP);
        r[i].app_id = "com.example.missing";
    }
    pf_response out[N];
    double t0 = test_now();
    CHECK_INT(pf_fetch(c, r, N, out, NULL), PF_OK);
    double el = test_now() - t0;
    int ok = 0;
    for (int i = 0; i < N; i++) {
        ok += out[i].code == PF_ENOTFOUND; /* answered, not rate limited */
        pf_response_cleanup(&out[i]);
    }
    CHECK_INT(ok, N);
    CHECK(el >= (N - 1) / 20.0 - 0.05);
    CHECK(el < (N - 1) / 20.0 + 1.0);
    char *st = server_control(&s, "/__stats", NULL);
    CHECK(st && strstr(st, "\"429\": 0") != NULL);
    free(st);
    pf_client_free(c);
    server_stop(&s);
}

TEST(cancel_during_backoff)
{
    test_server s;
    server_start(&s, "--script 429 --retry-after 30");
    pf_client *c = test_client(&s, NULL);
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = TRANSLATE;
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, &r, 1, NULL, &b, NULL), PF_OK);
    usleep(300 * 1000);
    pf_batch_cancel(b);
    CHECK_INT(pf_batch_wait(b, 2000), PF_OK);
    pf_response res;
    CHECK_INT(pf_batch_take(b, 0, &res), PF_OK);
    CHECK_INT(res.code, PF_ECANCELLED);
    CHECK_INT(res.error.attempts, 1);
    pf_batch_free(b);
    pf_client_free(c);
    server_stop(&s);
}

TEST_MAIN()
