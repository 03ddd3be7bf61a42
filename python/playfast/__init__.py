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

from playfast import _core
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


def fetch_apps(app_ids, countries=("us",), lang="en", *, errors="raise", progress=None):
    """App details for every app id in every country, fetched as one batch.

    Returns one dict per (app, country) -- the AppInfo.to_dict() fields plus
    "country" and "lang" -- in the order app_ids x countries. errors="skip"
    leaves failed requests out instead of raising BatchError.
    """
    countries = _countries(countries)
    keys = [(app_id, country) for app_id in app_ids for country in countries]
    results = _run(fetch_and_parse_apps_batch, [(a, lang, c) for a, c in keys], errors, progress)
    records = []
    for (app_id, country), app in zip(keys, results):
        if app is not None:
            rec = app.to_dict()
            rec["country"] = country
            rec["lang"] = lang
            records.append(rec)
    return records


def fetch_category_lists(countries, categories, collection="topselling_free", lang="en",
                         num_results=100, *, errors="raise", progress=None):
    """Top charts for every (country, category) pair, as one batch.

    A category of None means all apps. Returns one dict per chart entry --
    the SearchResult fields plus "country", "category", "collection", "lang"
    and "rank" (1-based) -- in the order countries x categories x rank.
    """
    countries = _countries(countries)
    if categories is None or isinstance(categories, str):
        categories = [categories]
    keys = [(country, cat) for country in countries for cat in categories]
    reqs = [(cat, collection, lang, country, num_results) for country, cat in keys]
    records = []
    for (country, cat), items in zip(keys, _run(fetch_and_parse_list_batch, reqs, errors, progress)):
        for rank, item in enumerate(items or (), 1):
            rec = item.to_dict()
            rec.update(country=country, category=cat, collection=collection, lang=lang, rank=rank)
            records.append(rec)
    return records


def search_apps(queries, countries=("us",), lang="en", *, num=None, price=None,
                errors="raise", progress=None):
    """Search results for every (query, country) pair, as one batch.

    Returns one dict per result -- the SearchResult fields plus "query",
    "country", "lang" and "rank" (1-based).
    """
    countries = _countries(countries)
    if isinstance(queries, str):
        queries = [queries]
    keys = [(q, country) for q in queries for country in countries]
    reqs = [(q, lang, country, num, price) for q, country in keys]
    records = []
    for (q, country), items in zip(keys, _run(fetch_and_parse_search_batch, reqs, errors, progress)):
        for rank, item in enumerate(items or (), 1):
            rec = item.to_dict()
            rec.update(query=q, country=country, lang=lang, rank=rank)
            records.append(rec)
    return records


def fetch_reviews(app_ids, countries=("us",), lang="en", sort=SORT_NEWEST, count=None, *,
                  score=None, errors="raise", progress=None):
    """Reviews of every app in every country, as one batch.

    count: None for the first page, N for N reviews, "all" (or REVIEWS_ALL)
    for every review -- the engine follows the continuation tokens.
    score: None for every rating, 1..5 for reviews with that many stars.
    Returns one dict per review -- the Review fields plus "app_id",
    "country" and "lang".
    """
    if count == "all":
        count = REVIEWS_ALL
    countries = _countries(countries)
    if isinstance(app_ids, str):
        app_ids = [app_ids]
    keys = [(a, country) for a in app_ids for country in countries]
    reqs = [(a, lang, country, sort, None, count, score) for a, country in keys]
    records = []
    for (app_id, country), res in zip(keys, _run(fetch_and_parse_reviews_batch, reqs, errors, progress)):
        if res is None:
            continue
        for review in res[0]:
            rec = review.to_dict()
            rec.update(app_id=app_id, country=country, lang=lang)
            records.append(rec)
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
    return [(i, c) for i in ids for c in _countries(countries)]


def _ranked(batch_fn, keys, reqs, key_name, lang, errors, progress):
    records = []
    for (key, country), items in zip(keys, _run(batch_fn, reqs, errors, progress)):
        for rank, item in enumerate(items or (), 1):
            rec = item.to_dict()
            rec.update({key_name: key, "country": country, "lang": lang, "rank": rank})
            records.append(rec)
    return records


def fetch_developer_apps(developer_ids, countries=("us",), lang="en", *, num=None,
                         errors="raise", progress=None):
    """The apps of every developer (numeric id or name) in every country, as
    one batch, following continuation pages up to num (default 60, at most
    250). One dict per app -- the SearchResult fields plus "developer_query",
    "country", "lang" and "rank"."""
    keys = _keys(developer_ids, countries)
    reqs = [(d, lang, c, num) for d, c in keys]
    return _ranked(fetch_and_parse_developer_batch, keys, reqs, "developer_query", lang,
                   errors, progress)


def fetch_similar_apps(app_ids, countries=("us",), lang="en", *, num=None,
                       errors="raise", progress=None):
    """The similar apps of every app in every country, as one batch (default
    all, at most 250). One dict per app -- the SearchResult fields plus
    "similar_to", "country", "lang" and "rank"."""
    keys = _keys(app_ids, countries)
    reqs = [(a, lang, c, num) for a, c in keys]
    return _ranked(fetch_and_parse_similar_batch, keys, reqs, "similar_to", lang,
                   errors, progress)


def fetch_suggestions(terms, countries=("us",), lang="en", *, errors="raise", progress=None):
    """Search suggestions for every term in every country, as one batch. One
    dict per suggestion: "term", "suggestion", "country", "lang", "rank"."""
    keys = _keys(terms, countries)
    records = []
    results = _run(fetch_and_parse_suggest_batch, [(t, lang, c) for t, c in keys], errors,
                   progress)
    for (term, country), sugg in zip(keys, results):
        for rank, s in enumerate(sugg or (), 1):
            records.append({"term": term, "suggestion": s, "country": country, "lang": lang,
                            "rank": rank})
    return records


def fetch_permissions(app_ids, countries=("us",), lang="en", *, errors="raise", progress=None):
    """The permissions of every app in every country, as one batch. One dict
    per permission: "app_id", "group" (None for the ungrouped), "permission",
    "country", "lang"."""
    keys = _keys(app_ids, countries)
    records = []
    results = _run(fetch_and_parse_permissions_batch, [(a, lang, c) for a, c in keys], errors,
                   progress)
    for (app_id, country), groups in zip(keys, results):
        for g in groups or ():
            for p in g["permissions"]:
                records.append({"app_id": app_id, "group": g["group"], "permission": p,
                                "country": country, "lang": lang})
    return records


def fetch_datasafety(app_ids, countries=("us",), lang="en", *, errors="raise", progress=None):
    """The data safety section of every app in every country, as one batch.
    One dict per app: "app_id", "country", "lang" and the datasafety fields
    (shared_data, collected_data, security_practices, privacy_policy_url)."""
    keys = _keys(app_ids, countries)
    records = []
    results = _run(fetch_and_parse_datasafety_batch, [(a, lang, c) for a, c in keys], errors,
                   progress)
    for (app_id, country), ds in zip(keys, results):
        if ds is not None:
            records.append(dict(ds, app_id=app_id, country=country, lang=lang))
    return records
