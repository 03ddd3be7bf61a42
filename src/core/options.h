/*
 * options.h -- the one validation of client options and request arguments
 * (options.c), shared by the engine, the CLI and the Python binding.
 */
#ifndef PF_OPTIONS_H
#define PF_OPTIONS_H

#include "playfast.h"

/* The fields of pf_client_options a frontend may set, as bits of the
 * `given` mask below. */
enum {
    PF__OPT_BASE_URL = 1u << 0,
    PF__OPT_USER_AGENT = 1u << 1,
    PF__OPT_PROXY = 1u << 2,
    PF__OPT_CACERT = 1u << 3,
    PF__OPT_TIMEOUT = 1u << 4,
    PF__OPT_CONNECT_TIMEOUT = 1u << 5,
    PF__OPT_MAX_CONCURRENCY = 1u << 6,
    PF__OPT_MAX_PER_HOST = 1u << 7,
    PF__OPT_RATE = 1u << 8,
    PF__OPT_RETRIES = 1u << 9,
    PF__OPT_BACKOFF = 1u << 10,
    PF__OPT_MAX_RESPONSE = 1u << 11,
    PF__OPT_WORKERS = 1u << 12,
    PF__OPT_HTTP_VERSION = 1u << 13,
    PF__OPT_VERBOSE = 1u << 14,
    PF__OPT_DEADLINE = 1u << 15,
};

/* pf_client_options_check() for a frontend that knows which fields its
 * user set: for a field in `given`, the C API's "0 (or < 0) = the default"
 * does not apply, since the user asked for that value, so 0 is refused
 * where it is not itself a valid setting (a timeout, a concurrency, a
 * deadline; `rate` 0 = no ceiling and `http_version` 0 = auto stay valid),
 * and an empty string is refused. With given == 0 it is
 * pf_client_options_check(). Same messages. */
pf_code pf__client_options_check(const pf_client_options *opt,
                                 unsigned given, pf_error *err);

/* Every argument of one request, the one check the engine (for each
 * request), pf_request_build, the CLI and the Python binding share:
 *  - sizes: a string over PF_MAX_ID_BYTES (app_id, category, collection,
 *    lang, country) or PF_MAX_QUERY_BYTES (query, token);
 *  - country: an ISO 3166-1 alpha-2 code, either case (pf__country_valid);
 *    lang: a language tag such as en, en-GB, pt_BR (pf__lang_valid); NULL
 *    is the default for both, "" is refused;
 *  - required: app_id (app, reviews), query (search), non-empty;
 *  - list: category in capitals (GAME, GAME_ACTION), a known collection;
 *  - ranges: num 0..PF_MAX_NUM (list, search), 0..PF_MAX_REVIEWS or
 *    PF_REVIEWS_ALL (reviews); price 0..2; sort 0..3; score 0..5; a token,
 *    when given, non-empty.
 * Fields a kind does not use are not looked at. PF_EINVAL with a message
 * that starts with the field's name, then says the value and what is
 * allowed ("country: \"usa\" is not a country code; give an ISO 3166-1
 * alpha-2 code such as us, gb or de"); a frontend swaps the name for its
 * own. NULL req is PF_EINVAL. Pure; any thread. */
pf_code pf__request_check(const pf_request *req, pf_error *err);

/* 1 when c is an assigned ISO 3166-1 alpha-2 code (either case), or when
 * l is a language tag as above; 0 otherwise (NULL included). */
int pf__country_valid(const char *c);
int pf__lang_valid(const char *l);

#endif
