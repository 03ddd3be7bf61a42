/*
 * json_nav.c -- navigation: index, key, path, children, iteration, and the
 * type and raw bytes of a value. See json.h.
 *
 * Navigation uses skip_fast(), which only tracks strings and bracket depth.
 * It is several times faster than validation, and on invalid input it still
 * never reads past `end`; it just misses.
 */
#include "json_scan.h"

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
