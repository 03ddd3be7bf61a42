/*
 * egress.c -- the egress pool (egress.h): proxies and local source
 * addresses, each with its own pacing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "egress.h"
#include "pace.h"
#include "url.h"

struct pf__egress {
    char *proxy;             /* CURLOPT_PROXY, NULL: none set */
    char *iface;             /* CURLOPT_INTERFACE ("host!ADDR"), or NULL */
    char *name;
    pf__pace pace;
    size_t active;           /* attempts in flight */
    unsigned mark;           /* asked in pick round `gen` */
    uint64_t requests, rate_limited, blocked;
};

struct pf__egresses {
    pthread_mutex_t mu;
    size_t n;
    size_t cap;              /* egresses it is built for */
    size_t next;             /* round-robin start among equals */
    unsigned gen;            /* pick rounds */
    pf__egress e[];
};

/* A proxy URL as it may be shown: without "user:password@". */
static char *public_name(const char *url)
{
    pf__url u;
    pf__url_split(url, &u);
    if (u.host == u.authority) return strdup(url);
    size_t pre = (size_t)(u.authority - url), rest = strlen(u.host);
    char *out = malloc(pre + rest + 1);
    if (out == NULL) return NULL;
    memcpy(out, url, pre);
    memcpy(out + pre, u.host, rest + 1);
    return out;
}

/* Each add counts its egress first, so a half-built one is freed with
 * the pool. */
static int add_proxy(pf__egresses *g, const char *url, double ceil, double now)
{
    pf__egress *e = &g->e[g->n++];
    pf__pace_init(&e->pace, ceil, g->cap, now);
    e->proxy = strdup(url);
    e->name = public_name(url);
    return e->proxy && e->name;
}

static int add_address(pf__egresses *g, const char *addr, double ceil,
                       double now)
{
    pf__egress *e = &g->e[g->n++];
    size_t n = strlen(addr);
    pf__pace_init(&e->pace, ceil, g->cap, now);
    e->iface = malloc(n + 6);
    e->name = strdup(addr);
    if (!e->iface || !e->name) return 0;
    /* "host!" makes libcurl bind to the address itself, never to an
     * interface that happens to carry that name. */
    memcpy(e->iface, "host!", 5);
    memcpy(e->iface + 5, addr, n + 1);
    return 1;
}

pf__egresses *pf__egresses_new(const pf_client_options *o, double now)
{
    size_t n = (o->proxy ? 1 : 0) + o->n_proxies + o->n_local_addresses;
    pf__egresses *g = calloc(1, sizeof *g + (n ? n : 1) * sizeof(pf__egress));
    if (g == NULL) return NULL;
    pthread_mutex_init(&g->mu, NULL);
    g->cap = n;
    int ok = 1;
    if (o->proxy) ok = add_proxy(g, o->proxy, o->rate, now);
    for (size_t i = 0; ok && i < o->n_proxies; i++)
        ok = add_proxy(g, o->proxies[i], o->rate, now);
    for (size_t i = 0; ok && i < o->n_local_addresses; i++)
        ok = add_address(g, o->local_addresses[i], o->rate, now);
    if (ok && g->n == 0) {
        g->n = 1;
        pf__pace_init(&g->e[0].pace, o->rate, 1, now);
        g->e[0].name = strdup("direct");
        ok = g->e[0].name != NULL;
    }
    if (!ok) {
        pf__egresses_free(g);
        return NULL;
    }
    return g;
}

void pf__egresses_free(pf__egresses *g)
{
    if (g == NULL) return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->e[i].proxy);
        free(g->e[i].iface);
        free(g->e[i].name);
    }
    pthread_mutex_destroy(&g->mu);
    free(g);
}

size_t pf__egresses_count(const pf__egresses *g)
{
    return g->n;
}

pf__egress *pf__egress_pick(pf__egresses *g, double now, double *wait)
{
    pf__egress *best = NULL;
    double soonest = 1e9;
    pthread_mutex_lock(&g->mu);
    unsigned gen = ++g->gen;
    /* The least loaded egress that may start, asking each at most once;
     * the scan begins after the last pick, so equals take turns. */
    for (;;) {
        pf__egress *cand = NULL;
        for (size_t k = 0; k < g->n; k++) {
            pf__egress *e = &g->e[(g->next + k) % g->n];
            if (e->mark == gen) continue;
            if (e->pace.paused_until > now) {
                e->mark = gen;
                if (e->pace.paused_until - now < soonest)
                    soonest = e->pace.paused_until - now;
                continue;
            }
            if (cand == NULL || e->active < cand->active) cand = e;
        }
        if (cand == NULL) break;
        cand->mark = gen;
        double w = pf__pace_take(&cand->pace, now);
        if (w == 0) {
            best = cand;
            break;
        }
        if (w < soonest) soonest = w;
    }
    if (best) {
        best->active++;
        best->requests++;
        g->next = (size_t)(best - g->e + 1) % g->n;
    }
    pthread_mutex_unlock(&g->mu);
    if (wait) *wait = best ? 0 : soonest;
    return best;
}

void pf__egress_unpick(pf__egresses *g, pf__egress *e)
{
    pthread_mutex_lock(&g->mu);
    pf__pace_untake(&e->pace);
    e->active--;
    e->requests--;
    pthread_mutex_unlock(&g->mu);
}

void pf__egress_setup(const pf__egress *e, CURL *easy)
{
    if (e->proxy) curl_easy_setopt(easy, CURLOPT_PROXY, e->proxy);
    if (e->iface) curl_easy_setopt(easy, CURLOPT_INTERFACE, e->iface);
}

double pf__egress_end(pf__egresses *g, pf__egress *e, pf__verdict v,
                      double started, double now, double retry_after)
{
    double at = now;
    pthread_mutex_lock(&g->mu);
    e->active--;
    switch (v) {
    case PF__ANSWERED:
        pf__pace_ok(&e->pace, now);
        break;
    case PF__FAILED:
        break;
    case PF__RATE:
        e->rate_limited++;
        at = pf__pace_pushback(&e->pace, started, now, retry_after, 0);
        for (size_t i = 0; i < g->n; i++)
            pf__pace_adopt(&g->e[i].pace, pf__pace_rate(&e->pace));
        break;
    case PF__BLOCKED:
        e->blocked++;
        at = pf__pace_pushback(&e->pace, started, now, retry_after, 1);
        break;
    }
    pthread_mutex_unlock(&g->mu);
    return at;
}

double pf__egresses_ready_at(pf__egresses *g, double now)
{
    double at = -1;
    pthread_mutex_lock(&g->mu);
    for (size_t i = 0; i < g->n; i++) {
        double t = g->e[i].pace.paused_until;
        if (t < now) t = now;
        if (at < 0 || t < at) at = t;
    }
    pthread_mutex_unlock(&g->mu);
    return at;
}

size_t pf__egresses_stats(pf__egresses *g, pf_egress_stats *out, size_t cap,
                          double now)
{
    pthread_mutex_lock(&g->mu);
    for (size_t i = 0; i < g->n && i < cap; i++) {
        const pf__egress *e = &g->e[i];
        out[i].name = e->name;
        out[i].rate = pf__pace_rate(&e->pace);
        out[i].cooldown = pf__pace_cooldown(&e->pace, now);
        out[i].quarantined = e->pace.quarantined && out[i].cooldown > 0;
        out[i].requests = e->requests;
        out[i].rate_limited = e->rate_limited;
        out[i].blocked = e->blocked;
    }
    size_t n = g->n;
    pthread_mutex_unlock(&g->mu);
    return n;
}

void pf__egresses_totals(pf__egresses *g, uint64_t *rate_limited,
                         uint64_t *blocked)
{
    uint64_t r = 0, b = 0;
    pthread_mutex_lock(&g->mu);
    for (size_t i = 0; i < g->n; i++) {
        r += g->e[i].rate_limited;
        b += g->e[i].blocked;
    }
    pthread_mutex_unlock(&g->mu);
    *rate_limited = r;
    *blocked = b;
}
