/*
 * body.h -- response body buffers and the budget on the bytes they hold
 * (internal; body.c explains the allocator).
 */
#ifndef PF_BODY_H
#define PF_BODY_H

#include <stddef.h>

/* Body bytes the client lets transfers hold before it pauses new ones. */
#ifndef PF__BODY_BUDGET
#define PF__BODY_BUDGET ((size_t)48 << 20)
#endif

typedef struct pf__bodies pf__bodies;

/* One transfer's body: buf[0..len) received, cap mapped. */
typedef struct pf__body {
    char *buf;
    size_t len, cap;
} pf__body;

/* Buffers for responses of at most max_response bytes. NULL: no memory. */
pf__bodies *pf__bodies_new(size_t max_response);
/* Unmaps everything; every body must have been released. NULL: no-op. */
void pf__bodies_free(pf__bodies *bs);

/* Grow b to hold `need` bytes (capped by max_response + 1); returns 0 on
 * failure. Loop thread. */
int pf__body_reserve(pf__bodies *bs, pf__body *b, size_t need);
/* Append p[0..n) to b and keep it NUL-terminated; b must have room for
 * len + n + 1 bytes (pf__body_reserve). Large pieces bypass the caches
 * (body.c). Loop thread. */
void pf__body_append(pf__body *b, const char *p, size_t n);
/* Release b's buffer (kept for reuse while the budget allows); any
 * thread. b is left empty. */
void pf__body_release(pf__bodies *bs, pf__body *b);

/* Bytes growing b to hold `need` would add to the live bytes (for a body
 * with no buffer yet: the expected size). */
size_t pf__body_growth(pf__bodies *bs, const pf__body *b, size_t need);
/* Would `extra` more live bytes stay within the budget? */
int pf__bodies_room(pf__bodies *bs, size_t extra);
/* A body of len bytes arrived whole: tune the expected size (the first
 * one sets it; until then it is a guess, and nothing is prefaulted). Loop. */
void pf__bodies_observe(pf__bodies *bs, size_t len);
/* The expected body size once a body has been observed, else 0. Loop. */
size_t pf__bodies_expected(const pf__bodies *bs);
/* While no body is being received, and once one has been observed, map
 * and fault in one more spare when `active` transfers would want more than
 * there are and the budget has room. Returns 1 when it made one. Loop
 * thread, when nothing is due. */
int pf__bodies_prefault(pf__bodies *bs, size_t active);
/* Unmap the spare buffers (idle client); any thread. */
void pf__bodies_trim(pf__bodies *bs);
/* For tests: live bytes, spare count and spare bytes. */
void pf__bodies_stats(pf__bodies *bs, size_t *live, size_t *nspare,
                      size_t *spare_bytes);

#endif
