/* libFuzzer target: pf_parse_permissions on arbitrary bytes. */
#include "playfast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pf_permissions *r = NULL;
    pf_error e;
    if (pf_parse_permissions((const char *)data, size, &r, &e) == PF_OK) {
        if (r == NULL) __builtin_trap();
        for (size_t i = 0; i < r->count; i++)
            for (size_t j = 0; j < r->items[i].n_items; j++)
                if (r->items[i].items[j] == NULL) __builtin_trap();
    }
    pf_permissions_free(r);
    return 0;
}
