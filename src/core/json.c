/*
 * json.c -- zero-copy JSON path extractor. See json.h for the model.
 *
 * Two kinds of walk:
 *  - pf__json_skip() validates fully (grammar, escapes, control characters,
 *    depth) and reports the first bad byte. Parsers run it once over the
 *    block they use.
 *  - Navigation (index, key, children, iteration) uses skip_fast(), which
 *    only tracks strings and bracket depth. It is several times faster, and
 *    on invalid input it still never reads past `end`; it just misses.
 *
 * At escape level 1 the text is the body of a JSON string literal: the
 * inner JSON's quotes are written \" and its backslashes \\. A raw '"'
 * therefore ends the outer literal and, inside the payload, means the
 * payload was cut short.
 */
#include <stdlib.h>
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

static int hex4(const char *p, const char *end)
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
 * Skip a string starting at p (its opening quote). Returns the byte after
 * the closing quote, or NULL with *bad set. With `check`, escapes and raw
 * control characters are validated too.
 */
static const char *skip_string(const char *p, const char *end, int esc,
                               int check, const char **bad)
{
    if (!esc) {
        p++;
        for (;;) {
            p = check ? scan_qbc(p, end) : scan_qb(p, end);
            if (p >= end) goto truncated;
            if (*p == '"') return p + 1;
            if (*p != '\\') goto invalid; /* control character */
            if (end - p < 2) goto truncated;
            if (check) {
                char e = p[1];
                if (e == 'u') {
                    if (hex4(p + 2, end) < 0) goto invalid_esc;
                    p += 6;
                    continue;
                }
                if (!IS(e, C_ESC)) goto invalid_esc;
            }
            p += 2;
        }
    }
    /* Level 1: p points at \" */
    p += 2;
    for (;;) {
        p = check ? scan_qbc(p, end) : scan_qb(p, end);
        if (p >= end) goto truncated;
        if (*p != '\\') goto invalid; /* raw quote or control: payload cut */
        int len, c = outer_unit(p, end, &len);
        if (c < 0) goto invalid_esc;
        if (c == '"') return p + len;
        p += len;
        if (c == '\\') {
            /* An inner escape: the next outer unit is the escaped char. */
            if (p >= end) goto truncated;
            int len2, e = outer_unit(p, end, &len2);
            if (e < 0) goto invalid_esc;
            p += len2;
            if (check && e == 'u') {
                /* four hex digits follow, plain at the outer level */
                if (hex4(p, end) < 0) goto invalid_esc;
                p += 4;
            } else if (check && (e > 0xFF || !IS(e, C_ESC))) {
                goto invalid_esc;
            }
        }
    }
truncated:
    *bad = end;
    return NULL;
invalid:
invalid_esc:
    *bad = p;
    return NULL;
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

/*
 * Find the end of the value at p (p already past whitespace) by tracking
 * only strings and bracket depth. NULL when it runs off the end.
 */
static const char *skip_fast(const char *p, const char *end, int esc)
{
    if (p >= end) return NULL;
    char c = *p;
    if (c == '[' || c == '{') {
        size_t depth = 1;
        p++;
        for (;;) {
#ifdef HAVE_SSE2
            /* Brackets are the most frequent stops; handle every one in a
             * 16-byte window from its mask before loading the next window.
             * Only a quote or backslash leaves the window. */
            const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
            const __m128i lo = _mm_set1_epi8(0x20);
            const __m128i op = _mm_set1_epi8('{'), cl = _mm_set1_epi8('}');
            while (end - p >= 16) {
                __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
                __m128i y = _mm_or_si128(x, lo);
                unsigned mo = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(y, op));
                unsigned mc = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(y, cl));
                unsigned ms = (unsigned)_mm_movemask_epi8(
                    _mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, b)));
                unsigned m = mo | mc | ms;
                while (m) {
                    unsigned bit = m & (0u - m);
                    if (bit & ms) break;
                    if (bit & mo) depth++;
                    else if (--depth == 0) return p + ctz32(bit) + 1;
                    m ^= bit;
                }
                if (m) {
                    p += ctz32(m);
                    goto special;
                }
                p += 16;
            }
#endif
            p = scan_struct(p, end);
            if (p >= end) return NULL;
            c = *p;
            if (c == '[' || c == '{') {
                depth++;
                p++;
                continue;
            }
            if (c == ']' || c == '}') {
                p++;
                if (--depth == 0) return p;
                continue;
            }
#ifdef HAVE_SSE2
        special:
#endif
            c = *p;
            if (!esc) {
                if (c == '"') {
                    p = skip_str0(p, end);
                    if (p == NULL) return NULL;
                } else {
                    p++; /* stray backslash outside a string: not ours */
                }
            } else {
                if (c == '"') return NULL; /* outer literal ended */
                if (end - p >= 2 && p[1] == '"') {
                    p = skip_str1(p, end);
                    if (p == NULL) return NULL;
                } else {
                    p += 2; /* escaped whitespace between tokens */
                }
            }
        }
    }
    if (at_string(p, end, esc))
        return esc ? skip_str1(p, end) : skip_str0(p, end);
    const char *sc = skip_scalar(p, end);
    return sc == p ? NULL : sc;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */
/* ------------------------------------------------------------------------ */

static const char *check_number(const char *p, const char *end)
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

static const char *check_literal(const char *p, const char *end,
                                 const char *lit, size_t n)
{
    if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0) return NULL;
    return p + n;
}

const char *pf__json_skip(pf__jv v, const char **bad)
{
    const char *dummy;
    if (bad == NULL) bad = &dummy;
    if (v.p == NULL) {
        *bad = NULL;
        return NULL;
    }
    const char *p = v.p, *end = v.end, *q;
    int esc = v.esc;
    /* One byte per open container: 1 = object. Iterative, so the C stack
     * is never at risk; the limit only bounds this array. */
    unsigned char stack[PF__JSON_MAX_DEPTH];
    size_t depth = 0;

value:
    p = skip_ws(p, end, esc);
    if (p >= end) goto truncated;
    switch (*p) {
    case '[':
    case '{':
        if (depth == PF__JSON_MAX_DEPTH) goto invalid;
        stack[depth++] = *p == '{';
        p = skip_ws(p + 1, end, esc);
        if (p >= end) goto truncated;
        if (*p == ']' || *p == '}') {
            if ((*p == '}') != stack[depth - 1]) goto invalid;
            depth--;
            p++;
            goto after;
        }
        if (stack[depth - 1]) goto key;
        goto value;
    case 't': q = check_literal(p, end, "true", 4); break;
    case 'f': q = check_literal(p, end, "false", 5); break;
    case 'n': q = check_literal(p, end, "null", 4); break;
    case '"':
    case '\\':
        if (!at_string(p, end, esc)) goto invalid;
        q = skip_string(p, end, esc, 1, bad);
        if (q == NULL) return NULL;
        break;
    default:
        q = check_number(p, end);
        break;
    }
    if (q == NULL) {
        /* A literal or number running into the end is truncation. */
        if (end - p < 6 && skip_scalar(p, end) == end) goto truncated;
        goto invalid;
    }
    p = q;
    /* A scalar must be followed by a delimiter, not by more letters. */
    if (p < end && IS(*p, C_SCALAR)) goto invalid;

after:
    if (depth == 0) return p;
    p = skip_ws(p, end, esc);
    if (p >= end) goto truncated;
    {
        int is_obj = stack[depth - 1];
        if (*p == ',') {
            p++;
            if (is_obj) goto key;
            /* Most array elements are unset fields and small numbers
             * (null, 2, [512,512]): validate those here, one after another,
             * and leave the loop for anything else. Same grammar as the
             * general path, fewer trips through it. */
            for (;;) {
                if (end - p >= 5 && p[0] == 'n' && memcmp(p, "null", 4) == 0 &&
                    !IS(p[4], C_SCALAR)) {
                    p += 4;
                } else if (p < end && ((*p >= '0' && *p <= '9') || *p == '-')) {
                    q = check_number(p, end);
                    if (q == NULL || q >= end || IS(*q, C_SCALAR)) goto value;
                    p = q;
                } else {
                    goto value;
                }
                if (*p != ',') goto after;
                p++;
            }
        }
        if (*p == (is_obj ? '}' : ']')) {
            depth--;
            p++;
            goto after;
        }
        goto invalid;
    }

key:
    p = skip_ws(p, end, esc);
    if (p >= end) goto truncated;
    if (!at_string(p, end, esc)) goto invalid;
    p = skip_string(p, end, esc, 1, bad);
    if (p == NULL) return NULL;
    p = skip_ws(p, end, esc);
    if (p >= end) goto truncated;
    if (*p != ':') goto invalid;
    p++;
    goto value;

truncated:
    *bad = end;
    return NULL;
invalid:
    *bad = p;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Navigation                                                               */
/* ------------------------------------------------------------------------ */

pf__jv pf__jv_make(const char *p, const char *end, int esc)
{
    pf__jv v = {NULL, end, (unsigned char)esc};
    if (p == NULL || end == NULL) return v;
    p = skip_ws(p, end, esc);
    if (p < end) v.p = p;
    return v;
}

pf__jtype pf__jv_type(pf__jv v)
{
    if (v.p == NULL || v.p >= v.end) return PF_J_NONE;
    switch (*v.p) {
    case '[': return PF_J_ARR;
    case '{': return PF_J_OBJ;
    case 'n': return PF_J_NULL;
    case 't': return PF_J_TRUE;
    case 'f': return PF_J_FALSE;
    case '"': return v.esc ? PF_J_NONE : PF_J_STR;
    case '\\': return at_string(v.p, v.end, v.esc) ? PF_J_STR : PF_J_NONE;
    default:
        return (*v.p == '-' || (*v.p >= '0' && *v.p <= '9')) ? PF_J_NUM
                                                              : PF_J_NONE;
    }
}

/* Walk the members of the object at v; returns the value of `key`. */
static pf__jv obj_get(pf__jv v, const char *key, size_t klen)
{
    const char *p = v.p + 1, *end = v.end;
    int esc = v.esc;
    size_t q = esc ? 2 : 1;
    for (;;) {
        p = skip_ws(p, end, esc);
        if (!at_string(p, end, esc)) break;
        const char *ks = p + q;
        const char *ke = esc ? skip_str1(p, end) : skip_str0(p, end);
        if (ke == NULL) break;
        int match = (size_t)(ke - q - ks) == klen && memcmp(ks, key, klen) == 0;
        p = skip_ws(ke, end, esc);
        if (p >= end || *p != ':') break;
        p = skip_ws(p + 1, end, esc);
        if (match) {
            pf__jv r = {p < end ? p : NULL, end, (unsigned char)esc};
            return r;
        }
        p = skip_fast(p, end, esc);
        if (p == NULL) break;
        p = skip_ws(p, end, esc);
        if (p >= end || *p != ',') break;
        p++;
    }
    return PF__JV_NONE;
}

pf__jv pf__jv_key(pf__jv v, const char *key)
{
    if (pf__jv_type(v) != PF_J_OBJ) return PF__JV_NONE;
    return obj_get(v, key, strlen(key));
}

/* Field i of a sparse object: JSPB keys are field numbers, i + 1. */
static pf__jv obj_index(pf__jv v, size_t i)
{
    char buf[24];
    size_t n = 0;
    char tmp[24];
    i++;
    do {
        tmp[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    for (size_t k = 0; k < n; k++) buf[k] = tmp[n - 1 - k];
    return obj_get(v, buf, n);
}

pf__jv pf__jv_index(pf__jv v, size_t i)
{
    pf__jtype t = pf__jv_type(v);
    if (t == PF_J_OBJ) return obj_index(v, i);
    if (t != PF_J_ARR) return PF__JV_NONE;
    const char *p = v.p + 1, *end = v.end;
    int esc = v.esc;
    for (size_t k = 0;; k++) {
        p = skip_ws(p, end, esc);
        if (p >= end || *p == ']') break;
        /* Play's arrays are protobuf messages (JSPB): an object among the
         * elements can only be the sparse tail, holding the fields from
         * its position on, so element i is looked up there. */
        if (*p == '{') {
            pf__jv o = {p, end, (unsigned char)esc};
            return obj_index(o, i);
        }
        if (k == i) {
            pf__jv r = {p, end, (unsigned char)esc};
            return r;
        }
        p = skip_fast(p, end, esc);
        if (p == NULL) return PF__JV_NONE;
        p = skip_ws(p, end, esc);
        if (p >= end || *p != ',') break;
        p++;
    }
    return PF__JV_NONE;
}

pf__jv pf__jv_path(pf__jv v, const int *path, size_t n)
{
    for (size_t k = 0; k < n && v.p != NULL; k++) {
        if (path[k] < 0) return PF__JV_NONE;
        v = pf__jv_index(v, (size_t)path[k]);
    }
    return v;
}

size_t pf__jv_children(pf__jv v, pf__jv *kids, size_t cap)
{
    if (pf__jv_type(v) != PF_J_ARR) return 0;
    const char *p = v.p + 1, *end = v.end;
    int esc = v.esc;
    size_t k = 0;
    for (;;) {
        p = skip_ws(p, end, esc);
        if (p >= end || *p == ']') break;
        if (k < cap) {
            kids[k].p = p;
            kids[k].end = end;
            kids[k].esc = (unsigned char)esc;
        }
        k++;
        p = skip_fast(p, end, esc);
        if (p == NULL) break;
        p = skip_ws(p, end, esc);
        if (p >= end || *p != ',') break;
        p++;
    }
    return k;
}

void pf__jiter_init(pf__jiter *it, pf__jv arr)
{
    it->end = arr.end;
    it->esc = arr.esc;
    it->p = pf__jv_type(arr) == PF_J_ARR ? arr.p + 1 : NULL;
}

int pf__jiter_next(pf__jiter *it, pf__jv *elem)
{
    if (it->p == NULL) return 0;
    const char *p = skip_ws(it->p, it->end, it->esc);
    if (p >= it->end || *p == ']') {
        it->p = NULL;
        return 0;
    }
    elem->p = p;
    elem->end = it->end;
    elem->esc = it->esc;
    const char *q = skip_fast(p, it->end, it->esc);
    if (q != NULL) q = skip_ws(q, it->end, it->esc);
    it->p = (q != NULL && q < it->end && *q == ',') ? q + 1 : NULL;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                  */
/* ------------------------------------------------------------------------ */

int pf__jv_num(pf__jv v, double *out)
{
    if (pf__jv_type(v) != PF_J_NUM) return 0;
    const char *e = check_number(v.p, v.end);
    if (e == NULL) return 0;
    size_t n = (size_t)(e - v.p);
    /* Fast path: plain integers, the common case in Play data. */
    if (n < 16) {
        const char *p = v.p;
        int neg = *p == '-';
        p += neg;
        uint64_t x = 0;
        while (p < e && *p >= '0' && *p <= '9') x = x * 10 + (uint64_t)(*p++ - '0');
        if (p == e) {
            *out = neg ? -(double)x : (double)x;
            return 1;
        }
    }
    char buf[64];
    if (n >= sizeof buf) return 0;
    memcpy(buf, v.p, n);
    buf[n] = '\0';
    /* JSON numbers never carry a locale's decimal comma; strtod under a
     * non-C LC_NUMERIC would misread "4.5", so check the result consumed
     * everything, and fall back to a manual scale if not. */
    char *stop;
    double d = strtod(buf, &stop);
    if (*stop != '\0') {
        char *dot = strchr(buf, '.');
        if (dot) *dot = ',';
        d = strtod(buf, &stop);
        if (*stop != '\0') return 0;
    }
    *out = d;
    return 1;
}

int pf__jv_int(pf__jv v, int64_t *out)
{
    if (pf__jv_type(v) != PF_J_NUM) return 0;
    const char *p = v.p, *end = v.end;
    const char *e = check_number(p, end);
    if (e == NULL) return 0;
    int neg = *p == '-';
    p += neg;
    uint64_t x = 0;
    int digits = 0;
    while (p < e && *p >= '0' && *p <= '9' && digits < 19) {
        x = x * 10 + (uint64_t)(*p++ - '0');
        digits++;
    }
    if (p == e) {
        if (x > (uint64_t)INT64_MAX + neg) return 0;
        *out = neg ? (int64_t)(0 - x) : (int64_t)x;
        return 1;
    }
    double d;
    if (!pf__jv_num(v, &d)) return 0;
    if (d != d || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18 ||
        d != (double)(int64_t)d)
        return 0;
    *out = (int64_t)d;
    return 1;
}

int pf__jv_bool(pf__jv v, int *out)
{
    pf__jtype t = pf__jv_type(v);
    if (t == PF_J_TRUE && v.end - v.p >= 4 && memcmp(v.p, "true", 4) == 0) {
        *out = 1;
        return 1;
    }
    if (t == PF_J_FALSE && v.end - v.p >= 5 && memcmp(v.p, "false", 5) == 0) {
        *out = 0;
        return 1;
    }
    return 0;
}

int pf__jv_raw(pf__jv v, const char **start, size_t *len)
{
    if (pf__jv_type(v) != PF_J_STR) return 0;
    const char *e = v.esc ? skip_str1(v.p, v.end) : skip_str0(v.p, v.end);
    if (e == NULL) return 0;
    size_t q = v.esc ? 2 : 1;
    *start = v.p + q;
    *len = (size_t)(e - q - *start);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* String decoding                                                          */
/* ------------------------------------------------------------------------ */

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Reads the raw string body [p, end) one inner character at a time: at
 * level 0 a character is a byte; at level 1 it is one outer escape unit.
 * `cp` says whether the value is a code point from \u (to be UTF-8
 * encoded) rather than a raw byte (copied as is). */
typedef struct reader {
    const char *p, *end;
    int esc;
} reader;

static int rd(reader *r, int *cp)
{
    if (r->p >= r->end) return -1;
    if (!r->esc || *r->p != '\\') {
        *cp = 0;
        return (unsigned char)*r->p++;
    }
    int len, c = outer_unit(r->p, r->end, &len);
    if (c < 0) return -1;
    *cp = r->p[1] == 'u';
    r->p += len;
    return c;
}

/* Decode \uXXXX (the 'u' already read) with surrogate pairs. */
static unsigned rd_u(reader *r)
{
    int h[4], cp;
    for (int i = 0; i < 4; i++) {
        int c = rd(r, &cp);
        h[i] = c < 0 ? -1 : hexval(c);
        if (h[i] < 0) return 0xFFFD;
    }
    unsigned u = (unsigned)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);
    if (u >= 0xDC00 && u <= 0xDFFF) return 0xFFFD;
    if (u < 0xD800 || u > 0xDBFF) return u;
    /* A high surrogate must be followed by \u and a low one. */
    reader save = *r;
    if (rd(r, &cp) == '\\' && rd(r, &cp) == 'u') {
        unsigned lo = 0;
        int ok = 1;
        for (int i = 0; i < 4; i++) {
            int c = rd(r, &cp);
            int x = c < 0 ? -1 : hexval(c);
            if (x < 0) {
                ok = 0;
                break;
            }
            lo = lo << 4 | (unsigned)x;
        }
        if (ok && lo >= 0xDC00 && lo <= 0xDFFF)
            return 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    }
    *r = save;
    return 0xFFFD;
}

/* Decode into o (room for at least the raw length); returns the end.
 * Runs without a backslash are the same at both levels and are copied in
 * bulk; only escapes go through the unit reader. */
static char *decode(const char *s, size_t n, int esc, char *o)
{
    reader r = {s, s + n, esc};
    while (r.p < r.end) {
        const char *bs = memchr(r.p, '\\', (size_t)(r.end - r.p));
        size_t run = (size_t)((bs ? bs : r.end) - r.p);
        memcpy(o, r.p, run);
        o += run;
        r.p += run;
        if (bs == NULL) break;
        /* Fast paths for the escapes Play's text is full of (\n in
         * descriptions, \u003d and \u0026 in URLs): the escape itself
         * at level 0; at level 1 an inner escape of a plain character
         * (outer \\n) or of a \u code unit (outer \\u0026). Surrogates
         * and anything unusual take the general path below. */
        const char *q = esc ? bs + 1 : bs;
        if (!esc || (r.end - bs >= 2 && bs[1] == '\\')) {
            if (r.end - q >= 2 && q[1] != 'u' && (!esc || q[1] != '\\')) {
                switch (q[1]) {
                case 'n': *o++ = '\n'; break;
                case 't': *o++ = '\t'; break;
                case 'r': *o++ = '\r'; break;
                case 'b': *o++ = '\b'; break;
                case 'f': *o++ = '\f'; break;
                default: *o++ = q[1]; break;
                }
                r.p = q + 2;
                continue;
            }
            int u = r.end - q >= 6 && q[1] == 'u' ? hex4(q + 2, r.end) : -1;
            if (u >= 0 && (u < 0xD800 || u > 0xDFFF)) {
                o = put_utf8(o, (unsigned)u);
                r.p = q + 6;
                continue;
            }
        }
        int cp, c = rd(&r, &cp);
        if (c < 0) break;
        if (c != '\\') {
            o = cp ? put_utf8(o, (unsigned)c) : (*o++ = (char)c, o);
            continue;
        }
        int e = rd(&r, &cp);
        switch (e) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': o = put_utf8(o, rd_u(&r)); break;
        case -1: return o;
        default:
            if (cp) o = put_utf8(o, (unsigned)e);
            else *o++ = (char)e;
            break;
        }
    }
    return o;
}

size_t pf__jv_str(pf__jv v, pf__arena *a)
{
    const char *s;
    size_t n;
    if (!pf__jv_raw(v, &s, &n)) return PF__NOFF;
    /* Decoding lengthens by one byte at most: \uXXXX (6 bytes) yields at
     * most 3, a surrogate pair (12) yields 4, level-1 units are longer
     * still, but a \u cut short by the end of the string (2 bytes) becomes
     * U+FFFD (3); the fuzzer found that one (tests/fuzz-regress/json/). */
    /* Strings need no alignment or zeroing; what decoding does not use is
     * given back below. */
    size_t off = pf__arena_alloc_raw(a, n + 2);
    if (off == PF__NOFF) return PF__NOFF;
    char *o = pf__arena_at(a, off);
    char *e = decode(s, n, v.esc, o);
    *e = '\0';
    a->len = off + (size_t)(e - o) + 1;
    return off;
}

int pf__jv_streq(pf__jv v, const char *str)
{
    const char *s;
    size_t n, m = strlen(str);
    if (!pf__jv_raw(v, &s, &n)) return 0;
    if (memchr(s, '\\', n) == NULL) return n == m && memcmp(s, str, n) == 0;
    if (n < m) return 0;
    char small[256];
    char *o = n < sizeof small ? small : malloc(n + 1);
    if (o == NULL) return 0;
    size_t len = (size_t)(decode(s, n, v.esc, o) - o);
    int eq = len == m && memcmp(o, str, m) == 0;
    if (o != small) free(o);
    return eq;
}

/* ------------------------------------------------------------------------ */
/* Validating array walk                                                    */
/* ------------------------------------------------------------------------ */

int pf__vwalk_init(pf__vwalk *w, pf__jv v)
{
    if (pf__jv_type(v) != PF_J_ARR) return 0;
    w->p = v.p + 1;
    w->end = v.end;
    w->esc = v.esc;
    w->started = 0;
    return 1;
}

int pf__vwalk_next(pf__vwalk *w, pf__jv *e)
{
    const char *p = skip_ws(w->p, w->end, w->esc);
    if (p >= w->end) goto bad;
    if (*p == ']') {
        w->p = p + 1;
        return 0;
    }
    if (w->started) {
        if (*p != ',') goto bad;
        p = skip_ws(p + 1, w->end, w->esc);
        if (p >= w->end || *p == ']') goto bad;
    }
    w->started = 1;
    w->p = p;
    e->p = p;
    e->end = w->end;
    e->esc = w->esc;
    return 1;
bad:
    w->p = p;
    return -1;
}

int pf__vwalk_skip(pf__vwalk *w, pf__jv e)
{
    const char *bad = NULL;
    const char *q = pf__json_skip(e, &bad);
    if (q == NULL) {
        w->p = bad ? bad : w->end;
        return 0;
    }
    w->p = q;
    return 1;
}

long pf__vkids(pf__jv v, pf__jv *kids, size_t cap, const char **after)
{
    const char *dummy;
    if (after == NULL) after = &dummy;
    pf__vwalk w;
    if (!pf__vwalk_init(&w, v)) {
        *after = v.p;
        return -1;
    }
    long n = 0;
    int r;
    pf__jv e;
    while ((r = pf__vwalk_next(&w, &e)) == 1) {
        if ((size_t)n < cap) kids[n] = e;
        n++;
        if (!pf__vwalk_skip(&w, e)) {
            *after = w.p;
            return -1;
        }
    }
    *after = w.p;
    return r < 0 ? -1 : n;
}
