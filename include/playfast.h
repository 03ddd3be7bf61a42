/*
 * playfast.h -- the public interface of libplayfast, a Google Play Store
 * scraper core.
 *
 * The data path, in the order a newcomer should read it:
 *
 *   pf_client_new()     one pooled HTTP client (libcurl multi, own loop thread)
 *   pf_request          what to fetch: app details, top chart, search, reviews
 *   pf_batch_start()    any number of requests in flight, at most K at a time
 *   pf_parse_*()        turn one recorded/fetched response into a typed result
 *   pf_app / pf_list / pf_reviews   typed results, each freed by one call
 *
 * The parsers are usable on their own (offline, no network, no threads).
 *
 * Conventions (see also docs/):
 *  - Every call that can fail returns a pf_code; PF_OK is 0.
 *  - An optional pf_error* receives kind, message, byte offset, HTTP status.
 *  - Absent fields are NULL (strings), NAN (doubles), PF_NULL_INT (integers)
 *    or PF_NULL_BOOL (booleans). A field the page lacks is never invented.
 *  - A result owns all of its strings in one allocation and is released by
 *    one call; every *_free(NULL) is a no-op.
 *  - Strings are NUL-terminated UTF-8.
 */
#ifndef PLAYFAST_H
#define PLAYFAST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_VERSION_MAJOR 0
#define PF_VERSION_MINOR 1
#define PF_VERSION_PATCH 0
#define PF_VERSION "0.1.0"

#if defined(__GNUC__) && __GNUC__ >= 4
#define PF_EXPORT __attribute__((visibility("default")))
#else
#define PF_EXPORT
#endif

/* The version of the library running, "MAJOR.MINOR.PATCH": PF_VERSION as
 * it was when the library was built. A program linked against the shared
 * library compares it with its own PF_VERSION at start-up. Constant;
 * any thread. */
PF_EXPORT const char *pf_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

typedef enum pf_code {
    PF_OK = 0,
    PF_ENOMEM,          /* out of memory */
    PF_EINVAL,          /* bad argument from the caller */
    PF_ENOTFOUND,       /* "not_found": the app/page does not exist (404) */
    PF_EUNSUPPORTED,    /* "unsupported_layout": a page we do not know how to read */
    PF_EMALFORMED,      /* "malformed": broken or truncated JSON/envelope */
    PF_ERATELIMIT,      /* "rate_limited": HTTP 429 (or 503) until the
                           request's deadline */
    PF_ETIMEOUT,        /* "timeout" */
    PF_EHTTP,           /* "http_error": any other non-2xx status */
    PF_ENETWORK,        /* "network": DNS, connect, reset, TLS */
    PF_ETOOBIG,         /* "too_large": response over the configured cap */
    PF_ECANCELLED,      /* "cancelled": the batch was cancelled first */
    PF_EBLOCKED,        /* "blocked": Google's "unusual traffic" captcha page,
                           a redirect to /sorry/ or to the consent wall; still
                           so when the request's deadline ran out */
    PF_EAGAIN,          /* not an error: nothing ready yet (pf_batch_next) */
    PF_EDONE,           /* not an error: every result has been delivered */
    PF_CODE_COUNT_
} pf_code;

/* Constant, human-readable text for a code. Never NULL. Thread-safe. */
PF_EXPORT const char *pf_strerror(pf_code code);

/* Constant snake_case name of a code ("not_found", "malformed", ...),
 * the names used in JSON output. Never NULL. Thread-safe. */
PF_EXPORT const char *pf_code_name(pf_code code);

#define PF_NO_OFFSET ((size_t)-1)

/* Details of one failure. Filled by every call that takes a pf_error*,
 * which may be NULL. `message` is always NUL-terminated. */
typedef struct pf_error {
    pf_code code;
    int http_status;     /* 0 when no HTTP exchange happened */
    int attempts;        /* HTTP attempts made, retries included */
    size_t offset;       /* byte offset into the input, or PF_NO_OFFSET */
    char message[240];
} pf_error;

/* ------------------------------------------------------------------------ */
/* Typed results                                                            */
/* ------------------------------------------------------------------------ */

#define PF_NULL_INT INT64_MIN
#define PF_NULL_BOOL ((signed char)-1)

/* The details page of an app is this prefix followed by its id (the `url`
 * of pf_app and pf_item). */
#define PF_DETAILS_URL "https://play.google.com/store/apps/details?id="

/* The fields of every record below are declared once, with their kinds and
 * one line of documentation each, in playfast_fields.h; the structs are
 * expanded from those lists, as are the JSON keys of `playfast parse`, the
 * Python attributes and docs/fields.md. Read the lists there. */
#include "playfast_fields.h"

/* An element of pf_app.categories: PF_CATEGORY_FIELDS, i.e.
 *   const char *name;   e.g. "Tools"
 *   const char *id;     e.g. "TOOLS"; NULL for tag-like categories */
typedef struct pf_category {
    PF_CATEGORY_FIELDS(PF_MEMBER_)
} pf_category;

/* One permission group as the page groups them, e.g. "Location" with its
 * individual permissions ("precise location (GPS and network-based)").
 * In JSON and Python, `items` is called "permissions". */
typedef struct pf_permission {
    const char *group;
    const char *const *items;
    size_t n_items;
} pf_permission;

/* App details: PF_APP_FIELDS. */
typedef struct pf_app {
    PF_APP_FIELDS(PF_MEMBER_)
} pf_app;

/* One entry of a top chart or of search results: PF_ITEM_FIELDS. */
typedef struct pf_item {
    PF_ITEM_FIELDS(PF_MEMBER_)
} pf_item;

typedef struct pf_list {
    pf_item *items;
    size_t count;
    const char *next_token;  /* developer, similar, search: the token of
                                the next page (rpc qnKhOb), NULL on the
                                last; always NULL for top charts */
} pf_list;

/* One user review: PF_REVIEW_FIELDS. */
typedef struct pf_review {
    PF_REVIEW_FIELDS(PF_MEMBER_)
} pf_review;

typedef struct pf_reviews {
    pf_review *items;
    size_t count;
    const char *next_token;           /* NULL on the last page */
} pf_reviews;

/* One entry of a data safety page: PF_DATA_ENTRY_FIELDS. */
typedef struct pf_data_entry {
    PF_DATA_ENTRY_FIELDS(PF_MEMBER_)
} pf_data_entry;

/* One security practice: PF_PRACTICE_FIELDS. */
typedef struct pf_practice {
    PF_PRACTICE_FIELDS(PF_MEMBER_)
} pf_practice;

/* An app's data safety page: PF_DATASAFETY_FIELDS. */
typedef struct pf_datasafety {
    PF_DATASAFETY_FIELDS(PF_MEMBER_)
} pf_datasafety;

/* An app's full permission list (rpc xdSrCf): the named groups, then the
 * "Other" group, then the ungrouped permissions as one entry whose group
 * is NULL -- the shape of pf_app.permissions. */
typedef struct pf_permissions {
    pf_permission *items;
    size_t count;
} pf_permissions;

/* Google's app categories (pf_category: name and id, e.g. "Tools",
 * "TOOLS"), usable as pf_request.category of a top chart. */
typedef struct pf_categories {
    pf_category *items;
    size_t count;
} pf_categories;

/* Search suggestions (rpc IJ4APc): the terms in Google's order. */
typedef struct pf_terms {
    const char *const *items;
    size_t count;
} pf_terms;

/* ---- The schema, for programs that walk results generically ---- */

/* How a field is stored; see playfast_fields.h for the C type and the
 * absent value of each. */
typedef enum pf_field_kind {
    PF_FIELD_STR = 0,
    PF_FIELD_TEXT,
    PF_FIELD_INT,
    PF_FIELD_DOUBLE,
    PF_FIELD_BOOL,
    PF_FIELD_STARS,
    PF_FIELD_HIST,
    PF_FIELD_STRS,
    PF_FIELD_CATS,
    PF_FIELD_PERMS,
    PF_FIELD_DATA,          /* pf_data_entry[] */
    PF_FIELD_PRACTICES,     /* pf_practice[] */
    PF_FIELD_KIND_COUNT_
} pf_field_kind;

/* The record types whose fields the schema describes. */
typedef enum pf_record {
    PF_RECORD_APP = 0,      /* pf_app */
    PF_RECORD_ITEM,         /* pf_item */
    PF_RECORD_REVIEW,       /* pf_review */
    PF_RECORD_CATEGORY,     /* pf_category */
    PF_RECORD_PERMISSION,   /* pf_permission */
    PF_RECORD_DATA_ENTRY,   /* pf_data_entry */
    PF_RECORD_PRACTICE,     /* pf_practice */
    PF_RECORD_DATASAFETY,   /* pf_datasafety */
    PF_RECORD_COUNT_
} pf_record;

/* One field: its JSON key and Python attribute, its kind, where it sits in
 * the struct, and for the array kinds where its element count sits. */
typedef struct pf_field {
    const char *name;
    pf_field_kind kind;
    size_t offset;
    size_t count_offset;     /* the array kinds (STRS and after): offset
                                of the size_t count; 0 otherwise */
    const char *doc;         /* one line of plain text */
} pf_field;

/**
 * The fields of a record type, in schema order (the struct's, the JSON
 * keys'), e.g. to generate table columns or to write a result generically.
 * @param n  receives the count (may be NULL).
 * @return a static array, or NULL (and *n = 0) for an unknown rec.
 * Constant data: any thread, no cost.
 */
PF_EXPORT const pf_field *pf_schema_fields(pf_record rec, size_t *n);

/* Constant names: "app", "item", "review", "category", "permission",
 * "data_entry", "practice", "datasafety"; and "str", "text", "int",
 * "double", "bool", "stars", "hist", "strs", "cats", "perms", "data",
 * "practices". "?" when out of range. Thread-safe. */
PF_EXPORT const char *pf_record_name(pf_record rec);
PF_EXPORT const char *pf_field_kind_name(pf_field_kind kind);

/* ------------------------------------------------------------------------ */
/* Parsers: pure functions, no I/O, safe to call from any thread.           */
/* ------------------------------------------------------------------------ */

/**
 * Parse an app details page (GET /store/apps/details HTML) or a batchexecute
 * response for rpc Ws7gDc.
 *
 * @param buf, len  the response body; need not be NUL-terminated. Never
 *                  read outside [buf, buf+len).
 * @param app_id    the id that was requested, or NULL to take it from the
 *                  page. Used for `app_id` and `url` when the page lacks it.
 * @param out       receives the result on PF_OK (else set to NULL); free it
 *                  with pf_app_free().
 * @param err       optional.
 * @return PF_OK, PF_ENOTFOUND (the 404 page), PF_EUNSUPPORTED (a page that is
 *         not a modern Play app page), PF_EMALFORMED (broken JSON: err->offset
 *         tells where), PF_ENOMEM. Cost: O(len) memory-speed scan to locate
 *         the data, then O(size of the app's own data).
 */
PF_EXPORT pf_code pf_parse_app(const char *buf, size_t len, const char *app_id,
                               pf_app **out, pf_error *err);

/** Parse a top-chart batchexecute response (rpc vyAe2). Same contract as
 *  pf_parse_app; an empty chart is PF_OK with count 0. */
PF_EXPORT pf_code pf_parse_list(const char *buf, size_t len, pf_list **out,
                                pf_error *err);

/** Parse a search results page (GET /store/search HTML, or a batchexecute
 *  lGYRle response). The "exact match" card, when present, is item 0. */
PF_EXPORT pf_code pf_parse_search(const char *buf, size_t len, pf_list **out,
                                  pf_error *err);

/** Parse a reviews batchexecute response (rpc UsvDTd, or the older oCPfdb).
 *  next_token is NULL on the last page. */
PF_EXPORT pf_code pf_parse_reviews(const char *buf, size_t len,
                                   pf_reviews **out, pf_error *err);

/**
 * Parse a developer's page (GET /store/apps/dev?id=NUMBER or
 * /store/apps/developer?id=NAME) or a continuation page of it (a
 * batchexecute qnKhOb response). The apps are the page's cards in order;
 * next_token is the continuation to ask for with rpc qnKhOb (NULL on the
 * last page). A page without the developer's cluster is PF_EUNSUPPORTED,
 * Google's 404 page PF_ENOTFOUND; a qnKhOb answer of null is PF_OK with
 * count 0. Same contract as pf_parse_app otherwise.
 */
PF_EXPORT pf_code pf_parse_developer(const char *buf, size_t len,
                                     pf_list **out, pf_error *err);

/** Parse a "Similar apps" cluster page (GET /store/apps/collection/cluster)
 *  or a qnKhOb continuation of it: the same reader as pf_parse_developer. */
PF_EXPORT pf_code pf_parse_similar(const char *buf, size_t len,
                                   pf_list **out, pf_error *err);

/**
 * The cluster path of the "Similar apps" (or "Similar games") section of
 * an app details page, e.g. "/store/apps/collection/cluster?gsr=...", into
 * *path (malloc'd, NUL-terminated; free() it). PF_EUNSUPPORTED when the
 * page has no such section, PF_ENOTFOUND for Google's 404 page.
 */
PF_EXPORT pf_code pf_parse_similar_url(const char *buf, size_t len,
                                       char **path, pf_error *err);

/** Parse search suggestions (batchexecute IJ4APc). No suggestion is PF_OK
 *  with count 0. */
PF_EXPORT pf_code pf_parse_suggest(const char *buf, size_t len,
                                   pf_terms **out, pf_error *err);

/** Parse an app's permission list (batchexecute xdSrCf). An app without
 *  permissions (a null payload) is PF_OK with count 0. */
PF_EXPORT pf_code pf_parse_permissions(const char *buf, size_t len,
                                       pf_permissions **out, pf_error *err);

/** Parse a data safety page (GET /store/apps/datasafety?id=). The app's
 *  404 page is PF_ENOTFOUND. An app that declares nothing has empty
 *  arrays. */
PF_EXPORT pf_code pf_parse_datasafety(const char *buf, size_t len,
                                      pf_datasafety **out, pf_error *err);

/**
 * Google's app categories: every category the store home page (GET
 * /store/apps) links to, by its id and the name the page gives it, first,
 * in page order; then the rest of Google's published list of app, game and
 * family category ids (docs/categories.md), which the 2026 home page no
 * longer shows in full, with their English names. buf may be NULL with
 * len 0: the published list alone. Never fails on a page without
 * category links (the list is still returned); PF_ENOTFOUND for Google's
 * 404 page.
 */
PF_EXPORT pf_code pf_parse_categories(const char *buf, size_t len,
                                      pf_categories **out, pf_error *err);

/* Release a result and every string it points to. NULL is a no-op. */
PF_EXPORT void pf_app_free(pf_app *app);
PF_EXPORT void pf_list_free(pf_list *list);
PF_EXPORT void pf_reviews_free(pf_reviews *reviews);
PF_EXPORT void pf_terms_free(pf_terms *terms);
PF_EXPORT void pf_permissions_free(pf_permissions *perms);
PF_EXPORT void pf_datasafety_free(pf_datasafety *ds);
PF_EXPORT void pf_categories_free(pf_categories *cats);

/* ------------------------------------------------------------------------ */
/* Requests                                                                 */
/* ------------------------------------------------------------------------ */

typedef enum pf_kind {
    PF_KIND_APP = 0,
    PF_KIND_LIST,
    PF_KIND_SEARCH,
    PF_KIND_REVIEWS,
    PF_KIND_DEVELOPER,       /* developer_id: a developer's apps (list) */
    PF_KIND_SIMILAR,         /* app_id: its "Similar apps" (list) */
    PF_KIND_SUGGEST,         /* query: search suggestions (terms) */
    PF_KIND_PERMISSIONS,     /* app_id: its permissions */
    PF_KIND_DATASAFETY,      /* app_id: its data safety page */
    PF_KIND_CATEGORIES,      /* Google's categories (categories) */
    PF_KIND_COUNT_
} pf_kind;

/* Constant name of a kind: "app", "list", "search", "reviews",
 * "developer", "similar", "suggest", "permissions", "datasafety",
 * "categories". */
PF_EXPORT const char *pf_kind_name(pf_kind kind);

/* Google's sort codes for reviews. */
typedef enum pf_sort {
    PF_SORT_RELEVANT = 1,
    PF_SORT_NEWEST = 2,
    PF_SORT_RATING = 3
} pf_sort;

typedef enum pf_price {
    PF_PRICE_ALL = 0,
    PF_PRICE_FREE = 1,
    PF_PRICE_PAID = 2
} pf_price;

#define PF_REVIEWS_ALL (-1)

/* What to fetch. Strings are borrowed: pf_batch_start() copies them.
 * Zero-initialise and set what applies (or use pf_request_init()). */
typedef struct pf_request {
    pf_kind kind;
    const char *app_id;      /* app, reviews */
    const char *lang;        /* hl; NULL = "en" */
    const char *country;     /* gl; NULL = "us" */
    const char *category;    /* list: e.g. "GAME"; NULL = all apps */
    const char *collection;  /* list: topselling_free (default),
                                topselling_paid, topgrossing */
    const char *query;       /* search */
    int num;                 /* list/search: items wanted (0 = default);
                                search, developer, similar: up to 250 by
                                following continuation pages (0: search
                                one page, developer 60, similar all);
                                reviews: count wanted, PF_REVIEWS_ALL = all */
    pf_price price;          /* search */
    pf_sort sort;            /* reviews; 0 = newest */
    int score;               /* reviews: only this star rating, 0 = any */
    int details;             /* list, search: also fetch every entry's full
                                app record, in the same batch, as soon as
                                the entries are known (pf_response.details) */
    const char *token;       /* reviews: continuation token, NULL = first;
                                developer, similar, search: a qnKhOb
                                token (a pf_list.next_token) asks for the
                                pages from there on */
    const char *developer_id;/* developer: the numeric id (asked for at
                                /store/apps/dev) or the name
                                (/store/apps/developer) */
} pf_request;

/* Longest strings a request may carry, in bytes: far above any real app
 * id, category or language code (PF_MAX_ID_BYTES) and any real query or
 * page token (PF_MAX_QUERY_BYTES: query, token). Longer ones are
 * PF_EINVAL, never an allocation failure or a URL libcurl refuses. */
#define PF_MAX_ID_BYTES 4096
#define PF_MAX_QUERY_BYTES 8192
/* The largest `num` a list or search request may ask for, and the largest
 * review count short of PF_REVIEWS_ALL. Over them is PF_EINVAL. */
#define PF_MAX_NUM 1000000
#define PF_MAX_REVIEWS 100000000

PF_EXPORT void pf_request_init(pf_request *req, pf_kind kind);

/* ------------------------------------------------------------------------ */
/* Request builders, for callers with their own HTTP client                 */
/* ------------------------------------------------------------------------ */

/* One HTTP exchange: GET url when body is NULL, else POST body to url with
 * "Content-Type: application/x-www-form-urlencoded;charset=UTF-8". */
typedef struct pf_http_request {
    char *url;
    char *body;
    size_t body_len;
} pf_http_request;

/**
 * The exchange the engine would send for req against base_url (NULL: as
 * the client: $PLAYFAST_BASE_URL, else the live store). It asks for one
 * page: for reviews, req->num is the page size
 * (0 or more than 150: 150) and req->token the page wanted. Parse what comes
 * back with the pf_parse_* function of the kind.
 * @return PF_OK with *out filled (free it with pf_http_request_cleanup),
 *         PF_EINVAL when a required field is missing or out of range,
 *         PF_ENOMEM; then *err (may be NULL) says so, and *out is zeroed.
 */
PF_EXPORT pf_code pf_request_build(const pf_request *req, const char *base_url,
                                   pf_http_request *out, pf_error *err);
PF_EXPORT void pf_http_request_cleanup(pf_http_request *h);

/* ------------------------------------------------------------------------ */
/* Client                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct pf_client pf_client;

typedef struct pf_client_options {
    const char *base_url;       /* NULL: $PLAYFAST_BASE_URL, else
                                   https://play.google.com */
    const char *user_agent;     /* NULL: a current desktop browser's */
    const char *proxy;          /* NULL: none (libcurl's env vars apply);
                                   one more entry of `proxies` */
    const char *cacert;         /* NULL: system store */
    double timeout;             /* seconds per attempt; 0 = 30 */
    double connect_timeout;     /* seconds; 0 = 10 */
    int max_concurrency;        /* requests in flight; 0 = 64 */
    int max_per_host;           /* 0 = same as max_concurrency */
    double rate;                /* ceiling on requests/second started per
                                   egress; 0 = none. The pacing learns the
                                   rate the server allows below it. */
    int retries;                /* extra attempts after a network error or
                                   a 5xx other than 503; < 0 = default (3).
                                   429, 503 and blocked pages are retried
                                   until the deadline instead. */
    double backoff;             /* first backoff, seconds; 0 = 0.5 */
    size_t max_response;        /* bytes; 0 = 32 MiB */
    int workers;                /* parse threads; 0 = from CPU count */
    int http_version;           /* 0 auto (h2 over TLS), 1 = 1.1, 2 = h2 */
    int verbose;                /* libcurl debug output to stderr */
    /* The egress pool: each proxy and each local address is one egress,
     * with its own pacing; with none, one direct egress. Proxies are
     * http://, https:// or socks5:// URLs; local addresses are IPv4 or IPv6
     * literals that outgoing connections bind to. Strings are copied. */
    const char *const *proxies;
    size_t n_proxies;
    const char *const *local_addresses;
    size_t n_local_addresses;
    double deadline;            /* seconds a request may take in all, its
                                   retries and Retry-After waits included;
                                   0 = 600 */
} pf_client_options;

PF_EXPORT void pf_client_options_init(pf_client_options *opt);

/* The ranges pf_client_options_check() enforces, defined once here: the
 * CLI and the Python binding accept exactly these. */
#define PF_MAX_SECONDS 86400.0    /* timeout, connect_timeout, backoff,
                                     deadline: a day, far beyond any use,
                                     and still exact in milliseconds */
#define PF_MAX_CONCURRENCY 100000 /* max_concurrency, max_per_host */
#define PF_MAX_RATE 1e9           /* rate, requests/second */
#define PF_MAX_RETRIES 1000
#define PF_MAX_WORKERS 1024
#define PF_MAX_EGRESSES 65536     /* n_proxies, n_local_addresses each */

/**
 * Check options the way pf_client_new() reads them, without creating
 * anything; pf_client_new() calls it first.
 *
 * Refused (PF_EINVAL): a base URL (or, when base_url is NULL, a non-empty
 * $PLAYFAST_BASE_URL) whose scheme is not http:// or https://; a CR, LF or
 * other control character in base_url, user_agent, a proxy or cacert (they
 * become header lines or URLs: a line break would inject a header); a proxy
 * (`proxy` or any `proxies[i]`) that is not an http://, https://, socks5://
 * or socks5h:// URL with a host; a local address that is not an IPv4 or
 * IPv6 literal (inet_pton); a cacert file that cannot be opened for
 * reading, or is a directory; a number outside its range above, negative,
 * NaN or infinite; http_version other than 0, 1, 2; a count over
 * PF_MAX_EGRESSES, or a NULL array or entry within a count. 0 keeps
 * meaning "the default" where the field says so.
 *
 * @param opt  NULL checks the defaults (always PF_OK).
 * @param err  optional. Its message starts with the field's name, then a
 *             colon: "user_agent: contains a line break (CR or LF)",
 *             "proxies[2]: scheme must be http://, https:// or socks5://,
 *             got \"ftp://x\"" (credentials in a URL are never copied into
 *             the message), "cacert: cannot read /x/y: No such file or
 *             directory", "deadline: must be a positive number of seconds
 *             up to 86400, got -1". A frontend replaces that name with its
 *             own (a flag, a keyword argument).
 * @return PF_OK or PF_EINVAL. Reads the cacert file's metadata and the
 *         environment; otherwise pure. Any thread.
 */
PF_EXPORT pf_code pf_client_options_check(const pf_client_options *opt,
                                          pf_error *err);

/**
 * Create a client: starts its event-loop thread and parse workers.
 * @param opt NULL for defaults. Strings are copied.
 * @return PF_OK and *out set; on error *out is NULL and nothing leaks.
 * Thread-safe; a client may be shared by any number of threads.
 */
PF_EXPORT pf_code pf_client_new(const pf_client_options *opt, pf_client **out,
                                pf_error *err);

/* The options the client runs with, every default resolved (timeout 30,
 * max_concurrency 64, the base URL from the environment, the built-in
 * User-Agent, ...). The strings and arrays point into the client and stay
 * valid while it lives. NULL client: pf_client_options_init(). Any
 * thread. */
PF_EXPORT void pf_client_options_get(pf_client *client, pf_client_options *out);

/* Stop the threads, cancel outstanding batches and free. NULL is a no-op.
 * Must not be called while another thread still uses the client. */
PF_EXPORT void pf_client_free(pf_client *client);

/* Counters since creation, for progress lines, tests and benchmarks. */
typedef struct pf_client_stats {
    uint64_t requests;         /* HTTP attempts started */
    uint64_t retries;
    uint64_t connections;      /* new connections opened */
    uint64_t bytes_received;   /* body bytes received, as sent (compressed
                                  when the server compressed them) */
    uint64_t rate_limited;     /* 429 and 503 answers seen */
    uint64_t blocked;          /* blocked pages and redirects seen */
    size_t egresses;           /* entries pf_client_egress_stats() gives */
} pf_client_stats;

PF_EXPORT void pf_client_stats_get(pf_client *client, pf_client_stats *out);

/* One egress as the pacing sees it. */
typedef struct pf_egress_stats {
    const char *name;          /* "direct", the proxy URL without its
                                  credentials, or the local address; valid
                                  while the client lives */
    double rate;               /* requests/second it may start now; 0 while
                                  no pushback was seen and no ceiling set */
    double cooldown;           /* seconds until it may start again, 0 when
                                  it may now */
    int quarantined;           /* cooling down after a blocked page */
    uint64_t requests, rate_limited, blocked;
} pf_egress_stats;

/* Fill out[0..cap) with the client's egresses in the order they were
 * given; returns how many there are (which may exceed cap). Any thread. */
PF_EXPORT size_t pf_client_egress_stats(pf_client *client,
                                        pf_egress_stats *out, size_t cap);

/* ------------------------------------------------------------------------ */
/* Batches                                                                  */
/* ------------------------------------------------------------------------ */

/* The outcome of one request: either a result of its kind or an error.
 * One exception: a review chain (num > 150 or PF_REVIEWS_ALL) that fails
 * after its first page keeps what it fetched. Then code != PF_OK and
 * `reviews` is not NULL: it holds the pages fetched so far, merged, and
 * its next_token is the token of the page that failed, to resume from
 * (set it as pf_request.token). pf_response_cleanup() frees it as usual. */
typedef struct pf_response {
    pf_kind kind;
    pf_code code;            /* PF_OK or the error kind */
    pf_error error;          /* valid when code != PF_OK */
    pf_app *app;             /* PF_KIND_APP */
    pf_list *list;           /* PF_KIND_LIST, PF_KIND_SEARCH */
    pf_reviews *reviews;     /* PF_KIND_REVIEWS; on an error, the pages
                                fetched before it, or NULL (above) */
    double elapsed;          /* seconds from start to completion */
    /* With pf_request.details: one response per entry of `list`, in list
     * order, each an app (PF_KIND_APP) or that entry's own error. Freed
     * with the response by pf_response_cleanup(). */
    struct pf_response *details;
    size_t n_details;
    /* PF_KIND_DEVELOPER and PF_KIND_SIMILAR fill `list`. */
    pf_terms *terms;         /* PF_KIND_SUGGEST */
    pf_permissions *permissions; /* PF_KIND_PERMISSIONS */
    pf_datasafety *datasafety;   /* PF_KIND_DATASAFETY */
    pf_categories *categories;   /* PF_KIND_CATEGORIES */
} pf_response;

/* Free the result a response holds and zero it. NULL is a no-op. */
PF_EXPORT void pf_response_cleanup(pf_response *res);

/**
 * A response as bytes and back, to hand results from one process to
 * another (a cluster's workers to the process that stores them): every
 * part (result, error, details) goes across. The form follows the schema
 * and carries a hash of it; bytes written by a playfast with other result
 * fields are refused (PF_EUNSUPPORTED naming both), never read wrong.
 *
 * pf_response_pack(): *out is malloc()ed (the caller frees it), *len its
 * size. PF_OK or PF_ENOMEM; res is left as it was.
 *
 * pf_response_unpack(): fills *out (release it with pf_response_cleanup()).
 * Every length and count is checked against the bytes given: truncated or
 * corrupt input is PF_EMALFORMED with the offset and what was wrong, and
 * *out is left empty. Pure functions; any thread.
 */
PF_EXPORT pf_code pf_response_pack(const pf_response *res, char **out,
                                   size_t *len, pf_error *err);
PF_EXPORT pf_code pf_response_unpack(const void *buf, size_t len,
                                     pf_response *out, pf_error *err);

typedef struct pf_batch pf_batch;

/* Called on a worker thread each time a request completes. Keep it short. */
typedef void (*pf_progress_cb)(void *userdata, size_t done, size_t failed,
                               size_t total);

/* Called on a worker thread with each response as it completes; the
 * callback owns *res from then on and releases it with
 * pf_response_cleanup(). Responses delivered this way count as taken:
 * pf_batch_next() has nothing to return for them. Every request is
 * delivered exactly once, those cancelled before they started included
 * (from the thread that called pf_batch_cancel()). */
typedef void (*pf_result_cb)(void *userdata, size_t index, pf_response *res);

typedef struct pf_batch_options {
    pf_progress_cb on_progress;   /* may be NULL */
    void *userdata;               /* passed to both callbacks */
    pf_result_cb on_result;       /* may be NULL: then take results with
                                     pf_batch_next() or pf_batch_take() */
} pf_batch_options;

/**
 * Start a batch of n requests (n may be 0). Requests are copied; at most
 * the client's max_concurrency are in flight at once, so memory does not grow
 * with n beyond one pf_request copy per entry and the results not yet taken.
 * Take results with pf_batch_next() as they complete, or wait for all with
 * pf_batch_wait() and take them in input order with pf_batch_take().
 * Thread-safe.
 */
PF_EXPORT pf_code pf_batch_start(pf_client *client, const pf_request *reqs,
                                 size_t n, const pf_batch_options *opt,
                                 pf_batch **out, pf_error *err);

/**
 * Take the next completed response, in completion order.
 * @param timeout_ms  -1 waits without limit, 0 polls.
 * @return PF_OK with *index and *res filled (the caller owns res and frees it
 *         with pf_response_cleanup), PF_EAGAIN when the timeout elapsed first,
 *         PF_EDONE when every response has been taken.
 * Do not mix with pf_batch_take() on the same batch.
 */
PF_EXPORT pf_code pf_batch_next(pf_batch *b, int timeout_ms, size_t *index,
                                pf_response *res);

/* Wait until every request completed (or was cancelled).
 * @return PF_OK when all done, PF_EAGAIN on timeout. */
PF_EXPORT pf_code pf_batch_wait(pf_batch *b, int timeout_ms);

/* After pf_batch_wait() returned PF_OK: move response i to *res (the caller
 * then owns it). Each index may be taken once. */
PF_EXPORT pf_code pf_batch_take(pf_batch *b, size_t i, pf_response *res);

/* Progress snapshot. Any pointer may be NULL. Thread-safe. */
PF_EXPORT void pf_batch_progress(pf_batch *b, size_t *done, size_t *failed,
                                 size_t *total);

/* Stop starting new requests at once and abort those in flight; they end
 * with PF_ECANCELLED, finished ones are kept. Any thread, also a progress
 * callback; idempotent. It takes the batch lock briefly, so it is not
 * async-signal-safe: from a signal handler, set a flag and cancel from a
 * thread (the Python binding and the CLI do so). */
PF_EXPORT void pf_batch_cancel(pf_batch *b);

/* Cancel what is outstanding, wait for it to unwind and free everything the
 * batch still owns. NULL is a no-op. */
PF_EXPORT void pf_batch_free(pf_batch *b);

/**
 * Convenience: run n requests and fill out[0..n) in input order. Returns
 * PF_OK when the batch ran (individual outcomes are in out[i].code), or a
 * client-level error (e.g. PF_ENOMEM) in which case out[] is untouched.
 */
PF_EXPORT pf_code pf_fetch(pf_client *client, const pf_request *reqs, size_t n,
                           pf_response *out, pf_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PLAYFAST_H */
