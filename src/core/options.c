/*
 * options.c -- the one validation of client options and request arguments.
 *
 * The engine (pf_client_new, pf_batch_start), the CLI and the Python binding
 * all check through here, so a value one of them accepts is accepted by
 * all, and each message starts with the name of the field at fault, which
 * a frontend swaps for its own spelling (--concurrency, concurrency=).
 *
 * Why each refusal exists:
 *  - a CR or LF in a header value or URL would let the value add header
 *    lines of its own (header injection); other control characters have no
 *    business there either;
 *  - a base URL is handed to libcurl, which also speaks file://, ftp://,
 *    dict://...: anything but http(s) would read local files or talk to
 *    other services;
 *  - a missing CA file would otherwise surface as a TLS error on every
 *    request, long after the typo;
 *  - numbers that cannot be right (NaN, negative timeouts) used to fall
 *    back to defaults silently, and seconds must stay exact once the engine
 *    turns them into integer milliseconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "url.h"
#include "page.h"

#define INVAL(err, ...) pf__error(err, PF_EINVAL, PF_NO_OFFSET, __VA_ARGS__)

/* ---- strings ----------------------------------------------------------- */

/* What is wrong with the bytes of a header value or URL, or NULL. */
static const char *control_problem(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\r' || *p == '\n')
            return "contains a line break (CR or LF)";
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return "contains a control character";
    }
    return NULL;
}

/* A short, printable rendering of a URL for a message: the user:password
 * part, when there is one, becomes "***" so that a typo in a proxy URL
 * never copies its credentials into a log. */
static void quote_url(const char *url, char *out, size_t cap)
{
    pf__url u;
    pf__url_split(url, &u);
    if (u.host != u.authority) /* scheme, "***", then "@host..." */
        snprintf(out, cap, "%.*s***%.60s", (int)(u.authority - url), url,
                 u.host - 1);
    else
        snprintf(out, cap, "%.80s", url);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* Does url start with one of the schemes (each given with its "://"),
 * ignoring case, and name a host after it? */
static int has_scheme(const char *url, const char *const *schemes)
{
    for (; *schemes; schemes++) {
        size_t n = strlen(*schemes);
        if (strncasecmp(url, *schemes, n) == 0)
            return url[n] != '\0' && url[n] != '/';
    }
    return 0;
}

static pf_code check_url(const char *field, const char *url,
                         const char *const *schemes, const char *expected,
                         pf_error *err)
{
    const char *bad = control_problem(url);
    if (bad)
        return INVAL(err, "%s: %s", field, bad);
    if (!has_scheme(url, schemes)) {
        char q[120];
        quote_url(url, q, sizeof q);
        return INVAL(err, "%s: scheme must be %s, got \"%s\"", field,
                     expected, q);
    }
    return PF_OK;
}

static const char *const base_schemes[] = {"http://", "https://", NULL};
static const char *const proxy_schemes[] = {"http://", "https://", "socks5://",
                                            "socks5h://", NULL};
#define PROXY_EXPECTED "http://, https:// or socks5://"

static pf_code check_base_url(const char *url, int given, pf_error *err)
{
    if (url == NULL || *url == '\0') {
        if (given && url)
            return INVAL(err, "base_url: empty");
        /* The engine falls back to the environment: the same rules hold. */
        const char *env = getenv("PLAYFAST_BASE_URL");
        if (env == NULL || *env == '\0')
            return PF_OK;
        return check_url("PLAYFAST_BASE_URL", env, base_schemes,
                         "http:// or https://", err);
    }
    return check_url("base_url", url, base_schemes, "http:// or https://",
                     err);
}

static pf_code check_cacert(const char *path, pf_error *err)
{
    char why[96];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int e = errno;
    if (fd >= 0) {
        struct stat st;
        e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
        close(fd);
        if (e == 0)
            return PF_OK;
    }
    /* The GNU strerror_r: thread-safe, returns the text. */
    const char *text = strerror_r(e, why, sizeof why);
    return INVAL(err, "cacert: cannot read %.150s: %s", path, text);
}

/* An array of strings given with its count, as proxies/local_addresses. */
static pf_code check_array(const char *field, const char *const *v, size_t n,
                           pf_error *err)
{
    if (n > PF_MAX_EGRESSES)
        return INVAL(err, "%s: %zu entries, more than %d", field, n,
                     PF_MAX_EGRESSES);
    if (n > 0 && v == NULL)
        return INVAL(err, "%s: NULL with a count of %zu", field, n);
    for (size_t i = 0; i < n; i++)
        if (v[i] == NULL || *v[i] == '\0')
            return INVAL(err, "%s[%zu]: %s", field, i,
                         v[i] ? "empty" : "NULL");
    return PF_OK;
}

static pf_code check_local_address(size_t i, const char *a, pf_error *err)
{
    unsigned char addr[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, a, addr) == 1 || inet_pton(AF_INET6, a, addr) == 1)
        return PF_OK;
    char q[120];
    quote_url(a, q, sizeof q);
    return INVAL(err, "local_addresses[%zu]: not an IPv4 or IPv6 address: \"%s\"",
                 i, q);
}

/* ---- numbers ----------------------------------------------------------- */

/* Seconds: (0, PF_MAX_SECONDS]; 0 is the default unless the user gave it. */
static pf_code check_seconds(const char *field, double v, int given,
                             pf_error *err)
{
    if (v == 0 && !given)
        return PF_OK;
    if (v > 0 && v <= PF_MAX_SECONDS)    /* false for NaN */
        return PF_OK;
    return INVAL(err, "%s: must be a positive number of seconds up to %g, "
                      "got %g", field, PF_MAX_SECONDS, v);
}

/* An integer in [1, hi]; 0 is the default unless the user gave it. */
static pf_code check_count(const char *field, long v, long hi, int given,
                           pf_error *err)
{
    if ((v == 0 && !given) || (v >= 1 && v <= hi))
        return PF_OK;
    return INVAL(err, "%s: must be 1..%ld, got %ld", field, hi, v);
}

/* ---- the checks -------------------------------------------------------- */

pf_code pf__client_options_check(const pf_client_options *opt, unsigned given,
                                 pf_error *err)
{
    pf_client_options defaults;
    pf_code rc;
    if (opt == NULL) {
        memset(&defaults, 0, sizeof defaults);
        defaults.retries = -1;
        opt = &defaults;
        given = 0;
    }
#define GIVEN(bit) ((given & (bit)) != 0)
#define TRY(call) if ((rc = (call)) != PF_OK) return rc

    TRY(check_base_url(opt->base_url, GIVEN(PF__OPT_BASE_URL), err));
    if (opt->user_agent) {
        const char *bad = control_problem(opt->user_agent);
        if (bad)
            return INVAL(err, "user_agent: %s", bad);
        if (GIVEN(PF__OPT_USER_AGENT) && !*opt->user_agent)
            return INVAL(err, "user_agent: empty");
    }
    if (opt->proxy) {
        if (!*opt->proxy)
            return INVAL(err, "proxy: empty");
        TRY(check_url("proxy", opt->proxy, proxy_schemes, PROXY_EXPECTED,
                      err));
    }
    TRY(check_array("proxies", opt->proxies, opt->n_proxies, err));
    for (size_t i = 0; i < opt->n_proxies; i++) {
        char field[40];
        snprintf(field, sizeof field, "proxies[%zu]", i);
        TRY(check_url(field, opt->proxies[i], proxy_schemes, PROXY_EXPECTED,
                      err));
    }
    TRY(check_array("local_addresses", opt->local_addresses,
                    opt->n_local_addresses, err));
    for (size_t i = 0; i < opt->n_local_addresses; i++)
        TRY(check_local_address(i, opt->local_addresses[i], err));
    if (opt->cacert) {
        if (!*opt->cacert)
            return INVAL(err, "cacert: empty");
        TRY(check_cacert(opt->cacert, err));
    }

    TRY(check_seconds("timeout", opt->timeout, GIVEN(PF__OPT_TIMEOUT), err));
    TRY(check_seconds("connect_timeout", opt->connect_timeout,
                      GIVEN(PF__OPT_CONNECT_TIMEOUT), err));
    TRY(check_seconds("backoff", opt->backoff, GIVEN(PF__OPT_BACKOFF), err));
    TRY(check_seconds("deadline", opt->deadline, GIVEN(PF__OPT_DEADLINE),
                      err));
    TRY(check_count("max_concurrency", opt->max_concurrency,
                    PF_MAX_CONCURRENCY, GIVEN(PF__OPT_MAX_CONCURRENCY), err));
    TRY(check_count("max_per_host", opt->max_per_host, PF_MAX_CONCURRENCY,
                    GIVEN(PF__OPT_MAX_PER_HOST), err));
    TRY(check_count("workers", opt->workers, PF_MAX_WORKERS,
                    GIVEN(PF__OPT_WORKERS), err));
    if (!(opt->rate >= 0 && opt->rate <= PF_MAX_RATE))
        return INVAL(err, "rate: must be 0 (no ceiling) up to %g requests per "
                          "second, got %g", PF_MAX_RATE, opt->rate);
    if (!(opt->retries < 0 && !GIVEN(PF__OPT_RETRIES)) &&
        !(opt->retries >= 0 && opt->retries <= PF_MAX_RETRIES))
        return INVAL(err, "retries: must be 0..%d, got %d", PF_MAX_RETRIES,
                     opt->retries);
    if (opt->max_response == 0 && GIVEN(PF__OPT_MAX_RESPONSE))
        return INVAL(err, "max_response: must be at least 1 byte, got 0");
    if (opt->http_version < 0 || opt->http_version > 2)
        return INVAL(err, "http_version: must be 0 (auto), 1 or 2, got %d",
                     opt->http_version);
#undef GIVEN
#undef TRY
    return PF_OK;
}

pf_code pf_client_options_check(const pf_client_options *opt, pf_error *err)
{
    return pf__client_options_check(opt, 0, err);
}

/* ---- request arguments ------------------------------------------------- */

/* ISO 3166-1 alpha-2: every officially assigned code (249), the values
 * Google's gl= takes. Written once, here: the CLI and the Python binding
 * refuse what this refuses ("usa", "zz", "english", ""). */
static const char country_codes[] =
    "ad ae af ag ai al am ao aq ar as at au aw ax az "
    "ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw by bz "
    "ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz "
    "de dj dk dm do dz ec ee eg eh er es et fi fj fk fm fo fr "
    "ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy "
    "hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp "
    "ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly "
    "ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz "
    "na nc ne nf ng ni nl no np nr nu nz om "
    "pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw "
    "sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv sx sy sz "
    "tc td tf tg th tj tk tl tm tn to tr tt tv tw tz "
    "ua ug um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw ";

int pf__country_valid(const char *c)
{
    if (c == NULL || strlen(c) != 2) return 0;
    char lc[4] = {(char)(c[0] | 0x20), (char)(c[1] | 0x20), ' ', '\0'};
    if (lc[0] < 'a' || lc[0] > 'z' || lc[1] < 'a' || lc[1] > 'z') return 0;
    for (const char *p = country_codes; *p; p += 3)
        if (p[0] == lc[0] && p[1] == lc[1]) return 1;
    return 0;
}

static int alpha_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')) return 0;
    return 1;
}

/* A language tag as hl= takes it, BCP 47 in outline: a primary language
 * of 2-3 letters, then up to three subtags after '-' or '_', each a script
 * (4 letters), a region (2 letters or 3 digits: "es-419") or a variant of
 * 5-8 letters and digits: "en", "en-GB", "pt_BR", "zh-TW", "zh-Hant-TW",
 * "fil". "english" and "" are not. */
int pf__lang_valid(const char *l)
{
    if (l == NULL) return 0;
    size_t n = strcspn(l, "-_");
    if (n < 2 || n > 3 || !alpha_run(l, n)) return 0;
    for (int subtags = 0; l[n]; subtags++) {
        if (subtags == 3) return 0;
        l += n + 1;
        n = strcspn(l, "-_");
        int ok = (n == 2 && alpha_run(l, 2)) || (n == 4 && alpha_run(l, 4)) ||
                 (n == 3 && strspn(l, "0123456789") == 3) ||
                 (n >= 5 && n <= 8 && strspn(l, "abcdefghijklmnopqrstuvwxyz"
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789") >= n);
        if (!ok) return 0;
    }
    return 1;
}

/* A short, printable rendering of a user's value for a message. */
static const char *quoted(const char *s, char *out, size_t cap)
{
    snprintf(out, cap, "\"%.40s%s\"", s, strlen(s) > 40 ? "..." : "");
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return out;
}

static int category_valid(const char *c)
{
    if (!*c) return 0;
    for (; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return 0;
    return 1;
}

static const char *const collections[] = {
    "topselling_free", "topselling_paid", "topgrossing",
    /* google-play-scraper's constant names (request.c maps them) */
    "TOP_FREE", "TOP_PAID", "GROSSING", NULL};

pf_code pf__request_check(const pf_request *req, pf_error *err)
{
    if (req == NULL)
        return INVAL(err, "request is NULL");
    const struct {
        const char *name, *value;
        size_t limit;
    } fields[] = {
        {"app_id", req->app_id, PF_MAX_ID_BYTES},
        {"lang", req->lang, PF_MAX_ID_BYTES},
        {"country", req->country, PF_MAX_ID_BYTES},
        {"category", req->category, PF_MAX_ID_BYTES},
        {"collection", req->collection, PF_MAX_ID_BYTES},
        {"query", req->query, PF_MAX_QUERY_BYTES},
        {"token", req->token, PF_MAX_QUERY_BYTES},
        {"developer_id", req->developer_id, PF_MAX_ID_BYTES},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        /* strnlen: a 10 MB id is refused without reading all of it. */
        if (fields[i].value &&
            strnlen(fields[i].value, fields[i].limit + 1) > fields[i].limit)
            return INVAL(err, "%s: longer than the limit of %zu bytes",
                         fields[i].name, fields[i].limit);
    }
    char q[64];
    if ((unsigned)req->kind >= PF_KIND_COUNT_)
        return INVAL(err, "kind: must be 0..%d (app, list, search, reviews, "
                          "developer, similar, suggest, permissions, "
                          "datasafety, categories), got %d",
                     PF_KIND_COUNT_ - 1, (int)req->kind);
    if (req->country && !pf__country_valid(req->country))
        return INVAL(err, "country: %s is not a country code; give an ISO "
                          "3166-1 alpha-2 code such as us, gb or de",
                     quoted(req->country, q, sizeof q));
    if (req->lang && !pf__lang_valid(req->lang))
        return INVAL(err, "lang: %s is not a language code; give one such as "
                          "en, en-GB, pt_BR or zh-TW",
                     quoted(req->lang, q, sizeof q));
    switch (req->kind) {
    case PF_KIND_APP:
    case PF_KIND_REVIEWS:
    case PF_KIND_SIMILAR:
    case PF_KIND_PERMISSIONS:
    case PF_KIND_DATASAFETY:
        if (req->app_id == NULL || !*req->app_id)
            return INVAL(err, "app_id: %s; give an app id such as "
                              "com.google.android.apps.translate",
                         req->app_id ? "empty" : "missing");
        break;
    case PF_KIND_SEARCH:
    case PF_KIND_SUGGEST:
        if (req->query == NULL || !*req->query)
            return INVAL(err, "query: %s; give the words to search for",
                         req->query ? "empty" : "missing");
        break;
    case PF_KIND_DEVELOPER:
        if (req->developer_id == NULL || !*req->developer_id)
            return INVAL(err, "developer_id: %s; give a developer's numeric "
                              "id or name, such as 5700313618786177705 or "
                              "Mojang", req->developer_id ? "empty"
                                                          : "missing");
        break;
    default:
        break;
    }
    if (req->kind == PF_KIND_LIST) {
        if (req->category && !category_valid(req->category))
            return INVAL(err, "category: %s is not a category id; give one "
                              "in capitals such as GAME or GAME_ACTION (or "
                              "none for all apps)",
                         quoted(req->category, q, sizeof q));
        size_t k = 0;
        while (req->collection && collections[k] &&
               strcmp(collections[k], req->collection))
            k++;
        if (req->collection && !collections[k])
            return INVAL(err, "collection: %s is not a collection; give "
                              "topselling_free, topselling_paid or "
                              "topgrossing", quoted(req->collection, q,
                                                    sizeof q));
    }
    if ((req->kind == PF_KIND_LIST || req->kind == PF_KIND_SEARCH) &&
        (req->num < 0 || req->num > PF_MAX_NUM))
        return INVAL(err, "num: must be 1..%d (0 = the default), got %d",
                     PF_MAX_NUM, req->num);
    if (req->kind == PF_KIND_SEARCH &&
        (req->price < PF_PRICE_ALL || req->price > PF_PRICE_PAID))
        return INVAL(err, "price: must be 0 (all), 1 (free) or 2 (paid), "
                          "got %d", (int)req->price);
    if (req->kind == PF_KIND_REVIEWS) {
        if (req->num != PF_REVIEWS_ALL &&
            (req->num < 0 || req->num > PF_MAX_REVIEWS))
            return INVAL(err, "num: must be 1..%d reviews (0 = one page, "
                              "%d = all), got %d", PF_MAX_REVIEWS,
                         PF_REVIEWS_ALL, req->num);
        if (req->sort != 0 && (req->sort < PF_SORT_RELEVANT ||
                               req->sort > PF_SORT_RATING))
            return INVAL(err, "sort: must be 1 (relevant), 2 (newest) or 3 "
                              "(rating), got %d", (int)req->sort);
        if (req->score < 0 || req->score > 5)
            return INVAL(err, "score: must be 1..5 (0 = any), got %d",
                         req->score);
        if (req->token && !*req->token)
            return INVAL(err, "token: empty; give a continuation token or "
                              "none for the first page");
    }
    return PF_OK;
}
