"""The `playfast` command: offline `parse` and the fetch commands.

Both are contracts that checks outside the project call (issue 2 section 7,
issue 3 section 6), so these tests run the built binary exactly as a user
would: parse mode on every kind of recorded response, fetch mode against the
replay server started here as a subprocess.
"""

import csv
import gzip
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
PLAYFAST = os.environ.get("PLAYFAST_BIN", os.path.join(ROOT, "build", "playfast"))
HEADER = os.path.join(ROOT, "include", "playfast.h")

sys.path.insert(0, ROOT)
from server.harness import ReplayProcess  # noqa: E402

TRANSLATE = "com.google.android.apps.translate"
WHEREAMI = "com.adex77.WhereAmI"
MINECRAFT = "com.mojang.minecraftpe"
TRANSLATE_PAGE = "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz"
MINECRAFT_PAGE = "app_details_com.mojang.minecraftpe_paid_en_US_2022-08.html.gz"
LIST_PAGE = "list_vyAe2_topselling_free_GAME_num100_en_us_2026-07.txt.gz"
REVIEWS_PAGE = ("reviews_UsvDTd_com.google.android.apps.translate_newest_count150_"
                "page1_en_us_2026-07.txt.gz")
NOT_FOUND_PAGE = "datasafety_notfound_404_2026-07.html.gz"
OLD_LAYOUT_PAGE = "app_details_com.moonwink.treasury_en_US_2021-11_oldlayout.html.gz"
ERROR_LINE = re.compile(r"^playfast: ([a-z_]+) at byte (\d+): .+\n$")


# --------------------------------------------------------------------------
# helpers

def struct_keys(name):
    """The JSON keys of a result struct, read from the public header as the
    compiler sees it (the members are expanded from playfast_fields.h):
    every field in declaration order, minus the n_* array counts."""
    text = subprocess.run(["cc", "-E", "-P", HEADER], check=True,
                          capture_output=True, text=True).stdout
    body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    keys = []
    for decl in body.split(";"):
        m = re.search(r"(\w+)\s*(\[\d+\])?\s*$", decl.strip())
        if m and not m.group(1).startswith("n_"):
            keys.append(m.group(1))
    return keys


APP_KEYS = struct_keys("pf_app")
ITEM_KEYS = struct_keys("pf_item")
REVIEW_KEYS = struct_keys("pf_review")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return gzip.decompress(f.read())


def run(*args, input=None, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("PLAYFAST_BASE_URL", None)   # never reach the real Play Store
    e.update(env or {})
    return subprocess.run([PLAYFAST] + [str(a) for a in args], input=input,
                          capture_output=True, env=e, timeout=timeout)


def parse(kind, name, *extra, via_stdin=True, tmp_path=None):
    data = fixture(name)
    if via_stdin:
        return run("parse", kind, "-", *extra, input=data)
    path = tmp_path / name[:-3]
    path.write_bytes(data)
    return run("parse", kind, path, *extra)


def ok_json(p):
    assert p.returncode == 0, p.stderr.decode()
    assert p.stderr == b""
    return json.loads(p.stdout)


def one_error_line(p):
    """A failed command: exit 1, nothing on stdout, one stderr line."""
    assert p.returncode == 1, (p.returncode, p.stdout[:200], p.stderr)
    assert p.stdout == b""
    err = p.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("playfast: "), err
    return err


def ndjson(p):
    text = p.stdout.decode()
    assert text.endswith("\n")
    # split("\n"), not splitlines(): records end at LF only.
    return [json.loads(line) for line in text[:-1].split("\n")] if text != "\n" else []


# --------------------------------------------------------------------------
# parse: results

def test_schema_keys_come_from_the_header():
    # Guards the helper itself: the header defines 54 app keys.
    assert APP_KEYS[:3] == ["app_id", "url", "title"]
    assert len(APP_KEYS) == 54 and "n_categories" not in APP_KEYS
    assert REVIEW_KEYS[-1] == "app_version" and len(ITEM_KEYS) == 16


def test_parse_app_translate(tmp_path):
    app = ok_json(parse("app", TRANSLATE_PAGE, via_stdin=False, tmp_path=tmp_path))
    assert list(app) == APP_KEYS
    assert app["app_id"] == TRANSLATE
    assert app["url"] == "https://play.google.com/store/apps/details?id=" + TRANSLATE
    assert app["title"] == "Google Translate"
    assert app["developer"] == "Google LLC"
    assert app["developer_id"] == "5700313618786177705"
    assert app["genre_id"] == "TOOLS"
    assert app["installs"] == "1,000,000,000+" and app["min_installs"] == 1000000000
    assert app["ratings"] == 9039805
    assert abs(app["score"] - 4.26508) < 1e-9
    assert app["histogram"] == {"1": 971173, "2": 306894, "3": 479693,
                                "4": 878696, "5": 6403317}
    assert app["free"] is True and app["price"] == 0
    assert app["categories"] == [{"name": "Tools", "id": "TOOLS"}]
    assert all(s.startswith("https://play-lh.googleusercontent.com/")
               for s in app["screenshots"]) and len(app["screenshots"]) >= 8
    assert {"group": "Camera", "permissions": ["take pictures and videos"]} in app["permissions"]
    assert isinstance(app["updated"], int)
    # The schema's absent values are JSON null, never invented.
    assert app["original_price"] is None and app["video"] is None


def test_parse_app_paid_and_stdin_equals_file(tmp_path):
    a = ok_json(parse("app", MINECRAFT_PAGE))
    b = ok_json(parse("app", MINECRAFT_PAGE, via_stdin=False, tmp_path=tmp_path))
    assert a == b
    assert a["title"] == "Minecraft"
    assert a["free"] is False and a["price"] == 7.49
    assert a["currency"] == "USD" and a["price_text"] == "$7.49"


@pytest.mark.parametrize("name,app_id,title", [
    ("app_details_com.adex77.WhereAmI_en_us_2026-07.html.gz", WHEREAMI,
     "Where Am I? - GeoGuess Game"),
    ("app_details_com.instagram.android_zh_CN_2022-08.html.gz",
     "com.instagram.android", "Instagram"),
    ("app_details_com.moonwink.treasury_en_US_gl_BR_2022-06.html.gz",
     "com.moonwink.treasury", "US Debt Now - National Debt"),
    ("app_details_com.raiseright.edumarketapp_en_2025-10.html.gz",
     "com.raiseright.edumarketapp", "Edu Market"),
])
def test_parse_app_every_html_page(name, app_id, title):
    app = ok_json(parse("app", name))
    assert list(app) == APP_KEYS
    assert app["app_id"] == app_id and app["title"] == title


def test_parse_app_batchexecute_with_app_id():
    app = ok_json(parse("app", "app_details_batch_Ws7gDc_fr.reliefmaps.app_fr_2022-09.txt.gz",
                        "--app-id", "fr.reliefmaps.app"))
    assert list(app) == APP_KEYS
    assert app["app_id"] == "fr.reliefmaps.app"
    assert app["title"].startswith("Relief Maps")


def test_parse_list():
    items = ok_json(parse("list", LIST_PAGE))
    assert len(items) == 100
    assert all(list(it) == ITEM_KEYS for it in items)
    assert items[0]["app_id"] == "com.oakever.meowdoku"
    assert items[0]["title"] == "Meowdoku: Brain Puzzle Games"
    assert items[-1]["app_id"] == "com.media720.games2020"
    assert len({it["app_id"] for it in items}) == 100


@pytest.mark.parametrize("name,count,first", [
    ("search_panda_en_us_price0_2026-07.html.gz", 20, "com.pandaexpress.app"),
    ("search_unicorns_en_us_price1_rating1_2022-08.html.gz", 30,
     "com.tutotoons.app.kpopsiescuteunicornpets"),
    ("search_batch_lGYRle_gps_fr_2022-08.txt.gz", 50, "com.waze"),
])
def test_parse_search(name, count, first):
    items = ok_json(parse("search", name))
    assert len(items) == count
    assert all(list(it) == ITEM_KEYS for it in items)
    assert items[0]["app_id"] == first


def test_parse_reviews():
    doc = ok_json(parse("reviews", REVIEWS_PAGE))
    assert list(doc) == ["reviews", "next_token"]
    rv = doc["reviews"]
    assert len(rv) == 150
    assert all(list(r) == REVIEW_KEYS for r in rv)
    assert rv[0]["review_id"] == "017452fc-0d4b-471d-b406-bcf0f52387a7"
    assert rv[0]["user_name"] == "Formann Ali" and rv[0]["score"] == 5
    assert rv[-1]["review_id"] == "9e7ea7be-3399-43ab-90d7-5287790cee7d"
    assert doc["next_token"].startswith("CtgBIs8BAU60USdyhV93")
    assert all(isinstance(r["created_at"], int) for r in rv)


def test_parse_output_is_strict_json():
    # ensure_ascii=False round trip: no NaN, no invalid UTF-8, no raw control
    # characters (json.loads with strict=True rejects them).
    p = parse("app", "app_details_com.instagram.android_zh_CN_2022-08.html.gz")
    text = p.stdout.decode("utf-8")
    json.loads(text, strict=True, parse_constant=lambda c: pytest.fail(c))
    assert "\u8ba9" in text             # Chinese kept as UTF-8, not \u escapes


def test_parse_output_escapes_unicode_line_separators():
    # U+2028 occurs in the chart's descriptions. JSON allows it raw, but
    # line-splitting readers (Python's splitlines, JavaScript eval) break on
    # it, so the writer escapes it: every record stays on one line.
    p = parse("list", LIST_PAGE)
    text = p.stdout.decode()
    assert "\u2028" not in text and "\\u2028" in text
    assert len(text.splitlines()) == 1
    assert "\u2028" in "".join(it["summary"] or "" for it in json.loads(text))


# --------------------------------------------------------------------------
# parse: failures

def test_parse_not_found_page():
    err = one_error_line(parse("app", NOT_FOUND_PAGE))
    m = ERROR_LINE.match(err)
    assert m and m.group(1) == "not_found", err


def test_parse_old_layout_is_unsupported():
    err = one_error_line(parse("app", OLD_LAYOUT_PAGE))
    m = ERROR_LINE.match(err)
    assert m and m.group(1) == "unsupported_layout", err


def test_parse_random_bytes_are_malformed():
    err = one_error_line(run("parse", "search", "-", input=os.urandom(4096)))
    m = ERROR_LINE.match(err)
    assert m and m.group(1) == "malformed", err


def test_parse_broken_json_reports_its_offset():
    # A well-framed top-chart response whose payload is broken JSON.
    body = b")]}'\n\n[[\"wrb.fr\",\"vyAe2\",\"[[[null,[1,{]]]]\"]]"
    err = one_error_line(run("parse", "list", "-", input=body))
    m = ERROR_LINE.match(err)
    assert m and m.group(1) == "malformed", err
    assert 0 < int(m.group(2)) < len(body)


def test_parse_truncated_response_is_an_error_not_half_a_result():
    data = fixture(REVIEWS_PAGE)
    err = one_error_line(run("parse", "reviews", "-", input=data[: len(data) // 2]))
    assert ERROR_LINE.match(err).group(1) == "malformed", err


def test_parse_usage_errors():
    for args in (["parse"], ["parse", "apps", "-"], ["parse", "app"],
                 ["parse", "list", "-", "--app-id", "x"], ["parse", "app", "-", "--bogus"],
                 ["parse", "app", "/nonexistent/file"], ["frobnicate"]):
        p = run(*args, input=b"")
        one_error_line(p)
    p = run("parse", "--help")
    assert p.returncode == 0 and b"usage: playfast parse" in p.stdout


# --------------------------------------------------------------------------
# fetch: against the replay server

@pytest.fixture
def server(replay_strict):
    # conftest.py's session server without fill: unknown ids are 404.
    return replay_strict


@pytest.fixture(scope="module")
def fill_server():
    # Every app id answers, each after 0..150 ms: completions come back out
    # of order, which the output must not show.
    with ReplayProcess("--fill", "--latency", "uniform:0:0.15", "--seed", "7") as rp:
        yield rp


def fetch(srv, cmd, *args, **kw):
    return run(cmd, "--base-url", srv.base_url, *args, **kw)


def test_fetch_app_fan_out_over_countries(server):
    p = fetch(server, "app", TRANSLATE, MINECRAFT, "--country", "us,fr", "--lang", "en")
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    lines = ndjson(p)
    assert [(l["request"]["app_id"], l["request"]["country"]) for l in lines] == [
        (TRANSLATE, "us"), (TRANSLATE, "fr"), (MINECRAFT, "us"), (MINECRAFT, "fr")]
    assert lines[0]["request"] == {"kind": "app", "app_id": TRANSLATE,
                                   "lang": "en", "country": "us"}
    for l in lines:
        assert list(l) == ["request", "result"]
        assert list(l["result"]) == APP_KEYS
    # What was fetched is what `parse` gives for the same recorded page.
    offline = ok_json(parse("app", TRANSLATE_PAGE, "--app-id", TRANSLATE))
    assert lines[0]["result"] == offline
    assert lines[2]["result"]["title"] == "Minecraft"
    # The requests reached the server with their hl/gl.
    log = [urllib.parse.parse_qs(e["query"]) for e in server.log()
           if e.get("route") == "app"][-4:]
    assert sorted((q["id"], q["hl"], q["gl"]) for q in log) == sorted(
        ([a], ["en"], [c]) for a in (TRANSLATE, MINECRAFT) for c in ("us", "fr"))


def test_fetch_app_not_found_among_good_ones_exits_2(server):
    p = fetch(server, "app", TRANSLATE, "no.such.app", WHEREAMI)
    assert p.returncode == 2, p.stderr
    lines = ndjson(p)
    assert [l["request"]["app_id"] for l in lines] == [TRANSLATE, "no.such.app", WHEREAMI]
    assert lines[0]["result"]["title"] == "Google Translate"
    assert list(lines[1]) == ["request", "error"]
    assert list(lines[1]["error"]) == ["kind", "status", "message"]
    assert lines[1]["error"]["kind"] == "not_found"
    assert lines[1]["error"]["status"] == 404
    assert lines[2]["result"]["app_id"] == WHEREAMI


def test_fetch_all_failed_exits_1_but_still_reports(server):
    p = fetch(server, "app", "no.such.app", "com.moonwink.treasury.oldlayout")
    assert p.returncode == 1
    kinds = [l["error"]["kind"] for l in ndjson(p)]
    assert kinds == ["not_found", "unsupported_layout"]


def test_fetch_list(server):
    p = fetch(server, "list", "--category", "GAME", "--collection", "topselling_free",
              "--num", "100")
    assert p.returncode == 0, p.stderr
    [line] = ndjson(p)
    assert line["request"] == {"kind": "list", "category": "GAME",
                               "collection": "topselling_free", "num": 100,
                               "lang": "en", "country": "us"}
    assert list(line) == ["request", "results"]
    assert line["results"] == ok_json(parse("list", LIST_PAGE))


def test_fetch_search_fan_out(server):
    p = fetch(server, "search", "panda", "unicorns", "--country", "us,gb",
              "--price", "free", "--num", "30")
    assert p.returncode == 0, p.stderr
    lines = ndjson(p)
    assert [(l["request"]["query"], l["request"]["country"]) for l in lines] == [
        ("panda", "us"), ("panda", "gb"), ("unicorns", "us"), ("unicorns", "gb")]
    assert lines[0]["request"]["price"] == "free"
    assert lines[0]["results"][0]["app_id"] == "com.pandaexpress.app"
    assert lines[2]["results"][0]["app_id"] == "com.tutotoons.app.kpopsiescuteunicornpets"
    assert all(list(it) == ITEM_KEYS for l in lines for it in l["results"])


def test_fetch_reviews_first_page_and_all(server):
    p = fetch(server, "reviews", TRANSLATE, "--count", "150", "--sort", "newest")
    assert p.returncode == 0, p.stderr
    [line] = ndjson(p)
    assert list(line) == ["request", "results", "next_token"]
    assert line["request"]["sort"] == "newest" and line["request"]["count"] == 150
    offline = ok_json(parse("reviews", REVIEWS_PAGE))
    assert line["results"] == offline["reviews"]
    assert line["next_token"] == offline["next_token"]

    # The replay server chains 3 pages of 150 by token; --all follows them.
    p = fetch(server, "reviews", TRANSLATE, "--all")
    assert p.returncode == 0, p.stderr
    [line] = ndjson(p)
    assert line["request"]["all"] is True
    ids = [r["review_id"] for r in line["results"]]
    assert len(ids) == 450 and len(set(ids)) == 450
    assert line["next_token"] is None


def test_fetch_input_file_with_tabs_and_fan_out(server, tmp_path):
    f = tmp_path / "ids.txt"
    f.write_text("%s\n\n%s\tfr\tfr\r\nno.such.app\t\tde\n" % (TRANSLATE, WHEREAMI))
    p = fetch(server, "app", "-i", f, "--country", "us,gb")
    assert p.returncode == 2, p.stderr
    reqs = [l["request"] for l in ndjson(p)]
    assert [(r["app_id"], r["lang"], r["country"]) for r in reqs] == [
        (TRANSLATE, "en", "us"), (TRANSLATE, "en", "gb"), (WHEREAMI, "fr", "fr"),
        ("no.such.app", "en", "de")]


def test_fetch_input_from_stdin(server):
    p = fetch(server, "search", "-i", "-", input=b"panda\nunicorns\n")
    assert p.returncode == 0, p.stderr
    assert [l["request"]["query"] for l in ndjson(p)] == ["panda", "unicorns"]


def test_fetch_list_input_lines(server):
    p = fetch(server, "list", "-i", "-", input=b"GAME topselling_free\nGAME\n")
    assert p.returncode == 0, p.stderr
    lines = ndjson(p)
    assert [(l["request"]["category"], l["request"]["collection"]) for l in lines] == [
        ("GAME", "topselling_free"), ("GAME", "topselling_free")]
    assert len(lines[1]["results"]) == 100


def test_fetch_format_json_equals_ndjson(server):
    args = ("app", TRANSLATE, "no.such.app", "--country", "us,fr")
    nd = fetch(server, *args)
    js = fetch(server, *args, "--format", "json")
    assert js.returncode == nd.returncode == 2
    assert json.loads(js.stdout) == ndjson(nd)


def test_fetch_format_json_empty_input(server):
    p = fetch(server, "app", "-i", "-", "--format", "json", input=b"\n\n")
    assert p.returncode == 0 and json.loads(p.stdout) == []


def test_fetch_format_csv(server):
    p = fetch(server, "app", TRANSLATE, "no.such.app", "--format", "csv")
    assert p.returncode == 2
    assert b"\r\n" in p.stdout
    rows = list(csv.reader(io.StringIO(p.stdout.decode(), newline="")))
    # The request's fields in their own columns (issue 13.10), the page's
    # app_id beside the one asked for.
    assert rows[0] == ["kind", "request_app_id", "lang", "country", "error", "error_status",
                       "error_message"] + APP_KEYS
    assert len(rows) == 3
    ok, bad = (dict(zip(rows[0], r)) for r in rows[1:])
    assert (ok["kind"], ok["request_app_id"], ok["lang"], ok["country"]) == ("app", TRANSLATE, "en", "us")
    assert bad["request_app_id"] == "no.such.app"
    assert ok["error"] == "" and ok["title"] == "Google Translate"
    assert ok["free"] == "true" and ok["ratings"] == "9039805"
    assert ok["original_price"] == ""                  # null -> empty cell
    assert json.loads(ok["histogram"])["5"] == 6403317  # nested -> JSON text
    assert ok["developer_address"].count("\n") == 2     # quoted newlines survive
    assert bad["error"] == "not_found" and bad["error_status"] == "404"
    assert bad["title"] == ""


def test_fetch_format_csv_items(server):
    p = fetch(server, "search", "panda", "--format", "csv")
    assert p.returncode == 0
    rows = list(csv.DictReader(io.StringIO(p.stdout.decode(), newline="")))
    assert len(rows) == 20
    assert [r["rank"] for r in rows[:3]] == ["1", "2", "3"]
    assert rows[0]["app_id"] == "com.pandaexpress.app"
    assert list(rows[0])[:10] == ["kind", "query", "num", "request_price", "lang", "country", "error",
                                  "error_status", "error_message", "rank"]
    assert (rows[0]["kind"], rows[0]["query"], rows[0]["request_price"], rows[0]["num"]) == (
        "search", "panda", "all", "")
    assert list(rows[0])[10:] == ITEM_KEYS


def test_fetch_format_csv_reviews(server):
    p = fetch(server, "reviews", TRANSLATE, "--count", "150", "--format", "csv")
    assert p.returncode == 0
    rows = list(csv.reader(io.StringIO(p.stdout.decode(), newline="")))
    assert rows[0] == ["kind", "app_id", "sort", "count", "all", "request_score", "token", "lang",
                       "country", "error", "error_status", "error_message"] + REVIEW_KEYS
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    offline = ok_json(parse("reviews", REVIEWS_PAGE))["reviews"]
    assert len(body) == 150
    assert [r["review_id"] for r in body] == [r["review_id"] for r in offline]
    assert [r["content"] for r in body] == [r["content"] or "" for r in offline]
    assert body[0]["score"] == "5" and body[0]["created_at"] == str(offline[0]["created_at"])


def test_fetch_order_is_input_order_under_random_latency(fill_server):
    ids = ["com.example.app%03d" % i for i in range(60)]
    p = fetch(fill_server, "app", *ids, "--concurrency", "60")
    assert p.returncode == 0, p.stderr
    lines = ndjson(p)
    assert [l["request"]["app_id"] for l in lines] == ids
    # The server really had them in flight together (so they could overtake).
    assert fill_server.stats()["max_in_flight"] > 10


def test_fetch_out_of_order_output_spills_to_disk_unchanged(fill_server):
    # With no memory allowed for waiting output, every response that
    # overtakes an earlier one goes through the temporary file; the output
    # must be byte-identical to the in-memory run.
    ids = ["com.example.spill%02d" % i for i in range(40)]
    mem = fetch(fill_server, "app", *ids, "--concurrency", "40")
    disk = fetch(fill_server, "app", *ids, "--concurrency", "40",
                 env={"PLAYFAST_REORDER_BYTES": "0"})
    assert mem.returncode == disk.returncode == 0
    assert disk.stdout == mem.stdout
    assert [l["request"]["app_id"] for l in ndjson(disk)] == ids


def test_fetch_query_reaches_server_intact(fill_server):
    q = 'caf\u00e9 "quoted" & #hash\\back'
    p = fetch(fill_server, "search", q)
    assert p.returncode == 0, p.stderr
    [line] = ndjson(p)
    assert line["request"]["query"] == q
    assert [e for e in fill_server.log() if e.get("route") == "search"][-1]["q"] == q


def test_fetch_base_url_from_environment(server):
    p = run("app", TRANSLATE, env={"PLAYFAST_BASE_URL": server.base_url})
    assert p.returncode == 0, p.stderr
    assert ndjson(p)[0]["result"]["title"] == "Google Translate"


def test_fetch_progress_on_request_only(server):
    quiet = fetch(server, "app", TRANSLATE)
    assert quiet.stderr == b""          # stderr is not a terminal here
    p = fetch(server, "app", TRANSLATE, WHEREAMI, "--progress")
    assert p.returncode == 0
    assert "2/2 done, 0 failed" in p.stderr.decode()
    assert len(ndjson(p)) == 2


def test_fetch_ctrl_c_cancels_and_keeps_output_valid(replay_factory):
    slow = replay_factory("--fill", "--latency", "5")
    p = subprocess.Popen([PLAYFAST, "app", "a.b", "c.d", "e.f", "--format", "json",
                          "--base-url", slow.base_url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.7)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=10)
    assert time.monotonic() - t0 < 3          # not after the 5 s latency
    assert p.returncode == 130, err
    doc = json.loads(out)                     # the array is closed
    assert [d["request"]["app_id"] for d in doc] == ["a.b", "c.d", "e.f"]
    assert {d["error"]["kind"] for d in doc} == {"cancelled"}


def test_fetch_keeps_an_ignored_sigint_ignored(replay_factory, tmp_path):
    # Started with SIGINT ignored (nohup, a background job of a script),
    # the command is not the one to stop at Ctrl-C: it finishes the batch.
    slow = replay_factory("--fill", "--latency", "0.5")
    for db in ([], ["--db", tmp_path / "n.db"]):
        p = subprocess.Popen([PLAYFAST, "app", "a.b", "c.d", "--base-url", slow.base_url,
                              *db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert [json.loads(x)["request"]["app_id"] for x in out.decode().splitlines()] == \
            ["a.b", "c.d"]


def test_fetch_lines_reach_a_pipe_while_the_job_runs(replay_factory):
    # The second request is never answered: the first line must be readable
    # from the pipe while the command still waits, not at its exit.
    srv = replay_factory("--fill", "--script", "ok,stall")
    p = subprocess.Popen([PLAYFAST, "app", "a.first", "b.stalled", "--concurrency", "1",
                          "--retries", "0", "--timeout", "20", "--base-url", srv.base_url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([p.stdout], [], [], 10)
        assert ready and p.poll() is None
        first = json.loads(p.stdout.readline())
        assert first["request"]["app_id"] == "a.first" and "result" in first
    finally:
        p.kill()
        p.communicate(timeout=10)


def test_fetch_cacert_reaches_a_tls_server(replay_factory):
    tls = replay_factory("--tls")
    assert tls.base_url.startswith("https://")
    p = run("app", TRANSLATE, "--base-url", tls.base_url, "--cacert", tls.ca)
    assert p.returncode == 0, p.stderr
    assert ndjson(p)[0]["result"]["title"] == "Google Translate"
    # Without the test CA the certificate is refused: a network error.
    p = run("app", TRANSLATE, "--base-url", tls.base_url, "--retries", "0")
    assert p.returncode == 1
    assert ndjson(p)[0]["error"]["kind"] == "network"


def test_fetch_retries_option(replay_factory):
    # --retries bounds failures that are not pushback (a reset connection
    # here); 429 and 503 are retried until the deadline instead.
    srv = replay_factory("--script", "reset,reset")
    p = run("app", TRANSLATE, "--base-url", srv.base_url, "--retries", "0")
    assert p.returncode == 1
    assert ndjson(p)[0]["error"]["kind"] == "network"
    # One reset left in the script: two extra attempts get past it.
    p = run("app", TRANSLATE, "--base-url", srv.base_url, "--retries", "2")
    assert p.returncode == 0, p.stdout
    assert srv.stats()["requests"] == 3


def test_fetch_503_is_retried_past_retries(replay_factory):
    srv = replay_factory("--script", "503,503")
    p = run("app", TRANSLATE, "--base-url", srv.base_url, "--retries", "0")
    assert p.returncode == 0, p.stdout
    assert srv.stats()["requests"] == 3


def test_fetch_timeout_option(replay_factory):
    srv = replay_factory("--stall", "1")
    t0 = time.monotonic()
    p = run("app", TRANSLATE, "--base-url", srv.base_url, "--timeout", "0.5",
            "--retries", "0")
    assert time.monotonic() - t0 < 5
    assert p.returncode == 1
    assert ndjson(p)[0]["error"]["kind"] == "timeout"


def test_fetch_rate_option(replay_factory):
    srv = replay_factory("--fill")
    t0 = time.monotonic()
    p = run("app", "a.a", "b.b", "c.c", "d.d", "e.e", "f.f", "--base-url", srv.base_url,
            "--rate", "10")
    elapsed = time.monotonic() - t0
    assert p.returncode == 0
    assert elapsed >= 0.4        # 6 starts at 10/s span at least 0.5 s


@pytest.mark.parametrize("args", [
    ["app"],
    ["search"],
    ["app", "x", "--format", "xml"],
    ["app", "x", "--bogus"],
    ["app", "x", "--concurrency", "0"],
    ["app", "x", "--country", "us,,fr"],
    ["app", "x", "--lang"],
    ["list", "GAME"],
    ["list", "--collection", "best_ever"],
    ["reviews", "x", "--count", "5", "--all"],
    ["reviews", "x", "--score", "6"],
    ["reviews", "x", "--sort", "oldest"],
    ["search", "q", "--price", "cheap"],
    ["app", "-i", "/nonexistent/ids.txt"],
])
def test_fetch_usage_errors_exit_1_without_requests(server, args):
    before = server.stats()["requests"]
    one_error_line(fetch(server, *args))
    assert server.stats()["requests"] == before


# --------------------------------------------------------------------------
# fetch: client options go through the library's one check
# (pf__client_options_check), and each refusal names the flag

@pytest.mark.parametrize("args, message", [
    # issue 9.3: a CR/LF in a header value would inject a header line
    (["--user-agent", "UA\r\nX-Inj: 1"], "--user-agent: contains a line break (CR or LF)"),
    (["--user-agent", "UA\nX-Inj: 1"], "--user-agent: contains a line break"),
    # issue 9.4: libcurl would read local files through file://
    (["--base-url", "file:///etc/passwd"],
     '--base-url: scheme must be http:// or https://, got "file:///etc/passwd"'),
    (["--base-url", "gopher://127.0.0.1:1/"], "--base-url: scheme must be"),
    # issue 9.6: a missing CA file is an upfront error, not a network error per request
    (["--cacert", "/nonexistent/ca.pem"],
     "--cacert: cannot read /nonexistent/ca.pem: No such file or directory"),
    # issue 8: the egress pool and the deadline
    (["--proxy", "ftp://x"], '--proxy: scheme must be http://, https:// or socks5://, got "ftp://x"'),
    (["--proxy", "http://ok:1", "--proxy", "proxy.example:3128"], "--proxy: scheme must be"),
    (["--proxy", "htp://user:hunter2@p:1"], '--proxy: scheme must be http://, https:// or '
                                            'socks5://, got "htp://***@p:1"'),
    (["--local-address", "127.0.0.1,localhost"],
     '--local-address: not an IPv4 or IPv6 address: "localhost"'),
    (["--local-address", "10.0.0.256"], "--local-address: not an IPv4 or IPv6 address"),
    (["--local-address", "127.0.0.1,,::1"], "empty address in --local-address"),
    (["--deadline", "0"], "--deadline: must be a positive number of seconds up to 86400, got 0"),
    (["--deadline", "-1"], "--deadline: must be a positive number of seconds"),
    (["--deadline", "nan"], "bad value 'nan' for --deadline"),
    (["--deadline", "inf"], "bad value 'inf' for --deadline"),
    (["--timeout", "-1"], "--timeout: must be a positive number of seconds"),
    (["--concurrency", "0"], "--concurrency: must be 1..100000, got 0"),
    (["--retries", "-1"], "--retries: must be 0..1000, got -1"),
    (["--rate", "-5"], "--rate: must be 0 (no ceiling)"),
])
def test_fetch_bad_client_option_is_a_usage_error_naming_the_flag(server, args, message):
    before = server.stats()["requests"]
    err = one_error_line(fetch(server, "app", TRANSLATE, *args))
    assert message in err, err
    assert server.stats()["requests"] == before


def test_fetch_base_url_from_environment_is_checked_too(tmp_path):
    p = run("app", TRANSLATE, env={"PLAYFAST_BASE_URL": "file:///etc/passwd"})
    assert "PLAYFAST_BASE_URL: scheme must be http:// or https://" in one_error_line(p)


def test_fetch_proxies_file(tmp_path):
    """--proxies FILE: blank lines and # comments skipped; a bad line is a
    usage error naming the file and line. (An empty -i makes no request, so
    the options are checked without any traffic.)"""
    empty = tmp_path / "ids.txt"
    empty.write_text("")
    good = tmp_path / "good.txt"
    good.write_text("# pool A\n\nhttp://127.0.0.1:1\n  socks5://127.0.0.1:2  \r\n"
                    "https://u:p@127.0.0.1:3\nsocks5h://127.0.0.1:4\n")
    p = run("app", "-i", empty, "--proxies", good, "--proxy", "http://127.0.0.1:5")
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("http://127.0.0.1:1\n# fine\n\nftp://u:secret@x:21\n")
    err = one_error_line(run("app", "-i", empty, "--proxies", bad))
    assert "--proxies %s line 4: scheme must be" % bad in err, err
    assert "secret" not in err
    err = one_error_line(run("app", "-i", empty, "--proxies", tmp_path / "missing.txt"))
    assert "--proxies: cannot read" in err
    p = run("app", "-i", empty, "--local-address", "127.0.0.1", "--local-address", "::1,127.0.0.2",
            "--deadline", "30")
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("args, message", [
    (["app", "a" * 4097], "app_id: longer than the limit of 4096 bytes"),
    (["app", "a" * 100000], "app_id: longer than the limit of 4096 bytes"),
    (["search", "q" * 8193], "query: longer than the limit of 8192 bytes"),
    (["reviews", TRANSLATE, "--token", "t" * 8193], "token: longer than the limit of 8192 bytes"),
    (["app", TRANSLATE, "--country", "u" * 4097], "country: longer than the limit of 4096 bytes"),
])
def test_fetch_oversized_arguments_are_usage_errors_with_the_limit(server, args, message):
    """Issue 9.5: a 1 MB id came back as out_of_memory, a 10 MB one as a
    network error ("No URL set")."""
    before = server.stats()["requests"]
    err = one_error_line(fetch(server, *args))
    assert message in err, err
    assert server.stats()["requests"] == before


def test_fetch_oversized_input_line_names_its_line(server, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("%s\n\n%s\n" % (TRANSLATE, "x" * 5000))
    err = one_error_line(fetch(server, "app", "-i", ids))
    assert "input line 3: app_id: longer than the limit of 4096 bytes" in err, err
    # 1 MB and 10 MB ids (too long for argv) through stdin.
    for size in (1 << 20, 10 << 20):
        p = fetch(server, "app", "-i", "-", input=b"a" * size + b"\n")
        assert "input line 1: app_id: longer than the limit" in one_error_line(p)
    # The limit itself is fine (the server answers 404 for it).
    ids.write_text("x" * 4096 + "\n")
    assert fetch(server, "app", "-i", ids).returncode == 1
    assert ndjson(fetch(server, "app", "-i", ids))[0]["error"]["kind"] == "not_found"


def test_fetch_progress_reports_pushback(replay_factory):
    srv = replay_factory("--fill", "--script", "429,429")
    p = run("app", TRANSLATE, "--base-url", srv.base_url, "--progress", "--retries", "3")
    assert p.returncode == 0, p.stderr
    assert ", 429s 2, blocked 0" in p.stderr.decode()


def test_fetch_ctrl_c_while_output_is_blocked_exits_130(replay):
    """Issue 9.6: with the reader not reading, Ctrl-C interrupted the blocked
    write and the command ended with "cannot write output", exit 1."""
    ids = ["com.example.app%d" % i for i in range(400)]
    p = subprocess.Popen([PLAYFAST, "app", *ids, "--base-url", replay.base_url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # The pipe (64 KiB) is full long before 400 app pages are written.
        deadline = time.monotonic() + 20
        while replay.stats()["requests"] < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert p.poll() is None          # blocked on its output, not done
        p.send_signal(signal.SIGINT)
        time.sleep(0.3)
        if p.poll() is None:             # the second Ctrl-C ends it at once
            p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode in (130, -signal.SIGINT), (p.returncode, err)
    assert b"cannot write output" not in err


@pytest.mark.parametrize("cmd", ["app", "list", "search", "reviews"])
def test_fetch_help(cmd):
    p = run(cmd, "--help")
    assert p.returncode == 0
    out = p.stdout.decode()
    assert out.startswith("usage: playfast " + cmd)
    for opt in ("--lang", "--country", "--format", "--base-url", "--concurrency",
                "--rate", "--retries", "--timeout", "--proxy", "--cacert", "-i,",
                "--proxies", "--local-address", "--deadline"):
        assert opt in out, opt


def test_list_details_expands_entries_in_the_same_batch(replay_factory):
    srv = replay_factory("--fill", "--latency", "0.2")
    p = run("list", "--category", "GAME", "--num", "5", "--details", "--base-url", srv.base_url)
    assert p.returncode == 0, p.stderr
    line = ndjson(p)[0]
    assert line["request"]["kind"] == "list"
    results = line["results"]
    assert [r["rank"] for r in results] == [1, 2, 3, 4, 5]
    # Full app records: fields a chart card does not carry.
    assert all("description" in r and "version" in r for r in results)
    # The chart and its five apps, nothing more.
    assert srv.stats()["requests"] == 6


def test_search_details_keeps_a_failed_entry_with_its_error(replay_factory):
    srv = replay_factory("--fill", "--script", "ok,503", "--retry-after", "5")
    p = run("search", "panda", "--num", "2", "--details", "--deadline", "1",
            "--concurrency", "1", "--base-url", srv.base_url)
    assert p.returncode == 0, p.stderr
    first, second = ndjson(p)[0]["results"]
    assert first["rank"] == 1 and first["error"]["kind"] == "rate_limited"
    assert "title" in first and "description" not in first   # the card's fields
    assert second["rank"] == 2 and "description" in second


@pytest.mark.parametrize("args, message", [
    (["app", "x.y", "--country", "usa"], '--country: "usa" is not a country code'),
    (["app", "x.y", "--country", "us,zz"], '--country: "zz" is not a country code'),
    (["app", "x.y", "--lang", "english"], '--lang: "english" is not a language code'),
    (["list", "--category", "us"], '--category: "us" is not a category id'),
])
def test_request_arguments_are_checked_by_the_library_before_any_request(server, args, message):
    """Issue 13.3: the CLI refuses what Python refuses, by the same C check,
    naming the flag, the value and what is allowed."""
    before = server.stats()["requests"]
    err = one_error_line(fetch(server, *args))
    assert message in err, err
    assert server.stats()["requests"] == before


def test_input_line_with_a_bad_country_names_the_line(server, tmp_path):
    f = tmp_path / "ids.txt"
    f.write_text("a.b\nc.d\tEN\tusa\n")
    err = one_error_line(fetch(server, "app", "-i", f))
    assert 'input line 2: --country: "usa"' in err, err


def test_progress_into_a_file_has_no_cursor_escapes(server):
    """Issue 13.10: --progress into a log wrote \\r and ESC[K."""
    p = fetch(server, "app", TRANSLATE, WHEREAMI, "--progress")
    err = p.stderr.decode()
    assert "\r" not in err and "\x1b" not in err, repr(err)
    assert err.endswith("\n") and "2/2 done, 0 failed" in err.splitlines()[-1]


def test_progress_on_a_terminal_redraws_in_place(server):
    import pty
    master, slave = pty.openpty()
    try:
        p = subprocess.run([PLAYFAST, "app", TRANSLATE, "--base-url", server.base_url],
                           stdout=subprocess.PIPE, stderr=slave, timeout=60)
        os.close(slave)
        slave = None
        err = os.read(master, 65536).decode()
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert p.returncode == 0
    assert "\r" in err and "\x1b[K" in err and "1/1 done" in err


def test_input_file_skips_blank_lines_and_comments(server, tmp_path):
    f = tmp_path / "ids.txt"
    f.write_text("# apps to fetch\n\n%s\n   # an indented comment\n%s\n" % (TRANSLATE, WHEREAMI))
    p = fetch(server, "app", "-i", f)
    assert p.returncode == 0, p.stderr
    assert [l["request"]["app_id"] for l in ndjson(p)] == [TRANSLATE, WHEREAMI]


def test_version_and_the_exit_status_table():
    p = run("--version")
    assert p.returncode == 0 and re.fullmatch(rb"playfast \d+\.\d+\.\d+\n", p.stdout)
    readme = open(os.path.join(ROOT, "README.md")).read()
    assert re.search(r"^\| 130 \| interrupted", readme, re.M)
    assert "130 if interrupted" in run("app", "--help").stdout.decode().replace("\n", " ")
