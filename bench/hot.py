"""The hot list (热点推荐): read time and update cost per event, on a seeded data folder.

    ZIMEI_DATA_DIR=/work/bench/seed1m .venv/bin/python bench/hot.py [--reads 30] [--batches 20]

Needs hot_log set (a data folder seeded before hot_log existed: `zimei hot rebuild` once).

Read (cold: the cache is cleared before every read, so each one is the pins query and the
index scan a page does once per 30-second slot): the site-wide list of 10, and each channel's,
median and p90 in ms, with the query plan. For comparison in the same run, the first
version's query (the most viewed and shared of the last three days, sorted in SQL) and a
primary-key read of one article (the baseline).

Update (µs per event): view events applied through the real batch path (counters._apply,
one transaction per batch of 500 views, as a flush does), against batches that count views
alone, both with the same executemany and with the first version's ORM loop (an UPDATE per
article, what _apply did before the hot score); alternating, fresh random rows every batch:
500 distinct articles (the worst case: one row and two index entries per event) and 500 views
over the hottest 10,000 articles by Zipf (like real traffic: repeat views share an UPDATE).
And single shares through share_record. Every write is rolled back: the data folder is left
as it was (so commit and fsync are not in the figures).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from timing import ms_summary

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=30, help="reads per list (default: 30)")
    parser.add_argument("--batches", type=int, default=20, help="batches of 500 view events (default: 20)")
    parser.add_argument("--batch", type=int, default=500, help="view events per batch (default: 500)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.db.models import F
    from django.utils import timezone

    from zimei.articles.models import LIST_FIELDS, Article
    from zimei.channels.models import Channel
    from zimei.distribution import counters, hot
    from zimei.distribution.shares import share_record

    total = Article.objects.count()
    max_id = Article.objects.order_by("-id").values_list("id", flat=True).first() or 0
    print(f"{total:,} articles in {os.environ.get('ZIMEI_DATA_DIR', 'zimei-data')} ({connection.vendor})")
    if not Article.objects.filter(hot_log__gt=0).exists():
        sys.exit("no article has a hot score: run `zimei hot rebuild` on this data folder first")
    rng = random.Random(1)

    # --- read ---------------------------------------------------------------------------------
    def pk_read() -> None:
        qs = Article.objects.published().select_related("author").only(*LIST_FIELDS)
        qs.filter(id=rng.randint(1, max_id)).first()

    def cold(channel_id: int | None):
        def read() -> None:
            cache.clear()
            hot.hot_read(channel_id=channel_id, limit=10)

        return read

    def first_version(channel_id: int | None):
        def read() -> None:
            qs = Article.objects.published().filter(published_at__gte=timezone.now() - timedelta(days=3))
            if channel_id:
                qs = qs.filter(channel_id=channel_id)
            list(
                qs.select_related("author", "channel")
                .only(*LIST_FIELDS)
                .order_by(-(F("view_count") + 5.0 * F("share_count")))[:200]
            )

        return read

    for fn in (pk_read, cold(None)):  # warm the page cache of the database file
        _timed(fn, 3)
    print(f"\nbaseline: primary-key read of one article       {ms_summary(_timed(pk_read, args.reads * 10))}")
    print(f"hot list, site-wide, cold (pins + index scan)  {ms_summary(_timed(cold(None), args.reads))}")
    per_channel: list[float] = []
    for channel in Channel.objects.all():
        per_channel += _timed(cold(channel.id), max(3, args.reads // 3))
    print(f"hot list, per channel (all 11), cold            {ms_summary(per_channel)}")
    few = max(3, args.reads // 5)
    print(f"first version's query, site-wide (3-day scan)  {ms_summary(_timed(first_version(None), few))}")
    tech = Channel.objects.filter(slug="tech").values_list("id", flat=True).first()
    print(f"first version's query, 科技 (3-day scan)        {ms_summary(_timed(first_version(tech), few))}")
    stamp = _timed(hot.hot_stamp, 10_000)
    print(f"hot_stamp() per page render                     {statistics.median(stamp) * 1e6:7.2f} µs")

    for label, qs in (
        ("site-wide", Article.objects.published().order_by("-hot_log")[:16]),
        ("channel", Article.objects.published().filter(channel_id=tech).order_by("-hot_log")[:16]),
    ):
        plan = qs.only("id").explain()
        print(f"plan ({label}): " + " | ".join(line.strip() for line in plan.splitlines()))

    # --- update -------------------------------------------------------------------------------
    hottest = list(Article.objects.published().order_by("-hot_log").values_list("id", flat=True)[:10_000])
    zipf = list(itertools.accumulate(1 / (k + 1) for k in range(len(hottest))))

    def spread() -> dict[int, int]:  # 500 distinct articles: every event its own row (worst case)
        return {rng.randint(1, max_id): 1 for _ in range(args.batch)}

    def skewed() -> dict[int, int]:  # 500 views over the hottest 10,000, Zipf: like real traffic
        return dict(collections.Counter(rng.choices(hottest, cum_weights=zipf, k=args.batch)))

    def views_orm(batch: dict[int, int]) -> None:  # what _apply did before the hot score
        for article_id, n in batch.items():
            Article.objects.filter(id=article_id).update(view_count=F("view_count") + n)

    table = connection.ops.quote_name(Article._meta.db_table)

    def views_sql(batch: dict[int, int]) -> None:  # the same executemany without the hot score
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET view_count = view_count + %s WHERE id = %s",
                [(n, i) for i, n in sorted(batch.items())],
            )

    def per_event(apply, make) -> float:
        events = 0
        elapsed = 0.0
        for _ in range(args.batches):
            batch = make()  # fresh rows for every batch: no run reads pages another warmed
            start = time.perf_counter()
            try:
                with transaction.atomic():
                    apply(batch)
                    raise _Rollback
            except _Rollback:
                pass
            elapsed += time.perf_counter() - start
            events += sum(batch.values())
        return elapsed / events * 1e6

    print()
    for label, make in (("500 distinct articles", spread), ("Zipf over the hottest 10k", skewed)):
        per_event(counters._apply, make)  # warm-up
        rounds = [
            (per_event(counters._apply, make), per_event(views_sql, make), per_event(views_orm, make))
            for _ in range(2)
        ]
        with_hot, sql, orm = (statistics.mean(r[k] for r in rounds) for k in range(3))
        print(
            f"view events via counters._apply, {label:26s} {with_hot:6.1f} µs/event   "
            f"counting views alone: same SQL {sql:6.1f} (ratio {with_hot / sql:4.2f}), "
            f"the first version's ORM loop {orm:6.1f} (ratio {with_hot / orm:4.2f})"
        )

    ids = [rng.randint(1, max_id) for _ in range(args.batches * 10)]
    start = time.perf_counter()
    for article_id in ids:
        try:
            with transaction.atomic():
                share_record(article_id=article_id, target="link")
                raise _Rollback
        except _Rollback:
            pass
    per_share = (time.perf_counter() - start) / len(ids) * 1e6
    print(f"one share through share_record (own transaction): {per_share:6.1f} µs")


if __name__ == "__main__":
    main()
