/*
 * test-arena.c -- the one-block result builder (src/core/arena.c).
 */
#include <stdint.h>

#include "harness.h"
#include "arena.h"

TEST(relocation_survives_moves)
{
    pf__arena a;
    pf__arena_init(&a, 16);
    struct two { const char *x, *y; long n; };
    size_t root = pf__arena_alloc(&a, sizeof(struct two));
    size_t sx = pf__arena_strn(&a, "hello", 5);
    for (int i = 0; i < 1000; i++) pf__arena_strn(&a, "padding-to-force-realloc", 24);
    size_t sy = pf__arena_strn(&a, "world", 5);
    pf__arena_ptr(&a, root + offsetof(struct two, x), sx);
    pf__arena_ptr(&a, root + offsetof(struct two, y), sy);
    ((struct two *)pf__arena_at(&a, root))->n = 42;
    struct two *t = pf__arena_finish(&a);
    CHECK(t != NULL);
    CHECK_STR(t->x, "hello");
    CHECK_STR(t->y, "world");
    CHECK_INT(t->n, 42);
    free(t);
    /* a failed arena yields NULL and frees what it had */
    pf__arena_init(&a, 16);
    a.max = 64;
    pf__arena_alloc(&a, 16);
    CHECK(pf__arena_alloc(&a, 1000) == PF__NOFF);
    CHECK(pf__arena_strn(&a, "x", 1) == PF__NOFF);
    CHECK(pf__arena_finish(&a) == NULL);
}

TEST(raw_bytes_are_unaligned_and_given_back)
{
    pf__arena a;
    pf__arena_init(&a, 16);
    size_t s1 = pf__arena_strn(&a, "abc", 3);
    size_t r = pf__arena_alloc_raw(&a, 10);
    CHECK_INT(r, s1 + 4);            /* right after the string, no padding */
    a.len = r + 2;                   /* the caller gives back what it did not use */
    size_t al = pf__arena_alloc(&a, 8);
    CHECK_INT(al % 8, 0);            /* aligned allocations stay aligned */
    CHECK(al >= r + 2);
    pf__arena_cleanup(&a);
    pf__arena_cleanup(&a);           /* safe twice */
}

TEST(cap_turns_growth_into_a_clean_failure)
{
    pf__arena a;
    pf__arena_init(&a, 16);
    a.max = 4096;
    size_t ok = 0;
    for (int i = 0; i < 1000; i++)
        if (pf__arena_strn(&a, "0123456789", 10) != PF__NOFF) ok++;
    CHECK(ok > 300 && ok < 400);     /* 4096 / 11 bytes */
    CHECK(a.failed);
    CHECK(pf__arena_alloc_raw(&a, 1) == PF__NOFF);
    CHECK(pf__arena_finish(&a) == NULL);
}

TEST_MAIN()
