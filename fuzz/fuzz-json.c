/* libFuzzer target: the extractor at both escape levels. Navigation and
 * validation must agree on bounds and never read outside the input. */
#include "json.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
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
