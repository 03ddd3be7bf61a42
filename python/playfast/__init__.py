"""playfast: a fast Google Play Store scraper with a C core.

Two layers:

* ``playfast._core`` (re-exported here) -- the drop-in API of the original
  package: ``fetch_and_parse_*_batch``, the single-request functions, the
  offline ``parse_*`` functions, result types and errors, plus streaming
  (``iter_*_batch``), ``progress=`` callbacks and ``configure()``.
* the high-level functions below -- ``fetch_apps``, ``fetch_category_lists``,
  ``search_apps``, ``fetch_reviews`` -- which build one batch from a cross
  product (ids x countries, ...) and return plain dict records that load
  straight into ``pandas.DataFrame(records)``.

Point the client at another server (e.g. the replay server) with
``configure(base_url=...)`` or the environment variable PLAYFAST_BASE_URL.
When Google pushes back, ``configure(proxies=[...], local_addresses=[...],
rate=..., deadline=...)`` spreads the requests over several egresses, each
paced below the ``rate`` ceiling at what the server allows; ``client_stats()``
shows the 429s and blocks seen and each egress's current rate, and a request
still blocked at its deadline raises ``BlockedError``. Every setting is checked
by the library's own validation: a bad one raises ``InvalidArgumentError`` (a
``ValueError``) naming the argument.
"""

from playfast import _core, store
from playfast._core import (  # noqa: F401  (re-exported API)
    PRICE_ALL,
    PRICE_FREE,
    PRICE_PAID,
    REVIEWS_ALL,
    SORT_MOST_RELEVANT,
    SORT_NEWEST,
    SORT_RATING,
    SORT_RELEVANT,
    AppInfo,
    AppNotFoundError,
    BatchError,
    BatchIterator,
    CancelledError,
    HttpError,
    InvalidArgumentError,
    NetworkError,
    NoDataError,
    NotFoundError,
    OutOfMemoryError,
    ParseError,
    Permission,
    PlayfastError,
    RateLimitError,
    BlockedError,
    ResponseTooLargeError,
    Review,
    RustAppInfo,
    RustPermission,
    RustReview,
    RustSearchResult,
    SearchResult,
    TimeoutError,
    UnsupportedLayoutError,
    build_list_request_body,
    build_reviews_request_body,
    client_stats,
    configure,
    extract_continuation_token,
    fetch_and_parse_app,
    fetch_and_parse_apps_batch,
    fetch_and_parse_list,
    fetch_and_parse_list_batch,
    fetch_and_parse_reviews,
    fetch_and_parse_reviews_batch,
    fetch_and_parse_search,
    fetch_and_parse_search_batch,
    iter_apps_batch,
    iter_list_batch,
    iter_reviews_batch,
    iter_search_batch,
    parse_app_page,
    parse_batchexecute_list_response,
    parse_batchexecute_reviews_response,
    parse_review_batch,
    parse_search_results,
)

from playfast._core import (  # noqa: F401,E402  (the kinds of issue 10)
    fetch_and_parse_categories,
    fetch_and_parse_categories_batch,
    fetch_and_parse_datasafety,
    fetch_and_parse_datasafety_batch,
    fetch_and_parse_developer,
    fetch_and_parse_developer_batch,
    fetch_and_parse_permissions,
    fetch_and_parse_permissions_batch,
    fetch_and_parse_similar,
    fetch_and_parse_similar_batch,
    fetch_and_parse_suggest,
    fetch_and_parse_suggest_batch,
    iter_categories_batch,
    iter_datasafety_batch,
    iter_developer_batch,
    iter_permissions_batch,
    iter_similar_batch,
    iter_suggest_batch,
    parse_kind,
)

__version__ = _core.__version__

__all__ = [name for name in dir(_core) if not name.startswith("_")] + [
    "store",
    "fetch_apps",
    "fetch_category_lists",
    "search_apps",
    "fetch_reviews",
    "fetch_developer_apps",
    "fetch_similar_apps",
    "fetch_suggestions",
    "fetch_permissions",
    "fetch_datasafety",
    "CATEGORIES",
]


import datetime as _dt
import math as _math
import re as _re

# Fields holding a Unix time in seconds, turned into timezone-aware UTC
# datetimes by the record functions (dates="unix" keeps the integers).
_DATE_FIELDS = ("updated", "released", "created_at", "reply_at")
_UTC = _dt.timezone.utc


def _items(value):
    """A str (or None) where a list of ids, queries, countries or categories
    is expected means that one item, never one request per character."""
    if value is None or isinstance(value, (str, bytes)):
        return [value]
    return list(value)


def _record(obj, dates):
    """obj.to_dict() as a record: dates as datetimes unless dates == "unix",
    and no NaN (an absent number is None)."""
    if dates not in ("datetime", "unix"):
        raise ValueError('dates must be "datetime" or "unix", not %r' % (dates,))
    rec = dict(obj) if isinstance(obj, dict) else obj.to_dict()
    for key, v in rec.items():
        if isinstance(v, float) and _math.isnan(v):
            rec[key] = None
        elif key in _DATE_FIELDS and isinstance(v, int) and dates == "datetime":
            rec[key] = _dt.datetime.fromtimestamp(v, _UTC)
    return rec


def _error_record(exc):
    return {"kind": getattr(exc, "code", type(exc).__name__), "message": str(exc),
            "status": getattr(exc, "status", None)}


def _run(batch_fn, requests, errors, progress, **kw):
    """One batch: BatchError on failures (errors="raise"), None in place of
    each failed result (errors="skip"), or the exception in place
    (errors="record", for the caller to turn into an error record)."""
    try:
        return _run_batch(batch_fn, requests, errors, progress, **kw)
    except InvalidArgumentError as e:
        # The batch is this function's own: "(request 3)" would name an
        # index the caller never saw.
        msg = _re.sub(r" \(request \d+\)$", "", str(e))
        if msg == str(e):
            raise
        clean = InvalidArgumentError(msg)
        clean.__dict__.update(e.__dict__)
        raise clean from None


def _run_batch(batch_fn, requests, errors, progress, **kw):
    if errors == "raise":
        return batch_fn(requests, progress=progress, **kw)
    if errors in ("skip", "record"):
        results = batch_fn(requests, return_exceptions=True, progress=progress, **kw)
        if errors == "skip":
            return [None if isinstance(r, BaseException) else r for r in results]
        return results
    raise ValueError('errors must be "raise", "skip" or "record", not %r' % (errors,))


def _stored_error(e, request):
    exc = PlayfastError(e["message"])
    exc.code, exc.status, exc.request = e["kind"], e["status"], request
    return exc


def _stored(kind, reqs, errors, db, refresh, retry_failed, progress, since=None,
            details=False):
    """The db= path of the record functions: run the job against the store
    (playfast.store), then read each request's outcome back from the file,
    so every record returned is on disk. Returns, per request, its list of
    result dicts, or in place of a failed one None (errors="skip") or the
    error (errors="record"); raises BatchError with errors="raise".
    details (list, search): each entry is its app's record, or the error
    of that app's request, as the batch functions give them."""
    if errors not in ("raise", "skip", "record"):
        raise ValueError('errors must be "raise", "skip" or "record", not %r' % (errors,))
    # progress(done, total) as without db=, counting this run's fetches
    # (the store's own callback also passes the failed count).
    report = None if progress is None else (lambda done, failed, total: progress(done, total))
    ids = store.run(db, [store.request(kind, details=details, **r) for r in reqs],
                    refresh=refresh, retry_failed=retry_failed, since=since,
                    progress=report)
    results, failures = [], {}
    for i, o in enumerate(store.outcomes(db, ids, details=details)):
        if o is None or "error" in o:
            e = (o or {}).get("error") or {"kind": "cancelled", "status": None,
                                             "message": "not fetched"}
            failures[i] = exc = _stored_error(e, reqs[i])
            results.append(exc if errors == "record" else None)
        elif details:
            results.append([_stored_error(x["error"], (x["app_id"],)) if "error" in x else x
                            for x in o["results"]])
        else:
            results.append(o["results"])
    if failures and errors == "raise":
        exc = BatchError("%d of %d requests failed; first: %s" % (
            len(failures), len(reqs), next(iter(failures.values()))))
        exc.results, exc.errors, exc.request, exc.status = results, failures, None, None
        raise exc
    return results


_SORTS = {"relevant": SORT_RELEVANT, "newest": SORT_NEWEST, "rating": SORT_RATING}
_PRICES = {"all": PRICE_ALL, "free": PRICE_FREE, "paid": PRICE_PAID}


def _code(value, names):
    """A sort or price as the store takes it: Google's code for a name."""
    return names.get(value, value) if isinstance(value, str) else value


def _failed(res, keys, errors, records):
    """Whether res is a failure; with errors="record" its record (the
    request's keys and `error`) is added to records."""
    if not isinstance(res, BaseException):
        return res is None
    rec = dict(keys)
    rec["error"] = _error_record(res)
    records.append(rec)
    return True


def _tag(rec, keys, errors):
    rec.update(keys)
    if errors == "record":
        rec["error"] = None
    return rec


def _entries(items, k, errors, dates, records, details):
    """The records of one list's entries, rank 1-based: SearchResult fields,
    or with details the entry's full app record; an entry whose app failed
    is an error (BatchError with errors="raise", left out with "skip", an
    error record with "record")."""
    for rank, item in enumerate(items, 1):
        keys = dict(k, rank=rank)
        if details and isinstance(item, BaseException):
            if errors == "raise":
                err = BatchError("the details of entry %d failed: %s" % (rank, item))
                err.results, err.errors = None, {rank - 1: item}
                err.request, err.status = None, None
                raise err
            _failed(item, dict(keys, app_id=getattr(item, "request", (None,))[0]),
                    errors, records if errors == "record" else [])
            continue
        records.append(_tag(_record(item, dates), keys, errors))


def fetch_apps(app_ids, countries=("us",), lang="en", *, errors="raise", dates="datetime",
               progress=None, db=None, refresh=False, retry_failed=True):
    """App details for every app id in every country, fetched as one batch.

    app_ids, countries: a list, or one str for one item. Returns one dict
    per (app, country) -- the AppInfo.to_dict() fields plus "country" and
    "lang" -- in the order app_ids x countries. `updated` and `released`
    are timezone-aware UTC datetimes (dates="unix": integer seconds); an
    absent value is None. errors="skip" leaves failed requests out instead
    of raising BatchError; errors="record" returns each as a record with the
    request's keys and "error": {"kind", "message", "status"} (None on the
    records that succeeded), so a DataFrame holds both.

    db="jobs.db": results go into that SQLite file as they arrive and are
    read back from it (playfast.store); run the same call again to fetch
    only what is missing. refresh=True fetches everything again as new
    snapshots; retry_failed=False keeps failed requests failed.

    progress(done, total) is called as requests complete (with db=, the
    requests this run fetches).
    """
    keys = [(app_id, country) for app_id in _items(app_ids) for country in _items(countries)]
    if db is not None:
        results = _stored("app", [dict(app_id=a, lang=lang, country=c) for a, c in keys],
                          errors, db, refresh, retry_failed, progress)
        results = [r[0] if isinstance(r, list) and r else r for r in results]
    else:
        results = _run(fetch_and_parse_apps_batch, [(a, lang, c) for a, c in keys], errors,
                       progress)
    records = []
    for (app_id, country), app in zip(keys, results):
        k = {"app_id": app_id, "country": country, "lang": lang}
        if not _failed(app, k, errors, records):
            rec = _record(app, dates)
            records.append(_tag(rec, {"country": country, "lang": lang}, errors))
    return records


def fetch_category_lists(countries, categories, collection="topselling_free", lang="en",
                         num=100, *, errors="raise", dates="datetime", progress=None,
                         num_results=None, details=False, db=None, refresh=False,
                         retry_failed=True):
    """Top charts for every (country, category) pair, as one batch.

    countries, categories: a list, or one str for one item; a category of
    None means all apps. num: entries per chart (num_results is its old
    name, still accepted). Returns one dict per chart entry -- the
    SearchResult fields plus "country", "category", "collection", "lang"
    and "rank" (1-based) -- in the order countries x categories x rank.
    details=True: each entry is instead the app's full record (the AppInfo
    fields), fetched in the same batch as soon as its chart is in.
    errors and db= as for fetch_apps().
    """
    if num_results is not None:
        num = num_results
    keys = [(country, cat) for country in _items(countries) for cat in _items(categories)]
    reqs = [(cat, collection, lang, country, num) for country, cat in keys]
    records = []
    if db is not None:
        results = _stored("list", [dict(category=cat, collection=collection, lang=lang,
                                        country=country, num=num) for country, cat in keys],
                          errors, db, refresh, retry_failed, progress, details=details)
    else:
        results = _run(fetch_and_parse_list_batch, reqs, errors, progress, details=details)
    for (country, cat), items in zip(keys, results):
        k = {"country": country, "category": cat, "collection": collection, "lang": lang}
        if _failed(items, k, errors, records):
            continue
        _entries(items, k, errors, dates, records, details)
    return records


def search_apps(queries, countries=("us",), lang="en", *, num=None, price=None,
                errors="raise", dates="datetime", progress=None, details=False, db=None,
                refresh=False, retry_failed=True):
    """Search results for every (query, country) pair, as one batch.

    queries, countries: a list, or one str for one item. price: "all",
    "free", "paid" (or PRICE_*). Returns one dict per result -- the
    SearchResult fields plus "query", "country", "lang" and "rank"
    (1-based); details=True as for fetch_category_lists(). errors and db=
    as for fetch_apps().
    """
    keys = [(q, country) for q in _items(queries) for country in _items(countries)]
    reqs = [(q, lang, country, num, price) for q, country in keys]
    records = []
    if db is not None:
        results = _stored("search", [dict(query=q, lang=lang, country=country, num=num,
                                          price=_code(price, _PRICES))
                                     for q, country in keys],
                          errors, db, refresh, retry_failed, progress, details=details)
    else:
        results = _run(fetch_and_parse_search_batch, reqs, errors, progress, details=details)
    for (q, country), items in zip(keys, results):
        k = {"query": q, "country": country, "lang": lang}
        if _failed(items, k, errors, records):
            continue
        _entries(items, k, errors, dates, records, details)
    return records


def fetch_reviews(app_ids, countries=("us",), lang="en", sort="newest", num=None, *,
                  score=None, errors="raise", dates="datetime", progress=None, count=None,
                  db=None, refresh=False, retry_failed=True, since=None):
    """Reviews of every app in every country, as one batch.

    app_ids, countries: a list, or one str for one item. sort: "newest"
    (the default), "relevant" or "rating" (or SORT_*). num: None for the
    first page, N for N reviews, "all" (or REVIEWS_ALL) for every review --
    the engine follows the continuation tokens (count is num's old name,
    still accepted). score: None for every rating, 1..5 for reviews with
    that many stars. Returns one dict per review -- the Review fields plus
    "app_id", "country" and "lang"; `created_at` and `reply_at` are UTC
    datetimes (dates="unix": integer seconds).

    A chain of pages that breaks part way (say at page 40 of num="all")
    keeps what it fetched: the request's error carries .partial (the reviews
    so far, a list of Review) and .next_token (to resume with
    fetch_and_parse_reviews(..., continuation_token=...)). With
    errors="raise" the error is in BatchError.errors; with errors="record"
    the partial reviews come back as records, then the error record, which
    also holds "next_token".

    db= (see fetch_apps): the store fetches review chains page by page and
    commits each page with its continuation token, so an interrupted
    num="all" resumes where it stopped. since= (unix seconds, a date or a
    datetime, with db=): stop at the first review older than it, so a daily
    refresh=True run fetches only the new reviews of a newest-first chain.
    """
    if count is not None:
        num = count
    keys = [(a, country) for a in _items(app_ids) for country in _items(countries)]
    reqs = [(a, lang, country, sort, None, num, score) for a, country in keys]
    records = []
    if db is not None:
        results = _stored("reviews", [dict(app_id=a, lang=lang, country=country,
                                           sort=_code(sort, _SORTS), score=score,
                                           num=REVIEWS_ALL if num == "all" else num)
                                      for a, country in keys],
                          errors, db, refresh, retry_failed, progress, since)
        results = [(r,) if isinstance(r, list) else r for r in results]
    else:
        if since is not None:
            raise ValueError("since= needs db=")
        results = _run(fetch_and_parse_reviews_batch, reqs, errors, progress)
    for (app_id, country), res in zip(keys, results):
        k = {"app_id": app_id, "country": country, "lang": lang}
        partial = getattr(res, "partial", None) if isinstance(res, BaseException) else None
        for review in partial or ():
            records.append(_tag(_record(review, dates), k, errors))
        if _failed(res, k, errors, records):
            if partial is not None and errors == "record":
                records[-1]["next_token"] = getattr(res, "next_token", None)
            continue
        for review in res[0]:
            records.append(_tag(_record(review, dates), k, errors))
    return records


# ---------------------------------------------------------------------------
# The kinds of issue 10: developer, similar, suggest, permissions, data
# safety, categories. Same shape as the functions above: one batch over a
# cross product, plain dict records.

# Google's app categories, {"name", "id"}: the published list (the ids a
# top chart accepts as its category), without a request. The live store
# home's own links and names: fetch_and_parse_categories().
CATEGORIES = parse_kind("categories", "")


def _keys(ids, countries):
    if isinstance(ids, str):
        ids = [ids]
    return [(i, c) for i in ids for c in _items(countries)]


def _per_request(batch_fn, kind, key_name, keys, lang, errors, progress, db, refresh,
                 retry_failed, *num):
    """Each (key, country)'s result as batch_fn gives it: fetched as one
    batch of (key, lang, country[, num]), or with db= through the store
    (key_name: the key's parameter in store.request())."""
    if db is None:
        return _run(batch_fn, [(k, lang, c) + num for k, c in keys], errors, progress)
    extra = {"num": num[0]} if num else {}
    return _stored(kind, [dict({key_name: k, "lang": lang, "country": c}, **extra)
                          for k, c in keys],
                   errors, db, refresh, retry_failed, progress)


def _ranked(results, keys, key_name, lang, errors):
    records = []
    for (key, country), items in zip(keys, results):
        k = {key_name: key, "country": country, "lang": lang}
        if _failed(items, k, errors, records):
            continue
        for rank, item in enumerate(items, 1):
            records.append(_tag(_record(item, "datetime"), dict(k, rank=rank), errors))
    return records


_DB_DOC = """

    db="jobs.db" (with refresh= and retry_failed=): results go into that
    SQLite file as they arrive, and a rerun fetches only what it does not
    hold yet (see fetch_apps()); the records are those of the call without
    db=, read back from the file."""


def fetch_developer_apps(developer_ids, countries=("us",), lang="en", *, num=None,
                         errors="raise", progress=None, db=None, refresh=False,
                         retry_failed=True):
    """The apps of every developer (numeric id or name) in every country, as
    one batch, following continuation pages up to num (default 60, at most
    250). One dict per app -- the SearchResult fields plus "developer_query",
    "country", "lang" and "rank"."""
    keys = _keys(developer_ids, countries)
    results = _per_request(fetch_and_parse_developer_batch, "developer", "developer_id", keys,
                           lang, errors, progress, db, refresh, retry_failed, num)
    return _ranked(results, keys, "developer_query", lang, errors)


def fetch_similar_apps(app_ids, countries=("us",), lang="en", *, num=None,
                       errors="raise", progress=None, db=None, refresh=False,
                       retry_failed=True):
    """The similar apps of every app in every country, as one batch (default
    all, at most 250). One dict per app -- the SearchResult fields plus
    "similar_to", "country", "lang" and "rank"."""
    keys = _keys(app_ids, countries)
    results = _per_request(fetch_and_parse_similar_batch, "similar", "app_id", keys, lang,
                           errors, progress, db, refresh, retry_failed, num)
    return _ranked(results, keys, "similar_to", lang, errors)


def fetch_suggestions(terms, countries=("us",), lang="en", *, errors="raise", progress=None,
                      db=None, refresh=False, retry_failed=True):
    """Search suggestions for every term in every country, as one batch. One
    dict per suggestion: "term", "suggestion", "country", "lang", "rank"."""
    keys = _keys(terms, countries)
    records = []
    results = _per_request(fetch_and_parse_suggest_batch, "suggest", "query", keys, lang,
                           errors, progress, db, refresh, retry_failed)
    for (term, country), sugg in zip(keys, results):
        k = {"term": term, "country": country, "lang": lang}
        if _failed(sugg, k, errors, records):
            continue
        for rank, s in enumerate(sugg, 1):
            records.append(_tag({"term": term, "suggestion": s}, dict(k, rank=rank), errors))
    return records


def fetch_permissions(app_ids, countries=("us",), lang="en", *, errors="raise", progress=None,
                      db=None, refresh=False, retry_failed=True):
    """The permissions of every app in every country, as one batch. One dict
    per permission: "app_id", "group" (None for the ungrouped), "permission",
    "country", "lang"."""
    keys = _keys(app_ids, countries)
    records = []
    results = _per_request(fetch_and_parse_permissions_batch, "permissions", "app_id", keys,
                           lang, errors, progress, db, refresh, retry_failed)
    for (app_id, country), groups in zip(keys, results):
        k = {"app_id": app_id, "country": country, "lang": lang}
        if _failed(groups, k, errors, records):
            continue
        for g in groups:
            for p in g["permissions"]:
                records.append(_tag({"app_id": app_id, "group": g["group"], "permission": p},
                                    {"country": country, "lang": lang}, errors))
    return records


def fetch_datasafety(app_ids, countries=("us",), lang="en", *, errors="raise", progress=None,
                     db=None, refresh=False, retry_failed=True):
    """The data safety section of every app in every country, as one batch.
    One dict per app: "app_id", "country", "lang" and the datasafety fields
    (shared_data, collected_data, security_practices, privacy_policy_url)."""
    keys = _keys(app_ids, countries)
    records = []
    results = _per_request(fetch_and_parse_datasafety_batch, "datasafety", "app_id", keys,
                           lang, errors, progress, db, refresh, retry_failed)
    if db is not None:              # the store gives the one record as a list
        results = [r[0] if isinstance(r, list) and r else r for r in results]
    for (app_id, country), ds in zip(keys, results):
        k = {"app_id": app_id, "country": country, "lang": lang}
        if not _failed(ds, k, errors, records):
            records.append(_tag(dict(ds), k, errors))
    return records


for _f in (fetch_developer_apps, fetch_similar_apps, fetch_suggestions, fetch_permissions,
           fetch_datasafety):
    if _f.__doc__:                      # None under python -OO
        _f.__doc__ += _DB_DOC
del _f
