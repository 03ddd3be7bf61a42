#!/usr/bin/python3
"""Fetch-engine benchmark (`make bench`).

Runs the C driver bench/bench-fetch.c (built here against build/libplayfast.a)
against the replay server (server/replay.py) on loopback and prints one table:

  scenario | N | K | wall s | req/s | CPU s | CPU ms/req | peak RSS MB | bound s | wall/bound

bound = ceil(N/K) x latency: the time a perfect client needs when every
request waits `latency` on the server; for a rate-limited run it is N/rate.
CPU and RSS are the client process's own (getrusage), not the server's.

Scenarios and the bars they are held to:
  1. 25 app pages and 25 top charts at 300 ms latency: one batch (K=64)
     vs one request at a time. Batch <= 0.36 s; one-by-one/batch >= 20x.
  2. 10,000 app pages at K=256, results streamed with pf_batch_next() and
     freed: wall <= 1.1 x bound, peak RSS <= 100 MB, CPU <= 2 ms per page.
  3. 1,000 requests against a server that answers 429 beyond 50 req/s, the
     client limited to 50 req/s: every request succeeds, in <= 23 s.

Options: --repeat R (median of R runs for the short scenarios, default 3),
--quick (skip the 10k and rate-limit runs), --latency10k S (default 0.3).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
DRIVER = os.path.join(ROOT, BUILD, "bench", "bench-fetch")
PY = "/usr/bin/python3"


def build_driver():
    lib = os.path.join(ROOT, BUILD, "libplayfast.a")
    if not os.path.exists(lib):
        sys.exit("bench: %s missing; run `make lib` first" % lib)
    os.makedirs(os.path.dirname(DRIVER), exist_ok=True)
    cflags = subprocess.run(["pkg-config", "--cflags", "libcurl"], capture_output=True,
                            text=True).stdout.split()
    libs = subprocess.run(["pkg-config", "--libs", "libcurl"], capture_output=True,
                          text=True).stdout.split() or ["-lcurl"]
    cmd = (["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra", "-Werror",
            "-I" + os.path.join(ROOT, "include")] + cflags +
           ["-o", DRIVER, os.path.join(ROOT, "bench", "bench-fetch.c"), lib] + libs +
           ["-lpthread", "-lm"])
    subprocess.run(cmd, check=True)


class Server:
    def __init__(self, *args):
        self.p = subprocess.Popen([PY, os.path.join(ROOT, "server", "replay.py"),
                                   "--port", "0", "--parent-pid", str(os.getpid())] +
                                  list(args), stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self.url = None
        for line in self.p.stdout:
            if line.startswith("URL "):
                self.url = line.split()[1]
                break
        if not self.url:
            self.p.kill()
            sys.exit("bench: replay server did not start")

    def close(self):
        self.p.terminate()
        self.p.wait(10)


def drive(url, mode, kind, n, k, rate=0):
    out = subprocess.run([DRIVER, url, mode, kind, str(n), str(k), str(rate)],
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        sys.exit("bench: driver failed: %s" % out.stderr)
    return json.loads(out.stdout)


def median_run(repeat, *a, **kw):
    runs = [drive(*a, **kw) for _ in range(repeat)]
    runs.sort(key=lambda r: r["wall"])
    return runs[len(runs) // 2]


ROWS = []


def row(name, r, k, bound):
    n = r["n"]
    ROWS.append({
        "scenario": name, "n": n, "k": k, "wall": r["wall"],
        "rps": n / r["wall"] if r["wall"] else 0.0, "cpu": r["cpu"],
        "cpu_ms": 1000.0 * r["cpu"] / n if n else 0.0, "rss": r["rss_kb"] / 1024.0,
        "bound": bound, "ratio": r["wall"] / bound if bound else 0.0,
        "ok": r["ok"], "err": r["first_error"], "retries": r["retries"],
    })
    return ROWS[-1]


def table():
    head = ("scenario", "N", "K", "wall s", "req/s", "CPU s", "CPU ms/req", "RSS MB",
            "bound s", "wall/bound", "ok")
    print("%-34s %6s %4s %8s %8s %7s %10s %7s %8s %10s %6s" % head)
    for r in ROWS:
        print("%-34s %6d %4d %8.3f %8.1f %7.2f %10.3f %7.1f %8.2f %10.2f %6d%s" % (
            r["scenario"], r["n"], r["k"], r["wall"], r["rps"], r["cpu"], r["cpu_ms"],
            r["rss"], r["bound"], r["ratio"], r["ok"],
            "" if not r["err"] else "  first error: " + r["err"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--latency10k", type=float, default=0.3)
    args = ap.parse_args()
    build_driver()
    bars = []

    lat = 0.3
    srv = Server("--latency", str(lat))
    try:
        for kind in ("app", "list"):
            b = row("25 %s, 300 ms, batch" % kind,
                    median_run(args.repeat, srv.url, "batch", kind, 25, 64), 64, lat)
            s = row("25 %s, 300 ms, one-by-one" % kind,
                    drive(srv.url, "serial", kind, 25, 64), 1, 25 * lat)
            bars.append(("25 %s batch <= 0.36 s" % kind, b["wall"] <= 0.36,
                         "%.3f s" % b["wall"]))
            bars.append(("25 %s one-by-one/batch >= 20x" % kind,
                         s["wall"] / b["wall"] >= 20, "%.1fx" % (s["wall"] / b["wall"])))
            bars.append(("25 %s all succeed" % kind, b["ok"] == 25 and s["ok"] == 25,
                         "%d+%d" % (b["ok"], s["ok"])))
    finally:
        srv.close()

    if not args.quick:
        lat = args.latency10k
        srv = Server("--fill", "--latency", str(lat))
        try:
            n, k = 10000, 256
            r = row("10k app, %g ms, K=256, streamed" % (lat * 1000),
                    drive(srv.url, "stream", "app", n, k), k, math.ceil(n / k) * lat)
            bars.append(("10k at K=256 <= 1.1x bound", r["ratio"] <= 1.1, "%.2fx" % r["ratio"]))
            bars.append(("10k peak RSS <= 100 MB", r["rss"] <= 100, "%.1f MB" % r["rss"]))
            bars.append(("CPU <= 2 ms per app page", r["cpu_ms"] <= 2, "%.2f ms" % r["cpu_ms"]))
            bars.append(("10k all succeed", r["ok"] == n, "%d" % r["ok"]))
        finally:
            srv.close()

        srv = Server("--fill", "--rate-limit", "50")
        try:
            n = 1000
            r = row("1000 app vs 50 req/s limit", drive(srv.url, "stream", "app", n, 64, 50),
                    64, n / 50.0)
            bars.append(("1000 vs 50 req/s: all succeed", r["ok"] == n, "%d" % r["ok"]))
            bars.append(("1000 vs 50 req/s: <= 23 s", r["wall"] <= 23, "%.2f s" % r["wall"]))
        finally:
            srv.close()

    print()
    table()
    print()
    failed = 0
    for name, ok, got in bars:
        print("%-4s %-36s %s" % ("ok" if ok else "MISS", name, got))
        failed += not ok
    print("\n%d of %d bars met" % (len(bars) - failed, len(bars)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
