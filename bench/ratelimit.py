"""What one rate-limit count costs: the API counts every request, sign-in every failure.

    .venv/bin/python bench/ratelimit.py [--hits 5000] [--keys 200]

Counts `--hits` requests spread over `--keys` callers through `rate_hit` with each store the
limiter can use: the shared file cache with its lock (the one-machine default), Redis at
ZIMEI_BENCH_REDIS_URL (default redis://127.0.0.1:6379/13; skipped when not running), Django's
own FileBasedCache for comparison (not atomic across processes), and a per-process
local-memory cache as the baseline (what the API used before: fast, but each
worker counted on its own). Prints µs per count and the ratio to the baseline, in 1 and 2
processes at once (2 processes on the file cache: the lock's cost under contention).
Everything runs in a temporary data folder; nothing is kept.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")
os.environ["ZIMEI_DATA_DIR"] = os.environ.get("ZIMEI_BENCH_DATA_DIR") or tempfile.mkdtemp(prefix="zimei-rl-")
os.environ.setdefault("ZIMEI_SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
REDIS_URL = os.environ.get("ZIMEI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

STORES = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl-bench"},
    "file": None,  # the settings' own "ratelimit" cache
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    # For comparison: Django's own file cache (shared, but its add/incr are not atomic).
    "django-file": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.path.join(os.environ["ZIMEI_DATA_DIR"], "django-file"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}


def _run(store: str, hits: int, keys: int, seed: int) -> float:
    import django
    from django.conf import settings

    django.setup()
    if STORES[store] is not None:
        settings.CACHES["ratelimit"] = {**STORES[store], "KEY_PREFIX": f"bench{seed}"}
    from zimei.core.ratelimit import rate_hit

    started = time.perf_counter()
    for i in range(hits):
        rate_hit("api-read", f"token:{seed}:{i % keys}", limit=10**9, window=60)
    return time.perf_counter() - started


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hits", type=int, default=5000, help="counts per process (default 5000)")
    parser.add_argument("--keys", type=int, default=200, help="distinct callers (default 200)")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    base = None
    folder = os.environ["ZIMEI_DATA_DIR"]
    print(f"{args.hits} counts per process over {args.keys} callers; data folder {folder}")
    for store in STORES:
        if store == "redis" and not _redis_up():
            print("redis: skipped (no server at 127.0.0.1:6379)")
            continue
        # Each measurement in fresh processes: a process keeps the cache it first opened.
        with ctx.Pool(1) as pool:
            one = pool.starmap(_run, [(store, args.hits, args.keys, 0)])[0] / args.hits * 1e6
        with ctx.Pool(2) as pool:
            times = pool.starmap(_run, [(store, args.hits, args.keys, s) for s in (1, 2)])
            both = sum(times) / len(times) / args.hits * 1e6
        base = base or one
        print(
            f"{store:>11}: {one:7.1f} µs per count (1 process, {one / base:5.1f}× locmem); "
            f"{both:7.1f} µs per count in each of 2 processes at once"
        )


if __name__ == "__main__":
    main()
