/* libFuzzer target: pf_parse_developer (developer pages, cluster pages and
 * qnKhOb continuations: the reader pf_parse_similar shares) on arbitrary
 * bytes. A success must come with a result; anything else must be an
 * error, never a crash, an over-read or a leak. */
#include "playfast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pf_list *r = NULL;
    pf_error e;
    if (pf_parse_developer((const char *)data, size, &r, &e) == PF_OK && r == NULL)
        __builtin_trap();
    pf_list_free(r);
    return 0;
}
