"""Content codings end to end: the replay server's gzip, br and zstd (chosen
from Accept-Encoding, precompressed once, truncated by the truncate fault),
decoded by Python's own decoders, by the curl CLI and by playfast; and
corrupt or truncated compressed bodies from a small local server, which must
fail their own request only.

Run: /usr/bin/python3 -m pytest tests/python/test_encodings.py
Every server listens on 127.0.0.1 only.
"""

import gzip
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import brotli
import pytest
import zstandard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from server.harness import ReplayProcess  # noqa: E402
from server.replay import ReplayServer, Request  # noqa: E402
# The replay tests' fixtures: `recs` (the recordings, loaded once) and
# `make(**options)` (an in-process server, stopped after the test).
from test_replay import make, recs  # noqa: E402,F401

FIX = os.path.join(ROOT, "tests", "fixtures")
TRANSLATE = "com.google.android.apps.translate"
DETAILS = "/store/apps/details?id=" + TRANSLATE
PLAYFAST = os.path.join(ROOT, os.environ.get("BUILD", "build"), "playfast")
HAVE_CURL = shutil.which("curl") is not None
CODINGS = ("gzip", "br", "zstd")


def decode(coding, data):
    if coding == "gzip":
        return gzip.decompress(data)
    if coding == "br":
        return brotli.decompress(data)
    return zstandard.ZstdDecompressor().decompress(data)


def encode(coding, data):
    if coding == "gzip":
        return gzip.compress(data, mtime=0)
    if coding == "br":
        return brotli.compress(data, quality=5)
    return zstandard.ZstdCompressor(level=3, write_checksum=True).compress(data)


@pytest.fixture(scope="module")
def plain():
    with gzip.open(os.path.join(FIX, "app_details_%s_en_us_2026-07.html.gz" % TRANSLATE)) as f:
        return f.read()


def get(srv, path, accept=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", path, headers={"Accept-Encoding": accept} if accept is not None else {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


# ---------------------------------------------------------------- the server

@pytest.mark.parametrize("coding", CODINGS)
def test_each_coding_round_trips(make, plain, coding):
    srv = make(encodings="gzip,br,zstd")
    status, hdrs, body = get(srv, DETAILS, coding)
    assert status == 200
    assert hdrs["content-encoding"] == coding and hdrs["vary"] == "Accept-Encoding"
    assert int(hdrs["content-length"]) == len(body) < len(plain) // 4
    assert decode(coding, body) == plain


def test_synthesised_review_pages_come_in_each_coding(make):
    srv = make(encodings=",".join(CODINGS))
    # Page 2 of the review chain is made from the recording at load.
    page2 = srv.rec.review_pages[1]
    for coding in CODINGS:
        assert decode(coding, page2.encoded(coding)) == page2.plain
        assert b"-pf2" in page2.plain


@pytest.mark.parametrize("accept, want", [
    ("gzip, deflate, br, zstd", "br"),          # what a browser sends: Google's pick
    ("gzip, deflate, br", "br"),
    ("zstd, gzip", "zstd"),
    ("gzip", "gzip"),
    ("x-gzip", "gzip"),
    ("br;q=0.5, gzip", "gzip"),                 # q-values win over the server's order
    ("BR;Q=0.9, zstd;q=0.8", "br"),
    ("*", "br"),
    ("*;q=0.1, gzip;q=0.5", "gzip"),
    ("gzip;q=0, br;q=0", None),
    ("br;q=0, *", "zstd"),
    ("identity", None),
    ("deflate", None),                          # not offered
    ("", None),
    (None, None),
])
def test_accept_encoding_picks_the_coding(make, plain, accept, want):
    srv = make(encodings="gzip,br,zstd")
    _, hdrs, body = get(srv, DETAILS, accept)
    assert hdrs.get("content-encoding") == want
    assert (decode(want, body) if want else body) == plain


def test_pick_encoding_honours_what_is_offered():
    req = Request("GET", "/", {"accept-encoding": "gzip, br, zstd"}, b"", "1.1")
    assert req.pick_encoding(("br", "zstd", "gzip")) == "br"
    assert req.pick_encoding(("zstd", "gzip")) == "zstd"
    assert req.pick_encoding(("gzip",)) == "gzip"
    assert req.pick_encoding(()) is None


def test_gzip_flag_still_offers_gzip_alone(make, plain):
    srv = make(gzip=True)
    _, hdrs, body = get(srv, DETAILS, "gzip, deflate, br, zstd")
    assert hdrs["content-encoding"] == "gzip" and gzip.decompress(body) == plain
    srv = make()
    _, hdrs, body = get(srv, DETAILS, "gzip, br")
    assert "content-encoding" not in hdrs and "vary" not in hdrs and body == plain


def test_encodings_change_at_run_time_and_bad_names_are_refused(make, plain):
    srv = make()
    with pytest.raises(ValueError, match="unknown encoding"):
        ReplayServer(encodings="gzip,lzma", recordings=srv.rec)
    srv.configure(encodings=["zstd"])
    _, hdrs, body = get(srv, DETAILS, "gzip, zstd")
    assert hdrs["content-encoding"] == "zstd" and decode("zstd", body) == plain
    with pytest.raises(ValueError):
        srv.configure(encodings="snappy")
    _, hdrs, _ = get(srv, DETAILS, "gzip, zstd")
    assert hdrs["content-encoding"] == "zstd"   # all or nothing: unchanged


@pytest.mark.parametrize("coding", CODINGS)
def test_truncate_fault_cuts_the_compressed_body(make, coding):
    srv = make(encodings=coding, script=["truncate"])
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", DETAILS, headers={"Accept-Encoding": coding})
    r = conn.getresponse()
    assert r.getheader("Content-Encoding") == coding
    with pytest.raises(http.client.IncompleteRead) as e:
        r.read()
    conn.close()
    whole = srv.rec.apps[TRANSLATE].encoded(coding)
    part = e.value.partial
    assert int(r.getheader("Content-Length")) == len(whole)
    assert 0 < len(part) < len(whole) and whole.startswith(part)
    # What arrived is not a whole stream in any coding.
    if coding == "gzip":
        with pytest.raises(EOFError):
            gzip.decompress(part)
    else:
        with pytest.raises((brotli.error, zstandard.ZstdError)):
            decode(coding, part)


def test_precompressed_once_however_many_servers(recs):
    for _ in range(2):
        ReplayServer(encodings="br", recordings=recs)
    body = recs.apps[TRANSLATE]
    first = body.encoded("br")
    ReplayServer(encodings="br", recordings=recs)
    assert body.encoded("br") is first


@pytest.mark.skipif(not HAVE_CURL, reason="curl CLI not installed")
@pytest.mark.parametrize("coding", CODINGS)
def test_curl_compressed_decodes_each_coding(plain, coding):
    with ReplayProcess("--encodings", coding) as rp:
        p = subprocess.run(["curl", "-sS", "--compressed", "-D", "-", "-o", "-",
                            rp.base_url + DETAILS], capture_output=True, timeout=30)
        assert p.returncode == 0, p.stderr
        head, _, body = p.stdout.partition(b"\r\n\r\n")
        assert b"content-encoding: " + coding.encode() in head.lower()
        assert body == plain
        rp.script(["truncate"])
        p = subprocess.run(["curl", "-sS", "--compressed", "-o", "/dev/null",
                            rp.base_url + DETAILS], capture_output=True, timeout=30)
        assert p.returncode != 0    # 18: partial file


@pytest.mark.skipif(not HAVE_CURL, reason="curl CLI not installed")
def test_h2_serves_each_coding(plain):
    with ReplayProcess("--h2", "--encodings", "gzip,br,zstd") as rp:
        for coding in CODINGS:
            p = subprocess.run(["curl", "-sS", "--http2", "--cacert", rp.ca, "--compressed",
                                "-H", "Accept-Encoding: " + coding, "-D", "-", "-o", "-",
                                rp.base_url + DETAILS], capture_output=True, timeout=30)
            assert p.returncode == 0, p.stderr
            head, _, body = p.stdout.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/2 200")
            assert b"content-encoding: " + coding.encode() in head.lower()
            assert body == plain


# ---------------------------------------------------------------- playfast

def playfast(*args):
    env = dict(os.environ)
    env.pop("PLAYFAST_BASE_URL", None)
    p = subprocess.run([PLAYFAST] + list(args), capture_output=True, timeout=60, env=env)
    lines = [json.loads(line) for line in p.stdout.decode().splitlines()]
    return p.returncode, lines


@pytest.mark.skipif(not os.path.exists(PLAYFAST), reason="build/playfast not built")
@pytest.mark.parametrize("coding", CODINGS)
def test_playfast_fetches_each_coding(coding):
    with ReplayProcess("--encodings", coding) as rp:
        code, lines = playfast("app", TRANSLATE, "--base-url", rp.base_url, "--retries", "0")
        assert code == 0, lines
        assert lines[0]["result"]["title"] == "Google Translate"
        assert rp.log()[-1]["status"] == 200


class BadBodies(http.server.BaseHTTPRequestHandler):
    """App pages whose id says how the body is broken: `ok.<coding>`,
    `corrupt.<coding>` (bytes flipped inside the stream, which its checksum
    or its format catches) or `cut.<coding>` (the stream ends half way but
    Content-Length says so: a complete response of a truncated stream)."""

    page = b""

    def do_GET(self):
        app = self.path.partition("id=")[2].partition("&")[0]
        kind, _, coding = app.partition(".")
        body = encode(coding, self.page)
        if kind == "corrupt":
            at = 0 if coding == "br" else len(body) // 2
            body = body[:at] + bytes([body[at] ^ 0xff]) + body[at + 1:]
        elif kind == "cut":
            body = body[:len(body) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(not os.path.exists(PLAYFAST), reason="build/playfast not built")
def test_playfast_fails_only_the_broken_bodies(plain):
    BadBodies.page = plain
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BadBodies)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        ids = []
        for coding in CODINGS:
            ids += ["ok." + coding, "corrupt." + coding, "cut." + coding]
        t0 = time.monotonic()
        code, lines = playfast("app", *ids, "--base-url", "http://127.0.0.1:%d" % srv.server_port,
                               "--retries", "0", "--timeout", "20")
        assert time.monotonic() - t0 < 30
    finally:
        srv.shutdown()
        srv.server_close()
    assert code == 2
    assert [line["request"]["app_id"] for line in lines] == ids
    for app, line in zip(ids, lines):
        if app.startswith("ok."):
            assert line["result"]["title"] == "Google Translate", line
        else:
            # A broken body is that request's error: the engine decodes on
            # its workers, where a corrupt or truncated stream is
            # "malformed", naming the coding and what was wrong.
            assert set(line) == {"request", "error"}, (app, line)
            assert line["error"]["kind"] == "malformed", (app, line)
            coding = app.split(".", 1)[1]
            assert coding in line["error"]["message"], (app, line)
