"""Tests of the replay server (server/): routes, fill mode, review chaining,
rate limiting (global and per client address), every fault, Google's blocked
answers, TLS and HTTP/2 (through the curl CLI), stats (by_peer included).

Run: /usr/bin/python3 -m pytest tests/python/test_replay.py
Every server listens on 127.0.0.1 only; every test finishes in seconds.
"""

import gzip
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from server.harness import ReplayProcess  # noqa: E402
from server.policy import Latency, LimiterPool, RateLimiter  # noqa: E402
from server.recordings import (Recordings, find_app_id, find_chart,  # noqa: E402
                               find_chart_text, find_review_token, parse_freq)
from server.replay import ReplayServer  # noqa: E402

FIX = os.path.join(ROOT, "tests", "fixtures")
BATCH = "/_/PlayStoreUi/data/batchexecute"
TRANSLATE = "com.google.android.apps.translate"
HAVE_CURL = shutil.which("curl") is not None


def fixture(name):
    with gzip.open(os.path.join(FIX, name)) as f:
        return f.read()


@pytest.fixture(scope="module")
def recs():
    return Recordings()


@pytest.fixture
def make(recs):
    """make(**options) -> a started in-process server, stopped afterwards."""
    started = []

    def build(**kw):
        kw.setdefault("recordings", recs)
        srv = ReplayServer(**kw).start()
        started.append(srv)
        return srv
    yield build
    for srv in started:
        srv.stop()


@pytest.fixture
def srv(make):
    return make()


def request(srv, method, path, body=None, headers=None, timeout=5, conn=None, source=None):
    """(status, headers dict lower-case, body) over a fresh or given
    connection; `source` is the client's address (127.0.0.0/8)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        if own:
            conn.close()


def get(srv, path, **kw):
    return request(srv, "GET", path, **kw)


def freq(rpc, inner):
    """A batchexecute body the way google-play-scraper builds it."""
    outer = json.dumps([[[rpc, json.dumps(inner, separators=(",", ":")), None, "generic"]]],
                       separators=(",", ":"))
    return "f.req=" + urllib.parse.quote(outer, safe="")


def post_rpc(srv, rpc, inner, **kw):
    body = freq(rpc, inner)
    return request(srv, "POST", BATCH + "?rpcids=%s&hl=en&gl=us" % rpc, body=body,
                   headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}, **kw)


def reviews_inner(app_id, token=None, count=150, sort=2):
    return [None, None, [2, sort, [count, None, token], None, []], [app_id, 7]]


def chart_inner(collection, category, num=100):
    return [[None, [[8, [20, num]], True, None, [64, 1]], None, None, [[[1, 2], [10, 8, 9], [], []]]],
            [2, collection, category]]


def decode_batch(body):
    """Like google-play-scraper's reviews.js: skip the 5-byte )]}' line."""
    outer = json.loads(body[5:])
    return outer[0], (json.loads(outer[0][2]) if outer[0][2] is not None else None)


# ---------------------------------------------------------------- routes

def test_app_details_recorded(srv):
    status, hdrs, body = get(srv, "/store/apps/details?id=%s&hl=en&gl=us" % TRANSLATE)
    assert status == 200
    assert hdrs["content-type"].startswith("text/html")
    assert body == fixture("app_details_com.google.android.apps.translate_en_us_2026-07.html.gz")
    assert int(hdrs["content-length"]) == len(body)


def test_every_recorded_app_is_served(srv, recs):
    for app_id, rec in recs.apps.items():
        status, _, body = get(srv, "/store/apps/details?id=" + urllib.parse.quote(app_id))
        assert status == 200 and body == rec.plain
        if not app_id.endswith(".oldlayout"):
            assert app_id.encode() in body  # the page really is that app's


def test_unknown_app_is_googles_404(srv):
    status, hdrs, body = get(srv, "/store/apps/details?id=com.example.nothere&hl=en&gl=us")
    assert status == 404
    assert body == fixture("datasafety_notfound_404_2026-07.html.gz")
    assert b"Not Found" in body
    assert get(srv, "/store/apps/details")[0] == 404  # no id at all


def test_fill_mode_is_deterministic_and_varied(make, recs):
    s = make(fill=True)
    seen = set()
    for i in range(40):
        app_id = "com.example.fill%d" % i
        status, _, body = get(s, "/store/apps/details?id=" + app_id)
        assert status == 200
        assert get(s, "/store/apps/details?id=" + app_id)[2] == body  # same id, same page
        seen.add(body)
    modern = [k for k in recs.apps if not k.endswith(".oldlayout")]
    assert len(seen) >= 4 and len(seen) <= len(modern)
    assert recs.apps["com.moonwink.treasury.oldlayout"].plain not in seen


def test_form_value_decodes_like_urllib():
    import random, urllib.parse
    from server.recordings import form_value
    rng = random.Random(3)
    for _ in range(500):
        text = "".join(rng.choice('ab "\\[]{},:%&=+\n\t\u00e9\u4e2d 09_-.~')
                       for _ in range(rng.randint(0, 80)))
        body = ("at=x&f.req=" + urllib.parse.quote_plus(text) + "&").encode()
        assert form_value(body, b"f.req") == text.encode()
    assert form_value(b"a=1", b"f.req") is None


def test_missing_ids_are_404_even_in_fill_mode(make, recs):
    s = make(fill=True, missing=["com.example.gone"])
    status, _, body = get(s, "/store/apps/details?id=com.example.gone")
    assert status == 404 and body == recs.not_found.plain
    assert get(s, "/store/apps/details?id=com.example.other")[0] == 200


def test_search_routes(make):
    s = make()
    status, _, body = get(s, "/store/search?q=panda&c=apps&hl=en&gl=us&price=0")
    assert status == 200 and body == fixture("search_panda_en_us_price0_2026-07.html.gz")
    status, _, body = get(s, "/store/search?q=Unicorns&c=apps&hl=en&gl=us&price=1")
    assert status == 200 and body == fixture("search_unicorns_en_us_price1_rating1_2022-08.html.gz")
    assert get(s, "/store/search?q=zzzz&c=apps")[0] == 404
    f = make(fill=True)
    status, _, body = get(f, "/store/search?q=zzzz&c=apps&hl=en&gl=us")
    assert status == 200 and body in (fixture("search_panda_en_us_price0_2026-07.html.gz"),
                                      fixture("search_unicorns_en_us_price1_rating1_2022-08.html.gz"))


def test_top_chart_vyAe2(make):
    s = make()
    status, hdrs, body = post_rpc(s, "vyAe2", chart_inner("topselling_free", "GAME"))
    assert status == 200
    assert body == fixture("list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz")
    # google-play-scraper's list.js reads line 3 of the length-prefixed framing.
    data = json.loads(json.loads(body.decode().split("\n")[3])[0][2])
    assert isinstance(data, list) and '["com.oakever.meowdoku",7]' in json.dumps(data, separators=(",", ":"))
    # Other charts exist only in fill mode; otherwise the payload is null.
    status, _, body = post_rpc(s, "vyAe2", chart_inner("topgrossing", "SPORTS"))
    frame, data = decode_batch(body)
    assert status == 200 and frame[1] == "vyAe2" and data is None
    f = make(fill=True)
    status, _, body = post_rpc(f, "vyAe2", chart_inner("topgrossing", "SPORTS"))
    assert status == 200 and body.startswith(b")]}'\n\n850798\n")


def test_gps_list_body_verbatim(srv):
    """The exact body shape google-play-scraper 10.1 sends (prefix of it)."""
    inner = ('[[null,[[8,[20,50]],true,null,[64,1,195]],[null,null,[[[true],null,[[null,[]]]]]]],'
             '[2,\\"topselling_free\\",\\"GAME\\"]]')
    outer = '[[["vyAe2","%s",null,"generic"]]]' % inner
    body = "f.req=" + urllib.parse.quote(outer) + "&at=AFSRYlx8XZfN8-O-IKASbNBDkB6T%3A1655531200971&"
    status, _, data = request(srv, "POST", BATCH + "?rpcids=vyAe2&hl=en&gl=us", body=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and data.startswith(b")]}'\n\n850798\n")


def test_reviews_chain_to_the_end(make):
    s = make(review_pages=4)
    ids, tokens, pages = set(), [], 0
    token = None
    while True:
        status, _, body = post_rpc(s, "UsvDTd", reviews_inner(TRANSLATE, token))
        assert status == 200
        frame, data = decode_batch(body)
        assert frame[0] == "wrb.fr" and frame[1] == "UsvDTd"
        pages += 1
        page_ids = [r[0] for r in data[0]]
        assert len(page_ids) == 150 and not ids.intersection(page_ids)
        ids.update(page_ids)
        token = data[1][1] if len(data) > 1 and data[1] else None
        if token is None:
            break
        tokens.append(token)
        assert pages < 10
    assert pages == 4 and len(ids) == 600 and len(set(tokens)) == 3
    # Page 1 is the recording itself.
    first = post_rpc(s, "UsvDTd", reviews_inner(TRANSLATE))[2]
    assert first == fixture("reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz")
    # An unknown token gets a null payload, not a page.
    _, data = decode_batch(post_rpc(s, "UsvDTd", reviews_inner(TRANSLATE, "bogus"))[2])
    assert data is None


def test_reviews_default_three_pages_and_null_end(make):
    s = make(reviews_end="null")
    token, pages = None, 0
    while True:
        _, data = decode_batch(post_rpc(s, "UsvDTd", reviews_inner(TRANSLATE, token))[2])
        pages += 1
        token = data[1][1]
        if token is None:
            assert data[1] == [None, None]
            break
    assert pages == 3


def test_reviews_oCPfdb_and_gps_url(srv):
    # google-play-scraper posts UsvDTd bodies to a URL that says rpcids=qnKhOb:
    # the body decides.
    body = freq("UsvDTd", reviews_inner(TRANSLATE))
    status, _, data = request(srv, "POST", BATCH + "?rpcids=qnKhOb&hl=en&gl=us", body=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and decode_batch(data)[0][1] == "UsvDTd"
    frame, page = decode_batch(post_rpc(srv, "oCPfdb", reviews_inner(TRANSLATE))[2])
    assert frame[1] == "oCPfdb" and len(page[0]) == 150


def test_batch_app_Ws7gDc(make):
    s = make()
    inner = [None, None, [[1, 9, 10]], [[[True]]], [["fr.reliefmaps.app", 7]]]
    status, _, body = post_rpc(s, "Ws7gDc", inner)
    assert status == 200
    assert body == fixture("app_details_batch_Ws7gDc_fr.reliefmaps.app_fr_2022-09.txt.gz")
    frame, data = decode_batch(post_rpc(s, "Ws7gDc", [[["com.other.app", 7]]])[2])
    assert data is None
    f = make(fill=True)
    assert post_rpc(f, "Ws7gDc", [[["com.other.app", 7]]])[2] == body


def test_other_rpcs_and_bad_bodies(srv):
    assert post_rpc(srv, "xdSrCf", [[None, [TRANSLATE, 7]]])[0] == 200
    assert post_rpc(srv, "IJ4APc", [[None, ["pand"], [10], [2], 4]])[0] == 200
    _, data = decode_batch(post_rpc(srv, "qnKhOb", [[None, [[10, [10, 100]]]], None, "tok"])[2])
    assert data is None
    status, _, _ = request(srv, "POST", BATCH, body="garbage=1")
    assert status == 400
    assert post_rpc(srv, "Zzzzzz", [1])[0] == 400


def test_extra_store_pages(srv):
    assert get(srv, "/store/apps/datasafety?id=%s&hl=en" % TRANSLATE)[0] == 200
    assert get(srv, "/store/apps/dev?id=5700313618786177705")[0] == 200
    assert get(srv, "/store/apps/developer?id=Mojang")[0] == 200
    assert get(srv, "/store/apps")[0] == 200
    assert get(srv, "/store/apps/datasafety?id=nope")[0] == 404
    assert get(srv, "/nowhere")[0] == 404


def test_freq_parsing_is_robust():
    assert parse_freq(freq("UsvDTd", reviews_inner("a.b", "T")))[0][0] == "UsvDTd"
    assert find_review_token(parse_freq(freq("UsvDTd", reviews_inner("a.b", "T")))[0][1]) == "T"
    assert find_app_id(reviews_inner("a.b")) == "a.b"
    assert find_review_token(reviews_inner("a.b")) is None
    assert find_review_token(reviews_inner("a.b", "%token%")) is None
    # Another client's nesting, with a star filter after the token spec.
    assert find_review_token([None, None, [2, 1, [40, None, "TT"], None, [None, 5]], ["a.b", 7]]) == "TT"
    assert find_chart(chart_inner("topgrossing", "GAME_ACTION")) == ("topgrossing", "GAME_ACTION")
    # form-encoded with '+' for spaces, extra fields, a bytes body
    body = urllib.parse.urlencode({"f.req": json.dumps([[["vyAe2", json.dumps(chart_inner("a", "B")),
                                                          None, "generic"]]]), "at": "x"}).encode()
    calls = parse_freq(body)
    assert calls[0][0] == "vyAe2" and find_chart(calls[0][1]) == ("a", "B")
    assert parse_freq(b"f.req=%5Bnot json") == [] and parse_freq(b"") == []
    # The text form the server uses for charts: the same answer, also for
    # the body playfast itself sends, and for JSON spaced differently.
    rpc, text = parse_freq(body, text=True)[0]
    assert rpc == "vyAe2" and isinstance(text, str) and find_chart_text(text) == ("a", "B")
    spaced = json.dumps(chart_inner("topgrossing", "GAME_ACTION"), indent=1)
    assert find_chart_text(spaced) == ("topgrossing", "GAME_ACTION")
    assert find_chart_text("[1,2]") == (None, None) and find_chart_text("not json") == (None, None)


# ---------------------------------------------------------------- HTTP behaviour

def test_keepalive_and_stats_counting(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    for _ in range(3):
        assert request(srv, "GET", "/store/apps/details?id=" + TRANSLATE, conn=conn)[0] == 200
    assert request(srv, "GET", "/store/apps/details?id=nope", conn=conn)[0] == 404
    conn.close()
    post_rpc(srv, "UsvDTd", reviews_inner(TRANSLATE))
    st = json.loads(get(srv, "/__stats")[2])
    assert st["requests"] == 5          # control routes are not counted
    assert st["connections"] == 3       # one keep-alive + one POST + the stats call
    assert st["by_route"] == {"app": 4, "batchexecute": 1}
    assert st["by_status"] == {"200": 4, "404": 1}
    assert st["by_rpc"] == {"UsvDTd": 1}
    assert st["bytes_sent"] >= 3 * 1239561
    assert srv.stats()["requests"] == 5
    assert request(srv, "POST", "/__reset", body=b"")[0] == 200
    st = json.loads(get(srv, "/__stats")[2])
    assert st["requests"] == 0 and st["by_route"] == {} and st["connections"] == 1
    log = json.loads(get(srv, "/__log")[2])
    assert log == []


def test_request_log_records_parameters(srv):
    post_rpc(srv, "UsvDTd", reviews_inner(TRANSLATE, "tok123"))
    get(srv, "/store/apps/details?id=x.y&hl=fr&gl=ca")
    log = srv.requests_log()
    assert log[0]["rpc"] == "UsvDTd" and log[0]["token"] == "tok123"
    assert log[0]["app_id"] == TRANSLATE
    assert log[1]["app_id"] == "x.y" and "hl=fr" in log[1]["query"] and log[1]["status"] == 404


def test_pipelining_and_expect_continue(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall(b"GET /store/apps/details?id=nope HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /store/apps/details?id=nope2 HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while buf.count(b"</html>") < 2:
        chunk = s.recv(65536)
        assert chunk
        buf += chunk
    assert buf.count(b"HTTP/1.1 404 Not Found") == 2
    body = freq("UsvDTd", reviews_inner(TRANSLATE)).encode()
    s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n"
              b"Connection: close\r\n\r\n" % (BATCH.encode(), len(body)))
    assert s.recv(100).startswith(b"HTTP/1.1 100 Continue")
    s.sendall(body)
    buf = b""
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            break
        buf += chunk
    s.close()
    assert buf.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in buf
    assert len(buf.split(b"\r\n\r\n", 1)[1]) == 125159


def test_chunked_request_body(srv):
    body = freq("UsvDTd", reviews_inner(TRANSLATE)).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 100]), body[i:i + 100])
                      for i in range(0, len(body), 100)) + b"0\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close"
              b"\r\n\r\n%s" % (BATCH.encode(), chunks))
    buf = b""
    while True:
        c = s.recv(1 << 16)
        if not c:
            break
        buf += c
    s.close()
    assert buf.startswith(b"HTTP/1.1 200") and b'"wrb.fr","UsvDTd"' in buf


def test_gzip_encoding(make):
    s = make(gzip=True)
    status, hdrs, body = get(s, "/store/apps/details?id=" + TRANSLATE,
                             headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and hdrs["content-encoding"] == "gzip"
    plain = fixture("app_details_com.google.android.apps.translate_en_us_2026-07.html.gz")
    assert len(body) < len(plain) // 3 and gzip.decompress(body) == plain
    # Synthesised review pages are compressed on demand.
    t1 = decode_batch(post_rpc(s, "UsvDTd", reviews_inner(TRANSLATE))[2])[1][1][1]
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    conn.request("POST", BATCH, body=freq("UsvDTd", reviews_inner(TRANSLATE, t1)),
                 headers={"Accept-Encoding": "gzip"})
    r = conn.getresponse()
    page2 = gzip.decompress(r.read())
    conn.close()
    assert r.getheader("Content-Encoding") == "gzip" and b"-pf2" in page2
    # Without Accept-Encoding (or with q=0) the body is plain.
    status, hdrs, body = get(s, "/store/apps/details?id=" + TRANSLATE,
                             headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in hdrs and body == plain


# ---------------------------------------------------------------- latency, bandwidth

def test_latency_constant_and_concurrent(make):
    s = make(latency=0.3)
    t = time.monotonic()
    assert get(s, "/store/apps/details?id=nope")[0] == 404
    assert time.monotonic() - t >= 0.29
    # 30 concurrent requests overlap: the loop is never blocked by a sleep.
    results = []

    def one():
        results.append(get(s, "/store/apps/details?id=nope", timeout=10)[0])
    threads = [threading.Thread(target=one) for _ in range(30)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - t
    assert results == [404] * 30 and elapsed < 1.5
    assert s.stats()["max_in_flight"] >= 10


def test_latency_distributions():
    import random
    rng = random.Random(1)
    u = [Latency("uniform:0.2:0.4").draw(rng) for _ in range(500)]
    assert min(u) >= 0.2 and max(u) <= 0.4 and 0.28 < sum(u) / len(u) < 0.32
    n = [Latency("normal:0.3:0.05").draw(rng) for _ in range(500)]
    assert 0.28 < sum(n) / len(n) < 0.32 and min(n) >= 0
    e = [Latency("exp:0.1").draw(rng) for _ in range(2000)]
    assert 0.08 < sum(e) / len(e) < 0.12
    assert Latency("0.25").draw(rng) == 0.25 and not Latency("0")
    for bad in ("fast", "uniform:1", "normal:a:b", "-1"):
        with pytest.raises(ValueError):
            Latency(bad)


def test_bandwidth_limit(make):
    s = make(bandwidth=400_000)
    t = time.monotonic()
    status, _, body = post_rpc(s, "UsvDTd", reviews_inner(TRANSLATE))   # 125,159 bytes
    elapsed = time.monotonic() - t
    assert status == 200 and len(body) == 125159
    assert 0.25 <= elapsed < 2.0


# ---------------------------------------------------------------- rate limit, faults

def test_rate_limit_429_with_retry_after(make):
    s = make(rate_limit=5, burst=3, retry_after=2)
    statuses = []
    for _ in range(6):
        status, hdrs, _ = get(s, "/store/apps/details?id=nope")
        statuses.append(status)
        if status == 429:
            assert hdrs["retry-after"] == "2"
    assert statuses[:3] == [404, 404, 404] and 429 in statuses[3:]
    time.sleep(0.45)  # two tokens back at 5/s
    assert get(s, "/store/apps/details?id=nope")[0] == 404
    st = s.stats()
    assert st["faults"]["429"] == statuses.count(429) and st["by_status"]["429"] >= 1


def test_rate_limiter_paces_a_steady_client():
    clock = [0.0]
    rl = RateLimiter(50, clock=lambda: clock[0])
    ok = 0
    for i in range(1000):                  # 1000 requests at 100/s for 10 s
        clock[0] = i * 0.01
        ok += rl.allow()
    assert 540 <= ok <= 560                # 50/s for 10 s plus the 50 burst


def test_fault_503(make):
    s = make(fail_5xx=1.0)
    status, hdrs, body = get(s, "/store/apps/details?id=" + TRANSLATE)
    assert status == 503 and b"503" in body
    assert s.stats()["faults"]["503"] == 1


def test_fault_reset(make):
    s = make(reset=1.0)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        get(s, "/store/apps/details?id=" + TRANSLATE)
    assert s.stats()["faults"]["reset"] == 1


def test_fault_truncate(make):
    s = make(truncate=1.0)
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    conn.request("GET", "/store/apps/details?id=" + TRANSLATE)
    r = conn.getresponse()
    assert r.status == 200 and int(r.getheader("Content-Length")) == 1239561
    with pytest.raises(http.client.IncompleteRead) as e:
        r.read()
    assert 0 < len(e.value.partial) < 1239561
    conn.close()
    assert s.stats()["faults"]["truncate"] == 1


def test_fault_stall(make):
    s = make(stall=1.0)
    t = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        get(s, "/store/apps/details?id=" + TRANSLATE, timeout=0.5)
    assert time.monotonic() - t < 3
    assert s.stats()["faults"]["stall"] == 1


def test_fault_probabilities_with_seed(make):
    counts = []
    for _ in range(2):
        s = make(fail_5xx=0.3, seed=7)
        counts.append([get(s, "/store/apps/details?id=nope")[0] for _ in range(40)])
    assert counts[0] == counts[1]                      # the seed makes it repeatable
    assert 4 <= counts[0].count(503) <= 20 and counts[0].count(404) >= 20


def test_fault_script(make):
    s = make()
    assert request(s, "POST", "/__script", body=json.dumps(["503", "429", "ok", "reset"]))[0] == 200
    assert get(s, "/store/apps/details?id=" + TRANSLATE)[0] == 503
    status, hdrs, _ = get(s, "/store/apps/details?id=" + TRANSLATE)
    assert status == 429 and "retry-after" in hdrs
    assert get(s, "/store/apps/details?id=" + TRANSLATE)[0] == 200
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        get(s, "/store/apps/details?id=" + TRANSLATE)
    assert get(s, "/store/apps/details?id=" + TRANSLATE)[0] == 200
    assert request(s, "POST", "/__script", body=b'["explode"]')[0] == 400


def test_runtime_config(make):
    s = make()
    assert get(s, "/store/apps/details?id=zz.top")[0] == 404
    assert request(s, "POST", "/__config", body=b'{"fill": true}')[0] == 200
    assert get(s, "/store/apps/details?id=zz.top")[0] == 200
    assert request(s, "POST", "/__config", body=b'{"colour": 1}')[0] == 400
    # A bad value changes nothing, not even the valid keys beside it.
    assert request(s, "POST", "/__config", body=b'{"fill": false, "latency": "soon"}')[0] == 400
    assert get(s, "/store/apps/details?id=zz.top")[0] == 200
    assert request(s, "POST", "/__config", body=b'[1]')[0] == 400


def test_loopback_only():
    with pytest.raises(ValueError):
        ReplayServer(host="0.0.0.0")


# ---------------------------------------------------------------- subprocess, TLS, h2

def test_subprocess_banner_and_harness_run():
    with ReplayProcess("--fill") as rp:
        assert rp.port > 0 and rp.base_url == "http://127.0.0.1:%d" % rp.port
        assert rp.ca is None
        conn = http.client.HTTPConnection("127.0.0.1", rp.port, timeout=5)
        conn.request("GET", "/store/apps/details?id=any.app")
        assert conn.getresponse().status == 200
        conn.close()
        assert rp.stats()["requests"] == 1
        rp.reset()
        assert rp.stats()["requests"] == 0
    # `harness.py run` hands the URL to a command and returns its status.
    code = subprocess.call(
        [sys.executable, os.path.join(ROOT, "server", "harness.py"), "run", "--", sys.executable,
         "-c", "import os,urllib.request as u;"
         "r=u.urlopen(os.environ['PLAYFAST_BASE_URL']+'/store/search?q=panda&c=apps');"
         "raise SystemExit(0 if r.status==200 and int(os.environ['PLAYFAST_REPLAY_PORT'])>0 else 3)"],
        timeout=30)
    assert code == 0


def test_raw_banner_first_line():
    p = subprocess.Popen([sys.executable, os.path.join(ROOT, "server", "replay.py"), "--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = p.stdout.readline().decode()
        assert first.startswith("LISTENING ") and int(first.split()[1]) > 0
    finally:
        p.terminate()
        p.wait(5)
        p.stdout.close()
        p.stderr.close()


def curl(*args, timeout=20):
    r = subprocess.run(["curl", "-sS"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


@pytest.mark.skipif(not HAVE_CURL, reason="curl CLI not installed")
def test_tls_and_h2_with_curl():
    with ReplayProcess("--h2", "--fill") as rp:
        assert rp.ca and os.path.exists(rp.ca) and rp.base_url.startswith("https://")
        url = rp.base_url + "/store/apps/details?id=" + TRANSLATE
        fmt = "%{http_code} %{http_version} %{size_download}"
        code, out, err = curl("--http2", "--cacert", rp.ca, "-o", "/dev/null", "-w", fmt, url)
        assert code == 0, err
        assert out.decode().split() == ["200", "2", "1239561"]
        code, out, _ = curl("--http1.1", "--cacert", rp.ca, "-o", "/dev/null", "-w", fmt, url)
        assert out.decode().split() == ["200", "1.1", "1239561"]
        # The certificate also names play.google.com, for clients that resolve it here.
        code, out, err = curl("--http2", "--cacert", rp.ca, "--resolve",
                              "play.google.com:%d:127.0.0.1" % rp.port, "-o", "/dev/null",
                              "-w", fmt, "https://play.google.com:%d/store/search?q=panda" % rp.port)
        assert code == 0 and out.decode().split()[:2] == ["200", "2"], err
        # Several streams on one connection, a POST among them.
        body = freq("UsvDTd", reviews_inner(TRANSLATE))
        code, out, err = curl("--http2", "--cacert", rp.ca, "-w", "%{http_version}\\n",
                              "-o", "/dev/null", url, "-o", "/dev/null", url,
                              "--data", body, "-o", "/dev/null", rp.base_url + BATCH)
        assert code == 0, err
        st = rp.stats()
        assert st["requests"] == 6 and st["h2_connections"] >= 3 and st["tls_connections"] >= 5
        assert st["by_rpc"] == {"UsvDTd": 1}
        # Without a CA the chain does not verify.
        code, _, _ = curl("--http2", "-o", "/dev/null", url)
        assert code == 60


@pytest.mark.skipif(not HAVE_CURL, reason="curl CLI not installed")
def test_h2_faults_and_gzip_with_curl():
    with ReplayProcess("--h2", "--gzip") as rp:
        url = rp.base_url + "/store/apps/details?id=" + TRANSLATE
        code, out, _ = curl("--http2", "--compressed", "--cacert", rp.ca, "-o", "/dev/null",
                            "-w", "%{size_download} %{http_version}", url)
        size, ver = out.decode().split()
        assert code == 0 and ver == "2" and int(size) < 400000
        rp.script(["truncate", "reset", "503"])
        code, _, _ = curl("--http2", "--cacert", rp.ca, "-o", "/dev/null", url)
        assert code != 0                            # stream reset half way
        code, _, _ = curl("--http2", "--cacert", rp.ca, "-o", "/dev/null", url)
        assert code != 0                            # connection dropped
        code, out, _ = curl("--http2", "--cacert", rp.ca, "-o", "/dev/null", "-w", "%{http_code}", url)
        assert out == b"503"
        st = rp.stats()
        assert st["faults"]["truncate"] == 1 and st["faults"]["reset"] == 1


def h2_get(port, ca, paths, timeout=10):
    """A minimal HTTP/2 client on python3-h2: GET each path on one connection,
    all streams in flight at once.  Returns {path: (status, body)}."""
    import ssl
    import h2.config
    import h2.connection
    import h2.events
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=timeout),
                           server_hostname="127.0.0.1")
    assert sock.selected_alpn_protocol() == "h2"
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                header_encoding="utf-8"))
    conn.initiate_connection()
    conn.increment_flow_control_window(1 << 30)
    streams = {}
    for path in paths:
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, [(":method", "GET"), (":path", path), (":scheme", "https"),
                                (":authority", "127.0.0.1:%d" % port)], end_stream=True)
        streams[sid] = [path, None, bytearray(), False]
    sock.sendall(conn.data_to_send())
    while not all(s[3] for s in streams.values()):
        data = sock.recv(1 << 16)
        assert data, "server closed the connection"
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                streams[ev.stream_id][1] = int(dict(ev.headers)[":status"])
            elif isinstance(ev, h2.events.DataReceived):
                streams[ev.stream_id][2] += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                streams[ev.stream_id][3] = True
        sock.sendall(conn.data_to_send())
    sock.close()
    return {s[0]: (s[1], bytes(s[2])) for s in streams.values()}


def test_tls_and_h2_without_curl(make):
    import ssl
    s = make(h2=True, latency=0.2)
    assert s.ca_path and s.base_url.startswith("https://")
    paths = ["/store/apps/details?id=" + TRANSLATE, "/store/apps/details?id=nope",
             "/store/search?q=panda&c=apps"] + ["/store/apps/details?id=n%d" % i for i in range(20)]
    t = time.monotonic()
    got = h2_get(s.port, s.ca_path, paths)
    assert time.monotonic() - t < 2.0           # 23 streams' latencies overlap
    assert got[paths[0]] == (200, fixture("app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"))
    assert got[paths[1]][0] == 404 and got[paths[2]][0] == 200
    st = s.stats()
    assert st["h2_connections"] == 1 and st["requests"] == 23 and st["max_in_flight"] >= 20
    # HTTP/1.1 over TLS on the same port, verified against the generated CA.
    ctx = ssl.create_default_context(cafile=s.ca_path)
    conn = http.client.HTTPSConnection("127.0.0.1", s.port, context=ctx, timeout=5)
    conn.request("GET", "/store/search?q=unicorns&c=apps")
    r = conn.getresponse()
    assert r.status == 200 and len(r.read()) == 1045041
    conn.close()
    # The CA is removed with the server when it was made in a temp dir.
    ca = s.ca_path
    s.stop()
    assert not os.path.exists(ca)


# ---------------------------------------------------------------- per address, blocked answers

CAPTCHA = "blocked_unusual_traffic_synthetic.html.gz"
CAPTCHA_MARKERS = (b"Our systems have detected unusual traffic from your computer network",
                   b'<form id="captcha-form" action="index" method="post">',
                   b'class="g-recaptcha"', b"/sorry/index")


def statuses(s, n, source, path="/store/apps/details?id=nope"):
    return [get(s, path, source=source)[0] for _ in range(n)]


def test_per_address_buckets_give_each_address_its_own_limit(make):
    # 0.1 req/s: no token comes back while the test runs.
    s = make(rate_limit=0.1, burst=2, per_address=True)
    assert statuses(s, 3, "127.0.0.2") == [404, 404, 429]
    assert statuses(s, 3, "127.0.0.3") == [404, 404, 429]
    assert statuses(s, 1, "127.0.0.2") == [429]
    st = s.stats()
    assert st["faults"]["429"] == 3
    assert st["by_peer"]["127.0.0.2"] == {"requests": 4, "by_status": {"404": 2, "429": 2}}
    assert st["by_peer"]["127.0.0.3"] == {"requests": 3, "by_status": {"404": 2, "429": 1}}


def test_one_global_bucket_by_default_and_per_address_by_config(make):
    s = make(rate_limit=0.1, burst=2)
    assert statuses(s, 2, "127.0.0.2") == [404, 404]
    assert statuses(s, 1, "127.0.0.3") == [429]      # the same bucket
    assert request(s, "POST", "/__config", body=b'{"per_address": true}')[0] == 200
    assert statuses(s, 3, "127.0.0.3") == [404, 404, 429]   # buckets start full
    assert statuses(s, 3, "127.0.0.4") == [404, 404, 429]


def test_limiter_pool_keeps_at_most_max_buckets():
    clock = [0.0]
    pool = LimiterPool(1, 1, per_address=True, clock=lambda: clock[0])
    pool.MAX_BUCKETS = 3
    for a in ("a", "b", "c", "d"):
        assert pool.allow(a)
    assert len(pool.buckets) == 3 and "a" not in pool.buckets   # none full: oldest went
    assert not pool.allow("d")
    clock[0] = 5.0                                   # all full again
    assert pool.allow("e") and set(pool.buckets) == {"e"}
    unlimited = LimiterPool(0, per_address=True)
    assert all(unlimited.allow("x") for _ in range(100)) and unlimited.buckets == {}


def test_captcha_fixture_carries_the_detector_markers():
    page = fixture(CAPTCHA)
    for marker in CAPTCHA_MARKERS:
        assert page.count(marker) >= 1, marker
    assert b"SYNTHETIC" in page          # it says what it is


def continue_of(location):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    return q["continue"][0], q


def test_blocked_mode_captcha(make):
    s = make(fill=True, script=["captcha"])
    status, hdrs, body = get(s, "/store/apps/details?id=" + TRANSLATE)
    assert status == 200 and hdrs["content-type"].startswith("text/html")
    assert body == fixture(CAPTCHA)
    assert get(s, "/store/apps/details?id=" + TRANSLATE)[2] != body     # one only
    st = s.stats()
    assert st["faults"]["captcha"] == 1 and st["by_status"] == {"200": 2}
    assert s.requests_log()[0]["blocked"] == "captcha"


def test_blocked_mode_sorry(make):
    s = make(fill=True, script=["sorry", "sorry"])
    path = "/store/apps/details?id=%s&hl=en&gl=us" % TRANSLATE
    status, hdrs, body = get(s, path)
    loc = hdrs["location"]
    assert status == 302 and loc.startswith("https://www.google.com/sorry/index?continue=")
    cont, q = continue_of(loc)
    assert cont == "http://127.0.0.1:%d%s" % (s.port, path)
    assert "%3Fid%3D" in loc and "&hl=" not in loc       # the URL's own ? and & are escaped
    assert len(q["q"][0]) >= 16
    assert b"302 Moved" in body and b"sorry/index" in body
    assert get(s, path)[1]["location"] == loc          # the same token for the same client
    assert s.stats()["faults"]["sorry"] == 2


def test_blocked_mode_consent(make):
    s = make(fill=True, script=["consent"])
    path = "/store/search?q=panda&c=apps"
    status, hdrs, _ = get(s, path)
    enc = urllib.parse.quote("http://127.0.0.1:%d%s" % (s.port, path), safe=":/")
    assert status == 302
    assert hdrs["location"] == ("https://consent.google.com/ml?continue=%s"
                                "&gl=GB&hl=en&pc=p&src=1" % enc)
    assert s.stats()["faults"]["consent"] == 1


def test_blocked_mode_sorry_local_leads_to_the_captcha_with_429(make):
    s = make(fill=True, script=["sorry-local"])
    path = "/store/apps/details?id=" + TRANSLATE
    status, hdrs, _ = get(s, path)
    parts = urllib.parse.urlsplit(hdrs["location"])
    assert status == 302 and parts.netloc == "127.0.0.1:%d" % s.port
    assert parts.path == "/sorry/index"
    assert continue_of(hdrs["location"])[0].endswith(path)
    status, hdrs, body = get(s, parts.path + "?" + parts.query)
    assert status == 429 and body == fixture(CAPTCHA)
    st = s.stats()
    assert st["faults"]["sorry"] == 1 and st["by_route"] == {"app": 1, "sorry": 1}
    assert st["by_status"] == {"302": 1, "429": 1}


def test_blocked_answers_come_after_the_latency(make):
    s = make(latency=0.3, script=["consent"])
    t = time.monotonic()
    assert get(s, "/store/apps/details?id=x")[0] == 302
    assert time.monotonic() - t >= 0.28


def test_block_ids_on_pages_and_rpcs(make):
    s = make(fill=True, block_ids={"com.blocked.captcha": "captcha", TRANSLATE: "sorry"})
    status, _, body = get(s, "/store/apps/details?id=com.blocked.captcha")
    assert status == 200 and body == fixture(CAPTCHA)
    assert get(s, "/store/apps/details?id=com.fine")[0] == 200
    for _ in range(2):                                  # always, not once
        assert get(s, "/store/apps/details?id=" + TRANSLATE)[0] == 302
    assert get(s, "/store/apps/datasafety?id=" + TRANSLATE)[0] == 302
    status, hdrs, _ = post_rpc(s, "UsvDTd", reviews_inner(TRANSLATE))
    assert status == 302 and "/sorry/index" in hdrs["location"]
    assert post_rpc(s, "UsvDTd", reviews_inner("com.fine"))[0] == 200
    st = s.stats()
    assert st["faults"]["captcha"] == 1 and st["faults"]["sorry"] == 4
    log = s.requests_log()
    assert log[0]["app_id"] == "com.blocked.captcha" and log[0]["blocked"] == "captcha"
    # A blocked id takes no script entry: the 503 waits for the next one.
    s.push_script(["503"])
    assert get(s, "/store/apps/details?id=" + TRANSLATE)[0] == 302
    assert get(s, "/store/apps/details?id=com.fine")[0] == 503


def test_block_ids_by_config_replace_the_table(make):
    s = make(fill=True, block_ids={"a.b": "captcha"})
    body = json.dumps({"block_ids": {"c.d": "consent"}}).encode()
    assert request(s, "POST", "/__config", body=body)[0] == 200
    assert get(s, "/store/apps/details?id=a.b")[0] == 200
    assert get(s, "/store/apps/details?id=c.d")[0] == 302
    # A bad mode is refused and changes nothing.
    status, _, err = request(s, "POST", "/__config", body=b'{"block_ids": {"c.d": "ban"}}')
    assert status == 400 and b"unknown mode" in err
    assert get(s, "/store/apps/details?id=c.d")[0] == 302
    assert request(s, "POST", "/__config", body=b'{"block_ids": {}}')[0] == 200
    assert get(s, "/store/apps/details?id=c.d")[0] == 200


def test_blocked_address_is_an_ip_ban(make):
    s = make(fill=True, rate_limit=0.1, burst=2, per_address=True,
             blocked_addresses={"127.0.0.3": "sorry-local"})
    for _ in range(3):    # banned: every request, and it takes no token
        status, hdrs, _ = get(s, "/store/search?q=panda&c=apps", source="127.0.0.3")
        assert status == 302 and "/sorry/index?" in hdrs["location"]
    # The captcha page itself is not blocked, or the redirect would loop;
    # it is a page like any other for the limiter (this takes a token).
    status, _, body = get(s, "/sorry/index?continue=x", source="127.0.0.3")
    assert status == 429 and body == fixture(CAPTCHA)
    assert get(s, "/store/apps/details?id=x", source="127.0.0.2")[0] == 200
    body = json.dumps({"blocked_addresses": {"127.0.0.2": "captcha"}}).encode()
    assert request(s, "POST", "/__config", body=body)[0] == 200
    assert get(s, "/store/apps/details?id=x", source="127.0.0.2")[2] == fixture(CAPTCHA)
    assert get(s, "/store/apps/details?id=x", source="127.0.0.3")[0] == 200   # unbanned
    st = s.stats()
    assert st["by_peer"]["127.0.0.3"]["by_status"] == {"302": 3, "429": 1, "200": 1}
    assert st["by_peer"]["127.0.0.2"]["by_status"] == {"200": 2}
    assert st["faults"]["sorry"] == 3 and st["faults"]["captcha"] == 1
    assert [e["peer"] for e in s.requests_log()][-2:] == ["127.0.0.2", "127.0.0.3"]


def test_absolute_form_target_from_a_proxy(make):
    s = make(fill=True, script=["ok", "sorry"])
    target = "http://play.google.com/store/apps/details?id=" + TRANSLATE
    assert get(s, target)[0] == 200
    status, hdrs, _ = get(s, target)
    assert status == 302
    assert continue_of(hdrs["location"])[0] == target
    assert s.requests_log()[0]["path"] == "/store/apps/details"


def test_blocked_flags_on_the_command_line():
    with ReplayProcess("--fill", "--rate-limit", "0.1", "--burst", "1", "--per-address",
                       "--block-id", "a.b=captcha", "--block-id", "c.d=consent",
                       "--block-address", "127.0.0.5=sorry",
                       "--script", "sorry-local") as rp:
        def status(path, source=None):
            return get(rp, path, source=source)[0]
        assert status("/store/apps/details?id=x") == 302            # the script
        assert status("/store/apps/details?id=x", "127.0.0.2") == 200
        assert status("/store/apps/details?id=y", "127.0.0.2") == 429
        assert status("/store/apps/details?id=y", "127.0.0.3") == 200
        assert status("/store/apps/details?id=a.b", "127.0.0.4") == 200
        assert status("/store/apps/details?id=c.d", "127.0.0.4") == 302
        assert status("/store/apps/details?id=y", "127.0.0.5") == 302
        st = rp.stats()
        assert st["faults"] == dict(st["faults"], captcha=1, consent=1, sorry=2)
        assert sorted(st["by_peer"]) == ["127.0.0.%d" % i for i in range(1, 6)]
    r = subprocess.run([sys.executable, os.path.join(ROOT, "server", "replay.py"),
                        "--block-id", "a.b=ban"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "unknown mode 'ban'" in r.stderr


@pytest.mark.skipif(not HAVE_CURL, reason="curl CLI not installed")
def test_h2_peer_and_sorry_local_authority():
    with ReplayProcess("--h2", "--fill", "--script", "sorry-local") as rp:
        code, out, err = curl("--http2", "--cacert", rp.ca, "--interface", "127.0.0.2",
                              "-o", "/dev/null", "-D", "-",
                              rp.base_url + "/store/apps/details?id=x")
        assert code == 0, err
        head = out.decode().lower()
        assert head.startswith("http/2 302")
        assert "location: https://127.0.0.1:%d/sorry/index?" % rp.port in head
        assert rp.stats()["by_peer"] == {"127.0.0.2": {"requests": 1,
                                                       "by_status": {"302": 1}}}


def _running(pid):
    """pid exists and has not exited (a zombie has exited)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_server_exits_when_its_parent_is_an_unreaped_zombie():
    # The parent starts the server with --parent-pid, waits for its banner
    # and exits; we do not reap it, so kill(parent, 0) still finds it.
    code = ("import os, subprocess, sys\n"
            "p = subprocess.Popen([sys.executable, %r, '--port', '0', '--parent-pid',\n"
            "                      str(os.getpid())], stdout=subprocess.PIPE)\n"
            "print(p.pid, flush=True)\n"
            "print(p.stdout.readline().decode().strip(), flush=True)\n"
            % os.path.join(ROOT, "server", "replay.py"))
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        server = int(parent.stdout.readline())
        assert parent.stdout.readline().startswith("LISTENING ")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _running(parent.pid):   # no poll(): it reaps
            time.sleep(0.05)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _running(server):
            time.sleep(0.1)
        assert not _running(server), "the server outlived its parent"
    finally:
        if _running(server):
            os.kill(server, 9)
        parent.wait()
