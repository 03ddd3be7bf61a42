/*
 * test-net-pushback.c -- the engine under Google's pushback, against the
 * replay server: blocked pages and redirects (src/net/blocked.c), the
 * egress pool (src/net/egress.c) with local source addresses, quarantine
 * and failover, and redirects that leave the store.
 */
#include "harness.h"
#include "test-net.h"

#include "blocked.h"

#define TRANSLATE "com.google.android.apps.translate"

static pf_request app(const char *id)
{
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = id;
    return r;
}

TEST(blocked_page_markers_and_locations)
{
    static const char page[] =
        "<html><body>Our systems have detected unusual traffic from your "
        "computer network.</body></html>";
    CHECK(pf__blocked_page(page, sizeof page - 1));
    CHECK(pf__blocked_page("<form id=\"captcha-form\" action=\"index\">", 39));
    CHECK(!pf__blocked_page("<html>an app page</html>", 24));
    CHECK(!pf__blocked_page(NULL, 0));
    CHECK(pf__blocked_location("https://www.google.com/sorry/index?continue=x"));
    CHECK(pf__blocked_location("http://127.0.0.1:9/sorry/index?q=1"));
    CHECK(pf__blocked_location("https://consent.google.com/ml?continue=x"));
    CHECK(pf__blocked_location("https://CONSENT.GOOGLE.DE/"));
    CHECK(!pf__blocked_location("https://play.google.com/store/apps"));
    CHECK(!pf__blocked_location("https://evil.example/consent.google.com/"));
    CHECK(pf__same_origin("http://127.0.0.1:5/a?b", "http://127.0.0.1:5"));
    CHECK(!pf__same_origin("http://127.0.0.1:6/a", "http://127.0.0.1:5"));
    CHECK(!pf__same_origin("https://127.0.0.1:5/a", "http://127.0.0.1:5"));
    CHECK(!pf__same_origin("ftp://127.0.0.1:5/a", "http://127.0.0.1:5"));
    /* The host comes after the userinfo's last '@'. */
    CHECK(pf__same_origin("http://u:p@x@127.0.0.1:5/a", "http://127.0.0.1:5"));
    CHECK(!pf__same_origin("http://127.0.0.1:5@evil.example/", "http://127.0.0.1:5"));
    CHECK(pf__blocked_location("https://u@consent.google.com/ml"));
}

TEST(captcha_and_consent_are_blocked_not_layout_or_network)
{
    /* The batch of three: blocked, result, blocked. */
    test_server s;
    server_start(&s, "--fill --block-id com.x.captcha=captcha "
                     "--block-id com.x.consent=consent");
    pf_client_options o;
    pf_client_options_init(&o);
    o.deadline = 2;
    pf_client *c = test_client(&s, &o);
    pf_request r[3] = {app("com.x.captcha"), app(TRANSLATE),
                       app("com.x.consent")};
    pf_response out[3];
    double t0 = test_now();
    CHECK_INT(pf_fetch(c, r, 3, out, NULL), PF_OK);
    CHECK(test_now() - t0 < 4);
    CHECK_INT(out[0].code, PF_EBLOCKED);
    CHECK_INT(out[0].error.http_status, 200);
    CHECK(strstr(out[0].error.message, "blocked") != NULL);
    CHECK_INT(out[1].code, PF_OK);
    CHECK_INT(out[2].code, PF_EBLOCKED);
    CHECK_INT(out[2].error.http_status, 302);
    CHECK_STR(pf_code_name(out[0].code), "blocked");
    for (int i = 0; i < 3; i++) pf_response_cleanup(&out[i]);
    pf_client_stats st;
    pf_client_stats_get(c, &st);
    CHECK(st.blocked >= 2);
    pf_egress_stats e;
    CHECK_INT(pf_client_egress_stats(c, &e, 1), 1);
    CHECK_STR(e.name, "direct");
    CHECK_INT(e.quarantined, 1);
    CHECK(e.cooldown > 20);
    pf_client_free(c);
    server_stop(&s);
}

TEST(sorry_redirects_are_blocked)
{
    test_server s;
    server_start(&s, "--fill --block-id com.x.sorry=sorry "
                     "--block-id com.x.local=sorry-local");
    pf_client_options o;
    pf_client_options_init(&o);
    o.deadline = 1;
    pf_client *c = test_client(&s, &o);
    pf_request r[2] = {app("com.x.sorry"), app("com.x.local")};
    pf_response out[2];
    CHECK_INT(pf_fetch(c, r, 2, out, NULL), PF_OK);
    CHECK_INT(out[0].code, PF_EBLOCKED);
    CHECK_INT(out[1].code, PF_EBLOCKED);
    for (int i = 0; i < 2; i++) pf_response_cleanup(&out[i]);
    pf_client_free(c);
    server_stop(&s);
}

/* The server's by_peer entry for addr: its request count, or -1. */
static long peer_requests(const test_server *s, const char *addr)
{
    char *st = server_control(s, "/__stats", NULL);
    long n = -1;
    char key[64];
    snprintf(key, sizeof key, "\"%s\": {\"requests\": ", addr);
    char *at = st ? strstr(st, key) : NULL;
    if (at) n = atol(at + strlen(key));
    free(st);
    return n;
}

TEST(a_proxy_is_named_without_its_credentials)
{
    static const char *const proxies[] = {"http://user:pa@ss@127.0.0.1:9/",
                                          "socks5://127.0.0.1:8"};
    pf_client_options o;
    pf_client_options_init(&o);
    o.base_url = "http://127.0.0.1:1";
    o.proxies = proxies;
    o.n_proxies = 2;
    pf_client *c = NULL;
    CHECK_INT(pf_client_new(&o, &c, NULL), PF_OK);
    pf_egress_stats e[2];
    CHECK_INT(pf_client_egress_stats(c, e, 2), 2);
    CHECK_STR(e[0].name, "http://127.0.0.1:9/");
    CHECK_STR(e[1].name, "socks5://127.0.0.1:8");
    pf_client_free(c);
}

TEST(each_local_address_is_an_egress_with_its_own_pace)
{
    /* Three source addresses against 20 req/s per address: each carries
     * a share, and the pacing of each learns its own limit. */
    test_server s;
    server_start(&s, "--fill --rate-limit 20 --per-address --retry-after 1");
    static const char *const addrs[] = {"127.0.0.2", "127.0.0.3",
                                        "127.0.0.4"};
    pf_client_options o;
    pf_client_options_init(&o);
    o.local_addresses = addrs;
    o.n_local_addresses = 3;
    pf_client *c = test_client(&s, &o);
    enum { N = 90 };
    pf_request r[N];
    char ids[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "com.example.e%d", i);
        r[i] = app(ids[i]);
    }
    pf_response out[N];
    CHECK_INT(pf_fetch(c, r, N, out, NULL), PF_OK);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        ok += out[i].code == PF_OK;
        pf_response_cleanup(&out[i]);
    }
    CHECK_INT(ok, N);
    long total = 0;
    for (int i = 0; i < 3; i++) {
        long n = peer_requests(&s, addrs[i]);
        CHECK(n >= N / 6);
        total += n;
    }
    CHECK_INT(server_stat(&s, "requests"), total); /* nothing went direct */
    pf_egress_stats e[4];
    CHECK_INT(pf_client_egress_stats(c, e, 4), 3);
    for (int i = 0; i < 3; i++) {
        CHECK_STR(e[i].name, addrs[i]);
        CHECK(e[i].requests >= N / 6);
    }
    pf_client_free(c);
    server_stop(&s);
}

TEST(a_blocked_egress_is_quarantined_and_the_others_carry_on)
{
    test_server s;
    server_start(&s, "--fill --block-address 127.0.0.2=captcha");
    static const char *const addrs[] = {"127.0.0.2", "127.0.0.3"};
    pf_client_options o;
    pf_client_options_init(&o);
    o.local_addresses = addrs;
    o.n_local_addresses = 2;
    o.deadline = 20;
    pf_client *c = test_client(&s, &o);
    enum { N = 30 };
    pf_request r[N];
    char ids[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "com.example.q%d", i);
        r[i] = app(ids[i]);
    }
    pf_response out[N];
    double t0 = test_now();
    CHECK_INT(pf_fetch(c, r, N, out, NULL), PF_OK);
    CHECK(test_now() - t0 < 10); /* nobody waited out the cooldown */
    int ok = 0;
    for (int i = 0; i < N; i++) {
        ok += out[i].code == PF_OK;
        pf_response_cleanup(&out[i]);
    }
    CHECK_INT(ok, N);
    pf_egress_stats e[2];
    CHECK_INT(pf_client_egress_stats(c, e, 2), 2);
    CHECK_INT(e[0].quarantined, 1);
    CHECK(e[0].blocked >= 1);
    CHECK_INT(e[1].blocked, 0);
    pf_client_free(c);
    server_stop(&s);
}

TEST(an_egress_cooling_down_past_the_deadline_fails_at_once)
{
    /* One egress, blocked: its 30 s cooldown outlasts a 3 s deadline, so
     * the request reports the block now instead of waiting for nothing. */
    test_server s;
    server_start(&s, "--fill --block-id com.x.captcha=captcha");
    pf_client_options o;
    pf_client_options_init(&o);
    o.deadline = 3;
    pf_client *c = test_client(&s, &o);
    pf_request r = app("com.x.captcha");
    pf_response res;
    double t0 = test_now();
    CHECK_INT(pf_fetch(c, &r, 1, &res, NULL), PF_OK);
    CHECK(test_now() - t0 < 1.5);
    CHECK_INT(res.code, PF_EBLOCKED);
    CHECK_INT(res.error.attempts, 1);
    pf_response_cleanup(&res);
    pf_client_free(c);
    server_stop(&s);
}

TEST_MAIN()
