"""Search: p50/p95/max per query class, then the slowest queries with the time of each SQL
statement the backend's search ran for them (docs/search.md, "SQLite at 100,000 generated
articles"). The backend is the site's (search_backend(): SQLite, or PostgreSQL with
ZIMEI_DATABASE_URL).

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/search_slow.py [seed] [n] [slowest]
    ZIMEI_DATABASE_URL=postgres://…/bench100k .venv/bin/python bench/search_slow.py 7 30 3 --explain 2

Queries: n a class (1, 2, 3-4, 5+ characters, a Latin word, mixed: two characters and a Latin
word or a Traditional rendering of 2-4 characters), pieces of the folded text of 200 random
articles (bench/search_queries.py; no Latin class on text without Latin words). A statement's
time is its execute() only: rows fetched after it (the rank window's walk, fetched with
fetchall()) are not in it, so the statements of a query add up to less than its total.

--explain K (PostgreSQL): the slowest statement of each of the K slowest queries is run again
with EXPLAIN (ANALYZE, BUFFERS), under the settings search() runs it with
(PostgresBackend.SETTINGS); long id lists in the plan are cut short.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from search_queries import draw
from timing import pct


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("n", type=int, nargs="?", default=40, help="queries a class (default 40)")
    parser.add_argument("slowest", type=int, nargs="?", default=15, help="queries listed (default 15)")
    parser.add_argument(
        "--explain", type=int, default=0, metavar="K", help="PostgreSQL: plans of the K slowest"
    )
    args = parser.parse_args()
    seed, n, slowest = args.seed, args.n, args.slowest

    import django

    django.setup()
    from django.db import connection

    from zimei.search.backends import PostgresBackend, search_backend
    from zimei.search.text import parse

    queries = draw(random.Random(seed), n)

    log: list[tuple[float, str, str, object]] = []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            log.append((time.perf_counter() - t, " ".join(sql.split())[:80], sql, params))

    backend = search_backend()
    for q in queries["2"][:5]:  # warm caches
        backend.search(parse(q))
    done = []
    with connection.execute_wrapper(timed):
        for cls, qs in queries.items():
            times = []
            for q in qs:
                log.clear()
                t = time.perf_counter()
                found = backend.search(parse(q), limit=20)
                times.append(time.perf_counter() - t)
                done.append((times[-1], cls, q, found, list(log)))
            print(
                f"{cls:<6} p50 {statistics.median(times) * 1e3:7.1f} ms  "
                f"p95 {pct(times, 0.95) * 1e3:7.1f} ms  max {max(times) * 1e3:7.1f} ms",
                flush=True,
            )
    done.sort(key=lambda d: -d[0])
    for took, cls, q, found, statements in done[:slowest]:
        print(f"{took * 1e3:7.1f} ms  {cls:<6} {q!r}  total {found.total}{'+' if found.capped else ''}")
        for t, sql, _, _ in statements:
            print(f"    {t * 1e3:7.1f} ms  {sql}")
    if args.explain and connection.vendor == "postgresql":
        from django.db import transaction

        for _, cls, q, _, statements in done[: args.explain]:
            t, short, sql, params = max(statements, key=lambda s: s[0])
            print(f"\nEXPLAIN of {q!r} ({cls}): {short} ({t * 1e3:.1f} ms in the search)")
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(PostgresBackend.SETTINGS)
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
                for (line,) in cur.fetchall():
                    print("    " + (line if len(line) <= 150 else line[:147] + "..."))


if __name__ == "__main__":
    main()
