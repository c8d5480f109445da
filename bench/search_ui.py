"""Search beyond the reader's relevance page (docs/search.md): what each sort costs (relevance
with and without the hot score, newest first, hottest first), a creator's scan of their own
articles (the studio), and the desk's search over every article's title and author.

    .venv/bin/python bench/search_ui.py --articles 10000              # SQLite, temp folder
    ZIMEI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search_ui \\
        .venv/bin/python bench/search_ui.py --articles 10000          # PostgreSQL

The data folder (or database) is seeded up to --articles with `zimei seed`'s generator
(zimei/demo/bulk.py, which indexes what it writes). Reader queries are 1, 2 and 3-4 character
pieces of the articles' own text, timed as a first page (count + 20). The studio's scan is
timed for one creator given --own articles (reassigned to them; their bodies are the seeded
~3,000 characters), the desk's search as its first tab's count and page of 50.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if "ZIMEI_DATA_DIR" not in os.environ:
    os.environ["ZIMEI_DATA_DIR"] = tempfile.mkdtemp(prefix="zimei-bench-search-ui-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from timing import pct


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10000, help="seed up to this many articles")
    parser.add_argument("--queries", type=int, default=20, help="timed queries per class and sort")
    parser.add_argument(
        "--own", type=int, nargs="*", default=[300, 1000, 3000], help="studio: articles of one creator"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection, transaction

    from zimei.accounts.models import CreatorProfile
    from zimei.articles.models import Article, ArticleBody
    from zimei.articles.sanitize import html_to_text
    from zimei.demo.bulk import seed_bulk
    from zimei.search.backends import search_backend
    from zimei.search.selectors import articles_matching_for_editor, own_articles_matching
    from zimei.search.text import _RUN, fold, parse

    call_command("migrate", verbosity=0)
    have = Article.objects.count()
    if have < args.articles:
        t = time.monotonic()
        seed_bulk(articles=args.articles - have, creators=max(10, args.articles // 200), progress=False)
        print(f"seeded and indexed {args.articles - have} articles in {time.monotonic() - t:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"database: {connection.vendor}  published: {Article.objects.published().count()}")

    rng = random.Random(args.seed)
    texts = [
        fold(html_to_text(b))
        for b in ArticleBody.objects.order_by("?").values_list("body_hans", flat=True)[:200]
    ]
    runs = [r for t in texts for r, _ in _RUN.findall(t) if len(r) >= 4]

    def pieces(length: range) -> list[str]:
        out = []
        while len(out) < args.queries:
            run = rng.choice(runs)
            n = rng.choice(length)
            if len(run) >= n:
                start = rng.randrange(len(run) - n + 1)
                out.append(run[start : start + n])
        return out

    classes = {"1": pieces(range(1, 2)), "2": pieces(range(2, 3)), "3-4": pieces(range(3, 5))}
    backend = search_backend()

    def timed(fn, qs: list[str]) -> tuple[float, float]:
        times = []
        for q in qs:
            t = time.perf_counter()
            fn(q)
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1e3, pct(times, 0.95) * 1e3

    print("\nreader, first page (count + 20), ms p50 / p95")
    sorts = [("relevance, hot 0", "relevance", 0.0), ("relevance, hot 0.5", "relevance", 0.5),
             ("time", "time", 0.5), ("hot", "hot", 0.5)]  # fmt: skip
    print(f"{'class':6} " + " ".join(f"{name:>22}" for name, _, _ in sorts))
    for cls, qs in classes.items():
        cells = []
        for _, sort, hot in sorts:
            settings.ZIMEI_SEARCH_HOT = hot
            p50, p95 = timed(lambda q, sort=sort: backend.search(parse(q), sort=sort, limit=20), qs)
            cells.append(f"{p50:10.1f} / {p95:9.1f}")
        print(f"{cls:6} " + " ".join(f"{c:>22}" for c in cells))
    settings.ZIMEI_SEARCH_HOT = 0.5

    print("\nstudio: one creator's own articles, every status (ms p50 / p95)")
    qs = classes["2"][:10] + classes["3-4"][:10]
    profile = CreatorProfile.objects.order_by("id").first()
    for n in args.own:
        with transaction.atomic():
            ids = list(Article.objects.order_by("id").values_list("id", flat=True)[:n])
            Article.objects.filter(id__in=ids).update(author=profile)
            p50, p95 = timed(lambda q: own_articles_matching(user=profile.user, q=q), qs)
            print(f"{n:6} articles: {p50:8.1f} / {p95:8.1f}")
            transaction.set_rollback(True)

    print("\ndesk: articles by title or author, count + first 50 (ms p50 / p95)")
    for cls in ("2", "3-4"):
        qs = classes[cls]

        def desk(q: str) -> None:
            page = Paginator(articles_matching_for_editor(parse(q)), 50).get_page(1)
            list(page.object_list)

        p50, p95 = timed(desk, qs)
        print(f"{cls:6}: {p50:8.1f} / {p95:8.1f}")


if __name__ == "__main__":
    main()
