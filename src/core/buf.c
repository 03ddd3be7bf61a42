/*
 * buf.c -- the growable text buffer (buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

void pf__buf_init(pf__buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max ? max : ((size_t)64 << 20);
}

int pf__buf_reserve(pf__buf *b, size_t extra)
{
    if (b->failed) return 0;
    size_t need = b->len + extra + 1;
    if (need < b->len || need > b->max) goto fail;
    if (need <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > b->max / 2) {
            cap = b->max;
            break;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) goto fail;
    b->p = p;
    b->cap = cap;
    return 1;
fail:
    b->failed = 1;
    return 0;
}

void pf__buf_add(pf__buf *b, const char *s, size_t n)
{
    if (!pf__buf_reserve(b, n)) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void pf__buf_str(pf__buf *b, const char *s) { pf__buf_add(b, s, strlen(s)); }

void pf__buf_putc(pf__buf *b, char c) { pf__buf_add(b, &c, 1); }

void pf__buf_fmt(pf__buf *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        pf__buf_add(b, small, (size_t)n);
        return;
    }
    if (!pf__buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *pf__buf_take(pf__buf *b, size_t *len)
{
    char *p = NULL;
    if (pf__buf_reserve(b, 0)) {
        b->p[b->len] = '\0';   /* allocated just now when nothing was added */
        p = b->p;
        if (len) *len = b->len;
        b->p = NULL;
    }
    pf__buf_cleanup(b);
    return p;
}

/* Empty again and usable, with the same cap. */
void pf__buf_cleanup(pf__buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

/* ---- JSON strings ------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one:
 * overlong forms, surrogates and code points past U+10FFFF are rejected,
 * as RFC 3629 requires, so the output decodes in any strict reader. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return len;
}

/* The first i' >= i where s[i'] needs a look (a control byte, '"', '\\'
 * or a non-ASCII byte), 16 bytes at a time; i' may stop short of n with
 * fewer than 16 bytes left, which the caller checks one by one. Output
 * strings are mostly plain text: this makes the CLI's writing of them
 * several times faster than a byte loop. */
static size_t plain_ascii(const unsigned char *s, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  bslash = _mm_set1_epi8('\\');
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        /* A signed compare: bytes of 0x80 and up are negative, so they
         * count as below 0x20 too. */
        __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                              _mm_cmpeq_epi8(v, bslash)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) return i + (size_t)__builtin_ctz(bits);
    }
#else
    (void)s;
    (void)n;
#endif
    return i;
}

void pf__buf_json_strn(pf__buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0;

    pf__buf_putc(b, '"');
    while (i < n) {
        i = plain_ascii(s, i, n);
        if (i == n) break;
        unsigned c = s[i];
        /* Plain bytes are copied in runs: most text needs no escaping. */
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t ulen = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
        /* U+0085, U+2028 and U+2029 are legal raw in JSON but end a line
         * for many readers (Python's splitlines, JavaScript source), which
         * would split an ndjson record; escape them. */
        int sep = (ulen == 2 && c == 0xC2 && s[i + 1] == 0x85) ||
                  (ulen == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
                   (s[i + 2] == 0xA8 || s[i + 2] == 0xA9));
        if (ulen && !sep) {
            i += ulen;
            continue;
        }
        pf__buf_add(b, str + run, i - run);
        if (sep) {
            pf__buf_str(b, c == 0xC2 ? "\\u0085"
                             : s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
            i += ulen;
            run = i;
            continue;
        }
        switch (c) {
        case '"': pf__buf_add(b, "\\\"", 2); break;
        case '\\': pf__buf_add(b, "\\\\", 2); break;
        case '\n': pf__buf_add(b, "\\n", 2); break;
        case '\r': pf__buf_add(b, "\\r", 2); break;
        case '\t': pf__buf_add(b, "\\t", 2); break;
        case '\b': pf__buf_add(b, "\\b", 2); break;
        case '\f': pf__buf_add(b, "\\f", 2); break;
        default:
            if (c < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                pf__buf_add(b, e, 6);
            } else {
                pf__buf_add(b, "\xEF\xBF\xBD", 3);   /* U+FFFD */
            }
        }
        i++;
        run = i;
    }
    pf__buf_add(b, str + run, n - run);
    pf__buf_putc(b, '"');
}

void pf__buf_json_str(pf__buf *b, const char *s)
{
    if (!s)
        pf__buf_add(b, "null", 4);
    else
        pf__buf_json_strn(b, s, strlen(s));
}
