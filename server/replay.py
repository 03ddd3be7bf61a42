#!/usr/bin/python3
"""playfast replay server: answers like play.google.com from recorded pages.

Run:     /usr/bin/python3 server/replay.py --port 0 [--fill] [--tls --h2] ...
Import:  from server.replay import ReplayServer
         with ReplayServer(fill=True) as srv:   # runs in a background thread
             urlopen(srv.base_url + "/store/apps/details?id=x")
             srv.stats()
See server/README.md for routes and options.  Only the standard library and
Debian's python3-h2 (for --h2), python3-brotli and python3-zstandard (for
--encodings br,zstd) are used.
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import threading
import time
import urllib.parse

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from server import blocked, http1  # noqa: E402
from server.policy import (BLOCK_MODES, FAULTS, FaultPlan, Latency, LimiterPool,  # noqa: E402
                           make_rng)
from server.continuations import find_more  # noqa: E402
from server.harness import parent_gone  # noqa: E402
from server.recordings import (ENCODINGS, HTML, JSON, Body, Recordings, find_app_id,  # noqa: E402
                               find_chart_text, find_review_token, inner_json, parse_freq,
                               wrb_null)

BATCH_PATH = "/_/PlayStoreUi/data/batchexecute"
LOG_KEEP = 2000
# by_peer keeps this many addresses; the rest are counted under "other".
PEER_KEEP = 1024
UNAVAILABLE = Body(b"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 503 "
                   b"(Service Unavailable)!!1</title><p><b>503.</b> <ins>That\xe2\x80\x99s "
                   b"an error.</ins><p>The service is unavailable. <ins>That\xe2\x80\x99s all "
                   b"we know.</ins>", HTML, "503")
TOO_MANY = Body(b"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 429 "
                b"(Too Many Requests)!!1</title><p><b>429.</b> <ins>That\xe2\x80\x99s an "
                b"error.</ins><p>We're sorry, but you have sent too many requests to us "
                b"recently. <ins>That\xe2\x80\x99s all we know.</ins>", HTML, "429")
BAD_REQUEST = Body(b")]}'\n\n[[\"er\",null,null,null,null,400,null,null,null,3],"
                   b"[\"di\",5],[\"af.httprm\",5,\"-1\",1]]", JSON, "400")


class Request:
    """A parsed request, the same for HTTP/1.1 and HTTP/2.  `peer` is the
    client's address (the TCP peer; a proxy's own outgoing address when the
    request came through one)."""

    __slots__ = ("method", "target", "path", "query", "headers", "body", "proto", "peer")

    def __init__(self, method, target, headers, body, proto, peer=None):
        self.method = method
        if target.startswith(("http://", "https://")):
            # The absolute form a proxy may pass on (RFC 9112 3.2.2: a
            # server must accept it); its authority replaces Host.
            parts = urllib.parse.urlsplit(target)
            headers["host"] = parts.netloc
            target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        self.target = target
        self.peer = peer
        path, _, qs = target.partition("?")
        self.path = path
        self.query = urllib.parse.parse_qs(qs, keep_blank_values=True)
        self.headers = headers          # lower-case name -> value
        self.body = body
        self.proto = proto

    def arg(self, name):
        v = self.query.get(name)
        return v[0] if v else None

    def pick_encoding(self, offered):
        """The content coding to answer with: of `offered` (in the server's
        order of preference), the one Accept-Encoding gives the highest
        q-value, or None for the plain body.  A coding the header does not
        name gets the q of "*", else 0; x-gzip is gzip."""
        q = {}
        for part in self.headers.get("accept-encoding", "").split(","):
            name, _, params = part.strip().partition(";")
            name = name.strip().lower()
            name = "gzip" if name == "x-gzip" else name
            w = 1.0
            for p in params.split(";"):
                k, _, v = p.partition("=")
                if k.strip().lower() == "q":
                    try:
                        w = float(v)
                    except ValueError:
                        w = 0.0
            if name:
                q[name] = w
        best, best_q = None, 0.0
        for coding in offered:
            w = q.get(coding, q.get("*", 0.0))
            if w > best_q:
                best, best_q = coding, w
        return best


class Response:
    """What to send.  action is "ok", "reset", "truncate" or "stall"."""

    __slots__ = ("status", "headers", "body", "action")

    def __init__(self, status, body=b"", headers=(), action="ok"):
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.action = action


class ReplayServer:
    """The replay server.  Construct with the same options as the CLI, then
    either start() (background thread; use from synchronous code and tests)
    or `await astart()` inside a running event loop."""

    def __init__(self, port=0, host="127.0.0.1", fill=False, latency=0, bandwidth=0,
                 rate_limit=0, burst=None, retry_after=1, fail_5xx=0.0, reset=0.0,
                 truncate=0.0, stall=0.0, seed=None, gzip=False, encodings=(), tls=False, h2=False,
                 cert_dir=None, review_pages=3, reviews_end="absent", script=(),
                 fixtures=None, recordings=None, quiet=True, missing=(), per_address=False,
                 block_ids=None, blocked_addresses=None, search_more=False,
                 no_continuations=False):
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("the replay server listens on loopback only")
        self.host = host
        self.port = int(port)
        if recordings is None or review_pages != 3 or reviews_end != "absent":
            kw = {"review_pages": int(review_pages), "reviews_end": reviews_end}
            if fixtures:
                kw["fixtures"] = fixtures
            recordings = Recordings(**kw)
        # Recordings are read-only once loaded, so servers may share them.
        self.rec = recordings
        self.tls = bool(tls or h2)
        self.h2 = bool(h2)
        self.cert_dir = cert_dir
        self.ca_path = None
        self._tmp_certs = False
        self.quiet = quiet
        # App ids answered with Google's 404 page even in fill mode, so a
        # filled run can still show a per-request not_found.
        self.missing = frozenset(missing)
        self.rng = make_rng(seed)
        self.configure(fill=fill, latency=latency, bandwidth=bandwidth, rate_limit=rate_limit,
                       burst=burst, retry_after=retry_after, fail_5xx=fail_5xx, reset=reset,
                       truncate=truncate, stall=stall, gzip=gzip, per_address=per_address,
                       block_ids=block_ids or {}, blocked_addresses=blocked_addresses or {},
                       encodings=encodings, search_more=search_more,
                       no_continuations=no_continuations)
        self.faults.push(script)
        self._server = None
        self._loop = None
        self._thread = None
        self._conns = set()
        self._reset_stats()

    # ------------------------------------------------------------ settings
    def configure(self, **opts):
        """Change behaviour at run time (also reachable as POST /__config).
        All-or-nothing: a bad value raises ValueError and changes nothing.
        The fault script is kept; the rate-limit buckets restart full only
        when rate_limit, burst or per_address is among the changes.
        block_ids and blocked_addresses replace the whole table ({} clears
        it)."""
        known = {"fill", "latency", "bandwidth", "rate_limit", "burst", "retry_after",
                 "fail_5xx", "reset", "truncate", "stall", "gzip", "per_address",
                 "block_ids", "blocked_addresses", "encodings", "search_more",
                 "no_continuations"}
        bad = set(opts) - known
        if bad:
            raise ValueError("unknown option(s): " + ", ".join(sorted(bad)))
        cur = dict(getattr(self, "_opts", {}), **opts)
        latency = Latency(cur["latency"])
        bandwidth = float(cur["bandwidth"] or 0)
        retry_after = float(cur["retry_after"])
        if bandwidth < 0 or retry_after < 0:
            raise ValueError("bandwidth and retry_after must be >= 0")
        block_ids = blocked.mode_table(cur["block_ids"], "block_ids")
        blocked_addresses = blocked.mode_table(cur["blocked_addresses"], "blocked_addresses")
        limiter = self.limiter if hasattr(self, "limiter") and not (
            {"rate_limit", "burst", "per_address"} & set(opts)) else LimiterPool(
                cur["rate_limit"], cur["burst"], bool(cur["per_address"]))
        script = self.faults.script if hasattr(self, "faults") else []
        faults = FaultPlan(self.rng, stall=float(cur["stall"]), reset=float(cur["reset"]),
                           fail_5xx=float(cur["fail_5xx"]), truncate=float(cur["truncate"]),
                           script=script)
        offered = _offered(cur["encodings"], cur["gzip"])
        self.rec.precompress(offered)   # before any request waits for an encoder
        self._opts = cur
        self.offered = offered
        self.fill = bool(cur["fill"])
        self.search_more = bool(cur.get("search_more"))
        self.no_continuations = bool(cur.get("no_continuations"))
        self.gzip = bool(cur["gzip"])
        self.latency, self.bandwidth, self.retry_after = latency, bandwidth, retry_after
        self.limiter, self.faults = limiter, faults
        self.block_ids, self.blocked_addresses = block_ids, blocked_addresses

    # ------------------------------------------------------------ stats
    def _reset_stats(self):
        self.st = {"requests": 0, "connections": 0, "tls_connections": 0,
                   "h2_connections": 0, "open_connections": 0, "max_open_connections": 0,
                   "in_flight": 0, "max_in_flight": 0, "bytes_sent": 0,
                   "by_route": {}, "by_status": {}, "by_rpc": {}, "by_peer": {},
                   "faults": {"429": 0, "503": 0, "reset": 0, "truncate": 0, "stall": 0,
                              "captcha": 0, "sorry": 0, "consent": 0},
                   "started": time.time()}
        self.log = []

    def _snapshot(self):
        s = json.loads(json.dumps(self.st))
        s["uptime"] = round(time.time() - s.pop("started"), 3)
        return s

    def stats(self):
        """A copy of the counters (safe from any thread)."""
        return self._call(self._snapshot)

    def reset_stats(self):
        """Zero the counters; open connections stay counted as open."""
        def do():
            keep = self.st["open_connections"], self.st["in_flight"]
            self._reset_stats()
            self.st["open_connections"], self.st["in_flight"] = keep
        self._call(do)

    def requests_log(self):
        """The last requests seen: method, path, rpc, app id, token, status."""
        return self._call(lambda: [dict(e) for e in self.log])

    def push_script(self, items):
        """Queue faults for the next requests, e.g. ["503", "reset", "ok"]."""
        self._call(lambda: self.faults.push(items))

    def _call(self, fn):
        # Counters live on the loop thread; other threads go through it.
        loop = self._loop
        if loop is None or not loop.is_running() or self._on_loop_thread():
            return fn()

        async def run():
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), loop).result(10)

    def _on_loop_thread(self):
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def conn_opened(self, tls):
        st = self.st
        st["connections"] += 1
        st["tls_connections"] += bool(tls)
        st["open_connections"] += 1
        st["max_open_connections"] = max(st["max_open_connections"], st["open_connections"])

    def conn_closed(self):
        self.st["open_connections"] -= 1

    def count_sent(self, n):
        self.st["bytes_sent"] += n

    # ------------------------------------------------------------ routing
    async def handle(self, req):
        """Answer one request (latency and faults included)."""
        if req.path.startswith("/__"):
            return self._control(req)
        st = self.st
        st["requests"] += 1
        st["in_flight"] += 1
        st["max_in_flight"] = max(st["max_in_flight"], st["in_flight"])
        entry = {"method": req.method, "path": req.path, "query": req.target.partition("?")[2],
                 "proto": req.proto, "peer": req.peer, "t": round(time.time(), 3)}
        try:
            resp, route = await self._answer(req, entry)
        finally:
            st["in_flight"] -= 1
        st["by_route"][route] = st["by_route"].get(route, 0) + 1
        key = str(resp.status) if resp.action in ("ok", "truncate") else resp.action
        st["by_status"][key] = st["by_status"].get(key, 0) + 1
        self._count_peer(req.peer, key)
        entry.update(route=route, status=resp.status, action=resp.action)
        if not self.quiet:
            print("%s %s %s -> %s %s" % (req.proto, req.method, req.target[:120], resp.status,
                                         resp.action), file=sys.stderr, flush=True)
        self.log.append(entry)
        if len(self.log) > LOG_KEEP:
            del self.log[:len(self.log) - LOG_KEEP]
        return resp

    def _count_peer(self, peer, status_key):
        by_peer = self.st["by_peer"]
        name = str(peer)
        if name not in by_peer and len(by_peer) >= PEER_KEEP:
            name = "other"
        p = by_peer.get(name)
        if p is None:
            p = by_peer[name] = {"requests": 0, "by_status": {}}
        p["requests"] += 1
        p["by_status"][status_key] = p["by_status"].get(status_key, 0) + 1

    def _forced_block(self, req, route, entry):
        """The block mode a banned address or a blocked app id gets, else
        None.  The captcha page itself is never blocked (that would loop)."""
        if route == "sorry":
            return None
        mode = self.blocked_addresses.get(req.peer)
        if mode is None and self.block_ids:
            app_id = self._app_id_of(req, route)
            mode = self.block_ids.get(app_id)
            if mode is not None:
                entry["app_id"] = app_id
        return mode

    def _app_id_of(self, req, route):
        """The app id a request is about, for block_ids: id= of a details or
        data safety page, or the [id, 7] of a reviews or app RPC."""
        if route in ("app", "store_other"):
            return req.arg("id")
        if route == "batchexecute":
            calls = parse_freq(req.body, text=True)
            if calls and calls[0][0] in ("UsvDTd", "oCPfdb", "Ws7gDc", "jLZZ2e"):
                return find_app_id(inner_json(calls[0][1]))
        return None

    async def _answer(self, req, entry):
        st = self.st
        route = self._route_name(req)
        # A ban or a blocked id comes first and takes neither a token nor
        # a script entry: the block is what that client always sees.
        fault = self._forced_block(req, route, entry)
        if fault is None:
            fault = "429" if not self.limiter.allow(req.peer) else self.faults.next()
        if fault == "429":
            # Whole seconds are what RFC 9110 allows; a fraction is passed
            # through as written so tests can ask for short waits.
            st["faults"]["429"] += 1
            return self._body_response(req, 429, TOO_MANY,
                                       [("Retry-After", "%g" % self.retry_after)]), route
        if fault == "stall":
            st["faults"]["stall"] += 1
            return Response(0, action="stall"), route
        # Latency counts from the request's arrival, as a real server's
        # does: the answer is looked up first and only the rest of the
        # drawn delay is slept. Looking up after the sleep made requests
        # that arrived together wake together and then parse their 23 KB
        # chart bodies one after another before the first byte went out.
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        resp = None
        if fault not in ("reset", "503") and fault not in BLOCK_MODES:
            status, body = self._lookup(req, route, entry)
            resp = self._body_response(req, status, body)
        if self.latency:
            delay = self.latency.draw(self.rng) - (loop.time() - arrived)
            if delay > 0:
                await asyncio.sleep(delay)
        if fault == "reset":
            st["faults"]["reset"] += 1
            return Response(0, action="reset"), route
        if fault == "503":
            st["faults"]["503"] += 1
            return self._body_response(req, 503, UNAVAILABLE), route
        if fault in BLOCK_MODES:
            # Like a 503, a block is a page Google computes, so it comes
            # after the latency.
            st["faults"][blocked.STAT_NAME[fault]] += 1
            entry["blocked"] = fault
            status, body, extra = blocked.answer(fault, req, self.scheme, self.rec.captcha)
            return self._body_response(req, status, body, extra), route
        if fault == "truncate":
            st["faults"]["truncate"] += 1
            resp.action = "truncate"
        return resp, route

    def _route_name(self, req):
        p = req.path
        if p == "/store/apps/details":
            return "app"
        if p == "/store/search":
            return "search"
        if p == BATCH_PATH:
            return "batchexecute"
        if p.startswith("/store/apps"):
            return "store_other"
        if p == blocked.SORRY_PATH:
            return "sorry"
        return "unknown"

    def _lookup(self, req, route, entry):
        """(status, Body) for a request, from the recordings."""
        rec = self.rec
        if route == "app" and req.method in ("GET", "HEAD"):
            app_id = req.arg("id")
            entry["app_id"] = app_id
            body = None if app_id in self.missing else rec.app(app_id, self.fill)
            return (200, body) if body else (404, rec.not_found)
        if route == "search" and req.method in ("GET", "HEAD"):
            entry["q"] = req.arg("q")
            body = rec.search(req.arg("q"), self.fill)
            if body is not None and self.search_more:
                # The page with a continuation token (server/continuations.py).
                body = rec.search_with_token(body)
            return (200, body) if body else (404, rec.not_found)
        if route == "batchexecute" and req.method == "POST":
            return self._batch(req, entry)
        if route == "store_other" and req.method in ("GET", "HEAD"):
            return self._store_other(req)
        if route == "sorry":
            # Google's captcha page answers 429 at /sorry/index, to a
            # POSTed answer too: nobody solves it here.
            return 429, rec.captcha
        if route in ("app", "search", "store_other"):
            return 405, Body(b"method not allowed\n", "text/plain", "405")
        return 404, rec.not_found

    def _store_other(self, req):
        rec, p, key = self.rec, req.path, req.arg("id")
        body = None
        if p == "/store/apps/datasafety":
            body = rec.extra_page("datasafety", key, self.fill)
        elif p in ("/store/apps/dev", "/store/apps/developer"):
            body = rec.extra_page("developer", key, self.fill)
        elif p == "/store/apps/collection/cluster":
            body = rec.extra_page("cluster", key, True)
        elif p == "/store/apps" or p.startswith("/store/apps/category/"):
            home = rec.extra.get("home", {})
            body = home[sorted(home)[-1]] if home else None
        return (200, body) if body else (404, rec.not_found)

    def _batch(self, req, entry):
        rec = self.rec
        calls = parse_freq(req.body, text=True)
        if not calls:
            # Fall back on the URL's rpcids when the body did not parse.
            rpc = (req.arg("rpcids") or "").split(",")[0]
            calls = [(rpc, None)] if rpc else []
        if not calls:
            entry["rpc"] = None
            return 400, BAD_REQUEST
        rpc, text = calls[0]
        entry["rpc"] = rpc
        self.st["by_rpc"][rpc] = self.st["by_rpc"].get(rpc, 0) + 1
        if rpc == "vyAe2":
            coll, cat = find_chart_text(text) if text is not None else (None, None)
            entry["chart"] = [coll, cat]
            if self.fill or (coll, cat) == rec.chart_key:
                return 200, rec.chart
            return 200, wrb_null(rpc)
        inner = inner_json(text) if text is not None else None
        if rpc in ("UsvDTd", "oCPfdb"):
            token = find_review_token(inner)
            entry["app_id"] = find_app_id(inner)
            entry["token"] = token
            # The star filter asked for: [..., [2, sort, [...], null,
            # [null, score]], ...] (not applied: the recording is one page).
            try:
                entry["score"] = inner[2][4][1]
            except (TypeError, IndexError, KeyError):
                entry["score"] = None
            pages = rec.review_pages if rpc == "UsvDTd" else rec.review_pages_ocp
            if token is None:
                return 200, pages[0]
            k = rec.review_tokens.get(token)
            if k is None:
                return 200, wrb_null(rpc)
            return 200, pages[k]
        if rpc in ("Ws7gDc", "jLZZ2e"):
            app_id = find_app_id(inner)
            entry["app_id"] = app_id
            if rpc in rec.batch and (self.fill or app_id == rec.batch_app_id):
                return 200, rec.batch[rpc]
            return 200, wrb_null(rpc)
        if rpc in rec.batch:
            return 200, rec.batch[rpc]
        if rpc == "qnKhOb":
            # Continuations of developer, cluster and search pages,
            # assembled from recorded cards (server/continuations.py).
            token, count = find_more(inner)
            entry["token"] = token
            data = None if self.no_continuations else rec.continuations().answer(token, count)
            return 200, (Body(data, JSON, "qnKhOb") if data else wrb_null(rpc))
        return 400, BAD_REQUEST

    def _body_response(self, req, status, body, extra=()):
        headers = [("Content-Type", body.ctype)]
        coding = req.pick_encoding(self.offered)
        if coding:
            data = body.encoded(coding)
            headers.append(("Content-Encoding", coding))
        else:
            data = body.plain
        if self.offered:
            headers.append(("Vary", "Accept-Encoding"))
        headers.extend(extra)
        if req.method == "HEAD":
            headers.append(("Content-Length", str(len(data))))
            data = b""
        return Response(status, data, headers)

    def _control(self, req):
        p = req.path
        try:
            if p == "/__stats" and req.method == "GET":
                out = self._snapshot()
            elif p == "/__reset" and req.method == "POST":
                self.reset_stats()
                out = {"ok": True}
            elif p == "/__log" and req.method == "GET":
                out = self.log
            elif p == "/__script" and req.method == "POST":
                self.faults.push(json.loads(req.body or b"[]"))
                out = {"ok": True, "queued": len(self.faults.script)}
            elif p == "/__config" and req.method == "POST":
                self.configure(**json.loads(req.body or b"{}"))
                out = {"ok": True}
            else:
                return Response(404, b'{"error":"no such control route"}',
                                [("Content-Type", JSON)])
        except (ValueError, TypeError) as e:
            return Response(400, json.dumps({"error": str(e)}).encode(),
                            [("Content-Type", JSON)])
        return Response(200, json.dumps(out).encode(), [("Content-Type", JSON),
                                                        ("Cache-Control", "no-store")])

    # ------------------------------------------------------------ life cycle
    @property
    def scheme(self):
        return "https" if self.tls else "http"

    @property
    def base_url(self):
        host = "[::1]" if self.host == "::1" else "127.0.0.1" if self.host == "localhost" else self.host
        return "%s://%s:%d" % (self.scheme, host, self.port)

    async def astart(self):
        """Start listening on the running loop; sets self.port."""
        self._loop = asyncio.get_running_loop()
        ssl_ctx = None
        if self.tls:
            from server.tlscerts import make_certs, server_context
            d, self._tmp_certs = make_certs(self.cert_dir)
            self.cert_dir = d
            self.ca_path = os.path.join(d, "ca.pem")
            ssl_ctx = server_context(d, self.h2)
        self._server = await asyncio.start_server(
            self._on_client, self.host, self.port, ssl=ssl_ctx, backlog=4096,
            limit=1 << 20)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _on_client(self, reader, writer):
        task = asyncio.current_task()
        self._conns.add(task)
        try:
            await http1.serve_connection(self, reader, writer)
        finally:
            self._conns.discard(task)

    async def astop(self):
        if self._server is not None:
            self._server.close()
            for t in list(self._conns):
                t.cancel()
            if self._conns:
                await asyncio.wait(list(self._conns), timeout=2)
            try:
                await asyncio.wait_for(self._server.wait_closed(), 2)
            except asyncio.TimeoutError:
                pass
            self._server = None
        if self._tmp_certs and self.cert_dir:
            shutil.rmtree(self.cert_dir, ignore_errors=True)
            self._tmp_certs = False

    def start(self):
        """Run the server on its own event loop in a daemon thread."""
        ready = threading.Event()
        failure = []

        def main():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.astart())
            except BaseException as e:  # reported to the starting thread
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.astop())
            loop.close()

        self._thread = threading.Thread(target=main, name="replay-server", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise failure[0]
        return self

    def stop(self):
        if self._thread is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _offered(encodings, gzip):
    """The codings a server offers, in its order of preference: those of
    `encodings` (a comma string or a list), plus gzip when `gzip` is set."""
    if isinstance(encodings, str):
        encodings = encodings.split(",")
    want = {e.strip().lower() for e in encodings or () if e.strip()}
    bad = want - set(ENCODINGS)
    if bad:
        raise ValueError("unknown encoding(s) %s (known: %s)" % (", ".join(sorted(bad)),
                                                                 ", ".join(ENCODINGS)))
    if gzip:
        want.add("gzip")
    return tuple(e for e in ENCODINGS if e in want)


# ---------------------------------------------------------------- command line
def build_parser():
    ap = argparse.ArgumentParser(prog="replay.py", description=__doc__.split("\n")[0])
    a = ap.add_argument
    a("--port", type=int, default=0, help="TCP port (0 = any free one)")
    a("--host", default="127.0.0.1", help="loopback address to bind")
    a("--fill", action="store_true",
      help="answer unrecorded ids/queries/charts with a recording of the same kind")
    a("--latency", default="0", help="S, uniform:LO:HI, normal:MEAN:SD or exp:MEAN seconds")
    a("--bandwidth", type=float, default=0, help="bytes/s per response (0 = unlimited)")
    a("--rate-limit", type=float, default=0, help="requests/s before answering 429")
    a("--burst", type=float, default=None, help="token bucket size (default = rate)")
    a("--retry-after", type=float, default=1, help="Retry-After seconds on 429")
    a("--fail-5xx", type=float, default=0, help="probability of 503")
    a("--reset", type=float, default=0, help="probability of closing the connection abruptly")
    a("--truncate", type=float, default=0, help="probability of sending a partial body")
    a("--stall", type=float, default=0, help="probability of never answering")
    a("--per-address", action="store_true",
      help="one rate-limit bucket per client address instead of one for all")
    a("--script", default="", help="comma list of faults for the first requests, e.g. "
                                   "503,reset,ok (%s)" % ",".join(FAULTS))
    a("--block-id", action="append", default=[], metavar="ID=MODE",
      help="always answer app ID with MODE (%s); repeatable" % ",".join(BLOCK_MODES))
    a("--block-address", action="append", default=[], metavar="ADDR=MODE",
      help="answer every request from client address ADDR with MODE; repeatable")
    a("--seed", type=int, default=None, help="random seed for latency and faults")
    a("--gzip", action="store_true", help="honour Accept-Encoding: gzip")
    a("--encodings", default="", help="comma list of content codings offered (gzip,br,zstd); "
                                      "each honours Accept-Encoding")
    a("--tls", action="store_true", help="serve HTTPS with a generated test CA")
    a("--h2", action="store_true", help="also speak HTTP/2 (ALPN; implies --tls)")
    a("--cert-dir", default=None, help="where to put/reuse ca.pem, server.pem, server.key")
    a("--review-pages", type=int, default=3, help="pages in the review chain")
    a("--reviews-end", choices=("absent", "null"), default="absent",
      help="last review page: token element absent or [null,null]")
    a("--search-more", action="store_true",
      help="search pages end with a continuation token (qnKhOb answers them)")
    a("--no-continuations", action="store_true",
      help="answer every qnKhOb with a null payload (no further pages)")
    a("--missing", default="", help="comma list of app ids answered 404 even with --fill")
    a("--parent-pid", type=int, default=None, help="exit when this process is gone")
    a("--verbose", action="store_true", help="log each request to stderr")
    return ap


async def _main(args):
    srv = ReplayServer(port=args.port, host=args.host, fill=args.fill, latency=args.latency,
                       bandwidth=args.bandwidth, rate_limit=args.rate_limit, burst=args.burst,
                       retry_after=args.retry_after, fail_5xx=args.fail_5xx, reset=args.reset,
                       truncate=args.truncate, stall=args.stall, seed=args.seed, gzip=args.gzip,
                       encodings=args.encodings,
                       tls=args.tls, h2=args.h2, cert_dir=args.cert_dir,
                       review_pages=args.review_pages, reviews_end=args.reviews_end,
                       script=[s for s in args.script.split(",") if s], quiet=not args.verbose,
                       missing=[m for m in args.missing.split(",") if m],
                       per_address=args.per_address, search_more=args.search_more,
                       no_continuations=args.no_continuations,
                       block_ids=blocked.mode_table(args.block_id, "--block-id"),
                       blocked_addresses=blocked.mode_table(args.block_address,
                                                            "--block-address"))
    await srv.astart()
    print("LISTENING %d" % srv.port, flush=True)
    if srv.ca_path:
        print("CA %s" % srv.ca_path, flush=True)
    print("URL %s" % srv.base_url, flush=True)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)

    first_ppid = os.getppid()

    async def watch_parent():
        while args.parent_pid:
            await asyncio.sleep(1)
            if parent_gone(args.parent_pid, first_ppid):
                done.set()
                return
    watcher = asyncio.ensure_future(watch_parent())
    await done.wait()
    watcher.cancel()
    await srv.astop()


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(_main(args))
    except (ValueError, RuntimeError) as e:
        print("replay: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
