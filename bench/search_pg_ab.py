"""Search on PostgreSQL, before and after a change to the backend: the same data, the same
queries, the two versions of PostgresBackend.search alternating per query (in random order), so
that the load of a shared machine falls on both alike; and whether they give the same pages.

The version before reads a copy of the index in the layout it knows, FLAT (an unpartitioned
table with its GIN indexes, as migrations/0001 made search_document), the version after reads
search_document itself:

    git archive cae3d5c | tar -x -C /tmp/pg-base        # the version to compare against
    psql … -c "CREATE TABLE search_document_flat (article_id bigint PRIMARY KEY,
               grams tsvector NOT NULL, words tsvector NOT NULL)"
    psql … -c "INSERT INTO search_document_flat SELECT * FROM search_document"   # before 0002
    psql … -c "CREATE INDEX ON search_document_flat USING gin (grams)" (and words); VACUUM ANALYZE
    ZIMEI_DATABASE_URL=postgres://…/db .venv/bin/python bench/search_pg_ab.py /tmp/pg-base [seed] [n]

A change that keeps the layout compares both versions on search_document itself:
`--table search_document` (the version before then reads what the version after reads).

Queries: n a class (1, 2, 3-4, 5+ characters of Han, a Latin word, mixed: a 2-character piece
and a Latin word or a Traditional rendering), pieces of the folded text of 200 random articles;
on text without Latin words (`--text real`) no Latin class, and mixed is two 2-character pieces
as two terms or a Traditional rendering (bench/search_queries.py).
Each query runs as a reader's first page (relevance, or the order --sort names); every fifth
also as page 2 and narrowed to a channel in that order, and in one other order (newest first,
or relevance with --sort), each compared. Prints p50/p95 of each version per class and how many
pages (total, capped, ids) are identical (search_queries.compare(), shared with search_ab.py).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from search_queries import ab_parser, backends_before, compare, draw, drop_caches

FLAT = "search_document_flat"


def main() -> None:
    parser = ab_parser(__doc__)
    parser.add_argument("--table", default=FLAT, help=f"the index the version before reads (default {FLAT})")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    import django

    django.setup()
    from zimei.articles.models import Article
    from zimei.search.backends import PostgresBackend

    old_module = backends_before(args.before)
    old_module.PG_TABLE = args.table  # its queries read the module's name at call time
    old, new = old_module.PostgresBackend(), PostgresBackend()
    channels = list(Article.objects.published().values_list("channel_id", flat=True).distinct())
    compare(
        old,
        new,
        draw(rng, args.n, latin=True if args.latin else None),
        rng,
        sort=args.sort,
        channels=channels,
        before_each=drop_caches if args.cold else None,
    )


if __name__ == "__main__":
    main()
