/*
 * fields.c -- JSPB navigation, HTML-to-text, dates and URL parameters for
 * the typed parsers. See fields.h.
 */
#include <stdio.h>
#include <string.h>

#include "fields.h"

/* ------------------------------------------------------------------------ */
/* JSPB navigation                                                          */
/* ------------------------------------------------------------------------ */

pf__jv pf__jspb_path(pf__jv v, const char *path)
{
    const char *p = path;
    while (*p != '\0' && *p != '|' && pf__jv_ok(v)) {
        size_t i = 0;
        if (*p < '0' || *p > '9') return PF__JV_NONE;
        while (*p >= '0' && *p <= '9') i = i * 10 + (size_t)(*p++ - '0');
        if (*p == '.') p++;
        else if (*p != '\0' && *p != '|') return PF__JV_NONE;
        v = pf__jspb_at(v, i);
    }
    return v;
}

/* ------------------------------------------------------------------------ */
/* HTML snippets to plain text                                              */
/* ------------------------------------------------------------------------ */

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The named references developers actually type into Play descriptions.
 * Each decodes to fewer bytes than its name, which in-place decoding needs. */
static const struct {
    const char *name;
    unsigned long cp;
} entities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},    {"hellip", 0x2026}, {"mdash", 0x2014},
    {"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"bull", 0x2022},  {"middot", 0xB7},  {"copy", 0xA9},
    {"reg", 0xAE},     {"trade", 0x2122}, {"euro", 0x20AC},  {"laquo", 0xAB},
    {"raquo", 0xBB},   {"deg", 0xB0},     {"times", 0xD7},
};

/* Decode the character reference at s[0] == '&' into out. Returns the bytes
 * consumed from s (0 when it is not a reference) and sets *nout. */
static size_t decode_entity(const char *s, const char *end, char *out,
                            size_t *nout)
{
    const char *p = s + 1;
    unsigned long cp = 0;
    if (p < end && *p == '#') {
        int hex = ++p < end && (*p == 'x' || *p == 'X');
        if (hex) p++;
        const char *digits = p;
        while (p < end && p - digits < 8) {
            int c = (unsigned char)*p, d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
            else break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            p++;
        }
        if (p == digits || p >= end || *p != ';') return 0;
        *nout = put_utf8(out, cp);
        return (size_t)(p + 1 - s);
    }
    for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
        size_t n = strlen(entities[i].name);
        if ((size_t)(end - p) > n && memcmp(p, entities[i].name, n) == 0 &&
            p[n] == ';') {
            *nout = put_utf8(out, entities[i].cp);
            return n + 2;
        }
    }
    return 0;
}

static int is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

size_t pf__html_to_text(char *s, size_t len)
{
    const char *r = s, *end = s + len;
    char *w = s;
    while (r < end) {
        /* Copy the run up to the next markup character in one go. */
        size_t run = (size_t)(pf__scan2(r, end, '<', '&') - r);
        if (w != r) memmove(w, r, run);
        w += run;
        r += run;
        if (r >= end) break;
        if (*r == '<' && r + 1 < end &&
            (is_alpha((unsigned char)r[1]) || r[1] == '/' || r[1] == '!')) {
            const char *gt = memchr(r, '>', (size_t)(end - r));
            if (gt == NULL) break; /* a cut-off tag ends the text */
            if ((r[1] | 0x20) == 'b' && r + 2 < end && (r[2] | 0x20) == 'r' &&
                (r + 3 == gt || r[3] == ' ' || r[3] == '/'))
                *w++ = '\n';
            r = gt + 1;
        } else if (*r == '&') {
            char buf[4];
            size_t n = 0, used = decode_entity(r, end, buf, &n);
            if (used) {
                memcpy(w, buf, n); /* n < used, so w stays behind r */
                w += n;
                r += used;
            } else {
                *w++ = *r++;
            }
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* ------------------------------------------------------------------------ */
/* Dates                                                                    */
/* ------------------------------------------------------------------------ */

int64_t pf__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil, scaled to seconds. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + (int64_t)doe - 719468) * 86400;
}

/* Month-name prefixes, lower case, as Play abbreviates or spells them. A
 * word matches when it starts with the prefix; none is a prefix of another
 * month's name in a language listed. */
static const struct {
    const char *prefix;
    unsigned month;
} months[] = {
    /* English, and most of Dutch, German, Indonesian */
    {"jan", 1}, {"feb", 2}, {"mar", 3}, {"apr", 4}, {"may", 5}, {"jun", 6},
    {"jul", 7}, {"aug", 8}, {"sep", 9}, {"oct", 10}, {"nov", 11}, {"dec", 12},
    /* French */
    {"f\xc3\xa9v", 2}, {"avr", 4}, {"mai", 5}, {"juin", 6}, {"juil", 7},
    {"ao\xc3\xbb", 8}, {"d\xc3\xa9" "c", 12},
    /* German, Dutch, Indonesian */
    {"m\xc3\xa4r", 3}, {"mrt", 3}, {"mei", 5}, {"okt", 10}, {"dez", 12},
    {"agu", 8}, {"des", 12},
    /* Spanish, Portuguese, Italian */
    {"ene", 1}, {"gen", 1}, {"fev", 2}, {"abr", 4}, {"mag", 5}, {"giu", 6},
    {"lug", 7}, {"ago", 8}, {"set", 9}, {"out", 10}, {"ott", 10}, {"dic", 12},
    /* Polish (genitive forms) */
    {"sty", 1}, {"lut", 2}, {"kwi", 4}, {"maj", 5}, {"cze", 6}, {"lip", 7},
    {"sie", 8}, {"wrz", 9}, {"pa\xc5\xba", 10}, {"lis", 11}, {"gru", 12},
    /* Turkish */
    {"oca", 1}, {"\xc5\x9fub", 2}, {"nis", 4}, {"haz", 6}, {"tem", 7},
    {"a\xc4\x9fu", 8}, {"eyl", 9}, {"eki", 10}, {"kas", 11}, {"ara", 12},
    /* Russian (genitive) */
    {"\xd1\x8f\xd0\xbd\xd0\xb2", 1}, {"\xd1\x84\xd0\xb5\xd0\xb2", 2},
    {"\xd0\xbc\xd0\xb0\xd1\x80", 3}, {"\xd0\xb0\xd0\xbf\xd1\x80", 4},
    {"\xd0\xbc\xd0\xb0\xd1\x8f", 5}, {"\xd0\xbc\xd0\xb0\xd0\xb9", 5},
    {"\xd0\xb8\xd1\x8e\xd0\xbd", 6}, {"\xd0\xb8\xd1\x8e\xd0\xbb", 7},
    {"\xd0\xb0\xd0\xb2\xd0\xb3", 8}, {"\xd1\x81\xd0\xb5\xd0\xbd", 9},
    {"\xd0\xbe\xd0\xba\xd1\x82", 10}, {"\xd0\xbd\xd0\xbe\xd1\x8f", 11},
    {"\xd0\xb4\xd0\xb5\xd0\xba", 12},
};

static unsigned month_of_word(const char *w, size_t n)
{
    char low[16];
    if (n >= sizeof low) n = sizeof low - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    }
    for (size_t i = 0; i < sizeof months / sizeof months[0]; i++) {
        size_t pn = strlen(months[i].prefix);
        if (pn <= n && memcmp(low, months[i].prefix, pn) == 0)
            return months[i].month;
    }
    return 0;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

int64_t pf__parse_date(const char *s, size_t len)
{
    long num[4];
    size_t nnum = 0;
    unsigned month = 0;
    const char *p = s, *end = s + len;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (is_digit(c)) {
            long v = 0;
            while (p < end && is_digit((unsigned char)*p) && v < 100000)
                v = v * 10 + (*p++ - '0');
            if (nnum == 4) return PF_NULL_INT;
            num[nnum++] = v;
        } else if (is_alpha(c) || c >= 0x80) {
            /* A word: a run of ASCII letters and non-ASCII bytes. The CJK
             * markers (年, 月, 日) are words too; matching no month, they
             * merely separate the numbers. */
            const char *w = p;
            while (p < end && (is_alpha((unsigned char)*p) ||
                               (unsigned char)*p >= 0x80))
                p++;
            if (!month) month = month_of_word(w, (size_t)(p - w));
        } else {
            p++;
        }
    }
    long y, m, d;
    if (month) {
        if (nnum != 2) return PF_NULL_INT;
        m = month;
        if (num[0] >= 1000) y = num[0], d = num[1];
        else y = num[1], d = num[0];
    } else {
        if (nnum != 3) return PF_NULL_INT;
        if (num[0] >= 1000) {               /* 2021-01-02, 2021年1月2日 */
            y = num[0], m = num[1], d = num[2];
        } else if (num[1] > 12) {           /* 1/21/2021 */
            m = num[0], d = num[1], y = num[2];
        } else {                            /* 21.01.2021, 21/01/2021 */
            d = num[0], m = num[1], y = num[2];
        }
    }
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
    if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1])
        return PF_NULL_INT;
    if (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
        return PF_NULL_INT;
    return pf__days_from_civil(y, (unsigned)m, (unsigned)d);
}

/* ------------------------------------------------------------------------ */
/* URL parameters                                                           */
/* ------------------------------------------------------------------------ */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

size_t pf__url_param(pf__jv v, const char *name, pf__arena *a)
{
    /* The URL is decoded into a scratch arena first: in batchexecute data
     * the '=' itself arrives escaped (\u003d). */
    pf__arena tmp;
    pf__arena_init(&tmp, 256);
    size_t off = pf__jv_str(v, &tmp), res = PF__NOFF;
    if (off == PF__NOFF) goto done;
    const char *url = (const char *)pf__arena_at(&tmp, off);
    const char *q = strchr(url, '?');
    size_t nl = strlen(name);
    for (const char *p = q; p != NULL; p = strchr(p + 1, '&')) {
        p++;
        if (strncmp(p, name, nl) != 0 || p[nl] != '=') continue;
        char *out = (char *)p + nl + 1; /* decode in place: never grows */
        const char *r = out;
        char *w = out;
        while (*r && *r != '&' && *r != '#') {
            int hi, lo;
            if (*r == '+') {
                *w++ = ' ';
                r++;
            } else if (*r == '%' && (hi = hexval((unsigned char)r[1])) >= 0 &&
                       (lo = hexval((unsigned char)r[2])) >= 0) {
                *w++ = (char)(hi * 16 + lo);
                r += 3;
            } else {
                *w++ = *r++;
            }
        }
        if (w > out) res = pf__arena_strn(a, out, (size_t)(w - out));
        break;
    }
done:
    pf__arena_cleanup(&tmp);
    return res;
}

size_t pf__put_str(pf__arena *a, pf__jv v, int flags)
{
    size_t off = pf__jv_str(v, a);
    if (off == PF__NOFF) return PF__NOFF;
    char *s = pf__arena_at(a, off);
    /* pf__jv_str() left the string last in the arena, so its end may be
     * given back. */
    size_t n = a->len - off - 1;
    if (n > 0 && (flags & PF__STR_HTML)) n = pf__html_to_text(s, n);
    if (n == 0) {
        a->len = off;
        return PF__NOFF;
    }
    a->len = off + n + 1;
    return off;
}

size_t pf__set_str(pf__arena *a, size_t field, pf__jv v, int flags)
{
    size_t off = pf__put_str(a, v, flags);
    if (off != PF__NOFF) pf__arena_ptr(a, field, off);
    return off;
}
