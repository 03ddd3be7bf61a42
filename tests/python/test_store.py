"""The store (--db FILE): results into SQLite as they arrive, resume after a
kill -9 anywhere, review chains resumed from their token, snapshots and
changes, export, and the refusals of bad files before any request is sent.

Every fetch here goes to a replay server on loopback (server/replay.py);
its /__stats and /__log count what was really requested.
"""
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT, FIXTURES
import gzip

PLAYFAST = os.path.join(ROOT, "build", "playfast")


def cmd(*args, base=None, env=None):
    e = dict(os.environ)
    e.pop("PLAYFAST_BASE_URL", None)
    if base:
        e["PLAYFAST_BASE_URL"] = base
    e.update(env or {})
    return [PLAYFAST] + [str(a) for a in args], e


def run(*args, base=None, env=None, timeout=120, **kw):
    argv, e = cmd(*args, base=base, env=env)
    return subprocess.run(argv, capture_output=True, env=e, timeout=timeout, **kw)


def nd(text):
    """The records of ndjson text: split("\n"), not splitlines(), since
    records end at LF only."""
    return text.split("\n")[:-1]


def lines(p):
    return [json.loads(x) for x in nd(p.stdout.decode())]


def export(db, *extra):
    p = run("export", "--db", db, *extra)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


def write_ids(tmp_path, n, prefix="com.store.app"):
    path = tmp_path / "ids.txt"
    path.write_text("".join("%s%d\n" % (prefix, i) for i in range(n)))
    return path


# --------------------------------------------------------------------------
# storing and reading back


def test_db_output_equals_plain_output_and_export(replay, tmp_path):
    db = tmp_path / "a.db"
    for kind, args in [("app", ["com.a", "com.b", "com.a"]),
                       ("search", ["panda", "unicorns"]),
                       ("list", ["--category", "GAME,TOOLS"]),
                       ("reviews", ["com.r", "--all"])]:
        for fmt in ("ndjson", "json", "csv"):
            plain = run(kind, *args, "--format", fmt, base=replay.base_url)
            stored = run(kind, *args, "--format", fmt, "--db", db, base=replay.base_url)
            assert plain.returncode == 0 and stored.returncode == 0, stored.stderr
            assert stored.stdout == plain.stdout, (kind, fmt)
    # export holds every distinct request once, as the fetch printed it.
    exp = export(db, "--kind", "app")
    assert nd(exp) == nd(run("app", "com.a", "com.b", base=replay.base_url).stdout.decode())
    csv = export(db, "--kind", "search", "--format", "csv")
    assert csv.encode() == run("search", "panda", "unicorns", "--format", "csv",
                               base=replay.base_url).stdout


def test_tables_are_typed_for_plain_sqlite(replay, tmp_path):
    db = tmp_path / "t.db"
    assert run("app", "com.typed", "--db", db, base=replay.base_url).returncode == 0
    con = sqlite3.connect(db)
    score, ratings, free, shots = con.execute(
        "SELECT score, ratings, free, screenshots FROM apps").fetchone()
    assert isinstance(score, float) and isinstance(ratings, int)
    assert free in (0, 1)
    assert isinstance(json.loads(shots), list)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_resume_fetches_only_what_is_not_done(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--missing", "com.gone")
    db = tmp_path / "r.db"
    first = run("app", "com.one", "com.gone", "--db", db, "--retries", "0", base=rp.base_url)
    assert first.returncode == 2
    assert rp.stats()["requests"] == 2
    again = run("app", "com.one", "com.gone", "com.two", "--db", db, "--retries", "0",
                "--no-retry-failed", base=rp.base_url)
    assert rp.stats()["requests"] == 3           # only com.two
    out = lines(again)
    assert [x["request"]["app_id"] for x in out] == ["com.one", "com.gone", "com.two"]
    assert out[1]["error"]["kind"] == "not_found"
    run("app", "com.one", "com.gone", "com.two", "--db", db, "--retries", "0", base=rp.base_url)
    assert rp.stats()["requests"] == 4           # failed ones are retried by default


# --------------------------------------------------------------------------
# kill -9 anywhere


def kill_after(argv, env, delay, stdout):
    p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_at_random_points_then_resume_equals_uninterrupted(replay_factory, tmp_path, seed):
    rng = random.Random(seed)
    rp = replay_factory("--fill", "--latency", "uniform:0.02:0.15", "--seed", str(seed))
    ids = write_ids(tmp_path, 300)
    ref = tmp_path / "ref.db"
    assert run("app", "-i", ids, "--db", ref, "--concurrency", "16", base=rp.base_url).returncode == 0
    db = tmp_path / "killed.db"
    everything = {"com.store.app%d" % i for i in range(300)}

    def stored():
        con = sqlite3.connect(db)
        ids = {r[0] for r in con.execute("SELECT app_id FROM requests WHERE status = 'done'")}
        con.close()
        return ids

    done, printed = set(), []
    for k in range(2):                              # killed twice, at random
        rp.reset()
        argv, env = cmd("app", "-i", ids, "--db", db, "--concurrency", "16", base=rp.base_url)
        with open(tmp_path / ("out%d" % k), "wb") as out:
            kill_after(argv, env, rng.uniform(0.05, 1.2), out)
        # The kill may cut the last line short: nd() leaves it out.
        printed += nd((tmp_path / ("out%d" % k)).read_text())
        time.sleep(0.4)       # the server answers (and logs) what was in flight
        # Nothing stored before this run was asked for again.
        assert not {e["app_id"] for e in rp.log()} & done
        done = stored()
    # Every line printed before a kill is on disk.
    for line in printed:
        assert json.loads(line)["request"]["app_id"] in done
    time.sleep(0.6)
    rp.reset()
    p = run("app", "-i", ids, "--db", db, "--concurrency", "16", base=rp.base_url)
    assert p.returncode == 0, p.stderr
    # The resumed run asked for exactly what was not stored.
    assert {e["app_id"] for e in rp.log()} == everything - done
    assert export(db) == export(ref)
    assert lines(p) == [json.loads(x) for x in nd(export(ref))]


def test_review_chain_killed_mid_way_resumes(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--latency", "0.05", "--review-pages", "12")
    ref, db = tmp_path / "ref.db", tmp_path / "k.db"
    assert run("reviews", "com.a", "com.b", "--all", "--db", ref, base=rp.base_url).returncode == 0
    rp.reset()
    argv, env = cmd("reviews", "com.a", "com.b", "--all", "--db", db, base=rp.base_url)
    kill_after(argv, env, 0.35, subprocess.DEVNULL)
    con = sqlite3.connect(db)
    partial = con.execute("SELECT count(*) FROM requests WHERE status = 'partial'").fetchone()[0]
    con.close()
    assert partial >= 1, "killed too late to cut a chain"
    assert run("reviews", "com.a", "com.b", "--all", "--db", db, base=rp.base_url).returncode == 0
    assert export(db) == export(ref)
    assert rp.stats()["requests"] <= 24 + 2       # each page once, but in flight


# --------------------------------------------------------------------------
# a review chain broken by the server


def test_broken_review_chain_resumes_from_its_token(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--review-pages", "5")
    db = tmp_path / "c.db"
    # page 3 fails (a reset is tried again once on a new connection)
    rp.script(["ok", "ok", "reset", "reset"])
    first = run("reviews", "com.chain", "--all", "--db", db, "--retries", "0", base=rp.base_url)
    assert first.returncode == 1
    assert lines(first)[0]["error"]["kind"] == "network"
    con = sqlite3.connect(db)
    status, token, stored = con.execute(
        "SELECT status, next_token, stored FROM requests").fetchone()
    assert (status, stored) == ("failed", 300) and token
    con.close()
    rp.reset()
    second = run("reviews", "com.chain", "--all", "--db", db, base=rp.base_url)
    assert second.returncode == 0, second.stderr
    log = rp.log()
    assert len(log) == 3 and log[0]["token"] == token   # pages 3, 4, 5 only
    got = lines(second)[0]["results"]
    whole = lines(run("reviews", "com.chain", "--all", base=rp.base_url))[0]["results"]
    assert got == whole and len(got) == 750


def test_reviews_since_stops_at_the_first_older_review(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--review-pages", "4")
    page = lines(run("reviews", "com.s", base=rp.base_url))[0]["results"]
    times = [r["created_at"] for r in page]
    cut = sorted(times, reverse=True)[20]
    expect = next(i for i, t in enumerate(times) if t < cut)
    rp.reset()
    db = tmp_path / "s.db"
    p = run("reviews", "com.s", "--all", "--since", str(cut), "--db", db, base=rp.base_url)
    assert p.returncode == 0
    assert len(lines(p)[0]["results"]) == expect
    assert rp.stats()["requests"] == 1            # no page after the cut


# --------------------------------------------------------------------------
# snapshots and changes


class PageServer:
    """Serves one recorded app page for every details request; `page` can
    be switched between runs, as an app's page changes between days."""

    def __init__(self, page):
        self.page = page
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                with open(os.path.join(FIXTURES, outer.page), "rb") as f:
                    body = gzip.decompress(f.read())
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def test_refresh_then_changes_lists_changed_fields(tmp_path):
    srv = PageServer("app_details_com.google.android.apps.translate_en_us_2026-07.html.gz")
    try:
        db = tmp_path / "ch.db"
        assert run("app", "com.google.android.apps.translate", "--db", db, base=srv.url).returncode == 0
        assert run("changes", "--db", db).stdout == b""
        srv.page = "app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz"
        assert run("app", "com.google.android.apps.translate", "--db", db,
                   base=srv.url).returncode == 0
        assert run("changes", "--db", db).stdout == b""    # not refreshed: kept
        before = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        assert run("app", "com.google.android.apps.translate", "--db", db, "--refresh",
                   base=srv.url).returncode == 0
    finally:
        srv.close()
    ch = lines(run("changes", "--db", db, "--kind", "app"))
    by_field = {c["field"]: c for c in ch}
    for f in ("score", "ratings", "version", "title"):
        assert f in by_field, f
    old = json.loads(export_first_snapshot(db))
    assert by_field["score"]["old"] == old["score"]
    new = lines(run("export", "--db", db))[0]["result"]
    assert by_field["score"]["new"] == new["score"]
    assert by_field["title"]["new"] == new["title"]
    c = by_field["score"]
    assert (c["app_id"], c["country"], c["lang"]) == ("com.google.android.apps.translate", "us", "en")
    assert c["old_at"] < c["new_at"]
    assert set(c) == {"app_id", "country", "lang", "field", "old", "new", "old_at", "new_at"}
    assert len(lines(run("changes", "--db", db, "--since", before))) == len(ch)
    assert lines(run("changes", "--db", db, "--since", "2999-01-01")) == []


def export_first_snapshot(db):
    con = sqlite3.connect(db)
    score, title = con.execute("SELECT score, title FROM apps ORDER BY snapshot_id LIMIT 1").fetchone()
    return json.dumps({"score": score, "title": title})


def test_chart_changes_are_rank_moves_entries_and_exits(replay, tmp_path):
    db = tmp_path / "l.db"
    for extra in ([], ["--refresh"]):
        assert run("list", "--category", "GAME", "--db", db, *extra, base=replay.base_url).returncode == 0
    assert run("changes", "--db", db).stdout == b""
    con = sqlite3.connect(db)
    new = con.execute("SELECT max(snapshot_id) FROM list_items").fetchone()[0]
    a, b, gone = [r[0] for r in con.execute(
        "SELECT app_id FROM list_items WHERE snapshot_id = ? AND rank IN (1, 2, 3) ORDER BY rank", (new,))]
    # The newer chart: #1 and #2 swapped, #3 dropped out, a new entry at #3.
    con.execute("UPDATE list_items SET rank = -1 WHERE snapshot_id = ? AND rank = 1", (new,))
    con.execute("UPDATE list_items SET rank = 1 WHERE snapshot_id = ? AND rank = 2", (new,))
    con.execute("UPDATE list_items SET rank = 2 WHERE snapshot_id = ? AND rank = -1", (new,))
    con.execute("UPDATE list_items SET app_id = 'com.newcomer' WHERE snapshot_id = ? AND rank = 3", (new,))
    con.commit()
    con.close()
    ch = {(c["app_id"], c["old"], c["new"]) for c in lines(run("changes", "--db", db, "--kind", "list"))}
    assert ch == {(b, 2, 1), (a, 1, 2), ("com.newcomer", None, 3), (gone, 3, None)}


# --------------------------------------------------------------------------
# bad files: refused by name before any request


def refused(rp, db, *extra, env=None):
    p = run("app", "com.x", "--db", db, *extra, base=rp.base_url, env=env)
    assert p.returncode == 1
    assert p.stdout == b""
    err = p.stderr.decode()
    assert str(db) in err and err.startswith("playfast: "), err
    assert rp.stats()["requests"] == 0
    return err


def test_not_sqlite_corrupt_newer_and_readonly_files_are_refused(replay_factory, tmp_path):
    rp = replay_factory("--fill")
    text = tmp_path / "notes.csv"
    text.write_text("a,b\n1,2\n")
    assert "not an SQLite file" in refused(rp, text)
    assert text.read_text() == "a,b\n1,2\n"

    good = tmp_path / "good.db"
    assert run("app", "com.y", "--db", good, base=rp.base_url).returncode == 0
    rp.reset()
    con = sqlite3.connect(good)
    con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    assert "schema version 7 is newer" in refused(rp, good)
    assert "newer" in run("export", "--db", good).stderr.decode()

    bad = tmp_path / "corrupt.db"
    run("app", "com.y", "--db", bad, base=rp.base_url)
    rp.reset()
    data = bytearray(bad.read_bytes())
    data[100:4000] = os.urandom(3900)
    bad.write_bytes(bytes(data))
    assert "corrupt" in refused(rp, bad)

    assert "cannot" in refused(rp, "/proc/playfast-store.db")


def test_locked_file_is_in_use(replay_factory, tmp_path):
    rp = replay_factory("--fill")
    db = tmp_path / "lock.db"
    assert run("app", "com.y", "--db", db, base=rp.base_url).returncode == 0
    rp.reset()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    try:
        assert "in use by another process" in refused(
            rp, db, env={"PLAYFAST_STORE_BUSY_MS": "300"})
    finally:
        con.execute("COMMIT")
        con.close()
    assert run("app", "com.y", "--db", db, base=rp.base_url).returncode == 0


def test_disk_full_stops_the_job_and_keeps_what_was_committed(replay_factory, tmp_path):
    # The first request the server sees is never answered: the job stops
    # with a gap early in input order, and every committed line after the
    # gap is printed all the same.
    rp = replay_factory("--fill", "--script", "stall")
    db = tmp_path / "full.db"
    ids = write_ids(tmp_path, 300)

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (400 << 10, 400 << 10))

    argv, env = cmd("app", "-i", ids, "--db", db, "--concurrency", "8", base=rp.base_url)
    p = subprocess.run(argv, env=env, capture_output=True, timeout=120, preexec_fn=small_files)
    assert p.returncode == 1
    err = p.stderr.decode()
    assert str(db) in err and ("disk full" in err or "I/O" in err), err
    printed = lines(p)
    assert 0 < len(printed) < 300
    exported = nd(export(db))
    assert [json.loads(x) for x in exported] == printed
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --------------------------------------------------------------------------
# Python: db= on the record functions, playfast.store


@pytest.fixture
def pyf(replay_factory):
    """playfast pointed at a private fill-mode server (its counters are this
    test's alone), settings reset afterwards."""
    import playfast
    rp = replay_factory("--fill", "--review-pages", "3")
    playfast.configure(base_url=rp.base_url, retries=0, timeout=10)
    yield playfast, rp
    playfast.configure(**dict.fromkeys(playfast.configure(), None))


def test_python_db_records_equal_plain_records_and_resume(pyf, tmp_path):
    playfast, rp = pyf
    db = tmp_path / "py.db"
    ids = ["com.p%d" % i for i in range(5)]
    stored = playfast.fetch_apps(ids, countries=["us", "fr"], db=db)
    assert rp.stats()["requests"] == 10
    assert stored == playfast.fetch_apps(ids, countries=["us", "fr"])
    rp.reset()
    assert playfast.fetch_apps(ids, countries=["us", "fr"], db=db) == stored
    assert rp.stats()["requests"] == 0               # all from the file
    # What the call returned is on disk, for any other reader.
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM apps").fetchone()[0] == 10
    assert playfast.fetch_reviews("com.r", count="all", db=db) == \
        playfast.fetch_reviews("com.r", count="all")
    charts = playfast.fetch_category_lists("us", ["GAME"], db=db)
    assert charts == playfast.fetch_category_lists("us", ["GAME"])
    assert playfast.search_apps("panda", db=db) == playfast.search_apps("panda")
    exp = playfast.store.export(db, kind="app")
    unix = playfast.fetch_apps(ids, countries=["us", "fr"], db=db, dates="unix")
    assert len(exp) == 10 and exp[0]["result"] == {k: v for k, v in unix[0].items()
                                                   if k not in ("country", "lang")}
    # The CLI reads the file Python wrote, line for line.
    cli = [json.loads(x) for x in nd(export(db, "--kind", "app"))]
    assert [c["result"] for c in cli] == [e["result"] for e in exp]


def test_python_db_errors_and_refresh(pyf, tmp_path):
    playfast, rp = pyf
    db = tmp_path / "e.db"
    rp.reset()
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    with pytest.raises(playfast.InvalidArgumentError, match="not an SQLite file") as ei:
        playfast.fetch_apps(["com.x"], db=bad)
    assert str(bad) in str(ei.value)
    assert rp.stats()["requests"] == 0
    playfast.fetch_apps(["com.x"], db=db)
    playfast.fetch_apps(["com.x"], db=db, refresh=True)
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 2
    with pytest.raises(ValueError):
        playfast.fetch_reviews("com.x", since=0)           # since needs db=


def test_python_job_killed_then_resumed(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--latency", "uniform:0.02:0.1")
    db = tmp_path / "k.db"
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "import playfast\n"
        "playfast.configure(base_url=%r, concurrency=8)\n"
        "r = playfast.fetch_apps(['com.k%%d' %% i for i in range(200)], db=%r)\n"
        "print(len(r))\n" % (os.path.join(ROOT, "python"), rp.base_url, str(db)))
    p = subprocess.Popen(["/usr/bin/python3", "-c", script], stdout=subprocess.PIPE)
    time.sleep(1.0)
    p.send_signal(signal.SIGKILL)
    p.wait()
    time.sleep(0.3)
    con = sqlite3.connect(db)
    done = {r[0] for r in con.execute("SELECT app_id FROM requests WHERE status = 'done'")}
    con.close()
    assert 0 < len(done) < 200
    rp.reset()
    out = subprocess.run(["/usr/bin/python3", "-c", script], capture_output=True, timeout=120)
    assert out.stdout.strip() == b"200", out.stderr
    asked = {e["app_id"] for e in rp.log()}
    assert asked == {"com.k%d" % i for i in range(200)} - done


def test_python_progress_is_called_with_this_runs_counts(replay_factory, tmp_path):
    import playfast
    rp = replay_factory("--fill", "--latency", "0.2")
    playfast.configure(base_url=rp.base_url, concurrency=4)
    try:
        seen = []
        playfast.fetch_apps(["com.g%d" % i for i in range(12)], db=tmp_path / "p.db",
                            progress=lambda *a: seen.append(a))
        # progress(done, total), as without db=: one callback serves both.
        assert seen and all(total == 12 for _, total in seen)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        with pytest.raises(ZeroDivisionError):       # the callback's error stops the job
            playfast.fetch_apps(["com.h%d" % i for i in range(12)], db=tmp_path / "p.db",
                                progress=lambda *a: 1 / 0)
    finally:
        playfast.configure(**dict.fromkeys(playfast.configure(), None))


def test_cli_progress_summary_and_ctrl_c(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--latency", "0.2")
    ids = write_ids(tmp_path, 60)
    db = tmp_path / "i.db"
    argv, env = cmd("app", "-i", ids, "--db", db, "--concurrency", "4", "--progress",
                    base=rp.base_url)
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130
    err = err.decode()
    assert "done, 0 failed," in err and "remaining" in err and "req/s" in err
    assert "60 requests:" in err.splitlines()[-1] and "not done" in err.splitlines()[-1]
    printed = [json.loads(x)["request"]["app_id"] for x in nd(out.decode())]
    assert 0 < len(printed) < 60
    again = run("app", "-i", ids, "--db", db, base=rp.base_url)
    assert again.returncode == 0
    last = again.stderr.decode().splitlines()[-1]
    assert "60 requests: %d fetched now (0 failed)" % (60 - len(printed)) in last or \
        "already stored" in last
    # Every committed line was printed, in input order, passing over the
    # requests cut off by Ctrl-C (which the rerun fetched).
    again_ids = [json.loads(x)["request"]["app_id"] for x in nd(again.stdout.decode())]
    assert len(again_ids) == 60
    assert [i for i in again_ids if i in set(printed)] == printed


def test_null_page_after_the_first_ends_a_chain_as_the_engine_reads_it(replay_factory, tmp_path):
    rp = replay_factory("--fill", "--review-pages", "5")
    db = tmp_path / "n.db"
    rp.script(["ok", "reset", "reset"])            # page 2 fails
    assert run("reviews", "com.n", "--all", "--db", db, "--retries", "0",
               base=rp.base_url).returncode == 1
    con = sqlite3.connect(db)
    con.execute("UPDATE requests SET next_token = 'no-such-token'")   # unknown: a null payload
    con.commit()
    con.close()
    rp.reset()
    p = run("reviews", "com.n", "--all", "--db", db, base=rp.base_url)
    assert p.returncode == 0, p.stderr
    assert len(lines(p)[0]["results"]) == 150
    # The page asked under UsvDTd, then once more under oCPfdb (the engine
    # does so for any page that comes back empty under UsvDTd).
    assert rp.stats()["requests"] == 2
