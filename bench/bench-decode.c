/*
 * bench-decode.c -- `make bench-decode`: what decoding a compressed page
 * costs, per codec, on the recorded pages. For each page it prints the
 * median ms per page of
 *
 *   zlib-curl   zlib's streaming inflate through a 16 KiB buffer appended
 *               to the body, as libcurl decodes inside its write path
 *   zlib-whole  zlib's inflate in one call into a buffer already big enough
 *   gzip        pf__decode("gzip") on the same bytes: libdeflate
 *   isal        ISA-L's igzip inflate (Debian's libisal-dev) on the same
 *               bytes, gzip header and CRC checked, into a buffer already
 *               big enough: the other whole-buffer inflate in Debian, the
 *               one libdeflate was measured against ("-" in a build
 *               without ISA-L)
 *   br          pf__decode("br"), the page encoded at quality 5 (window 22)
 *   zstd        pf__decode("zstd"), the page encoded at level 3
 *   crc-ldf     libdeflate_crc32 over the decoded page, as gzip checks it
 *   crc         pf__crc32, what pf__decode("gzip") uses (folding 256 bytes
 *               a step where the CPU has AVX-512 VPCLMULQDQ)
 *
 * and the encoded sizes. The gzip bytes are the fixture files themselves
 * (Python's zlib, level 9). Each decode runs ROUNDS times (default 60) after
 * a warm-up, with the same decoder, as a worker reuses its own.
 *
 * Usage: bench-decode FIXTURE_DIR [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <brotli/encode.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include "decode.h"
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

static const char *const pages[] = {
    "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz",
    "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz",
    "app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz",
    "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz",
    "search_panda_en_us_price0_2026-07.html.gz",
    "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz",
};

#define CAP ((size_t)32 << 20)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    *len = n;
    return buf;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* libcurl's way: inflate into a 16 KiB buffer, append each piece to the
 * body (which, as in the engine, is already big enough). */
static size_t zlib_curl(const char *in, size_t n, char *body, int whole)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    inflateInit2(&z, 15 + 32);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    unsigned char piece[16384];
    size_t len = 0;
    int r;
    do {
        z.next_out = whole ? (unsigned char *)body : piece;
        z.avail_out = whole ? (uInt)CAP : sizeof piece;
        r = inflate(&z, Z_NO_FLUSH);
        size_t got = (whole ? CAP : sizeof piece) - z.avail_out;
        if (!whole) memcpy(body + len, piece, got);
        len += got;
    } while (r == Z_OK);
    inflateEnd(&z);
    return r == Z_STREAM_END ? len : 0;
}

/* ISA-L's inflate of a gzip member, whole buffer; 0 on failure or, in a
 * build without ISA-L, always. */
static size_t isal_gunzip(const char *in, size_t n, char *body)
{
#ifdef HAVE_ISAL
    struct inflate_state st;
    isal_inflate_init(&st);
    st.next_in = (uint8_t *)in;
    st.avail_in = (uint32_t)n;
    st.next_out = (uint8_t *)body;
    st.avail_out = (uint32_t)CAP;
    st.crc_flag = IGZIP_GZIP;
    if (isal_inflate(&st) != ISAL_DECOMP_OK ||
        st.block_state != ISAL_BLOCK_FINISH)
        return 0;
    return st.total_out;
#else
    (void)in;
    (void)n;
    (void)body;
    return 0;
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-decode FIXTURE_DIR [ROUNDS]\n");
        return 1;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 60;
    if (rounds < 1) rounds = 1;
    char *body = malloc(CAP);
    double *t = malloc(sizeof *t * (size_t)rounds);
    pf__decoder d;
    pf__decoder_init(&d);
#ifdef HAVE_ISAL
    const int have_isal = 1;
#else
    const int have_isal = 0;
#endif
    printf("%-44s %8s %8s %8s %8s | ms/page: %9s %10s %6s %6s %6s %6s %7s %6s\n",
           "page", "plain KB", "gzip KB", "br KB", "zstd KB", "zlib-curl",
           "zlib-whole", "gzip", "isal", "br", "zstd", "crc-ldf", "crc");
    int bad = 0;
    for (size_t p = 0; p < sizeof pages / sizeof *pages; p++) {
        char path[2048], cmd[2100];
        snprintf(path, sizeof path, "%s/%s", argv[1], pages[p]);
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            perror(path);
            return 1;
        }
        size_t gn, pn;
        char *gz = slurp(f, &gn);
        fclose(f);
        snprintf(cmd, sizeof cmd, "zcat '%s'", path);
        FILE *z = popen(cmd, "r");
        char *plain = slurp(z, &pn);
        pclose(z);

        size_t bn = pn + 4096, zn = ZSTD_compressBound(pn);
        char *br = malloc(bn), *zs = malloc(zn);
        BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, pn, (const uint8_t *)plain,
                              &bn, (uint8_t *)br);
        zn = ZSTD_compress(zs, zn, plain, pn, 3);

        struct { const char *enc; const char *in; size_t n; } codec[] = {
            {"zlib-curl", gz, gn}, {"zlib-whole", gz, gn}, {"gzip", gz, gn},
            {"isal", gz, gn}, {"br", br, bn}, {"zstd", zs, zn},
            {"crc-ldf", plain, pn}, {"crc", plain, pn},
        };
        uint32_t crc = libdeflate_crc32(0, plain, pn);
        double ms[8];
        for (int c = 0; c < 8; c++) {
            ms[c] = -1;
            if (c == 3 && !have_isal) continue;
            for (int r = -2; r < rounds; r++) {
                double t0 = now();
                size_t len = 0;
                const char *out = body;
                if (c >= 6) {
                    uint32_t got = c == 6 ? libdeflate_crc32(0, plain, pn)
                                          : pf__crc32(0, plain, pn);
                    out = plain;
                    len = got == crc ? pn : 0;
                } else if (c < 2) {
                    len = zlib_curl(codec[c].in, codec[c].n, body, c == 1);
                } else if (c == 3) {
                    len = isal_gunzip(codec[c].in, codec[c].n, body);
                } else if (pf__decode(&d, codec[c].enc, codec[c].in, codec[c].n,
                                      CAP, &out, &len, NULL) != PF_OK) {
                    len = 0;
                }
                double dt = now() - t0;
                if (len != pn || memcmp(out, plain, pn) != 0) {
                    fprintf(stderr, "%s: %s decoded wrong\n", pages[p], codec[c].enc);
                    bad = 1;
                }
                if (r >= 0) t[r] = dt;
            }
            qsort(t, (size_t)rounds, sizeof *t, cmp);
            ms[c] = t[rounds / 2] * 1e3;
        }
        char name[45];
        snprintf(name, sizeof name, "%s", pages[p]);
        char isal[16] = "-";
        if (ms[3] >= 0) snprintf(isal, sizeof isal, "%.3f", ms[3]);
        printf("%-44s %8.0f %8.0f %8.0f %8.0f | ms/page: %9.3f %10.3f %6.3f "
               "%6s %6.3f %6.3f %7.3f %6.3f\n",
               name, pn / 1024.0, gn / 1024.0, bn / 1024.0, zn / 1024.0, ms[0],
               ms[1], ms[2], isal, ms[4], ms[5], ms[6], ms[7]);
        free(gz);
        free(plain);
        free(br);
        free(zs);
    }
    pf__decoder_cleanup(&d);
    free(body);
    free(t);
    return bad ? 2 : 0;
}
