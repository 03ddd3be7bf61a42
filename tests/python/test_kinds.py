"""The kinds of issue 10 from Python and the CLI, against the replay server:
developer, similar, suggest, permissions, data safety, categories, deeper
search, the review score filter. Values are those of the recordings
(tests/fixtures/SOURCES.md); continuations come from server/continuations.py.
"""
import json
import os
import subprocess

import pytest

import playfast
from playfast import _core

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYFAST = os.path.join(ROOT, "build", "playfast")
TRANSLATE = "com.google.android.apps.translate"
GOOGLE = "5700313618786177705"
GOOGLE_FIRST = ["com.google.android.apps.messaging", "com.google.android.apps.youtube.unplugged",
                "com.google.android.apps.bard", "com.google.android.apps.authenticator2"]


def test_developer_by_id_and_by_name(pf):
    apps = pf.fetch_and_parse_developer(GOOGLE)
    assert len(apps) == 60                      # the default, over two pages
    assert [a.app_id for a in apps[:4]] == GOOGLE_FIRST
    assert apps[10].app_id == "com.google.android.inputmethod.latin"   # the continuation
    assert len({a.app_id for a in apps}) == 60
    mojang = pf.fetch_and_parse_developer("Mojang", num=10)
    assert [a.app_id for a in mojang] == ["com.mojang.minecraftpe", "com.mojang.minecraftedu",
                                          "com.mojang.minecraftedu_preview"]
    assert mojang[0].price == 6.99 and mojang[0].title == "Minecraft: Dream it, Build it!"
    assert len(pf.fetch_and_parse_developer(GOOGLE, num=250)) > 100


def test_similar(pf):
    apps = pf.fetch_and_parse_similar(TRANSLATE, num=50)
    assert len(apps) == 50
    assert apps[0].app_id == "com.google.android.inputmethod.latin"
    assert apps[49].app_id == "com.google.android.apps.authenticator2"
    assert apps[2].developer == "Tool Apps Hub"


def test_suggest_permissions_datasafety_categories(pf):
    assert pf.fetch_and_parse_suggest("pand") == ["pandora", "panda express app", "panda",
                                                  "panda vpn", "panda games"]
    perms = pf.fetch_and_parse_permissions(TRANSLATE)
    assert perms[0] == {"group": "Identity",
                        "permissions": ["find accounts on the device", "add or remove accounts"]}
    assert perms[-1] == {"group": None, "permissions": ["receive data from Internet"]}
    ds = pf.fetch_and_parse_datasafety(TRANSLATE)
    assert ds["shared_data"] == []
    assert ds["collected_data"][0] == {"data": "Name", "type": "Personal info",
                                       "purpose": "Account management", "optional": True}
    assert len(ds["collected_data"]) == 16
    assert ds["security_practices"][1]["practice"] == "You can request that data be deleted"
    assert ds["privacy_policy_url"] == "http://www.google.com/policies/privacy/"
    cats = pf.fetch_and_parse_categories()
    assert cats[0] == {"name": "Kids", "id": "FAMILY"} and len(cats) == 54
    assert playfast.CATEGORIES[0] == {"name": "Apps", "id": "APPLICATION"}
    assert {c["id"] for c in playfast.CATEGORIES} == {c["id"] for c in cats}


def test_batches_iterators_and_errors(pf, replay_strict):
    got = pf.fetch_and_parse_suggest_batch([("pand", "en", "us"), "pand"])
    assert got[0] == got[1] and len(got[0]) == 5
    pf.configure(base_url=replay_strict.base_url)
    res = pf.fetch_and_parse_datasafety_batch([TRANSLATE, "com.example.gone"],
                                              return_exceptions=True)
    assert len(res[0]["collected_data"]) == 16
    assert isinstance(res[1], pf.AppNotFoundError)
    out = dict(pf.iter_similar_batch([(TRANSLATE, "en", "us", 5), "com.example.gone"]))
    assert len(out[0]) == 5 and isinstance(out[1], pf.NotFoundError)
    with pytest.raises(TypeError):
        pf.fetch_and_parse_developer_batch([(GOOGLE, "en", "us", 10, "extra")])
    with pytest.raises(pf.InvalidArgumentError):
        pf.fetch_and_parse_developer("")


def test_record_functions_errors_modes(pf, replay_strict, tmp_path):
    """errors="record" gives the failed request's error record and tags the
    others with "error": None, as fetch_apps does; "skip" leaves it out."""
    pf.configure(base_url=replay_strict.base_url)
    gone = "com.example.gone"
    for name, key in (("fetch_similar_apps", "similar_to"), ("fetch_datasafety", "app_id")):
        fn = getattr(playfast, name)
        recs = fn([TRANSLATE, gone], errors="record")
        failed = [r for r in recs if r["error"] is not None]
        assert len(failed) == 1 and failed[0][key] == gone, name
        assert failed[0]["error"]["kind"] == "not_found" and failed[0]["country"] == "us"
        ok = [r for r in recs if r["error"] is None]
        assert ok and all(r[key] == TRANSLATE for r in ok), name
        skipped = fn([TRANSLATE, gone], errors="skip")
        assert skipped == [{k: v for k, v in r.items() if k != "error"} for r in ok], name
        assert fn([TRANSLATE, gone], errors="record", db=tmp_path / "k.db") == recs, name
        with pytest.raises(playfast.BatchError):
            fn([TRANSLATE, gone])
    # No NaN in records: an absent number is None, with or without db=.
    sim = playfast.fetch_similar_apps(TRANSLATE)
    assert all(not isinstance(v, float) or v == v for r in sim for v in r.values())


def test_offline_parse_kind(fixture_bytes):
    dev = _core.parse_kind("developer", fixture_bytes(
        "developer_dev_5700313618786177705_google_en_us_2026-07.html.gz"))
    assert [a.app_id for a in dev[:4]] == GOOGLE_FIRST and len(dev) == 10
    more = _core.parse_kind("developer", fixture_bytes(
        "continuation_qnKhOb_cluster_cards_derived.txt.gz"))
    assert len(more) == 5
    with pytest.raises(_core.NotFoundError):
        _core.parse_kind("datasafety", fixture_bytes("datasafety_notfound_404_2026-07.html.gz"))
    with pytest.raises(ValueError):
        _core.parse_kind("nope", "")


def test_deeper_search(pf, replay_factory):
    rp = replay_factory("--search-more")
    pf.configure(base_url=rp.base_url)
    assert len(pf.fetch_and_parse_search("panda")) == 20
    deep = pf.fetch_and_parse_search("panda", num=250)
    assert 200 < len(deep) <= 250 and deep[0].app_id == "com.pandaexpress.app"
    assert len({a.app_id for a in deep}) == len(deep)
    assert len(pf.fetch_and_parse_search("panda", num=30)) == 30


def test_review_score_filter_reaches_the_request(pf, replay_factory):
    rp = replay_factory("--fill")
    pf.configure(base_url=rp.base_url)
    pf.fetch_and_parse_reviews(TRANSLATE, score=4)
    playfast.fetch_reviews([TRANSLATE], score=2)
    scores = [e.get("score") for e in rp.log() if e.get("rpc") in ("UsvDTd", "oCPfdb")]
    assert scores == [4, 2]
    with pytest.raises(pf.InvalidArgumentError):
        pf.fetch_and_parse_reviews(TRANSLATE, score=6)


def test_review_score_filter_with_db(pf, replay_factory, tmp_path):
    rp = replay_factory("--fill")
    pf.configure(base_url=rp.base_url)
    db = tmp_path / "r.db"
    stored = playfast.fetch_reviews([TRANSLATE], score=3, count=200, db=db)
    assert stored == playfast.fetch_reviews([TRANSLATE], score=3, count=200)
    assert len(stored) == 200
    scores = [e.get("score") for e in rp.log() if e.get("rpc") in ("UsvDTd", "oCPfdb")]
    assert scores and set(scores) == {3}
    # Another score is another request in the file; the same one is done.
    playfast.fetch_reviews([TRANSLATE], score=3, count=200, db=db)
    playfast.fetch_reviews([TRANSLATE], count=200, db=db)
    keys = [r["request"]["score"] for r in playfast.store.export(db, "reviews")]
    assert sorted(keys) == [0, 3]
    with pytest.raises(pf.InvalidArgumentError):
        playfast.fetch_reviews([TRANSLATE], score=6, db=db)


def test_high_level_records(pf):
    recs = playfast.fetch_developer_apps(["Mojang", GOOGLE], num=12)
    assert [r["developer_query"] for r in recs].count("Mojang") == 3 and len(recs) == 15
    assert recs[3]["rank"] == 1 and recs[3]["app_id"] == GOOGLE_FIRST[0]
    sim = playfast.fetch_similar_apps(TRANSLATE, num=3)
    assert [r["similar_to"] for r in sim] == [TRANSLATE] * 3
    sug = playfast.fetch_suggestions("pand")
    assert sug[0] == {"term": "pand", "suggestion": "pandora", "country": "us", "lang": "en",
                      "rank": 1}
    perms = playfast.fetch_permissions(TRANSLATE)
    assert len(perms) == 24 and perms[-1]["group"] is None
    ds = playfast.fetch_datasafety([TRANSLATE], countries=["us", "fr"])
    assert [d["country"] for d in ds] == ["us", "fr"]


def cli(*args, base=None):
    env = dict(os.environ)
    if base:
        env["PLAYFAST_BASE_URL"] = base
    return subprocess.run([PLAYFAST, *args], capture_output=True, text=True, env=env, timeout=60)


def test_cli_commands(replay):
    r = cli("developer", GOOGLE, "Mojang", "--num", "15", base=replay.base_url)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines[0]["request"]["developer_id"] == GOOGLE and len(lines[0]["results"]) == 15
    assert list(lines[0]["results"][0]) == list(_core.SearchResult._fields)
    assert len(lines[1]["results"]) == 3 and lines[1]["next_token"] is None
    r = cli("suggest", "pand", base=replay.base_url)
    assert json.loads(r.stdout)["results"][0] == "pandora"
    r = cli("datasafety", TRANSLATE, base=replay.base_url)
    d = json.loads(r.stdout)
    assert list(d["result"]) == ["shared_data", "collected_data", "security_practices",
                                 "privacy_policy_url"]
    r = cli("categories", "--format", "csv", base=replay.base_url)
    rows = r.stdout.splitlines()
    assert rows[0] == "kind,lang,country,error,error_status,error_message,name,id" \
        and len(rows) == 55
    r = cli("permissions", TRANSLATE, "--format", "json", base=replay.base_url)
    assert json.loads(r.stdout)[0]["results"][8]["group"] == "Other"


def test_cli_parse_kinds(fixture_bytes, tmp_path):
    p = tmp_path / "s.txt"
    p.write_bytes(fixture_bytes("suggest_IJ4APc_pand_en_us_2026-07.txt.gz"))
    r = cli("parse", "suggest", str(p))
    assert json.loads(r.stdout)[:2] == ["pandora", "panda express app"]
    p.write_bytes(fixture_bytes("datasafety_notfound_404_2026-07.html.gz"))
    r = cli("parse", "datasafety", str(p))
    assert r.returncode == 1 and r.stderr.startswith("playfast: not_found at byte 0")


def test_docs_categories_md_lists_the_published_ids():
    with open(os.path.join(ROOT, "docs", "categories.md"), encoding="utf-8") as f:
        rows = [line.split("|")[1:3] for line in f if line.startswith("| `")]
    assert [(i.strip().strip("`"), n.strip()) for i, n in rows] == \
        [(c["id"], c["name"]) for c in playfast.CATEGORIES]
