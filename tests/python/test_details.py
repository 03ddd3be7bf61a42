"""details=True: list and search results expanded into every entry's full
app record, fetched in the same batch as soon as the list is in."""

import pytest

import playfast
from playfast import _core


def use(rp, **settings):
    return _core.configure(base_url=rp.base_url, **settings)


def test_list_batch_with_details_gives_app_records_in_list_order(pf, replay_factory):
    rp = replay_factory("--fill")
    use(rp)
    plain, = _core.fetch_and_parse_list_batch([("GAME", "topselling_free", "en", "us", 5)])
    full, = _core.fetch_and_parse_list_batch([("GAME", "topselling_free", "en", "us", 5)],
                                             details=True)
    assert len(full) == 5 and all(isinstance(a, _core.AppInfo) for a in full)
    assert all(a.description for a in full)
    # The entries asked for are the chart's, in its order (the fill server
    # answers each with some recording, so compare what it was asked).
    asked = [e["app_id"] for e in rp.log() if e.get("route") == "app"]
    assert asked[-5:] == [r.app_id for r in plain]


def test_iter_search_batch_with_details(pf, replay_factory):
    rp = replay_factory("--fill")
    use(rp)
    got = dict(_core.iter_search_batch([("panda", "en", "us", 3)], details=True))
    assert len(got[0]) == 3 and all(isinstance(a, _core.AppInfo) for a in got[0])


def test_details_is_for_lists_only(pf):
    with pytest.raises(TypeError, match="details"):
        _core.fetch_and_parse_apps_batch([("a.b", "en", "us")], details=True)


def test_records_with_details_are_app_records_with_rank(pf, replay_factory):
    rp = replay_factory("--fill")
    use(rp)
    recs = playfast.fetch_category_lists("us", "GAME", num=4, details=True)
    assert [r["rank"] for r in recs] == [1, 2, 3, 4]
    assert all("description" in r and r["country"] == "us" for r in recs)
    recs = playfast.search_apps("panda", num=2, details=True)
    assert [r["rank"] for r in recs] == [1, 2] and all("version" in r for r in recs)


def test_a_failed_entry_is_an_error_record(pf, replay_factory):
    rp = replay_factory("--fill", "--script", "ok,503")
    use(rp, deadline=0.5, concurrency=1)
    recs = playfast.fetch_category_lists("us", "GAME", num=3, details=True, errors="record")
    assert [r["rank"] for r in recs] == [1, 2, 3]
    assert recs[0]["error"]["kind"] == "rate_limited" and recs[0]["app_id"]
    assert recs[1]["error"] is None and "description" in recs[1]
    rp.script(["ok", "503"])
    with pytest.raises(playfast.BatchError) as ei:
        playfast.fetch_category_lists("us", "GAME", num=3, details=True)
    assert list(ei.value.errors) == [0]
