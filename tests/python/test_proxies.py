"""Real proxies for egress tests (server/proxies.py): tinyproxy on loopback
forwards plain HTTP to the replay server from its own bound address, which
the server's by_peer stats and per-address limits see.

Run: /usr/bin/python3 -m pytest tests/python/test_proxies.py
Skipped only when tinyproxy is not installed (Debian: tinyproxy-bin).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from server.proxies import TinyProxies, check_bind, find_tinyproxy  # noqa: E402

needs_tinyproxy = pytest.mark.skipif(find_tinyproxy() is None,
                                     reason="tinyproxy is not installed (tinyproxy-bin)")


def via(proxy_url, url, timeout=10):
    """(status, headers, body) of a GET through proxy_url; redirects are
    not followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy_url}),
                                         NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def port_of(url):
    return int(url.rsplit(":", 1)[1])


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("tinyproxies", [3], indirect=True)
def test_each_proxy_reaches_the_server_from_its_bound_address(tinyproxies, replay_factory):
    rp = replay_factory("--fill")
    assert list(tinyproxies.by_bind) == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    assert len(set(tinyproxies.urls)) == 3
    for i, (bind, url) in enumerate(tinyproxies.by_bind.items()):
        assert url.startswith("http://127.0.0.1:")
        for _ in range(i + 1):
            status, _, body = via(url, rp.base_url + "/store/apps/details?id=com.x%d" % i)
            assert status == 200 and len(body) > 100000
    by_peer = rp.stats()["by_peer"]
    assert by_peer == {"127.0.0.2": {"requests": 1, "by_status": {"200": 1}},
                       "127.0.0.3": {"requests": 2, "by_status": {"200": 2}},
                       "127.0.0.4": {"requests": 3, "by_status": {"200": 3}}}
    assert "Bound to 127.0.0.3" in tinyproxies.log("127.0.0.3")


def test_per_address_limit_and_ban_through_proxies(tinyproxies, replay_factory):
    rp = replay_factory("--fill", "--rate-limit", "0.1", "--burst", "1", "--per-address",
                        "--retry-after", "7")
    a, b = tinyproxies.urls
    page = rp.base_url + "/store/apps/details?id=com.x"
    assert via(a, page)[0] == 200
    status, headers, _ = via(a, page)
    assert status == 429 and headers["Retry-After"] == "7"     # passed on as it came
    assert via(b, page)[0] == 200                                # its own bucket
    # An IP ban on one egress: the redirect comes through the proxy intact.
    rp.configure(blocked_addresses={"127.0.0.3": "consent"})
    status, headers, _ = via(b, page)
    assert status == 302
    assert headers["Location"].startswith("https://consent.google.com/ml?continue=")
    assert "Via" not in headers
    st = rp.stats()
    assert st["by_peer"]["127.0.0.2"]["by_status"] == {"200": 1, "429": 1}
    assert st["by_peer"]["127.0.0.3"]["by_status"] == {"200": 1, "302": 1}


@needs_tinyproxy
def test_stop_kills_the_proxies_and_removes_their_files():
    px = TinyProxies(["127.0.0.2"]).start()
    port, log = port_of(px.urls[0]), px.log_paths["127.0.0.2"]
    assert accepts(port) and os.path.exists(log)
    px.stop()
    assert not accepts(port) and not os.path.exists(os.path.dirname(log))
    assert px.log("127.0.0.2") == ""


@needs_tinyproxy
def test_proxies_go_when_their_parent_dies_without_stopping_them():
    code = ("import sys, os; sys.path.insert(0, %r)\n"
            "from server.proxies import TinyProxies\n"
            "px = TinyProxies(['127.0.0.2']).start()\n"
            "print(px.urls[0], px.log_paths['127.0.0.2'], flush=True)\n"
            "os._exit(0)\n" % ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30).stdout.split()
    port, log = port_of(out[0]), out[1]
    deadline = time.monotonic() + 5
    while (accepts(port) or os.path.exists(log)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not accepts(port) and not os.path.exists(os.path.dirname(log))


def test_bind_addresses_stay_on_loopback():
    assert check_bind("127.0.0.9") == "127.0.0.9"
    for bad in ("10.0.0.1", "::1", "localhost", "0.0.0.0"):
        with pytest.raises(ValueError):
            TinyProxies([bad])
    with pytest.raises(ValueError):
        TinyProxies([])


@needs_tinyproxy
def test_shell_run_hands_the_urls_to_a_command():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "server", "proxies.py"), "run",
                        "--bind", "127.0.0.2", "--bind", "127.0.0.3", "--", sys.executable, "-c",
                        "import os; u = os.environ['PLAYFAST_PROXIES'].split(); "
                        "raise SystemExit(5 if len(u) == 2 else 1)"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 5, r.stderr
