/* libFuzzer target: the Content-Encoding decoders. The first byte picks
 * the coding list and a cap; the rest is the body. Whatever the input, a
 * decode must return within the cap, never read outside the body, and on
 * success hand back at most cap bytes; reading the size a body declares
 * (pf__decode_declared) must not read outside it either. One decoder serves every input, as
 * one serves every response of a worker, so reuse is fuzzed too. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const char *const codings[] = {
    "gzip", "deflate", "br", "zstd", "x-gzip", "gzip, br", "br, zstd",
    "deflate, gzip", "identity", "gzip, deflate, br, zstd",
};

static pf__decoder dec;
static int ready;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size == 0) return 0;
    if (!ready) {
        pf__decoder_init(&dec);
        ready = 1;
    }
    unsigned pick = data[0];
    const char *enc = codings[pick % (sizeof codings / sizeof *codings)];
    /* Mostly a roomy cap; sometimes a tiny one, to hit the cap paths. */
    size_t cap = (pick & 0x80) ? (size_t)(pick & 0x7f) * 97 : (size_t)8 << 20;
    char *body = malloc(size - 1 ? size - 1 : 1);
    memcpy(body, data + 1, size - 1);
    const char *out;
    size_t len;
    pf_error err;
    volatile size_t declared = pf__decode_declared(enc, body, size - 1);
    (void)declared;
    pf_code c = pf__decode(&dec, enc, body, size - 1, cap, &out, &len, &err);
    if (c == PF_OK) {
        if (len > cap) abort();
        volatile char sink = 0;
        for (size_t i = 0; i < len; i += 4096) sink ^= out[i];
        if (len) sink ^= out[len - 1];
        (void)sink;
    } else if (out != NULL || len != 0 || err.message[0] == '\0') {
        abort();
    }
    free(body);
    return 0;
}
