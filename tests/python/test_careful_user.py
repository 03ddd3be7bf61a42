"""Issue 13, Python side: what a careful user of playfast expects -- a str
is one item, a broken review chain keeps what it fetched, errors say what
to fix, records load as they should, one vocabulary, signatures that
inspect and stubs that match, cancel() from another thread. Every test
talks to a real replay server (server/replay.py) on loopback.
"""
import ast
import datetime
import inspect
import math
import os
import re
import threading
import time

import pytest

import playfast
from playfast import _core

TRANSLATE_ID = "com.google.android.apps.translate"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def use(rp, **settings):
    return _core.configure(base_url=rp.base_url, **settings)


# ---------------------------------------------------------------- 1. a str is one item


def test_a_str_where_a_list_is_expected_is_one_item(pf, replay):
    before = replay.stats()["requests"]
    recs = playfast.fetch_apps(TRANSLATE_ID)
    assert len(recs) == 1 and recs[0]["app_id"] == TRANSLATE_ID
    assert replay.stats()["requests"] == before + 1
    assert len(playfast.fetch_apps(TRANSLATE_ID, countries="de")) == 1
    charts = playfast.fetch_category_lists("us", "GAME", num=5)
    assert {(r["country"], r["category"]) for r in charts} == {("us", "GAME")}
    found = playfast.search_apps("panda", countries="us")
    assert {r["query"] for r in found} == {"panda"}
    # The batch functions too, where a bare str is a request.
    assert len(_core.fetch_and_parse_apps_batch(TRANSLATE_ID)) == 1
    assert len(_core.fetch_and_parse_search_batch("panda")) == 1
    revs = playfast.fetch_reviews(TRANSLATE_ID, countries="us")
    assert {r["app_id"] for r in revs} == {TRANSLATE_ID} and len(revs) == 150


# ---------------------------------------------------------------- 2. broken review chains


def test_a_review_chain_whose_second_page_answers_503_keeps_page_one(pf, replay_factory):
    """The issue's bar. A 503 is pushback, retried until the request's
    deadline, so the deadline is short (1 s) and every answer after the
    first page is a 503."""
    rp = replay_factory("--review-pages", "3")
    use(rp, deadline=1.0, backoff=0.05)
    rp.script(["ok"] + ["503"] * 200)
    with pytest.raises(_core.RateLimitError) as ei:
        _core.fetch_and_parse_reviews(TRANSLATE_ID, count=450)
    e = ei.value
    assert len(e.partial) == 150 and all(isinstance(r, _core.Review) for r in e.partial)
    assert isinstance(e.next_token, str) and e.next_token
    # Resuming from the token fetches the rest (from a server without the
    # 503s still queued; the tokens are the same).
    use(replay_factory("--review-pages", "3"), deadline=None, backoff=None)
    reviews, token = _core.fetch_and_parse_reviews(TRANSLATE_ID, count=300,
                                                   continuation_token=e.next_token)
    assert len(reviews) == 300 and token is None
    assert not {r.review_id for r in reviews} & {r.review_id for r in e.partial}


def test_broken_chains_keep_their_pages_in_batches_and_iterators(pf, replay_factory):
    """A non-pushback failure (a truncated body, retries=0) on page two."""
    rp = replay_factory("--review-pages", "3")
    use(rp, retries=0)
    rp.script(["ok", "truncate"])
    out = _core.fetch_and_parse_reviews_batch([(TRANSLATE_ID, "en", "us", "newest", None, "all")],
                                              return_exceptions=True)
    assert isinstance(out[0], _core.NetworkError)
    assert len(out[0].partial) == 150 and out[0].next_token
    rp.script(["ok", "truncate"])
    [(i, err)] = list(_core.iter_reviews_batch([(TRANSLATE_ID, "en", "us", None, None, 400)]))
    assert i == 0 and len(err.partial) == 150 and err.next_token
    # A chain that fails on its first page has nothing to keep.
    rp.script(["truncate"])
    with pytest.raises(_core.NetworkError) as ei:
        _core.fetch_and_parse_reviews(TRANSLATE_ID)
    assert ei.value.partial is None and ei.value.next_token is None
    # The record layer returns the partial reviews, then the error record.
    rp.script(["ok", "truncate"])
    recs = playfast.fetch_reviews(TRANSLATE_ID, num="all", errors="record")
    assert len(recs) == 151 and recs[-1]["error"]["kind"] == "network"
    assert recs[-1]["next_token"] and all(r["error"] is None for r in recs[:150])


# ---------------------------------------------------------------- 3. errors that say what to fix


@pytest.mark.parametrize("call, message", [
    (lambda: _core.fetch_and_parse_app(""), r"^app_id: empty; give an app id"),
    (lambda: _core.fetch_and_parse_app(TRANSLATE_ID, country="usa"),
     r'^country: "usa" is not a country code; give an ISO 3166-1 alpha-2 code'),
    (lambda: _core.fetch_and_parse_app(TRANSLATE_ID, country="zz"), r'^country: "zz"'),
    (lambda: _core.fetch_and_parse_app(TRANSLATE_ID, country=""), r'^country: ""'),
    (lambda: _core.fetch_and_parse_app(TRANSLATE_ID, lang="english"),
     r'^lang: "english" is not a language code; give one such as en, en-GB'),
    (lambda: _core.fetch_and_parse_search("panda", price=7),
     r"^price: must be 0 \(all\), 1 \(free\) or 2 \(paid\), got 7$"),
    (lambda: _core.fetch_and_parse_reviews(TRANSLATE_ID, sort=99),
     r"^sort: must be 1 \(relevant\), 2 \(newest\) or 3 \(rating\), got 99$"),
    (lambda: _core.fetch_and_parse_reviews(TRANSLATE_ID, sort="best"),
     r'^sort: must be "newest", "relevant", "rating" or SORT_RELEVANT'),
    (lambda: _core.fetch_and_parse_list("GAME", num="5"), r"^num: must be an int 1\.\.1000000.*got '5'$"),
    (lambda: _core.fetch_and_parse_list("GAME", num=10**30), r"^num: must be an int 1\.\.1000000"),
    (lambda: _core.fetch_and_parse_list("GAME", num=-3), r"^num: must be 1\.\.1000000 .*got -3$"),
    (lambda: _core.fetch_and_parse_search("panda", num=-1), r"^num: must be 1\.\.1000000"),
    (lambda: _core.fetch_and_parse_reviews(TRANSLATE_ID, count=-5), r"^count: must be 1\.\.100000000"),
    (lambda: _core.fetch_and_parse_list("GAME", "best_ever"), r'^collection: "best_ever" is not a collection'),
    # Argument order mistakes are caught by the same check.
    (lambda: playfast.fetch_category_lists("GAME", "us"), r'^country: "GAME" is not a country code'),
    (lambda: playfast.fetch_apps(TRANSLATE_ID, "en"), r'^country: "en" is not a country code'),
])
def test_bad_arguments_name_the_argument_value_and_what_is_allowed(pf, replay, call, message):
    before = replay.stats()["requests"]
    with pytest.raises(_core.InvalidArgumentError, match=message) as ei:
        call()
    assert isinstance(ei.value, ValueError)
    assert "request 0" not in str(ei.value) or "batch" in message
    assert replay.stats()["requests"] == before


def test_a_batch_names_the_request_a_single_call_does_not(pf):
    with pytest.raises(_core.InvalidArgumentError, match=r'"usa".*\(request 1\)$'):
        _core.fetch_and_parse_apps_batch([(TRANSLATE_ID, "en", "us"), (TRANSLATE_ID, "en", "usa")])
    with pytest.raises(_core.InvalidArgumentError) as ei:
        _core.fetch_and_parse_app(TRANSLATE_ID, "en", "usa")
    assert "request" not in str(ei.value)


def test_good_codes_pass(pf):
    for country, lang in [("US", "en"), ("gb", "en-GB"), ("br", "pt_BR"), ("tw", "zh-TW")]:
        assert _core.fetch_and_parse_app(TRANSLATE_ID, lang, country).title


# ---------------------------------------------------------------- 4. not found, no data


def test_not_found_and_no_data_name_what_was_asked(pf, replay_strict):
    use(replay_strict)
    with pytest.raises(_core.AppNotFoundError, match=r"^no app com\.example\.x in de$") as ei:
        _core.fetch_and_parse_app("com.example.x", "en", "de")
    assert ei.value.detail and ei.value.status == 404
    with pytest.raises(_core.NoDataError) as ei:
        _core.fetch_and_parse_list("GAME_NOPE", num=10)
    assert not isinstance(ei.value, _core.AppNotFoundError)
    assert "GAME_NOPE" in str(ei.value) and "vyAe2" not in str(ei.value)
    assert "vyAe2" in ei.value.detail
    with pytest.raises(_core.InvalidArgumentError, match=r"^continuation_token: the server refused"):
        _core.fetch_and_parse_reviews(TRANSLATE_ID, continuation_token="not-a-token")


# ---------------------------------------------------------------- 5. records


def test_records_have_datetimes_none_for_absent_numbers_and_num_everywhere(pf):
    [app] = playfast.fetch_apps(TRANSLATE_ID)
    assert isinstance(app["updated"], datetime.datetime)
    assert app["updated"].tzinfo is datetime.timezone.utc
    [raw] = playfast.fetch_apps(TRANSLATE_ID, dates="unix")
    assert isinstance(raw["updated"], int)
    assert app["updated"].timestamp() == raw["updated"]
    revs = playfast.fetch_reviews(TRANSLATE_ID, num=20)
    assert len(revs) == 20 and all(r["created_at"].tzinfo for r in revs)
    assert all(r["reply_at"] is None or isinstance(r["reply_at"], datetime.datetime) for r in revs)
    charts = playfast.fetch_category_lists(["us"], ["GAME"], num=7)
    assert len(charts) == 7
    assert len(playfast.search_apps("panda", num=3)) == 3
    for rec in [app] + revs + charts:
        assert not any(isinstance(v, float) and math.isnan(v) for v in rec.values())


def test_records_keep_absent_numbers_none(pf):
    # A SearchResult without a score: its record says None, not NaN.
    item = _core.SearchResult(app_id="x.y", title="X")
    rec = playfast._record(item, "datetime")
    assert rec["score"] is None and rec["price"] is None


def test_errors_record_puts_failures_beside_successes(pf, replay_strict):
    pd = pytest.importorskip("pandas")
    use(replay_strict)
    recs = playfast.fetch_apps([TRANSLATE_ID, "com.example.gone"], countries=["us", "de"],
                               errors="record")
    assert len(recs) == 4
    bad = [r for r in recs if r["error"]]
    assert [(r["app_id"], r["country"]) for r in bad] == [("com.example.gone", "us"),
                                                          ("com.example.gone", "de")]
    assert bad[0]["error"]["kind"] == "not_found"
    assert bad[0]["error"]["message"] == "no app com.example.gone in us"
    df = pd.DataFrame(recs)
    assert str(df["updated"].dtype) == "datetime64[ns, UTC]"
    assert df["error"].isna().sum() == 2


# ---------------------------------------------------------------- 6. one vocabulary


def test_sort_and_price_take_names_or_codes(pf):
    by_name = _core.fetch_and_parse_reviews(TRANSLATE_ID, sort="newest", count=10)
    by_code = _core.fetch_and_parse_reviews(TRANSLATE_ID, sort=_core.SORT_NEWEST, count=10)
    assert by_name == by_code
    assert (_core.fetch_and_parse_search("panda", price="free")
            == _core.fetch_and_parse_search("panda", price=_core.PRICE_FREE))
    assert _core.fetch_and_parse_reviews_batch([(TRANSLATE_ID, "en", "us", "rating", None, "all")])
    assert (_core.build_reviews_request_body(TRANSLATE_ID, "rating")
            == _core.build_reviews_request_body(TRANSLATE_ID, _core.SORT_RATING))
    with pytest.raises(_core.InvalidArgumentError, match=r"^sort: must be"):
        _core.build_reviews_request_body(TRANSLATE_ID, "best")
    assert inspect.signature(playfast.fetch_reviews).parameters["sort"].default == "newest"
    # fetch_and_parse_reviews keeps the original package's documented default
    # (most relevant), and its stub says so.
    assert inspect.signature(_core.fetch_and_parse_reviews).parameters["sort"].default == 1
    stub = open(os.path.join(ROOT, "python", "playfast", "_core.pyi")).read()
    assert re.search(r"#.*SORT_RELEVANT \(1\) here, the original package's documented\n"
                     r"# default", stub)


# ---------------------------------------------------------------- 7. signatures and stubs


def stub_functions():
    tree = ast.parse(open(os.path.join(ROOT, "python", "playfast", "_core.pyi")).read())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def shape_of_stub(fn):
    a = fn.args
    shape = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + a.defaults
    for arg, d in zip(pos, defaults):
        kind = "POSITIONAL_ONLY" if arg in a.posonlyargs else "POSITIONAL_OR_KEYWORD"
        shape.append((arg.arg, kind, d is not None))
    if a.vararg:
        shape.append((a.vararg.arg, "VAR_POSITIONAL", False))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        shape.append((arg.arg, "KEYWORD_ONLY", d is not None))
    return shape


def shape_of(obj):
    return [(p.name, p.kind.name, p.default is not p.empty)
            for p in inspect.signature(obj).parameters.values()]


def test_every_function_has_a_signature_and_its_stub_matches():
    stubs = stub_functions()
    funcs = [n for n in dir(_core) if not n.startswith("_")
             and callable(getattr(_core, n)) and not isinstance(getattr(_core, n), type)]
    assert len(funcs) >= 20
    for name in funcs:
        assert name in stubs, name
        assert shape_of(getattr(_core, name)) == shape_of_stub(stubs[name]), name
    for name in ("fetch_apps", "fetch_category_lists", "search_apps", "fetch_reviews"):
        inspect.signature(getattr(playfast, name))
    for meth in ("close", "cancel", "__enter__", "__exit__"):
        inspect.signature(getattr(_core.BatchIterator, meth))


def test_configure_returns_every_setting_in_effect(pf, replay):
    got = _core.configure()
    assert got["base_url"] == replay.base_url and got["retries"] == 0
    assert got["deadline"] == 600 and got["concurrency"] == 64 and got["proxies"] == ()


# ---------------------------------------------------------------- 8. cancel() from a thread


def test_readme_cancel_from_another_thread_example(pf, replay_factory):
    """The README's example, run: a batch iterated in a worker thread is
    cancelled from the main thread (signals reach only the main one)."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    code = re.search(r"\*\*Ctrl-C and threads\.\*\*.*?```python\n(.*?)```", readme, re.S).group(1)
    rp = replay_factory("--fill", "--latency", "5")
    use(rp)
    code = code.replace("timeout=30", "timeout=0.5")
    ns = {"ids": ["com.example.slow%d" % i for i in range(8)]}
    t0 = time.monotonic()
    exec(compile(code, "README.md", "exec"), ns)
    assert time.monotonic() - t0 < 3
    assert not ns["worker"].is_alive()
    assert len(ns["results"]) == 8
    assert all(isinstance(r, _core.CancelledError) for r in ns["results"].values())
