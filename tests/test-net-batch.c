/*
 * test-net-batch.c -- batches end to end against the replay server: each
 * kind of request, review pagination, per-request errors, completion-order
 * and input-order retrieval, progress, cancellation, hostile values reaching
 * the server intact.
 */
#include "harness.h"
#include <pthread.h>

#include "test-net.h"

#include "arena.h"
#include "json.h"

#define TRANSLATE "com.google.android.apps.translate"

static pf_request app_req(const char *id)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = id;
    return r;
}

TEST(each_kind_end_to_end)
{
    test_server s;
    server_start(&s, "");
    pf_client *c = test_client(&s, NULL);
    pf_request r[4];
    r[0] = app_req(TRANSLATE);
    pf_request_init(&r[1], PF_KIND_LIST);
    r[1].category = "GAME";
    r[1].collection = "topselling_free";
    r[1].num = 100;
    pf_request_init(&r[2], PF_KIND_SEARCH);
    r[2].query = "panda";
    pf_request_init(&r[3], PF_KIND_REVIEWS);
    r[3].app_id = TRANSLATE;
    pf_response out[4];
    CHECK_INT(pf_fetch(c, r, 4, out, NULL), PF_OK);
    for (int i = 0; i < 4; i++) {
        CHECK_INT(out[i].code, PF_OK);
        CHECK_INT(out[i].kind, r[i].kind);
        CHECK_INT(out[i].error.http_status, 200);
        CHECK_INT(out[i].error.attempts, 1);
        CHECK(out[i].elapsed > 0 && out[i].elapsed < 30);
    }
    CHECK(out[0].app && out[0].app->title);
    if (out[0].app) {
        CHECK_STR(out[0].app->app_id, TRANSLATE);
        CHECK_STR(out[0].app->title, "Google Translate");
    }
    CHECK(out[1].list && out[1].list->count == 100);
    CHECK(out[2].list && out[2].list->count > 0);
    /* One page by default, with the token to continue. */
    CHECK(out[3].reviews && out[3].reviews->count == 150);
    if (out[3].reviews) CHECK(out[3].reviews->next_token != NULL);
    for (int i = 0; i < 4; i++) pf_response_cleanup(&out[i]);
    CHECK(out[0].app == NULL && out[0].code == PF_OK);
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    CHECK_INT(st.requests, 4);
    CHECK(st.bytes_received > 1000000);
    pf_client_free(c);
    server_stop(&s);
}

static size_t reviews_run(test_server *s, pf_client *c, int num,
                          pf_reviews **out)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = TRANSLATE;
    r.num = num;
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_OK);
    *out = res.reviews;
    return res.reviews ? res.reviews->count : 0;
}

static int unique_ids(const pf_reviews *r)
{
    for (size_t i = 0; i < r->count; i++)
        for (size_t j = i + 1; j < r->count; j++)
            if (!strcmp(r->items[i].review_id, r->items[j].review_id))
                return 0;
    return 1;
}

TEST(reviews_follow_tokens_into_one_result)
{
    test_server s;
    server_start(&s, "--review-pages 3");
    pf_client *c = test_client(&s, NULL);
    pf_reviews *rv;

    CHECK_INT(reviews_run(&s, c, PF_REVIEWS_ALL, &rv), 450);
    CHECK(rv->next_token == NULL);
    CHECK(unique_ids(rv));
    pf_reviews_free(rv);
    CHECK_INT(server_stat(&s, "requests"), 3);

    /* 200 = one full page and 50 of the next; the token to go on is kept. */
    CHECK_INT(reviews_run(&s, c, 200, &rv), 200);
    CHECK(rv->next_token != NULL);
    CHECK(unique_ids(rv));
    pf_reviews_free(rv);
    CHECK_INT(server_stat(&s, "requests"), 5);

    CHECK_INT(reviews_run(&s, c, 20, &rv), 20);
    pf_reviews_free(rv);
    pf_client_free(c);
    server_stop(&s);
}

/* Issue 13.2: a chain whose second page fails keeps the 150 reviews of
 * page one and the token of the page that failed, to resume from. The
 * failure is a truncated body with no retries: a 503 is pushback, retried
 * until the deadline, and a reset on a reused connection is retried by
 * libcurl itself. */
TEST(a_broken_review_chain_keeps_what_it_fetched)
{
    test_server s;
    server_start(&s, "--review-pages 3 --script ok,truncate");
    pf_client_options o;
    pf_client_options_init(&o);
    o.retries = 0;
    pf_client *c = test_client(&s, &o);
    pf_request r;
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = TRANSLATE;
    r.num = PF_REVIEWS_ALL;
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_ENETWORK);
    CHECK(res.reviews != NULL);
    if (res.reviews) {
        CHECK_INT(res.reviews->count, 150);
        CHECK(res.reviews->next_token != NULL);
        /* Resuming from it fetches pages two and three. */
        r.token = res.reviews->next_token;
        pf_response more;
        CHECK_INT(pf_fetch(c, &r, 1, &more, NULL), PF_OK);
        CHECK_INT(more.code, PF_OK);
        if (more.reviews) CHECK_INT(more.reviews->count, 300);
        pf_response_cleanup(&more);
    }
    pf_response_cleanup(&res);
    /* A failure on the first page has nothing to keep. */
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = TRANSLATE;
    free(server_control(&s, "/__script", "[\"truncate\"]"));
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_ENETWORK);
    CHECK(res.reviews == NULL);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST(reviews_last_page_null_token)
{
    test_server s;
    server_start(&s, "--review-pages 2 --reviews-end null");
    pf_client *c = test_client(&s, NULL);
    pf_reviews *rv;
    CHECK_INT(reviews_run(&s, c, PF_REVIEWS_ALL, &rv), 300);
    CHECK(rv->next_token == NULL);
    pf_reviews_free(rv);
    pf_client_free(c);
    server_stop(&s);
}

TEST(reviews_fall_back_to_ocpfdb_on_an_empty_frame)
{
    /* The server answers an unknown token with a null wrb.fr frame. On the
     * first page the engine then asks again under the older rpc name, and
     * that answer (empty, or an error) stands. */
    test_server s;
    server_start(&s, "");
    pf_client *c = test_client(&s, NULL);
    pf_request r;
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = TRANSLATE;
    r.token = "no-such-token";
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK(res.code != PF_OK || (res.reviews && res.reviews->count == 0));
    CHECK_INT(res.error.attempts, 2);
    pf_response_cleanup(&res);
    char *log = server_control(&s, "/__log", NULL);
    CHECK(log != NULL);
    if (log) {
        char *u = strstr(log, "\"rpc\": \"UsvDTd\"");
        char *o = strstr(log, "\"rpc\": \"oCPfdb\"");
        CHECK(u != NULL && o != NULL && u < o);
        CHECK(strstr(log, "\"token\": \"no-such-token\"") != NULL);
    }
    free(log);
    pf_client_free(c);
    server_stop(&s);
}

TEST(per_request_errors_leave_the_rest_intact)
{
    test_server s;
    server_start(&s, "");
    pf_client *c = test_client(&s, NULL);
    pf_request r[6];
    r[0] = app_req(TRANSLATE);
    r[1] = app_req("no.such.app");         /* 404 */
    r[2] = app_req(NULL);                  /* invalid */
    pf_request_init(&r[3], PF_KIND_SEARCH);
    r[3].query = "panda";
    pf_request_init(&r[4], (pf_kind)42);   /* invalid kind */
    pf_request_init(&r[5], PF_KIND_LIST);  /* unrecorded chart: null frame */
    pf_response out[6];
    CHECK_INT(pf_fetch(c, r, 6, out, NULL), PF_OK);
    CHECK_INT(out[0].code, PF_OK);
    CHECK_INT(out[1].code, PF_ENOTFOUND);
    CHECK_INT(out[1].error.code, PF_ENOTFOUND);
    CHECK_INT(out[1].error.http_status, 404);
    CHECK_INT(out[1].error.attempts, 1);
    CHECK(out[1].app == NULL);
    CHECK_INT(out[2].code, PF_EINVAL);
    CHECK_INT(out[2].error.attempts, 0);
    CHECK_INT(out[3].code, PF_OK);
    CHECK_INT(out[4].code, PF_EINVAL);
    CHECK(out[5].code != PF_OK || (out[5].list && out[5].list->count == 0));
    for (int i = 0; i < 6; i++) {
        if (out[i].code != PF_OK) CHECK(out[i].error.message[0] != '\0');
        pf_response_cleanup(&out[i]);
    }
    pf_client_free(c);
    server_stop(&s);
}

TEST(truncated_body_is_a_network_error)
{
    /* The server announces the full length and closes early: curl sees the
     * short read, so this is a transport failure (retried, then network),
     * never a parse of half a page. */
    test_server s;
    server_start(&s, "--truncate 1 --seed 7");
    pf_client_options o;
    pf_client_options_init(&o);
    o.retries = 1;
    pf_client *c = test_client(&s, &o);
    pf_request r = app_req(TRANSLATE);
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_ENETWORK);
    CHECK_INT(res.error.attempts, 2);
    CHECK(res.app == NULL);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST(parse_error_keeps_the_parsers_kind)
{
    /* A base URL ending in "?x=" makes the app request land on another
     * page (a developer page) with HTTP 200: the parser's verdict, not an HTTP
     * one, must come back, with the status and attempts filled in. */
    test_server s;
    server_start(&s, "--fill");
    pf_client_options o;
    pf_client_options_init(&o);
    char base[700];
    snprintf(base, sizeof base, "%s/store/apps/dev?x=", s.base);
    o.base_url = base;
    pf_client *c = NULL;
    CHECK_INT(pf_client_new(&o, &c, NULL), PF_OK);
    pf_request r = app_req(TRANSLATE);
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK(res.code == PF_EUNSUPPORTED || res.code == PF_EMALFORMED ||
          res.code == PF_ENOTFOUND);
    CHECK_INT(res.error.code, res.code);
    CHECK_INT(res.error.http_status, 200);
    CHECK_INT(res.error.attempts, 1);
    CHECK(res.error.message[0] != '\0');
    CHECK(res.app == NULL);
    pf_response_cleanup(&res);
    char *log = server_control(&s, "/__log", NULL);
    CHECK(log && strstr(log, "/store/apps/dev") != NULL);
    free(log);
    pf_client_free(c);
    server_stop(&s);
}

struct prog { size_t calls, last_done, last_failed, total; };

static void on_progress(void *u, size_t done, size_t failed, size_t total)
{
    struct prog *p = u;
    __atomic_add_fetch(&p->calls, 1, __ATOMIC_SEQ_CST);
    if (done > __atomic_load_n(&p->last_done, __ATOMIC_SEQ_CST))
        __atomic_store_n(&p->last_done, done, __ATOMIC_SEQ_CST);
    if (failed > __atomic_load_n(&p->last_failed, __ATOMIC_SEQ_CST))
        __atomic_store_n(&p->last_failed, failed, __ATOMIC_SEQ_CST);
    p->total = total;
}

/* Request i of the mixed batch: an app, a missing app (404) or a search,
 * so the outcome shows whether a response landed at the right index. */
static pf_request mixed(int i)
{
    pf_request r = app_req(i % 3 == 0 ? TRANSLATE : "no.such.app");
    if (i % 3 == 2) {
        pf_request_init(&r, PF_KIND_SEARCH);
        r.query = "panda";
    }
    return r;
}

static void check_mixed(int i, const pf_response *res)
{
    CHECK_INT(res->kind, mixed(i).kind);
    switch (i % 3) {
    case 0:
        CHECK_INT(res->code, PF_OK);
        CHECK(res->app && !strcmp(res->app->app_id, TRANSLATE));
        break;
    case 1:
        CHECK_INT(res->code, PF_ENOTFOUND);
        break;
    default:
        CHECK_INT(res->code, PF_OK);
        CHECK(res->list && res->list->count > 0);
    }
}

TEST(next_delivers_each_index_once_in_completion_order)
{
    test_server s;
    server_start(&s, "--latency uniform:0.01:0.1 --seed 3");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 8;
    pf_client *c = test_client(&s, &o);
    enum { N = 60 };
    pf_request r[N];
    for (int i = 0; i < N; i++) r[i] = mixed(i);
    struct prog p = {0, 0, 0, 0};
    pf_batch_options bo = {on_progress, &p, NULL};
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, N, &bo, &b, NULL), PF_OK);
    int seen[N] = {0};
    size_t idx, got = 0, failed = 0, prev = 0, out_of_order = 0;
    pf_response res;
    pf_code rc;
    while ((rc = pf_batch_next(b, -1, &idx, &res)) == PF_OK) {
        CHECK(idx < N);
        if (idx >= N) break;
        seen[idx]++;
        if (got && idx < prev) out_of_order++;
        prev = idx;
        got++;
        if (res.code != PF_OK) failed++;
        check_mixed((int)idx, &res);
        pf_response_cleanup(&res);
    }
    CHECK_INT(rc, PF_EDONE);
    CHECK_INT(got, N);
    CHECK_INT(failed, N / 3);
    CHECK(out_of_order > 0); /* completion order, not input order */
    for (int i = 0; i < N; i++) CHECK_INT(seen[i], 1);
    CHECK_INT(pf_batch_next(b, 0, &idx, &res), PF_EDONE);
    /* take() after next() is refused. */
    CHECK_INT(pf_batch_take(b, 0, &res), PF_EINVAL);
    size_t d, f, t;
    pf_batch_progress(b, &d, &f, &t);
    CHECK_INT(d, N);
    CHECK_INT(f, N / 3);
    CHECK_INT(t, N);
    pf_batch_free(b);
    CHECK_INT(p.calls, N);
    CHECK_INT(p.last_done, N);
    CHECK_INT(p.last_failed, N / 3);
    CHECK_INT(p.total, N);
    CHECK(server_stat(&s, "max_in_flight") <= 8);
    pf_client_free(c);
    server_stop(&s);
}

/* Results handed to a callback as they complete: each index exactly once,
 * owned by the callback, and nothing left for pf_batch_next(). */
struct collected {
    pthread_mutex_t mu;
    int seen[60];
    size_t got, failed;
};

static void on_result(void *ud, size_t i, pf_response *res)
{
    struct collected *c = ud;
    pthread_mutex_lock(&c->mu);
    if (i < 60) c->seen[i]++;
    c->got++;
    if (res->code != PF_OK) c->failed++;
    check_mixed((int)i, res);
    pthread_mutex_unlock(&c->mu);
    pf_response_cleanup(res);
}

TEST(result_callback_owns_each_response)
{
    test_server s;
    server_start(&s, "--latency uniform:0.01:0.05 --seed 5");
    pf_client *c = test_client(&s, NULL);
    enum { N = 60 };
    pf_request r[N];
    for (int i = 0; i < N; i++) r[i] = mixed(i);
    struct collected col = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0};
    pf_batch_options bo = {NULL, &col, on_result};
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, N, &bo, &b, NULL), PF_OK);
    CHECK_INT(pf_batch_wait(b, -1), PF_OK);
    size_t idx;
    pf_response res;
    CHECK_INT(pf_batch_next(b, 0, &idx, &res), PF_EDONE);
    size_t d, f, t;
    pf_batch_progress(b, &d, &f, &t);
    pf_batch_free(b);
    CHECK_INT(col.got, N);
    CHECK_INT(col.failed, N / 3);
    CHECK_INT(d, N);
    CHECK_INT(f, N / 3);
    for (int i = 0; i < N; i++) CHECK_INT(col.seen[i], 1);
    pf_client_free(c);
    server_stop(&s);
}

/* Regression: requests cancelled before they started never reached the
 * result callback, so a binding taking results that way needed a second
 * queue (pf_batch_next) for them. Every index now arrives exactly once. */
static void count_cancelled(void *ud, size_t i, pf_response *res)
{
    struct collected *c = ud;
    pthread_mutex_lock(&c->mu);
    if (i < 60) c->seen[i]++;
    c->got++;
    if (res->code == PF_ECANCELLED) c->failed++;
    pthread_mutex_unlock(&c->mu);
    pf_response_cleanup(res);
}

TEST(cancelled_before_start_reach_the_result_callback)
{
    test_server s;
    server_start(&s, "--latency 0.3");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 2;
    pf_client *c = test_client(&s, &o);
    enum { N = 40 };
    pf_request r[N];
    for (int i = 0; i < N; i++) r[i] = mixed(0);
    struct collected col = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0};
    pf_batch_options bo = {NULL, &col, count_cancelled};
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, N, &bo, &b, NULL), PF_OK);
    usleep(100 * 1000);
    pf_batch_cancel(b);
    /* Those never started were delivered by pf_batch_cancel itself. */
    pthread_mutex_lock(&col.mu);
    CHECK(col.failed >= N - 2);
    pthread_mutex_unlock(&col.mu);
    CHECK_INT(pf_batch_wait(b, 5000), PF_OK);
    pf_batch_free(b);
    CHECK_INT(col.got, N);
    CHECK_INT(col.failed, N);
    for (int i = 0; i < N; i++) CHECK_INT(col.seen[i], 1);
    pf_client_free(c);
    server_stop(&s);
}

/* Regression: a 1 MB app id came back as out_of_memory and a 10 MB one as
 * "No URL set"; an oversized id is the request's own invalid_argument,
 * naming the field and the limit, and nothing is sent for it. */
TEST(oversized_ids_are_invalid_arguments)
{
    test_server s;
    server_start(&s, "--fill");
    pf_client *c = test_client(&s, NULL);
    size_t sizes[2] = {1 << 20, 10 << 20};
    for (int k = 0; k < 2; k++) {
        char *id = malloc(sizes[k] + 1);
        memset(id, 'a', sizes[k]);
        id[sizes[k]] = '\0';
        pf_request r[2] = {mixed(0), mixed(0)};
        r[1].app_id = id;
        pf_response out[2];
        CHECK_INT(pf_fetch(c, r, 2, out, NULL), PF_OK);
        CHECK_INT(out[0].code, PF_OK);
        CHECK_INT(out[1].code, PF_EINVAL);
        CHECK(strstr(out[1].error.message, "app_id") != NULL);
        CHECK(strstr(out[1].error.message, "4096") != NULL);
        CHECK_INT(out[1].error.attempts, 0);
        pf_response_cleanup(&out[0]);
        pf_response_cleanup(&out[1]);
        pf_http_request h;
        pf_error err;
        CHECK_INT(pf_request_build(&r[1], NULL, &h, &err), PF_EINVAL);
        CHECK(strstr(err.message, "app_id") != NULL);
        free(id);
    }
    CHECK_INT(server_stat(&s, "requests"), 2);
    pf_client_free(c);
    server_stop(&s);
}

TEST(take_in_input_order_and_timeouts)
{
    test_server s;
    server_start(&s, "--latency 0.3");
    pf_client *c = test_client(&s, NULL);
    pf_request r[3] = {mixed(0), mixed(1), mixed(2)};
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, 3, NULL, &b, NULL), PF_OK);
    pf_response res;
    size_t idx;
    CHECK_INT(pf_batch_wait(b, 0), PF_EAGAIN);
    CHECK_INT(pf_batch_wait(b, 50), PF_EAGAIN);
    CHECK_INT(pf_batch_take(b, 0, &res), PF_EAGAIN);
    CHECK_INT(pf_batch_wait(b, -1), PF_OK);
    CHECK_INT(pf_batch_take(b, 3, &res), PF_EINVAL);
    for (int i = 2; i >= 0; i--) {
        CHECK_INT(pf_batch_take(b, (size_t)i, &res), PF_OK);
        check_mixed(i, &res);
        pf_response_cleanup(&res);
    }
    CHECK_INT(pf_batch_take(b, 1, &res), PF_EINVAL); /* taken already */
    CHECK_INT(pf_batch_next(b, 0, &idx, &res), PF_EINVAL);
    pf_batch_free(b);

    /* next() with a timeout before anything is ready. */
    CHECK_INT(pf_batch_start(c, r, 1, NULL, &b, NULL), PF_OK);
    double t0 = test_now();
    CHECK_INT(pf_batch_next(b, 100, &idx, &res), PF_EAGAIN);
    CHECK(test_now() - t0 >= 0.09);
    CHECK_INT(pf_batch_next(b, -1, &idx, &res), PF_OK);
    pf_response_cleanup(&res);
    pf_batch_free(b);
    pf_client_free(c);
    server_stop(&s);
}

TEST(empty_batch_and_bad_arguments)
{
    test_server s;
    server_start(&s, "");
    pf_client *c = test_client(&s, NULL);
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, NULL, 0, NULL, &b, NULL), PF_OK);
    pf_response res;
    size_t idx;
    CHECK_INT(pf_batch_wait(b, 0), PF_OK);
    CHECK_INT(pf_batch_next(b, -1, &idx, &res), PF_EDONE);
    pf_batch_free(b);
    pf_error err;
    CHECK_INT(pf_batch_start(NULL, NULL, 0, NULL, &b, &err), PF_EINVAL);
    CHECK(b == NULL);
    CHECK_INT(pf_batch_start(c, NULL, 3, NULL, &b, &err), PF_EINVAL);
    CHECK_INT(pf_fetch(c, NULL, 0, NULL, NULL), PF_OK);
    pf_batch_free(NULL);
    pf_batch_cancel(NULL);
    pf_response_cleanup(NULL);
    pf_client_free(c);
    server_stop(&s);
}

TEST(cancel_keeps_finished_results)
{
    test_server s;
    server_start(&s, "--fill --latency 2");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 4;
    pf_client *c = test_client(&s, &o);
    enum { N = 40 };
    pf_request r[N];
    for (int i = 0; i < N; i++) r[i] = app_req(TRANSLATE);
    /* Request 0 is answered at once (a 404, latency applies to all, so use
     * an invalid request that never reaches the server instead). */
    r[0] = app_req(NULL);
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, r, N, NULL, &b, NULL), PF_OK);
    pf_response res;
    size_t idx;
    CHECK_INT(pf_batch_next(b, 2000, &idx, &res), PF_OK);
    CHECK_INT(idx, 0);
    CHECK_INT(res.code, PF_EINVAL);
    pf_response_cleanup(&res);
    usleep(200 * 1000); /* let the others get in flight */
    double t0 = test_now();
    pf_batch_cancel(b);
    CHECK_INT(pf_batch_wait(b, 1500), PF_OK);
    CHECK(test_now() - t0 < 1.0);
    size_t cancelled = 0;
    while (pf_batch_next(b, 0, &idx, &res) == PF_OK) {
        CHECK_INT(res.code, PF_ECANCELLED);
        cancelled += res.code == PF_ECANCELLED;
        pf_response_cleanup(&res);
    }
    CHECK_INT(cancelled, N - 1);
    pf_batch_cancel(b); /* twice is harmless */
    pf_batch_free(b);
    CHECK(server_stat(&s, "requests") <= 5);
    pf_client_free(c);
    server_stop(&s);
}

TEST(free_batch_and_client_mid_flight)
{
    test_server s;
    server_start(&s, "--fill --latency 1");
    pf_client *c = test_client(&s, NULL);
    pf_request r[10];
    for (int i = 0; i < 10; i++) r[i] = app_req(TRANSLATE);
    pf_batch *b1, *b2;
    CHECK_INT(pf_batch_start(c, r, 10, NULL, &b1, NULL), PF_OK);
    CHECK_INT(pf_batch_start(c, r, 10, NULL, &b2, NULL), PF_OK);
    usleep(100 * 1000);
    double t0 = test_now();
    pf_batch_free(b1);
    /* The client goes first; the batch stays usable for taking results. */
    pf_client_free(c);
    CHECK(test_now() - t0 < 0.8);
    CHECK_INT(pf_batch_wait(b2, 0), PF_OK);
    pf_response res;
    size_t idx;
    int n = 0;
    while (pf_batch_next(b2, 0, &idx, &res) == PF_OK) {
        CHECK_INT(res.code, PF_ECANCELLED);
        pf_response_cleanup(&res);
        n++;
    }
    CHECK_INT(n, 10);
    pf_batch_free(b2);
    server_stop(&s);
}

/* The /__log entry of the last request, decoded field `key`. */
static char *logged(test_server *s, const char *key)
{
    char *log = server_control(s, "/__log", NULL);
    if (log == NULL) return NULL;
    pf__jv v = pf__jv_make(log, log + strlen(log), 0);
    /* Iterate: pf__jv_index reads objects in arrays as JSPB sparse tails. */
    pf__jiter it;
    pf__jv last = PF__JV_NONE, e;
    pf__jiter_init(&it, v);
    while (pf__jiter_next(&it, &e)) last = e;
    char *out = NULL;
    if (pf__jv_ok(last)) {
        e = pf__jv_key(last, key);
        pf__arena a;
        pf__arena_init(&a, 64);
        size_t off = pf__jv_str(e, &a);
        if (off != PF__NOFF) out = strdup(a.buf + off);
        pf__arena_cleanup(&a);
    }
    free(log);
    return out;
}

TEST(hostile_values_reach_the_server_intact)
{
    test_server s;
    server_start(&s, "--fill");
    pf_client *c = test_client(&s, NULL);
    const char *q = "a \"quoted\" back\\slash & #hash\nnew\xc3\xa9\xe2\x82\xac"
                    "%20+plus";
    pf_request r;
    pf_request_init(&r, PF_KIND_SEARCH);
    r.query = q;
    pf_response res;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_OK);
    pf_response_cleanup(&res);
    char *got = logged(&s, "q");
    CHECK_STR(got, q);
    free(got);

    r = app_req(q);
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_OK);
    pf_response_cleanup(&res);
    got = logged(&s, "app_id");
    CHECK_STR(got, q);
    free(got);

    /* Inside batchexecute's JSON-in-JSON-in-form the id also survives. */
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = q;
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK_INT(res.code, PF_OK);
    pf_response_cleanup(&res);
    got = logged(&s, "app_id");
    CHECK_STR(got, q);
    free(got);
    got = logged(&s, "rpc");
    CHECK_STR(got, "UsvDTd");
    free(got);
    pf_client_free(c);
    server_stop(&s);
}

TEST_MAIN()
