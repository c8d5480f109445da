"""The daily creator index recompute on an existing (seeded) data folder.

    ZIMEI_DATA_DIR=/work/bench/seed1m .venv/bin/python bench/creator_index.py [--sample 50]

Prints the time `creator_index_recompute_all` takes (grouped queries, then the batched writes)
and its queries, against a baseline measured in the same run: the one-creator recompute
(`creator_index_recompute`, the same queries filtered to one creator) timed on a sample and
multiplied out to every creator, which is what a query-per-creator job would cost. Also the
time of `creator_counts_refresh` (文章数 / 关注度, run on every publish and follow) for the
creator with the most articles. The writes run in a transaction that is rolled back, so the
data folder is left as it was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=50, help="creators timed one by one (baseline)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from zimei.accounts.models import CreatorProfile
    from zimei.articles.models import Article
    from zimei.distribution.creator_index import creator_index_recompute, creator_index_recompute_all
    from zimei.distribution.creators import creator_counts_refresh

    creators = CreatorProfile.objects.count()
    articles = Article.objects.filter(status=Article.Status.PUBLISHED).count()
    print(f"data: {creators:,} creators, {articles:,} published articles ({connection.vendor})")

    result = None
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = creator_index_recompute_all(progress=False)
            total = time.perf_counter() - started
            reads = sum(1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))
            writes = len(ctx.captured_queries) - reads
            raise Rollback
    except Rollback:
        pass
    assert result is not None
    print(
        f"recompute all: {total:.2f} s ({result.seconds_gather:.2f} s gather + compute, "
        f"{result.seconds_write:.2f} s write), {reads} reads + {writes} writes"
    )
    print("levels: " + ", ".join(f"Lv{lv} {n:,}" for lv, n in result.levels.items()))

    sample = list(CreatorProfile.objects.order_by("?")[: args.sample])
    times = []
    try:
        with transaction.atomic():
            for profile in sample:
                t = time.perf_counter()
                creator_index_recompute(creator=profile)
                times.append(time.perf_counter() - t)
            raise Rollback
    except Rollback:
        pass
    one = statistics.median(times)
    baseline = one * creators
    print(
        f"baseline, one creator at a time: median {one * 1000:.1f} ms × {creators:,} = {baseline:.0f} s "
        f"(grouped is {baseline / total:.0f}× faster)"
    )

    top = (
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .values("author_id")
        .annotate(c=Count("id"))
        .order_by("-c")
        .first()
    )
    if top:
        profile = CreatorProfile.objects.get(id=top["author_id"])
        runs = []
        try:
            with transaction.atomic():
                for _ in range(20):
                    t = time.perf_counter()
                    creator_counts_refresh(profile)
                    runs.append(time.perf_counter() - t)
                raise Rollback
        except Rollback:
            pass
        print(
            f"creator_counts_refresh (文章数/关注度) for the creator with the most articles "
            f"({top['c']:,}): median {statistics.median(runs) * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()
