/*
 * json.h -- zero-copy JSON path extractor (internal).
 *
 * Files: json_scan.h (byte-level scanners shared by the others),
 * json_validate.c (pf__json_skip, the validating array walk), json_nav.c
 * (navigation), json_decode.c (strings), json_num.c (numbers, literals).
 *
 * Play pages embed large JSON documents of which a parser needs a few dozen
 * values. Instead of building a tree, a pf__jv is a pointer to the first byte
 * of a value; navigation skips over siblings without allocating, and only the
 * strings a parser returns are ever decoded.
 *
 * Two escape levels are supported. Level 0 is ordinary JSON. Level 1 is JSON
 * carried inside a JSON string literal, as batchexecute sends it
 * ("[[\"com.app\",7]]"): structural quotes appear as \" and a string's own
 * escapes as \\x. Walking the escaped text in place avoids unescaping an
 * 850 KB payload into a copy.
 *
 * Error model: pf__json_skip() validates a value completely and reports the
 * byte offset of the first problem. Callers validate a document once, after
 * which navigation cannot fail, only miss (return an absent value). Every read
 * is bounded by jv.end, so navigating invalid text is safe, merely useless.
 *
 * Cost guide (2-core box, 850 KB top-chart payload at level 1): navigation
 * skips at ~5.5 GB/s (150 us for the whole payload), full validation runs at
 * ~2.3 GB/s (370 us). Validate small blocks (the ~15 KB app block, a reviews
 * page); for the top chart, walk once and report a walk that runs off the
 * end (truncation) as malformed at that offset.
 */
#ifndef PF_JSON_H
#define PF_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "playfast.h"
#include "arena.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* First byte equal to a or b in [p, end), or end; 16 bytes at a time.
 * Shared by the extractor (quotes and backslashes) and the text helpers
 * (markup in descriptions). Never reads outside [p, end). */
static inline const char *pf__scan2(const char *p, const char *end, char a,
                                    char b)
{
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));
        if (m) return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (p < end && *p != a && *p != b) p++;
    return p;
}

typedef struct pf__jv {
    const char *p;        /* first byte of the value; NULL = absent */
    const char *end;      /* reads never reach this (end of the document) */
    unsigned char esc;    /* escape level, 0 or 1 */
} pf__jv;

typedef enum pf__jtype {
    PF_J_NONE = 0,        /* absent or not a JSON value */
    PF_J_NULL,
    PF_J_FALSE,
    PF_J_TRUE,
    PF_J_NUM,
    PF_J_STR,
    PF_J_ARR,
    PF_J_OBJ
} pf__jtype;

#define PF__JV_NONE ((pf__jv){NULL, NULL, 0})

/* A value starting at p (leading whitespace allowed) in [p, end). */
pf__jv pf__jv_make(const char *p, const char *end, int esc);

static inline int pf__jv_ok(pf__jv v) { return v.p != NULL; }

pf__jtype pf__jv_type(pf__jv v);

/* Validate the value at v and return the byte just past it, or NULL when it
 * is malformed or truncated; then *bad (if not NULL) points at the first
 * offending byte. Depth is limited (PF__JSON_MAX_DEPTH) so hostile input
 * cannot exhaust the stack: nesting is tracked iteratively anyway. */
#define PF__JSON_MAX_DEPTH 1024
const char *pf__json_skip(pf__jv v, const char **bad);

/* Element i of an array, read as Play's data is written: arrays are
 * protobuf messages in JSPB form, where element i is field i + 1 and the
 * fields past the last dense one sit in a trailing object keyed by field
 * number ([a, b, {"141": x}]: index 140 is x). So an object met at or before
 * position i is that sparse tail and element i is its key "i + 1"; on a bare
 * object (a message that is all tail) the same lookup is made. Absent when
 * neither holds. */
pf__jv pf__jv_index(pf__jv v, size_t i);

/* Value of member `key` (raw, unescaped key bytes) of an object. */
pf__jv pf__jv_key(pf__jv v, const char *key);

/* Follow a path of indexes (see pf__jv_index) from v. Absent if any step is. */
pf__jv pf__jv_path(pf__jv v, const int *path, size_t n);
#define PF__JP(v, ...) \
    pf__jv_path((v), (const int[]){__VA_ARGS__}, \
                sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/* Split an array into its elements in one pass: fills kids[0..cap) and returns
 * the element count (which may exceed cap: only cap are stored). Returns 0 for
 * non-arrays. The sparse trailing object, if any, is an element like others. */
size_t pf__jv_children(pf__jv v, pf__jv *kids, size_t cap);

/* Array iteration without a fixed cap:
 *   pf__jiter it; pf__jv e;
 *   pf__jiter_init(&it, arr);
 *   while (pf__jiter_next(&it, &e)) ...                                     */
typedef struct pf__jiter {
    const char *p;        /* next element, or NULL when done */
    const char *end;
    unsigned char esc;
} pf__jiter;
void pf__jiter_init(pf__jiter *it, pf__jv arr);
int pf__jiter_next(pf__jiter *it, pf__jv *elem);

/* Scalars. Each returns 1 and sets *out when v holds a value of that type,
 * else 0 and leaves *out alone. pf__jv_int accepts integral numbers that fit
 * in int64 (including forms like 1e3 or 12.0). Numbers are read without the
 * process's locale (LC_NUMERIC plays no part) and correctly rounded; one of
 * more than 63 characters whose digits do not fit the fast path is not read
 * (no Play number comes near). */
int pf__jv_num(pf__jv v, double *out);
int pf__jv_int(pf__jv v, int64_t *out);
int pf__jv_bool(pf__jv v, int *out);

/* The JSON number at p in [p, end) as a double, as pf__jv_num reads it.
 * Returns 0 when p does not start a valid number. */
int pf__json_number(const char *p, const char *end, double *out);

/* True when v is a string whose decoded text equals s (NUL-terminated). */
int pf__jv_streq(pf__jv v, const char *s);

/* Raw bytes of a string between its quotes, still escaped (for cheap checks
 * and keys). Returns 0 if v is not a string. */
int pf__jv_raw(pf__jv v, const char **start, size_t *len);

/* Decode the string at v (all escapes, \uXXXX with surrogate pairs, invalid
 * surrogates become U+FFFD) into the arena, NUL-terminated. Returns the
 * arena offset, or PF__NOFF when v is not a string or memory ran out. */
size_t pf__jv_str(pf__jv v, pf__arena *a);


/* Validating array walk: validation and location in one pass, for arrays
 * whose every element is read anyway (a top chart's cards, a page of
 * reviews), so a damaged response fails as malformed instead of yielding
 * the elements before the damage, without a second pass to validate.
 * The caller consumes each element it is handed, either with
 * pf__vwalk_skip() or by walking it with a nested pf__vwalk and then
 * setting w->p to that walk's w->p. */
typedef struct pf__vwalk {
    const char *p;          /* next byte to read */
    const char *end;
    unsigned char esc;
    unsigned char started;  /* an element was handed out */
} pf__vwalk;

/* Start at the array v. Returns 0 (and nothing to walk) if v is not one. */
int pf__vwalk_init(pf__vwalk *w, pf__jv v);

/* Hand out the next element: 1 with *e set; 0 when the array closed (w->p
 * is then just past its ']'); -1 when the array is malformed or truncated
 * (w->p is then at the offending byte). */
int pf__vwalk_next(pf__vwalk *w, pf__jv *e);

/* Validate element e fully and move past it. Returns 0 on malformed input
 * (w->p at the offending byte), else 1. */
int pf__vwalk_skip(pf__vwalk *w, pf__jv e);

/* Validate the whole array v while storing its first `cap` element starts
 * in kids. Returns the element count, or -1 when v is malformed, truncated
 * or not an array; *after (may be NULL) receives the byte past v, or the
 * offending byte on failure. One pass, like pf__jv_children() plus
 * pf__json_skip() together. */
long pf__vkids(pf__jv v, pf__jv *kids, size_t cap, const char **after);

#endif
