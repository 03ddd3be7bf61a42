/*
 * test-net-details.c -- src/net/details.c: list and search requests that
 * also fetch every entry's app record in the same batch.
 */
#include "harness.h"
#include "test-net.h"

static pf_request chart(int num)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_LIST);
    r.category = "GAME";
    r.num = num;
    r.details = 1;
    return r;
}

TEST(every_entry_gets_its_app_record_in_list_order)
{
    test_server s;
    server_start(&s, "--fill");
    pf_client *c = test_client(&s, NULL);
    pf_request r[2] = {chart(20), chart(3)};
    r[1].details = 0;
    pf_response out[2];
    CHECK_INT(pf_fetch(c, r, 2, out, NULL), PF_OK);
    CHECK_INT(out[0].code, PF_OK);
    CHECK_INT(out[0].list->count, 20);
    CHECK_INT(out[0].n_details, 20);
    char *log = server_control(&s, "/__log", NULL);
    for (size_t i = 0; i < 20; i++) {
        pf_response *d = &out[0].details[i];
        CHECK_INT(d->kind, PF_KIND_APP);
        CHECK_INT(d->code, PF_OK);
        /* The fill server answers with some recorded app's page; what
         * proves the pairing is the request it saw for this entry. */
        CHECK(d->app && d->app->title != NULL);
        char key[300];
        snprintf(key, sizeof key, "\"app_id\": \"%s\"",
                 out[0].list->items[i].app_id);
        CHECK(log && strstr(log, key) != NULL);
    }
    free(log);
    /* Without the flag, no details. */
    CHECK(out[1].details == NULL);
    CHECK_INT(out[1].n_details, 0);
    for (int i = 0; i < 2; i++) pf_response_cleanup(&out[i]);
    /* 2 charts + 20 app pages went over the wire, nothing else. */
    CHECK_INT(server_stat(&s, "requests"), 22);
    pf_client_free(c);
    server_stop(&s);
}

TEST(an_entry_that_fails_is_its_own_error)
{
    test_server s;
    server_start(&s, "--fill --script ok,503");
    pf_client_options o;
    pf_client_options_init(&o);
    o.deadline = 0.5; /* the 503's 1 s pause outlasts it: fail at once */
    o.max_concurrency = 1; /* the chart, then the entries one by one */
    pf_client *c = test_client(&s, &o);
    pf_request r = chart(3);
    pf_response out;
    CHECK_INT(pf_fetch(c, &r, 1, &out, NULL), PF_OK);
    CHECK_INT(out.code, PF_OK);
    CHECK_INT(out.n_details, 3);
    CHECK_INT(out.details[0].code, PF_ERATELIMIT);
    CHECK(out.details[0].app == NULL);
    CHECK_INT(out.details[1].code, PF_OK);
    CHECK_INT(out.details[2].code, PF_OK);
    pf_response_cleanup(&out);
    pf_client_free(c);
    server_stop(&s);
}

TEST(details_start_as_soon_as_the_list_is_in)
{
    /* 20 entries at 300 ms: about two latencies, not 21. */
    test_server s;
    server_start(&s, "--fill --latency 0.3");
    pf_client *c = test_client(&s, NULL);
    pf_request r = chart(20);
    pf_response out;
    double t0 = test_now();
    CHECK_INT(pf_fetch(c, &r, 1, &out, NULL), PF_OK);
    double el = test_now() - t0;
    CHECK_INT(out.code, PF_OK);
    CHECK_INT(out.n_details, 20);
    CHECK(el < 3 * 0.3 + 1.0); /* generous: this is about overlap */
    pf_response_cleanup(&out);
    pf_client_free(c);
    server_stop(&s);
}

TEST(k_parents_never_starve_their_children)
{
    /* With K = 2 and three charts asking for details, the parents give
     * their slots back while they wait: everything completes. */
    test_server s;
    server_start(&s, "--fill");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 2;
    pf_client *c = test_client(&s, &o);
    pf_request r[3] = {chart(5), chart(5), chart(5)};
    pf_response out[3];
    CHECK_INT(pf_fetch(c, r, 3, out, NULL), PF_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(out[i].code, PF_OK);
        CHECK_INT(out[i].n_details, 5);
        for (size_t k = 0; k < 5; k++)
            CHECK_INT(out[i].details[k].code, PF_OK);
        pf_response_cleanup(&out[i]);
    }
    pf_client_free(c);
    server_stop(&s);
}

TEST(cancel_ends_the_entries_and_frees_everything)
{
    test_server s;
    server_start(&s, "--fill --latency 0.2");
    pf_client_options o;
    pf_client_options_init(&o);
    o.max_concurrency = 3;
    pf_client *c = test_client(&s, &o);
    pf_request r = chart(30);
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, &r, 1, NULL, &b, NULL), PF_OK);
    usleep(500 * 1000); /* the chart is in, entries are running */
    pf_batch_cancel(b);
    CHECK_INT(pf_batch_wait(b, 5000), PF_OK);
    pf_response res;
    CHECK_INT(pf_batch_take(b, 0, &res), PF_OK);
    CHECK_INT(res.code, PF_OK);
    CHECK_INT(res.n_details, 30);
    int cancelled = 0;
    for (size_t i = 0; i < 30; i++)
        cancelled += res.details[i].code == PF_ECANCELLED;
    CHECK(cancelled > 0);
    pf_response_cleanup(&res);
    pf_batch_free(b);
    pf_client_free(c);
    server_stop(&s);
}

TEST(freeing_the_client_mid_flight_unwinds_the_entries)
{
    test_server s;
    server_start(&s, "--fill --latency 0.2");
    pf_client *c = test_client(&s, NULL);
    pf_request r = chart(40);
    pf_batch *b;
    CHECK_INT(pf_batch_start(c, &r, 1, NULL, &b, NULL), PF_OK);
    usleep(400 * 1000);
    pf_client_free(c); /* leaks or hangs show under the harness */
    pf_batch_free(b);
    server_stop(&s);
}

TEST_MAIN()
