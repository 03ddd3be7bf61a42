/*
 * url.h -- the parts of an absolute URL the library looks at (internal):
 * "scheme://[userinfo@]host[:port][/path][?query][#fragment]".
 */
#ifndef PF_URL_H
#define PF_URL_H

typedef struct pf__url {
    const char *authority;  /* after "://"; the whole string without one */
    const char *host;       /* after the userinfo's '@', else authority */
    const char *end;        /* the first '/', '?', '#' or NUL after it */
    int has_scheme;         /* "://" was there */
} pf__url;

/* Split url; the fields point into it. The userinfo ends at the last '@'
 * of the authority, as libcurl reads it, so a password holding an '@'
 * never shows up as part of the host. Pure; any thread. */
void pf__url_split(const char *url, pf__url *u);

#endif
