/*
 * kinds.h -- helpers shared by the tests of the kinds of issue 10
 * (test-developer.c, test-similar.c, test-suggest.c, test-permissions.c,
 * test-datasafety.c, test-categories.c): load a recording into an
 * exact-size buffer, so that ASan sees any read past its end.
 */
#ifndef PF_TEST_KINDS_H
#define PF_TEST_KINDS_H

#include "harness.h"
#include "playfast.h"

static inline char *exact_fixture(const char *name, size_t *len)
{
    char *buf = test_fixture(name, len);
    char *c = malloc(*len ? *len : 1);
    memcpy(c, buf, *len);
    free(buf);
    return c;
}

/* A parser run on every prefix of buf at `step` bytes apart (and the
 * last 64 one by one): none may crash or leak, and none may succeed
 * unless `ok_prefix` allows it (pages whose data ends early may). */
#define TRUNCATIONS(buf, len, step, call)                                   \
    do {                                                                    \
        for (size_t cut_ = 1; cut_ < (len); cut_ +=                         \
                 ((len) - cut_ > 64 ? (step) : 1)) {                        \
            char *p_ = malloc(cut_);                                        \
            memcpy(p_, (buf), cut_);                                        \
            const char *b_ = p_;                                            \
            size_t n_ = cut_;                                               \
            call;                                                           \
            free(p_);                                                       \
        }                                                                   \
    } while (0)

#endif
