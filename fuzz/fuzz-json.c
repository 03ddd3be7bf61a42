/* libFuzzer target: the extractor at both escape levels. Navigation and
 * validation must agree on bounds and never read outside the input; a
 * number must read as strtod_l() in the "C" locale reads it (bit for bit). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void check_number(const char *s, size_t size)
{
    static locale_t c;
    char buf[64];
    double d;
    if (c == (locale_t)0) c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    /* Only an input that is one whole JSON number: strtod reads more forms
     * ("01", "0x1", "inf"). */
    pf__jv v = pf__jv_make(s, s + size, 0);
    if (size >= sizeof buf || pf__jv_type(v) != PF_J_NUM ||
        pf__json_skip(v, NULL) != s + size)
        return;
    if (!pf__jv_num(v, &d)) abort();
    memcpy(buf, s, size);
    buf[size] = '\0';
    double want = strtod_l(buf, NULL, c);
    if (memcmp(&d, &want, sizeof d) != 0 && !(d != d && want != want))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    check_number(s, size);
    for (int esc = 0; esc <= 1; esc++) {
        pf__jv v = pf__jv_make(s, end, esc);
        const char *bad;
        (void)pf__json_skip(v, &bad);
        pf__jv kids[16];
        size_t n = pf__jv_children(v, kids, 16);
        pf__arena a;
        pf__arena_init(&a, 256);
        for (size_t i = 0; i < n && i < 16; i++) {
            (void)pf__jv_str(kids[i], &a);
            double d;
            int64_t x;
            (void)pf__jv_num(kids[i], &d);
            (void)pf__jv_int(kids[i], &x);
            (void)pf__jv_index(kids[i], 141);
            (void)pf__jv_key(kids[i], "1");
        }
        (void)PF__JP(v, 1, 2, 0);
        pf__arena_cleanup(&a);
    }
    return 0;
}
