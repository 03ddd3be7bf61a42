"""The recorded Play responses the replay server answers with.

Every recording is loaded once, decompressed, and kept in memory as bytes, so
answering a request never touches the disk or the codec.  The gzip form of a
recording is the fixture file itself (a .gz file is a valid gzip body), which
makes --gzip free for everything except the synthesised review pages.  The br
and zstd forms are made once, when a server first offers them
(Recordings.precompress), with Debian's python3-brotli and python3-zstandard
(or the zstd CLI).

Recordings are found by file name in tests/fixtures (see SOURCES.md there):
app_details_<id>_..., search_<query>_..., list_vyAe2_..., reviews_UsvDTd_...,
and the synthetic captcha page blocked_unusual_traffic_synthetic.
"""

import binascii
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import urllib.parse
import zlib

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "tests", "fixtures")

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"

# The old layout page is kept for "unsupported layout" tests.  It shares its
# app id with a modern recording, so it answers under this alias instead.
OLD_LAYOUT_SUFFIX = ".oldlayout"


# The content codings the server can send, in the order it prefers them when
# a client accepts several equally (Google sends br to a browser that also
# accepts zstd and gzip).
ENCODINGS = ("br", "zstd", "gzip")


def _zstd(data):
    try:
        import zstandard
    except ImportError:
        zstd = shutil.which("zstd")
        if zstd is None:
            raise ValueError("zstd needs python3-zstandard or the zstd command")
        return subprocess.run([zstd, "-3", "-q", "-c"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    return zstandard.ZstdCompressor(level=3, write_content_size=True).compress(data)


def _brotli(data):
    try:
        import brotli
    except ImportError:
        raise ValueError("br needs python3-brotli") from None
    # Quality 5 with a 4 MiB window: what servers use for dynamic pages;
    # 11 would take seconds per page at load.
    return brotli.compress(data, quality=5, lgwin=22)


def encode(coding, data):
    """data in one of ENCODINGS.  ValueError for another coding, or when the
    module a coding needs is missing."""
    if coding == "gzip":
        # mtime=0 keeps the encoding byte-identical from run to run.
        return gzip.compress(data, compresslevel=6, mtime=0)
    if coding == "br":
        return _brotli(data)
    if coding == "zstd":
        return _zstd(data)
    raise ValueError("unknown content coding %r (known: %s)" % (coding, ", ".join(ENCODINGS)))


class Body:
    """One response body: the plain bytes and its encodings, each made the
    first time it is asked for and then kept."""

    __slots__ = ("plain", "_enc", "ctype", "name")

    def __init__(self, plain, ctype, name, gz=None):
        self.plain = plain
        self._enc = {"gzip": gz} if gz is not None else {}
        self.ctype = ctype
        self.name = name

    def encoded(self, coding):
        data = self._enc.get(coding)
        if data is None:
            data = self._enc[coding] = encode(coding, self.plain)
        return data

    def gzipped(self):
        return self.encoded("gzip")


def stable_pick(key, choices):
    """Pick one of choices by a hash of key that is the same in every run
    (Python's hash() is salted per process, crc32 is not)."""
    return choices[zlib.crc32(key.encode("utf-8", "surrogatepass")) % len(choices)]


def _load(path, ctype):
    with open(path, "rb") as f:
        gz = f.read()
    return Body(gzip.decompress(gz), ctype, os.path.basename(path), gz=gz)


def wrb_null(rpc, code=5):
    """A batchexecute answer whose payload is null: what Google sends when an
    RPC has nothing to return (unknown app, no more pages)."""
    frame = json.dumps([["wrb.fr", rpc, None, None, None, [code], "generic"],
                        ["di", 12], ["af.httprm", 11, "-1", 17]],
                       separators=(",", ":"))
    return Body((")]}'\n\n" + frame).encode(), JSON, "wrb-null-" + rpc)


# --------------------------------------------------------------------------
# f.req parsing

# A form value cannot hold a raw '=', so after '%' -> '=' and '+' -> ' ' its
# escapes are quoted-printable ones, which binascii decodes in C: 28x faster
# than urllib's pure-Python unquote on the engine's 23 KB chart bodies, which
# otherwise cost the server ~2 ms each and showed up in the 25-request bench.
_FORM_TO_QP = bytes.maketrans(b"%+", b"= ")


def form_value(body, name):
    """The decoded value of `name` in an x-www-form-urlencoded body, or None."""
    for pair in body.split(b"&"):
        key, eq, value = pair.partition(b"=")
        if eq and binascii.a2b_qp(key.translate(_FORM_TO_QP)) == name:
            return binascii.a2b_qp(value.translate(_FORM_TO_QP))
    return None


def parse_freq(body, text=False):
    """Decode a batchexecute form body into [(rpcid, inner_json_or_None), ...].

    The body is `f.req=<urlencoded JSON>&at=...`; the JSON is
    [[[rpcid, "<inner JSON as a string>", null, "generic"], ...]].  Clients
    differ in quoting and in how deep they nest, so look for every
    [string, string, ...] list whose first string looks like an RPC id
    instead of indexing fixed positions.  Returns [] when nothing parses.
    With text=True the inner JSON is returned as text, undecoded (see
    inner_json)."""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        body = str(body).encode("utf-8")
    raw = form_value(bytes(body), b"f.req")
    if raw is None:
        return []
    try:
        outer = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return []
    calls = []

    def walk(node, depth):
        if depth > 6 or not isinstance(node, list):
            return
        if (len(node) >= 2 and isinstance(node[0], str) and isinstance(node[1], str)
                and re.fullmatch(r"[A-Za-z0-9]{4,12}", node[0])):
            calls.append((node[0], node[1] if text else inner_json(node[1])))
            return
        for child in node:
            walk(child, depth + 1)

    walk(outer, 0)
    return calls


def inner_json(text):
    """An RPC's inner request decoded, or None when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return None


_CHART_TAIL = re.compile(r'\[2,"([A-Za-z0-9_]*)","([A-Za-z0-9_]*)"\]')


def find_chart_text(text):
    """find_chart() on a vyAe2 inner request still in text form. Decoding
    its ~4,000 nodes cost 0.24 ms, most of the time the server spends on a
    chart request, and requests that arrive together queue behind it; the
    [2, coll, cat] list has a plain enough form to match instead."""
    found = _CHART_TAIL.findall(text)
    if found:
        return found[-1]
    return find_chart(inner_json(text))


def find_app_id(inner):
    """The app id in an RPC's inner request: Play writes it as [id, 7]."""
    stack = [inner]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if len(node) == 2 and isinstance(node[0], str) and node[1] == 7:
                return node[0]
            stack.extend(reversed(node))
    return None


def find_chart(inner):
    """(collection, category) of a vyAe2 request: the [2, coll, cat] list.

    It closes the request, after ~4,000 nodes of field masks, so the walk
    goes from the end: in document order it cost ~1 ms a request, most of
    the server's CPU when a benchmark sends 50 charts at once."""
    stack = [inner]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if (len(node) == 3 and node[0] == 2 and isinstance(node[1], str)
                    and isinstance(node[2], str)):
                return node[1], node[2]
            stack.extend(node)
    return None, None


def find_review_token(inner):
    """The continuation token of a reviews request; None on the first page.

    Play nests it as [count, null, token] inside [2, sort, [...], ...];
    google-play-scraper sends the literal "%token%" on the first page.  Any
    [int, null, string] list counts, so other clients' nesting works too."""
    stack = [inner]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            if (len(node) == 3 and isinstance(node[0], int) and node[1] is None
                    and isinstance(node[2], str)):
                return None if node[2] in ("", "%token%") else node[2]
            stack.extend(reversed(node))
    return None


# --------------------------------------------------------------------------
# Reviews: the recorded page is page 1; later pages are synthesised from it.

def _review_pages(rec, pages, end_style):
    """Build `pages` review pages from the recorded one.

    Page 1 is the recording byte for byte; its token T1 is the recorded one.
    Page k > 1 answers the token of page k-1, carries new review ids (same
    UUID shape, derived from the old id and k, so every page is distinct and
    every run identical) and the token T1 + "-pfK", except the last page,
    which carries no token: with end_style "absent" the [null, token] element
    is dropped, with "null" it becomes [null, null].
    Returns (list of Body, {token: page index})."""
    raw = rec.plain
    outer = json.loads(raw[raw.index(b"["):])
    inner = json.loads(outer[0][2])
    ids = [r[0] for r in inner[0]]
    token = inner[1][1]
    tok_b = token.encode()
    # The token sits in the escaped inner string as \"T\" inside [null,\"T\"].
    tok_elem = b',[null,\\"' + tok_b + b'\\"]]'
    if raw.count(tok_elem) != 1:
        raise ValueError("reviews recording: token element not found once")
    id_re = re.compile(rb'\\"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\"')
    idset = {i.encode() for i in ids}

    def token_for(k):
        return token if k == 1 else "%s-pf%d" % (token, k)

    bodies = []
    by_token = {}
    for k in range(1, pages + 1):
        if k == 1:
            text = raw
        else:
            def swap(m, k=k):
                old = m.group(1)
                if old not in idset:
                    return m.group(0)
                h = hashlib.sha1(old + b":%d" % k).hexdigest()[:12].encode()
                return b'\\"' + old[:-12] + h + b'\\"'
            text = id_re.sub(swap, raw)
        if k == pages:
            repl = b"]" if end_style == "absent" else b",[null,null]]"
        else:
            repl = b',[null,\\"' + token_for(k).encode() + b'\\"]]'
        if k > 1 or k == pages:
            text = text.replace(tok_elem, repl)
        bodies.append(Body(text, JSON, "%s#page%d" % (rec.name, k)))
        if k < pages:
            by_token[token_for(k)] = k  # token of page k asks for page k+1
    return bodies, by_token


class Recordings:
    """Everything the server can answer, indexed by what a request names."""

    def __init__(self, fixtures=FIXTURES, review_pages=3, reviews_end="absent"):
        if review_pages < 1:
            raise ValueError("review_pages must be >= 1")
        self.apps = {}          # app id -> Body
        self.searches = {}      # query -> Body
        self.batch = {}         # rpc id -> Body (non-review batchexecute)
        self.extra = {}         # kind -> {key: Body}  (datasafety, developer...)
        self.chart = None       # vyAe2 top chart
        self.chart_key = ("topselling_free", "GAME")
        self.batch_app_id = None
        self.not_found = None
        self.captcha = None     # Google's "unusual traffic" page (synthetic)
        for name in sorted(os.listdir(fixtures)):
            if not name.endswith(".gz"):
                continue
            path = os.path.join(fixtures, name)
            self._index(name[:-3], path)
        for sub in ("legacy_pre2022",):
            d = os.path.join(fixtures, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    if name.endswith(".gz"):
                        self._index(name[:-3], os.path.join(d, name))
        missing = [n for n, v in (("app pages", self.apps), ("search pages", self.searches),
                                  ("404 page", self.not_found), ("top chart", self.chart),
                                  ("captcha page", self.captcha),
                                  ("reviews", getattr(self, "_reviews_rec", None)))
                   if not v]
        if missing:
            raise RuntimeError("replay: fixtures missing in %s: %s" % (fixtures, ", ".join(missing)))
        self.review_pages, self.review_tokens = _review_pages(
            self._reviews_rec, review_pages, reviews_end)
        # oCPfdb is the older reviews RPC; same payload, its own name in the frame.
        self.review_pages_ocp = [
            Body(b.plain.replace(b'"wrb.fr","UsvDTd"', b'"wrb.fr","oCPfdb"', 1), JSON,
                 b.name + "#oCPfdb") for b in self.review_pages]
        self.fill_apps = sorted(k for k in self.apps if not k.endswith(OLD_LAYOUT_SUFFIX))
        self.fill_searches = sorted(self.searches)

    def _index(self, stem, path):
        stem = stem.rsplit(".", 1)[0] if stem.endswith((".html", ".txt")) else stem
        if stem.startswith("app_details_batch_"):
            rpc = stem.split("_")[3]
            self.batch[rpc] = _load(path, JSON)
            if rpc == "Ws7gDc":
                self.batch_app_id = stem.split("_")[4]
        elif stem.startswith("app_details_"):
            app_id = stem[len("app_details_"):].split("_")[0]
            if stem.endswith("_oldlayout"):
                app_id += OLD_LAYOUT_SUFFIX
            elif app_id in self.apps:
                raise RuntimeError("two recordings for " + app_id)
            self.apps[app_id] = _load(path, HTML)
        elif stem.startswith("blocked_unusual_traffic"):
            self.captcha = _load(path, HTML)
        elif stem.startswith("datasafety_notfound_404"):
            self.not_found = _load(path, HTML)
        elif stem.startswith("datasafety_"):
            self.extra.setdefault("datasafety", {})[stem.split("_")[1]] = _load(path, HTML)
        elif stem.startswith("developer_"):
            # developer_dev_<numeric id>_... and developer_developer_<name>_...
            parts = stem.split("_")
            self.extra.setdefault("developer", {})[parts[2]] = _load(path, HTML)
        elif stem.startswith("similar_cluster_"):
            self.extra.setdefault("cluster", {})[stem.split("_")[2]] = _load(path, HTML)
        elif stem.startswith("store_home_"):
            self.extra.setdefault("home", {})[stem] = _load(path, HTML)
        elif stem.startswith("search_batch_"):
            self.batch[stem.split("_")[2]] = _load(path, JSON)
        elif stem.startswith("search_"):
            self.searches[stem.split("_")[1]] = _load(path, HTML)
        elif stem.startswith("list_vyAe2_"):
            self.chart = _load(path, JSON)
        elif stem.startswith("reviews_"):
            self._reviews_rec = _load(path, JSON)
        elif stem.startswith(("permissions_", "suggest_")):
            self.batch[stem.split("_")[1]] = _load(path, JSON)

    def bodies(self):
        """Every recorded and synthesised body (not the small per-request
        null frames, which are encoded when sent)."""
        out = list(self.apps.values()) + list(self.searches.values()) + list(self.batch.values())
        for table in self.extra.values():
            out += table.values()
        out += [self.chart, self.not_found] + self.review_pages + self.review_pages_ocp
        return out

    def precompress(self, codings):
        """Encode every body in each of codings now, so that no request waits
        for an encoder.  Bodies keep their encodings, so this is done once
        however many servers share these recordings.  ValueError when a
        coding is unknown or its module is missing."""
        for coding in codings:
            for body in self.bodies():
                body.encoded(coding)

    def continuations(self):
        """The qnKhOb answers (server/continuations.py), built on first use:
        reading the pages' cards costs ~0.3 s, which a server that is never
        asked for a continuation does not pay."""
        if getattr(self, "_more", None) is None:
            from server.continuations import Continuations
            pages = [("cluster:" + k, b.plain.decode("utf-8"))
                     for k, b in sorted(self.extra.get("cluster", {}).items())]
            pages += [("developer:" + k, b.plain.decode("utf-8"))
                      for k, b in sorted(self.extra.get("developer", {}).items())]
            pages += [("search:" + k, b.plain.decode("utf-8"))
                      for k, b in sorted(self.searches.items())]
            self._more = Continuations(pages, self.chart.plain.decode("utf-8"))
        return self._more

    def search_with_token(self, body):
        """The recorded search page `body` with a continuation token added
        (cached per page)."""
        cache = self.__dict__.setdefault("_search_more", {})
        if body.name not in cache:
            more = self.continuations()
            key = next(k for k, b in self.searches.items() if b is body)
            text = more.search_page(key)
            cache[body.name] = body if text is None else Body(
                text.encode("utf-8"), HTML, body.name + "#more")
        return cache[body.name]

    def app(self, app_id, fill):
        body = self.apps.get(app_id)
        if body is None and fill and app_id:
            body = self.apps[stable_pick(app_id, self.fill_apps)]
        return body

    def search(self, query, fill):
        q = (query or "").strip().lower()
        body = self.searches.get(q)
        if body is None and fill and q:
            body = self.searches[stable_pick(q, self.fill_searches)]
        return body

    def extra_page(self, kind, key, fill):
        table = self.extra.get(kind, {})
        body = table.get(key)
        if body is None and fill and table:
            body = table[stable_pick(key or "", sorted(table))]
        return body
