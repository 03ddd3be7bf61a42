/*
 * json_decode.c -- decoding JSON strings, at either escape level, into the
 * arena (pf__jv_str) or for a comparison (pf__jv_streq). See json.h.
 */
#include <stdlib.h>

#include "json_scan.h"

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
