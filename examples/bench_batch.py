#!/usr/bin/env python3
"""Batch API vs one request at a time, like the original playfast's table.

    python3 examples/bench_batch.py                 # own replay server, 300 ms latency
    python3 examples/bench_batch.py --latency 0.1 --workload apps -n 40
    PLAYFAST_BASE_URL=https://play.google.com python3 examples/bench_batch.py --live

Without --live the benchmark starts the replay server (server/replay.py, fill
mode) with the given latency, so the numbers show what concurrency buys on a
network with that round-trip time. Each method runs the same requests:
  batch        one fetch_and_parse_*_batch() call (timed --runs times, median)
  threadpool   single-request calls from a ThreadPoolExecutor (GIL released)
  sequential   single-request calls one after another
"""
import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
try:
    import playfast
except ImportError:   # running from a source tree after `make python`
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import playfast
from playfast import _core

COUNTRIES = ["us", "gb", "de", "fr", "jp", "kr", "br", "in", "ca", "au"]
CATEGORIES = ["GAME", "SOCIAL", "TOOLS", "FINANCE", None]


def workload(kind, n):
    if kind == "lists":
        reqs = [(cat, "topselling_free", "en", c, 100) for c in COUNTRIES for cat in CATEGORIES]
        return reqs[:n], _core.fetch_and_parse_list_batch, _core.fetch_and_parse_list
    if kind == "apps":
        reqs = [("com.example.app%d" % i, "en", COUNTRIES[i % 10]) for i in range(n)]
        return reqs, _core.fetch_and_parse_apps_batch, _core.fetch_and_parse_app
    reqs = [("query %d" % i, "en", COUNTRIES[i % 10]) for i in range(n)]
    return reqs, _core.fetch_and_parse_search_batch, _core.fetch_and_parse_search


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workload", choices=["lists", "apps", "search"], default="lists")
    ap.add_argument("-n", type=int, default=50, help="requests (lists: at most 50)")
    ap.add_argument("--latency", default="0.3", help="replay server latency, seconds")
    ap.add_argument("--threads", type=int, default=8, help="threadpool size")
    ap.add_argument("--live", action="store_true", help="use PLAYFAST_BASE_URL / Play itself")
    ap.add_argument("--skip-sequential", action="store_true")
    ap.add_argument("--runs", type=int, default=5,
                    help="batch calls to time; the median is reported (the first "
                         "one also opens the connections)")
    args = ap.parse_args()

    server = None
    if not args.live:
        sys.path.insert(0, ROOT)
        from server.harness import ReplayProcess
        server = ReplayProcess("--fill", "--latency", args.latency).start()
        playfast.configure(base_url=server.base_url)
    try:
        reqs, batch_fn, single_fn = workload(args.workload, args.n)
        batch_fn(reqs[:1])   # warm up: DNS, first connection
        rows = []
        runs = [timed(lambda: batch_fn(reqs)) for _ in range(max(1, args.runs))]
        times = sorted(t for t, _ in runs)
        t = times[len(times) // 2]
        rows.append(("Batch API (one call)", t, runs[-1][1]))
        with ThreadPoolExecutor(args.threads) as pool:
            t, res = timed(lambda: list(pool.map(lambda r: single_fn(*r), reqs)))
        rows.append(("ThreadPool(%d) + single calls" % args.threads, t, res))
        if not args.skip_sequential:
            t, res = timed(lambda: [single_fn(*r) for r in reqs])
            rows.append(("Sequential single calls", t, res))
    finally:
        if server is not None:
            server.stop()

    base = rows[-1][1]
    where = "live" if args.live else "replay server, %s s latency" % args.latency
    print("%d %s requests (%s)\n" % (len(reqs), args.workload, where))
    print("| Method                        | Time     | Speedup |")
    print("| ----------------------------- | -------- | ------- |")
    for name, t, res in rows:
        assert len(res) == len(reqs)
        print("| %-29s | %6.2f s | %6.1fx |" % (name, t, base / t))
    print("\nBatch API: median of %d calls; each %s s (the first opened the connections)"
          % (len(runs), ", ".join("%.3f" % t for t, _ in runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
