"""Search on SQLite, before and after a change to the backend: the same index, the same queries,
the two versions of SqliteBackend.search alternating per query (in random order), so that the
load of a shared machine falls on both alike; and whether they give the same pages.

    git archive 30a8322 | tar -x -C /tmp/sb-base          # the version to compare against
    ZIMEI_DATA_DIR=/tmp/sb-gen30k .venv/bin/python bench/search_ab.py /tmp/sb-base [seed] [n] [--sort time] \
        [--latin] [--cold]

Queries: n a class (1, 2, 3-4, 5+ characters, mixed: two 2-character terms or a Traditional
rendering; with --latin a Latin class too, and mixed with a Latin word), pieces of the folded
text of 200 random articles of the data folder; --cold drops the page cache before each timed
search (as root). Each query
runs as a reader's first page (relevance, or the order --sort names); every fifth also as page
2 and narrowed to a channel in that order, and in one other order (newest first, or relevance
with --sort), each compared (search_queries.compare(), shared with search_pg_ab.py). Prints
p50/p95 of each version per class, how many pages (total, capped, ids) are identical, how many
totals agree (or the new one says "at least" below the old exact one), and how many totals the
new version capped.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from search_queries import ab_parser, backends_before, compare, draw, drop_caches


def main() -> None:
    args = ab_parser(__doc__).parse_args()
    rng = random.Random(args.seed)

    import django

    django.setup()
    from zimei.articles.models import Article
    from zimei.search.backends import SqliteBackend

    old, new = backends_before(args.before).SqliteBackend(), SqliteBackend()
    channels = list(Article.objects.published().values_list("channel_id", flat=True).distinct())
    compare(
        old,
        new,
        draw(rng, args.n, latin=args.latin),
        rng,
        sort=args.sort,
        channels=channels,
        before_each=drop_caches if args.cold else None,
    )


if __name__ == "__main__":
    main()
