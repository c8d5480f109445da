"""Article page render time, in process, on an existing (seeded) data folder.

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/render.py [--requests 200]

Prints the median and p90 of N article page renders with the page cache off: "cold" (every
cache emptied before each request: hot list, channel boxes, related and past articles are all
computed), "first view" (a page not rendered before, on a site whose shared caches are warm: the
usual case for a new article) and "repeat view" (its 60-second fragments warm too); the queries a
repeat view makes; and the accessibility page (a plain template through the same middleware)
as the baseline of the ratio.
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
os.environ["ZIMEI_PAGE_CACHE"] = "0"


def _time(client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--variant", default="zh-hant", choices=["zh-hans", "zh-hant", "zh-hk"])
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zimei.articles.models import Article

    total = Article.objects.filter(status="published").count()
    if total == 0:
        sys.exit("no published articles: seed first (zimei seed --articles 100000 --creators 1000)")
    max_id = Article.objects.order_by("-id").values_list("id", flat=True).first()
    rng = random.Random(7)
    ids: list[int] = []
    while len(ids) < 2 * args.requests:
        batch = [rng.randint(1, max_id) for _ in range(args.requests * 2)]
        ids += list(Article.objects.filter(id__in=batch, status="published").values_list("id", flat=True))
    ids, fresh = ids[: args.requests], ids[args.requests : 2 * args.requests]
    client = Client(HTTP_HOST="127.0.0.1")
    _time(client, f"/{args.variant}/a/{ids[0]}/")  # load templates, OpenCC, URL resolvers once

    cold, first, warm, base = [], [], [], []
    for aid in ids:
        cache.clear()
        cold.append(_time(client, f"/{args.variant}/a/{aid}/"))
    for aid in fresh:
        first.append(_time(client, f"/{args.variant}/a/{aid}/"))
    for aid in fresh:
        warm.append(_time(client, f"/{args.variant}/a/{aid}/"))
    for _ in ids:
        base.append(_time(client, f"/{args.variant}/accessibility/"))
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        probe = client.get(f"/{args.variant}/a/{fresh[-1]}/")
    size = len(probe.content)

    def fmt(xs: list[float]) -> str:
        return f"median {statistics.median(xs):6.2f} ms   p90 {statistics.quantiles(xs, n=10)[-1]:6.2f} ms"

    print(f"articles published: {total:,}   database: {connection.vendor}   page size: {size / 1024:.1f} KB")
    print(f"{args.requests} requests each, page cache off:")
    print(f"article page, cold (every cache emptied):      {fmt(cold)}")
    print(f"article page, first view (site caches warm):   {fmt(first)}")
    print(
        f"article page, repeat view (fragments warm):    {fmt(warm)}   queries: {len(ctx.captured_queries)}"
    )
    print(f"baseline (accessibility page, same stack):     {fmt(base)}")
    print(f"ratio article(warm) / baseline: {statistics.median(warm) / statistics.median(base):.2f}")


if __name__ == "__main__":
    main()
