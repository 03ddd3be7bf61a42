/*
 * arena.h -- one-block result builder (internal).
 *
 * Every typed result (pf_app, pf_list, pf_reviews) is a single malloc()
 * block: the struct at offset 0, then arrays and strings. While building, the
 * block grows by realloc and so moves; pointers inside it are therefore
 * recorded as offsets plus a relocation entry, and pf__arena_finish() turns
 * them into real pointers once the final address is known. Freeing a result
 * is then one free().
 *
 * Allocation failure is sticky: after the first failure every call is a
 * no-op returning PF__NOFF, and pf__arena_finish() returns NULL, so builders
 * check once at the end.
 */
#ifndef PF_ARENA_H
#define PF_ARENA_H

#include <stddef.h>

#define PF__NOFF ((size_t)-1)

typedef struct pf__arena {
    char *buf;
    size_t len, cap;
    size_t *relocs;          /* offsets of pointer fields to relocate */
    size_t nrelocs, caprelocs;
    size_t max;              /* hard cap on the block size */
    int failed;
} pf__arena;

void pf__arena_init(pf__arena *a, size_t initial);

/* Reserve size zeroed bytes aligned for any field; returns the offset. */
size_t pf__arena_alloc(pf__arena *a, size_t size);

/* Reserve size bytes right after the last allocation, unaligned and not
 * zeroed: for bytes about to be written, such as decoded strings (zeroing
 * them cost ~15% of a top-chart parse). The caller may give back an unused
 * end by lowering a->len. */
size_t pf__arena_alloc_raw(pf__arena *a, size_t size);

/* Address of an offset; valid only until the next allocation. */
static inline void *pf__arena_at(pf__arena *a, size_t off) { return a->buf + off; }

/* Copy n bytes plus a NUL; returns the offset. */
size_t pf__arena_strn(pf__arena *a, const char *s, size_t n);

/* Record that the pointer field at offset `field` points to offset `target`
 * (PF__NOFF leaves the field NULL). */
void pf__arena_ptr(pf__arena *a, size_t field, size_t target);

/* Shrink, relocate and hand the block over (the caller frees it with free()).
 * Returns NULL if any allocation failed; the arena is reset either way. */
void *pf__arena_finish(pf__arena *a);

/* Release everything; safe after finish and on a zeroed arena. */
void pf__arena_cleanup(pf__arena *a);

#endif
