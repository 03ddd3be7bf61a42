/*
 * blocked.c -- Google's pushback pages and redirects (blocked.h).
 *
 * The markers come from Google's unusual-traffic page as documented
 * publicly; no recording of it is available to the project, so
 * tests/fixtures/blocked_unusual_traffic_synthetic.html is built from them.
 * Any one marker suffices: the page's wording is localised, its form and
 * its path are not.
 */
#include <string.h>
#include <strings.h>

#include "blocked.h"
#include "url.h"

static const char *const markers[] = {
    "unusual traffic from your computer network",
    "id=\"captcha-form\"",
    "/sorry/index",
};

int pf__blocked_page(const char *body, size_t len)
{
    if (body == NULL || len == 0 || len > PF__BLOCKED_SCAN_MAX) return 0;
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++)
        if (memmem(body, len, markers[i], strlen(markers[i]))) return 1;
    return 0;
}

/* Split "scheme://host[:port]/path" into its parts; 0 when not a URL. */
static int split(const char *url, const char **host, size_t *hostlen,
                 const char **path, size_t *schemelen)
{
    pf__url u;
    pf__url_split(url, &u);
    if (!u.has_scheme) return 0;
    *schemelen = (size_t)(u.authority - 3 - url);
    *host = u.host;
    *hostlen = (size_t)(u.end - u.host);
    *path = u.end;
    return 1;
}

int pf__blocked_location(const char *url)
{
    const char *host, *path;
    size_t hl, sl;
    if (url == NULL) return 0;
    if (!split(url, &host, &hl, &path, &sl)) return strncmp(url, "/sorry/", 7) == 0;
    if (strncmp(path, "/sorry/", 7) == 0) return 1;
    const char *colon = memchr(host, ':', hl);
    if (colon) hl = (size_t)(colon - host);
    return hl >= 15 && strncasecmp(host, "consent.google.", 15) == 0;
}

int pf__same_origin(const char *url, const char *base)
{
    const char *h1, *p1, *h2, *p2;
    size_t l1, l2, s1, s2;
    if (!split(url, &h1, &l1, &p1, &s1) || !split(base, &h2, &l2, &p2, &s2))
        return 0;
    return s1 == s2 && strncasecmp(url, base, s1) == 0 && l1 == l2 &&
           strncasecmp(h1, h2, l1) == 0;
}
