/*
 * body.c -- response body buffers.
 *
 * Bodies are the engine's only large allocations (an app page is ~1.2 MB)
 * and up to K of them can be alive at once, so they get their own allocator:
 *
 *  - Buffers are mapped pages (mmap/mremap on Linux). glibc keeps freed
 *    megabyte blocks in its arenas once its mmap threshold has risen, so
 *    peak RSS would track the worst moment forever; unmapped pages go back
 *    to the OS at once.
 *  - Freed buffers are kept for reuse while live plus spare stay within the
 *    budget: mapping fresh pages costs a page fault per 4 KiB, which for a
 *    1.2 MB page is more CPU than the parse itself. The loop drops the
 *    spares once the client has been idle for SPARE_KEEP_S (client.c).
 *  - While the loop waits on the network with no body coming in yet (the
 *    server's think time), it maps and faults in spares for the transfers
 *    in flight, one per turn (pf__body_prefault): bodies that arrive
 *    together then land in memory already paged in, instead of every one
 *    of them faulting at once when the CPU has parsing to do.
 *  - The client has a budget for live body bytes. A transfer whose first
 *    bytes arrive while the budget is spent is paused (client.c) until
 *    earlier bodies have been parsed and freed. A transfer that already
 *    holds a buffer is never paused, so the budget always drains. Spares
 *    count against the same budget.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "net.h"

#define SPARE_MAX 64

static size_t page_round(size_t n)
{
    return (n + 4095) & ~(size_t)4095;
}

static void *map(void *old, size_t oldcap, size_t cap, int populate)
{
#ifdef __linux__
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0);
    void *p = old ? mremap(old, oldcap, cap, MREMAP_MAYMOVE)
                  : mmap(NULL, cap, PROT_READ | PROT_WRITE, flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#else
    (void)oldcap;
    (void)populate;
    return realloc(old, cap);
#endif
}

static void unmap(void *p, size_t cap)
{
#ifdef __linux__
    munmap(p, cap);
#else
    (void)cap;
    free(p);
#endif
}

int pf__body_reserve(pf__xfer *x, size_t need)
{
    if (need <= x->cap) return 1;
    pf_client *c = x->client;
    size_t max = page_round(c->opt.max_response + 1);
    size_t want = need;
    if (x->cap == 0) {
        pthread_mutex_lock(&c->spare_mu);
        if (c->nspare > 0) {
            c->nspare--;
            x->buf = c->spare[c->nspare].p;
            x->cap = c->spare[c->nspare].cap;
            c->spare_bytes -= x->cap;
        }
        pthread_mutex_unlock(&c->spare_mu);
        if (x->cap) atomic_fetch_add(&c->body_bytes, x->cap);
        if (x->cap >= need) return 1;
        /* Start at the expected size so growth rarely moves the buffer. */
        if (c->body_est > want) want = c->body_est;
    }
    size_t cap = x->cap ? x->cap : 64 * 1024;
    while (cap < want) cap *= 2;
    cap = page_round(cap);
    if (cap > max) cap = max;
    if (cap < need) return 0;
    void *p = map(x->buf, x->cap, cap, 0);
    if (p == NULL) return 0;
    atomic_fetch_add(&c->body_bytes, cap - x->cap);
    x->buf = p;
    x->cap = cap;
    return 1;
}

void pf__body_free(pf__xfer *x)
{
    if (x->buf == NULL) return;
    pf_client *c = x->client;
    atomic_fetch_sub(&c->body_bytes, x->cap);
    pthread_mutex_lock(&c->spare_mu);
    if (c->nspare < SPARE_MAX &&
        c->spare_bytes + x->cap + atomic_load(&c->body_bytes) <=
            PF__BODY_BUDGET) {
        c->spare[c->nspare].p = x->buf;
        c->spare[c->nspare].cap = x->cap;
        c->nspare++;
        c->spare_bytes += x->cap;
        x->buf = NULL;
    }
    pthread_mutex_unlock(&c->spare_mu);
    if (x->buf) unmap(x->buf, x->cap);
    x->buf = NULL;
    x->cap = x->len = 0;
}

int pf__body_prefault(pf_client *c, size_t active)
{
    size_t est = page_round(c->body_est), want = active * est;
    /* Half the budget: spares mapped here are paged in whole, so a budget
     * full of them would be all resident, where grown buffers are not. */
    if (want > PF__BODY_BUDGET / 2) want = PF__BODY_BUDGET / 2;
    /* Only in the wait before the first bytes: once bodies stream in, the
     * loop has better things to do, and spares would only crowd them. */
    if (atomic_load(&c->body_bytes) != 0) return 0;
    pthread_mutex_lock(&c->spare_mu);
    int room = c->nspare < SPARE_MAX && c->spare_bytes + est <= want;
    if (room) c->spare_bytes += est;   /* claimed while mapping */
    pthread_mutex_unlock(&c->spare_mu);
    if (!room) return 0;
    void *p = map(NULL, 0, est, 1);
    int made = 0;
    pthread_mutex_lock(&c->spare_mu);
    if (p != NULL && c->nspare < SPARE_MAX) {
        c->spare[c->nspare].p = p;
        c->spare[c->nspare].cap = est;
        c->nspare++;
        made = 1;
    } else {
        c->spare_bytes -= est;
    }
    pthread_mutex_unlock(&c->spare_mu);
    if (p != NULL && !made) unmap(p, est);
    return made;
}

void pf__body_spares_free(pf_client *c)
{
    pthread_mutex_lock(&c->spare_mu);
    for (size_t i = 0; i < c->nspare; i++)
        unmap(c->spare[i].p, c->spare[i].cap);
    c->nspare = 0;
    c->spare_bytes = 0;
    pthread_mutex_unlock(&c->spare_mu);
}
