/*
 * pace.c -- the pacing controller of one egress: a token bucket whose rate
 * is learned from pushback (pace.h has the policy).
 */
#include "pace.h"

#define PROBE_RATE_MAX 1e6
#define CUT 0.7            /* a 429/503 keeps this share of the rate */
#define CUT_BLOCKED 0.5
#define SAFE 0.95          /* of what the server was seen to accept */
#define GROW_FAR 0.10      /* per success, below 0.9 x top */
#define GROW_NEAR 0.02     /* per success, near top */

void pf__pace_init(pf__pace *p, double ceiling, size_t probers, double now)
{
    *p = (pf__pace){0};
    size_t n = probers ? probers : 1;
    p->ceiling = ceiling > 0 ? ceiling : 0;
    p->rate = p->ceiling;
    p->probe_burst = (unsigned)((PF__PROBE_BURST + n - 1) / n);
    /* With a ceiling the caller already said how fast: starts are spaced
     * evenly, so a server counting per second never sees more than that in
     * any window. Without one, probe. */
    p->burst = p->rate > 0 ? 1 : p->probe_burst;
    p->tokens = p->burst;
    p->probe_rate = PF__PROBE_RATE / (double)n;
    p->probe_at = now;
    p->last = now;
    p->slot = now;
    p->cut_at = -1;
}

/* Move the one-second meter forward to `now`. */
static void roll(pf__pace *p, double now)
{
    if (now - p->slot < 1.0) return;
    if (now - p->slot < 2.0) {
        p->starts_prev = p->starts;
        p->refused_prev = p->refused;
    } else {
        p->starts_prev = p->refused_prev = 0;
    }
    p->starts = p->refused = 0;
    p->slot = now;
}

/* Requests per second the server accepted over the meter's window. A
 * window shorter than a second (the first burst) counts as one second:
 * what a server lets through at once is what it allows per second by the
 * usual token-bucket configuration (burst = rate). */
static double accepted_rate(const pf__pace *p, double now)
{
    unsigned s = p->starts + p->starts_prev;
    unsigned r = p->refused + p->refused_prev;
    double w = now - p->slot + (p->starts_prev ? 1.0 : 0.0);
    if (w < 1.0) w = 1.0;
    return s > r ? (double)(s - r) / w : 0;
}

double pf__pace_take(pf__pace *p, double now)
{
    if (now < p->paused_until) return p->paused_until - now;
    roll(p, now);
    double r = p->rate > 0 ? p->rate : p->probe_rate;
    if (now > p->last) {
        p->tokens += (now - p->last) * r;
        if (p->tokens > p->burst) p->tokens = p->burst;
        p->last = now;
    }
    if (p->tokens < 1 - 1e-9) { /* float error must not cost a wait */
        double wait = (1 - p->tokens) / r;
        return wait > 1e-6 ? wait : 1e-6; /* 0 means "taken" */
    }
    p->tokens -= 1;
    p->starts++;
    if (p->rate == 0 && ++p->probe_starts >= p->probe_burst +
                                                 PF__PROBE_DOUBLE &&
        now - p->probe_at >= PF__PROBE_STEP &&
        p->probe_rate < PROBE_RATE_MAX) {
        p->probe_rate *= 2;
        p->probe_starts = p->probe_burst; /* the burst counts once */
        p->probe_at = now;
    }
    return 0;
}

void pf__pace_untake(pf__pace *p)
{
    p->tokens += 1;
    if (p->starts) p->starts--;
    if (p->rate == 0 && p->probe_starts > 0) p->probe_starts--;
}

void pf__pace_ok(pf__pace *p, double now)
{
    p->blocks = 0;
    if (p->quarantined && now >= p->paused_until) p->quarantined = 0;
    if (p->rate == 0) return; /* probing: nothing limits it yet */
    roll(p, now);
    /* Grow only a rate that is being used: a client idling below its
     * allowance learns nothing about the server's limit. */
    if ((double)(p->starts > p->starts_prev ? p->starts : p->starts_prev) <
        0.5 * p->rate)
        return;
    p->rate += p->rate < 0.9 * p->top ? GROW_FAR : GROW_NEAR;
    if (p->ceiling > 0 && p->rate > p->ceiling) p->rate = p->ceiling;
}

double pf__pace_pushback(pf__pace *p, double started, double now,
                         double retry_after, int blocked)
{
    roll(p, now);
    if (started >= p->slot)
        p->refused++;
    else if (started >= p->slot - 1.0)
        p->refused_prev++;

    double pause = retry_after >= 0 ? retry_after : PF__PAUSE_DEFAULT;
    if (blocked) {
        double cool = PF__BLOCK_COOL;
        for (int i = 1; i < p->blocks + 1 && cool < PF__BLOCK_COOL_MAX; i++)
            cool *= 2;
        if (cool > PF__BLOCK_COOL_MAX) cool = PF__BLOCK_COOL_MAX;
        if (pause < cool) pause = cool;
        p->blocks++;
        p->quarantined = 1;
    }
    if (now + pause > p->paused_until) p->paused_until = now + pause;

    double seen = accepted_rate(p, now);
    if (p->cut_at < 0 || started >= p->cut_at) {
        /* A new episode: the request went out after the last cut, so the
         * rate set then is too high as well. */
        double cur = p->rate > 0 ? p->rate
                                 : (double)(p->starts + p->starts_prev);
        p->top = cur;
        p->cut_at = now;
        double r = (blocked ? CUT_BLOCKED : CUT) * cur;
        if (!blocked && SAFE * seen > r) r = SAFE * seen;
        if (r > SAFE * cur) r = SAFE * cur;
        p->rate = r;
    } else if (!blocked) {
        /* More refusals of the same episode: they sharpen the count of
         * what the server accepted, which may only lower the rate. */
        double r = CUT * p->top;
        if (SAFE * seen > r) r = SAFE * seen;
        if (r < p->rate) p->rate = r;
    }
    if (p->rate < PF__MIN_RATE) p->rate = PF__MIN_RATE;
    if (p->ceiling > 0 && p->rate > p->ceiling) p->rate = p->ceiling;
    p->burst = 1;
    if (p->tokens > 1) p->tokens = 1;
    return p->paused_until;
}

void pf__pace_adopt(pf__pace *p, double rate)
{
    if (p->rate > 0 || rate <= 0) return; /* learned, or a ceiling set */
    p->rate = rate;
    p->top = rate / SAFE;
    p->burst = 1;
    if (p->tokens > 1) p->tokens = 1;
}

double pf__pace_rate(const pf__pace *p)
{
    return p->rate;
}

double pf__pace_cooldown(const pf__pace *p, double now)
{
    return p->paused_until > now ? p->paused_until - now : 0;
}
