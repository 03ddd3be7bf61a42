"""playfast.store: jobs whose results go into an SQLite file as they arrive.

The file is the one ``playfast ... --db FILE`` writes (docs/store.md): the
same tables, the same request keys, written by the same C code. A job runs
in ``_core._store_run``, which releases the GIL: the engine fetches, a
writer thread of the store commits each response in small transactions,
and the call returns once every result of the job is on disk. So a record
this module returns is a committed row, and running the same job again
fetches only what the file does not hold yet (failed requests are tried
again unless ``retry_failed=False``; ``refresh=True`` fetches everything
again as new snapshots beside the old ones).

The high-level functions take ``db=`` (``playfast.fetch_apps(ids,
db="jobs.db")``); this module gives the pieces:

* ``request(kind, ...)``  one request, as the store keys it
* ``run(db, requests, refresh=, retry_failed=, since=)``  -> row ids
* ``outcomes(db, ids)``  the stored outcome of each row
* ``export(db, kind=None)``  the latest stored result of every request, as
  the records ``playfast export`` prints (parsed JSON)

Rows are read with the standard library's ``sqlite3``: the typed columns
come back as Python values, BOOLEAN as bool and JSON_TEXT (arrays, the
histogram) as parsed JSON, so a record equals ``to_dict()`` of the result.
"""

import contextlib
import contextvars
import datetime
import json
import os
import sqlite3

from playfast import _core

# pf_kind (include/playfast.h): the kind's number and its table
# (pf_store_table()).
KINDS = {"app": 0, "list": 1, "search": 2, "reviews": 3, "developer": 4, "similar": 5,
         "suggest": 6, "permissions": 7, "datasafety": 8, "categories": 9}
TABLES = {"app": "apps", "list": "list_items", "search": "list_items", "reviews": "reviews",
          "developer": "list_items", "similar": "list_items", "suggest": "suggestions",
          "permissions": "permissions", "datasafety": "datasafety",
          "categories": "categories"}
# Kinds whose result is one record ("result" in export), not a list.
_ONE = ("app", "datasafety")


def request(kind, app_id=None, lang="en", country="us", category=None, collection=None,
            query=None, num=0, price=0, sort=0, score=0, token=None, developer_id=None,
            details=False):
    """One request as ``run`` takes it (the fields of pf_request). details
    (list, search): each entry's app is stored too, as its own app
    request."""
    return (KINDS[kind], app_id, lang, country, category, collection, query,
            int(num or 0), int(price or 0), int(sort or 0), int(score or 0), token,
            developer_id, int(bool(details)))


def _since(since):
    if since is None or isinstance(since, int):
        return since
    if isinstance(since, datetime.datetime):
        if since.tzinfo is None:
            since = since.replace(tzinfo=datetime.timezone.utc)
        return int(since.timestamp())
    if isinstance(since, datetime.date):
        return int(datetime.datetime(since.year, since.month, since.day,
                                     tzinfo=datetime.timezone.utc).timestamp())
    raise TypeError("since must be unix seconds, a date or a datetime, not %r" % (since,))


# What fetches a job's requests: None is this process's playfast client;
# playfast.dask sets its cluster here (see engine()).
_engine = contextvars.ContextVar("playfast_store_engine", default=None)


@contextlib.contextmanager
def engine(eng):
    """Jobs run in this context fetch through ``eng`` instead of this
    process's client, and the store writes what it gives as if fetched
    here. ``eng.start(requests)`` takes requests as ``request()`` makes
    them and returns a batch whose ``next(timeout)`` gives a list of
    (index, bytes of ``_core._fetch_packed``) as responses arrive ([] when
    none came within timeout seconds, None once all were given) and whose
    ``cancel()`` stops it. playfast.dask's twins use it for ``db=``."""
    token = _engine.set(eng)
    try:
        yield eng
    finally:
        _engine.reset(token)


def run(db, requests, *, refresh=False, retry_failed=True, since=None, progress=None):
    """Fetch what the store at ``db`` does not hold yet; return each
    request's row id, once every result is committed. ``since`` (reviews):
    stop a chain at the first review written before it. Raises
    InvalidArgumentError (a ValueError) naming the file when it is not a
    store, is newer than this playfast, is locked by another process or
    cannot be written, and the store's error (e.g. disk full) when a write
    fails; what was committed stays. progress(done, failed, total) is
    called about every 100 ms with the counts of this run's fetches."""
    return _core._store_run(os.fspath(db), list(requests), refresh=refresh,
                            retry_failed=retry_failed, since=_since(since),
                            progress=progress, engine=_engine.get())


class _Reader:
    """A read-only connection and the declared types of each table."""

    def __init__(self, db):
        path = os.fspath(db)
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        # The C store's checks first: one message for a bad file, and a
        # file of an older version is migrated before it is read.
        _core._store_check(path)
        self.con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        self.types = {}

    def close(self):
        self.con.close()

    def rows(self, table, snapshot_id):
        if table not in self.types:
            self.types[table] = {r[1]: r[2] for r in
                                 self.con.execute("SELECT * FROM pragma_table_info(?)", (table,))}
        types = self.types[table]
        cur = self.con.execute('SELECT * FROM "%s" WHERE snapshot_id = ? ORDER BY rank' % table,
                               (snapshot_id,))
        names = [d[0] for d in cur.description]
        out = []
        for row in cur:
            rec = {}
            for name, v in zip(names, row):
                if name in ("snapshot_id", "rank"):
                    continue
                t = types.get(name)
                if v is not None and t == "BOOLEAN":
                    v = bool(v)
                elif v is not None and t == "JSON_TEXT":
                    v = json.loads(v)
                rec[name] = v
            out.append(rec)
        return out

    def outcome(self, row_id, details=False):
        row = self.con.execute(
            "SELECT r.kind, r.status, r.error_kind, r.error_message, r.http_status, "
            "r.snapshot_id, s.next_token, r.lang, r.country FROM requests r "
            "LEFT JOIN snapshots s ON s.id = r.snapshot_id WHERE r.id = ?",
            (row_id,)).fetchone()
        if row is None:
            return None
        kind, status, ekind, emsg, http, snap, next_token, lang, country = row
        if snap is not None:
            rows = self.rows(TABLES[kind], snap)
            if kind == "suggest":
                rows = [r["term"] for r in rows]
            elif details and kind in ("list", "search"):
                rows = [self.entry(r, lang, country) for r in rows]
            out = {"results": rows}
            if kind in ("developer", "similar"):
                out["next_token"] = next_token
            return out
        if status == "failed":
            return {"error": {"kind": ekind, "status": http, "message": emsg}}
        return None

    def entry(self, item, lang, country):
        """A list entry fetched with details: its app's record, from the
        app's own request, or {"app_id", "error"} when that failed."""
        row = self.con.execute(
            "SELECT id FROM requests WHERE kind = 'app' AND app_id = ? AND lang = ? "
            "AND country = ? ORDER BY snapshot_id IS NULL, id LIMIT 1",
            (item["app_id"], lang, country)).fetchone()
        o = self.outcome(row[0]) if row else None
        if o is not None and "results" in o and o["results"]:
            return o["results"][0]
        err = (o or {}).get("error") or {"kind": "cancelled", "status": None,
                                         "message": "not fetched"}
        return {"app_id": item["app_id"], "error": err}


def outcomes(db, ids, details=False):
    """For each row id: {"results": [record, ...]} (the latest complete
    snapshot; suggestions as strings; developer and similar lists also
    give "next_token"), {"error": {"kind", "status", "message"}}, or None
    when nothing is stored for it (never fetched, or cut short). details:
    a list's entries are their apps' records, or {"app_id", "error"} for
    an entry whose app failed."""
    r = _Reader(db)
    try:
        return [r.outcome(i, details) for i in ids]
    finally:
        r.close()


_REQUEST_COLUMNS = ("kind", "app_id", "lang", "country", "category", "collection", "query",
                    "num", "price", "sort", "score", "token", "developer_id")


def export(db, kind=None):
    """The latest stored result of every request (of ``kind`` when given),
    in the order they were first recorded: one dict per request, with the
    keys of the fetch commands' lines -- "request" (its stored parameters)
    and "result" (app, datasafety), "results" (the other kinds; developer
    and similar also "next_token") or "error"."""
    r = _Reader(db)
    try:
        q = "SELECT id, %s FROM requests" % ", ".join(_REQUEST_COLUMNS)
        args = ()
        if kind is not None:
            q += " WHERE kind = ?"
            args = (kind,)
        out = []
        for row in r.con.execute(q + " ORDER BY id", args).fetchall():
            o = r.outcome(row[0])
            if o is None:
                continue
            rec = {"request": dict(zip(_REQUEST_COLUMNS, row[1:]))}
            if "results" in o and row[1] in _ONE:
                rec["result"] = o["results"][0] if o["results"] else None
            else:
                rec.update(o)
            out.append(rec)
        return out
    finally:
        r.close()
