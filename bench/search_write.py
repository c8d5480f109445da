"""One article's search index write, timed statement by statement (docs/search.md, "PostgreSQL:
writing an article"): what `bench/search.py --new` times (search_index's work for a published
article: the body read, its tokens, the backend's write; rolled back), the write alone, each
SQL statement's time and, on PostgreSQL, the relation locks the transaction holds once the
write is done (its own, from pg_locks: one per table or index it opened).

    ZIMEI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search \\
        .venv/bin/python bench/search_write.py --new 40

Statements are grouped by their text (parameters, savepoint and partition names left out).
Times in ms, p50 and p95 over the --new articles (drawn at random, --seed).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from timing import pct


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--new", type=int, default=40, help="articles written (default 40)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from zimei.articles.models import Article
    from zimei.search.backends import search_backend
    from zimei.search.services import article_tokens

    ids = list(Article.objects.published().order_by("id").values_list("id", flat=True))
    sample = random.Random(args.seed).sample(ids, min(args.new, len(ids)))
    pg = connection.vendor == "postgresql"
    steps: dict[str, list[float]] = defaultdict(list)
    backend = search_backend()
    totals, writes, sql_times, locks = [], [], [], []

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = re.sub(r"\s+", " ", sql)
            key = re.sub(r'"s\d+_x\d+"', "…", re.sub(r"search_document_p\d+", "search_document_p…", key))
            key = key if len(key) <= 110 else f"{key[:80]} … {key[-25:]}"
            steps[key].append(time.perf_counter() - t)

    for aid in sample:
        art = Article.objects.get(id=aid)  # the body is read inside, as in bench/search.py
        try:
            with transaction.atomic():
                with connection.execute_wrapper(timed):
                    before = sum(map(sum, steps.values()))
                    # search_index's work for a published article: tokens, prepare, write
                    t = time.perf_counter()
                    prepared = backend.prepare(article_tokens(art))
                    w = time.perf_counter()
                    backend.write([(art.id, prepared)])
                    done = time.perf_counter()
                    totals.append(done - t)
                    writes.append(done - w)
                    sql_times.append(sum(map(sum, steps.values())) - before)
                if pg:
                    with connection.cursor() as cur:
                        cur.execute(
                            "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
                            "AND locktype = 'relation'"
                        )
                        locks.append(cur.fetchone()[0] - 1)  # not pg_locks' own
                raise RuntimeError("rollback")
        except RuntimeError:
            pass

    def ms(values: list[float]) -> str:
        return f"p50 {statistics.median(values) * 1e3:7.2f}  p95 {pct(values, 0.95) * 1e3:7.2f}"

    print(f"{connection.vendor}: {len(totals)} articles, load average {os.getloadavg()[0]:.2f}")
    print(f"whole (read + tokens + write)  {ms(totals)} ms")
    print(f"  write alone              {ms(writes)} ms")
    print(f"  outside SQL (tokens)     {ms([a - b for a, b in zip(totals, sql_times, strict=True)])} ms")
    print(f"  SQL in all               {ms(sql_times)} ms")
    for key, values in steps.items():
        print(f"  {len(values) / len(totals):4.1f}× {ms(values)} ms  {key}")
    if locks:
        print(f"relation locks held after the write: median {statistics.median(locks):.0f}, max {max(locks)}")


if __name__ == "__main__":
    main()
