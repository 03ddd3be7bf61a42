#!/usr/bin/python3
"""Store benchmark (`make bench`): what --db costs and what a kill -9 loses.

Runs the CLI build/playfast against the replay server (server/replay.py) on
loopback and prints one table:

  scenario | N | wall s (median) | ratio / requests | bar | result

Scenarios and the bars of issue 11:
  kill      1,000 app requests with --db at 300 ms latency (concurrency
            64, the default), killed with SIGKILL after 2 s, then the same
            command again: `playfast export` gives exactly 1,000 distinct
            app records, and the server saw <= 1,080 requests in all.
  overhead  2,000 app requests at 300 ms latency, concurrency 128, without
            and with --db (a fresh file each run), alternated, median of
            --repeat runs each: wall(with) / wall(without) <= 1.10. Also
            the file's size per stored app record (after the clean close,
            so the WAL is checkpointed into it).

Options: --repeat R (default 3), --only kill|overhead, --timeout S.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from server.harness import ReplayProcess  # noqa: E402

PLAYFAST = os.path.join(ROOT, "build", "playfast")


def env_for(rp):
    e = dict(os.environ)
    e["PLAYFAST_BASE_URL"] = rp.base_url
    return e


def ids_file(d, n, prefix):
    path = os.path.join(d, "%s.txt" % prefix)
    with open(path, "w") as f:
        f.write("".join("com.bench.%s%d\n" % (prefix, i) for i in range(n)))
    return path


def timed(argv, env, timeout):
    t = time.monotonic()
    p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=timeout)
    return time.monotonic() - t, p


def kill_scenario(args, d):
    rows = []
    with ReplayProcess("--fill", "--latency", "0.3") as rp:
        ids = ids_file(d, 1000, "kill")
        db = os.path.join(d, "kill.db")
        argv = [PLAYFAST, "app", "-i", ids, "--db", db]
        p = subprocess.Popen(argv, env=env_for(rp), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(2.0)
        p.send_signal(signal.SIGKILL)
        p.wait()
        seen_at_kill = rp.stats()["requests"]
        wall, again = timed(argv, env_for(rp), args.timeout)
        total = rp.stats()["requests"]
        exp = subprocess.run([PLAYFAST, "export", "--db", db, "--kind", "app"],
                             capture_output=True, timeout=args.timeout)
        recs = [json.loads(x) for x in exp.stdout.decode().splitlines()]
        distinct = {r["request"]["app_id"] for r in recs if "result" in r}
        ok = len(distinct) == 1000 and len(recs) == 1000 and total <= 1080
        rows.append(("kill -9 at 2 s, resume", 1000, wall,
                     "%d requests (%d before the kill)" % (total, seen_at_kill),
                     "1000 records, <= 1080 req",
                     "%s: %d records" % ("ok" if ok else "MISSED", len(distinct))))
    return rows


def overhead_scenario(args, d):
    rows = []
    with ReplayProcess("--fill", "--latency", "0.3") as rp:
        ids = ids_file(d, 2000, "over")
        base = [PLAYFAST, "app", "-i", ids, "--concurrency", "128"]
        plain, stored, sizes = [], [], []
        for r in range(args.repeat):
            w, p = timed(base, env_for(rp), args.timeout)
            assert p.returncode == 0, p.stderr
            plain.append(w)
            db = os.path.join(d, "over%d.db" % r)
            w, p = timed(base + ["--db", db], env_for(rp), args.timeout)
            assert p.returncode == 0, p.stderr
            stored.append(w)
            sizes.append(sum(os.path.getsize(db + s) for s in ("", "-wal")
                             if os.path.exists(db + s)))
        a, b = statistics.median(plain), statistics.median(stored)
        ratio = b / a
        per = statistics.median(sizes) / 2000
        rows.append(("no --db", 2000, a, "", "", ""))
        rows.append(("--db", 2000, b, "ratio %.3f" % ratio, "<= 1.10",
                     "%s; %.1f KB per app record" % ("ok" if ratio <= 1.10 else "MISSED",
                                                     per / 1024)))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="kill,overhead")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    only = args.only.split(",")
    rows = []
    with tempfile.TemporaryDirectory(prefix="pf-bench-store-") as d:
        if "kill" in only:
            rows += kill_scenario(args, d)
        if "overhead" in only:
            rows += overhead_scenario(args, d)
    print("store benchmark (issue 11)")
    print("%-24s %5s %8s  %-34s %-26s %s" % ("scenario", "N", "wall s", "ratio / requests", "bar", "result"))
    for name, n, wall, what, bar, res in rows:
        print("%-24s %5d %8.2f  %-34s %-26s %s" % (name, n, wall, what, bar, res))
    missed = any("MISSED" in r[5] for r in rows)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
