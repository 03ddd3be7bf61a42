/*
 * test-net-pace.c -- src/net/pace.c: the pacing policy on a simulated
 * clock. A simulated server (a token bucket that refuses with an immediate
 * 429 + Retry-After, as Google and the replay server do) meets a simulated
 * client that starts at most K requests at once through one pf__pace and
 * retries every refusal when its egress may start again, as loop.c does.
 * The figures the policy must reach are the pushback issue's, so a change
 * to the policy that would miss them fails here, without any wall clock.
 */
#include "harness.h"

#include "pace.h"

typedef struct sim {
    /* server */
    double rate, burst, tokens, stamp, retry_after, latency;
    double refusal_latency; /* a 429 comes back this fast */
    double service;         /* > 0: one request at a time, this long each,
                               refusals decided when its turn comes */
    double free_at;
    /* outcome */
    int served, refused;
    double finished;
} sim;

static int server_allows(sim *s, double now)
{
    s->tokens += (now - s->stamp) * s->rate;
    if (s->tokens > s->burst) s->tokens = s->burst;
    s->stamp = now;
    if (s->tokens >= 1) {
        s->tokens -= 1;
        return 1;
    }
    return 0;
}

enum { MAXN = 2000 };

/* Run n requests, k at a time, against the server; 1 ms steps. */
static void run(sim *s, int n, int k, double ceiling)
{
    pf__pace p;
    pf__pace_init(&p, ceiling, 1, 0);
    double end[MAXN], started[MAXN];
    int ok[MAXN], state[MAXN]; /* 0 waiting, 1 in flight, 2 done */
    double due[MAXN];
    for (int i = 0; i < n; i++) {
        state[i] = 0;
        due[i] = 0;
    }
    int done = 0, inflight = 0;
    s->tokens = s->burst;
    s->stamp = 0;
    for (long step = 0; done < n && step < 600000; step++) {
        double now = step * 0.001;
        for (int i = 0; i < n; i++) {
            if (state[i] != 1 || end[i] > now) continue;
            inflight--;
            if (ok[i]) {
                pf__pace_ok(&p, now);
                state[i] = 2;
                done++;
            } else {
                due[i] = pf__pace_pushback(&p, started[i], now,
                                           s->retry_after, 0);
                state[i] = 0;
            }
        }
        for (int i = 0; i < n && inflight < k; i++) {
            if (state[i] != 0 || due[i] > now) continue;
            if (pf__pace_take(&p, now) > 0) break;
            state[i] = 1;
            inflight++;
            started[i] = now;
            /* A busy server takes requests in turn: its bucket is asked
             * when a request's turn comes, and the answer leaves then. */
            double turn = now;
            if (s->service > 0) {
                turn = s->free_at > now ? s->free_at : now;
                s->free_at = turn + s->service;
            }
            ok[i] = server_allows(s, turn);
            if (ok[i]) {
                s->served++;
                end[i] = turn + s->service + s->latency;
            } else {
                s->refused++;
                end[i] = turn + s->refusal_latency;
            }
        }
        s->finished = now;
    }
}

TEST(defaults_against_20_per_second_finish_with_few_refusals)
{
    /* The bar: 300 requests, 20 req/s, Retry-After 1: all of
     * them, <= 10% extra requests, <= 1.25 x 300/20 s. */
    sim s = {.rate = 20, .burst = 20, .retry_after = 1, .latency = 0.3, .refusal_latency = 0.010};
    run(&s, 300, 64, 0);
    printf("  20/s: %d served, %d refused, %.2f s\n", s.served, s.refused,
           s.finished);
    CHECK_INT(s.served, 300);
    CHECK(s.refused <= 30);
    CHECK(s.finished <= 18.75);
}

TEST(defaults_against_50_per_second)
{
    /* 1000 requests against 50 req/s: <= 1.15 x 20 s, <= 5% refused. */
    sim s = {.rate = 50, .burst = 50, .retry_after = 1, .latency = 0.3, .refusal_latency = 0.010};
    run(&s, 1000, 64, 0);
    printf("  50/s: %d served, %d refused, %.2f s\n", s.served, s.refused,
           s.finished);
    CHECK_INT(s.served, 1000);
    CHECK(s.refused <= 50);
    CHECK(s.finished <= 23.0);
}

TEST(a_busy_server_that_answers_at_once)
{
    /* No latency, but 1.2 ms of work per page, one at a time: refusals
     * queue behind the pages still being sent, so the first 429 is heard
     * late. 1000 requests against 50 req/s: <= 5% refused, <= 23 s. */
    sim s = {.rate = 50, .burst = 50, .retry_after = 1, .latency = 0,
             .refusal_latency = 0.001, .service = 0.0012};
    run(&s, 1000, 64, 0);
    printf("  50/s busy: %d served, %d refused, %.2f s\n", s.served,
           s.refused, s.finished);
    CHECK_INT(s.served, 1000);
    CHECK(s.refused <= 50);
    CHECK(s.finished <= 23.0);
}

TEST(a_small_burst_server_is_learned_too)
{
    /* A stricter server (room for 5 at once) costs more refusals, but
     * the job still finishes near the allowed rate. */
    sim s = {.rate = 20, .burst = 5, .retry_after = 1, .latency = 0.3, .refusal_latency = 0.010};
    run(&s, 300, 64, 0);
    printf("  20/s burst 5: %d served, %d refused, %.2f s\n", s.served,
           s.refused, s.finished);
    CHECK_INT(s.served, 300);
    CHECK(s.refused <= 60);
    CHECK(s.finished <= 22.0);
}

TEST(an_unlimited_server_is_not_slowed)
{
    /* No pushback: K requests go out within the probe's first tens of
     * milliseconds, so a batch costs about one latency per K. */
    sim s = {.rate = 1e9, .burst = 1e9, .retry_after = 1, .latency = 0.3, .refusal_latency = 0.010};
    run(&s, 256, 256, 0);
    CHECK_INT(s.refused, 0);
    CHECK(s.finished <= 0.3 + 0.15); /* the probe: all out in ~150 ms */
}

TEST(the_ceiling_is_never_exceeded)
{
    sim s = {.rate = 1e9, .burst = 1e9, .retry_after = 1, .latency = 0.3, .refusal_latency = 0.010};
    run(&s, 100, 64, 20);
    CHECK(s.finished >= 99 / 20.0 - 0.01);
    CHECK(s.finished <= 99 / 20.0 + 0.4);
}

TEST(pushback_pauses_for_retry_after_and_cuts_once_per_episode)
{
    pf__pace p;
    pf__pace_init(&p, 0, 1, 0);
    for (int i = 0; i < 10; i++) CHECK_NUM(pf__pace_take(&p, 0.001 * i), 0, 0);
    double until = pf__pace_pushback(&p, 0.0, 0.02, 5, 0);
    CHECK_NUM(until, 5.02, 1e-9);
    CHECK(pf__pace_take(&p, 1.0) >= 4.0); /* the whole egress waits */
    double r = pf__pace_rate(&p);
    CHECK(r > 0 && r < 10);
    /* A refusal of a request sent before the cut does not cut again... */
    pf__pace_pushback(&p, 0.005, 0.03, 5, 0);
    CHECK(pf__pace_rate(&p) <= r);
    double r2 = pf__pace_rate(&p);
    /* ...one sent after it does. */
    pf__pace_pushback(&p, 6.0, 6.01, 1, 0);
    CHECK(pf__pace_rate(&p) < r2);
    CHECK(pf__pace_rate(&p) >= PF__MIN_RATE);
    CHECK_NUM(pf__pace_cooldown(&p, 6.01), 1.0, 1e-9);
}

TEST(blocks_quarantine_with_a_doubling_cooldown)
{
    pf__pace p;
    pf__pace_init(&p, 0, 1, 0);
    CHECK_NUM(pf__pace_take(&p, 0), 0, 0);
    double t = pf__pace_pushback(&p, 0, 0.1, -1, 1);
    CHECK_NUM(t, 0.1 + PF__BLOCK_COOL, 1e-9);
    CHECK_INT(p.quarantined, 1);
    t = pf__pace_pushback(&p, 100, 100, -1, 1);
    CHECK_NUM(t, 100 + 2 * PF__BLOCK_COOL, 1e-9);
    /* A longer Retry-After wins. */
    t = pf__pace_pushback(&p, 200, 200, 5000, 1);
    CHECK_NUM(t, 5200, 1e-9);
    /* The cooldown never exceeds its cap without the server's word. */
    for (int i = 0; i < 20; i++) pf__pace_pushback(&p, 6000, 6000, -1, 1);
    CHECK(pf__pace_cooldown(&p, 6000) <= PF__BLOCK_COOL_MAX);
    /* An answer after the cooldown lifts the quarantine. */
    pf__pace_ok(&p, 7000);
    CHECK_INT(p.quarantined, 0);
}

/* Egresses that probe together share the first burst: a server that limits
 * each address would otherwise see a whole burst from each, and refuse
 * every start past its own burst before the first refusal is heard. */
TEST(egresses_probing_together_share_the_first_burst)
{
    for (size_t probers = 1; probers <= 5; probers++) {
        pf__pace p;
        pf__pace_init(&p, 0, probers, 0);
        unsigned want = (unsigned)((PF__PROBE_BURST + probers - 1) / probers);
        unsigned got = 0;
        while (got < 100 && pf__pace_take(&p, 0) == 0) got++;
        CHECK_INT(got, want);
        /* ...and then probe at their share of the rate. */
        CHECK_NUM(pf__pace_take(&p, 0), probers / PF__PROBE_RATE, 1e-9);
    }
}

TEST(a_probing_egress_adopts_a_learned_rate)
{
    pf__pace a, b, c;
    pf__pace_init(&a, 0, 1, 0);
    pf__pace_init(&b, 0, 1, 0);
    pf__pace_init(&c, 50, 1, 0);
    for (int i = 0; i < 30; i++) pf__pace_take(&a, 0.001 * i);
    pf__pace_pushback(&a, 0.01, 0.03, 1, 0);
    pf__pace_adopt(&b, pf__pace_rate(&a));
    pf__pace_adopt(&c, pf__pace_rate(&a));
    CHECK_NUM(pf__pace_rate(&b), pf__pace_rate(&a), 0);
    CHECK_NUM(pf__pace_rate(&c), 50, 0); /* a ceiling is its own rate */
    CHECK_NUM(pf__pace_cooldown(&b, 0.03), 0, 0); /* no pause of its own */
}

TEST(successes_grow_a_used_rate_up_to_the_ceiling)
{
    pf__pace p;
    pf__pace_init(&p, 30, 1, 0);
    pf__pace_pushback(&p, 0, 0, 0, 0);
    double r = pf__pace_rate(&p);
    CHECK(r < 30);
    double now = 1;
    for (int i = 0; i < 2000; i++) {
        while (pf__pace_take(&p, now) > 0) now += 0.001;
        pf__pace_ok(&p, now);
    }
    CHECK(pf__pace_rate(&p) > r);
    CHECK(pf__pace_rate(&p) <= 30);
}

TEST_MAIN()
