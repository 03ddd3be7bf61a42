/*
 * arena.c -- one-block result builder. See arena.h for the model.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* Results are far smaller than the pages they come from; 256 MiB is a cap
 * that no genuine result reaches and that stops a hostile page from making
 * us allocate without bound. */
#define ARENA_MAX ((size_t)256 << 20)
#define ALIGN 8

void pf__arena_init(pf__arena *a, size_t initial)
{
    memset(a, 0, sizeof *a);
    a->max = ARENA_MAX;
    a->buf = malloc(initial ? initial : 1024);
    if (a->buf == NULL)
        a->failed = 1;
    else
        a->cap = initial ? initial : 1024;
}

static int grow(pf__arena *a, size_t need)
{
    if (a->failed) return 0;
    if (need > a->max) goto fail;
    size_t cap = a->cap ? a->cap : 1024;
    while (cap < need) cap *= 2;
    if (cap > a->max) cap = a->max;
    char *nb = realloc(a->buf, cap);
    if (nb == NULL) goto fail;
    a->buf = nb;
    a->cap = cap;
    return 1;
fail:
    a->failed = 1;
    return 0;
}

static size_t reserve(pf__arena *a, size_t off, size_t size)
{
    if (a->failed || off + size < off) return PF__NOFF;
    if (off + size > a->cap && !grow(a, off + size)) return PF__NOFF;
    a->len = off + size;
    return off;
}

size_t pf__arena_alloc_raw(pf__arena *a, size_t size)
{
    return reserve(a, a->len, size);
}

size_t pf__arena_alloc(pf__arena *a, size_t size)
{
    size_t off = reserve(a, (a->len + ALIGN - 1) & ~(size_t)(ALIGN - 1), size);
    if (off != PF__NOFF) memset(a->buf + off, 0, size);
    return off;
}

size_t pf__arena_strn(pf__arena *a, const char *s, size_t n)
{
    if (a->failed || n + 1 == 0) return PF__NOFF;
    size_t off = a->len;
    if (off + n + 1 > a->cap && !grow(a, off + n + 1)) return PF__NOFF;
    memcpy(a->buf + off, s, n);
    a->buf[off + n] = '\0';
    a->len = off + n + 1;
    return off;
}

void pf__arena_ptr(pf__arena *a, size_t field, size_t target)
{
    if (a->failed || target == PF__NOFF) return;
    if (a->nrelocs == a->caprelocs) {
        size_t nc = a->caprelocs ? a->caprelocs * 2 : 64;
        size_t *nr = realloc(a->relocs, nc * sizeof *nr);
        if (nr == NULL) {
            a->failed = 1;
            return;
        }
        a->relocs = nr;
        a->caprelocs = nc;
    }
    /* Until finish, the field holds the target offset; relocation adds the
     * final base address. Offset 0 is the struct itself and never a target,
     * so a zero field still means NULL. */
    uintptr_t v = (uintptr_t)target;
    memcpy(a->buf + field, &v, sizeof v);
    a->relocs[a->nrelocs++] = field;
}

void *pf__arena_finish(pf__arena *a)
{
    if (a->failed || a->buf == NULL) {
        pf__arena_cleanup(a);
        return NULL;
    }
    char *block = a->buf;
    if (a->len < a->cap) {
        char *shrunk = realloc(block, a->len ? a->len : 1);
        if (shrunk != NULL) block = shrunk;
    }
    for (size_t i = 0; i < a->nrelocs; i++) {
        uintptr_t v;
        memcpy(&v, block + a->relocs[i], sizeof v);
        v += (uintptr_t)block;
        memcpy(block + a->relocs[i], &v, sizeof v);
    }
    a->buf = NULL;
    pf__arena_cleanup(a);
    return block;
}

void pf__arena_cleanup(pf__arena *a)
{
    free(a->buf);
    free(a->relocs);
    size_t max = a->max;
    memset(a, 0, sizeof *a);
    a->max = max;
}
