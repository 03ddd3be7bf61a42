"""Shared pytest fixtures: the replay server and the in-tree playfast package.

Fixtures
    replay          session-wide replay server in fill mode (answers any id)
    replay_strict   session-wide replay server without fill (unknown ids 404)
    replay_factory  start a private server with any replay.py options, e.g.
                    replay_factory("--fill", "--latency", "0.3"); stopped at
                    the end of the test
    pf              playfast._core configured for `replay` (no retries)
    fixture_bytes   fixture_bytes("name.gz") -> the decompressed recording
    tinyproxies     real tinyproxy processes on loopback (server/proxies.py),
                    one per outgoing address 127.0.0.2, .3, ...: two, or N
                    with @pytest.mark.parametrize("tinyproxies", [N],
                    indirect=True); skipped only when tinyproxy is missing
"""
import gzip
import os
import signal
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
# The in-tree build (python/playfast/_core*.so) comes first, unless
# PLAYFAST_PYTHONPATH names another build (make test-python-asan); `server`
# is a package at the repository root.
PACKAGE_DIR = os.environ.get("PLAYFAST_PYTHONPATH") or os.path.join(ROOT, "python")
for p in (PACKAGE_DIR, ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)

from server.harness import ReplayProcess  # noqa: E402

# Ctrl-C as at a terminal, however this run was started: a background job
# or nohup starts it with SIGINT ignored, which the CLI and Python children
# inherit, and the tests that interrupt a batch or a command would see
# nothing happen.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def replay():
    with ReplayProcess("--fill") as rp:
        yield rp


@pytest.fixture(scope="session")
def replay_strict():
    with ReplayProcess() as rp:
        yield rp


@pytest.fixture
def replay_factory():
    started = []

    def start(*args):
        rp = ReplayProcess(*args).start()
        started.append(rp)
        return rp

    yield start
    for rp in started:
        rp.stop()


@pytest.fixture
def pf(replay):
    """playfast._core pointed at the fill-mode server without retries; every
    setting a test changed is reset afterwards."""
    from playfast import _core

    def reset(**settings):
        _core.configure(**dict.fromkeys(_core.configure(), None))
        return _core.configure(base_url=replay.base_url, **settings)

    reset(retries=0, timeout=10)
    yield _core
    reset()


@pytest.fixture(scope="session")
def fixture_bytes():
    cache = {}

    def load(name):
        if name not in cache:
            with gzip.open(os.path.join(FIXTURES, name)) as f:
                cache[name] = f.read()
        return cache[name]

    return load


@pytest.fixture
def tinyproxies(request):
    from server.proxies import TinyProxies, find_tinyproxy
    if find_tinyproxy() is None:
        pytest.skip("tinyproxy is not installed (Debian package tinyproxy-bin; "
                    "scripts/install-deps.sh installs it)")
    n = getattr(request, "param", 2)
    with TinyProxies(["127.0.0.%d" % (2 + i) for i in range(n)]) as px:
        yield px
