"""Type stubs for playfast._core (the C extension)."""
import builtins
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypedDict, TypeVar, Union

__version__: str

SORT_RELEVANT: int
SORT_MOST_RELEVANT: int
SORT_NEWEST: int
SORT_RATING: int
PRICE_ALL: int
PRICE_FREE: int
PRICE_PAID: int
REVIEWS_ALL: int

_Text = Union[str, bytes, bytearray, memoryview]
_Progress = Callable[[int, int], object] | None

class Permission:
    _fields: tuple[str, ...]
    group: str | None
    permissions: list[str]
    def __init__(self, mapping: Mapping[str, Any] | None = ..., /, **fields: Any) -> None: ...
    def __len__(self) -> int: ...
    def to_dict(self) -> dict[str, Any]: ...

class AppInfo:
    _fields: tuple[str, ...]
    app_id: str | None
    url: str | None
    title: str | None
    summary: str | None
    description: str | None
    description_html: str | None
    installs: str | None
    min_installs: int | None
    max_installs: int | None
    score: float | None
    score_text: str | None
    ratings: int | None
    reviews: int | None
    histogram: dict[str, int | None] | None
    price: float | None
    free: bool | None
    currency: str | None
    price_text: str | None
    original_price: float | None
    offers_iap: bool | None
    iap_range: str | None
    android_version: str | None
    developer: str | None
    developer_id: str | None
    developer_email: str | None
    developer_website: str | None
    developer_address: str | None
    privacy_policy: str | None
    genre: str | None
    genre_id: str | None
    categories: list[dict[str, str | None]]
    icon: str | None
    header_image: str | None
    screenshots: list[str]
    video: str | None
    video_image: str | None
    content_rating: str | None
    content_rating_description: str | None
    ad_supported: bool | None
    released: int | None
    updated: int | None
    version: str | None
    recent_changes: str | None
    permissions: list[Permission]
    developer_legal_name: str | None
    developer_legal_email: str | None
    developer_legal_address: str | None
    developer_legal_phone: str | None
    android_max_version: str | None
    preview_video: str | None
    available: bool | None
    preregister: bool | None
    early_access: bool | None
    play_pass: bool | None
    # Names used by the original package (not in to_dict()):
    required_android_version: str | None
    contains_ads: bool | None
    in_app_purchases: bool | None
    def __init__(self, mapping: Mapping[str, Any] | None = ..., /, **fields: Any) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...

class SearchResult:
    _fields: tuple[str, ...]
    app_id: str | None
    url: str | None
    title: str | None
    developer: str | None
    developer_id: str | None
    icon: str | None
    score: float | None
    score_text: str | None
    price: float | None
    free: bool | None
    currency: str | None
    price_text: str | None
    summary: str | None
    genre: str | None
    installs: str | None
    min_installs: int | None
    def __init__(self, mapping: Mapping[str, Any] | None = ..., /, **fields: Any) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...

class Review:
    _fields: tuple[str, ...]
    review_id: str | None
    user_name: str | None
    user_image: str | None
    content: str | None
    score: int | None
    thumbs_up: int | None
    created_at: int | None
    reply_content: str | None
    reply_at: int | None
    app_version: str | None
    def __init__(self, mapping: Mapping[str, Any] | None = ..., /, **fields: Any) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...

RustAppInfo = AppInfo
RustSearchResult = SearchResult
RustReview = Review
RustPermission = Permission

class PlayfastError(Exception):
    request: Any
    status: int | None
    code: str
    offset: int | None
    attempts: int
    # What the server answered (rpc ids, HTTP details), for a failed fetch;
    # the message itself says what was asked ("no app com.x in us").
    detail: str | None
    # Reviews requests only: a chain that broke after its first page keeps
    # the reviews it fetched and the token to resume from; else None.
    partial: list[Review] | None
    next_token: str | None

class AppNotFoundError(PlayfastError): ...
NotFoundError = AppNotFoundError
# A chart that answered with no data (an unknown category or collection, or
# an empty chart): not an AppNotFoundError. code == "not_found".
class NoDataError(PlayfastError, LookupError): ...
# 429 (or 503) answers until the request's deadline (configure(deadline=)).
class RateLimitError(PlayfastError): ...
# Google's "unusual traffic" captcha, a redirect to /sorry/ or the consent
# wall, still so when the request's deadline ran out. code == "blocked".
class BlockedError(PlayfastError): ...
class HttpError(PlayfastError): ...
class ParseError(PlayfastError, ValueError): ...
class UnsupportedLayoutError(ParseError): ...
class TimeoutError(PlayfastError, builtins.TimeoutError): ...  # noqa: A001
class NetworkError(PlayfastError, ConnectionError): ...
class ResponseTooLargeError(PlayfastError): ...
class CancelledError(PlayfastError): ...
# A bad argument, checked by the library's one validation (the CLI's too):
# configure() values; request arguments -- sizes, country (ISO 3166-1
# alpha-2: "usa", "zz", "" are refused), lang ("en", "en-GB", "pt_BR"),
# category, collection, num, price, sort, count ("5", 10**30, -3 are
# refused); a review token the server refused. The message names the
# argument, the value and what is allowed. A NUL inside a str argument is a
# plain ValueError naming it.
class InvalidArgumentError(PlayfastError, ValueError): ...
class OutOfMemoryError(PlayfastError, MemoryError): ...

class BatchError(PlayfastError):
    results: list[Any]
    errors: dict[int, PlayfastError]

_T = TypeVar("_T")

class BatchIterator(Iterator[tuple[int, _T | PlayfastError]]):
    done: int
    def __iter__(self) -> BatchIterator[_T]: ...
    def __next__(self) -> tuple[int, _T | PlayfastError]: ...
    def __len__(self) -> int: ...
    def close(self) -> None: ...
    def cancel(self) -> None: ...
    def __enter__(self) -> BatchIterator[_T]: ...
    def __exit__(self, *exc: object) -> bool: ...

_AppReq = str | Sequence[str | None]
_ListReq = Sequence[str | int | None]       # (category, collection, lang, country[, num])
_SearchReq = Sequence[str | int | None]     # (query, lang, country[, num[, price]])
_ReviewsReq = Sequence[str | int | None]    # (app_id, lang, country[, sort[, token[, count[, score]]]])
# One vocabulary for Python and the CLI: names or Google's codes.
_Sort = int | str     # "newest" (SORT_NEWEST), "relevant" (SORT_RELEVANT), "rating"
_Price = int | str    # "all" (PRICE_ALL), "free" (PRICE_FREE), "paid" (PRICE_PAID)
_Count = int | str    # N, or "all" / REVIEWS_ALL
_Reviews = tuple[list[Review], str | None]

# Offline parsers
def parse_app_page(html: _Text, app_id: str | None = None) -> AppInfo: ...
def parse_search_results(html: _Text, /) -> list[SearchResult]: ...
def parse_batchexecute_list_response(response_text: _Text, /) -> list[SearchResult]: ...
def parse_batchexecute_reviews_response(response_text: _Text, /) -> _Reviews: ...
def parse_review_batch(response_text: _Text, /) -> list[Review]: ...
def extract_continuation_token(response_text: _Text, /) -> str | None: ...

# Request bodies for your own HTTP client (POST to .../batchexecute?rpcids=...)
def build_list_request_body(category: str | None, collection: str | None,
                            num: int = 100) -> str: ...
def build_reviews_request_body(app_id: str, sort: _Sort = 2, continuation_token: str | None = None,
                               lang: str | None = None, country: str | None = None, *,
                               count: int = 150) -> str: ...

# Single requests (HTTP + parsing). lang/country None = "en"/"us";
# collection None = "topselling_free".
def fetch_and_parse_app(app_id: str, lang: str | None = None, country: str | None = None,
                        _timeout: int | None = None) -> AppInfo: ...
def fetch_and_parse_list(category: str | None, collection: str | None = None,
                         lang: str | None = None, country: str | None = None, num: int = 100,
                         _timeout: int | None = None) -> list[SearchResult]: ...
def fetch_and_parse_search(query: str, lang: str | None = None, country: str | None = None,
                           _timeout: int | None = None, *, num: int | None = None,
                           price: _Price | None = None) -> list[SearchResult]: ...
# sort defaults to SORT_RELEVANT (1) here, the original package's documented
# default; the batches, playfast.fetch_reviews() and the CLI default to
# "newest". A chain that breaks after its first page raises an error
# carrying .partial and .next_token.
def fetch_and_parse_reviews(app_id: str, lang: str | None = None, country: str | None = None,
                            sort: _Sort = 1, continuation_token: str | None = None,
                            _timeout: int | None = None, *,
                            count: _Count | None = None, score: int | None = None) -> _Reviews: ...

# Batches
def fetch_and_parse_apps_batch(requests: Iterable[_AppReq], *, return_exceptions: bool = False,
                               progress: _Progress = None) -> list[AppInfo]: ...
# details=True: each result is list[AppInfo | PlayfastError], every entry's
# full record (fetched in the same batch as soon as its list is in).
def fetch_and_parse_list_batch(requests: Iterable[_ListReq], *, return_exceptions: bool = False,
                               progress: _Progress = None,
                               details: bool = False) -> list[list[Any]]: ...
def fetch_and_parse_search_batch(requests: Iterable[_SearchReq], *,
                                 return_exceptions: bool = False,
                                 progress: _Progress = None,
                                 details: bool = False) -> list[list[Any]]: ...
def fetch_and_parse_reviews_batch(requests: Iterable[_ReviewsReq], *,
                                  return_exceptions: bool = False,
                                  progress: _Progress = None) -> list[_Reviews]: ...

# Streaming: (index, result or exception) in completion order
def iter_apps_batch(requests: Iterable[_AppReq], *,
                    progress: _Progress = None) -> BatchIterator[AppInfo]: ...
def iter_list_batch(requests: Iterable[_ListReq], *, progress: _Progress = None,
                    details: bool = False) -> BatchIterator[list[Any]]: ...
def iter_search_batch(requests: Iterable[_SearchReq], *, progress: _Progress = None,
                      details: bool = False) -> BatchIterator[list[Any]]: ...
def iter_reviews_batch(requests: Iterable[_ReviewsReq], *,
                       progress: _Progress = None) -> BatchIterator[_Reviews]: ...

# The kinds of issue 10. Their records are dicts keyed by the schema's
# fields (docs/fields.md): data_entry, practice, datasafety, category,
# permission.
class _Category(TypedDict):
    name: str | None
    id: str | None

class _PermissionGroup(TypedDict):
    group: str | None
    permissions: list[str]

class _DataEntry(TypedDict):
    data: str | None
    type: str | None
    purpose: str | None
    optional: bool | None

class _Practice(TypedDict):
    practice: str | None
    description: str | None

class _DataSafety(TypedDict):
    shared_data: list[_DataEntry]
    collected_data: list[_DataEntry]
    security_practices: list[_Practice]
    privacy_policy_url: str | None

_DeveloperReq = str | Sequence[str | int | None]    # (developer_id, lang, country[, num])
_SimilarReq = str | Sequence[str | int | None]      # (app_id, lang, country[, num])
_ThreeReq = str | Sequence[str | None]              # (id or term, lang, country)
_CategoriesReq = str | Sequence[str | None]         # (lang, country)

def parse_kind(kind: str, text: _Text, /) -> Any: ...
def fetch_and_parse_developer(developer_id: str, lang: str | None = None,
                              country: str | None = None, *,
                              num: int | None = None) -> list[SearchResult]: ...
def fetch_and_parse_similar(app_id: str, lang: str | None = None, country: str | None = None,
                            *, num: int | None = None) -> list[SearchResult]: ...
def fetch_and_parse_suggest(term: str, lang: str | None = None,
                            country: str | None = None) -> list[str]: ...
def fetch_and_parse_permissions(app_id: str, lang: str | None = None,
                                country: str | None = None) -> list[_PermissionGroup]: ...
def fetch_and_parse_datasafety(app_id: str, lang: str | None = None,
                               country: str | None = None) -> _DataSafety: ...
def fetch_and_parse_categories(lang: str | None = None,
                               country: str | None = None) -> list[_Category]: ...
def fetch_and_parse_developer_batch(requests: Iterable[_DeveloperReq], *,
                                    return_exceptions: bool = False,
                                    progress: _Progress = None) -> list[list[SearchResult]]: ...
def fetch_and_parse_similar_batch(requests: Iterable[_SimilarReq], *,
                                  return_exceptions: bool = False,
                                  progress: _Progress = None) -> list[list[SearchResult]]: ...
def fetch_and_parse_suggest_batch(requests: Iterable[_ThreeReq], *,
                                  return_exceptions: bool = False,
                                  progress: _Progress = None) -> list[list[str]]: ...
def fetch_and_parse_permissions_batch(requests: Iterable[_ThreeReq], *,
                                      return_exceptions: bool = False,
                                      progress: _Progress = None
                                      ) -> list[list[_PermissionGroup]]: ...
def fetch_and_parse_datasafety_batch(requests: Iterable[_ThreeReq], *,
                                     return_exceptions: bool = False,
                                     progress: _Progress = None) -> list[_DataSafety]: ...
def fetch_and_parse_categories_batch(requests: Iterable[_CategoriesReq], *,
                                     return_exceptions: bool = False,
                                     progress: _Progress = None) -> list[list[_Category]]: ...
def iter_developer_batch(requests: Iterable[_DeveloperReq], *,
                         progress: _Progress = None) -> BatchIterator[list[SearchResult]]: ...
def iter_similar_batch(requests: Iterable[_SimilarReq], *,
                       progress: _Progress = None) -> BatchIterator[list[SearchResult]]: ...
def iter_suggest_batch(requests: Iterable[_ThreeReq], *,
                       progress: _Progress = None) -> BatchIterator[list[str]]: ...
def iter_permissions_batch(requests: Iterable[_ThreeReq], *,
                           progress: _Progress = None) -> BatchIterator[list[_PermissionGroup]]: ...
def iter_datasafety_batch(requests: Iterable[_ThreeReq], *,
                          progress: _Progress = None) -> BatchIterator[_DataSafety]: ...
def iter_categories_batch(requests: Iterable[_CategoriesReq], *,
                          progress: _Progress = None) -> BatchIterator[list[_Category]]: ...

# Client. None restores a default; a bad value raises InvalidArgumentError
# (a ValueError) naming the argument, and the settings stay as they were.
# rate: a ceiling on requests/s per egress (each proxy and each local address
# is one egress, else one direct); the pacing learns what the server allows
# below it. deadline: seconds a request may take in all, retries and
# Retry-After waits included (default 600). proxies: http://, https://,
# socks5:// or socks5h:// URLs; local_addresses: IPv4/IPv6 literals.
def configure(*, base_url: str | None = ..., concurrency: int | None = ...,
              rate: float | None = ..., retries: int | None = ..., timeout: float | None = ...,
              deadline: float | None = ..., proxy: str | None = ...,
              proxies: Sequence[str] | None = ..., local_addresses: Sequence[str] | None = ...,
              cacert: str | None = ..., user_agent: str | None = ...,
              connect_timeout: float | None = ..., max_per_host: int | None = ...,
              backoff: float | None = ..., max_response: int | None = ...,
              workers: int | None = ..., http_version: int | None = ...,
              verbose: int | None = ...) -> dict[str, Any]: ...

class _EgressStats(TypedDict):
    name: str            # "direct", the proxy URL without credentials, or the address
    rate: float          # requests/s it may start now; 0 = no pushback seen, no ceiling
    cooldown: float      # seconds until it may start again
    quarantined: bool    # cooling down after a blocked page
    requests: int
    rate_limited: int
    blocked: int

class _ClientStats(TypedDict):
    requests: int
    retries: int
    connections: int
    bytes_received: int
    rate_limited: int    # 429 and 503 answers seen
    blocked: int         # captcha / consent pages and redirects seen
    egresses: list[_EgressStats]

# Call it from a progress callback to watch the pushback while a batch runs.
def client_stats() -> _ClientStats: ...

# playfast.store's runner: a job against a store file (_core_store.c).
# requests: (kind, app_id, lang, country, category, collection, query, num,
# price, sort, score, token) tuples; returns each request's row id once
# every result is committed.
def _store_run(path: str | bytes, requests: list[tuple[Any, ...]], refresh: bool = ...,
               retry_failed: bool = ..., since: int | None = ...,
               progress: Callable[[int, int, int], Any] | None = ...,
               engine: Any = ...) -> list[int]: ...

# The checks pf_store_open makes for a reader (an older file is migrated);
# raises the store's error (InvalidArgumentError naming the file).
def _store_check(path: str | bytes, /) -> None: ...

# The other half of an engine= (playfast.dask): the requests as one batch
# here, each response packed (pf_response_pack), in request order.
def _fetch_packed(requests: list[tuple[Any, ...]],
                  progress: Callable[[int, int], Any] | None = ...) -> list[bytes]: ...

# [(field, kind)] of a record type of the schema: "app", "item", "review",
# "datasafety", ...; kinds "str", "text", "int", "double", "bool", ...
def _schema(record: str, /) -> list[tuple[str, str]]: ...
