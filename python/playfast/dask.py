"""playfast.dask -- playfast's record functions as tasks on a Dask cluster.

Google limits requests per client address; a collection that must go faster
than one address allows needs more machines. This module runs playfast's
batches as Dask distributed tasks with the same calls and the same records:

    from dask.distributed import Client
    import playfast, playfast.dask
    client = Client("tcp://scheduler:8786")
    playfast.configure(rate=20, retries=3)        # shipped to every worker
    records = playfast.dask.fetch_apps(app_ids, ["us", "de"])

Every high-level record function of ``playfast`` has a twin here with the
same arguments plus ``client=`` (a ``distributed.Client``; default: the
current one) and ``partition_size=`` (requests per task; default: sized from
the cluster). The twin cuts the requests into partitions, runs each as one
playfast batch on a worker and returns the records the local call would
give, in the same order. ``iter_records`` yields them partition by partition
in bounded memory; ``to_bag`` and ``to_dataframe`` leave them on the cluster.

Workers. Each worker process keeps one playfast client (``configure`` is
process-wide), made on first use from the settings the driver ships -- the
driver's own ``playfast.configure()`` settings, its PLAYFAST_BASE_URL when no
base_url is set, and the twin's ``options=`` on top -- so a worker pools its
connections and paces its own egress across partitions. ``Egress`` is a
worker plugin that gives each worker its own proxy or local source address;
without it a worker leaves from its machine's address.

Errors. errors="skip" (and any other mode the local function knows) is run
on the workers as is. errors="raise" runs the whole job, as locally, then
raises one BatchError whose ``errors`` maps the request's index in the whole
job (the index the local call gives) to its exception; its ``results`` is
None, because a cluster job's records are not gathered in one list when it
fails. A worker that dies has its partition re-run by Dask; each partition's
result is taken once.

Progress. ``progress=callable(done, total)`` is called on the driver's
thread with requests done across the cluster, as workers finish them.

Store. ``db=`` (the twins of the functions that take it locally) runs the
store job on the driver as locally, with its fetching on the cluster: the
workers send their responses packed and the driver's store commits each
partition as it lands, so a rerun fetches only what is not in the file.
"""

import inspect
import math
import os
import queue
import re
import threading
import time
import uuid
import zlib

try:
    import distributed
except ImportError as exc:  # pragma: no cover - exercised without Dask only
    raise ImportError(
        "playfast.dask needs Dask distributed, which is not installed: install the "
        "Debian package python3-distributed (or `pip install distributed`)") from exc

import playfast
from playfast import _core

__all__ = ["fetch_apps", "fetch_category_lists", "search_apps", "fetch_reviews",
           "fetch_developer_apps", "fetch_similar_apps", "fetch_suggestions",
           "fetch_permissions", "fetch_datasafety",
           "iter_records", "to_bag", "to_dataframe", "Egress"]

# A partition is sized to take about this long, so a dead worker costs little
# and the driver's memory per partition stays small; but never smaller than
# what keeps every worker thread busy with one partition.
PARTITION_SECONDS = 5.0
# Without a rate we guess a request's latency to turn seconds into requests.
ASSUMED_LATENCY = 0.5
DEFAULT_CONCURRENCY = 64
# Progress messages a partition sends at most per second.
PROGRESS_HZ = 5.0


class _Spec:
    """How one local record function is cut into partitions and typed.

    The local function builds its batch as outer x inner (e.g. app_ids x
    countries) and returns the records of each request together, in that
    order; so a rectangle (some outer values, some inner values) is one
    local call, and rectangles taken in order concatenate to the local
    result. ``record`` is the schema record (_core._schema) whose fields
    start each record, or None, and ``extras`` the (name, dtype) of the
    fields the function adds."""

    def __init__(self, outer, inner, record, extras):
        self.outer, self.inner = outer, inner
        self.record, self.extras = record, extras


_S, _I = "string", "Int64"
_WHERE = (("country", _S), ("lang", _S))
SPECS = {
    "fetch_apps": _Spec("app_ids", "countries", "app", _WHERE),
    "fetch_category_lists": _Spec("countries", "categories", "item",
                                  (("country", _S), ("category", _S), ("collection", _S),
                                   ("lang", _S), ("rank", _I))),
    "search_apps": _Spec("queries", "countries", "item",
                         (("query", _S),) + _WHERE + (("rank", _I),)),
    "fetch_reviews": _Spec("app_ids", "countries", "review", (("app_id", _S),) + _WHERE),
    "fetch_developer_apps": _Spec("developer_ids", "countries", "item",
                                  (("developer_query", _S),) + _WHERE + (("rank", _I),)),
    "fetch_similar_apps": _Spec("app_ids", "countries", "item",
                                (("similar_to", _S),) + _WHERE + (("rank", _I),)),
    "fetch_suggestions": _Spec("terms", "countries", None,
                               (("term", _S), ("suggestion", _S)) + _WHERE + (("rank", _I),)),
    "fetch_permissions": _Spec("app_ids", "countries", None,
                               (("app_id", _S), ("group", _S), ("permission", _S)) + _WHERE),
    "fetch_datasafety": _Spec("app_ids", "countries", "datasafety", (("app_id", _S),) + _WHERE),
}


# --------------------------------------------------------------------------
# Driver side: the plan of a job
# --------------------------------------------------------------------------

def _client_of(client):
    """The client to run on; a clear error, before anything is sent, when
    there is none, it is closed or it has no workers."""
    if client is None:
        try:
            client = distributed.default_client()
        except ValueError:
            raise ValueError("playfast.dask: no Dask client; create a distributed.Client "
                             "or pass client=") from None
    if not isinstance(client, distributed.Client):
        raise TypeError("client must be a distributed.Client, not %s" % type(client).__name__)
    if client.status != "running":
        raise ValueError("playfast.dask: the Dask client is %s, not running" % client.status)
    if not client.scheduler_info().get("workers"):
        raise ValueError("playfast.dask: the Dask cluster at %s has no workers"
                         % client.scheduler.address)
    return client


def _threads(client):
    return sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())


def _driver_options(options):
    """The settings every worker's client is made from: the driver's
    configure() settings, its PLAYFAST_BASE_URL, then ``options``.
    (Reading the settings makes the driver's client anew, which running
    batches do not notice.)"""
    shipped = dict(_core.configure())
    if "base_url" not in shipped and os.environ.get("PLAYFAST_BASE_URL"):
        shipped["base_url"] = os.environ["PLAYFAST_BASE_URL"]
    shipped.update(options or {})
    return {k: v for k, v in shipped.items() if v is not None}


def partition_size_for(n, threads, options):
    """Requests per partition: about PARTITION_SECONDS of one worker
    thread's work, but at most an even share of the job per thread, so
    every thread has a partition."""
    def number(key):
        # A bad value is the workers' configure() to report, not ours.
        v = options.get(key)
        return v if isinstance(v, (int, float)) and v > 0 else None

    per_second = number("rate") or (number("concurrency") or DEFAULT_CONCURRENCY) \
        / ASSUMED_LATENCY
    target = max(1, int(per_second * PARTITION_SECONDS))
    return max(1, min(target, math.ceil(n / max(1, threads))))


def rectangles(n_outer, n_inner, size):
    """Cut the outer x inner cross product, in order, into rectangles of
    about ``size`` requests: (outer_start, outer_stop, inner_start,
    inner_stop). A row longer than ``size`` is cut across; shorter rows
    are grouped whole."""
    if n_inner == 0:
        return []
    if n_inner >= size:
        return [(o, o + 1, i, min(i + size, n_inner))
                for o in range(n_outer) for i in range(0, n_inner, size)]
    rows = max(1, size // n_inner)
    return [(o, min(o + rows, n_outer), 0, n_inner) for o in range(0, n_outer, rows)]


def _name(func):
    """The record function's name, from itself or its name."""
    name = getattr(func, "__name__", func)
    if name not in SPECS:
        raise ValueError("playfast.dask has no twin of %r; known: %s"
                         % (name, ", ".join(sorted(SPECS))))
    return name


class _Job:
    """One twin call, bound and cut: what each partition runs."""

    def __init__(self, name, args, kwargs, client, partition_size, options):
        self.name = name = _name(name)
        spec = SPECS[name]
        bound = inspect.signature(getattr(playfast, name)).bind(*args, **kwargs)
        bound.apply_defaults()
        call = dict(bound.arguments)
        self.progress = call.pop("progress", None)
        if self.progress is not None and not callable(self.progress):
            raise TypeError("progress must be callable(done, total)")
        # A lone str is one item, as the local functions read it.
        self.outer = playfast._items(call.pop(spec.outer))
        self.inner = playfast._items(call.pop(spec.inner))
        self.call = call
        self.client = _client_of(client)
        self.options = _driver_options(options)
        self.total = len(self.outer) * len(self.inner)
        if partition_size is None:
            partition_size = partition_size_for(self.total, _threads(self.client), self.options)
        elif int(partition_size) < 1:
            raise ValueError("partition_size must be >= 1, not %r" % (partition_size,))
        self.rects = rectangles(len(self.outer), len(self.inner), int(partition_size))

    def args(self, k, topic=None, catch=True):
        """The arguments of _run_partition for rectangle k."""
        o0, o1, i0, i1 = self.rects[k]
        spec = SPECS[self.name]
        call = dict(self.call, **{spec.outer: self.outer[o0:o1], spec.inner: self.inner[i0:i1]})
        return (self.name, call, self.options, topic, k, catch)

    def size(self, k):
        o0, o1, i0, i1 = self.rects[k]
        return (o1 - o0) * (i1 - i0)

    def global_index(self, k, r):
        """Index in the whole job of request r of rectangle k."""
        o0, _o1, i0, i1 = self.rects[k]
        width = i1 - i0
        return (o0 + r // width) * len(self.inner) + i0 + r % width


# --------------------------------------------------------------------------
# Worker side: one playfast client per process, and a partition's run
# --------------------------------------------------------------------------

# The worker process's client is playfast's process-wide one. Tasks with the
# settings it was made from run side by side on it; a task that needs other
# settings waits until those have finished, so no batch runs on settings
# that are not its own.
_cond = threading.Condition()
_current = None        # (key, settings) the process's client was made from
_running = 0           # tasks now using it
_egress = {}           # this worker's egress, set by the Egress plugin


def _settings_key(settings):
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                        for k, v in settings.items()))


def _acquire_client(options):
    global _current, _running
    settings = dict(options)
    if _egress:
        # The worker's own egress replaces whatever egress the driver had.
        for k in ("proxy", "proxies", "local_addresses"):
            settings.pop(k, None)
        settings.update(_egress)
    key = _settings_key(settings)
    with _cond:
        while _running and _current[0] != key:
            _cond.wait()
        if _current is None or _current[0] != key:
            # None restores a default; keys the engine may not know are only
            # passed when set.
            kw = dict.fromkeys(_current[1] if _current else (), None)
            kw.update(settings)
            _core.configure(**kw)
            _current = (key, settings)
        _running += 1


def _release_client():
    global _running
    with _cond:
        _running -= 1
        _cond.notify_all()


def _reporter(topic, k):
    """A progress callback that sends (k, done) to the driver's topic, at
    most PROGRESS_HZ times a second and always at the end."""
    if topic is None:
        return None
    worker = distributed.get_worker()
    last = [0.0]

    def report(done, total):
        now = time.monotonic()
        if done == total or now - last[0] >= 1.0 / PROGRESS_HZ:
            last[0] = now
            worker.log_event(topic, (k, done))
    return report


def _run_partition(name, call, options, topic, k, catch):
    """Run one rectangle as one local call on this worker. Returns
    ("ok", records), or with catch and errors="raise" ("failed", {index in
    the rectangle: exception}) instead of raising BatchError."""
    _acquire_client(options)
    try:
        return ("ok", getattr(playfast, name)(progress=_reporter(topic, k), **call))
    except _core.BatchError as exc:
        if not catch:
            raise
        return ("failed", dict(exc.errors))
    finally:
        _release_client()


def _slot(name, n):
    """Which of n egresses a worker named ``name`` takes: its trailing
    number (LocalCluster names workers 0, 1, ...; `dask worker --name w3`),
    else a stable hash of the name. A restarted worker keeps its name and so
    its egress."""
    m = re.search(r"(\d+)$", str(name))
    return (int(m.group(1)) if m else zlib.crc32(str(name).encode())) % n


class Egress(distributed.WorkerPlugin):
    """Give each worker its own egress, so N workers get N times what one
    address allows:

        client.register_worker_plugin(Egress(local_addresses=["10.0.0.2", "10.0.0.3"]))
        client.register_worker_plugin(Egress(proxies=["http://p1:3128", "http://p2:3128"]))

    The pool is the local addresses then the proxies; worker ``name`` takes
    entry (trailing number of its name) mod len(pool). Workers that join
    later get theirs too. Needs the engine's configure(local_addresses=,
    proxies=)."""

    name = "playfast-egress"

    def __init__(self, local_addresses=(), proxies=()):
        self.pool = ([("local_addresses", a) for a in local_addresses]
                     + [("proxies", p) for p in proxies])
        if not self.pool:
            raise ValueError("Egress needs at least one local address or proxy")

    def setup(self, worker):
        key, value = self.pool[_slot(worker.name, len(self.pool))]
        _egress.clear()
        _egress[key] = [value]

    def teardown(self, worker):
        _egress.clear()


def worker_egress():
    """This process's egress as the Egress plugin set it ({} when none);
    run it with client.run() to see each worker's."""
    return dict(_egress)


# --------------------------------------------------------------------------
# Driver side: running a job
# --------------------------------------------------------------------------

def _partitions(job, window=None):
    """Yield (k, payload) for every rectangle k in order, keeping at most
    ``window`` partitions submitted and not yet yielded (default: two per
    worker thread), so the driver holds a bounded number of results."""
    client, n = job.client, len(job.rects)
    window = window or 2 * max(1, _threads(client))
    events = queue.Queue()
    topic = "playfast-progress-%s" % uuid.uuid4().hex if job.progress else None
    done_by_part, reported = {}, [0]
    futures, next_submit = {}, 0

    def progress():
        total_done = sum(done_by_part.values())
        if job.progress is not None and total_done > reported[0]:
            reported[0] = total_done
            job.progress(total_done, job.total)

    def note(k, done):
        # A re-run partition starts again from 0; progress never goes back.
        done_by_part[k] = max(done_by_part.get(k, 0), min(done, job.size(k)))

    if topic:
        client.subscribe_topic(topic, lambda ev: events.put(("progress",) + tuple(ev[1])))
    try:
        for k in range(n):
            while next_submit < n and next_submit < k + window:
                f = client.submit(_run_partition, *job.args(next_submit, topic), pure=False)
                f.add_done_callback(lambda f, k=next_submit: events.put(("done", k, None)))
                futures[next_submit] = f
                next_submit += 1
            while futures[k].status == "pending":
                kind, j, done = events.get()
                if kind == "progress" and j in futures:
                    note(j, done)
                    progress()
            done_future = futures.pop(k)
            try:
                payload = done_future.result()   # raises what the task raised
            finally:
                # The exception's traceback keeps this frame, and with it
                # the future, alive; release the task on the cluster now.
                done_future.release()
            note(k, job.size(k))
            progress()
            yield k, payload
    finally:
        if futures:
            client.cancel(list(futures.values()))
        if topic:
            client.unsubscribe_topic(topic)


# --------------------------------------------------------------------------
# db=: the store on the driver, the fetching on the cluster
# --------------------------------------------------------------------------

def _fetch_packed(requests, options):
    """A partition of a store job, on a worker: its responses packed."""
    _acquire_client(options)
    try:
        return _core._fetch_packed(requests)
    finally:
        _release_client()


class _ClusterEngine:
    """The engine a store job fetches through (playfast.store.engine): the
    job runs on the driver as it does locally -- plan against the file,
    review chains page by page, each response committed as it lands, a
    rerun skipping what is done -- and every batch it starts (its
    requests, then each round of review pages) is cut into partitions run
    on the workers, whose packed responses come back as they complete."""

    def __init__(self, client, options, partition_size):
        self.client, self.options, self.partition_size = client, options, partition_size

    def start(self, requests):
        return _ClusterBatch(self, requests)


class _ClusterBatch:
    def __init__(self, engine, requests):
        client, n = engine.client, len(requests)
        threads = max(1, _threads(client))
        size = engine.partition_size or partition_size_for(n, threads, engine.options)
        self.client, self.options = client, engine.options
        self.parts = [(i, requests[i:i + int(size)]) for i in range(0, n, int(size))]
        # At most two partitions per worker thread submitted and not yet
        # taken: the driver holds a bounded number of results.
        self.window = 2 * threads
        self.events = queue.Queue()
        self.pending, self.submitted, self.left = {}, 0, len(self.parts)
        self._fill()

    def _fill(self):
        while self.submitted < len(self.parts) and len(self.pending) < self.window:
            k = self.submitted
            f = self.client.submit(_fetch_packed, self.parts[k][1], self.options, pure=False)
            f.add_done_callback(lambda f, k=k: self.events.put(k))
            self.pending[k] = f
            self.submitted += 1

    def next(self, timeout):
        if self.left == 0:
            return None
        try:
            k = self.events.get(timeout=timeout)
        except queue.Empty:
            return []
        f = self.pending.pop(k, None)
        if f is None:                      # cancelled
            return []
        try:
            packed = f.result()            # raises what the task raised
        finally:
            f.release()
        self.left -= 1
        self._fill()
        start = self.parts[k][0]
        return [(start + j, p) for j, p in enumerate(packed)]

    def cancel(self):
        futures, self.pending, self.left = list(self.pending.values()), {}, 0
        if futures:
            self.client.cancel(futures)


def _stored_on_cluster(name, args, kwargs, client, partition_size, options):
    """playfast.<name>(*args, db=..., **kwargs) run on the driver, its
    fetching on the cluster: the same store file, records and errors as the
    local call."""
    engine = _ClusterEngine(_client_of(client), _driver_options(options), partition_size)
    with playfast.store.engine(engine):
        return getattr(playfast, _name(name))(*args, **kwargs)


def iter_records(name, *args, client=None, partition_size=None, options=None, **kwargs):
    """Yield the records of ``playfast.<name>(*args, **kwargs)`` run on the
    cluster, in the local order, holding a bounded number of partitions.

    With errors="raise", records of partitions without failures are yielded
    as they come and BatchError is raised at the end if any request failed.

    With db= (the functions that take it locally), results are written into
    that store on the driver as partitions complete, a rerun fetches only
    what the file does not hold, and the records are read back from it once
    the job is committed, as locally.
    """
    if kwargs.get("db") is not None:
        yield from _stored_on_cluster(name, args, kwargs, client, partition_size, options)
        return
    job = _Job(name, args, kwargs, client, partition_size, options)
    failed = {}
    for k, (status, payload) in _partitions(job):
        if status == "ok":
            yield from payload
        else:
            failed.update((job.global_index(k, r), exc) for r, exc in payload.items())
    if failed:
        first = failed[min(failed)]
        exc = _core.BatchError("%d of %d requests failed; first: %s"
                               % (len(failed), job.total, first))
        exc.errors, exc.results, exc.request, exc.status = dict(sorted(failed.items())), None, \
            None, None
        raise exc


def _delayed_parts(name, args, kwargs, client, partition_size, options, fn):
    import dask
    job = _Job(name, args, kwargs, client, partition_size, options)
    return job, [dask.delayed(fn, pure=False)(*job.args(k, catch=False))
                 for k in range(len(job.rects))]


def _records_of(*args):
    return _run_partition(*args)[1]


def to_bag(name, *args, client=None, partition_size=None, options=None, **kwargs):
    """A dask bag of the records of ``playfast.<name>(...)``, one bag
    partition per playfast partition, in the local order; nothing runs until
    it is computed. With errors="raise" a partition with a failed request
    raises BatchError (with that partition's indices). progress= is not
    supported here (use the bag's own diagnostics)."""
    import dask.bag
    if kwargs.get("progress") is not None:
        raise TypeError("to_bag does not take progress=")
    if kwargs.get("db") is not None:
        raise TypeError("to_bag does not take db=: the twins and iter_records do")
    _job, parts = _delayed_parts(name, args, kwargs, client, partition_size, options,
                                 _records_of)
    return dask.bag.from_delayed(parts)


# pandas' nullable dtype of each schema kind (_core._schema); the arrays and
# nested records stay Python objects.
_KIND_DTYPES = {"str": "string", "text": "string", "int": "Int64", "double": "Float64",
                "bool": "boolean", "stars": "Int64"}


def dtypes(name, dates="datetime"):
    """The columns of ``name``'s records with their pandas dtypes. The
    timestamps (playfast._DATE_FIELDS) are UTC datetimes, as the records
    give them, or integers with ``dates="unix"``."""
    spec = SPECS[_name(name)]
    fields = _core._schema(spec.record) if spec.record else []
    types = dict([(f, _KIND_DTYPES.get(k, "object")) for f, k in fields] + list(spec.extras))
    if dates != "unix":
        for f in playfast._DATE_FIELDS:
            if f in types:
                types[f] = "datetime64[ns, UTC]"
    return types


def _frame(records, types):
    import pandas
    frame = pandas.DataFrame.from_records(records, columns=list(types))
    return frame.astype(types)


def _frame_of(types, *args):
    return _frame(_run_partition(*args)[1], types)


def to_dataframe(name, *args, client=None, partition_size=None, options=None, **kwargs):
    """A dask DataFrame of the records of ``playfast.<name>(...)`` with the
    result type's dtypes (see dtypes()); one partition per playfast
    partition, in the local order. Needs pandas."""
    import dask
    import dask.dataframe
    import pandas
    if kwargs.get("progress") is not None:
        raise TypeError("to_dataframe does not take progress=")
    if kwargs.get("db") is not None:
        raise TypeError("to_dataframe does not take db=: the twins and iter_records do")
    types = dtypes(name, kwargs.get("dates", "datetime"))
    job = _Job(name, args, kwargs, client, partition_size, options)
    parts = [dask.delayed(_frame_of, pure=False)(types, *job.args(k, catch=False))
             for k in range(len(job.rects))]
    meta = pandas.DataFrame({c: pandas.Series(dtype=t) for c, t in types.items()})
    if not parts:
        return dask.dataframe.from_pandas(meta, npartitions=1)
    return dask.dataframe.from_delayed(parts, meta=meta, verify_meta=False)


# --------------------------------------------------------------------------
# The twins
# --------------------------------------------------------------------------

def _twin(name):
    local = getattr(playfast, name)

    def twin(*args, client=None, partition_size=None, options=None, **kwargs):
        if kwargs.get("db") is not None:
            return _stored_on_cluster(name, args, kwargs, client, partition_size, options)
        return list(iter_records(name, *args, client=client, partition_size=partition_size,
                                 options=options, **kwargs))

    sig = inspect.signature(local)
    extra = [inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, default=None)
             for p in ("client", "partition_size", "options")]
    twin.__signature__ = sig.replace(parameters=list(sig.parameters.values()) + extra)
    twin.__name__ = twin.__qualname__ = name
    twin.__doc__ = ("playfast.%s run on a Dask cluster: the same arguments and records in the "
                    "same order, plus client= (default: the current distributed.Client), "
                    "partition_size= (requests per task) and options= (settings for the "
                    "workers' clients on top of the driver's configure()).\n\n%s"
                    % (name, local.__doc__ or ""))
    return twin


fetch_apps = _twin("fetch_apps")
fetch_category_lists = _twin("fetch_category_lists")
search_apps = _twin("search_apps")
fetch_reviews = _twin("fetch_reviews")
fetch_developer_apps = _twin("fetch_developer_apps")
fetch_similar_apps = _twin("fetch_similar_apps")
fetch_suggestions = _twin("fetch_suggestions")
fetch_permissions = _twin("fetch_permissions")
fetch_datasafety = _twin("fetch_datasafety")
