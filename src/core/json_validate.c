/*
 * json_validate.c -- the validating walk: pf__json_skip() checks a value
 * completely (grammar, escapes, control characters, depth) and reports the
 * first bad byte; pf__vwalk_* and pf__vkids validate an array while handing
 * out its elements. See json.h.
 */
#include "json_scan.h"


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
