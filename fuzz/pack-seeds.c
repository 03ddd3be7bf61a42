/* pack-seeds DIR FIXTURE... -- the fuzz-pack seeds: each recorded page
 * (decompressed) parsed by the parser its name starts with, packed, and
 * written to DIR/<fixture>.pfr. fuzz/run.sh builds and runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playfast.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    if (!f) return NULL;
    do {
        if (n == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 1 << 20))) exit(2);
        n += r = fread(buf + n, 1, cap - n, f);
    } while (r);
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        size_t len;
        char *buf = slurp(argv[i], &len);
        pf_response r;
        pf_error e;
        memset(&r, 0, sizeof r);
        if (!buf) continue;
        if (!strncmp(base, "app_details_", 12)) {
            r.kind = PF_KIND_APP;
            r.code = pf_parse_app(buf, len, NULL, &r.app, &e);
        } else if (!strncmp(base, "list_", 5)) {
            r.kind = PF_KIND_LIST;
            r.code = pf_parse_list(buf, len, &r.list, &e);
        } else if (!strncmp(base, "reviews_", 8)) {
            r.kind = PF_KIND_REVIEWS;
            r.code = pf_parse_reviews(buf, len, &r.reviews, &e);
        } else if (!strncmp(base, "permissions_", 12)) {
            r.kind = PF_KIND_PERMISSIONS;
            r.code = pf_parse_permissions(buf, len, &r.permissions, &e);
        } else if (!strncmp(base, "datasafety_", 11)) {
            r.kind = PF_KIND_DATASAFETY;
            r.code = pf_parse_datasafety(buf, len, &r.datasafety, &e);
        } else if (!strncmp(base, "suggest_", 8)) {
            r.kind = PF_KIND_SUGGEST;
            r.code = pf_parse_suggest(buf, len, &r.terms, &e);
        } else {
            free(buf);
            continue;
        }
        if (r.code != PF_OK) r.error = e;
        char *p, path[4096];
        size_t n;
        if (pf_response_pack(&r, &p, &n, &e) == PF_OK) {
            snprintf(path, sizeof path, "%s/%s.pfr", argv[1], base);
            FILE *f = fopen(path, "wb");
            if (f) {
                fwrite(p, 1, n, f);
                fclose(f);
            }
            free(p);
        }
        pf_response_cleanup(&r);
        free(buf);
    }
    return 0;
}
