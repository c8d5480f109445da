"""Search: p50/p95/max per query class, then the slowest queries with the time of each SQL
statement the backend's search ran for them (docs/search.md, "SQLite at 100,000 generated
articles"). The backend is the site's (search_backend(): SQLite, or PostgreSQL with
ZIMEI_DATABASE_URL).

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/search_slow.py [seed] [n] [slowest]

Queries: n a class (1, 2, 3-4, 5+ characters, a Latin word, mixed: two characters and a Latin
word or a Traditional rendering of 2-4 characters), pieces of the folded text of 200 random
articles (bench/search_queries.py; no Latin class on text without Latin words). A statement's
time is its execute() only: rows fetched after it (the rank window's walk, fetched with
fetchall()) are not in it, so the statements of a query add up to less than its total.
"""

from __future__ import annotations

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
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    slowest = int(sys.argv[3]) if len(sys.argv) > 3 else 15

    import django

    django.setup()
    from django.db import connection

    from zimei.search.backends import search_backend
    from zimei.search.text import parse

    queries = draw(random.Random(seed), n)

    log: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            log.append((time.perf_counter() - t, " ".join(sql.split())[:80]))

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
        for t, sql in statements:
            print(f"    {t * 1e3:7.1f} ms  {sql}")


if __name__ == "__main__":
    main()
