"""Where a relevance query's time goes on SQLite, part by part, each timed with its fetch and
with the bytes the process read from the disk meanwhile (/proc/self/io read_bytes: page-cache
misses, 0 when warm), in the order SqliteBackend.search() runs them:

- walk: the rank window, the newest ZIMEI_SEARCH_RANK_WINDOW matches' rowids (FTS5 alone),
  or those of the span when the walk settles there (SqliteBackend._newest, as search() runs
  it; docs/search.md, "The walk's span");
- rows: those articles' rows (publication time, hot_log), looked up by id;
- words: the whole-word walks, as search() runs them for a full window (the words alone from
  the window's first id; past WORDS_ALONE_MAX, with the query's terms);

then search() itself once more (its pages now cached). `span` is how many ids the window
covers. Drop the page cache first (as root: sync; echo 3 > /proc/sys/vm/drop_caches) for a
cold run (--disk N first: the disk's own latency); run it again for a warm one
(docs/search.md, "SQLite at 1,000,000 generated articles").

    ZIMEI_DATA_DIR=/work/sq1m .venv/bin/python bench/search_parts.py 7 10 [--classes 3-4,5+]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from search_queries import draw
from timing import pct

PARTS = ("walk", "rows", "words")


def read_bytes() -> int:
    """Bytes this process has read from the disk so far (not from the page cache)."""
    with open("/proc/self/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("read_bytes"))


def disk_reads(path: str, n: int) -> str:
    """n random 4 KB reads of the file, the kernel's read-ahead off: from the disk where the
    page cache does not hold them (just dropped), from memory where it does."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        pages, rng, took = os.fstat(fd).st_size // 4096, random.Random(1), []
        for _ in range(n):
            at = rng.randrange(pages) * 4096
            s = time.perf_counter()
            os.pread(fd, 4096, at)
            took.append((time.perf_counter() - s) * 1e3)
    finally:
        os.close(fd)
    p50, p95 = statistics.median(took), pct(took, 0.95)
    return f"{n} random 4 KB reads of {path}: p50 {p50:.3f} ms, p95 {p95:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("n", type=int, nargs="?", default=10, help="queries a class (default 10)")
    parser.add_argument(
        "--classes", default="", help="only these classes, comma-separated (1,2,3-4,5+,latin,mixed)"
    )
    parser.add_argument(
        "--disk", type=int, default=0, metavar="N", help="first, N random reads of the database file"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from zimei.search.backends import SQLITE_TABLE as t
    from zimei.search.backends import SqliteBackend
    from zimei.search.text import parse

    if connection.vendor != "sqlite":
        sys.exit("SQLite only (PostgreSQL: bench/search_slow.py times each statement)")
    if args.disk:
        print(disk_reads(settings.DATABASES["default"]["NAME"], args.disk))
    window = int(settings.ZIMEI_SEARCH_RANK_WINDOW)
    backend = SqliteBackend()
    queries = draw(random.Random(args.seed), args.n)
    only = set(filter(None, args.classes.split(",")))

    def part(run: Callable[[], object]) -> tuple[float, float, Any]:
        b, s = read_bytes(), time.perf_counter()
        out = run()
        return (time.perf_counter() - s) * 1e3, (read_bytes() - b) / 2**20, out

    def rows(cur, sql: str, params: list) -> Callable[[], list]:
        def run() -> list:
            cur.execute(sql, params)
            return cur.fetchall()

        return run

    print(f"{'class':<6} {'walk ms':>8} {'MB':>6} {'rows ms':>8} {'MB':>6} {'words ms':>9} {'MB':>6} "
          f"{'search ms':>10} {'span':>8}  query")  # fmt: skip
    by_class: dict[str, list[tuple[float, ...]]] = {}
    with connection.cursor() as cur:
        for cls, qs in queries.items():
            if only and cls not in only:
                continue
            for q in qs:
                query = parse(q)
                walk = f"SELECT rowid FROM {t} WHERE {t} MATCH %s{{span}} ORDER BY rowid DESC LIMIT %s"
                need = backend._span_need("relevance", 20)
                every = [SqliteBackend.every(query)]
                tw, mw, (found, complete, _) = part(
                    partial(backend._newest, cur, walk, every, window - 1, need)
                )
                ids = [r[0] for r in found]
                tr = mr = tx = mx = 0.0
                if ids:
                    tr, mr, _ = part(
                        rows(
                            cur,
                            "SELECT id, julianday('now') - julianday(published_at), hot_log "
                            "FROM articles_article WHERE id IN (SELECT value FROM json_each(%s)) "
                            "AND status = 'published'",
                            [json.dumps(ids)],
                        )
                    )
                if not complete:  # search() reads the words only for a full window (or a span)
                    tx, mx, _ = part(partial(SqliteBackend.word_hits, cur, query, ids[-1]))
                s = time.perf_counter()
                backend.search(query, limit=20)
                ts = (time.perf_counter() - s) * 1e3
                span = ids[0] - ids[-1] + 1 if ids else 0
                by_class.setdefault(cls, []).append((tw, mw, tr, mr, tx, mx, ts))
                print(f"{cls:<6} {tw:8.1f} {mw:6.1f} {tr:8.1f} {mr:6.1f} {tx:9.1f} {mx:6.1f} {ts:10.1f} "
                      f"{span:8d}  {q}", flush=True)  # fmt: skip
    print()
    print("class: p50 / p95 ms (MB read from disk, summed over the class) of each part, then search() again")
    for cls, rows in by_class.items():
        cols = list(zip(*rows, strict=True))
        line = "  ".join(
            f"{name} {statistics.median(ms):.1f} / {pct(ms, 0.95):.1f} ({sum(mb):.0f} MB)"
            for name, ms, mb in zip(PARTS, cols[0:6:2], cols[1:6:2], strict=True)
        )
        print(f"{cls:<6} {line}  search again {statistics.median(cols[6]):.1f} / {pct(cols[6], 0.95):.1f}")


if __name__ == "__main__":
    main()
