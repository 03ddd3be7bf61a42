"""playfast._core offline: parsers, result types, errors, memory, leaks.

Everything here runs on the recorded pages in tests/fixtures; no network.
"""
import copy
import gc
import math
import os
import pickle
import threading
import tracemalloc

import pytest

from playfast import _core
import playfast

TRANSLATE = "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"
WHEREAMI = "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz"
MINECRAFT = "app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz"
WS7GDC = "app_details_batch_Ws7gDc_fr.reliefmaps.app_fr_2022-09.txt.gz"
OLD_LAYOUT = "app_details_com.moonwink.treasury_en_US_2021-11_oldlayout.html.gz"
NOT_FOUND = "datasafety_notfound_404_2026-07.html.gz"
CHART = "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz"
SEARCH_PANDA = "search_panda_en_us_price0_2026-07.html.gz"
SEARCH_UNICORNS = "search_unicorns_en_us_price1_rating1_2022-08.html.gz"
SEARCH_BATCH = "search_batch_lGYRle_gps_fr_2022-08.txt.gz"
# Set by `make test-python-asan`: memory is then the sanitizer's, not ours.
SANITIZED = bool(os.environ.get("PLAYFAST_SANITIZED"))
REVIEWS = "reviews_UsvDTd_com.google.android.apps.translate_newest_count150_page1_en_us_2026-07.txt.gz"

APP_KEYS = [
    "app_id", "url", "title", "summary", "description", "description_html", "installs",
    "min_installs", "max_installs", "score", "score_text", "ratings", "reviews", "histogram",
    "price", "free", "currency", "price_text", "original_price", "offers_iap", "iap_range",
    "android_version", "developer", "developer_id", "developer_email", "developer_website",
    "developer_address", "privacy_policy", "genre", "genre_id", "categories", "icon",
    "header_image", "screenshots", "video", "video_image", "content_rating",
    "content_rating_description", "ad_supported", "released", "updated", "version",
    "recent_changes", "permissions", "developer_legal_name", "developer_legal_email",
    "developer_legal_address", "developer_legal_phone", "android_max_version", "preview_video",
    "available", "preregister", "early_access", "play_pass",
]
ITEM_KEYS = [
    "app_id", "url", "title", "developer", "developer_id", "icon", "score", "score_text",
    "price", "free", "currency", "price_text", "summary", "genre", "installs", "min_installs",
]
REVIEW_KEYS = [
    "review_id", "user_name", "user_image", "content", "score", "thumbs_up", "created_at",
    "reply_content", "reply_at", "app_version",
]


@pytest.fixture(scope="module")
def translate(fixture_bytes):
    return _core.parse_app_page(fixture_bytes(TRANSLATE), "com.google.android.apps.translate")


@pytest.fixture(scope="module")
def chart(fixture_bytes):
    return _core.parse_batchexecute_list_response(fixture_bytes(CHART))


# ---------------------------------------------------------------- module


def test_module_surface():
    for name in ["fetch_and_parse_apps_batch", "fetch_and_parse_list_batch",
                 "fetch_and_parse_search_batch", "fetch_and_parse_reviews_batch",
                 "fetch_and_parse_app", "fetch_and_parse_list", "fetch_and_parse_search",
                 "fetch_and_parse_reviews", "parse_app_page", "parse_search_results",
                 "parse_batchexecute_list_response", "parse_batchexecute_reviews_response",
                 "iter_apps_batch", "iter_list_batch", "iter_search_batch",
                 "iter_reviews_batch", "configure", "parse_review_batch",
                 "extract_continuation_token", "build_list_request_body",
                 "build_reviews_request_body"]:
        assert callable(getattr(_core, name)), name
        assert getattr(playfast, name) is getattr(_core, name)
    assert (_core.SORT_RELEVANT, _core.SORT_NEWEST, _core.SORT_RATING) == (1, 2, 3)
    assert _core.RustAppInfo is _core.AppInfo
    assert _core.RustSearchResult is _core.SearchResult
    assert _core.RustReview is _core.Review
    assert playfast.__version__ == _core.__version__ == "0.1.0"


def test_exception_hierarchy():
    E = _core
    for cls in (E.AppNotFoundError, E.RateLimitError, E.HttpError, E.ParseError,
                E.TimeoutError, E.NetworkError, E.CancelledError, E.BatchError,
                E.UnsupportedLayoutError, E.ResponseTooLargeError):
        assert issubclass(cls, E.PlayfastError)
        assert cls.__module__ == "playfast._core"
    assert issubclass(E.UnsupportedLayoutError, E.ParseError)
    assert issubclass(E.TimeoutError, TimeoutError)
    assert issubclass(E.NetworkError, ConnectionError)
    assert issubclass(E.ParseError, ValueError)
    assert E.NotFoundError is E.AppNotFoundError
    # Pushback (issue 8): a blocked page has its own kind, exported by both
    # layers; bad arguments are InvalidArgumentError, also a ValueError.
    assert issubclass(E.BlockedError, E.PlayfastError)
    assert playfast.BlockedError is E.BlockedError and "BlockedError" in playfast.__all__
    assert issubclass(E.InvalidArgumentError, ValueError)
    assert playfast.InvalidArgumentError is E.InvalidArgumentError
    with open(os.path.join(os.path.dirname(_core.__file__), "_core.pyi")) as f:
        stub = f.read()
    for name in ("class BlockedError(PlayfastError)", "deadline: float | None",
                 "proxies: Sequence[str] | None", "local_addresses: Sequence[str] | None",
                 "def client_stats() -> _ClientStats"):
        assert name in stub, name


def test_module_loads_in_subinterpreter_free_state():
    # Multi-phase init: a second module object has its own types and state.
    import importlib.util
    spec = importlib.util.find_spec("playfast._core")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod is not _core
    assert mod.AppInfo is not _core.AppInfo
    assert mod.SORT_NEWEST == 2


# ---------------------------------------------------------------- parsers


def test_parse_app_page(translate):
    a = translate
    assert isinstance(a, _core.AppInfo)
    assert a.app_id == "com.google.android.apps.translate"
    assert a.title == "Google Translate"
    assert a.developer == "Google LLC"
    assert a.free is True and a.price == 0.0
    assert 4.0 < a.score < 4.5
    assert a.ratings > 9_000_000
    assert a.installs == "1,000,000,000+" and a.min_installs == 1_000_000_000
    assert set(a.histogram) == {"1", "2", "3", "4", "5"}
    # The histogram and the rating count come from different parts of the
    # page and differ slightly in the recording (9,039,773 vs 9,039,805).
    assert abs(sum(a.histogram.values()) - a.ratings) < a.ratings * 0.001
    assert a.categories[0] == {"name": "Tools", "id": "TOOLS"}
    assert all(s.startswith("https://") for s in a.screenshots) and a.screenshots
    assert isinstance(a.updated, int)
    perms = a.permissions
    assert perms and all(isinstance(p, _core.Permission) for p in perms)
    camera = [p for p in perms if p.group == "Camera"][0]
    assert camera.permissions == ["take pictures and videos"] and len(camera) == 1


def test_parse_accepts_str_bytes_bytearray_memoryview(fixture_bytes):
    raw = fixture_bytes(WS7GDC)
    variants = [raw, raw.decode("utf-8"), bytearray(raw), memoryview(raw)]
    apps = [_core.parse_app_page(v, "fr.reliefmaps.app") for v in variants]
    assert all(a == apps[0] for a in apps)
    assert apps[0].app_id == "fr.reliefmaps.app"
    with pytest.raises(TypeError):
        _core.parse_app_page(12345, "x")


def test_parse_app_paid(fixture_bytes):
    a = _core.parse_app_page(fixture_bytes(MINECRAFT), "com.mojang.minecraftpe")
    assert a.free is False and a.price > 0
    assert a.currency == "USD"


def test_parse_list(chart):
    assert len(chart) == 100
    assert all(isinstance(x, _core.SearchResult) for x in chart)
    assert len({x.app_id for x in chart}) == 100
    first = chart[0]
    assert first.app_id and first.title and first.url.endswith(first.app_id)


def test_parse_search(fixture_bytes):
    panda = _core.parse_search_results(fixture_bytes(SEARCH_PANDA))
    assert len(panda) >= 10
    assert any("panda" in (x.title or "").lower() for x in panda)
    unicorns = _core.parse_search_results(fixture_bytes(SEARCH_UNICORNS).decode())
    assert len(unicorns) >= 10
    gps = _core.parse_search_results(fixture_bytes(SEARCH_BATCH))
    assert len(gps) > 0


def test_parse_reviews(fixture_bytes):
    reviews, token = _core.parse_batchexecute_reviews_response(fixture_bytes(REVIEWS))
    assert len(reviews) == 150
    assert isinstance(token, str) and len(token) > 20
    r = reviews[0]
    assert isinstance(r, _core.Review)
    assert 1 <= r.score <= 5
    assert isinstance(r.created_at, int) and r.created_at > 1_700_000_000
    assert len({x.review_id for x in reviews}) == 150


def test_parse_errors(fixture_bytes):
    with pytest.raises(_core.AppNotFoundError) as ei:
        _core.parse_app_page(fixture_bytes(NOT_FOUND), "com.nope")
    e = ei.value
    assert e.code == "not_found" and e.request is None and e.status is None
    with pytest.raises(_core.UnsupportedLayoutError) as ei:
        _core.parse_app_page(fixture_bytes(OLD_LAYOUT), "com.moonwink.treasury")
    assert ei.value.code == "unsupported_layout"
    with pytest.raises(_core.ParseError) as ei:
        _core.parse_batchexecute_list_response(b"garbage")
    assert isinstance(ei.value, _core.PlayfastError) and ei.value.code == "malformed"
    assert ei.value.offset == 0
    with pytest.raises(_core.PlayfastError):
        _core.parse_batchexecute_reviews_response("")


# ---------------------------------------------------------------- types


def test_to_dict_matches_schema(translate, chart, fixture_bytes):
    d = translate.to_dict()
    assert list(d) == APP_KEYS
    assert list(_core.AppInfo._fields) == APP_KEYS
    assert d["permissions"][0].keys() == {"group", "permissions"}
    assert isinstance(d["free"], bool) and isinstance(d["released"], (int, type(None)))
    for k in APP_KEYS:
        if k != "permissions":
            assert getattr(translate, k) == d[k], k
    assert list(chart[0].to_dict()) == ITEM_KEYS
    reviews, _ = _core.parse_batchexecute_reviews_response(fixture_bytes(REVIEWS))
    assert list(reviews[0].to_dict()) == REVIEW_KEYS
    # Absent values are None, never NaN or the INT64_MIN sentinel.
    for obj in [translate, *chart, *reviews]:
        for v in obj.to_dict().values():
            assert v is None or not (isinstance(v, float) and math.isnan(v))
            assert not (isinstance(v, int) and v < -2**62)


def test_original_attribute_names(translate):
    # Names of the original RustAppInfo that map onto schema fields.
    assert translate.contains_ads is translate.ad_supported
    assert translate.in_app_purchases is translate.offers_iap
    assert translate.required_android_version == translate.android_version
    assert "contains_ads" not in translate.to_dict()


def test_attributes_read_only(translate):
    with pytest.raises(AttributeError):
        translate.title = "x"
    with pytest.raises(AttributeError):
        del translate.score
    with pytest.raises(AttributeError):
        translate.no_such_field
    with pytest.raises(TypeError):
        hash(translate)


def test_repr(translate, chart):
    assert repr(translate).startswith("AppInfo(app_id='com.google.android.apps.translate'")
    assert "title='Google Translate'" in repr(translate)
    assert repr(chart[0]).startswith("SearchResult(app_id=")
    assert repr(translate.permissions[0]).startswith("Permission(group=")


def test_equality(fixture_bytes, translate, chart):
    again = _core.parse_app_page(fixture_bytes(TRANSLATE), "com.google.android.apps.translate")
    assert again == translate and not (again != translate)
    other = _core.parse_app_page(fixture_bytes(WHEREAMI), "com.adex77.WhereAmI")
    assert other != translate
    assert chart[0] != chart[1]
    assert chart[0] != translate and chart[0] != chart[0].to_dict()


def test_pickle_round_trip(translate, chart, fixture_bytes):
    reviews, token = _core.parse_batchexecute_reviews_response(fixture_bytes(REVIEWS))
    for obj in (translate, chart[0], reviews[0], translate.permissions[0]):
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(obj, proto))
            assert type(back) is type(obj)
            assert back == obj
            assert back.to_dict() == obj.to_dict()
            assert repr(back) == repr(obj)
    back = pickle.loads(pickle.dumps(translate))
    assert back.permissions == translate.permissions
    assert isinstance(back.permissions[0], _core.Permission)
    assert copy.deepcopy(chart) == chart
    # A whole list (many objects sharing one block) round-trips too.
    assert pickle.loads(pickle.dumps(chart)) == chart


def test_constructor(chart):
    d = chart[3].to_dict()
    made = _core.SearchResult(d)
    assert made == chart[3]
    assert _core.SearchResult(**d) == chart[3]
    partial = _core.SearchResult(app_id="x.y", title="T")
    assert partial.app_id == "x.y" and partial.score is None
    with pytest.raises(TypeError):
        _core.SearchResult(no_such_field=1)
    # Values handed out are copies: mutating them does not change the object.
    app = _core.AppInfo(screenshots=["a"], categories=[{"name": "n", "id": None}])
    app.screenshots.append("b")
    app.categories[0]["name"] = "changed"
    assert app.screenshots == ["a"] and app.categories[0]["name"] == "n"


def test_search_result_keeps_every_value_exactly(chart):
    # SearchResult objects are packed (prefixes left out, long text
    # compressed); every value must come back as it went in.
    long_text = "Ünïcödé 🐾 text — " * 40          # compressed (> 128 bytes)
    cases = [
        dict(app_id="a.b", url="https://play.google.com/store/apps/details?id=a.b",
             icon="https://play-lh.googleusercontent.com/xyz", summary=long_text),
        dict(app_id="a.b", url="https://example.com/store/apps/details?id=a.b",
             icon="https://play-lh.googleusercontent.com/", summary="short 🐾"),
        dict(url="https://play.google.com/store/apps/details?id=", icon="", summary=""),
        # The URL's tail is the app id (stored once), or not; fields after it.
        dict(app_id="a.b", url="https://play.google.com/store/apps/details?id=a.b",
             title="T", developer="D", genre="G", summary="s"),
        dict(app_id="a.b", url="https://play.google.com/store/apps/details?id=a.c",
             title="T", developer=None, genre="G"),
        dict(app_id="", url="https://play.google.com/store/apps/details?id=", title="T"),
        dict(title="", developer="", summary=None, score=0.0, price=0.0, free=False,
             min_installs=0),
        dict(score=4.6152463, price=1.99, free=True, min_installs=2**62,
             summary="x" * 128),                        # exactly the threshold
        dict(summary="\u00e9" * 5000 + "\U0001F600"),  # 10 KB of UTF-8
        dict(summary="abc" * 30000),                     # 90 KB, compresses to a few bytes
        {},
    ]
    for c in cases:
        made = _core.SearchResult(**c)
        for k in _core.SearchResult._fields:
            v = getattr(made, k)
            want = c.get(k)
            assert v == want and type(v) is type(want), (k, v, want)
        assert pickle.loads(pickle.dumps(made)) == made
    for item in chart:
        assert _core.SearchResult(item.to_dict()) == item
    assert _core.SearchResult(price=0).price == 0.0          # ints are numbers too


def test_search_result_constructor_rejects_bad_values():
    with pytest.raises(TypeError, match="SearchResult.title must be str"):
        _core.SearchResult(title=5)
    with pytest.raises(TypeError, match="SearchResult.score must be a number"):
        _core.SearchResult(score="4.5")
    with pytest.raises(TypeError, match="SearchResult.free must be bool"):
        _core.SearchResult(free=1)
    with pytest.raises(TypeError, match="SearchResult.min_installs must be int"):
        _core.SearchResult(min_installs=1.5)
    with pytest.raises(OverflowError):
        _core.SearchResult(min_installs=2**70)
    with pytest.raises(ValueError, match="SearchResult.summary contains a NUL"):
        _core.SearchResult(summary="a\0b")
    with pytest.raises(UnicodeEncodeError):
        _core.SearchResult(title="\ud800")              # a lone surrogate


def test_search_results_are_small_objects(chart):
    # No per-object garbage-collector header, no reference to the page:
    # one allocation holding the fields.
    assert not gc.is_tracked(chart[0])
    assert gc.get_referents(chart[0]) == []
    summary = len(chart[0].summary.encode())
    assert __import__("sys").getsizeof(chart[0]) < 64 + 300 + summary * 0.7


def test_results_outlive_each_other(fixture_bytes):
    # An item outlives its list; permissions share the app's C block, which
    # must stay alive while any of them does.
    items = _core.parse_batchexecute_list_response(fixture_bytes(CHART))
    last = items[-1]
    title = last.title
    del items
    gc.collect()
    assert last.title == title
    perms = _core.parse_app_page(fixture_bytes(TRANSLATE), None).permissions
    gc.collect()
    assert perms[0].group == "Identity"


def test_parse_releases_gil(fixture_bytes):
    # Parsing in threads gives the same results as parsing serially.
    raw = fixture_bytes(TRANSLATE)
    want = _core.parse_app_page(raw, None)
    out = []

    def work():
        for _ in range(20):
            out.append(_core.parse_app_page(raw, None) == want)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [True] * 80


# ---------------------------------------------------------------- memory


def _rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _keep_10000(raw, parse, trace):
    """10,000 results from fresh parses of one page, and what keeping them
    costs: bytes traced by tracemalloc (exact: a SearchResult owns nothing
    outside its own object), or else the growth of the resident set."""
    gc.collect()
    rss0 = _rss_kb()
    if trace:
        tracemalloc.start()
    kept = []
    while len(kept) < 10_000:
        kept.extend(parse(raw))
    del kept[10_000:]
    gc.collect()
    if trace:
        cost, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    else:
        cost = (_rss_kb() - rss0) * 1024
    return kept, cost


@pytest.mark.parametrize("name,parser", [
    (CHART, "parse_batchexecute_list_response"),       # full description on every card
    (SEARCH_PANDA, "parse_search_results"),
    (SEARCH_UNICORNS, "parse_search_results"),
    (SEARCH_BATCH, "parse_search_results"),            # short texts
])
def test_10000_search_results_within_15mb(name, parser, fixture_bytes):
    # Issue 4's bar, for every kind of page SearchResult objects come from.
    raw = fixture_bytes(name)
    parse = getattr(_core, parser)
    kept, traced = _keep_10000(raw, parse, trace=True)
    assert len(kept) == 10_000 and kept[-1] == parse(raw)[(10_000 - 1) % len(parse(raw))]
    assert traced <= 15_000_000, traced
    del kept
    if not SANITIZED:
        kept, rss = _keep_10000(raw, parse, trace=False)
        assert rss <= 15_000_000, rss


def test_no_leaks_10000_calls(fixture_bytes, chart):
    small = fixture_bytes(WS7GDC)
    item = chart[0].to_dict()          # its summary is stored compressed

    def batch(n):
        for _ in range(n):
            a = _core.parse_app_page(small, "fr.reliefmaps.app")
            a.to_dict()
            repr(a)
            a.permissions
            pickle.loads(pickle.dumps(a))
            r = _core.SearchResult(item)
            r.summary
            pickle.loads(pickle.dumps(r))
            try:
                _core.SearchResult(item, title=1)
            except TypeError:
                pass
            try:
                _core.parse_batchexecute_list_response(b"garbage")
            except _core.PlayfastError:
                pass

    batch(500)   # warm caches and free lists
    gc.collect()
    tracemalloc.start()
    rss0 = _rss_kb()
    snap0, _ = tracemalloc.get_traced_memory()
    batch(10_000)
    gc.collect()
    snap1, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = _rss_kb()
    assert snap1 - snap0 < 64 * 1024, snap1 - snap0
    if not SANITIZED:
        assert rss1 - rss0 < 4 * 1024, (rss0, rss1)   # KB


# ---------------------------------------------------------------- same schema as the CLI

CLI = __import__("os").path.join(__import__("conftest").ROOT, "build", "playfast")


@pytest.mark.skipif(not __import__("os").path.exists(CLI), reason="build/playfast not built")
@pytest.mark.parametrize("kind,name", [("app", TRANSLATE), ("app", MINECRAFT), ("list", CHART),
                                       ("search", SEARCH_PANDA), ("reviews", REVIEWS)])
def test_to_dict_equals_cli_json(kind, name, fixture_bytes, tmp_path):
    import json
    import subprocess
    raw = fixture_bytes(name)
    path = tmp_path / "page"
    path.write_bytes(raw)
    out = subprocess.run([CLI, "parse", kind, str(path)], capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)
    if kind == "app":
        mine = _core.parse_app_page(raw, None).to_dict()
    elif kind == "list":
        mine = [x.to_dict() for x in _core.parse_batchexecute_list_response(raw)]
    elif kind == "search":
        mine = [x.to_dict() for x in _core.parse_search_results(raw)]
    else:
        reviews, token = _core.parse_batchexecute_reviews_response(raw)
        mine = {"reviews": [r.to_dict() for r in reviews], "next_token": token}
    # Same values (0 == 0.0: the CLI prints integral doubles without ".0")...
    assert mine == cli
    # ...and the same keys in the same order.
    def first(doc):
        return doc["reviews"][0] if kind == "reviews" else doc[0] if kind != "app" else doc

    assert list(first(mine)) == list(first(cli))
