/*
 * test-alloc-net.c -- every allocation the fetch engine makes fails in
 * turn, against the replay server.
 *
 * Linked like test-alloc.c with --wrap for malloc, realloc, calloc and
 * strdup (see the Makefile), so the library's own allocations -- not
 * libcurl's, which is a shared library -- go through the wrappers below.
 * For k = 0, 1, 2, ... the k-th allocation after the start fails, on
 * whichever thread makes it: creating the client must fail cleanly with
 * PF_ENOMEM, and a batch must give every request a response, a result or
 * PF_ENOMEM and nothing else, then free everything (LeakSanitizer checks
 * that in the ASan run).
 */
#include <stdatomic.h>
#include <stddef.h>

#include "harness.h"
#include "test-net.h"

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_calloc(size_t k, size_t n);
char *__real_strdup(const char *s);

static atomic_long countdown = -1; /* allocations left before one fails */
static atomic_long calls;

static int fail_now(void)
{
    atomic_fetch_add(&calls, 1);
    if (atomic_load(&countdown) < 0) return 0;
    return atomic_fetch_sub(&countdown, 1) == 0;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
void *__wrap_calloc(size_t k, size_t n) { return fail_now() ? NULL : __real_calloc(k, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }

/* One batch of every kind with the k-th allocation failing (k < 0: none).
 * Returns the allocations it made, or -1 after a failed check. */
static long one_run(const test_server *s, long k, int *all_ok)
{
    pf_request r[4];
    pf_request_init(&r[0], PF_KIND_APP);
    r[0].app_id = "com.google.android.apps.translate";
    pf_request_init(&r[1], PF_KIND_LIST);
    r[1].category = "GAME";
    r[1].num = 3;
    r[1].details = 1; /* the entries' fan-out allocates too */
    pf_request_init(&r[2], PF_KIND_SEARCH);
    r[2].query = "panda";
    pf_request_init(&r[3], PF_KIND_REVIEWS);
    r[3].app_id = "com.google.android.apps.translate";
    r[3].num = 300; /* two pages: the merge allocates too */
    atomic_store(&calls, 0);
    atomic_store(&countdown, k);
    pf_client_options o;
    pf_client_options_init(&o);
    o.base_url = s->base;
    o.max_concurrency = 4;
    o.workers = 2;
    pf_client *c = NULL;
    pf_error err;
    pf_code rc = pf_client_new(&o, &c, &err);
    *all_ok = 0;
    if (rc != PF_OK) {
        atomic_store(&countdown, -1);
        CHECK_INT(rc, PF_ENOMEM);
        CHECK(c == NULL);
        return atomic_load(&calls);
    }
    pf_response out[4];
    memset(out, 0, sizeof out);
    rc = pf_fetch(c, r, 4, out, &err);
    int ok = 0;
    if (rc == PF_OK) {
        for (int i = 0; i < 4; i++) {
            if (out[i].code != PF_OK && out[i].code != PF_ENOMEM)
                printf("  k=%ld request %d: %s: %s\n", k, i,
                       pf_code_name(out[i].code), out[i].error.message);
            CHECK(out[i].code == PF_OK || out[i].code == PF_ENOMEM);
            ok += out[i].code == PF_OK;
            pf_response_cleanup(&out[i]);
        }
    } else {
        CHECK_INT(rc, PF_ENOMEM);
    }
    pf_client_free(c);
    atomic_store(&countdown, -1);
    *all_ok = ok == 4;
    return atomic_load(&calls);
}

TEST(every_engine_allocation_fails_in_turn)
{
    test_server s;
    server_start(&s, "--fill --review-pages 2");
    int all_ok;
    long total = one_run(&s, -1, &all_ok);
    CHECK(all_ok);
    CHECK(total > 20);
    /* Allocations on the loop and the workers interleave differently from
     * run to run, so k walks the whole range of a clean run. */
    for (long k = 0; k < total; k++) one_run(&s, k, &all_ok);
    server_stop(&s);
}

TEST_MAIN()
