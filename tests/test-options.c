/*
 * test-options.c -- the one validation of client options and request
 * argument sizes (src/core/options.c).
 *
 * Every refusal must be PF_EINVAL with a message that starts with the
 * field's name (frontends swap it for their own spelling), and the
 * defaults must pass.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "harness.h"
#include "options.h"

/* Check opt (with the `given` mask) and expect a refusal whose message
 * starts with want. */
static void refused(const pf_client_options *opt, unsigned given,
                    const char *want)
{
    pf_error err;
    memset(&err, 0, sizeof err);
    CHECK_INT(pf__client_options_check(opt, given, &err), PF_EINVAL);
    CHECK_INT(err.code, PF_EINVAL);
    if (strncmp(err.message, want, strlen(want)) != 0) {
        fprintf(stderr, "  message \"%s\" does not start with \"%s\"\n",
                err.message, want);
        CHECK(0);
    }
}

static pf_client_options fresh(void)
{
    pf_client_options o;
    pf_client_options_init(&o);
    return o;
}

TEST(defaults_and_null_pass)
{
    unsetenv("PLAYFAST_BASE_URL");
    pf_client_options o = fresh();
    CHECK_INT(pf_client_options_check(&o, NULL), PF_OK);
    CHECK_INT(pf_client_options_check(NULL, NULL), PF_OK);
    o.base_url = "HTTPS://play.google.com";
    o.user_agent = "Mozilla/5.0\t(tab is legal)";
    o.timeout = 0.5;
    o.deadline = 600;
    o.rate = 0;
    o.retries = 0;
    o.max_concurrency = PF_MAX_CONCURRENCY;
    const char *proxies[] = {"http://p:1", "https://u:pw@p:2", "socks5://p",
                             "SOCKS5H://p:1080"};
    const char *locals[] = {"127.0.0.1", "::1", "2001:db8::7"};
    o.proxies = proxies;
    o.n_proxies = 4;
    o.local_addresses = locals;
    o.n_local_addresses = 3;
    o.cacert = "/dev/null";
    CHECK_INT(pf__client_options_check(
                  &o, PF__OPT_BASE_URL | PF__OPT_USER_AGENT | PF__OPT_TIMEOUT |
                      PF__OPT_DEADLINE | PF__OPT_RATE | PF__OPT_RETRIES |
                      PF__OPT_MAX_CONCURRENCY | PF__OPT_CACERT, NULL),
              PF_OK);
}

TEST(line_breaks_in_header_values_and_urls_are_refused)
{
    static const struct {
        size_t off;
        const char *value, *want;
    } cases[] = {
        {offsetof(pf_client_options, user_agent), "UA\r\nX-Inj: 1",
         "user_agent: contains a line break (CR or LF)"},
        {offsetof(pf_client_options, user_agent), "UA\nX",
         "user_agent: contains a line break"},
        {offsetof(pf_client_options, user_agent), "UA\001",
         "user_agent: contains a control character"},
        {offsetof(pf_client_options, base_url), "http://h/\r\nX: 1",
         "base_url: contains a line break"},
        {offsetof(pf_client_options, proxy), "http://p:1\n",
         "proxy: contains a line break"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pf_client_options o = fresh();
        *(const char **)((char *)&o + cases[i].off) = cases[i].value;
        refused(&o, 0, cases[i].want);
    }
}

TEST(base_url_must_be_http_or_https)
{
    unsetenv("PLAYFAST_BASE_URL");
    const char *bad[] = {"file:///etc/passwd", "ftp://h/", "gopher://h",
                         "dict://h:11211/", "play.google.com", "http://",
                         "http:///path"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pf_client_options o = fresh();
        o.base_url = bad[i];
        refused(&o, 0, "base_url: scheme must be http:// or https://, got \"");
    }
    pf_client_options o = fresh();
    o.base_url = "";
    CHECK_INT(pf__client_options_check(&o, 0, NULL), PF_OK);   /* = default */
    refused(&o, PF__OPT_BASE_URL, "base_url: empty");
    /* The environment the engine falls back to obeys the same rule. */
    setenv("PLAYFAST_BASE_URL", "file:///etc/passwd", 1);
    o = fresh();
    refused(&o, 0, "PLAYFAST_BASE_URL: scheme must be");
    refused(NULL, 0, "PLAYFAST_BASE_URL: scheme must be");
    o.base_url = "http://127.0.0.1:1";    /* an explicit one wins */
    CHECK_INT(pf_client_options_check(&o, NULL), PF_OK);
    unsetenv("PLAYFAST_BASE_URL");
}

TEST(proxies_need_a_known_scheme_and_never_leak_credentials)
{
    const char *proxies[] = {"http://a:1", "socks5://b:2", "ftp://x"};
    pf_client_options o = fresh();
    o.proxies = proxies;
    o.n_proxies = 3;
    refused(&o, 0, "proxies[2]: scheme must be http://, https:// or socks5://, "
                   "got \"ftp://x\"");
    const char *secret[] = {"htp://user:hunter2@proxy:3128"};
    o.proxies = secret;
    o.n_proxies = 1;
    pf_error err;
    CHECK_INT(pf_client_options_check(&o, &err), PF_EINVAL);
    CHECK(strstr(err.message, "hunter2") == NULL);
    CHECK(strstr(err.message, "htp://***@proxy:3128") != NULL);
    /* A password holding an '@': the userinfo ends at the last one. */
    const char *at[] = {"htp://user:hun@ter2@proxy:3128"};
    o.proxies = at;
    CHECK_INT(pf_client_options_check(&o, &err), PF_EINVAL);
    CHECK(strstr(err.message, "ter2") == NULL);
    CHECK(strstr(err.message, "htp://***@proxy:3128") != NULL);
    const char *bare[] = {"proxy.example:3128"};
    o.proxies = bare;
    refused(&o, 0, "proxies[0]: scheme must be");
    const char *empty[] = {"http://a", ""};
    o.proxies = empty;
    o.n_proxies = 2;
    refused(&o, 0, "proxies[1]: empty");
    o.proxies = NULL;
    refused(&o, 0, "proxies: NULL with a count of 2");
    o.n_proxies = PF_MAX_EGRESSES + 1;
    refused(&o, 0, "proxies: 65537 entries, more than 65536");
    o = fresh();
    o.proxy = "socks4://p:1";
    refused(&o, 0, "proxy: scheme must be");
}

TEST(local_addresses_must_be_ip_literals)
{
    const char *bad[] = {"localhost", "10.0.0.256", "1.2.3", "fe80::1%eth0",
                         " 10.0.0.1", "::g"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *one[] = {"10.0.0.1", bad[i]};
        pf_client_options o = fresh();
        o.local_addresses = one;
        o.n_local_addresses = 2;
        refused(&o, 0, "local_addresses[1]: not an IPv4 or IPv6 address: \"");
    }
}

TEST(cacert_must_be_readable_up_front)
{
    pf_client_options o = fresh();
    o.cacert = "/x/y";
    refused(&o, 0, "cacert: cannot read /x/y: No such file or directory");
    o.cacert = "/tmp";
    refused(&o, 0, "cacert: cannot read /tmp: Is a directory");
    o.cacert = "";
    refused(&o, 0, "cacert: empty");
}

TEST(numbers_outside_their_range_are_refused)
{
    struct {
        double *field;
        const char *name;
    } secs[4];
    pf_client_options o = fresh();
    secs[0].field = &o.timeout, secs[0].name = "timeout";
    secs[1].field = &o.connect_timeout, secs[1].name = "connect_timeout";
    secs[2].field = &o.backoff, secs[2].name = "backoff";
    secs[3].field = &o.deadline, secs[3].name = "deadline";
    const double bad[] = {-1, NAN, INFINITY, -INFINITY, PF_MAX_SECONDS * 2};
    for (int f = 0; f < 4; f++) {
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            o = fresh();
            secs[0].field = &o.timeout;
            secs[1].field = &o.connect_timeout;
            secs[2].field = &o.backoff;
            secs[3].field = &o.deadline;
            *secs[f].field = bad[i];
            char want[80];
            snprintf(want, sizeof want, "%s: must be a positive number of seconds",
                     secs[f].name);
            refused(&o, 0, want);
        }
    }
    o = fresh();
    o.deadline = -1;
    refused(&o, 0, "deadline: must be a positive number of seconds up to 86400, "
                   "got -1");
    o = fresh();
    o.max_concurrency = -5;
    refused(&o, 0, "max_concurrency: must be 1..100000, got -5");
    o.max_concurrency = PF_MAX_CONCURRENCY + 1;
    refused(&o, 0, "max_concurrency: must be 1..100000");
    o = fresh();
    o.max_per_host = -1;
    refused(&o, 0, "max_per_host: must be 1..");
    o = fresh();
    o.workers = PF_MAX_WORKERS + 1;
    refused(&o, 0, "workers: must be 1..1024");
    o = fresh();
    o.rate = -1;
    refused(&o, 0, "rate: must be 0");
    o.rate = NAN;
    refused(&o, 0, "rate: must be 0");
    o = fresh();
    o.retries = PF_MAX_RETRIES + 1;
    refused(&o, 0, "retries: must be 0..1000");
    o = fresh();
    o.http_version = 3;
    refused(&o, 0, "http_version: must be 0 (auto), 1 or 2, got 3");
}

TEST(a_value_the_user_gave_has_no_default_meaning)
{
    /* 0 (or a negative retries) is "the default" in the C API, but a user
     * who typed it asked for that value: refused, as the CLI always did. */
    pf_client_options o = fresh();
    CHECK_INT(pf__client_options_check(&o, 0, NULL), PF_OK);
    refused(&o, PF__OPT_TIMEOUT, "timeout: must be a positive number");
    refused(&o, PF__OPT_DEADLINE, "deadline: must be a positive number");
    refused(&o, PF__OPT_MAX_CONCURRENCY, "max_concurrency: must be 1..100000, got 0");
    refused(&o, PF__OPT_RETRIES, "retries: must be 0..1000, got -1");
    refused(&o, PF__OPT_MAX_RESPONSE, "max_response: must be at least 1 byte");
    /* Where 0 is itself a setting, it stays valid. */
    CHECK_INT(pf__client_options_check(&o, PF__OPT_RATE | PF__OPT_HTTP_VERSION,
                                       NULL), PF_OK);
    o.user_agent = "";
    CHECK_INT(pf__client_options_check(&o, 0, NULL), PF_OK);
    refused(&o, PF__OPT_USER_AGENT, "user_agent: empty");
}

TEST(request_sizes_are_capped_with_the_limit_named)
{
    size_t big = (size_t)10 << 20;
    char *s = malloc(big + 1);
    memset(s, 'a', big);
    s[big] = '\0';
    pf_request r;
    pf_error err;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = "com.google.android.apps.translate";
    CHECK_INT(pf__request_check(&r, NULL), PF_OK);

    s[PF_MAX_ID_BYTES] = '\0';           /* exactly the limit: fine */
    r.app_id = s;
    CHECK_INT(pf__request_check(&r, NULL), PF_OK);
    s[PF_MAX_ID_BYTES] = 'a';
    CHECK_INT(pf__request_check(&r, &err), PF_EINVAL);
    CHECK_STR(err.message, "app_id: longer than the limit of 4096 bytes");

    pf_request_init(&r, PF_KIND_SEARCH);
    s[PF_MAX_QUERY_BYTES] = '\0';
    r.query = s;                         /* 8 KiB: a query may be that long */
    CHECK_INT(pf__request_check(&r, NULL), PF_OK);
    s[PF_MAX_QUERY_BYTES] = 'a';
    CHECK_INT(pf__request_check(&r, &err), PF_EINVAL);
    CHECK_STR(err.message, "query: longer than the limit of 8192 bytes");

    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = "x";
    r.token = s;
    CHECK_INT(pf__request_check(&r, &err), PF_EINVAL);
    CHECK_STR(err.message, "token: longer than the limit of 8192 bytes");
    r.token = NULL;
    r.country = s;
    CHECK_INT(pf__request_check(&r, &err), PF_EINVAL);
    CHECK_STR(err.message, "country: longer than the limit of 4096 bytes");
    CHECK_INT(pf__request_check(NULL, NULL), PF_EINVAL);
    free(s);
}

/* One check for every argument: the CLI and Python refuse what it refuses,
 * and each message names the field, the value and what is allowed. */
static void request_refused(const pf_request *r, const char *prefix)
{
    pf_error err;
    CHECK_INT(pf__request_check(r, &err), PF_EINVAL);
    CHECK(strncmp(err.message, prefix, strlen(prefix)) == 0);
    if (strncmp(err.message, prefix, strlen(prefix)) != 0)
        fprintf(stderr, "  got \"%s\"\n", err.message);
}

TEST(country_and_language_codes_are_checked)
{
    /* country: ISO 3166-1 alpha-2, either case; lang: a language tag. */
    static const struct {
        const char *country, *lang;
        int ok;
    } cases[] = {
        {"us", NULL, 1}, {"GB", NULL, 1}, {"jp", NULL, 1}, {"zw", NULL, 1},
        {"usa", NULL, 0}, {"zz", NULL, 0}, {"", NULL, 0}, {"english", NULL, 0},
        {"u", NULL, 0}, {"uk", NULL, 0}, {"u1", NULL, 0},
        {NULL, "en", 1}, {NULL, "en-GB", 1}, {NULL, "pt_BR", 1},
        {NULL, "zh-TW", 1}, {NULL, "fil", 1}, {NULL, "es-419", 1},
        {NULL, "zh-Hant-TW", 1}, {NULL, "DE", 1},
        {NULL, "english", 0}, {NULL, "", 0}, {NULL, "e", 0}, {NULL, "en-", 0},
        {NULL, "en-G", 0}, {NULL, "12", 0}, {NULL, "en GB", 0},
    };
    pf_request r;
    pf_request_init(&r, PF_KIND_APP);
    r.app_id = "com.example";
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        r.country = cases[i].country;
        r.lang = cases[i].lang;
        if (cases[i].ok)
            CHECK_INT(pf__request_check(&r, NULL), PF_OK);
        else
            request_refused(&r, r.country ? "country: \"" : "lang: \"");
    }
    pf_error err;
    r.country = "usa";
    r.lang = NULL;
    pf__request_check(&r, &err);
    CHECK_STR(err.message, "country: \"usa\" is not a country code; give an "
                           "ISO 3166-1 alpha-2 code such as us, gb or de");
}

TEST(required_fields_enums_and_ranges_are_named)
{
    pf_request r;
    pf_error err;
    pf_request_init(&r, PF_KIND_APP);
    request_refused(&r, "app_id: missing");
    r.app_id = "";
    pf__request_check(&r, &err);
    CHECK_STR(err.message, "app_id: empty; give an app id such as "
                           "com.google.android.apps.translate");
    pf_request_init(&r, PF_KIND_SEARCH);
    r.query = "panda";
    r.price = (pf_price)7;
    pf__request_check(&r, &err);
    CHECK_STR(err.message, "price: must be 0 (all), 1 (free) or 2 (paid), got 7");
    r.price = PF_PRICE_FREE;
    r.num = -1;
    request_refused(&r, "num: must be 1..1000000 (0 = the default), got -1");
    r.num = PF_MAX_NUM;
    CHECK_INT(pf__request_check(&r, NULL), PF_OK);
    pf_request_init(&r, PF_KIND_REVIEWS);
    r.app_id = "com.example";
    r.sort = (pf_sort)99;
    request_refused(&r, "sort: must be 1 (relevant), 2 (newest) or 3 (rating), got 99");
    r.sort = PF_SORT_RATING;
    r.num = PF_REVIEWS_ALL;
    CHECK_INT(pf__request_check(&r, NULL), PF_OK);
    r.num = -2;
    request_refused(&r, "num: must be 1..100000000 reviews");
    r.num = 0;
    r.score = 6;
    request_refused(&r, "score: must be 1..5");
    r.score = 0;
    r.token = "";
    request_refused(&r, "token: empty");
    /* An argument-order mistake (country where the category goes) is
     * caught by the same checks. */
    pf_request_init(&r, PF_KIND_LIST);
    r.category = "GAME";
    r.country = "GAME";
    request_refused(&r, "country: \"GAME\" is not a country code");
    r.country = "us";
    r.category = "us";
    request_refused(&r, "category: \"us\" is not a category id");
    r.category = "GAME_ACTION";
    r.collection = "best_ever";
    request_refused(&r, "collection: \"best_ever\" is not a collection");
    r.collection = "TOP_PAID";
    CHECK_INT(pf__request_check(&r, NULL), PF_OK);
    /* pf_request_build says the same, not "a required field is missing". */
    pf_http_request h;
    pf_request_init(&r, PF_KIND_APP);
    CHECK_INT(pf_request_build(&r, "http://x", &h, &err), PF_EINVAL);
    CHECK(strncmp(err.message, "app_id: missing", 15) == 0);
}

TEST_MAIN()
