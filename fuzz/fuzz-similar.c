/* libFuzzer target: pf_parse_similar_url (the similar-apps link of a
 * details page) and pf_parse_similar on arbitrary bytes. */
#include <stdlib.h>

#include "playfast.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *path = NULL;
    pf_error e;
    pf_code rc = pf_parse_similar_url((const char *)data, size, &path, &e);
    if ((rc == PF_OK) != (path != NULL)) __builtin_trap();
    if (path != NULL && path[0] != '/') __builtin_trap();
    free(path);
    pf_list *r = NULL;
    if (pf_parse_similar((const char *)data, size, &r, &e) == PF_OK && r == NULL)
        __builtin_trap();
    pf_list_free(r);
    return 0;
}
