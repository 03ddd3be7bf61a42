/* libFuzzer target: pf_parse_datasafety on arbitrary bytes. */
#include "playfast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pf_datasafety *r = NULL;
    pf_error e;
    if (pf_parse_datasafety((const char *)data, size, &r, &e) == PF_OK) {
        if (r == NULL) __builtin_trap();
        for (size_t i = 0; i < r->n_collected_data; i++)
            if (r->collected_data[i].data == NULL) __builtin_trap();
    }
    pf_datasafety_free(r);
    return 0;
}
