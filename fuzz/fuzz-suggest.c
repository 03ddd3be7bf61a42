/* libFuzzer target: pf_parse_suggest on arbitrary bytes. */
#include "playfast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pf_terms *r = NULL;
    pf_error e;
    if (pf_parse_suggest((const char *)data, size, &r, &e) == PF_OK) {
        if (r == NULL) __builtin_trap();
        for (size_t i = 0; i < r->count; i++)
            if (r->items[i] == NULL || r->items[i][0] == '\0') __builtin_trap();
    }
    pf_terms_free(r);
    return 0;
}
