/*
 * buf.h -- a growable text buffer: the request builders' (src/net) and the
 * CLI's output.
 *
 * The text is always NUL-terminated. Every append checks room first; once
 * an append fails (out of memory, or past the cap given at init), `failed`
 * stays set, later appends do nothing, and pf__buf_take() returns NULL, so
 * callers check once at the end.
 */
#ifndef PF_BUF_H
#define PF_BUF_H

#include <stddef.h>

typedef struct pf__buf {
    char *p;                     /* NULL until something is appended */
    size_t len, cap, max;
    int failed;
} pf__buf;

/* max: the most bytes the text may take, NUL included; 0 means 64 MiB. */
void pf__buf_init(pf__buf *b, size_t max);
/* Room for `extra` more bytes (and the NUL); 0 and `failed` set if not. */
int pf__buf_reserve(pf__buf *b, size_t extra);
void pf__buf_add(pf__buf *b, const char *s, size_t n);
void pf__buf_str(pf__buf *b, const char *s);
void pf__buf_putc(pf__buf *b, char c);
void pf__buf_fmt(pf__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Hand the text over (caller frees; *len gets its length when len is not
 * NULL), or NULL when an append failed. The buffer is empty afterwards. */
char *pf__buf_take(pf__buf *b, size_t *len);
/* Free the text; the buffer is empty and usable again, failed cleared. */
void pf__buf_cleanup(pf__buf *b);

/* A JSON string literal of s[0..n) (pf__buf_json_str: of a C string, NULL
 * giving null): control characters escaped as Python's json.dumps escapes
 * them, and U+0085, U+2028, U+2029, which many readers take for line ends
 * (an ndjson record would split), as \uXXXX; invalid UTF-8 becomes
 * U+FFFD, so the output decodes in any strict reader. The one JSON string
 * writer of the CLI's output and the store's cells and keys. */
void pf__buf_json_strn(pf__buf *b, const char *s, size_t n);
void pf__buf_json_str(pf__buf *b, const char *s);

#endif
