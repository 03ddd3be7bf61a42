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

class AppNotFoundError(PlayfastError): ...
NotFoundError = AppNotFoundError
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
# A bad argument: configure() values, oversized ids/queries (the message
# names the argument and the limit). A NUL inside a str argument is a plain
# ValueError naming it.
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
_ReviewsReq = Sequence[str | int | None]    # (app_id, lang, country[, sort[, token[, count]]])
_Reviews = tuple[list[Review], str | None]

# Offline parsers
def parse_app_page(html: _Text, app_id: str | None = None) -> AppInfo: ...
def parse_search_results(html: _Text) -> list[SearchResult]: ...
def parse_batchexecute_list_response(response_text: _Text) -> list[SearchResult]: ...
def parse_batchexecute_reviews_response(response_text: _Text) -> _Reviews: ...
def parse_review_batch(response_text: _Text) -> list[Review]: ...
def extract_continuation_token(response_text: _Text) -> str | None: ...

# Request bodies for your own HTTP client (POST to .../batchexecute?rpcids=...)
def build_list_request_body(category: str | None, collection: str | None,
                            num: int = 100) -> str: ...
def build_reviews_request_body(app_id: str, sort: int = 2, continuation_token: str | None = None,
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
                           price: int | None = None) -> list[SearchResult]: ...
def fetch_and_parse_reviews(app_id: str, lang: str | None = None, country: str | None = None,
                            sort: int = 1, continuation_token: str | None = None,
                            _timeout: int | None = None, *,
                            count: int | None = None) -> _Reviews: ...

# Batches
def fetch_and_parse_apps_batch(requests: Iterable[_AppReq], *, return_exceptions: bool = False,
                               progress: _Progress = None) -> list[AppInfo]: ...
def fetch_and_parse_list_batch(requests: Iterable[_ListReq], *, return_exceptions: bool = False,
                               progress: _Progress = None) -> list[list[SearchResult]]: ...
def fetch_and_parse_search_batch(requests: Iterable[_SearchReq], *,
                                 return_exceptions: bool = False,
                                 progress: _Progress = None) -> list[list[SearchResult]]: ...
def fetch_and_parse_reviews_batch(requests: Iterable[_ReviewsReq], *,
                                  return_exceptions: bool = False,
                                  progress: _Progress = None) -> list[_Reviews]: ...

# Streaming: (index, result or exception) in completion order
def iter_apps_batch(requests: Iterable[_AppReq], *,
                    progress: _Progress = None) -> BatchIterator[AppInfo]: ...
def iter_list_batch(requests: Iterable[_ListReq], *,
                    progress: _Progress = None) -> BatchIterator[list[SearchResult]]: ...
def iter_search_batch(requests: Iterable[_SearchReq], *,
                      progress: _Progress = None) -> BatchIterator[list[SearchResult]]: ...
def iter_reviews_batch(requests: Iterable[_ReviewsReq], *,
                       progress: _Progress = None) -> BatchIterator[_Reviews]: ...

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
               progress: Callable[[int, int, int], Any] | None = ...) -> list[int]: ...
