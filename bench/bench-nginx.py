#!/usr/bin/python3
"""The CLI against nginx (`make bench`, after the replay-server scenarios).

A Python server costs more CPU per page than playfast does, so it cannot
show what playfast itself costs. Here Debian's nginx (nginx-light) serves the
recorded Translate app page (1.2 MB; 220 KB gzip'd) for every
/store/apps/details?id=... on loopback, at zero latency: plain on one port,
and on another the fixture's .gz file itself through gzip_static (nginx
never compresses). `build/playfast app -i ids.txt --concurrency 64 --format
ndjson` fetches N app pages (default 2000) from each, R times (default 3),
and one table gives wall time, pages/s, the CLI process's CPU (user+sys) and
peak RSS (its own rusage, from wait4), and how many pages parsed to the
right title. With npm's google-play-scraper installed (or installable) in
$PEER_DIR (default /tmp/playfast-peer, as tools/compare-peer uses), the
Node peer fetches the same pages in the same run, at the same concurrency,
and the table ends with its wall time and CPU over playfast's.

Bars (issue 14): gzip <= 1.5 s wall, plain <= 1.0 s, peak RSS of the gzip
run <= 80 MB, every page parsed. They are reported per row; --strict exits
2 when the median of a row misses one.

Skipped, with a message and exit status 0, when nginx is not installed.
Options: --n N, --runs R, --concurrency K, --kinds plain,gzip (which rows),
--no-peer, --peer-runs R, --strict. BUILD=DIR measures DIR/playfast.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
PLAYFAST = os.path.join(ROOT, BUILD, "playfast")
PAGE = os.path.join(ROOT, "tests", "fixtures",
                    "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz")
TITLE = "Google Translate"
PEER_DIR = os.environ.get("PEER_DIR", "/tmp/playfast-peer")
PEER_PKG = "google-play-scraper@10.1"
BARS = {"plain": 1.0, "gzip": 1.5}      # wall seconds for 2000 pages
RSS_BAR_MB = 80


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx in a temporary directory, in the foreground, one worker."""

    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="playfast-nginx-")
        www = os.path.join(self.dir, "www")
        os.makedirs(www)
        with open(PAGE, "rb") as f:
            gz = f.read()
        import gzip
        with open(os.path.join(www, "details.html"), "wb") as f:
            f.write(gzip.decompress(gz))
        with open(os.path.join(www, "details.html.gz"), "wb") as f:
            f.write(gz)
        self.sizes = (len(gzip.decompress(gz)), len(gz))
        self.ports = {"plain": free_port(), "gzip": free_port()}
        with open(os.path.join(ROOT, "bench", "nginx.conf.in")) as f:
            conf = (f.read().replace("@DIR@", self.dir)
                    .replace("@PLAIN_PORT@", str(self.ports["plain"]))
                    .replace("@GZIP_PORT@", str(self.ports["gzip"])))
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.p = subprocess.Popen([binary, "-c", self.conf, "-p", self.dir],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        for port in self.ports.values():
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if self.p.poll() is not None or time.monotonic() > deadline:
                        self.stop()
                        sys.exit("bench-nginx: nginx did not start: " +
                                 self.p.stderr.read().decode(errors="replace"))
                    time.sleep(0.05)

    def check(self):
        """The gzip port must send the .gz (gzip_static is in nginx-light,
        but a build without it would quietly send the page plain)."""
        import http.client
        for kind, want in (("plain", None), ("gzip", "gzip")):
            c = http.client.HTTPConnection("127.0.0.1", self.ports[kind], timeout=10)
            c.request("GET", "/store/apps/details?id=x", headers={"Accept-Encoding": "gzip"})
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status != 200 or r.getheader("Content-Encoding") != want or \
                    len(body) != self.sizes[want is not None]:
                self.stop()
                sys.exit("bench-nginx: the %s port answered %d, Content-Encoding %s, %d bytes"
                         % (kind, r.status, r.getheader("Content-Encoding"), len(body)))

    def url(self, kind):
        return "http://127.0.0.1:%d" % self.ports[kind]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_measured(cmd, out_path, env=None):
    """Run cmd with stdout to out_path; its own wall, CPU and peak RSS."""
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path + ".err", "rb") as f:
        errtext = f.read().decode(errors="replace")
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": ru.ru_maxrss / 1024,
            "code": p.returncode, "stderr": errtext}


def parsed_playfast(out_path):
    n = 0
    with open(out_path, "rb") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("result", {}).get("title") == TITLE:
                n += 1
    return n


def parsed_peer(out_path):
    with open(out_path) as f:
        lines = f.read().strip().splitlines()
    return json.loads(lines[-1])["ok"] if lines else 0


def ensure_peer(no_peer):
    """The peer's index.js, or None with the reason printed."""
    if no_peer:
        return None
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        print("node peer: skipped (node/npm not installed)")
        return None
    index = os.path.join(PEER_DIR, "node_modules", "google-play-scraper", "index.js")
    if not os.path.exists(index):
        os.makedirs(PEER_DIR, exist_ok=True)
        r = subprocess.run([npm, "install", "--silent", "--prefix", PEER_DIR, PEER_PKG],
                           capture_output=True, timeout=300)
        if r.returncode != 0 or not os.path.exists(index):
            print("node peer: skipped (npm install %s failed: %s)" %
                  (PEER_PKG, r.stderr.decode(errors="replace").strip()[:200]))
            return None
    return node


def peer_version():
    try:
        with open(os.path.join(PEER_DIR, "node_modules", "google-play-scraper",
                               "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--kinds", default="plain,gzip",
                    help="comma list of the codings to measure: plain, gzip")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--peer-runs", type=int, default=1)
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not kinds or any(k not in BARS for k in kinds):
        sys.exit("bench-nginx: --kinds takes a comma list of %s" % ", ".join(BARS))

    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                       else None)
    if binary is None:
        print("bench-nginx: skipped: nginx is not installed (Debian: nginx-light)")
        return 0
    if not os.path.exists(PLAYFAST):
        sys.exit("bench-nginx: %s missing; run `make cli` first" % PLAYFAST)
    node = ensure_peer(args.no_peer)

    work = tempfile.mkdtemp(prefix="playfast-bench-nginx-")
    ids = os.path.join(work, "ids.txt")
    with open(ids, "w") as f:
        # The parser checks the page against the id asked for, so every
        # request names the recorded app; nginx answers each one anew.
        f.write(("com.google.android.apps.translate\n") * args.n)
    srv = Nginx(binary)
    srv.check()
    rows = []
    try:
        plain_kb, gz_kb = srv.sizes[0] / 1024, srv.sizes[1] / 1024
        print("nginx (%s), one worker, loopback, zero latency: %d app pages of %.0f KB "
              "(%.0f KB gzip'd), concurrency %d" % (binary, args.n, plain_kb, gz_kb,
                                                    args.concurrency))
        print("%-10s %-6s %3s %8s %8s %7s %12s %12s %8s  %s" % (
            "client", "coding", "run", "wall s", "pages/s", "CPU s", "CPU ms/page",
            "peak RSS MB", "parsed", "bars"))
        plan = [("playfast", kind, r) for kind in kinds for r in range(args.runs)]
        if node:
            plan += [("node", kind, r) for kind in kinds
                     for r in range(args.peer_runs)]
        for client, kind, r in plan:
            out = os.path.join(work, "%s-%s-%d.out" % (client, kind, r))
            if client == "playfast":
                m = run_measured([PLAYFAST, "app", "-i", ids, "--base-url", srv.url(kind),
                                  "--concurrency", str(args.concurrency), "--format", "ndjson",
                                  "--no-progress"], out)
                m["parsed"] = parsed_playfast(out)
            else:
                m = run_measured([node, os.path.join(ROOT, "bench", "bench-peer.mjs"),
                                  srv.url(kind), ids, str(args.concurrency)], out,
                                 env=dict(os.environ, PEER_DIR=PEER_DIR))
                m["parsed"] = parsed_peer(out)
            m.update(client=client, kind=kind)
            miss = []
            if client == "playfast":
                if m["wall"] * 2000 / args.n > BARS[kind]:
                    miss.append("wall>%gs" % BARS[kind])
                if kind == "gzip" and m["rss"] > RSS_BAR_MB:
                    miss.append("RSS>%dMB" % RSS_BAR_MB)
                if m["parsed"] != args.n:
                    miss.append("parsed<%d" % args.n)
            m["miss"] = miss
            rows.append(m)
            print("%-10s %-6s %3d %8.2f %8.0f %7.2f %12.2f %12.1f %8d  %s" % (
                client, kind, r + 1, m["wall"], args.n / m["wall"], m["cpu"],
                m["cpu"] * 1e3 / args.n, m["rss"], m["parsed"],
                ("MISS " + " ".join(miss)) if miss else ("ok" if client == "playfast" else "")),
                flush=True)
            if m["code"] not in (0,) and m["parsed"] != args.n:
                print("    exit %d: %s" % (m["code"], m["stderr"].strip()[:300]))
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)

    print("median of the runs:")
    failed = False
    for client in ("playfast", "node"):
        for kind in ("plain", "gzip"):
            sel = [m for m in rows if m["client"] == client and m["kind"] == kind]
            if not sel:
                continue
            wall = statistics.median(m["wall"] for m in sel)
            cpu = statistics.median(m["cpu"] for m in sel)
            rss = max(m["rss"] for m in sel)
            line = "  %-8s %-5s wall %.2f s (%.0f pages/s), CPU %.2f s (%.2f ms/page), " \
                   "peak RSS %.1f MB" % (client, kind, wall, args.n / wall, cpu,
                                         cpu * 1e3 / args.n, rss)
            if client == "node":
                pf = [m for m in rows if m["client"] == "playfast" and m["kind"] == kind]
                pw = statistics.median(m["wall"] for m in pf)
                pc = statistics.median(m["cpu"] for m in pf)
                line += "; peer/playfast: wall %.1fx, CPU %.1fx (google-play-scraper %s)" % (
                    wall / pw, cpu / pc, peer_version())
            else:
                med_miss = (wall * 2000 / args.n > BARS[kind] or
                            (kind == "gzip" and rss > RSS_BAR_MB) or
                            any(m["parsed"] != args.n for m in sel))
                failed |= med_miss
                line += "  [%s]" % ("MISSES a bar" if med_miss else "bars met")
            print(line)
    return 2 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
