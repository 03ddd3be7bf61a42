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
 *    spares once the client has been idle for SPARE_KEEP_S (loop.c).
 *  - While the loop waits on the network with no body coming in yet (the
 *    server's think time), it maps and faults in spares for the transfers
 *    in flight, one per turn (pf__body_prefault): bodies that arrive
 *    together then land in memory already paged in, instead of every one
 *    of them faulting at once when the CPU has parsing to do. Only once a
 *    body has arrived, though: before that the size is a guess, and paging
 *    in 1 MB spares for gzip'd pages of 220 KB cost more CPU (12 ms for
 *    the 24 MB of a first round) than the whole of their faults.
 *  - Bytes are appended with non-temporal stores (pf__body_append): the
 *    buffers are larger than the caches, so an ordinary copy first reads
 *    every destination line from memory only to overwrite it; streaming
 *    stores skip that read and leave the caches to the decoder and the
 *    parser. For a 1.2 MB page in 64 KiB pieces the copy, 18% of the
 *    engine's CPU on plain pages, takes 0.05 ms instead of 0.10 ms.
 *  - The client has a budget for the body bytes transfers hold
 *    (PF__BODY_BUDGET, 48 MiB; a build may define another). A transfer
 *    whose buffer would grow past it is paused (loop.c) until earlier
 *    bodies have been parsed and freed -- except one at a time, which may
 *    overdraw it, up to the per-response cap, so the budget always drains
 *    and a response larger than the budget still completes. Memory held by
 *    bodies thus stays within the budget plus one response cap. Spares
 *    count against the same budget.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h> /* SSE2, in every x86-64 */
#define HAVE_STREAM 1
#endif

#include "body.h"

#define SPARE_MAX 64

struct pf__bodies {
    size_t max_response;
    atomic_size_t live;          /* capacity of all live body buffers */
    size_t est;                  /* expected body size (loop thread) */
    int observed;                /* est was measured, not guessed (loop) */
    pthread_mutex_t mu;          /* guards the spares */
    struct { char *p; size_t cap; } spare[SPARE_MAX];
    size_t nspare, spare_bytes;
};

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

pf__bodies *pf__bodies_new(size_t max_response)
{
    pf__bodies *bs = calloc(1, sizeof *bs);
    if (bs == NULL) return NULL;
    pthread_mutex_init(&bs->mu, NULL);
    bs->max_response = max_response;
    bs->est = 1 << 20; /* an app page is ~1.2 MB */
    return bs;
}

void pf__bodies_free(pf__bodies *bs)
{
    if (bs == NULL) return;
    pf__bodies_trim(bs);
    pthread_mutex_destroy(&bs->mu);
    free(bs);
}

/* The capacity a buffer of `cap` bytes grows to for `need` bytes: doubling
 * from 64 KiB, or from the expected size for a first buffer, so growth
 * rarely moves it; 0 when even the cap cannot hold `need`.
 *
 * Not the Content-Length: buffers of exactly the declared size grew RSS
 * (95 against 72 MB for 10,000 pages at K=256) for no CPU, because the
 * budget counts capacity, and exact buffers let more bodies in at once. */
static size_t next_cap(const pf__bodies *bs, size_t cap, size_t need)
{
    size_t max = page_round(bs->max_response + 1);
    size_t want = need;
    if (cap == 0 && bs->est > want) want = bs->est;
    size_t c = cap ? cap : 64 * 1024;
    while (c < want) c *= 2;
    c = page_round(c);
    if (c > max) c = max;
    return c < need ? 0 : c;
}

size_t pf__body_growth(pf__bodies *bs, const pf__body *b, size_t need)
{
    if (need <= b->cap) return 0;
    size_t c = next_cap(bs, b->cap, need);
    return c > b->cap ? c - b->cap : 0;
}

int pf__bodies_room(pf__bodies *bs, size_t extra)
{
    return atomic_load(&bs->live) + extra <= PF__BODY_BUDGET;
}

int pf__body_reserve(pf__bodies *bs, pf__body *b, size_t need)
{
    if (need <= b->cap) return 1;
    if (b->cap == 0) {
        pthread_mutex_lock(&bs->mu);
        if (bs->nspare > 0) {
            bs->nspare--;
            b->buf = bs->spare[bs->nspare].p;
            b->cap = bs->spare[bs->nspare].cap;
            bs->spare_bytes -= b->cap;
        }
        pthread_mutex_unlock(&bs->mu);
        if (b->cap) atomic_fetch_add(&bs->live, b->cap);
        if (b->cap >= need) return 1;
    }
    size_t cap = next_cap(bs, b->cap, need);
    if (cap == 0) return 0;
    void *p = map(b->buf, b->cap, cap, 0);
    if (p == NULL) return 0;
    atomic_fetch_add(&bs->live, cap - b->cap);
    b->buf = p;
    b->cap = cap;
    return 1;
}

/* A piece this small is copied as usual: it would not pay for the fence,
 * and a small body is read again while it is still in the cache. */
#define STREAM_MIN 8192

void pf__body_append(pf__body *b, const char *p, size_t n)
{
    char *d = b->buf + b->len;
    b->len += n;
#ifdef HAVE_STREAM
    if (n >= STREAM_MIN) {
        size_t head = (16 - ((uintptr_t)d & 15)) & 15;
        memcpy(d, p, head);
        d += head;
        p += head;
        n -= head;
        for (; n >= 64; n -= 64, d += 64, p += 64) {
            __m128i v0 = _mm_loadu_si128((const __m128i *)p);
            __m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
            __m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
            __m128i v3 = _mm_loadu_si128((const __m128i *)(p + 48));
            _mm_stream_si128((__m128i *)d, v0);
            _mm_stream_si128((__m128i *)(d + 16), v1);
            _mm_stream_si128((__m128i *)(d + 32), v2);
            _mm_stream_si128((__m128i *)(d + 48), v3);
        }
        /* Streaming stores are weakly ordered: make them visible before
         * anything that hands the body to another thread. */
        _mm_sfence();
    }
#endif
    memcpy(d, p, n);
    b->buf[b->len] = '\0';
}

void pf__body_release(pf__bodies *bs, pf__body *b)
{
    if (b->buf == NULL) return;
    atomic_fetch_sub(&bs->live, b->cap);
    pthread_mutex_lock(&bs->mu);
    if (bs->nspare < SPARE_MAX &&
        bs->spare_bytes + b->cap + atomic_load(&bs->live) <=
            PF__BODY_BUDGET) {
        bs->spare[bs->nspare].p = b->buf;
        bs->spare[bs->nspare].cap = b->cap;
        bs->nspare++;
        bs->spare_bytes += b->cap;
        b->buf = NULL;
    }
    pthread_mutex_unlock(&bs->mu);
    if (b->buf) unmap(b->buf, b->cap);
    b->buf = NULL;
    b->cap = b->len = 0;
}

void pf__bodies_observe(pf__bodies *bs, size_t len)
{
    /* Slow decay, fast rise: the estimate sizes new buffers and the
     * budget's admission test. The first body replaces the 1 MB guess
     * outright, so that spares are made at a size seen (a gzip'd page's
     * 220 KB) rather than decayed towards it over dozens of bodies. */
    if (len == 0) return;
    bs->est = !bs->observed || len > bs->est ? len
                                             : bs->est - (bs->est - len) / 8;
    bs->observed = 1;
}

size_t pf__bodies_expected(const pf__bodies *bs)
{
    return bs->observed ? bs->est : 0;
}

int pf__bodies_prefault(pf__bodies *bs, size_t active)
{
    size_t est = page_round(bs->est), want = active * est;
    /* Half the budget: spares mapped here are paged in whole, so a budget
     * full of them would be all resident, where grown buffers are not. */
    if (want > PF__BODY_BUDGET / 2) want = PF__BODY_BUDGET / 2;
    /* Only in the wait before the first bytes: once bodies stream in, the
     * loop has better things to do, and spares would only crowd them. And
     * only at a size seen, not guessed (see the top of this file). */
    if (!bs->observed || atomic_load(&bs->live) != 0) return 0;
    pthread_mutex_lock(&bs->mu);
    int room = bs->nspare < SPARE_MAX && bs->spare_bytes + est <= want;
    if (room) bs->spare_bytes += est;   /* claimed while mapping */
    pthread_mutex_unlock(&bs->mu);
    if (!room) return 0;
    void *p = map(NULL, 0, est, 1);
    int made = 0;
    pthread_mutex_lock(&bs->mu);
    if (p != NULL && bs->nspare < SPARE_MAX) {
        bs->spare[bs->nspare].p = p;
        bs->spare[bs->nspare].cap = est;
        bs->nspare++;
        made = 1;
    } else {
        bs->spare_bytes -= est;
    }
    pthread_mutex_unlock(&bs->mu);
    if (p != NULL && !made) unmap(p, est);
    return made;
}

void pf__bodies_trim(pf__bodies *bs)
{
    pthread_mutex_lock(&bs->mu);
    for (size_t i = 0; i < bs->nspare; i++)
        unmap(bs->spare[i].p, bs->spare[i].cap);
    bs->nspare = 0;
    bs->spare_bytes = 0;
    pthread_mutex_unlock(&bs->mu);
}

void pf__bodies_stats(pf__bodies *bs, size_t *live, size_t *nspare,
                      size_t *spare_bytes)
{
    pthread_mutex_lock(&bs->mu);
    if (nspare) *nspare = bs->nspare;
    if (spare_bytes) *spare_bytes = bs->spare_bytes;
    pthread_mutex_unlock(&bs->mu);
    if (live) *live = atomic_load(&bs->live);
}
