/*
 * page.c -- locate the JSON that Play responses embed. See page.h.
 *
 * Finding the data is most of the cost of parsing an app page: the page is
 * ~1.2 MB and the app's own data ~15 KB. In every layout seen since 2021 the
 * data blocks and the AF_dataServiceRequests map that names their rpc ids
 * sit in the last third of the page, the map first. So the page is scanned
 * backwards from its end for "AF_" markers, collecting blocks until the map
 * is reached, and the first two thirds are never read.
 */
#include <string.h>
#include <strings.h>

#include "page.h"

/* Last position i in [lo, hi - 3] with "AF_" at i, or NULL. '_' is rare in
 * the tail of a page (~1 in 300 bytes; JSON there is URLs and text, and
 * '<' '>' are escaped), so glibc's vectorised memrchr does nearly all of
 * the work; callgrind counts about a tenth of the instructions of a
 * three-load SSE2 loop. */
static const char *rfind_af(const char *lo, const char *hi)
{
    while (hi - lo >= 3) {
        const char *u = memrchr(lo + 2, '_', (size_t)(hi - lo - 2));
        if (u == NULL) return NULL;
        if (u[-1] == 'F' && u[-2] == 'A') return u - 2;
        hi = u;
    }
    return NULL;
}

static int starts(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

static const char *ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

/* Parse "'ds:N'" at p; returns the byte after it, or NULL. */
static const char *read_ds(const char *p, const char *end, int *n)
{
    if (!starts(p, end, "'ds:")) return NULL;
    p += 4;
    int v = 0, digits = 0;
    while (p < end && *p >= '0' && *p <= '9' && digits < 6) {
        v = v * 10 + (*p++ - '0');
        digits++;
    }
    if (!digits || p >= end || *p != '\'') return NULL;
    *n = v;
    return p + 1;
}

/* Parse one AF_initDataCallback({key: 'ds:N', hash: 'H', data: ...}) header
 * at p (which points at "AF_"). Fills ds and the data start. */
static int read_block(const char *p, const char *end, pf__block *b)
{
    static const char head[] = "AF_initDataCallback(";
    if (!starts(p, end, head)) return 0;
    p = ws(p + sizeof head - 1, end);
    if (p >= end || *p != '{') return 0;
    /* The header is short; bound the search for its fields. */
    const char *lim = end - p > 256 ? p + 256 : end;
    const char *k = memmem(p, (size_t)(lim - p), "key:", 4);
    if (k == NULL) return 0;
    if (read_ds(ws(k + 4, lim), lim, &b->ds) == NULL) return 0;
    const char *d = memmem(p, (size_t)(lim - p), "data:", 5);
    if (d == NULL) return 0;
    b->data = pf__jv_make(d + 5, end, 0);
    b->rpc[0] = '\0';
    b->request = PF__JV_NONE;
    return b->data.p != NULL;
}

/* Read the map 'ds:N' : {id:'RPC', ext: ..., request: [...]} and name each
 * collected block. The map is JavaScript, not JSON (single quotes, bare
 * keys), so it is read by hand; its `request` values are JSON. */
static void read_map(const char *p, const char *end, pf__block *blocks,
                     size_t n)
{
    p = ws(p, end);
    if (p >= end || *p != '{') return;
    p++;
    for (;;) {
        int ds;
        p = ws(p, end);
        const char *q = read_ds(p, end, &ds);
        if (q == NULL) return;
        p = ws(q, end);
        if (p >= end || *p != ':') return;
        p = ws(p + 1, end);
        if (p >= end || *p != '{') return;
        /* Find the entry's end by JSON-skipping from its '{' is not possible
         * (bare keys), so look for id:'..' and request: inside it. */
        const char *e = p + 1;
        int depth = 1;
        const char *id = NULL, *req = NULL;
        while (e < end && depth > 0) {
            if (*e == '{' || *e == '[') depth++;
            else if (*e == '}' || *e == ']') depth--;
            else if (*e == '"') {
                const char *bad;
                const char *after = pf__json_skip(pf__jv_make(e, end, 0), &bad);
                if (after == NULL) return;
                e = after;
                continue;
            } else if (depth == 1 && starts(e, end, "id:'")) {
                id = e + 4;
            } else if (depth == 1 && starts(e, end, "request:")) {
                req = e + 8;
            }
            e++;
        }
        for (size_t i = 0; i < n; i++) {
            if (blocks[i].ds != ds) continue;
            if (id != NULL) {
                size_t k = 0;
                while (id + k < e && id[k] != '\'' && k + 1 < sizeof blocks[i].rpc) {
                    blocks[i].rpc[k] = id[k];
                    k++;
                }
                blocks[i].rpc[k] = '\0';
            }
            if (req != NULL) blocks[i].request = pf__jv_make(req, e, 0);
        }
        p = ws(e, end);
        if (p >= end || *p != ',') return;
        p++;
    }
}

size_t pf__page_blocks(const char *buf, size_t len, pf__block *out,
                       size_t cap)
{
    if (buf == NULL || len == 0) return 0;
    const char *end = buf + len, *hi = end, *map = NULL;
    pf__block tmp[PF__PAGE_MAX_BLOCKS];
    size_t n = 0;
    const char *next_start = end;

    /* Walk backwards: each "AF_" is a block, the map, or something else. */
    while (n < PF__PAGE_MAX_BLOCKS) {
        const char *p = rfind_af(buf, hi);
        if (p == NULL) break;
        hi = p;
        pf__block b;
        if (read_block(p, next_start, &b)) {
            b.data.end = next_start;
            tmp[n++] = b;
            next_start = p;
        } else if (starts(p, end, "AF_dataServiceRequests")) {
            const char *q = ws(p + 22, end);
            if (q < end && *q == '=') {
                map = ws(q + 1, end);
                break;
            }
        }
    }
    /* tmp holds blocks last-first; hand them out in page order. */
    size_t k = 0;
    for (size_t i = n; i-- > 0;) {
        if (k < cap) out[k] = tmp[i];
        k++;
    }
    if (map != NULL) read_map(map, end, out, k < cap ? k : cap);
    return k;
}

static int rpc_in(const char *rpc, const char *const *rpcs)
{
    for (; *rpcs != NULL; rpcs++)
        if (strcmp(rpc, *rpcs) == 0) return 1;
    return 0;
}

pf_code pf__page_find(const char *buf, size_t len, const char *const *rpcs,
                      pf__jv *values, size_t *n, pf_error *err)
{
    size_t cap = *n;
    *n = 0;
    if (pf__is_batchexecute(buf, len)) {
        /* The next rpc is tried only when the response has no frame at all
         * for this one: an error frame for the first is that request's
         * answer, and must not turn into "no frame for the second". */
        pf_code rc = PF_EUNSUPPORTED;
        pf__jv payload = PF__JV_NONE;
        for (const char *const *r = rpcs; *r != NULL; r++) {
            rc = pf__be_payload(buf, len, *r, &payload, err);
            if (rc != PF_EUNSUPPORTED) break;
        }
        if (rc == PF_OK && cap > 0) {
            values[0] = payload;
            *n = 1;
        }
        return rc;
    }
    pf__block blocks[PF__PAGE_MAX_BLOCKS];
    size_t nb = pf__page_blocks(buf, len, blocks, PF__PAGE_MAX_BLOCKS);
    if (nb > PF__PAGE_MAX_BLOCKS) nb = PF__PAGE_MAX_BLOCKS;
    for (size_t i = 0; i < nb && *n < cap; i++)
        if (rpc_in(blocks[i].rpc, rpcs)) values[(*n)++] = blocks[i].data;
    if (*n > 0) return PF_OK;
    return pf__page_classify(buf, len, err);
}

/* The payload of frame is null (or a string holding JSON null). Google
 * answers so when an rpc has nothing to return: no results, no further
 * page. A status array after it ([..., null, [5], "generic"]) makes it an
 * error instead. */
static pf_code null_payload(pf__jv frame, const char *rpc, const char *buf,
                            pf__jv *payload, pf_error *err)
{
    pf__jv kids[8];
    size_t n = pf__jv_children(frame, kids, 8);
    for (size_t i = 3; i < n && i < 8; i++) {
        if (pf__jv_type(kids[i]) != PF_J_ARR) continue;
        int64_t status = 0;
        pf__jv_int(pf__jv_index(kids[i], 0), &status);
        return pf__error(err, PF_ENOTFOUND, (size_t)(frame.p - buf),
                         "rpc %s answered with no data (status %lld)",
                         rpc ? rpc : "?", (long long)status);
    }
    *payload = PF__JV_NONE;
    return PF_OK;
}

pf_code pf__page_small_payload(const char *buf, size_t len, const void *out,
                               const char *const *rpcs, const char *what,
                               pf__jv *payload, pf_error *err)
{
    pf_code rc = pf__parse_args(buf, len, out, err);
    if (rc != PF_OK) return rc;
    size_t n = 1;
    rc = pf__page_find(buf, len, rpcs, payload, &n, err);
    if (rc != PF_OK) return rc;
    if (!pf__jv_ok(*payload)) return PF_OK;
    const char *bad = NULL;
    if (pf__json_skip(*payload, &bad) == NULL)
        return pf__error(err, PF_EMALFORMED,
                         (size_t)((bad ? bad : payload->p) - buf),
                         "broken or truncated %s", what);
    pf__jtype t = pf__jv_type(*payload);
    if (t == PF_J_NULL) {
        *payload = PF__JV_NONE;
        return PF_OK;
    }
    if (t != PF_J_ARR)
        return pf__error(err, PF_EUNSUPPORTED, (size_t)(payload->p - buf),
                         "%s have an unknown layout", what);
    return PF_OK;
}

int pf__is_batchexecute(const char *buf, size_t len)
{
    if (buf == NULL) return 0;
    const char *p = ws(buf, buf + len);
    return starts(p, buf + len, ")]}'");
}

pf_code pf__be_payload(const char *buf, size_t len, const char *rpc,
                       pf__jv *payload, pf_error *err)
{
    if (buf == NULL || len == 0)
        return pf__error(err, PF_EMALFORMED, 0, "empty input");
    const char *end = buf + len, *p = ws(buf, end);
    if (!starts(p, end, ")]}'"))
        return pf__error(err, PF_EMALFORMED, (size_t)(p - buf),
                         "batchexecute response without the )]}' prefix");
    p += 4;
    int saw_frame = 0;
    const char *err_frame = NULL;
    for (;;) {
        p = ws(p, end);
        if (p >= end) break;
        /* rt=c framing: a decimal length before each chunk. The lengths
         * count UTF-16 units, not bytes, so they are not trusted: the chunk
         * is delimited by its own brackets. */
        if (*p >= '0' && *p <= '9') {
            while (p < end && *p >= '0' && *p <= '9') p++;
            continue;
        }
        if (*p != '[')
            return pf__error(err, PF_EMALFORMED, (size_t)(p - buf),
                             "expected a batchexecute chunk, found '%c'", *p);
        pf__jv chunk = pf__jv_make(p, end, 0);
        /* Frames are examined before they are skipped: the payload is
         * usually in the first frame and is most of the response, so it is
         * never walked here. Its view ends at the end of the buffer, not of
         * its string: the inner value ends where its brackets balance, and
         * a raw quote met at level 1 ends any walk. */
        const char *f = p + 1;
        for (;;) {
            f = pf__jv_make(f, end, 0).p;
            if (f == NULL || *f != '[') break;
            pf__jv frame = pf__jv_make(f, end, 0);
            pf__jv k0 = pf__jv_index(frame, 0), k1 = pf__jv_index(frame, 1);
            if (pf__jv_streq(k0, "er")) err_frame = f;
            if (pf__jv_streq(k0, "wrb.fr")) {
                saw_frame = 1;
                if (rpc == NULL || pf__jv_streq(k1, rpc)) {
                    pf__jv k2 = pf__jv_index(frame, 2);
                    if (pf__jv_type(k2) == PF_J_STR) {
                        *payload = pf__jv_make(k2.p + 1, end, 1);
                        if (payload->p == NULL || *payload->p == '"')
                            return pf__error(err, PF_ENOTFOUND,
                                             (size_t)(k2.p - buf),
                                             "rpc %s answered with an empty "
                                             "payload", rpc ? rpc : "?");
                        if (pf__jv_type(*payload) != PF_J_NULL) return PF_OK;
                    } else if (pf__jv_type(k2) != PF_J_NULL) {
                        /* No payload at all: a frame cut short before it
                         * is broken, not Google's "nothing to return". */
                        const char *bad = NULL;
                        if (pf__json_skip(frame, &bad) == NULL)
                            return pf__error(err, PF_EMALFORMED,
                                             (size_t)((bad ? bad : f) - buf),
                                             "broken batchexecute frame");
                    }
                    return null_payload(frame, rpc, buf, payload, err);
                }
            }
            const char *bad;
            const char *q = pf__json_skip(frame, &bad);
            if (q == NULL)
                return pf__error(err, PF_EMALFORMED,
                                 bad ? (size_t)(bad - buf) : (size_t)(f - buf),
                                 "broken batchexecute frame");
            q = pf__jv_make(q, end, 0).p;
            if (q == NULL || *q != ',') break;
            f = q + 1;
        }
        const char *bad;
        const char *q = pf__json_skip(chunk, &bad);
        if (q == NULL)
            return pf__error(err, PF_EMALFORMED,
                             bad ? (size_t)(bad - buf) : (size_t)(p - buf),
                             "broken batchexecute chunk");
        p = q;
    }
    if (err_frame != NULL)
        return pf__error(err, PF_EHTTP, (size_t)(err_frame - buf),
                         "batchexecute returned an error frame");
    if (saw_frame)
        return pf__error(err, PF_EUNSUPPORTED, PF_NO_OFFSET,
                         "no frame for rpc %s in the response", rpc ? rpc : "?");
    return pf__error(err, PF_EMALFORMED, (size_t)(p - buf),
                     "batchexecute response without wrb.fr frames");
}

pf_code pf__parse_args(const char *buf, size_t len, const void *out,
                       pf_error *err)
{
    if (err != NULL) {
        err->code = PF_OK;
        err->http_status = err->attempts = 0;
        err->offset = PF_NO_OFFSET;
        err->message[0] = '\0';
    }
    if (out == NULL || (buf == NULL && len != 0))
        return pf__error(err, PF_EINVAL, PF_NO_OFFSET, "NULL argument");
    if (len == 0) return pf__error(err, PF_EMALFORMED, 0, "empty input");
    return PF_OK;
}

pf_code pf__page_classify(const char *buf, size_t len, pf_error *err)
{
    if (buf == NULL || len == 0)
        return pf__error(err, PF_EMALFORMED, 0, "empty input");
    const char *end = buf + len;
    const char *p = ws(buf, end);
    /* Google's 404 body for an unknown app is a short HTML page. */
    size_t head = len < 4096 ? len : 4096;
    if (memmem(buf, head, "<title>Not Found</title>", 24) ||
        memmem(buf, head, "Error 404 (Not Found)", 21) ||
        memmem(buf, head, "requested URL was not found", 27))
        return pf__error(err, PF_ENOTFOUND, PF_NO_OFFSET,
                         "Google's 'not found' page");
    if (pf__is_batchexecute(buf, len))
        return pf__error(err, PF_EUNSUPPORTED, PF_NO_OFFSET,
                         "batchexecute response of another kind");
    if (p < end && *p == '<') {
        /* Every page Google serves ends with </html>; one that does not was
         * cut short, which is a broken response, not a new layout. */
        const char *e = end;
        while (e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' ||
                         e[-1] == '\t'))
            e--;
        if (e - p < 7 || strncasecmp(e - 7, "</html>", 7) != 0)
            return pf__error(err, PF_EMALFORMED, len,
                             "HTML page cut short (no closing </html>)");
        if (memmem(buf, len, "AF_initDataCallback", 19))
            return pf__error(err, PF_EUNSUPPORTED, PF_NO_OFFSET,
                             "Play page of an unsupported layout (no "
                             "expected data block)");
        return pf__error(err, PF_EUNSUPPORTED, PF_NO_OFFSET,
                         "HTML page without Play data blocks");
    }
    return pf__error(err, PF_EMALFORMED, (size_t)(p - buf),
                     "not a Play Store response (neither HTML nor "
                     "batchexecute)");
}
