/*
 * url.c -- splitting a URL into the parts the library looks at (url.h):
 * the options check quotes proxies without their credentials, the egress
 * pool names them so, and the engine compares redirect targets' hosts.
 */
#include <string.h>

#include "url.h"

void pf__url_split(const char *url, pf__url *u)
{
    const char *sep = strstr(url, "://");
    u->has_scheme = sep != NULL;
    u->authority = sep ? sep + 3 : url;
    u->end = u->authority + strcspn(u->authority, "/?#");
    u->host = u->authority;
    for (const char *p = u->authority; p < u->end; p++)
        if (*p == '@')
            u->host = p + 1;
}
