#!/usr/bin/env python3
"""playfast batch API, end to end.

Against the real Play Store:
    python3 examples/batch_usage.py
Offline, against the replay server (recorded pages, any id answered):
    python3 server/harness.py run --fill --latency 0.3 -- python3 examples/batch_usage.py

The client honours PLAYFAST_BASE_URL (set by the harness) or
playfast.configure(base_url=...).
"""
import os
import sys
import time

try:
    import playfast
except ImportError:   # running from a source tree after `make python`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import playfast

from playfast import (BatchError, PlayfastError, fetch_and_parse_apps_batch,
                      fetch_and_parse_list_batch, fetch_and_parse_reviews_batch,
                      fetch_and_parse_search_batch, iter_apps_batch)


def main():
    playfast.configure(concurrency=32, retries=2)

    # 1. The original API: lists of tuples in, typed results out, input order.
    t0 = time.perf_counter()
    apps = fetch_and_parse_apps_batch([("com.google.android.apps.translate", "en", "us"),
                                       ("com.adex77.WhereAmI", "en", "us")])
    for app in apps:
        print("%-40s %-32s %s stars, %s" % (app.app_id, app.title, app.score_text, app.installs))

    lists = fetch_and_parse_list_batch([("GAME", "topselling_free", "en", "us", 100),
                                        (None, "topselling_paid", "en", "jp", 50)])
    print("charts:", [len(items) for items in lists], "| top game:", lists[0][0].title)

    found = fetch_and_parse_search_batch([("panda", "en", "us"), ("unicorns", "en", "us")])
    print("search:", [len(items) for items in found], "| first:", found[0][0].title)

    (reviews, token), = fetch_and_parse_reviews_batch(
        [("com.google.android.apps.translate", "en", "us", playfast.SORT_NEWEST, None)])
    print("reviews: %d, next page token: %s..." % (len(reviews), (token or "")[:16]))
    print("four batches in %.2f s" % (time.perf_counter() - t0))

    # 2. Failures never hide the rest: BatchError carries both.
    requests = [("com.google.android.apps.translate", "en", "us"),
                ("com.example.does.not.exist", "en", "us")]
    try:
        fetch_and_parse_apps_batch(requests)
        print("no failures (a replay server in fill mode answers every id)")
    except BatchError as e:
        print("BatchError:", e)
        for i, err in e.errors.items():
            print("  request %d %r -> %s (HTTP %s)" % (i, err.request, type(err).__name__, err.status))
        print("  kept:", [r.title if r else None for r in e.results])
    # ...or take the exceptions in place.
    mixed = fetch_and_parse_apps_batch(requests, return_exceptions=True)
    print("return_exceptions:", [type(x).__name__ for x in mixed])

    # 3. Streaming with progress: results as they complete.
    ids = ["com.example.app%d" % i for i in range(20)]

    def progress(done, total):
        print("\r  %d/%d" % (done, total), end="", flush=True)

    got = 0
    for index, result in iter_apps_batch([(i, "en", "us") for i in ids], progress=progress):
        got += not isinstance(result, PlayfastError)
    print("\nstreamed %d/%d apps" % (got, len(ids)))

    # 4. The high-level layer: plain records for a DataFrame.
    rows = playfast.fetch_category_lists(countries=["us", "de", "jp"], categories=["GAME", None],
                                         num=10)
    print("records:", len(rows), "| keys:", ", ".join(list(rows[0])[:6]), "...")
    # import pandas; pandas.DataFrame(rows)
    rows = playfast.fetch_reviews(["com.google.android.apps.translate"], countries=["us"],
                                  num=300)
    print("review records:", len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
