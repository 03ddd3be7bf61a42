/* libFuzzer target: pf_parse_categories on arbitrary bytes. Every entry
 * has an id; the published list is always there. */
#include "playfast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pf_categories *r = NULL;
    pf_error e;
    if (pf_parse_categories((const char *)data, size, &r, &e) == PF_OK) {
        if (r == NULL || r->count < 54) __builtin_trap();
        for (size_t i = 0; i < r->count; i++)
            if (r->items[i].id == NULL) __builtin_trap();
    }
    pf_categories_free(r);
    return 0;
}
