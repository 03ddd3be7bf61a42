"""How the replay server misbehaves on purpose: latency, rate limits, faults.

All randomness comes from one seeded random.Random, so a run with --seed is
repeatable as long as requests arrive in the same order.
"""

import math
import random
import time

# The blocked answers (captcha, sorry, consent, sorry-local) are made by
# server/blocked.py; the plan only names them.
BLOCK_MODES = ("captcha", "sorry", "consent", "sorry-local")
FAULTS = ("ok", "429", "503", "reset", "truncate", "stall") + BLOCK_MODES


class Latency:
    """A delay distribution parsed from the command line.

    "0.3" is a constant; "uniform:LO:HI", "normal:MEAN:SD" (clamped at 0) and
    "exp:MEAN" draw per request."""

    def __init__(self, spec):
        self.spec = "0" if spec in (None, "") else str(spec)
        parts = self.spec.split(":")
        try:
            if len(parts) == 1:
                self.kind, self.args = "const", (float(parts[0]),)
            elif parts[0] == "uniform" and len(parts) == 3:
                self.kind, self.args = "uniform", (float(parts[1]), float(parts[2]))
            elif parts[0] == "normal" and len(parts) == 3:
                self.kind, self.args = "normal", (float(parts[1]), float(parts[2]))
            elif parts[0] == "exp" and len(parts) == 2:
                self.kind, self.args = "exp", (float(parts[1]),)
            else:
                raise ValueError
        except ValueError:
            raise ValueError("bad latency %r: use S, uniform:LO:HI, normal:MEAN:SD "
                             "or exp:MEAN" % self.spec) from None
        if any(a < 0 or math.isnan(a) for a in self.args):
            raise ValueError("latency values must be >= 0")

    def draw(self, rng):
        if self.kind == "const":
            return self.args[0]
        if self.kind == "uniform":
            return rng.uniform(*self.args)
        if self.kind == "normal":
            return max(0.0, rng.gauss(*self.args))
        return rng.expovariate(1.0 / self.args[0]) if self.args[0] > 0 else 0.0

    def __bool__(self):
        return not (self.kind == "const" and self.args[0] == 0)


class RateLimiter:
    """A token bucket: `rate` requests per second with room for `burst`.

    A request that finds the bucket empty is refused (the server answers 429)
    and takes no token, so a client that backs off as told gets through."""

    def __init__(self, rate, burst=None, clock=time.monotonic):
        self.rate = float(rate or 0)
        self.burst = float(burst) if burst else max(1.0, self.rate)
        self.clock = clock
        self.tokens = self.burst
        self.stamp = clock()

    def allow(self):
        if self.rate <= 0:
            return True
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class LimiterPool:
    """The 429 token buckets: one for the whole server, or with per_address
    one per client address, so that N source addresses get N times the
    throughput, as N machines would at Google.

    Buckets are made on first use. At most MAX_BUCKETS are kept: past that
    the full ones are dropped, since a full bucket is what a new one is, and
    if none is full the oldest goes (its address starts over, full)."""

    MAX_BUCKETS = 4096

    def __init__(self, rate, burst=None, per_address=False, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.per_address = bool(per_address)
        self.buckets = {}

    def allow(self, addr=None):
        if self.rate is None or float(self.rate) <= 0:
            return True
        key = addr if self.per_address else None
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.MAX_BUCKETS:
                self._drop_full()
            bucket = self.buckets[key] = RateLimiter(self.rate, self.burst, self.clock)
        return bucket.allow()

    def _drop_full(self):
        now = self.clock()
        for key, b in list(self.buckets.items()):
            if b.tokens + (now - b.stamp) * b.rate >= b.burst:
                del self.buckets[key]
        if len(self.buckets) >= self.MAX_BUCKETS:
            del self.buckets[next(iter(self.buckets))]


class FaultPlan:
    """Decides what happens to each request.

    A script (a list of FAULTS names) is consumed first, one entry per
    request, which lets tests ask for "503 then reset then ok" exactly; once it
    is empty the configured probabilities apply, checked in the order
    stall, reset, 503, truncate."""

    def __init__(self, rng, stall=0.0, reset=0.0, fail_5xx=0.0, truncate=0.0, script=()):
        self.rng = rng
        self.p = {"stall": stall, "reset": reset, "503": fail_5xx, "truncate": truncate}
        for name, v in self.p.items():
            if not 0.0 <= float(v) <= 1.0:
                raise ValueError("probability for %s must be within [0, 1]" % name)
        self.script = []
        self.push(script)

    def push(self, script):
        for item in script:
            if item not in FAULTS:
                raise ValueError("unknown fault %r (use %s)" % (item, ", ".join(FAULTS)))
            self.script.append(item)

    def next(self):
        if self.script:
            return self.script.pop(0)
        for name in ("stall", "reset", "503", "truncate"):
            p = self.p[name]
            if p and self.rng.random() < p:
                return name
        return "ok"


def make_rng(seed):
    return random.Random(seed)
