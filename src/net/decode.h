/*
 * decode.h -- Content-Encoding decoders for response bodies (internal).
 *
 * libcurl's own decoding runs inside its write callback, on the loop thread,
 * with zlib's streaming inflate: with gzip'd pages the whole engine then runs
 * on one core. Instead the engine keeps the compressed body (the body budget
 * counts compressed bytes) and the parse worker that will parse it decodes it
 * here, in one pass over the whole buffer, into a buffer that the worker
 * reuses for every response it handles:
 *
 *   gzip, x-gzip      libdeflate, whole buffer (multi-member streams too)
 *   deflate           libdeflate; zlib-wrapped, or raw deflate as browsers
 *                     accept it
 *   br                libbrotli's decoder
 *   zstd              libzstd (window at most 8 MiB, as browsers limit it)
 *
 * Every decoder is capped: a body whose decoded size would exceed `cap`
 * stops with PF_ETOOBIG after at most about 2 x cap bytes of work, so a
 * decode bomb (1 GB of zeros in 1 MB of gzip) is harmless. A corrupt body is
 * PF_EMALFORMED with the encoding and what was wrong (truncated, bad header,
 * checksum) in err->message and the input offset where it was found.
 *
 * Threads: a pf__decoder belongs to one thread at a time (one per parse
 * worker); separate decoders may be used concurrently.
 */
#ifndef PF_DECODE_H
#define PF_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "playfast.h"

/* A reusable decoder: codec states and the output buffer, created lazily on
 * first use. Fields are private to decode.c. */
typedef struct pf__decoder {
    char *buf[2];        /* mapped output buffers; [1] only for stacked codings */
    size_t cap[2];       /* their mapped sizes */
    void *deflate;       /* struct libdeflate_decompressor * */
    void *zstd;          /* ZSTD_DCtx * */
} pf__decoder;

/* Set up an empty decoder. Allocates nothing. */
void pf__decoder_init(pf__decoder *d);

/* Release the buffers and codec states; d is left as after _init. A
 * decoder that was never used, or was already cleaned up, is a no-op. */
void pf__decoder_cleanup(pf__decoder *d);

/*
 * Decode one body.
 *
 * @param d         the calling thread's decoder
 * @param encoding  the response's Content-Encoding header value, as sent:
 *                  a comma-separated list of codings in the order they were
 *                  applied ("gzip", "gzip, br"), matched case-insensitively.
 *                  NULL, "" and "identity" mean not encoded. Up to 4
 *                  codings are undone, last applied first.
 * @param in, n     the body as received (in may be NULL when n is 0)
 * @param cap       the largest decoded size accepted, in bytes
 * @param out       receives the decoded body: `in` itself when nothing was
 *                  encoded (no copy), else a buffer owned by d that stays
 *                  valid until the next call on d or its cleanup
 * @param outlen    receives its length
 * @param err       may be NULL; filled on failure
 * @return PF_OK; PF_ETOOBIG when the decoded body (or, with nothing
 *         encoded, the body itself) is over cap; PF_EMALFORMED for a
 *         corrupt or truncated body or an unsupported coding
 *         ("unsupported content-encoding compress"), err->offset giving
 *         the offset in the input where a codec stopped; PF_ENOMEM. On
 *         failure *out is NULL and *outlen 0.
 *
 * An empty body is an empty result whatever the coding (servers send
 * "Content-Encoding: gzip" on empty 204/304 answers). Cost: one pass of the
 * codec over the body; a gzip body declares its size, so its buffer is
 * sized before decoding; other codings, or a gzip trailer that lies,
 * double the buffer and decode again (libdeflate) or continue (br, zstd).
 * Between calls d keeps at most PF__DECODE_KEEP bytes mapped per buffer, so
 * one exceptional body does not pin its memory for the worker's lifetime,
 * while the typical 1-2 MB page never maps fresh (page-faulting) memory.
 */
pf_code pf__decode(pf__decoder *d, const char *encoding, const char *in,
                   size_t n, size_t cap, const char **out, size_t *outlen,
                   pf_error *err);

#define PF__DECODE_KEEP ((size_t)4 << 20)

/* The decoded size a body declares, without decoding it: the trailer's
 * ISIZE for a gzip body, the frame's content size for a zstd one, when
 * `encoding` is that one coding; 0 when the body declares none (deflate,
 * br, stacked codings, a frame without it) or is too short to. A hint, as
 * a sender may lie (pf__decode then refuses the body): it lets a caller
 * that only wants small bodies skip a large one for free. */
size_t pf__decode_declared(const char *encoding, const char *in, size_t n);

/* The CRC-32 that gzip uses of p[0..n), continued from crc (0 to start),
 * as libdeflate_crc32 computes it, by the fastest path this CPU has. Any
 * thread. Exposed for the tests, which hold it to libdeflate's. */
uint32_t pf__crc32(uint32_t crc, const void *p, size_t n);

#endif
