/*
 * client.c -- the pooled HTTP client: resolve the options, build what the
 * engine shares (client.h: the libcurl share for DNS and TLS sessions, the
 * request headers, the parse workers, the body buffers, the egress pool)
 * and start the loop thread (loop.c) that owns the multi handle.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "loop.h"
#include "page.h" /* pf__error */
#include "request.h"
#include "retry.h"

struct pf_client {
    pf__env env;
    pf__loop *loop;
    pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
    /* Copies of the caller's strings, which env points into. */
    char *base_url, *user_agent, *cacert, *proxy;
    char **proxies, **local_addresses;
};

#define DEFAULT_UA                                                          \
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "      \
    "Gecko) Chrome/126.0.0.0 Safari/537.36"

/* pf_client_options_init: zero every field and set retries to -1 (the
 * default), so a zeroed struct means "all defaults". NULL is a no-op.
 * Any thread; touches only *opt. */
void pf_client_options_init(pf_client_options *opt)
{
    if (opt == NULL) return;
    memset(opt, 0, sizeof *opt);
    opt->retries = -1;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Fill every 0/negative "default" with its value, once, so the rest of the
 * engine reads plain numbers. pf_client_options_check() has refused
 * everything else (NaN, negative or over PF_MAX_SECONDS seconds, which the
 * engine turns into integer milliseconds), so 0 is the only value left to
 * replace. */
static void resolve(pf_client_options *o)
{
    if (o->timeout == 0) o->timeout = 30;
    if (o->connect_timeout == 0) o->connect_timeout = 10;
    if (o->max_concurrency == 0) o->max_concurrency = 64;
    if (o->max_per_host == 0) o->max_per_host = o->max_concurrency;
    if (o->retries < 0) o->retries = 3;
    if (o->backoff == 0) o->backoff = 0.5;
    if (o->max_response == 0) o->max_response = (size_t)32 << 20;
    if (o->workers == 0) o->workers = pf__pool_default_size();
    if (o->deadline == 0) o->deadline = 600;
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- the curl share: DNS and TLS sessions survive across transfers ---- */

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
    (void)h;
    (void)a;
    pthread_mutex_t *mu = u;
    pthread_mutex_lock(&mu[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
    (void)h;
    pthread_mutex_t *mu = u;
    pthread_mutex_unlock(&mu[d]);
}

/* ---- public ------------------------------------------------------------ */

/* Copy n strings; NULL on out of memory (with nothing left allocated). */
static char **dup_list(const char *const *v, size_t n)
{
    char **out = calloc(n ? n : 1, sizeof *out);
    if (out == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        if ((out[i] = strdup(v[i])) == NULL) {
            while (i--) free(out[i]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_list(char **v, size_t n)
{
    if (v == NULL) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static int headers(pf__env *env)
{
    static const char *const common[] = {
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language: en-US,en;q=0.9",
        "Origin: https://play.google.com",
        "Referer: https://play.google.com/",
    };
    for (size_t i = 0; i < sizeof common / sizeof *common; i++) {
        struct curl_slist *g = curl_slist_append(env->hdr_get, common[i]);
        if (g == NULL) return 0;
        env->hdr_get = g;
        struct curl_slist *p = curl_slist_append(env->hdr_post, common[i]);
        if (p == NULL) return 0;
        env->hdr_post = p;
    }
    struct curl_slist *ct = curl_slist_append(
        env->hdr_post,
        "Content-Type: application/x-www-form-urlencoded;charset=UTF-8");
    if (ct == NULL) return 0;
    env->hdr_post = ct;
    return 1;
}

/* pf_client_new: copy the options (strings included), resolve defaults,
 * create the curl share, the egress pool, the parse workers and the loop
 * thread. On any failure everything built so far is freed and *out is
 * NULL. Any thread; the client may then be used from any number of threads
 * (pf_batch_start, pf_fetch, pf_client_stats_get). Cost: a few threads and
 * one curl multi handle; connections are opened lazily. */
pf_code pf_client_new(const pf_client_options *opt, pf_client **out,
                      pf_error *err)
{
    if (out) *out = NULL;
    if (out == NULL)
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "out is NULL");
    pf_code rc = pf_client_options_check(opt, err);
    if (rc != PF_OK) return rc;
    pf_client_options o;
    if (opt)
        o = *opt;
    else
        pf_client_options_init(&o);
    resolve(&o);

    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);

    pf_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET, "out of memory");
    pf__env *env = &c->env;
    env->opt = o; /* the counts, for pf_client_free on the way out */
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_mu[i], NULL);
    c->base_url = strdup(pf__base_url(o.base_url));
    c->user_agent = strdup(o.user_agent ? o.user_agent : DEFAULT_UA);
    c->cacert = dup_or_null(o.cacert);
    c->proxy = dup_or_null(o.proxy);
    c->proxies = dup_list(o.proxies, o.n_proxies);
    c->local_addresses = dup_list(o.local_addresses, o.n_local_addresses);
    if (!c->base_url || !c->user_agent || (o.cacert && !c->cacert) ||
        (o.proxy && !c->proxy) || !c->proxies || !c->local_addresses)
        goto nomem;
    env->opt.base_url = env->base_url = c->base_url;
    env->opt.user_agent = env->user_agent = c->user_agent;
    env->opt.cacert = env->cacert = c->cacert;
    env->opt.proxy = c->proxy;
    env->opt.proxies = (const char *const *)c->proxies;
    env->opt.local_addresses = (const char *const *)c->local_addresses;

    env->share = curl_share_init();
    if (env->share == NULL) goto nomem;
    curl_share_setopt(env->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(env->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(env->share, CURLSHOPT_USERDATA, c->share_mu);
    curl_share_setopt(env->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(env->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (!headers(env)) goto nomem;
    env->multiplex = o.http_version == 2 ||
                     (o.http_version == 0 &&
                      strncmp(env->base_url, "https://", 8) == 0);

    env->bodies = pf__bodies_new(o.max_response);
    env->egress = pf__egresses_new(&env->opt, pf__now());
    env->pool = pf__pool_new(o.workers);
    if (!env->bodies || !env->egress || !env->pool) goto nomem;
    c->loop = pf__loop_new(env);
    if (c->loop == NULL) goto nomem;
    *out = c;
    return PF_OK;
nomem:
    pf_client_free(c);
    return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                     "out of memory creating the client");
}

/* pf_client_free: cancel every batch still attached to the client, wait
 * for the loop and the workers to unwind what was in flight, then free.
 * Batches not yet freed stay valid for taking results and
 * pf_batch_free(). Call it from one thread, once no other thread uses the
 * client. NULL is a no-op. */
void pf_client_free(pf_client *c)
{
    if (c == NULL) return;
    pf__env *env = &c->env;
    pf__loop_free(c->loop);
    pf__pool_free(env->pool);
    pf__bodies_free(env->bodies);
    pf__egresses_free(env->egress);
    if (env->share) curl_share_cleanup(env->share);
    curl_slist_free_all(env->hdr_get);
    curl_slist_free_all(env->hdr_post);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_mu[i]);
    free(c->base_url);
    free(c->user_agent);
    free(c->cacert);
    free(c->proxy);
    free_list(c->proxies, env->opt.n_proxies);
    free_list(c->local_addresses, env->opt.n_local_addresses);
    free(c);
}

pf__loop *pf__client_loop(pf_client *c)
{
    return c->loop;
}

const pf_client_options *pf__client_options(pf_client *c)
{
    return &c->env.opt;
}

pf__bodies *pf__client_bodies(pf_client *c)
{
    return c->env.bodies;
}

/* pf_client_stats_get: a snapshot of the counters (atomics; the pushback
 * counts under the egress pool's lock). Any thread. A NULL client gives
 * zeros; a NULL out is a no-op. */
void pf_client_stats_get(pf_client *c, pf_client_stats *out)
{
    if (out == NULL) return;
    memset(out, 0, sizeof *out);
    if (c == NULL) return;
    out->requests = atomic_load(&c->env.n_requests);
    out->retries = atomic_load(&c->env.n_retries);
    out->connections = atomic_load(&c->env.n_connections);
    out->bytes_received = atomic_load(&c->env.n_bytes);
    pf__egresses_totals(c->env.egress, &out->rate_limited, &out->blocked);
    out->egresses = pf__egresses_count(c->env.egress);
}

/* pf_client_egress_stats: each egress's pacing and pushback counts, under
 * the egress pool's lock. Any thread. NULL client: 0. */
size_t pf_client_egress_stats(pf_client *c, pf_egress_stats *out, size_t cap)
{
    if (c == NULL) return 0;
    if (out == NULL) cap = 0;
    return pf__egresses_stats(c->env.egress, out, cap, pf__now());
}

/* pf_client_options_get: the options in effect, defaults resolved. */
void pf_client_options_get(pf_client *c, pf_client_options *out)
{
    if (out == NULL) return;
    if (c == NULL) {
        pf_client_options_init(out);
        return;
    }
    *out = c->env.opt;
}
