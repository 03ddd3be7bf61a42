/*
 * fetch_args.c -- the options of `playfast app|list|search|reviews` and the
 * fan-out that turns them into one batch of requests.
 *
 * One table describes every option: which commands take it, its value and
 * its help line, so parsing and `--help` cannot disagree.
 *
 * Fan-out order is input order, then country: `playfast app A B --country
 * us,fr` gives A/us, A/fr, B/us, B/fr, and output follows that order.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

enum {
    O_HELP, O_LANG, O_COUNTRY, O_INPUT, O_FORMAT, O_PROGRESS, O_NO_PROGRESS,
    O_BASE_URL, O_CONCURRENCY, O_RATE, O_RETRIES, O_TIMEOUT, O_PROXY,
    O_PROXIES, O_LOCAL_ADDRESS, O_DEADLINE, O_CACERT, O_USER_AGENT,
    O_CATEGORY, O_COLLECTION, O_NUM, O_PRICE, O_SORT, O_COUNT, O_ALL,
    O_SCORE, O_TOKEN, O_DETAILS, O_DB, O_REFRESH, O_NO_RETRY_FAILED, O_SINCE
};

#define K_APP (1u << PF_KIND_APP)
#define K_LIST (1u << PF_KIND_LIST)
#define K_SEARCH (1u << PF_KIND_SEARCH)
#define K_REVIEWS (1u << PF_KIND_REVIEWS)
#define K_DEVELOPER (1u << PF_KIND_DEVELOPER)
#define K_SIMILAR (1u << PF_KIND_SIMILAR)
#define K_MORE (K_DEVELOPER | K_SIMILAR | (1u << PF_KIND_SUGGEST) | \
                (1u << PF_KIND_PERMISSIONS) | (1u << PF_KIND_DATASAFETY) | \
                (1u << PF_KIND_CATEGORIES))
#define K_ALL (K_APP | K_LIST | K_SEARCH | K_REVIEWS | K_MORE)
/* The lists that follow continuation pages. */
#define K_PAGED (K_SEARCH | K_DEVELOPER | K_SIMILAR)

typedef struct opt_def {
    const char *name;      /* long name without "--" */
    char short_name;       /* 0 when none */
    const char *arg;       /* value placeholder, NULL for a flag */
    unsigned kinds;
    int id;
    const char *help;
} opt_def;

static const opt_def opts[] = {
    {"category", 0, "CAT[,CAT...]", K_LIST, O_CATEGORY,
     "chart category, e.g. GAME (default: all apps)"},
    {"collection", 0, "NAME", K_LIST, O_COLLECTION,
     "topselling_free (default), topselling_paid or topgrossing"},
    {"num", 0, "N", K_LIST | K_PAGED, O_NUM,
     "number of results wanted (search, developer,\n"
     "similar: up to 250, following further pages)"},
    {"details", 0, NULL, K_LIST | K_SEARCH, O_DETAILS,
     "every entry as its full app record, fetched in the same batch\n"
     "(with --db, each app is stored as its own app request)"},
    {"price", 0, "all|free|paid", K_SEARCH, O_PRICE, "price filter (default all)"},
    {"sort", 0, "newest|relevant|rating", K_REVIEWS, O_SORT,
     "review order (default newest)"},
    {"count", 0, "N", K_REVIEWS, O_COUNT, "number of reviews wanted"},
    {"all", 0, NULL, K_REVIEWS, O_ALL, "every review, following page tokens"},
    {"score", 0, "1..5", K_REVIEWS, O_SCORE, "only reviews with this rating"},
    {"token", 0, "TOKEN", K_REVIEWS | K_PAGED, O_TOKEN,
     "continue from this page token"},
    {"lang", 0, "L", K_ALL, O_LANG, "interface language, hl (default en)"},
    {"country", 0, "C[,C...]", K_ALL, O_COUNTRY,
     "store country, gl (default us); several fan out"},
    {"input", 'i', "FILE", K_ALL, O_INPUT,
     "one request per line (- = stdin), see below"},
    {"format", 0, "ndjson|json|csv", K_ALL, O_FORMAT,
     "output format (default ndjson)"},
    {"progress", 0, NULL, K_ALL, O_PROGRESS, "show progress on stderr"},
    {"no-progress", 0, NULL, K_ALL, O_NO_PROGRESS,
     "no progress (default unless stderr is a terminal)"},
    {"base-url", 0, "URL", K_ALL, O_BASE_URL,
     "server (default $PLAYFAST_BASE_URL or https://play.google.com)"},
    {"concurrency", 0, "K", K_ALL, O_CONCURRENCY, "requests in flight (default 64)"},
    {"rate", 0, "R", K_ALL, O_RATE,
     "ceiling on requests/s per egress (default\n"
     "none); the pacing learns what the server\nallows below it"},
    {"retries", 0, "N", K_ALL, O_RETRIES,
     "extra attempts on network errors and 5xx\n"
     "(default 3); 429s and blocks are retried\nuntil the deadline"},
    {"timeout", 0, "S", K_ALL, O_TIMEOUT, "seconds per attempt (default 30)"},
    {"deadline", 0, "S", K_ALL, O_DEADLINE,
     "seconds a request may take in all, retries\n"
     "and waits included (default 600)"},
    {"proxy", 0, "URL", K_ALL, O_PROXY,
     "http://, https:// or socks5:// proxy;\n"
     "repeat for a pool (each its own egress)"},
    {"proxies", 0, "FILE", K_ALL, O_PROXIES,
     "proxy URLs, one a line (blank lines and\n# comments skipped)"},
    {"local-address", 0, "A[,B...]", K_ALL, O_LOCAL_ADDRESS,
     "IPv4/IPv6 addresses to send from, one\negress each; repeatable"},
    {"cacert", 0, "FILE", K_ALL, O_CACERT, "CA certificates (default: system store)"},
    {"user-agent", 0, "UA", K_ALL, O_USER_AGENT, "User-Agent header"},
    {"db", 0, "FILE", K_ALL, O_DB,
     "store results in this SQLite file; run again to resume"},
    {"refresh", 0, NULL, K_ALL, O_REFRESH,
     "with --db: fetch everything again, as new snapshots"},
    {"no-retry-failed", 0, NULL, K_ALL, O_NO_RETRY_FAILED,
     "with --db: keep requests that failed before as failed"},
    {"since", 0, "TIME", K_REVIEWS, O_SINCE,
     "with --db: stop paging at the first review older than TIME"},
    {"help", 'h', NULL, K_ALL, O_HELP, "this text"},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

static const char *const synopsis[PF_KIND_COUNT_] = {
    "playfast app ID... [options]",
    "playfast list [--category CAT] [--collection NAME] [--num N] [options]",
    "playfast search QUERY... [--num N] [--price all|free|paid] [options]",
    "playfast reviews ID... [--sort S] [--count N | --all] [--score 1..5] [options]",
    "playfast developer DEV_ID... [--num N] [options]",
    "playfast similar ID... [--num N] [options]",
    "playfast suggest TERM... [options]",
    "playfast permissions ID... [options]",
    "playfast datasafety ID... [options]",
    "playfast categories [options]",
};

static const char *const purpose[PF_KIND_COUNT_] = {
    "Fetch app details for each ID.",
    "Fetch a top chart.",
    "Search the store for each QUERY.",
    "Fetch the reviews of each app ID.",
    "Fetch the apps of each developer: a numeric id or a name (default 60).",
    "Fetch the similar apps of each app ID (default all, up to 250).",
    "Fetch the search suggestions for each TERM.",
    "Fetch the full permission list of each app ID.",
    "Fetch the data safety section of each app ID.",
    "Fetch Google's app categories (ids usable as list --category).",
};

static const char *const input_line[PF_KIND_COUNT_] = {
    "ID", "CATEGORY [COLLECTION]", "QUERY", "ID", "DEV_ID", "ID", "TERM",
    "ID", "ID", "(none: one request per line, e.g. an empty one)"};

static void print_help(pf_kind kind)
{
    printf("usage: %s\n\n%s\n\noptions:\n", synopsis[kind], purpose[kind]);
    for (size_t i = 0; i < N_OPTS; i++) {
        if (!(opts[i].kinds & (1u << kind)))
            continue;
        char left[64], sh[8] = "    ";
        if (opts[i].short_name)
            snprintf(sh, sizeof sh, "-%c, ", opts[i].short_name);
        snprintf(left, sizeof left, "%s--%s%s%s", sh, opts[i].name,
                 opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        /* A help text's further lines line up under its first. */
        const char *h = opts[i].help;
        printf("  %-34s ", left);
        for (const char *nl; (nl = strchr(h, '\n')) != NULL; h = nl + 1)
            printf("%.*s\n%37s", (int)(nl - h), h, "");
        printf("%s\n", h);
    }
    printf("\n-i FILE lines: %s, optionally followed by <TAB>LANG<TAB>COUNTRY\n"
           "(an empty field keeps the option's value; a line without a country\n"
           "fans out over --country). Blank lines and lines starting with #\n"
           "are skipped.\n\n"
           "Output: one JSON line per request in input order (ndjson),\n"
           "  {\"request\": {...}, \"%s\": ...} or {\"request\": {...}, \"error\":\n"
           "  {\"kind\": ..., \"status\": ..., \"message\": ...}}.\n"
           "Exit 0 if every request succeeded, 2 if some failed, 1 on a usage\n"
           "error or if all failed, 130 if interrupted (Ctrl-C).\n",
           input_line[kind],
           kind == PF_KIND_APP || kind == PF_KIND_DATASAFETY ? "result"
                                                             : "results");
}

static int usage_error(pf_kind kind, const char *fmt, const char *a,
                       int *status)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a);
    cli_die_msg("%s (see playfast %s --help)", msg, pf_kind_name(kind));
    *status = CLI_EXIT_FAIL;
    return 0;
}

/* Split a comma list in place into a new array of its pieces. Returns the
 * count, 0 when a piece is empty ("us,,fr"), -1 when out of memory. */
static long split_list(char *s, const char ***out)
{
    long n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    const char **v = calloc((size_t)n, sizeof *v);
    if (!v)
        return -1;
    for (long i = 0; i < n; i++) {
        char *q = strchr(s, ',');
        if (q)
            *q = '\0';
        if (!*s) {
            free(v);
            return 0;
        }
        v[i] = s;
        s = q ? q + 1 : s + strlen(s);
    }
    *out = v;
    return n;
}

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int valid_collection(const char *c)
{
    return !strcmp(c, "topselling_free") || !strcmp(c, "topselling_paid") ||
           !strcmp(c, "topgrossing");
}

/* One base request (before the country fan-out) taken from a positional
 * argument or an input line. */
typedef struct base_req {
    const char *main;        /* id, query or category (NULL = all apps) */
    const char *collection;  /* list lines only */
    const char *lang;        /* NULL: --lang */
    const char *country;     /* NULL: fan out over --country */
    size_t line;             /* its -i line, 0 for an argument */
} base_req;

typedef struct bases {
    base_req *v;
    size_t n, cap;
} bases;

/* Room for element n of an array v of *cap elements of `size` bytes:
 * returns the array (moved when it had to grow), NULL when out of memory
 * (v is then unchanged). */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? *cap * 2 : 16;
    if (c > SIZE_MAX / size)
        return NULL;
    void *p = realloc(v, c * size);
    if (p)
        *cap = c;
    return p;
}

static int bases_add(bases *b, base_req r)
{
    base_req *v = grow(b->v, &b->cap, b->n, sizeof *v);
    if (!v)
        return 0;
    b->v = v;
    b->v[b->n++] = r;
    return 1;
}

/* Turn the -i buffer into base requests. Returns 0 with a message on a bad
 * line. */
static int read_lines(pf_kind kind, char *text, bases *out, int *status)
{
    size_t lineno = 0;
    char *p = text;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        char *line = p;
        p = nl ? nl + 1 : NULL;

        char *f[3] = {line, NULL, NULL};
        for (int i = 0; i < 2 && f[i]; i++) {
            char *t = strchr(f[i], '\t');
            if (t) {
                *t = '\0';
                f[i + 1] = t + 1;
            }
        }
        base_req r = {trim(f[0]), NULL, NULL, NULL, lineno};
        if ((!*r.main && !f[1]) || *r.main == '#')
            continue;                       /* blank line or # comment */
        char where[64];
        snprintf(where, sizeof where, "input line %zu", lineno);
        if (!*r.main)
            return usage_error(kind, "%s: empty request", where, status);
        if (f[2] && strchr(f[2], '\t'))
            return usage_error(kind, "%s: more than 3 tab-separated fields",
                               where, status);
        if (f[1] && *trim(f[1]))
            r.lang = trim(f[1]);
        if (f[2] && *trim(f[2]))
            r.country = trim(f[2]);
        if (kind == PF_KIND_LIST) {
            char *sp = strchr(r.main, ' ');
            if (sp) {
                *sp = '\0';
                r.collection = trim(sp + 1);
                if (!valid_collection(r.collection))
                    return usage_error(kind, "%s: unknown collection", where,
                                       status);
            }
        }
        if (!bases_add(out, r))
            return usage_error(kind, "%s", "out of memory", status);
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Client options: one validation (src/core/options.c), our flag names      */
/* ------------------------------------------------------------------------ */

/* The pf_client_options fields the CLI sets: the option that sets each, the
 * field's name (the check's messages start with it), how its value is read
 * and its CLI_OPT_* bit. Only the syntax is read here; ranges and the rest
 * are the library's one check (check_client). */
enum { CF_STR, CF_INT, CF_DBL, CF_LIST };
static const struct client_field {
    int id;
    const char *field;
    int type;
    size_t off;
    unsigned bit;
} client_fields[] = {
#define CF(id, field, type, bit) \
    {id, #field, type, offsetof(pf_client_options, field), bit}
    CF(O_BASE_URL, base_url, CF_STR, PF__OPT_BASE_URL),
    CF(O_USER_AGENT, user_agent, CF_STR, PF__OPT_USER_AGENT),
    CF(O_CACERT, cacert, CF_STR, PF__OPT_CACERT),
    CF(O_CONCURRENCY, max_concurrency, CF_INT, PF__OPT_MAX_CONCURRENCY),
    CF(O_RETRIES, retries, CF_INT, PF__OPT_RETRIES),
    CF(O_RATE, rate, CF_DBL, PF__OPT_RATE),
    CF(O_TIMEOUT, timeout, CF_DBL, PF__OPT_TIMEOUT),
    CF(O_DEADLINE, deadline, CF_DBL, PF__OPT_DEADLINE),
    CF(O_PROXY, proxies, CF_LIST, 0),
    CF(O_LOCAL_ADDRESS, local_addresses, CF_LIST, 0),
#undef CF
};
#define N_CLIENT_FIELDS (sizeof client_fields / sizeof client_fields[0])

/* Set the client field option `id` sets from val. Returns -1 when id is no
 * such option, 0 when val does not read as its type, 1 when set. */
static int client_field_set(cli_fetch_plan *plan, int id, const char *val)
{
    for (size_t i = 0; i < N_CLIENT_FIELDS; i++) {
        const struct client_field *f = &client_fields[i];
        char *at = (char *)&plan->client + f->off;
        long lv;
        double dv;
        if (f->id != id || f->type == CF_LIST)
            continue;
        plan->given |= f->bit;
        if (f->type == CF_STR) {
            *(const char **)at = val;
        } else if (f->type == CF_INT) {
            if (!cli_arg_long(val, INT_MIN, INT_MAX, &lv))
                return 0;
            *(int *)at = (int)lv;
        } else {
            if (!cli_arg_double(val, -HUGE_VAL, HUGE_VAL, &dv))
                return 0;
            *(double *)at = dv;
        }
        return 1;
    }
    return -1;
}

/* A refusal from pf__client_options_check, whose message starts with the
 * field's name ("proxies[2]: ..."), as a usage error that names where the
 * value came from instead: `where` when given, else the field's flag. */
static int option_error(pf_kind kind, const char *msg, const char *where,
                        int *status)
{
    size_t n = strcspn(msg, "[:");
    const char *rest = strchr(msg, ':');
    char flag[64];
    for (size_t i = 0; !where && rest && i < N_CLIENT_FIELDS; i++) {
        if (strlen(client_fields[i].field) != n ||
            strncmp(msg, client_fields[i].field, n))
            continue;
        for (size_t k = 0; k < N_OPTS; k++)
            if (opts[k].id == client_fields[i].id) {
                snprintf(flag, sizeof flag, "--%s", opts[k].name);
                where = flag;
            }
    }
    char line[400];
    snprintf(line, sizeof line, "%s%s", where && rest ? where : "",
             where && rest ? rest : msg);
    return usage_error(kind, "%s", line, status);
}

static int strs_add(cli_strs *s, const char *p)
{
    const char **v = grow(s->v, &s->cap, s->n, sizeof *v);
    if (!v)
        return 0;
    s->v = v;
    s->v[s->n++] = p;
    return 1;
}

static void strs_cleanup(cli_strs *s, int owned)
{
    for (size_t i = 0; owned && i < s->n; i++)
        free((char *)s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Check one proxy or local address the moment it is read, so the message
 * can say where it came from (a file line) rather than an index. */
static int add_egress(cli_fetch_plan *plan, int proxy, const char *value,
                      const char *where, int *status)
{
    cli_strs *list = proxy ? &plan->proxies : &plan->local_addresses;
    pf_client_options one;
    pf_error err;
    memset(&one, 0, sizeof one);
    if (proxy) {
        one.proxies = &value;
        one.n_proxies = 1;
    } else {
        one.local_addresses = &value;
        one.n_local_addresses = 1;
    }
    if (pf__client_options_check(&one, 0, &err) != PF_OK)
        return option_error(plan->kind, err.message, where, status);
    if (list->n >= PF_MAX_EGRESSES) {
        char msg[120];
        snprintf(msg, sizeof msg, "%s: more than %d", where ? where
                 : proxy ? "--proxy" : "--local-address", PF_MAX_EGRESSES);
        return usage_error(plan->kind, "%s", msg, status);
    }
    if (!strs_add(list, value))
        return usage_error(plan->kind, "%s", "out of memory", status);
    return 1;
}

/* --proxies FILE: one URL a line; blank lines and lines starting with #
 * are skipped. */
static int read_proxies(cli_fetch_plan *plan, const char *path, int *status)
{
    size_t len;
    pf_code rc;
    char *text = cli_read_input(path, CLI_INPUT_CAP, &len, &rc);
    char msg[300];
    if (!text) {
        snprintf(msg, sizeof msg, "--proxies: cannot read %.200s: %s", path,
                 rc == PF_ETOOBIG ? "over the size cap"
                 : rc == PF_ENOMEM ? "out of memory"
                                   : strerror(errno));
        return usage_error(plan->kind, "%s", msg, status);
    }
    if (!strs_add(&plan->owned, text)) {
        free(text);
        return usage_error(plan->kind, "%s", "out of memory", status);
    }
    if (memchr(text, '\0', len))
        return usage_error(plan->kind, "--proxies %s: holds a NUL byte", path,
                           status);
    size_t lineno = 0;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        char *url = trim(p);
        p = nl ? nl + 1 : NULL;
        if (!*url || *url == '#')
            continue;
        snprintf(msg, sizeof msg, "--proxies %.200s line %zu", path, lineno);
        if (!add_egress(plan, 1, url, msg, status))
            return 0;
    }
    return 1;
}

/* --local-address A[,B...] */
static int add_local_addresses(cli_fetch_plan *plan, const char *val,
                               int *status)
{
    char *copy = strdup(val);
    const char **v = NULL;
    if (!copy || !strs_add(&plan->owned, copy)) {
        free(copy);
        return usage_error(plan->kind, "%s", "out of memory", status);
    }
    long n = split_list(copy, &v);
    if (n < 0)
        return usage_error(plan->kind, "%s", "out of memory", status);
    if (n == 0)
        return usage_error(plan->kind, "%s",
                           "empty address in --local-address", status);
    int ok = 1;
    for (long i = 0; i < n && ok; i++)
        ok = add_egress(plan, 0, v[i], NULL, status);
    free(v);
    return ok;
}

/* One request through the library's check (src/core/options.c), which
 * Python shares: a refusal is a usage error that names the flag (or the
 * input line) the value came from instead of the C field. */
static int check_request(pf_kind kind, const pf_request *r, size_t line,
                         int *status)
{
    static const char *const flag_of[][2] = {
        {"country", "--country"}, {"lang", "--lang"},
        {"category", "--category"}, {"collection", "--collection"},
        {"price", "--price"}, {"sort", "--sort"}, {"score", "--score"},
        {"token", "--token"},
    };
    pf_error err;
    if (pf__request_check(r, &err) == PF_OK)
        return 1;
    const char *rest = strchr(err.message, ':'), *name = NULL;
    size_t n = rest ? (size_t)(rest - err.message) : 0;
    for (size_t i = 0; rest && i < sizeof flag_of / sizeof *flag_of; i++)
        if (strlen(flag_of[i][0]) == n && !strncmp(err.message, flag_of[i][0], n))
            name = flag_of[i][1];
    if (rest && n == 3 && !strncmp(err.message, "num", 3))
        name = kind == PF_KIND_REVIEWS ? "--count" : "--num";
    char where[48] = "", msg[400];
    if (line)
        snprintf(where, sizeof where, "input line %zu: ", line);
    snprintf(msg, sizeof msg, "%s%s%s", where, name ? name : "",
             name ? rest : err.message);
    return usage_error(kind, "%s", msg, status);
}

/* Every client option together, once all are known. */
static int check_client(cli_fetch_plan *plan, int *status)
{
    pf_error err;
    plan->client.proxies = plan->proxies.v;
    plan->client.n_proxies = plan->proxies.n;
    plan->client.local_addresses = plan->local_addresses.v;
    plan->client.n_local_addresses = plan->local_addresses.n;
    if (pf__client_options_check(&plan->client, plan->given, &err) != PF_OK)
        return option_error(plan->kind, err.message, NULL, status);
    return 1;
}

int cli_fetch_plan_build(cli_fetch_plan *plan, pf_kind kind, int argc,
                         char **argv, int *status)
{
    const char *lang = NULL, *input = NULL, *token = NULL;
    const char *collection = NULL;
    long num = 0, count = 0, score = 0;
    int all = 0, details = 0;
    pf_price price = PF_PRICE_ALL;
    pf_sort sort = PF_SORT_NEWEST;
    bases b = {0};
    int only_positional = 0, ok = 0;
    const char **countries = NULL, **categories = NULL;
    long ncountries = 1, ncategories = 1;

    memset(plan, 0, sizeof *plan);
    plan->kind = kind;
    plan->progress = -1;
    /* The header's documented defaults (0 = default, retries < 0 =
     * default), set here rather than by pf_client_options_init() so that
     * a usage error never needs the engine loaded. */
    memset(&plan->client, 0, sizeof plan->client);
    plan->client.retries = -1;
    *status = CLI_EXIT_FAIL;

    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_positional || a[0] != '-' || a[1] == '\0') {
            if (kind == PF_KIND_LIST) {
                usage_error(kind, "unexpected argument '%s' (use --category)",
                            a, status);
                goto out;
            }
            if (!bases_add(&b, (base_req){a, NULL, NULL, NULL, 0})) {
                usage_error(kind, "%s", "out of memory", status);
                goto out;
            }
            continue;
        }
        if (!strcmp(a, "--")) {
            only_positional = 1;
            continue;
        }
        /* --name, --name=value, -x, -xVALUE */
        const opt_def *o = NULL;
        const char *val = NULL;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t k = 0; k < N_OPTS && !o; k++)
                if (strlen(opts[k].name) == len &&
                    !strncmp(opts[k].name, name, len))
                    o = &opts[k];
            if (o && eq)
                val = eq + 1;
        } else {
            for (size_t k = 0; k < N_OPTS && !o; k++)
                if (opts[k].short_name == a[1])
                    o = &opts[k];
            if (o && a[2])
                val = a + 2;
        }
        if (!o || !(o->kinds & (1u << kind))) {
            usage_error(kind, "unknown option '%s'", a, status);
            goto out;
        }
        if (o->arg && !val) {
            if (i + 1 >= argc) {
                usage_error(kind, "option '%s' needs a value", a, status);
                goto out;
            }
            val = argv[++i];
        } else if (!o->arg && val) {
            usage_error(kind, "option '%s' takes no value", a, status);
            goto out;
        }

        int bad = 0;
        switch (o->id) {
        case O_HELP:
            print_help(kind);
            *status = CLI_EXIT_OK;
            goto out;
        case O_LANG: lang = val; bad = !*val; break;
        case O_COUNTRY:
            free(plan->countries);
            plan->countries = strdup(val);
            bad = !plan->countries;
            break;
        case O_CATEGORY:
            free(plan->categories);
            plan->categories = strdup(val);
            bad = !plan->categories;
            break;
        case O_INPUT: input = val; break;
        case O_FORMAT:
            if (!strcmp(val, "ndjson")) plan->format = CLI_FMT_NDJSON;
            else if (!strcmp(val, "json")) plan->format = CLI_FMT_JSON;
            else if (!strcmp(val, "csv")) plan->format = CLI_FMT_CSV;
            else bad = 1;
            break;
        case O_PROGRESS: plan->progress = 1; break;
        case O_NO_PROGRESS: plan->progress = 0; break;
        case O_PROXY:
            if (!add_egress(plan, 1, val, NULL, status))
                goto out;
            break;
        case O_PROXIES:
            if (!read_proxies(plan, val, status))
                goto out;
            break;
        case O_LOCAL_ADDRESS:
            if (!add_local_addresses(plan, val, status))
                goto out;
            break;
        case O_COLLECTION: collection = val; bad = !valid_collection(val); break;
        case O_NUM: bad = !cli_arg_long(val, 1, 1000000, &num); break;
        case O_PRICE:
            if (!strcmp(val, "all")) price = PF_PRICE_ALL;
            else if (!strcmp(val, "free")) price = PF_PRICE_FREE;
            else if (!strcmp(val, "paid")) price = PF_PRICE_PAID;
            else bad = 1;
            break;
        case O_SORT:
            if (!strcmp(val, "newest")) sort = PF_SORT_NEWEST;
            else if (!strcmp(val, "relevant")) sort = PF_SORT_RELEVANT;
            else if (!strcmp(val, "rating")) sort = PF_SORT_RATING;
            else bad = 1;
            break;
        case O_COUNT: bad = !cli_arg_long(val, 1, 100000000, &count); break;
        case O_ALL: all = 1; break;
        case O_DETAILS: details = 1; break;
        case O_SCORE: bad = !cli_arg_long(val, 1, 5, &score); break;
        case O_TOKEN: token = val; bad = !*val; break;
        case O_DB: plan->db = val; bad = !*val; break;
        case O_REFRESH: plan->refresh = 1; break;
        case O_NO_RETRY_FAILED: plan->skip_failed = 1; break;
        case O_SINCE:
            bad = !cli_parse_time(val, &plan->since);
            plan->has_since = 1;
            break;
        default: bad = client_field_set(plan, o->id, val) == 0; break;
        }
        if (bad) {
            char msg[300];
            snprintf(msg, sizeof msg, "bad value '%.200s' for --%s", val,
                     o->name);
            usage_error(kind, "%s", msg, status);
            goto out;
        }
    }
    if (all && count) {
        usage_error(kind, "%s", "--count and --all exclude each other", status);
        goto out;
    }
    if ((plan->refresh || plan->skip_failed || plan->has_since) &&
        !plan->db) {
        usage_error(kind, "%s", "--refresh, --no-retry-failed and --since "
                    "need --db FILE", status);
        goto out;
    }
    if (!check_client(plan, status))
        goto out;

    if (input) {
        size_t len;
        pf_code rc;
        plan->input = cli_read_input(input, CLI_INPUT_CAP, &len, &rc);
        if (!plan->input) {
            char msg[300];
            snprintf(msg, sizeof msg, "cannot read %.200s: %s", input,
                     rc == PF_ETOOBIG ? "over the size cap"
                     : rc == PF_ENOMEM ? "out of memory"
                                       : strerror(errno));
            usage_error(kind, "%s", msg, status);
            goto out;
        }
        if (memchr(plan->input, '\0', len)) {
            usage_error(kind, "%s", "input file holds a NUL byte", status);
            goto out;
        }
        if (!read_lines(kind, plan->input, &b, status))
            goto out;
    } else if (b.n == 0 && kind == PF_KIND_CATEGORIES) {
        /* No argument: one request for the categories. */
        if (!bases_add(&b, (base_req){0}))
            goto oom;
    } else if (b.n == 0 && kind != PF_KIND_LIST) {
        usage_error(kind, "missing %s (or -i FILE)",
                    kind == PF_KIND_SEARCH ? "QUERY" : input_line[kind], status);
        goto out;
    }

    /* A list with neither -i nor positionals is one request per --category
     * (or one for all apps). */
    if (kind == PF_KIND_LIST && !input) {
        if (plan->categories) {
            ncategories = split_list(plan->categories, &categories);
            if (ncategories < 0)
                goto oom;
            if (ncategories == 0) {
                usage_error(kind, "%s", "empty category in --category", status);
                goto out;
            }
        }
        for (long k = 0; k < ncategories; k++)
            if (!bases_add(&b, (base_req){categories ? categories[k] : NULL,
                                          NULL, NULL, NULL, 0}))
                goto oom;
    } else if (kind == PF_KIND_LIST && plan->categories) {
        usage_error(kind, "%s", "--category and -i exclude each other", status);
        goto out;
    }

    if (plan->countries) {
        ncountries = split_list(plan->countries, &countries);
        if (ncountries < 0)
            goto oom;
        if (ncountries == 0) {
            usage_error(kind, "%s", "empty country in --country", status);
            goto out;
        }
    }

    size_t n = 0;
    for (size_t i = 0; i < b.n; i++)
        n += b.v[i].country ? 1 : (size_t)ncountries;
    plan->reqs = calloc(n ? n : 1, sizeof *plan->reqs);
    if (!plan->reqs)
        goto oom;
    for (size_t i = 0; i < b.n; i++) {
        size_t fan = b.v[i].country ? 1 : (size_t)ncountries;
        for (size_t c = 0; c < fan; c++) {
            pf_request *r = &plan->reqs[plan->n++];
            pf_request_init(r, kind);
            r->lang = b.v[i].lang ? b.v[i].lang : lang ? lang : "en";
            r->country = b.v[i].country ? b.v[i].country
                         : countries    ? countries[c]
                                        : "us";
            switch (kind) {
            case PF_KIND_APP:
                r->app_id = b.v[i].main;
                break;
            case PF_KIND_LIST:
                r->category = b.v[i].main;
                r->collection = b.v[i].collection ? b.v[i].collection
                                : collection      ? collection
                                                  : "topselling_free";
                r->num = (int)num;
                r->details = details;
                break;
            case PF_KIND_SEARCH:
                r->query = b.v[i].main;
                r->num = (int)num;
                r->price = price;
                r->details = details;
                r->token = token;
                break;
            case PF_KIND_DEVELOPER:
                r->developer_id = b.v[i].main;
                r->num = (int)num;
                r->token = token;
                break;
            case PF_KIND_SIMILAR:
                r->app_id = b.v[i].main;
                r->num = (int)num;
                r->token = token;
                break;
            case PF_KIND_SUGGEST:
                r->query = b.v[i].main;
                break;
            case PF_KIND_PERMISSIONS:
            case PF_KIND_DATASAFETY:
                r->app_id = b.v[i].main;
                break;
            case PF_KIND_CATEGORIES:
                break;
            default:
                r->app_id = b.v[i].main;
                r->sort = sort;
                r->num = all ? PF_REVIEWS_ALL : (int)count;
                r->score = (int)score;
                r->token = token;
                break;
            }
            if (!check_request(kind, r, b.v[i].line, status))
                goto out;
        }
    }
    ok = 1;
    *status = CLI_EXIT_OK;
    goto out;
oom:
    usage_error(kind, "%s", "out of memory", status);
out:
    free(b.v);
    free(countries);
    free(categories);
    return ok;
}

void cli_fetch_plan_cleanup(cli_fetch_plan *plan)
{
    strs_cleanup(&plan->proxies, 0);
    strs_cleanup(&plan->local_addresses, 0);
    strs_cleanup(&plan->owned, 1);
    free(plan->reqs);
    free(plan->input);
    free(plan->countries);
    free(plan->categories);
    memset(plan, 0, sizeof *plan);
}
