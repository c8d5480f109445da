"""How many view events per second the counting path takes, and what a view costs a worker.

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/counting.py [--events 50000] [--processes 2]

For each counter (local: in-process; redis: one Lua call per view against the Redis server at
ZIMEI_BENCH_REDIS_URL, default redis://127.0.0.1:6379/13) it records N views spread over
readers and articles, in 1 and in P processes at once, and prints views/s and µs per view.

Views arrive as requests of their own (the page's view beacon, distribution/beacon.py), so it then
times one beacon request in-process, the way a `zimei serve` worker runs it: through the WSGI
application (BeaconApp answers before Django builds a request), and through Django's own
handler for comparison (what it would cost as an ordinary view), local counter. The page's own
figure for comparison is the repeat render of bench/render.py (about 1.8 ms).
Counts are discarded afterwards: nothing reaches the database.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")
REDIS_URL = os.environ.get("ZIMEI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def _run(kind: str, events: int, seed: int) -> float:
    import django

    django.setup()
    from zimei.distribution import counters

    counters.FLUSH_SECONDS = 1e9  # measure the request path only
    counters.FLUSH_EVENTS = 10**12
    counter = (
        counters.LocalCounter()
        if kind == "local"
        else counters.RedisCounter(REDIS_URL, prefix=f"bench{seed}:")
    )
    metas = [
        {"REMOTE_ADDR": f"10.{seed}.{i // 250}.{i % 250}", "HTTP_USER_AGENT": "Mozilla/5.0 Firefox/140.0"}
        for i in range(1000)
    ]
    start = time.perf_counter()
    for i in range(events):
        viewer = counters.viewer_key(metas[i % 1000])
        counter.record(i % 5000 + 1, viewer)
    elapsed = time.perf_counter() - start
    counter.discard()
    return elapsed


def _beacon_requests(events: int) -> tuple[float, float]:
    """µs per beacon request: the served application (fast path), then Django's handler."""
    import io

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from zimei.distribution import counters
    from zimei.wsgi import application

    counters.FLUSH_SECONDS = 1e9
    counters.FLUSH_EVENTS = 10**12
    counters._counter = counters.LocalCounter()
    base = {
        "REQUEST_METHOD": "POST",
        "QUERY_STRING": "",
        "CONTENT_LENGTH": "0",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "Mozilla/5.0 Firefox/140.0",
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "HTTP_ORIGIN": "http://127.0.0.1:8000",
        "wsgi.url_scheme": "http",
    }
    statuses: list[str] = []

    def start_response(status, headers):
        statuses.append(status)

    def timed(app, n: int) -> float:
        statuses.clear()
        start = time.perf_counter()
        for i in range(n):
            environ = {
                **base,
                "PATH_INFO": f"/views/{i % 5000 + 1}/",
                "REMOTE_ADDR": f"10.9.{i // 250 % 250}.{i % 250}",
                "wsgi.input": io.BytesIO(b""),
            }
            for _ in app(environ, start_response):
                pass
        elapsed = time.perf_counter() - start
        assert set(statuses) == {"204 No Content"}, set(statuses)
        return elapsed / n * 1e6

    fast = timed(application, events)
    django_path = timed(WSGIHandler(), max(events // 10, 100))
    counters.discard()
    return fast, django_path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    for kind in ("local", "redis"):
        one = _run(kind, args.events, 0)
        with mp.get_context("spawn").Pool(args.processes) as pool:
            # Each process times its own loop (start-up excluded); they run side by side.
            times = pool.starmap(_run, [(kind, args.events, s + 1) for s in range(args.processes)])
        total = args.events * args.processes / max(times)
        per_view = one / args.events * 1e6
        print(
            f"{kind:5s}  1 process: {args.events / one:9,.0f} views/s ({per_view:5.1f} µs/view)   "
            f"{args.processes} processes: {total:9,.0f} views/s in total"
        )
    fast, django_path = _beacon_requests(args.events)
    print(
        f"beacon request (POST /views/<id>/, local counter): {fast:6.1f} µs through the served "
        f"application (BeaconApp), {django_path:6.1f} µs through Django's handler ({django_path / fast:.0f}×)"
    )


if __name__ == "__main__":
    main()
