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

__version__ = _core.__version__

__all__ = [name for name in dir(_core) if not name.startswith("_")] + [
    "store",
    "fetch_apps",
    "fetch_category_lists",
    "search_apps",
    "fetch_reviews",
]


def _stored(kind, reqs, errors, db, refresh, retry_failed, progress, since=None):
    """The db= path of the functions below: run the job against the store
    (playfast.store), then read each request's outcome back from the file,
    so every record returned is on disk. Returns, per request, the list of
    result records or None where it failed (errors="skip"); raises
    BatchError for failures with errors="raise"."""
    if errors not in ("raise", "skip"):
        raise ValueError('errors must be "raise" or "skip", not %r' % (errors,))
    ids = store.run(db, [store.request(kind, **r) for r in reqs], refresh=refresh,
                    retry_failed=retry_failed, since=since, progress=progress)
    results, failures = [], {}
    for i, o in enumerate(store.outcomes(db, ids)):
        if o is None or "error" in o:
            e = (o or {}).get("error") or {"kind": "cancelled", "status": None,
                                             "message": "not fetched"}
            exc = PlayfastError(e["message"])
            exc.code, exc.status, exc.request = e["kind"], e["status"], reqs[i]
            failures[i] = exc
            results.append(None)
        else:
            results.append(o["results"])
    if failures and errors == "raise":
        exc = BatchError("%d of %d requests failed; first: %s" % (
            len(failures), len(reqs), next(iter(failures.values()))))
        exc.results, exc.errors, exc.request, exc.status = results, failures, None, None
        raise exc
    return results


def _run(batch_fn, requests, errors, progress):
    """One batch: BatchError on failures (errors="raise") or None in place of
    each failed result (errors="skip")."""
    if errors == "raise":
        return batch_fn(requests, progress=progress)
    if errors == "skip":
        results = batch_fn(requests, return_exceptions=True, progress=progress)
        return [None if isinstance(r, BaseException) else r for r in results]
    raise ValueError('errors must be "raise" or "skip", not %r' % (errors,))


def _countries(countries):
    if isinstance(countries, str):
        return [countries]
    return list(countries)


def fetch_apps(app_ids, countries=("us",), lang="en", *, errors="raise", progress=None,
               db=None, refresh=False, retry_failed=True):
    """App details for every app id in every country, fetched as one batch.

    Returns one dict per (app, country) -- the AppInfo.to_dict() fields plus
    "country" and "lang" -- in the order app_ids x countries. errors="skip"
    leaves failed requests out instead of raising BatchError.

    db="jobs.db": results go into that SQLite file as they arrive and are
    read back from it (playfast.store); run the same call again to fetch
    only what is missing. refresh=True fetches everything again as new
    snapshots; retry_failed=False keeps failed requests failed.
    """
    countries = _countries(countries)
    keys = [(app_id, country) for app_id in app_ids for country in countries]
    if db is not None:
        results = _stored("app", [dict(app_id=a, lang=lang, country=c) for a, c in keys],
                          errors, db, refresh, retry_failed, progress)
        results = [r[0] if r else None for r in results]
    else:
        results = _run(fetch_and_parse_apps_batch, [(a, lang, c) for a, c in keys], errors,
                       progress)
    records = []
    for (app_id, country), app in zip(keys, results):
        if app is not None:
            rec = app if isinstance(app, dict) else app.to_dict()
            rec["country"] = country
            rec["lang"] = lang
            records.append(rec)
    return records


def fetch_category_lists(countries, categories, collection="topselling_free", lang="en",
                         num_results=100, *, errors="raise", progress=None, db=None,
                         refresh=False, retry_failed=True):
    """Top charts for every (country, category) pair, as one batch.

    A category of None means all apps. Returns one dict per chart entry --
    the SearchResult fields plus "country", "category", "collection", "lang"
    and "rank" (1-based) -- in the order countries x categories x rank.
    """
    countries = _countries(countries)
    if categories is None or isinstance(categories, str):
        categories = [categories]
    keys = [(country, cat) for country in countries for cat in categories]
    if db is not None:
        results = _stored("list", [dict(category=cat, collection=collection, lang=lang,
                                        country=country, num=num_results)
                                   for country, cat in keys],
                          errors, db, refresh, retry_failed, progress)
    else:
        reqs = [(cat, collection, lang, country, num_results) for country, cat in keys]
        results = _run(fetch_and_parse_list_batch, reqs, errors, progress)
    records = []
    for (country, cat), items in zip(keys, results):
        for rank, item in enumerate(items or (), 1):
            rec = item if isinstance(item, dict) else item.to_dict()
            rec.update(country=country, category=cat, collection=collection, lang=lang, rank=rank)
            records.append(rec)
    return records


def search_apps(queries, countries=("us",), lang="en", *, num=None, price=None,
                errors="raise", progress=None, db=None, refresh=False, retry_failed=True):
    """Search results for every (query, country) pair, as one batch.

    Returns one dict per result -- the SearchResult fields plus "query",
    "country", "lang" and "rank" (1-based).
    """
    countries = _countries(countries)
    if isinstance(queries, str):
        queries = [queries]
    keys = [(q, country) for q in queries for country in countries]
    if db is not None:
        results = _stored("search", [dict(query=q, lang=lang, country=country, num=num,
                                          price=price) for q, country in keys],
                          errors, db, refresh, retry_failed, progress)
    else:
        reqs = [(q, lang, country, num, price) for q, country in keys]
        results = _run(fetch_and_parse_search_batch, reqs, errors, progress)
    records = []
    for (q, country), items in zip(keys, results):
        for rank, item in enumerate(items or (), 1):
            rec = item if isinstance(item, dict) else item.to_dict()
            rec.update(query=q, country=country, lang=lang, rank=rank)
            records.append(rec)
    return records


def fetch_reviews(app_ids, countries=("us",), lang="en", sort=SORT_NEWEST, count=None, *,
                  errors="raise", progress=None, db=None, refresh=False, retry_failed=True,
                  since=None):
    """Reviews of every app in every country, as one batch.

    count: None for the first page, N for N reviews, "all" (or REVIEWS_ALL)
    for every review -- the engine follows the continuation tokens.
    Returns one dict per review -- the Review fields plus "app_id",
    "country" and "lang".

    db= (see fetch_apps): the store fetches review chains page by page and
    commits each page with its continuation token, so an interrupted
    count="all" resumes where it stopped. since= (unix seconds, a date or
    a datetime, with db=): stop at the first review older than it, so a
    daily refresh=True run fetches only the new reviews of a newest-first
    chain.
    """
    if count == "all":
        count = REVIEWS_ALL
    countries = _countries(countries)
    if isinstance(app_ids, str):
        app_ids = [app_ids]
    keys = [(a, country) for a in app_ids for country in countries]
    if db is not None:
        results = _stored("reviews", [dict(app_id=a, lang=lang, country=country, sort=sort,
                                           num=count) for a, country in keys],
                          errors, db, refresh, retry_failed, progress, since)
        results = [None if r is None else (r,) for r in results]
    else:
        if since is not None:
            raise ValueError("since= needs db=")
        reqs = [(a, lang, country, sort, None, count) for a, country in keys]
        results = _run(fetch_and_parse_reviews_batch, reqs, errors, progress)
    records = []
    for (app_id, country), res in zip(keys, results):
        if res is None:
            continue
        for review in res[0]:
            rec = review if isinstance(review, dict) else review.to_dict()
            rec.update(app_id=app_id, country=country, lang=lang)
            records.append(rec)
    return records
