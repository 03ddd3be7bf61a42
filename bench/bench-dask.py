#!/usr/bin/python3
"""playfast.dask benchmark (`make bench`): playfast's batches as tasks on a
LocalCluster of worker processes, against the replay server on loopback.

Scenarios and the bars they are held to:
  1. overhead: 2000 apps at 300 ms latency, locally (one batch) and on
     2 workers (1 thread each), in the same run. cluster/local wall <= 1.3.
  2. killed worker: 400 apps at 300 ms latency on 2 workers, one worker
     process killed 1 s in. The records equal the local ones (nothing lost,
     nothing twice); prints the wall and the requests the server saw.
  3. egress scaling: a server that allows 20 req/s per client address
     (replay --per-address --rate-limit 20); 400 apps on 1 worker, then on
     2 workers each bound to its own source address (127.0.0.2, 127.0.0.3
     stand in for two machines), each client paced at 20 req/s.
     2 workers <= 12.5 s; 1 worker >= 20 s. Needs the engine's
     configure(local_addresses=) and the replay server's --per-address; the
     line says so when either is missing.

  4. db=: 2000 apps at 300 ms latency into a store, locally and on 2
     workers (the driver's store commits each partition as it lands), in
     the same run; then the same call again, which must send nothing.
     Records equal; prints both walls and their ratio (held to scenario
     1's 1.3), the rerun's wall and the requests it sent.

Options: --quick (scenarios 1 and 4 with 500 apps), --only N (one scenario).
"""

import argparse
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in (os.path.join(ROOT, "python"), ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)

from server.harness import ReplayProcess  # noqa: E402

try:
    import distributed
    import playfast
    import playfast.dask as pfd
except ImportError as exc:
    sys.exit("bench-dask: %s" % exc)


def cluster(n_workers):
    c = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                 dashboard_address=":0", worker_dashboard_address=":0")
    client = distributed.Client(c)
    client.wait_for_workers(n_workers, timeout=60)
    return c, client


def close(c, client):
    client.close()
    c.close()


def ids(n):
    return ["com.bench.app%05d" % i for i in range(n)]


def timed(fn, *args, **kw):
    t0 = time.monotonic()
    out = fn(*args, **kw)
    return out, time.monotonic() - t0


def reset_settings(**kw):
    playfast.configure(**dict.fromkeys(playfast.configure(), None))
    playfast.configure(**kw)


def overhead(n):
    with ReplayProcess("--fill", "--latency", "0.3") as rp:
        reset_settings(base_url=rp.base_url, retries=0, timeout=30)
        c, client = cluster(2)
        try:
            local, t_local = timed(playfast.fetch_apps, ids(n))
            remote, t_dask = timed(pfd.fetch_apps, ids(n), client=client)
            # The same requests in flight in all as the local batch (64).
            half, t_half = timed(pfd.fetch_apps, ids(n), client=client,
                                 options={"concurrency": 32})
        finally:
            close(c, client)
    same = remote == local and half == local
    ratio = t_dask / t_local
    print("1. overhead      %5d apps @300ms  local %6.2f s  2 workers %6.2f s  ratio %.2f"
          "  (bar <= 1.3)  records equal: %s  %s"
          % (n, t_local, t_dask, ratio, same, "PASS" if same and ratio <= 1.3 else "FAIL"))
    print("   same in-flight total (2 x 32 vs 64): 2 workers %6.2f s  ratio %.2f"
          % (t_half, t_half / t_local))
    return same and ratio <= 1.3


def killed_worker():
    n = 400
    with ReplayProcess("--fill", "--latency", "0.3") as rp:
        reset_settings(base_url=rp.base_url, retries=0, timeout=30)
        local = playfast.fetch_apps(ids(n))
        c, client = cluster(2)
        try:
            rp.reset()
            victim = next(iter(client.run(os.getpid).values()))
            killer = threading.Timer(1.0, os.kill, (victim, 9))
            killer.start()
            remote, wall = timed(pfd.fetch_apps, ids(n), client=client,
                                 options={"concurrency": 16}, partition_size=50)
            killer.join()
            sent = rp.stats()["requests"]
        finally:
            close(c, client)
    ok = remote == local
    print("2. killed worker %5d apps @300ms  wall %6.2f s  requests sent %d  records equal "
          "(nothing lost, nothing twice): %s  %s" % (n, wall, sent, ok, "PASS" if ok else "FAIL"))
    return ok


def _missing_for_scaling():
    try:
        reset_settings(local_addresses=["127.0.0.2"])
    except TypeError:
        return "playfast.configure() does not take local_addresses= yet"
    finally:
        reset_settings()
    help_text = subprocess.run([sys.executable, os.path.join(ROOT, "server", "replay.py"),
                                "--help"], capture_output=True, text=True).stdout
    if "--per-address" not in help_text:
        return "the replay server has no --per-address yet"
    return None


def egress_scaling():
    missing = _missing_for_scaling()
    if missing:
        print("3. egress scaling  not measured: %s" % missing)
        return True
    n, addresses = 400, ["127.0.0.2", "127.0.0.3"]
    walls = {}
    with ReplayProcess("--fill", "--per-address", "--rate-limit", "20") as rp:
        reset_settings(base_url=rp.base_url, rate=20, timeout=30)
        local = None
        for n_workers in (1, 2):
            c, client = cluster(n_workers)
            try:
                client.register_worker_plugin(pfd.Egress(local_addresses=addresses[:n_workers]))
                remote, walls[n_workers] = timed(pfd.fetch_apps, ids(n), client=client)
            finally:
                close(c, client)
            if local is None:
                local = remote
            assert remote == local and len(remote) == n, "records differ between runs"
    ok = walls[2] <= 12.5 and walls[1] >= 20
    print("3. egress scaling %4d apps, 20 req/s per address  1 worker %6.2f s (bar >= 20)  "
          "2 workers %6.2f s (bar <= 12.5)  %s" % (n, walls[1], walls[2], "PASS" if ok else "FAIL"))
    return ok


def stored(n):
    import tempfile
    with ReplayProcess("--fill", "--latency", "0.3") as rp, \
            tempfile.TemporaryDirectory() as tmp:
        reset_settings(base_url=rp.base_url, retries=0, timeout=30)
        c, client = cluster(2)
        try:
            local, t_local = timed(playfast.fetch_apps, ids(n), db=os.path.join(tmp, "l.db"))
            remote, t_dask = timed(pfd.fetch_apps, ids(n), client=client,
                                   db=os.path.join(tmp, "c.db"))
            before = rp.stats()["requests"]
            again, t_again = timed(pfd.fetch_apps, ids(n), client=client,
                                   db=os.path.join(tmp, "c.db"))
            resent = rp.stats()["requests"] - before
        finally:
            close(c, client)
    same = remote == local == again and len(local) == n
    ratio = t_dask / t_local
    ok = same and ratio <= 1.3 and resent == 0
    print("4. db=           %5d apps @300ms  local %6.2f s  2 workers %6.2f s  ratio %.2f"
          "  (bar <= 1.3)  rerun %5.2f s, %d requests  records equal: %s  %s"
          % (n, t_local, t_dask, ratio, t_again, resent, same, "PASS" if ok else "FAIL"))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="scenarios 1 and 4 with 500 apps")
    ap.add_argument("--only", type=int, choices=(1, 2, 3, 4), help="run one scenario")
    args = ap.parse_args()
    runs = {1: lambda: overhead(500 if args.quick else 2000), 2: killed_worker,
            3: egress_scaling, 4: lambda: stored(500 if args.quick else 2000)}
    ok = True
    for k in ([args.only] if args.only else sorted(runs)):
        ok = runs[k]() and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
