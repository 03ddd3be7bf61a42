#!/usr/bin/env python3
"""Memory of 10,000 SearchResult objects kept alive (issue 4's bar: <= 15 MB).

    python3 bench/bench-memory.py [-n 10000]        (make bench-memory)

For each source of search results (a top chart, HTML search pages, the
lGYRle search batch) this parses the recorded page again and again until
-n objects exist, then reports what keeping them alive costs, measured two
ways:
  traced   bytes allocated through Python's allocators (tracemalloc), which
           sees the objects and everything they own
  rss      growth of the process's resident set (in a run without
           tracemalloc, whose own bookkeeping would count), which also sees
           memory the C library allocates with malloc()
Each parse makes new objects from a fresh parse, so nothing is shared
between copies: the figure is what 10,000 distinct results would cost.
Every source runs in its own process so that one cannot hide in memory the
previous one freed.
"""
import argparse
import gc
import gzip
import json
import os
import subprocess
import sys
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIX = os.path.join(ROOT, "tests", "fixtures")
SOURCES = {
    "top chart (vyAe2)": ("list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz",
                          "parse_batchexecute_list_response"),
    "HTML search, 2026": ("search_panda_en_us_price0_2026-07.html.gz", "parse_search_results"),
    "HTML search, 2022": ("search_unicorns_en_us_price1_rating1_2022-08.html.gz",
                          "parse_search_results"),
    "search batch (lGYRle)": ("search_batch_lGYRle_gps_fr_2022-08.txt.gz",
                              "parse_search_results"),
}
BAR = 15e6


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(name, n, mode):
    try:
        import playfast
    except ImportError:
        sys.path.insert(0, os.path.join(ROOT, "python"))
        import playfast
    from playfast import _core
    fname, parser = SOURCES[name]
    with gzip.open(os.path.join(FIX, fname), "rt", encoding="utf-8") as f:
        text = f.read()
    parse = getattr(_core, parser)
    parse(text)                      # warm up: first-call allocations
    gc.collect()
    base = rss()
    if mode == "traced":
        tracemalloc.start()
    kept = []
    while len(kept) < n:
        kept.extend(parse(text))
    del kept[n:]
    gc.collect()
    if mode == "traced":
        cost = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    else:
        cost = rss() - base
    return {"objects": len(kept), "cost": cost,
            "with_summary": sum(1 for r in kept if r.summary)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="rss", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.n, args.mode)))
        return 0
    print("%d SearchResult objects kept alive (bar: %.0f MB)" % (args.n, BAR / 1e6))
    print("%-24s %9s %9s %11s %9s" % ("source", "traced", "rss", "per object", "summary"))
    worst = 0
    for name in SOURCES:
        m = {}
        for mode in ("traced", "rss"):
            out = subprocess.run([sys.executable, __file__, "-n", str(args.n), "--one", name,
                                  "--mode", mode], check=True, capture_output=True,
                                 text=True).stdout
            m[mode] = json.loads(out)
        traced, grown = m["traced"]["cost"], m["rss"]["cost"]
        worst = max(worst, traced, grown)
        print("%-24s %7.1f MB %6.1f MB %9.0f B %8.0f%%" % (
            name, traced / 1e6, grown / 1e6, max(traced, grown) / args.n,
            100.0 * m["rss"]["with_summary"] / m["rss"]["objects"]))
    print("worst %.1f MB: %s" % (worst / 1e6, "within the bar" if worst <= BAR else "OVER the bar"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
