/*
 * json_scan.h -- the byte-level primitives of the JSON extractor (internal
 * to src/core/json_*.c; see json.h for the model).
 *
 * Everything here is static inline: these are the inner loops of both the
 * validating walk (json_validate.c) and navigation (json_nav.c), and a call
 * per string or per token would cost more than the work.
 *
 * At escape level 1 the text is the body of a JSON string literal: the
 * inner JSON's quotes are written \" and its backslashes \\. A raw '"'
 * therefore ends the outer literal and, inside the payload, means the
 * payload was cut short.
 */
#ifndef PF_JSON_SCAN_H
#define PF_JSON_SCAN_H

#include <string.h>

#include "json.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

static inline int ctz32(unsigned x) { return __builtin_ctz(x); }

/* Character classes, so validation tests one table entry per byte instead
 * of a chain of comparisons. */
enum { C_WS = 1, C_SCALAR = 2, C_ESC = 4, C_BS = 16 };
static const unsigned char cls[256] = {
    [' '] = C_WS, ['\t'] = C_WS, ['\n'] = C_WS, ['\r'] = C_WS,
    ['0'] = C_SCALAR, ['1'] = C_SCALAR, ['2'] = C_SCALAR,
    ['3'] = C_SCALAR, ['4'] = C_SCALAR, ['5'] = C_SCALAR,
    ['6'] = C_SCALAR, ['7'] = C_SCALAR, ['8'] = C_SCALAR,
    ['9'] = C_SCALAR,
    ['a'] = C_SCALAR, ['b'] = C_SCALAR | C_ESC,
    ['c'] = C_SCALAR, ['d'] = C_SCALAR, ['e'] = C_SCALAR,
    ['f'] = C_SCALAR | C_ESC, ['g'] = C_SCALAR, ['h'] = C_SCALAR,
    ['i'] = C_SCALAR, ['j'] = C_SCALAR, ['k'] = C_SCALAR, ['l'] = C_SCALAR,
    ['m'] = C_SCALAR, ['n'] = C_SCALAR | C_ESC, ['o'] = C_SCALAR,
    ['p'] = C_SCALAR, ['q'] = C_SCALAR, ['r'] = C_SCALAR | C_ESC,
    ['s'] = C_SCALAR, ['t'] = C_SCALAR | C_ESC, ['u'] = C_SCALAR,
    ['v'] = C_SCALAR, ['w'] = C_SCALAR, ['x'] = C_SCALAR, ['y'] = C_SCALAR,
    ['z'] = C_SCALAR,
    ['A'] = C_SCALAR, ['B'] = C_SCALAR, ['C'] = C_SCALAR,
    ['D'] = C_SCALAR, ['E'] = C_SCALAR, ['F'] = C_SCALAR,
    ['G'] = C_SCALAR, ['H'] = C_SCALAR, ['I'] = C_SCALAR, ['J'] = C_SCALAR,
    ['K'] = C_SCALAR, ['L'] = C_SCALAR, ['M'] = C_SCALAR, ['N'] = C_SCALAR,
    ['O'] = C_SCALAR, ['P'] = C_SCALAR, ['Q'] = C_SCALAR, ['R'] = C_SCALAR,
    ['S'] = C_SCALAR, ['T'] = C_SCALAR, ['U'] = C_SCALAR, ['V'] = C_SCALAR,
    ['W'] = C_SCALAR, ['X'] = C_SCALAR, ['Y'] = C_SCALAR, ['Z'] = C_SCALAR,
    ['-'] = C_SCALAR, ['+'] = C_SCALAR, ['.'] = C_SCALAR,
    ['"'] = C_ESC, ['\\'] = C_ESC | C_BS, ['/'] = C_ESC,
};
#define IS(c, k) (cls[(unsigned char)(c)] & (k))

/* ------------------------------------------------------------------------ */
/* Scanning primitives                                                      */
/* ------------------------------------------------------------------------ */

/* First '"' or '\\' in [p, end), or end: where string skipping spends its
 * time. */
static inline const char *scan_qb(const char *p, const char *end)
{
    return pf__scan2(p, end, '"', '\\');
}

/* As scan_qb, also stopping at control characters (validation). */
static inline const char *scan_qbc(const char *p, const char *end)
{
#ifdef HAVE_SSE2
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
    const __m128i c = _mm_set1_epi8(0x1F);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(x, c), c);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            ctl, _mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, b))));
        if (m) return p + ctz32(m);
        p += 16;
    }
#endif
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
    return p;
}

/* First '"', '\\', or bracket of either kind in [p, end), or end. */
static inline const char *scan_struct(const char *p, const char *end)
{
#ifdef HAVE_SSE2
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
    const __m128i lo = _mm_set1_epi8(0x20);
    const __m128i op = _mm_set1_epi8('{'), cl = _mm_set1_epi8('}');
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* '[' | 0x20 == '{' and ']' | 0x20 == '}': two compares find all
         * four brackets. */
        __m128i y = _mm_or_si128(x, lo);
        __m128i m1 = _mm_or_si128(_mm_cmpeq_epi8(y, op), _mm_cmpeq_epi8(y, cl));
        __m128i m2 = _mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, b));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(m1, m2));
        if (m) return p + ctz32(m);
        p += 16;
    }
#endif
    while (p < end) {
        char ch = *p;
        if (ch == '"' || ch == '\\' || ch == '[' || ch == ']' || ch == '{' ||
            ch == '}')
            break;
        p++;
    }
    return p;
}

static inline int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Hex digit value + 1, 0 for a non-digit: one load per digit. */
static const unsigned char hexv1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
    ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline int hex4(const char *p, const char *end)
{
    if (end - p < 4) return -1;
    unsigned a = hexv1[(unsigned char)p[0]], b = hexv1[(unsigned char)p[1]],
             c = hexv1[(unsigned char)p[2]], d = hexv1[(unsigned char)p[3]];
    if (!a || !b || !c || !d) return -1;
    return (int)((a - 1) << 12 | (b - 1) << 8 | (c - 1) << 4 | (d - 1));
}

/* At level 1, a \uXXXX in the outer text may stand for any inner character,
 * even a quote or backslash. Returns the character and its outer length. */
static inline int outer_unit(const char *p, const char *end, int *len)
{
    if (*p != '\\') {
        *len = 1;
        return (unsigned char)*p;
    }
    if (end - p < 2) return -1;
    switch (p[1]) {
    case '"': *len = 2; return '"';
    case '\\': *len = 2; return '\\';
    case '/': *len = 2; return '/';
    case 'b': *len = 2; return '\b';
    case 'f': *len = 2; return '\f';
    case 'n': *len = 2; return '\n';
    case 'r': *len = 2; return '\r';
    case 't': *len = 2; return '\t';
    case 'u': {
        int v = hex4(p + 2, end);
        if (v < 0) return -1;
        *len = 6;
        return v;
    }
    default: return -1;
    }
}

/* Skip whitespace; at level 1 escaped whitespace (\n, \t, \r) counts. */
static inline const char *skip_ws(const char *p, const char *end, int esc)
{
    /* Play's JSON has almost no whitespace, so the usual cost is the one
     * table lookup that finds neither whitespace nor a backslash. At level
     * 1 a backslash is nearly always a string's \", rarely an escaped
     * \n \t \r between tokens. */
    while (p < end && IS(*p, C_WS | C_BS)) {
        char c = *p;
        if (c == '\\') {
            if (!esc || end - p < 2 || p[1] == '"' ||
                (p[1] != 'n' && p[1] != 't' && p[1] != 'r'))
                return p;
            p += 2;
            continue;
        }
        if (esc && c != ' ') return p; /* raw control chars: invalid */
        p++;
    }
    return p;
}

/* True when p starts a string at this level. */
static inline int at_string(const char *p, const char *end, int esc)
{
    if (p >= end) return 0;
    if (!esc) return *p == '"';
    return *p == '\\' && end - p >= 2 && p[1] == '"';
}

/*
 * Navigation's string skippers: no validation, always inlined. At level 1
 * most strings are short and the call, not the scan, would dominate.
 * p points at the opening quote (level 0) or at the \ of \" (level 1).
 */
static inline __attribute__((always_inline)) const char *
skip_str0(const char *p, const char *end)
{
    p++;
    for (;;) {
        p = scan_qb(p, end);
        if (p >= end) return NULL;
        if (*p == '"') return p + 1;
        p += 2;
    }
}

static inline __attribute__((always_inline)) const char *
skip_str1(const char *p, const char *end)
{
    p += 2;
    for (;;) {
        p = scan_qb(p, end);
        if (end - p < 2 || *p == '"') return NULL;
        char e = p[1];
        if (e == '"') return p + 2;
        if (e == '\\') {
            /* inner escape: the next outer unit is the escaped character */
            p += 2;
            if (p >= end) return NULL;
            if (*p != '\\') {
                p++;
            } else if (end - p >= 2 && p[1] != 'u') {
                p += 2;
            } else {
                int len;
                if (outer_unit(p, end, &len) < 0) return NULL;
                p += len;
            }
        } else if (e == 'u') {
            /* \u0022 and \u005c stand for a quote and a backslash; keep
             * the same reading as skip_string(). */
            int len, c = outer_unit(p, end, &len);
            if (c < 0) return NULL;
            if (c == '"') return p + len;
            p += len;
            if (c == '\\') {
                if (p >= end) return NULL;
                if (outer_unit(p, end, &len) < 0) return NULL;
                p += len;
            }
        } else {
            p += 2;
        }
    }
}

/* End of a number or literal: the first byte that cannot continue one. */
static inline const char *skip_scalar(const char *p, const char *end)
{
    while (p < end) {
        char c = *p;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' ||
            c == '+' || c == '.' || (c >= 'A' && c <= 'Z'))
            p++;
        else
            break;
    }
    return p;
}

/* End of the JSON number at p (RFC 8259 grammar), or NULL when there is
 * none. */
static inline const char *check_number(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (p >= end) return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

#endif
