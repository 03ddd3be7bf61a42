#!/usr/bin/python3
"""Real HTTP proxies on loopback for egress tests: Debian's tinyproxy, one
process per outgoing address.

Each proxy listens on 127.0.0.1 at a free port and binds its outgoing
connections to its own address (127.0.0.2, 127.0.0.3, ...), so the replay
server sees that address as the peer and /__stats by_peer shows which
egress carried what. Plain-HTTP requests are forwarded (no CONNECT needed),
with no Via header.

Python:
    from server.proxies import TinyProxies
    with TinyProxies(["127.0.0.2", "127.0.0.3"]) as px:
        px.urls          # ["http://127.0.0.1:PORT", ...] in the order given
        px.by_bind       # {"127.0.0.2": "http://127.0.0.1:PORT", ...}
        px.log("127.0.0.2")   # that proxy's log so far; px.log_paths: the files

Shell:
    /usr/bin/python3 server/proxies.py run --bind 127.0.0.2 --bind 127.0.0.3 -- CMD ARGS
        runs CMD with PLAYFAST_PROXIES set to the URLs, space-separated,
        stops the proxies and exits with CMD's status.
    /usr/bin/python3 server/proxies.py serve --bind A [--bind B ...] [--parent-pid P]
        (what TinyProxies runs) prints "PROXY <bind> <url> <log>" per proxy,
        then "READY", and keeps them until SIGTERM, SIGINT or until P is gone.

The `serve` process owns the tinyproxy processes and their temporary
directory (configuration, log, pid file): it removes both when it stops,
also when its parent dies without stopping it (it polls --parent-pid, as
the replay server does). The tinyproxy children get PR_SET_PDEATHSIG, so
they die with `serve` even if it is killed with SIGKILL; only the temporary
directory is left behind then.
"""

import argparse
import ctypes
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(HERE))

from server.harness import ChildProcess, parent_gone, stop_child  # noqa: E402

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
START_TIMEOUT = 10      # seconds for one tinyproxy to accept connections
PORT_TRIES = 5          # a free port can be taken between our probe and tinyproxy's bind

CONF = """\
# Written by playfast server/proxies.py for one test proxy.
Port {port}
Listen 127.0.0.1
Bind {bind}
Allow 127.0.0.0/8
DisableViaHeader Yes
Timeout 60
MaxClients 512
LogFile "{dir}/tinyproxy.log"
LogLevel Info
PidFile "{dir}/tinyproxy.pid"
"""


def find_tinyproxy():
    """The tinyproxy binary: $PLAYFAST_TINYPROXY, else tinyproxy on PATH;
    None when there is none (Debian: apt-get install tinyproxy-bin)."""
    path = os.environ.get("PLAYFAST_TINYPROXY") or shutil.which("tinyproxy")
    return path if path and os.access(path, os.X_OK) else None


def check_bind(addr):
    """addr as text when it is an IPv4 loopback address; tests stay on
    loopback, and the proxies listen on 127.0.0.1, so IPv6 would not reach
    the replay server from there."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        raise ValueError("proxy bind address %r is not an IP address" % addr) from None
    if ip.version != 4 or not ip.is_loopback:
        raise ValueError("proxy bind address %s is not in 127.0.0.0/8" % addr)
    return str(ip)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # Runs in the child between fork and exec. PR_SET_PDEATHSIG = 1. The
    # serve process is single-threaded, so "parent thread" is the process.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


def _accepting(port, proc, timeout):
    """True once 127.0.0.1:port accepts a connection, False if proc exits
    or the time runs out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class _Served:
    """The tinyproxy processes of one `serve` run and their directory."""

    def __init__(self, binds, binary):
        self.binary = binary
        self.root = tempfile.mkdtemp(prefix="playfast-tinyproxy-")
        self.procs = []         # (bind, url, log path, Popen)
        try:
            for bind in binds:
                self.procs.append(self._start_one(bind, len(self.procs)))
        except BaseException:
            self.close()
            raise

    def _start_one(self, bind, index):
        d = os.path.join(self.root, "%d-%s" % (index, bind))
        os.mkdir(d)
        conf = os.path.join(d, "tinyproxy.conf")
        log = os.path.join(d, "tinyproxy.log")
        for _ in range(PORT_TRIES):
            port = _free_port()
            with open(conf, "w") as f:
                f.write(CONF.format(port=port, bind=bind, dir=d))
            with open(os.path.join(d, "stdout.log"), "ab") as out:
                proc = subprocess.Popen([self.binary, "-d", "-c", conf], stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=subprocess.STDOUT,
                                        preexec_fn=_die_with_parent)
            if _accepting(port, proc, START_TIMEOUT):
                return bind, "http://127.0.0.1:%d" % port, log, proc
            stop_child(proc)
        with open(os.path.join(d, "stdout.log"), errors="replace") as f:
            tail = f.read()[-800:]
        raise RuntimeError("tinyproxy for %s did not start: %s" % (bind, tail.strip()))

    def dead(self):
        """The bind address of a proxy that exited on its own, or None."""
        for bind, _, _, proc in self.procs:
            if proc.poll() is not None:
                return bind
        return None

    def close(self):
        for _, _, _, proc in self.procs:
            stop_child(proc)
        self.procs = []
        shutil.rmtree(self.root, ignore_errors=True)


def serve(binds, parent_pid=None, binary=None):
    """Start the proxies, print the banner, wait for a stop; returns the
    exit status (0, or 1 when a proxy died by itself)."""
    binary = binary or find_tinyproxy()
    if binary is None:
        print("proxies: tinyproxy is not installed", file=sys.stderr)
        return 2
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    served = _Served([check_bind(b) for b in binds], binary)
    first_ppid = os.getppid()
    status = 0
    try:
        for bind, url, log, _ in served.procs:
            print("PROXY %s %s %s" % (bind, url, log), flush=True)
        print("READY", flush=True)
        while not stop:
            time.sleep(0.25)
            if parent_pid and parent_gone(parent_pid, first_ppid):
                break
            gone = served.dead()
            if gone:
                print("proxies: tinyproxy for %s exited" % gone, file=sys.stderr)
                status = 1
                break
    finally:
        served.close()
    return status


class TinyProxies(ChildProcess):
    """tinyproxy on loopback, one process per outgoing address in `binds`,
    owned by a `serve` child process. start()/stop() or a `with` block;
    stop() kills the proxies and removes their files. Raises RuntimeError
    when tinyproxy is missing or does not start, ValueError for an address
    outside 127.0.0.0/8."""

    def __init__(self, binds=("127.0.0.2",), timeout=30):
        self.binds = [check_bind(b) for b in binds]
        if not self.binds:
            raise ValueError("TinyProxies needs at least one bind address")
        self.timeout = timeout
        self.proc = None
        self.urls = []
        self.by_bind = {}
        self.log_paths = {}

    def start(self):
        if find_tinyproxy() is None:
            raise RuntimeError("tinyproxy is not installed (Debian: apt-get install "
                               "tinyproxy-bin, see scripts/install-deps.sh)")
        cmd = [PYTHON, os.path.join(HERE, "proxies.py"), "serve",
               "--parent-pid", str(os.getpid())]
        for b in self.binds:
            cmd += ["--bind", b]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     text=True)
        try:
            self._read_banner()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_banner(self):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            parts = line.split()
            if parts[:1] == ["PROXY"] and len(parts) == 4:
                self.urls.append(parts[2])
                self.by_bind[parts[1]] = parts[2]
                self.log_paths[parts[1]] = parts[3]
            elif parts == ["READY"]:
                return
        raise RuntimeError("tinyproxy proxies did not start (got %r); see stderr"
                           % self.by_bind)

    def log(self, bind):
        """What the proxy for `bind` has logged so far ("" once stopped)."""
        try:
            with open(self.log_paths[bind], errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def main(argv=None):
    ap = argparse.ArgumentParser(prog="proxies.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "run"):
        p = sub.add_parser(name)
        p.add_argument("--bind", action="append", required=True,
                       help="outgoing address of one proxy (127.0.0.0/8); repeatable")
        if name == "serve":
            p.add_argument("--parent-pid", type=int, default=None,
                           help="stop when this process is gone")
        else:
            p.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "serve":
            return serve(args.bind, args.parent_pid)
        child = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not child:
            ap.error("run: need -- CMD")
        with TinyProxies(args.bind) as px:
            env = dict(os.environ, PLAYFAST_PROXIES=" ".join(px.urls))
            return subprocess.call(child, env=env)
    except (ValueError, RuntimeError) as e:
        print("proxies: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
