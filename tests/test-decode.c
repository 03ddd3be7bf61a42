/*
 * test-decode.c -- Content-Encoding decoders (src/net/decode.c) on real
 * recorded pages: every coding round trip, truncation, corruption, decode
 * bombs, the cap at its edge, empty bodies and unknown codings. The
 * encoders are other libraries than the decoders where Debian has one
 * (zlib for gzip bombs, the fixtures' own gzip files from Python's zlib).
 */
#include <brotli/encode.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include "decode.h"
#include "harness.h"

#define TRANSLATE "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"
#define CAP ((size_t)32 << 20)

enum { E_GZIP, E_ZLIB, E_RAW, E_BR, E_ZSTD, E_COUNT };
static const char *const enc_header[E_COUNT] = {"gzip", "deflate", "deflate",
                                                "br", "zstd"};
static const char *const enc_label[E_COUNT] = {"gzip", "deflate (zlib)",
                                               "deflate (raw)", "br", "zstd"};

/* in[0..n) encoded with coding e; malloc'd, length in *len. */
static char *encode(int e, const char *in, size_t n, size_t *len)
{
    size_t room = n + n / 2 + 4096;
    char *out = malloc(room);
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
    switch (e) {
    case E_GZIP: *len = libdeflate_gzip_compress(c, in, n, out, room); break;
    case E_ZLIB: *len = libdeflate_zlib_compress(c, in, n, out, room); break;
    case E_RAW: *len = libdeflate_deflate_compress(c, in, n, out, room); break;
    case E_BR:
        *len = room;
        if (!BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, n,
                                   (const uint8_t *)in, len, (uint8_t *)out))
            *len = 0;
        break;
    default: {
        ZSTD_CCtx *z = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 3);
        ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
        *len = ZSTD_compress2(z, out, room, in, n);
        ZSTD_freeCCtx(z);
        break;
    }
    }
    libdeflate_free_compressor(c);
    if (*len == 0 || *len > room) exit(2);
    return out;
}

static char *translate_page(size_t *len)
{
    return test_fixture(TRANSLATE, len);
}

static char *fixture_raw(const char *name, size_t *len)
{
    const char *dir = getenv("PF_FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/fixtures", name);
    return test_read_file(path, len);
}

/* a, b and c back to back, malloc'd. */
static char *concat3(const char *a, size_t an, const char *b, size_t bn,
                     const char *c, size_t cn)
{
    char *out = malloc(an + bn + cn);
    memcpy(out, a, an);
    memcpy(out + an, b, bn);
    memcpy(out + an + bn, c, cn);
    return out;
}

/* Decode and compare with want[0..wn). */
static int decodes_to(pf__decoder *d, const char *enc, const char *in,
                      size_t n, const char *want, size_t wn)
{
    const char *out;
    size_t outlen;
    pf_error err;
    pf_code c = pf__decode(d, enc, in, n, CAP, &out, &outlen, &err);
    if (c != PF_OK) {
        fprintf(stderr, "  %s: %s: %s\n", enc, pf_code_name(c), err.message);
        return 0;
    }
    return outlen == wn && memcmp(out, want, wn) == 0;
}

TEST(identity_passes_the_body_through_uncopied)
{
    pf__decoder d;
    pf__decoder_init(&d);
    const char *body = "<html>plain</html>", *out;
    size_t len;
    const char *same[] = {NULL, "", "identity", " Identity ", ",identity,"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        CHECK_INT(pf__decode(&d, same[i], body, 18, 18, &out, &len, NULL), PF_OK);
        CHECK(out == body);
        CHECK_INT(len, 18);
    }
    pf_error err;
    CHECK_INT(pf__decode(&d, NULL, body, 18, 17, &out, &len, &err), PF_ETOOBIG);
    CHECK(out == NULL && len == 0);
    CHECK(d.cap[0] == 0);   /* nothing mapped for a pass-through */
    pf__decoder_cleanup(&d);
}

TEST(gzip_fixture_files_decode_to_their_recordings)
{
    /* The fixtures were gzipped by Python's zlib: another encoder. */
    static const char *names[] = {
        TRANSLATE,
        "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz",
        "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz",
        "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz",
        "search_panda_en_us_price0_2026-07.html.gz",
        "store_home_apps_en_us_2026-07.html.gz",
        "suggest_IJ4APc_pand_en_us_2026-07.txt.gz",
    };
    pf__decoder d;
    pf__decoder_init(&d);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        size_t gn, pn;
        char *gz = fixture_raw(names[i], &gn), *plain = test_fixture(names[i], &pn);
        const char *in = test_guarded(gz, gn);
        CHECK(decodes_to(&d, "gzip", in, gn, plain, pn));
        CHECK(decodes_to(&d, "x-gzip", in, gn, plain, pn));
        free(gz);
        free(plain);
    }
    pf__decoder_cleanup(&d);
}

TEST(every_coding_round_trips_the_translate_page)
{
    size_t pn;
    char *plain = translate_page(&pn);
    pf__decoder reused;
    pf__decoder_init(&reused);
    for (int e = 0; e < E_COUNT; e++) {
        size_t n;
        char *enc = encode(e, plain, pn, &n);
        const char *in = test_guarded(enc, n);
        /* A fresh decoder grows its buffer; a used one reuses it. */
        pf__decoder fresh;
        pf__decoder_init(&fresh);
        if (!decodes_to(&fresh, enc_header[e], in, n, plain, pn))
            fprintf(stderr, "  fresh decoder failed on %s\n", enc_label[e]);
        CHECK(decodes_to(&reused, enc_header[e], in, n, plain, pn));
        CHECK(decodes_to(&reused, enc_header[e], in, n, plain, pn));
        pf__decoder_cleanup(&fresh);
        free(enc);
    }
    CHECK(decodes_to(&reused, "GZIP", test_guarded(plain, 0), 0, "", 0));
    pf__decoder_cleanup(&reused);
    free(plain);
}

TEST(stacked_codings_are_undone_last_applied_first)
{
    size_t pn, gn, bn, zn;
    char *plain = translate_page(&pn);
    char *gz = encode(E_GZIP, plain, pn, &gn);   /* "gzip, br": gzip first */
    char *gzbr = encode(E_BR, gz, gn, &bn);
    char *gzbrzs = encode(E_ZSTD, gzbr, bn, &zn);
    pf__decoder d;
    pf__decoder_init(&d);
    CHECK(decodes_to(&d, "gzip, br", gzbr, bn, plain, pn));
    CHECK(decodes_to(&d, "gzip,identity,br,zstd", gzbrzs, zn, plain, pn));
    /* The wrong order is a corrupt body, not a crash. */
    const char *out;
    size_t len;
    pf_error err;
    CHECK_INT(pf__decode(&d, "br, gzip", gzbr, bn, CAP, &out, &len, &err),
              PF_EMALFORMED);
    CHECK(strstr(err.message, "gzip: bad header") != NULL);
    CHECK_INT(pf__decode(&d, "gzip, gzip, gzip, gzip, gzip", gz, gn, CAP, &out,
                         &len, &err), PF_EMALFORMED);
    CHECK(strstr(err.message, "more than 4") != NULL);
    pf__decoder_cleanup(&d);
    free(plain);
    free(gz);
    free(gzbr);
    free(gzbrzs);
}

TEST(truncation_at_many_offsets_is_malformed_truncated)
{
    size_t pn;
    char *plain = translate_page(&pn);
    pf__decoder d;
    pf__decoder_init(&d);
    for (int e = 0; e < E_COUNT; e++) {
        size_t n;
        char *enc = encode(e, plain, pn, &n);
        for (size_t cut = 1; cut < n; cut += cut < 64 ? 1 : cut > n - 64 ? 1 : 997) {
            const char *out;
            size_t len;
            pf_error err;
            pf_code c = pf__decode(&d, enc_header[e], test_guarded(enc, cut), cut,
                                   CAP, &out, &len, &err);
            if (c != PF_EMALFORMED || !strstr(err.message, "truncated")) {
                fprintf(stderr, "  %s cut at %zu of %zu: %s %s\n", enc_label[e],
                        cut, n, pf_code_name(c), c ? err.message : "");
                test_failures_++;
                break;
            }
            CHECK(out == NULL && len == 0);
        }
        free(enc);
    }
    pf__decoder_cleanup(&d);
    free(plain);
}

TEST(corrupt_bytes_are_malformed_and_say_what_was_wrong)
{
    size_t pn;
    char *plain = translate_page(&pn);
    pf__decoder d;
    pf__decoder_init(&d);
    const char *out;
    size_t len, n;
    pf_error err;
    char *gz = encode(E_GZIP, plain, pn, &n);
    struct { size_t at; const char *says; } gz_cases[] = {
        {0, "bad header (no gzip magic)"},
        {2, "bad header (method"},
        {n - 8, "checksum mismatch (CRC-32)"},
        {n - 4, "length mismatch (ISIZE)"},
    };
    for (size_t i = 0; i < sizeof gz_cases / sizeof *gz_cases; i++) {
        gz[gz_cases[i].at] ^= 0x40;
        CHECK_INT(pf__decode(&d, "gzip", test_guarded(gz, n), n, CAP, &out, &len,
                             &err), PF_EMALFORMED);
        CHECK(strstr(err.message, gz_cases[i].says) != NULL);
        CHECK_INT(err.offset, gz_cases[i].at);
        gz[gz_cases[i].at] ^= 0x40;
    }
    /* 0xff bytes inside the deflate data: zlib names the broken part. */
    memset(gz + 30, 0xff, 16);
    CHECK_INT(pf__decode(&d, "gzip", gz, n, CAP, &out, &len, &err), PF_EMALFORMED);
    CHECK(strncmp(err.message, "gzip: ", 6) == 0 && strlen(err.message) > 10);
    CHECK(err.offset >= 30 && err.offset < n);
    free(gz);

    char *zl = encode(E_ZLIB, plain, pn, &n);
    zl[n - 1] ^= 1;
    CHECK_INT(pf__decode(&d, "deflate", zl, n, CAP, &out, &len, &err), PF_EMALFORMED);
    CHECK(strstr(err.message, "Adler-32") != NULL);
    free(zl);

    char *zs = encode(E_ZSTD, plain, pn, &n);
    zs[n / 2] ^= 0x10;
    CHECK_INT(pf__decode(&d, "zstd", zs, n, CAP, &out, &len, &err), PF_EMALFORMED);
    CHECK(strncmp(err.message, "zstd: ", 6) == 0);
    free(zs);

    char *br = encode(E_BR, plain, pn, &n);
    br[0] = (char)0xff;   /* an impossible window bits code */
    CHECK_INT(pf__decode(&d, "br", br, n, CAP, &out, &len, &err), PF_EMALFORMED);
    CHECK(strncmp(err.message, "br: corrupt", 11) == 0);
    free(br);
    pf__decoder_cleanup(&d);
    free(plain);
}

TEST(random_corruption_never_crashes_and_checksums_catch_it)
{
    size_t pn;
    char *plain = translate_page(&pn);
    pf__decoder d;
    pf__decoder_init(&d);
    for (int e = 0; e < E_COUNT; e++) {
        size_t n;
        char *enc = encode(e, plain, pn, &n);
        unsigned seed = 7;
        for (int k = 0; k < 40; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            char old = enc[at];
            enc[at] ^= (char)(1 + (seed >> 4) % 255);
            const char *out;
            size_t len;
            pf_code c = pf__decode(&d, enc_header[e], test_guarded(enc, n), n,
                                   CAP, &out, &len, NULL);
            /* gzip, zlib and zstd (checksum flag set) carry a checksum;
             * brotli and raw deflate may decode a flip to other bytes. */
            if (e == E_BR || e == E_RAW)
                CHECK(c == PF_OK || c == PF_EMALFORMED);
            else
                CHECK_INT(c, PF_EMALFORMED);
            enc[at] = old;
        }
        free(enc);
    }
    pf__decoder_cleanup(&d);
    free(plain);
}

/* A deflate stream of `mib` MiB of zeros, built from one compressed MiB
 * repeated (a full flush resets the encoder, so every MiB encodes alike):
 * a 1 GiB bomb costs 1 MiB of encoding instead of 3 s. Wrapped as gzip
 * (with a true CRC and ISIZE) or zlib. */
static char *zero_bomb(int gzip, size_t mib, size_t *len)
{
    static unsigned char zeros[1 << 20];
    unsigned char *one = malloc(8192);
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
    z.next_in = zeros;
    z.avail_in = sizeof zeros;
    z.next_out = one;
    z.avail_out = 8192;
    deflate(&z, Z_FULL_FLUSH);
    size_t k = 8192 - z.avail_out;
    deflateEnd(&z);
    char *out = malloc(18 + k * mib + 16);
    size_t at = 0;
    if (gzip) {
        memcpy(out, "\x1f\x8b\x08\0\0\0\0\0\0\x03", 10);
        at = 10;
    } else {
        memcpy(out, "\x78\xda", 2);
        at = 2;
    }
    for (size_t i = 0; i < mib; i++, at += k) memcpy(out + at, one, k);
    memcpy(out + at, "\x03\x00", 2);   /* a final empty fixed block */
    at += 2;
    uLong crc1 = crc32(0, zeros, sizeof zeros), crc = crc1;
    uLong ad1 = adler32(1, zeros, sizeof zeros), ad = ad1;
    for (size_t i = 1; i < mib; i++) {
        crc = crc32_combine(crc, crc1, sizeof zeros);
        ad = adler32_combine(ad, ad1, sizeof zeros);
    }
    uint32_t size = (uint32_t)(mib << 20);
    unsigned char t[8];
    if (gzip) {
        for (int i = 0; i < 4; i++) t[i] = (unsigned char)(crc >> (8 * i));
        for (int i = 0; i < 4; i++) t[4 + i] = (unsigned char)(size >> (8 * i));
        memcpy(out + at, t, 8);
        at += 8;
    } else {
        for (int i = 0; i < 4; i++) t[i] = (unsigned char)(ad >> (24 - 8 * i));
        memcpy(out + at, t, 4);
        at += 4;
    }
    free(one);
    *len = at;
    return out;
}

static char *zero_bomb_codec(int e, size_t bytes, size_t *len)
{
    char *zeros = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    size_t room = bytes / 100 + 4096;
    char *out = malloc(room);
    if (e == E_ZSTD) {
        *len = ZSTD_compress(out, room, zeros, bytes, 1);
    } else {
        *len = room;
        BrotliEncoderCompress(1, 22, BROTLI_MODE_GENERIC, bytes,
                              (const uint8_t *)zeros, len, (uint8_t *)out);
    }
    munmap(zeros, bytes);
    return out;
}

TEST(small_zero_bombs_decode_when_under_the_cap)
{
    /* Checks the bomb construction itself: 4 MiB of zeros, exactly. */
    pf__decoder d;
    pf__decoder_init(&d);
    char *zeros = calloc(4 << 20, 1);
    for (int gzip = 0; gzip <= 1; gzip++) {
        size_t n;
        char *b = zero_bomb(gzip, 4, &n);
        CHECK(decodes_to(&d, gzip ? "gzip" : "deflate", b, n, zeros, 4 << 20));
        free(b);
    }
    free(zeros);
    pf__decoder_cleanup(&d);
}

TEST(decode_bombs_of_1gb_stop_at_the_cap)
{
    pf__decoder d;
    pf__decoder_init(&d);
    struct { const char *enc; char *body; size_t n; } bombs[4];
    bombs[0].enc = "gzip";
    bombs[0].body = zero_bomb(1, 1024, &bombs[0].n);
    bombs[1].enc = "deflate";
    bombs[1].body = zero_bomb(0, 1024, &bombs[1].n);
    bombs[2].enc = "zstd";
    bombs[2].body = zero_bomb_codec(E_ZSTD, (size_t)1 << 30, &bombs[2].n);
    bombs[3].enc = "br";
    bombs[3].body = zero_bomb_codec(E_BR, (size_t)1 << 30, &bombs[3].n);
    for (int i = 0; i < 4; i++) {
        const char *out;
        size_t len;
        pf_error err;
        CHECK_INT(pf__decode(&d, bombs[i].enc, bombs[i].body, bombs[i].n, CAP,
                             &out, &len, &err), PF_ETOOBIG);
        CHECK(strstr(err.message, "decoded body over the 33554432-byte cap") != NULL);
        CHECK(strncmp(err.message, bombs[i].enc, strlen(bombs[i].enc)) == 0);
        /* It never mapped more than the cap (plus the byte that tells). */
        CHECK(d.cap[0] <= CAP + 4096);
        free(bombs[i].body);
    }
    /* The next body gives the pages beyond PF__DECODE_KEEP back. */
    const char *out;
    size_t len;
    CHECK_INT(pf__decode(&d, "gzip", "", 0, CAP, &out, &len, NULL), PF_OK);
    CHECK(d.cap[0] <= PF__DECODE_KEEP);
    pf__decoder_cleanup(&d);
}

TEST(cap_at_the_decoded_size_passes_one_below_is_too_large)
{
    size_t pn;
    char *plain = translate_page(&pn);
    for (int e = 0; e < E_COUNT; e++) {
        size_t n;
        char *enc = encode(e, plain, pn, &n);
        for (int fresh = 0; fresh <= 1; fresh++) {
            pf__decoder d;
            pf__decoder_init(&d);
            const char *out;
            size_t len;
            pf_error err;
            if (!fresh)
                CHECK_INT(pf__decode(&d, enc_header[e], enc, n, CAP, &out, &len,
                                     NULL), PF_OK);
            CHECK_INT(pf__decode(&d, enc_header[e], enc, n, pn, &out, &len, &err),
                      PF_OK);
            CHECK_INT(len, pn);
            CHECK_INT(pf__decode(&d, enc_header[e], enc, n, pn - 1, &out, &len,
                                 &err), PF_ETOOBIG);
            CHECK(out == NULL && len == 0);
            pf__decoder_cleanup(&d);
        }
        free(enc);
    }
    free(plain);
}

TEST(gzip_members_back_to_back_and_trailing_bytes)
{
    size_t pn, n;
    char *plain = translate_page(&pn);
    char *gz = encode(E_GZIP, plain, pn, &n);
    /* Two members: the trailer's size hint is the second's only, so the
     * buffer sized from it proves too small and the decoder grows. */
    char small[] = {0x1f, (char)0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
                    3, 0, 0, 0, 0, 0, 0, 0, 0, 0};   /* an empty member */
    char *two = concat3(gz, n, small, sizeof small, gz, n);
    char *want = concat3(plain, pn, "", 0, plain, pn);
    pf__decoder d;
    pf__decoder_init(&d);
    CHECK(decodes_to(&d, "gzip", test_guarded(two, 2 * n + sizeof small),
                     2 * n + sizeof small, want, 2 * pn));
    /* Bytes that do not start a member are ignored, as browsers do. */
    memcpy(two + n, "\0\0\0\n", 4);
    CHECK(decodes_to(&d, "gzip", test_guarded(two, n + 4), n + 4, plain, pn));
    /* A trailer that declares 4 GiB - 1 does not map 4 GiB. */
    memset(gz + n - 4, 0xff, 4);
    const char *out;
    size_t len;
    pf_error err;
    CHECK_INT(pf__decode(&d, "gzip", gz, n, CAP, &out, &len, &err), PF_EMALFORMED);
    CHECK(strstr(err.message, "length mismatch") != NULL);
    CHECK(d.cap[0] <= CAP + 4096);
    pf__decoder_cleanup(&d);
    free(two);
    free(want);
    free(gz);
    free(plain);
}

TEST(empty_bodies_decode_to_empty_whatever_the_coding)
{
    pf__decoder d;
    pf__decoder_init(&d);
    const char *codings[] = {"gzip", "deflate", "br", "zstd", "gzip, br", NULL};
    for (size_t i = 0; i < sizeof codings / sizeof *codings; i++) {
        const char *out = NULL;
        size_t len = 9;
        CHECK_INT(pf__decode(&d, codings[i], NULL, 0, 0, &out, &len, NULL), PF_OK);
        CHECK(out != NULL && len == 0);
    }
    /* An encoded empty payload (a whole stream with nothing inside). */
    for (int e = 0; e < E_COUNT; e++) {
        size_t n;
        char *enc = encode(e, "", 0, &n);
        CHECK(decodes_to(&d, enc_header[e], test_guarded(enc, n), n, "", 0));
        free(enc);
    }
    pf__decoder_cleanup(&d);
}

TEST(unknown_codings_are_malformed_and_named)
{
    pf__decoder d;
    pf__decoder_init(&d);
    const char *out;
    size_t len;
    pf_error err;
    CHECK_INT(pf__decode(&d, "compress", "abc", 3, CAP, &out, &len, &err),
              PF_EMALFORMED);
    CHECK_STR(err.message, "unsupported content-encoding compress");
    CHECK_INT(pf__decode(&d, "gzip, x-snappy ", "abc", 3, CAP, &out, &len, &err),
              PF_EMALFORMED);
    CHECK_STR(err.message, "unsupported content-encoding x-snappy");
    CHECK_INT(pf__decode(&d, "gzipx", "abc", 3, CAP, &out, &len, &err),
              PF_EMALFORMED);
    CHECK(out == NULL && len == 0);
    pf__decoder_cleanup(&d);
}

TEST(zstd_windows_over_8mib_are_refused)
{
    /* A frame without a content size that asks for a 32 MiB window: a
     * small body that would make the decoder allocate 32 MiB. */
    size_t pn;
    char *plain = translate_page(&pn);
    ZSTD_CCtx *z = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(z, ZSTD_c_windowLog, 25);
    ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, 0);
    char *out = malloc(pn);
    ZSTD_outBuffer o = {out, pn, 0};
    ZSTD_inBuffer i = {plain, pn, 0};
    /* Fed in two calls, so that the encoder cannot size the window to
     * the input. */
    ZSTD_compressStream2(z, &o, &i, ZSTD_e_continue);
    while (ZSTD_compressStream2(z, &o, &i, ZSTD_e_end) != 0) {}
    ZSTD_freeCCtx(z);
    pf__decoder d;
    pf__decoder_init(&d);
    const char *res;
    size_t len;
    pf_error err;
    CHECK_INT(pf__decode(&d, "zstd", out, o.pos, CAP, &res, &len, &err),
              PF_EMALFORMED);
    CHECK_STR(err.message, "zstd: Frame requires too much memory for decoding");
    pf__decoder_cleanup(&d);
    free(out);
    free(plain);
}

TEST(zstd_frames_that_declare_their_size_may_exceed_8mib)
{
    /* The window limit is for frames of unknown size; a frame that
     * declares 12 MiB decodes straight into the output buffer. */
    size_t pn, big = (size_t)12 << 20, n;
    char *plain = translate_page(&pn);
    char *many = malloc(big);
    for (size_t at = 0; at < big; at += pn)
        memcpy(many + at, plain, big - at < pn ? big - at : pn);
    char *enc = encode(E_ZSTD, many, big, &n);
    pf__decoder d;
    pf__decoder_init(&d);
    CHECK(decodes_to(&d, "zstd", enc, n, many, big));
    pf__decoder_cleanup(&d);
    free(enc);
    free(many);
    free(plain);
}

TEST(zstd_frames_back_to_back_decode_as_one_body)
{
    /* The first frame's declared size is too small for the whole body, so
     * the one-call path fails and the streaming path takes over. */
    size_t pn, n;
    char *plain = translate_page(&pn);
    char *enc = encode(E_ZSTD, plain, pn, &n);
    char *two = concat3(enc, n, "", 0, enc, n);
    char *want = concat3(plain, pn, "", 0, plain, pn);
    pf__decoder d;
    pf__decoder_init(&d);
    CHECK(decodes_to(&d, "zstd", test_guarded(two, 2 * n), 2 * n, want, 2 * pn));
    pf__decoder_cleanup(&d);
    free(two);
    free(want);
    free(enc);
    free(plain);
}

/* pf__crc32 takes a folding path on CPUs with AVX-512 carry-less
 * multiplies and libdeflate's otherwise; both must give libdeflate's CRC
 * for every length around the 256-byte folding steps, at every alignment,
 * from any starting CRC, reading nothing past the input. */
TEST(crc32_matches_libdeflate_at_every_length_and_alignment)
{
    enum { MAX = 2200 };
    static unsigned char data[MAX + 8];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 16);
    }
    /* Every n ends at the guard page, so starts take every alignment; the
     * second call starts one byte later in an unguarded copy. */
    const char *g = test_guarded((const char *)data, MAX);
    int bad = 0;
    for (size_t n = 0; n <= MAX; n++) {
        const char *p = g + MAX - n;
        uint32_t init = (uint32_t)(n * 2654435761u);
        if (pf__crc32(init, p, n) != libdeflate_crc32(init, p, n)) bad++;
        if (pf__crc32(0, data + 1, n) != libdeflate_crc32(0, data + 1, n))
            bad++;
    }
    CHECK_INT(bad, 0);
    /* A whole page, as gunzip checks it. */
    size_t n;
    char *page = translate_page(&n);
    CHECK(pf__crc32(0, page, n) == libdeflate_crc32(0, page, n));
    free(page);
}

TEST(declared_sizes_are_read_without_decoding)
{
    size_t pn;
    char *plain = translate_page(&pn);
    for (int e = 0; e < E_COUNT; e++) {
        size_t n;
        char *enc = encode(e, plain, pn, &n);
        /* gzip's trailer and zstd's frame header say the size; deflate
         * and br do not. */
        size_t want = e == E_GZIP || e == E_ZSTD ? pn : 0;
        CHECK(pf__decode_declared(enc_header[e], enc, n) == want);
        CHECK(pf__decode_declared(" X-GZIP ", enc, n) ==
              (e == E_GZIP ? pn : 0));
        /* Two codings stacked, or none: nothing declared. */
        CHECK(pf__decode_declared("gzip, br", enc, n) == 0);
        CHECK(pf__decode_declared(NULL, enc, n) == 0);
        CHECK(pf__decode_declared("identity", enc, n) == 0);
        free(enc);
    }
    /* Too short for a trailer, no gzip magic, an unknown coding. */
    CHECK(pf__decode_declared("gzip", "\x1f\x8b\x08", 3) == 0);
    CHECK(pf__decode_declared("gzip", plain, 64) == 0);
    CHECK(pf__decode_declared("compress", plain, 64) == 0);
    CHECK(pf__decode_declared("zstd", plain, 64) == 0);
    free(plain);
}

TEST(cleanup_twice_and_unused_are_no_ops)
{
    pf__decoder d;
    pf__decoder_init(&d);
    pf__decoder_cleanup(&d);
    pf__decoder_cleanup(&d);
    CHECK(d.buf[0] == NULL && d.deflate == NULL && d.zstd == NULL);
}

TEST_MAIN()
