/*
 * json_num.c -- JSON numbers and literals as C values: pf__jv_num,
 * pf__jv_int, pf__jv_bool. See json.h.
 *
 * Numbers are read without the C library's locale: strtod() follows
 * LC_NUMERIC, so a program that called setlocale(LC_ALL, "") in a German
 * locale would read "4.5" as 4. The digits are gathered into an integer
 * mantissa and a decimal exponent; when the mantissa fits in 53 bits and
 * the exponent is at most 22 in size, mantissa and power of ten are both
 * exact doubles and one multiplication or division rounds correctly
 * (Clinger's fast path). That covers every number Play pages carry (prices
 * in micros, ratings such as 4.4123654, timestamps). Anything else goes to
 * strtod_l() in the "C" locale, which is correctly rounded too.
 */
#include <locale.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "json_scan.h"

/* 10^0 .. 10^22: the powers of ten a double holds exactly. */
static const double pow10_exact[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define MANTISSA_MAX ((uint64_t)1 << 53)

/* The "C" locale for strtod_l, made on first use and kept for the
 * process. A failed newlocale() (out of memory) is not remembered, so a
 * later call tries again. */
static _Atomic(locale_t) c_locale;

static locale_t c_numeric(void)
{
    locale_t l = atomic_load_explicit(&c_locale, memory_order_acquire);
    if (l != (locale_t)0) return l;
    locale_t made = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (made == (locale_t)0) return (locale_t)0;
    locale_t none = (locale_t)0;
    if (!atomic_compare_exchange_strong(&c_locale, &none, made)) {
        freelocale(made);   /* another thread was first */
        return none;
    }
    return made;
}

/* The slow path: [p, e) is a valid JSON number. Returns 0 when it is too
 * long to copy (no number in Play's data comes near) or out of memory. */
static int parse_slow(const char *p, const char *e, double *out)
{
    char buf[64];
    size_t n = (size_t)(e - p);
    locale_t c = c_numeric();
    if (n >= sizeof buf || c == (locale_t)0) return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    char *stop;
    double d = strtod_l(buf, &stop, c);
    if (*stop != '\0') return 0;
    *out = d;
    return 1;
}

int pf__json_number(const char *p, const char *end, double *out)
{
    const char *e = check_number(p, end);
    if (e == NULL) return 0;
    const char *s = p;
    int neg = *s == '-';
    s += neg;
    uint64_t m = 0;
    int digits = 0, exp10 = 0, dropped = 0;
    /* Integer part, then fraction: up to 19 significant digits join the
     * mantissa (leading zeros add nothing); each fraction digit taken
     * lowers the exponent, each integer digit left out raises it. A
     * non-zero digit left out makes the result inexact here. */
    for (; s < e && *s >= '0' && *s <= '9'; s++) {
        if (digits < 19) {
            m = m * 10 + (uint64_t)(*s - '0');
            digits += m != 0;
        } else {
            exp10++;
            dropped |= *s != '0';
        }
    }
    if (s < e && *s == '.') {
        for (s++; s < e && *s >= '0' && *s <= '9'; s++) {
            if (digits < 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                digits += m != 0;
                exp10--;
            } else {
                dropped |= *s != '0';
            }
        }
    }
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        int eneg = *s == '-';
        s += *s == '-' || *s == '+';
        int x = 0;
        for (; s < e; s++)
            if (x < 100000) x = x * 10 + (*s - '0');
        exp10 += eneg ? -x : x;
    }
    if (!dropped && m <= MANTISSA_MAX && exp10 >= -22 && exp10 <= 22) {
        double d = (double)m;
        if (m != 0) d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        *out = neg ? -d : d;
        return 1;
    }
    if (m == 0) {   /* 0, 0.000, 0e999: zero whatever the exponent */
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    return parse_slow(p, e, out);
}

int pf__jv_num(pf__jv v, double *out)
{
    if (pf__jv_type(v) != PF_J_NUM) return 0;
    return pf__json_number(v.p, v.end, out);
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
