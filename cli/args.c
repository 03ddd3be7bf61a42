/*
 * args.c -- strict number parsing, whole-file input with a cap, messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_arg_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int cli_arg_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

char *cli_read_input(const char *path, size_t cap, size_t *len,
                     pf_code *errcode)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
    char *buf = NULL;
    size_t n = 0, size = 0;

    *len = 0;
    *errcode = PF_EINVAL;
    if (fd < 0)
        return NULL;
    /* A regular file's size is known: one buffer of that size (plus the
     * byte that shows the end) is read into without a realloc, which on a
     * 1.2 MB page would copy the page again. The loop still copes with a
     * file that grows meanwhile. */
    struct stat st;
    size_t first = 1 << 16;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < cap)
        first = (size_t)st.st_size + 1;
    for (;;) {
        /* Read one byte past the cap so "exactly cap" and "over" differ. */
        if (n == size) {
            size_t want = size ? size * 2 : first;
            if (want > cap + 1)
                want = cap + 1;
            if (want <= size) {
                *errcode = PF_ETOOBIG;
                break;
            }
            char *p = realloc(buf, want + 1);
            if (!p) {
                *errcode = PF_ENOMEM;
                break;
            }
            buf = p;
            size = want;
        }
        ssize_t r = read(fd, buf + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (r == 0) {
            if (fd != STDIN_FILENO)
                close(fd);
            buf[n] = '\0';
            *len = n;
            *errcode = PF_OK;
            return buf;
        }
        n += (size_t)r;
        if (n > cap) {
            *errcode = PF_ETOOBIG;
            break;
        }
    }
    int saved = errno;
    if (fd != STDIN_FILENO)
        close(fd);
    free(buf);
    *len = n;
    errno = saved;
    return NULL;
}

void cli_die_msg(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* The contract is one stderr line: a message carrying a newline (from a
     * page, say) must not break it. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "playfast: %s\n", line);
}
