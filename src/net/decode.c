/*
 * decode.c -- Content-Encoding decoders for response bodies (see decode.h).
 *
 * Why these codecs: on the Translate page (1.2 MB, 220 KB gzip'd)
 * libdeflate's whole-buffer inflate is about 3x faster than zlib's
 * streaming inflate, which libcurl would use (`make bench-decode`). A whole
 * buffer decoder needs the whole output buffer up front; gzip declares its
 * size in its trailer (mod 2^32, and a sender may lie), deflate does not, so
 * when the buffer proves too small it is doubled and the member decoded
 * again, which bounds the work to about 2 x cap. Brotli and zstd decode as
 * streams into the same growing buffer, so they just continue.
 *
 * The output buffers are mapped pages, reused across calls: mapping fresh
 * memory for every 1.2 MB page would cost ~300 page faults, about as much
 * CPU as the parse. Between calls at most PF__DECODE_KEEP bytes stay mapped.
 *
 * libdeflate answers only "bad data" for a corrupt or truncated stream; that
 * rare path asks zlib to inflate the same bytes again, bounded by the cap
 * and discarding the output, so that the error can say which it was.
 *
 * A gzip member's CRC-32 is checked over the whole decoded page, which with
 * libdeflate's 16-byte carry-less folding is a tenth of the inflate's time
 * (0.09 of 0.8 ms for a 1.2 MB page). Where the CPU has 64-byte carry-less
 * multiplies (AVX-512 VPCLMULQDQ: Ice Lake, Zen 4 and later) it folds 256
 * bytes at a time instead, about 4x faster (crc32_update).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_VPCLMUL 1
#endif

#include <brotli/decode.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include "decode.h"
#include "page.h" /* pf__error */

/* RFC 8878 asks HTTP clients for windows up to 8 MiB and browsers refuse
 * larger ones; the default (128 MiB) would let one small body make the
 * decoder allocate that much. */
#define ZSTD_WINDOW_LOG_MAX 23
#define MAX_CODINGS 4

typedef enum coding { C_IDENTITY, C_GZIP, C_DEFLATE, C_BR, C_ZSTD } coding;

static const char *const coding_name[] = {"identity", "gzip", "deflate", "br",
                                          "zstd"};

/* ---- output buffers -------------------------------------------------- */

static size_t page_round(size_t n)
{
    if (n > SIZE_MAX - 4095) return SIZE_MAX & ~(size_t)4095;
    return (n + 4095) & ~(size_t)4095;
}

/* Resize buffer s to exactly `size` bytes (page-rounded), keeping its
 * contents up to the smaller size. Returns 0 when out of memory, and then
 * the buffer is unchanged. */
static int resize(pf__decoder *d, int s, size_t size)
{
    size = page_round(size);
    if (size == d->cap[s]) return 1;
#ifdef __linux__
    void *p;
    if (d->cap[s] == 0)
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
    else
        p = mremap(d->buf[s], d->cap[s], size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return 0;
#else
    void *p = realloc(d->buf[s], size);
    if (p == NULL) return 0;
#endif
    d->buf[s] = p;
    d->cap[s] = size;
    return 1;
}

static void release(pf__decoder *d, int s)
{
    if (d->buf[s] == NULL) return;
#ifdef __linux__
    munmap(d->buf[s], d->cap[s]);
#else
    free(d->buf[s]);
#endif
    d->buf[s] = NULL;
    d->cap[s] = 0;
}

/* Make buffer s hold at least min(want, limit) bytes. On success *avail is
 * how many of them may be written: the mapped size, clamped to limit. */
static int reserve(pf__decoder *d, int s, size_t want, size_t limit,
                   size_t *avail)
{
    if (want > limit) want = limit;
    if (want < 64 * 1024) want = 64 * 1024;
    if (d->cap[s] < want && !resize(d, s, want)) return 0;
    *avail = d->cap[s] < limit ? d->cap[s] : limit;
    return 1;
}

/* Double buffer s (up to limit) because a decoder ran out of room with
 * `have` bytes available. Returns PF_OK with the new *avail, or PF_ETOOBIG
 * when `have` was already the limit. */
static pf_code grow(pf__decoder *d, int s, size_t have, size_t limit,
                    size_t *avail, pf_error *err)
{
    if (have >= limit) return PF_ETOOBIG;
    size_t want = have > limit / 2 ? limit : have * 2;
    if (!reserve(d, s, want, limit, avail))
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "cannot map %zu bytes for a decoded body", want);
    return PF_OK;
}

/* ---- CRC-32 ----------------------------------------------------------- */

#ifdef HAVE_VPCLMUL
/* The CRC-32 of p[0..n) continued from crc, as libdeflate_crc32 (n >= 256).
 *
 * Carry-less folding (Intel's "Fast CRC Computation Using PCLMULQDQ"), four
 * 512-bit accumulators wide: each 128-bit lane L of an accumulator is
 * replaced by L's low half times (x^(2048+32) mod P) xor its high half
 * times (x^(2048-32) mod P) -- both bit-reflected and shifted left once,
 * the constants below -- xor the next 256 bytes' lane in the same place.
 * The result is congruent to the input mod P, so the CRC of the input
 * equals the CRC of the 256 folded bytes followed by the unfolded tail,
 * which libdeflate finishes. The caller's CRC enters as libdeflate's
 * initial state does: xored into the first four bytes. Checked against
 * libdeflate_crc32 at every length and alignment (test-decode.c). */
__attribute__((target("avx512f,vpclmulqdq"))) static uint32_t
crc32_fold(uint32_t crc, const unsigned char *p, size_t n)
{
    const __m512i k = _mm512_set_epi64(
        0x01322d1430, 0x011542778a, 0x01322d1430, 0x011542778a,
        0x01322d1430, 0x011542778a, 0x01322d1430, 0x011542778a);
    __m512i a[4];
    for (int i = 0; i < 4; i++) a[i] = _mm512_loadu_si512(p + 64 * i);
    a[0] = _mm512_xor_si512(
        a[0], _mm512_castsi128_si512(_mm_cvtsi32_si128((int)~crc)));
    for (p += 256, n -= 256; n >= 256; p += 256, n -= 256) {
        for (int i = 0; i < 4; i++) {
            __m512i lo = _mm512_clmulepi64_epi128(a[i], k, 0x00);
            __m512i hi = _mm512_clmulepi64_epi128(a[i], k, 0x11);
            /* 0x96: the three-way xor */
            a[i] = _mm512_ternarylogic_epi64(
                lo, hi, _mm512_loadu_si512(p + 64 * i), 0x96);
        }
    }
    unsigned char folded[256];
    for (int i = 0; i < 4; i++) _mm512_storeu_si512(folded + 64 * i, a[i]);
    /* 0xffffffff: libdeflate starts from state 0, the state the folding
     * already absorbed the caller's CRC into. */
    crc = libdeflate_crc32(0xffffffffu, folded, sizeof folded);
    return libdeflate_crc32(crc, p, n);
}

/* A test of bits that libgcc's (or compiler-rt's) start-up code filled
 * in, including whether the OS saves the AVX-512 registers. */
static int have_fold(void)
{
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("vpclmulqdq");
}
#endif

/* The CRC-32 (gzip's) of p[0..n), continued from crc. */
static uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
#ifdef HAVE_VPCLMUL
    if (n >= 256 && have_fold()) return crc32_fold(crc, p, n);
#endif
    return libdeflate_crc32(crc, p, n);
}

/* For tests: crc32_update, the path the CPU takes. */
uint32_t pf__crc32(uint32_t crc, const void *p, size_t n)
{
    return crc32_update(crc, p, n);
}

/* ---- deflate (gzip and deflate bodies) -------------------------------- */

/* Why libdeflate refused a raw deflate stream: zlib inflates it again,
 * discarding the output (bounded by limit), and says where it stopped. */
static pf_code diagnose_deflate(const char *name, const unsigned char *in,
                                size_t n, size_t base, size_t limit,
                                pf_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        return pf__error(err, PF_EMALFORMED, base, "%s: corrupt deflate data",
                         name);
    unsigned char scratch[16384];
    size_t fed = 0, made = 0;
    int r = Z_OK;
    const char *why = "corrupt deflate data";
    while (r == Z_OK && made <= limit) {
        if (z.avail_in == 0 && fed < n) {
            size_t chunk = n - fed > (1u << 30) ? (1u << 30) : n - fed;
            z.next_in = (unsigned char *)in + fed;
            z.avail_in = (uInt)chunk;
            fed += chunk;
        }
        z.next_out = scratch;
        z.avail_out = sizeof scratch;
        r = inflate(&z, Z_NO_FLUSH);
        made += sizeof scratch - z.avail_out;
        if (r == Z_BUF_ERROR && z.avail_in == 0 && fed == n) {
            why = "truncated deflate data";
            break;
        }
    }
    if (r == Z_DATA_ERROR && z.msg) why = z.msg;
    size_t at = base + (size_t)z.total_in;
    inflateEnd(&z);
    return pf__error(err, PF_EMALFORMED, at, "%s: %s", name, why);
}

/* Inflate one raw deflate stream at in[0..n) into buffer s from offset
 * `len`, growing the buffer and starting over when it is too small.
 * *used gets the compressed bytes consumed, *made the bytes produced. */
static pf_code inflate_raw(pf__decoder *d, int s, const char *name,
                           const unsigned char *in, size_t n, size_t base,
                           size_t len, size_t want, size_t limit,
                           size_t *used, size_t *made, pf_error *err)
{
    if (d->deflate == NULL && !(d->deflate = libdeflate_alloc_decompressor()))
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "cannot allocate the deflate decoder");
    size_t avail;
    if (!reserve(d, s, len + want, limit, &avail))
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "cannot map a decoded-body buffer");
    for (;;) {
        enum libdeflate_result r = libdeflate_deflate_decompress_ex(
            d->deflate, in, n, d->buf[s] + len, avail - len, used, made);
        if (r == LIBDEFLATE_SUCCESS) return PF_OK;
        if (r != LIBDEFLATE_INSUFFICIENT_SPACE)
            return diagnose_deflate(name, in, n, base, limit - len, err);
        pf_code c = grow(d, s, avail, limit, &avail, err);
        if (c != PF_OK) return c;
    }
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Where the deflate data of the gzip member at p[0..n) begins (RFC 1952),
 * or 0 with err filled. */
static size_t gzip_header(const unsigned char *p, size_t n, size_t base,
                          pf_error *err)
{
    if (n < 10) {
        if (memcmp(p, "\x1f\x8b\x08", n < 3 ? n : 3) == 0)
            pf__error(err, PF_EMALFORMED, base + n,
                      "gzip: truncated in its header (%zu bytes)", n);
        else
            pf__error(err, PF_EMALFORMED, base, "gzip: bad header (no gzip magic)");
        return 0;
    }
    if (p[0] != 0x1f || p[1] != 0x8b) {
        pf__error(err, PF_EMALFORMED, base, "gzip: bad header (no gzip magic)");
        return 0;
    }
    if (p[2] != 8 || (p[3] & 0xe0)) {
        pf__error(err, PF_EMALFORMED, base + 2,
                  "gzip: bad header (method %u, flags 0x%02x)", p[2], p[3]);
        return 0;
    }
    size_t at = 10;
    if (p[3] & 4) {     /* FEXTRA */
        if (n - at < 2) goto truncated;
        size_t xlen = (size_t)p[at] | (size_t)p[at + 1] << 8;
        if (n - at - 2 < xlen) goto truncated;
        at += 2 + xlen;
    }
    for (int flag = 8; flag <= 16; flag += 8) {     /* FNAME, FCOMMENT */
        if (!(p[3] & flag)) continue;
        const unsigned char *z = memchr(p + at, 0, n - at);
        if (z == NULL) goto truncated;
        at = (size_t)(z - p) + 1;
    }
    if (p[3] & 2) {     /* FHCRC */
        if (n - at < 2) goto truncated;
        at += 2;
    }
    if (at < n) return at;
truncated:
    pf__error(err, PF_EMALFORMED, base + n, "gzip: truncated in its header");
    return 0;
}

/* A gzip body: one member or several back to back. Bytes after the last
 * member that do not start another are ignored, as browsers do. */
static pf_code gunzip(pf__decoder *d, int s, const unsigned char *in, size_t n,
                      size_t limit, size_t *outlen, pf_error *err)
{
    size_t pos = 0, len = 0;
    /* The trailer's ISIZE: the decoded size mod 2^32 when the body is one
     * member; a hint only, since a sender may lie. */
    size_t want = n >= 18 ? le32(in + n - 4) : 0;
    if (want < n) want = n * 4;
    do {
        size_t hdr = gzip_header(in + pos, n - pos, pos, err);
        if (hdr == 0) return PF_EMALFORMED;
        pos += hdr;
        size_t used, made;
        pf_code c = inflate_raw(d, s, "gzip", in + pos, n - pos, pos, len, want,
                                limit, &used, &made, err);
        if (c != PF_OK) return c;
        pos += used;
        if (n - pos < 8)
            return pf__error(err, PF_EMALFORMED, n,
                             "gzip: truncated in its trailer");
        const unsigned char *member = (const unsigned char *)d->buf[s] + len;
        if (crc32_update(0, member, made) != le32(in + pos))
            return pf__error(err, PF_EMALFORMED, pos,
                             "gzip: checksum mismatch (CRC-32)");
        if ((uint32_t)made != le32(in + pos + 4))
            return pf__error(err, PF_EMALFORMED, pos + 4,
                             "gzip: length mismatch (ISIZE)");
        pos += 8;
        len += made;
        want = len;
    } while (n - pos >= 2 && in[pos] == 0x1f && in[pos + 1] == 0x8b);
    *outlen = len;
    return PF_OK;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

/* A deflate body: zlib-wrapped (RFC 1950) as the HTTP spec says, or raw
 * deflate, which some servers send and browsers accept. The two bytes of a
 * zlib header are recognised by their check bits, as browsers do. */
static pf_code deflate_body(pf__decoder *d, int s, const unsigned char *in,
                            size_t n, size_t limit, size_t *outlen,
                            pf_error *err)
{
    int zlib = n >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
               ((unsigned)in[0] << 8 | in[1]) % 31 == 0;
    if (zlib && (in[1] & 0x20))
        return pf__error(err, PF_EMALFORMED, 1,
                         "deflate: bad header (preset dictionary)");
    size_t pos = zlib ? 2 : 0, used, made;
    pf_code c = inflate_raw(d, s, "deflate", in + pos, n - pos, pos, 0, n * 4,
                            limit, &used, &made, err);
    if (c != PF_OK) return c;
    pos += used;
    if (zlib) {
        if (n - pos < 4)
            return pf__error(err, PF_EMALFORMED, n,
                             "deflate: truncated in its trailer");
        if (libdeflate_adler32(1, d->buf[s], made) != be32(in + pos))
            return pf__error(err, PF_EMALFORMED, pos,
                             "deflate: checksum mismatch (Adler-32)");
        pos += 4;
    }
    if (pos != n)
        return pf__error(err, PF_EMALFORMED, pos,
                         "deflate: %zu bytes after the end of the stream",
                         n - pos);
    *outlen = made;
    return PF_OK;
}

/* ---- br and zstd ------------------------------------------------------ */

static pf_code unbrotli(pf__decoder *d, int s, const unsigned char *in,
                        size_t n, size_t limit, size_t *outlen, pf_error *err)
{
    /* libbrotli 1.0 cannot reset a decoder, so each body gets a fresh one:
     * a few hundred bytes; the window is allocated for the stream's size. */
    BrotliDecoderState *br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    size_t avail, len = 0;
    if (br == NULL || !reserve(d, s, n * 8, limit, &avail)) {
        BrotliDecoderDestroyInstance(br);
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "cannot allocate the br decoder");
    }
    const uint8_t *next_in = in;
    size_t avail_in = n;
    pf_code c = PF_OK;
    for (;;) {
        uint8_t *next_out = (uint8_t *)d->buf[s] + len;
        size_t avail_out = avail - len;
        BrotliDecoderResult r = BrotliDecoderDecompressStream(
            br, &avail_in, &next_in, &avail_out, &next_out, NULL);
        len = avail - avail_out;
        size_t at = n - avail_in;
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            if (avail_in)
                c = pf__error(err, PF_EMALFORMED, at,
                              "br: %zu bytes after the end of the stream",
                              avail_in);
            break;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
            if ((c = grow(d, s, avail, limit, &avail, err)) != PF_OK) break;
            continue;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            c = pf__error(err, PF_EMALFORMED, n, "br: truncated");
            break;
        }
        const char *why =
            BrotliDecoderErrorString(BrotliDecoderGetErrorCode(br));
        if (why[0] == '_') why++;
        c = pf__error(err, PF_EMALFORMED, at, "br: corrupt (%s)", why);
        break;
    }
    BrotliDecoderDestroyInstance(br);
    *outlen = len;
    return c;
}

static pf_code unzstd(pf__decoder *d, int s, const unsigned char *in, size_t n,
                      size_t limit, size_t *outlen, pf_error *err)
{
    if (d->zstd == NULL) {
        ZSTD_DCtx *z = ZSTD_createDCtx();
        if (z == NULL)
            return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                             "cannot allocate the zstd decoder");
        ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
        d->zstd = z;
    }
    ZSTD_DCtx *z = d->zstd;
    ZSTD_DCtx_reset(z, ZSTD_reset_session_only);
    /* The frame header usually carries the decoded size. When it fits,
     * one call decodes straight into the buffer, which then serves as the
     * window (no window allocation, no copy). A lie, several frames or
     * corrupt input fail that call and take the streaming path, which
     * handles them and says precisely what was wrong. */
    unsigned long long hint = ZSTD_getFrameContentSize(in, n);
    size_t want = n * 8, avail;
    if (hint < ZSTD_CONTENTSIZE_ERROR)
        want = hint < (unsigned long long)limit ? (size_t)hint + 1 : limit;
    if (!reserve(d, s, want, limit, &avail))
        return pf__error(err, PF_ENOMEM, PF_NO_OFFSET,
                         "cannot map a decoded-body buffer");
    if (hint < (unsigned long long)limit) {
        size_t r = ZSTD_decompressDCtx(z, d->buf[s], avail, in, n);
        if (!ZSTD_isError(r)) {
            *outlen = r;
            return PF_OK;
        }
        ZSTD_DCtx_reset(z, ZSTD_reset_session_only);
    }
    ZSTD_inBuffer i = {in, n, 0};
    ZSTD_outBuffer o = {d->buf[s], avail, 0};
    for (;;) {
        size_t r = ZSTD_decompressStream(z, &o, &i);
        if (ZSTD_isError(r))
            return pf__error(err, PF_EMALFORMED, i.pos, "zstd: %s",
                             ZSTD_getErrorName(r));
        if (r == 0 && i.pos == i.size) break;
        if (o.pos == o.size) {
            pf_code c = grow(d, s, avail, limit, &avail, err);
            if (c != PF_OK) return c;
            o.dst = d->buf[s];
            o.size = avail;
            continue;
        }
        if (i.pos == i.size)
            return pf__error(err, PF_EMALFORMED, n, "zstd: truncated");
    }
    *outlen = o.pos;
    return PF_OK;
}

/* ---- the coding list -------------------------------------------------- */

static int token_is(const char *t, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(t, name, len) == 0;
}

/* Split a Content-Encoding value into codings, in the order applied.
 * Returns how many, or -1 with err filled. */
static int parse_codings(const char *v, coding *list, pf_error *err)
{
    int k = 0;
    while (v && *v) {
        while (*v == ' ' || *v == '\t' || *v == ',') v++;
        const char *t = v;
        while (*v && *v != ',') v++;
        size_t len = (size_t)(v - t);
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t')) len--;
        if (len == 0) continue;
        coding c;
        if (token_is(t, len, "identity")) continue;
        else if (token_is(t, len, "gzip") || token_is(t, len, "x-gzip")) c = C_GZIP;
        else if (token_is(t, len, "deflate")) c = C_DEFLATE;
        else if (token_is(t, len, "br")) c = C_BR;
        else if (token_is(t, len, "zstd")) c = C_ZSTD;
        else {
            pf__error(err, PF_EMALFORMED, PF_NO_OFFSET,
                      "unsupported content-encoding %.*s",
                      len > 40 ? 40 : (int)len, t);
            return -1;
        }
        if (k == MAX_CODINGS) {
            pf__error(err, PF_EMALFORMED, PF_NO_OFFSET,
                      "more than %d content-codings stacked", MAX_CODINGS);
            return -1;
        }
        list[k++] = c;
    }
    return k;
}

/* ---- the API ---------------------------------------------------------- */

void pf__decoder_init(pf__decoder *d)
{
    memset(d, 0, sizeof *d);
}

void pf__decoder_cleanup(pf__decoder *d)
{
    release(d, 0);
    release(d, 1);
    libdeflate_free_decompressor(d->deflate);
    ZSTD_freeDCtx(d->zstd);
    pf__decoder_init(d);
}

size_t pf__decode_declared(const char *encoding, const char *in, size_t n)
{
    coding list[MAX_CODINGS];
    const unsigned char *p = (const unsigned char *)in;
    if (parse_codings(encoding, list, NULL) != 1) return 0;
    if (list[0] == C_GZIP)
        return n >= 18 && p[0] == 0x1f && p[1] == 0x8b ? le32(p + n - 4) : 0;
    if (list[0] == C_ZSTD) {
        unsigned long long size = ZSTD_getFrameContentSize(in, n);
        if (size >= ZSTD_CONTENTSIZE_ERROR) return 0;   /* also UNKNOWN */
        return size > SIZE_MAX ? SIZE_MAX : (size_t)size;
    }
    return 0;
}

pf_code pf__decode(pf__decoder *d, const char *encoding, const char *in,
                   size_t n, size_t cap, const char **out, size_t *outlen,
                   pf_error *err)
{
    *out = NULL;
    *outlen = 0;
    coding list[MAX_CODINGS];
    int k = parse_codings(encoding, list, err);
    if (k < 0) return PF_EMALFORMED;
    /* What an earlier, exceptional body mapped beyond the usual size goes
     * back to the system now that its output is no longer in use. */
    for (int s = 0; s < 2; s++)
        if (d->cap[s] > PF__DECODE_KEEP) (void)resize(d, s, PF__DECODE_KEEP);
    if (n == 0 || k == 0) {
        if (n > cap)
            return pf__error(err, PF_ETOOBIG, PF_NO_OFFSET,
                             "body over the %zu-byte cap", cap);
        *out = n ? in : "";
        *outlen = n;
        return PF_OK;
    }
    /* One byte of room beyond the cap tells "exactly cap" from "more". */
    size_t limit = cap < SIZE_MAX ? cap + 1 : cap;
    const unsigned char *src = (const unsigned char *)in;
    size_t srclen = n, len = 0;
    for (int i = k - 1, s = 0; i >= 0; i--, s ^= 1) {
        pf_code c;
        switch (list[i]) {
        case C_GZIP: c = gunzip(d, s, src, srclen, limit, &len, err); break;
        case C_DEFLATE: c = deflate_body(d, s, src, srclen, limit, &len, err); break;
        case C_BR: c = unbrotli(d, s, src, srclen, limit, &len, err); break;
        default: c = unzstd(d, s, src, srclen, limit, &len, err); break;
        }
        if (c == PF_OK && len > cap) c = PF_ETOOBIG;
        if (c == PF_ETOOBIG)
            return pf__error(err, PF_ETOOBIG, PF_NO_OFFSET,
                             "%s: decoded body over the %zu-byte cap",
                             coding_name[list[i]], cap);
        if (c != PF_OK) return c;
        src = (const unsigned char *)d->buf[s];
        srclen = len;
    }
    *out = (const char *)src;
    *outlen = len;
    return PF_OK;
}
