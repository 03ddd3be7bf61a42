#!/usr/bin/python3
"""Start the replay server in a subprocess for tests, benchmarks and demos.

Python:
    from server.harness import ReplayProcess
    with ReplayProcess("--fill", "--latency", "0.05") as rp:
        rp.port, rp.base_url, rp.ca      # ca is None without --tls/--h2
        rp.stats(); rp.reset(); rp.script(["503", "ok"])

Shell (C tests, make demo):
    /usr/bin/python3 server/harness.py run [replay options] -- CMD ARGS...
        starts the server, runs CMD with PLAYFAST_BASE_URL, PLAYFAST_REPLAY_PORT
        and (with TLS) PLAYFAST_REPLAY_CA set, stops the server, exits with
        CMD's status.
    eval "$(/usr/bin/python3 server/harness.py start [replay options])"
        leaves a server running and prints shell assignments for
        PLAYFAST_REPLAY_PID / _PORT / _CA and PLAYFAST_BASE_URL;
    /usr/bin/python3 server/harness.py stop $PLAYFAST_REPLAY_PID
"""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPLAY = os.path.join(HERE, "replay.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def stop_child(proc):
    """Stop a child process (SIGTERM, then SIGKILL after 5 s), reap it and
    close its stdout pipe. None does nothing."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    if proc.stdout:
        proc.stdout.close()


def parent_gone(pid, first_ppid):
    """True once process pid has exited (first_ppid: os.getppid() when we
    started; the servers' --parent-pid watch). When it is our parent, being
    reparented says so even while it is an unreaped zombie, which kill(0)
    still finds: a parent that waits for our stderr to close before it
    reaps its child would otherwise wait for us forever."""
    if pid == first_ppid and os.getppid() != first_ppid:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


class ChildProcess:
    """Owns one helper child process in self.proc: stop() ends it, and
    `with` calls the subclass's start() and then stop()."""

    proc = None

    def stop(self):
        stop_child(self.proc)
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _read_banner(stream, timeout):
    """Read LISTENING/CA/URL lines up to URL; returns a dict."""
    info = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        key, _, value = line.decode().strip().partition(" ")
        info[key] = value
        if key == "URL":
            return info
    raise RuntimeError("replay server did not start (got %r)" % info)


class ReplayProcess(ChildProcess):
    """The replay server as a child process.  Arguments are replay.py's."""

    def __init__(self, *args, timeout=30, stderr=None):
        self.args = [str(a) for a in args]
        self.timeout = timeout
        self.stderr = stderr
        self.proc = None
        self.port = self.ca = self.base_url = None

    def start(self):
        cmd = [PYTHON, REPLAY, "--port", "0", "--parent-pid", str(os.getpid())] + self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr,
                                     stdin=subprocess.DEVNULL)
        try:
            info = _read_banner(self.proc.stdout, self.timeout)
        except Exception:
            self.stop()
            raise
        self.port = int(info["LISTENING"])
        self.ca = info.get("CA")
        self.base_url = info["URL"]
        return self

    def _open(self, path, data=None):
        import ssl
        ctx = ssl.create_default_context(cafile=self.ca) if self.ca else None
        req = urllib.request.Request(self.base_url + path, data=data,
                                     method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
            return json.loads(r.read())

    def stats(self):
        return self._open("/__stats")

    def reset(self):
        return self._open("/__reset", b"")

    def log(self):
        return self._open("/__log")

    def script(self, faults):
        return self._open("/__script", json.dumps(list(faults)).encode())

    def configure(self, **opts):
        return self._open("/__config", json.dumps(opts).encode())


def _env(rp, pid):
    env = {"PLAYFAST_BASE_URL": rp.base_url, "PLAYFAST_REPLAY_PORT": str(rp.port),
           "PLAYFAST_REPLAY_PID": str(pid)}
    if rp.ca:
        env["PLAYFAST_REPLAY_CA"] = rp.ca
    return env


def main(argv):
    if not argv or argv[0] not in ("run", "start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "stop":
        for pid in rest:
            try:
                os.kill(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass
        return 0
    if cmd == "run":
        if "--" not in rest:
            print("harness run: need -- CMD", file=sys.stderr)
            return 2
        i = rest.index("--")
        opts, child = rest[:i], rest[i + 1:]
        with ReplayProcess(*opts) as rp:
            env = dict(os.environ, **_env(rp, rp.proc.pid))
            return subprocess.call(child, env=env)
    # start: a detached server that outlives this process; its banner goes
    # through a pipe we read once, after which it writes to /dev/null.
    proc = subprocess.Popen([PYTHON, REPLAY, "--port", "0"] + rest, stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    rp = ReplayProcess()
    try:
        info = _read_banner(proc.stdout, 30)
    except Exception:
        proc.kill()
        raise
    rp.port, rp.ca, rp.base_url = int(info["LISTENING"]), info.get("CA"), info["URL"]
    proc.stdout.close()
    for k, v in _env(rp, proc.pid).items():
        print("%s=%s; export %s" % (k, shlex.quote(v), k))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
