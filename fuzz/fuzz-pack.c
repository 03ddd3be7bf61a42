/* libFuzzer target: pf_response_unpack on arbitrary bytes. What unpacks
 * must pack back to exactly the same bytes (the form has one spelling of
 * each response), and everything it allocated must be freed by
 * pf_response_cleanup (ASan's leak check). Seeds: fuzz/pack-seeds.c. */
#include <stdlib.h>
#include <string.h>

#include "playfast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pf_response r;
    pf_error e;
    if (pf_response_unpack(data, size, &r, &e) != PF_OK) {
        if (r.app || r.list || r.reviews || r.details) __builtin_trap();
        return 0;
    }
    char *p;
    size_t n;
    if (pf_response_pack(&r, &p, &n, &e) != PF_OK) __builtin_trap();
    if (n != size || memcmp(p, data, n) != 0) __builtin_trap();
    free(p);
    pf_response_cleanup(&r);
    return 0;
}
