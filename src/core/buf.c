/*
 * buf.c -- the growable text buffer (buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

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
