"""The store keeps every kind (issue 10's developer, similar, suggest,
permissions, datasafety, categories) and lists fetched with their details:
each kind's output with --db is the output without it, read back from the
file, a rerun fetches nothing, export and changes read them, a killed
developer job resumes, and a details list stores its entries as app
requests.

Every fetch goes to a fill-mode replay server on loopback (server/replay.py),
whose /__stats counts what was really requested.
"""
import json
import math
import signal
import sqlite3
import subprocess
import time
from urllib.parse import parse_qs

import pytest

from test_store import cmd, export, lines, nd, run

# kind -> the arguments of its command
KINDS = {
    "developer": ["Mojang", "5700313618786177705"],
    "similar": ["com.store.one"],
    "suggest": ["pand"],
    "permissions": ["com.store.one"],
    "datasafety": ["com.store.one"],
    "categories": [],
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_with_db_prints_what_it_prints_without(replay_factory, tmp_path, kind):
    rp = replay_factory("--fill")
    db = tmp_path / "k.db"
    args = [kind] + KINDS[kind] + ["--country", "us,de"]
    for fmt in ("ndjson", "csv"):
        rp.reset()
        plain = run(*args, "--format", fmt, base=rp.base_url)
        assert plain.returncode == 0, plain.stderr
        sent = rp.stats()["requests"]
        rp.reset()
        stored = run(*args, "--format", fmt, "--db", db, base=rp.base_url)
        assert stored.returncode == 0, stored.stderr
        assert stored.stdout == plain.stdout
        # ndjson stored it; the csv run found it all in the file.
        assert rp.stats()["requests"] == (0 if fmt == "csv" else sent)
    rp.reset()
    again = run(*args, "--db", db, base=rp.base_url)
    assert rp.stats()["requests"] == 0
    assert again.stdout == run(*args, base=rp.base_url).stdout
    assert export(db, "--kind", kind) == again.stdout.decode()
    con = sqlite3.connect(db)
    table = {"developer": "list_items", "similar": "list_items", "suggest": "suggestions"}
    n = con.execute("SELECT count(*) FROM %s" % table.get(kind, kind)).fetchone()[0]
    assert n > 0


def test_changes_of_the_new_kinds(replay_factory, tmp_path):
    rp = replay_factory("--fill")
    db = tmp_path / "c.db"
    for kind in ("developer", "datasafety", "permissions", "suggest"):
        for extra in ([], ["--refresh"]):
            p = run(kind, *KINDS[kind][:1], "--db", db, *extra, base=rp.base_url)
            assert p.returncode == 0, p.stderr
    # Identical snapshots: nothing changed.
    p = run("changes", "--db", db)
    assert p.returncode == 0 and p.stdout == b"", p.stderr
    con = sqlite3.connect(db)
    old = dict(con.execute("SELECT r.kind, min(s.id) FROM snapshots s JOIN requests r "
                           "ON r.id = s.request_id GROUP BY r.kind"))
    # The older snapshot had the first two apps swapped, another policy
    # URL, one permission group fewer and one more suggestion.
    con.execute("UPDATE list_items SET rank = -rank WHERE snapshot_id = ? AND rank <= 2",
                (old["developer"],))
    con.execute("UPDATE list_items SET rank = 3 + rank WHERE snapshot_id = ? AND rank < 0",
                (old["developer"],))
    con.execute("UPDATE datasafety SET privacy_policy_url = 'https://old' WHERE snapshot_id = ?",
                (old["datasafety"],))
    con.execute("DELETE FROM permissions WHERE snapshot_id = ? AND rank = 1",
                (old["permissions"],))
    con.execute("INSERT INTO suggestions VALUES(?, 99, 'gone')", (old["suggest"],))
    con.commit()
    con.close()
    out = [json.loads(x) for x in nd(run("changes", "--db", db).stdout.decode())]
    dev = [c for c in out if c.get("developer_id") == "Mojang"]
    assert sorted((c["old"], c["new"]) for c in dev) == [(1, 2), (2, 1)]
    ds = [c for c in out if c["field"] == "privacy_policy_url"]
    assert len(ds) == 1 and ds[0]["old"] == "https://old" and ds[0]["app_id"] == "com.store.one"
    perms = [c for c in out if c["field"] == "permissions"]
    assert len(perms) == 1 and len(perms[0]["new"]) == len(perms[0]["old"]) + 1
    gone = [c for c in out if c.get("term") == "gone"]
    assert gone == [dict(gone[0], old=99, new=None)] and gone[0]["query"] == "pand"
    # --kind keeps to one kind.
    only = [json.loads(x) for x in nd(run("changes", "--db", db, "--kind", "developer")
                                      .stdout.decode())]
    assert only == dev


def test_developer_job_killed_then_resumed(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--latency", "uniform:0.05:0.2", "--seed", "7")
    ids = tmp_path / "devs.txt"
    ids.write_text("".join("dev%d\n" % i for i in range(80)))
    ref = tmp_path / "ref.db"
    assert run("developer", "-i", ids, "--db", ref, "--concurrency", "8",
               base=rp.base_url).returncode == 0
    db = tmp_path / "killed.db"
    argv, env = cmd("developer", "-i", ids, "--db", db, "--concurrency", "8", base=rp.base_url)
    with open(tmp_path / "out", "wb") as out:
        p = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.DEVNULL)
        time.sleep(0.8)
        p.send_signal(signal.SIGKILL)
        p.wait()
    time.sleep(0.5)       # the server answers what was in flight
    con = sqlite3.connect(db)
    done = {r[0] for r in con.execute("SELECT developer_id FROM requests WHERE status = 'done'")}
    con.close()
    assert 0 < len(done) < 80
    printed = [json.loads(x)["request"]["developer_id"]
               for x in nd((tmp_path / "out").read_text())]
    assert set(printed) <= done
    rp.reset()
    again = run("developer", "-i", ids, "--db", db, "--concurrency", "8", base=rp.base_url)
    assert again.returncode == 0, again.stderr
    # The resumed run asked for exactly the developers not stored (their
    # first pages; continuation pages name no developer).
    asked = {parse_qs(e["query"])["id"][0] for e in rp.log()
             if e["path"] == "/store/apps/developer"}
    assert asked == {"dev%d" % i for i in range(80)} - done
    assert export(db) == export(ref)
    assert lines(again) == [json.loads(x) for x in nd(export(ref))]


def chart_entries(rp):
    p = run("list", "--category", "GAME", "--num", "6", base=rp.base_url)
    return [e["app_id"] for e in lines(p)[0]["results"]]


def test_list_with_details_stores_its_entries_as_app_requests(replay_factory, tmp_path):
    probe = replay_factory("--fill")
    entries = chart_entries(probe)
    # The third entry's app is missing: its details fail.
    rp = replay_factory("--fill", "--missing", entries[2])
    db = tmp_path / "d.db"
    args = ["list", "--category", "GAME", "--num", "6", "--details", "--retries", "0"]
    plain = run(*args, base=rp.base_url)
    assert plain.returncode == 0, plain.stderr
    assert "error" in lines(plain)[0]["results"][2]
    rp.reset()
    stored = run(*args, "--db", db, base=rp.base_url)
    assert stored.stdout == plain.stdout, stored.stderr
    assert rp.stats()["requests"] == 7                  # the chart and its 6 apps
    apps = [json.loads(x) for x in nd(export(db, "--kind", "app"))]
    assert [a["request"]["app_id"] for a in apps] == entries
    assert apps[2]["error"]["kind"] == "not_found"
    # Each entry's app is its own request's result (fill mode serves one
    # recorded page for every id, so they are compared whole).
    shown = lines(plain)[0]["results"]
    assert [a["result"] for a in apps if "result" in a] == \
        [{k: v for k, v in e.items() if k != "rank"} for i, e in enumerate(shown) if i != 2]
    # An entry failed: kept failed, nothing is fetched ...
    rp.reset()
    kept = run(*args, "--db", db, "--no-retry-failed", base=rp.base_url)
    assert kept.stdout == plain.stdout and rp.stats()["requests"] == 0
    # ... by default the list is fetched again with its details.
    again = run(*args, "--db", db, base=rp.base_url)
    assert again.stdout == plain.stdout and rp.stats()["requests"] == 7
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM snapshots s JOIN requests r ON r.id = "
                       "s.request_id WHERE r.kind = 'list'").fetchone()[0] == 2
    # Every entry stored: a rerun fetches nothing, and the list alone is done.
    ok = replay_factory("--fill")
    assert run(*args, "--db", db, base=ok.base_url).returncode == 0
    ok.reset()
    done = run(*args, "--db", db, base=ok.base_url)
    assert ok.stats()["requests"] == 0
    assert done.stdout == run(*args, base=ok.base_url).stdout
    ok.reset()
    run("list", "--category", "GAME", "--num", "6", "--db", db, base=ok.base_url)
    assert run("app", *entries, "--db", db, base=ok.base_url).returncode == 0
    assert ok.stats()["requests"] == 0


# Python: db= on the functions of the new kinds


@pytest.fixture
def pyf(replay_factory):
    import playfast
    rp = replay_factory("--fill")
    playfast.configure(base_url=rp.base_url, retries=0, timeout=10)
    yield playfast, rp
    playfast.configure(**dict.fromkeys(playfast.configure(), None))


def no_nan(records):
    """An absent number is NaN in a SearchResult's to_dict(), None once
    stored: compare them as None."""
    return [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
            for r in records]


@pytest.mark.parametrize("name,ids", [
    ("fetch_developer_apps", ["Mojang", "5700313618786177705"]),
    ("fetch_similar_apps", ["com.py.one"]),
    ("fetch_suggestions", ["pand", "maps"]),
    ("fetch_permissions", ["com.py.one", "com.py.two"]),
    ("fetch_datasafety", ["com.py.one", "com.py.two"]),
])
def test_python_db_records_equal_plain_records(pyf, tmp_path, name, ids):
    playfast, rp = pyf
    f = getattr(playfast, name)
    db = tmp_path / "py.db"
    plain = f(ids, countries=["us", "de"])
    assert plain
    rp.reset()
    stored = f(ids, countries=["us", "de"], db=db)
    assert rp.stats()["requests"] > 0
    assert no_nan(stored) == no_nan(plain)
    rp.reset()
    assert f(ids, countries=["us", "de"], db=db) == stored
    assert rp.stats()["requests"] == 0
    f(ids, countries=["us", "de"], db=db, refresh=True)
    assert rp.stats()["requests"] > 0
    # The CLI's export reads what Python wrote.
    kind = {"fetch_developer_apps": "developer", "fetch_similar_apps": "similar",
            "fetch_suggestions": "suggest", "fetch_permissions": "permissions",
            "fetch_datasafety": "datasafety"}[name]
    exp = playfast.store.export(db, kind=kind)
    cli = [json.loads(x) for x in nd(export(db, "--kind", kind))]
    assert len(exp) == len(cli) == 2 * len(ids)
    key = "result" if kind == "datasafety" else "results"
    assert [e[key] for e in exp] == [c[key] for c in cli]


def test_python_details_with_db(pyf, tmp_path):
    playfast, rp = pyf
    db = tmp_path / "d.db"
    plain = playfast.fetch_category_lists("us", ["GAME"], num=5, details=True)
    stored = playfast.fetch_category_lists("us", ["GAME"], num=5, details=True, db=db)
    assert stored == plain
    assert playfast.search_apps("maps", num=4, details=True, db=db) == \
        playfast.search_apps("maps", num=4, details=True)
    rp.reset()
    assert playfast.fetch_category_lists("us", ["GAME"], num=5, details=True, db=db) == plain
    assert rp.stats()["requests"] == 0
    apps = playfast.store.export(db, kind="app")
    chart = playfast.store.export(db, kind="list")[0]["results"]
    assert [a["request"]["app_id"] for a in apps][:5] == [e["app_id"] for e in chart]


def test_a_version_1_file_exports_without_a_fetch(replay_factory, tmp_path):
    """A file written by the playfast before version 2 (no developer_id,
    no next_token, no tables of the new kinds) is migrated by export and by
    playfast.store, never refused."""
    import playfast
    rp = replay_factory("--fill")
    db = tmp_path / "v1.db"
    ids = ["com.v.one", "com.v.two"]
    p = run("app", *ids, "--db", db, base=rp.base_url)
    assert p.returncode == 0, p.stderr
    before = export(db)
    con = sqlite3.connect(db)
    con.executescript("ALTER TABLE requests DROP COLUMN developer_id;"
                      "ALTER TABLE snapshots DROP COLUMN next_token;"
                      "DROP TABLE suggestions; DROP TABLE permissions;"
                      "DROP TABLE datasafety; DROP TABLE categories;"
                      "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    assert [r["request"]["app_id"] for r in playfast.store.export(db)] == ids
    assert export(db) == before
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                       ).fetchone()[0] == "2"
    con.close()
