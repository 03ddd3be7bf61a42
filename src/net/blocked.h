/*
 * blocked.h -- recognising Google's pushback pages (internal).
 *
 * Google answers traffic it distrusts with an "unusual traffic" page and a
 * reCAPTCHA form (at /sorry/index, whatever the status), or sends the
 * browser to its consent wall. Neither is an answer to the request: they
 * are reported as PF_EBLOCKED and slow the egress down, never read as a
 * page layout the parser does not know.
 */
#ifndef PF_BLOCKED_H
#define PF_BLOCKED_H

#include <stddef.h>

/* Bodies longer than this are never the captcha page (a few KB); a longer
 * body is a real page and is not scanned. */
#define PF__BLOCKED_SCAN_MAX ((size_t)64 << 10)

/* 1 when body[0..len) is the unusual-traffic page. Reads at most
 * PF__BLOCKED_SCAN_MAX bytes. */
int pf__blocked_page(const char *body, size_t len);

/* 1 when a redirect to `url` is a block: a /sorry/ path on any host, or a
 * consent.google.* host. */
int pf__blocked_location(const char *url);

/* 1 when `url` has the same scheme, host and port as `base`. */
int pf__same_origin(const char *url, const char *base);

#endif
