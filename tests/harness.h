/*
 * harness.h -- the C test harness: one file per module, every case in its
 * own forked process with a timeout, so a crash or hang fails one case and
 * not the run. Usage:
 *
 *   TEST(extractor_escapes) { CHECK(x == 1); CHECK_STR(s, "a"); }
 *   ...
 *   TEST_MAIN()
 *
 * A test file's cases register themselves through a constructor; `./test-x
 * name` runs one case in the foreground (for gdb). The binary prints one line
 * per case and "N passed, N failed" at the end; it exits 1 if any failed.
 */
#ifndef PF_TEST_HARNESS_H
#define PF_TEST_HARNESS_H

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/mman.h>

/* Copy n bytes so that they end exactly at an unreadable page: any read past
 * the input faults at once (picohttpparser's test trick). Never freed: each
 * case runs in its own process. */
static inline const char *test_guarded(const char *s, size_t n)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t span = ((n + (size_t)pg - 1) / (size_t)pg + 1) * (size_t)pg;
    char *m = mmap(NULL, span, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) exit(2);
    char *guard = m + span - (size_t)pg;
    mprotect(guard, (size_t)pg, PROT_NONE);
    memcpy(guard - n, s, n);
    return guard - n;
}

typedef void (*test_fn)(void);
struct test_case { const char *name; test_fn fn; };

static struct test_case tests_[512];
static int ntests_;
static int test_failures_;

#define TEST(tname)                                                     \
    static void test_##tname(void);                                     \
    __attribute__((constructor)) static void reg_##tname(void) {        \
        tests_[ntests_].name = #tname;                                  \
        tests_[ntests_++].fn = test_##tname;                            \
    }                                                                   \
    static void test_##tname(void)

#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond)) {                                                  \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__,    \
                    __LINE__, #cond);                                   \
            test_failures_++;                                           \
        }                                                               \
    } while (0)

#define CHECK_STR(a, b)                                                 \
    do {                                                                \
        const char *a_ = (a), *b_ = (b);                                \
        if ((a_ == NULL) != (b_ == NULL) || (a_ && strcmp(a_, b_))) {   \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
                    __FILE__, __LINE__, #a, a_ ? a_ : "(null)",         \
                    b_ ? b_ : "(null)");                                \
            test_failures_++;                                           \
        }                                                               \
    } while (0)

#define CHECK_INT(a, b)                                                 \
    do {                                                                \
        long long a_ = (long long)(a), b_ = (long long)(b);             \
        if (a_ != b_) {                                                 \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n",     \
                    __FILE__, __LINE__, #a, a_, b_);                    \
            test_failures_++;                                           \
        }                                                               \
    } while (0)

#define CHECK_NUM(a, b, eps)                                            \
    do {                                                                \
        double a_ = (a), b_ = (b);                                      \
        if (!(fabs(a_ - b_) <= (eps))) {                                \
            fprintf(stderr, "  %s:%d: %s == %.17g, expected %.17g\n",   \
                    __FILE__, __LINE__, #a, a_, b_);                    \
            test_failures_++;                                           \
        }                                                               \
    } while (0)

/* Read a whole file (fixtures); aborts the case when missing. */
static inline char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Fixtures are stored gzipped; this decompresses with zcat into memory. */
static inline char *test_fixture(const char *name, size_t *len)
{
    const char *dir = getenv("PF_FIXTURES");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "zcat -f '%s/%s' 2>/dev/null || cat '%s/%s'",
             dir ? dir : "tests/fixtures", name, dir ? dir : "tests/fixtures",
             name);
    FILE *p = popen(cmd, "r");
    if (!p) exit(2);
    size_t cap = 1 << 21, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, p);
        if (r == 0) break;
        n += r;
    }
    if (pclose(p) != 0 || n == 0) {
        fprintf(stderr, "  cannot read fixture %s\n", name);
        exit(2);
    }
    *len = n;
    return buf;
}

/* n pseudo-random bytes from seed (the same bytes on every run), malloc'd. */
static inline char *test_random_bytes(size_t n, unsigned seed)
{
    char *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (char)(seed >> 16);
    }
    return b;
}

static int run_one_(struct test_case *t, int timeout)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(timeout);
        t->fn();
        fflush(stderr);
        /* exit(), not _exit(): LeakSanitizer checks for leaks in an atexit
         * handler, so a leaking case fails under the ASan run. stdout was
         * flushed before the fork, so nothing is printed twice. */
        exit(test_failures_ ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!ok && WIFSIGNALED(st))
        fprintf(stderr, "  killed by signal %d%s\n", WTERMSIG(st),
                WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
    printf("%s %s\n", ok ? "ok  " : "FAIL", t->name);
    return ok;
}

#define TEST_MAIN()                                                     \
    int main(int argc, char **argv)                                     \
    {                                                                   \
        int pass = 0, fail = 0;                                         \
        const char *to = getenv("PF_TEST_TIMEOUT");                     \
        int timeout = to ? atoi(to) : 60;                               \
        for (int i = 0; i < ntests_; i++) {                             \
            if (argc > 1 && strcmp(argv[1], tests_[i].name)) continue;  \
            if (argc > 1) { tests_[i].fn(); return test_failures_ != 0; } \
            if (run_one_(&tests_[i], timeout)) pass++; else fail++;     \
        }                                                               \
        printf("%s: %d passed, %d failed\n", argv[0], pass, fail);      \
        return fail != 0;                                               \
    }

#endif
