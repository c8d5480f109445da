"""Grow a seeded PostgreSQL site k-fold, for search measurements at sizes whose seeding and
indexing take longer than a session on this kind of machine (1,000,000 articles: about
2 h of `zimei seed` and 2 h of `zimei search rebuild`; docs/search.md, "One million articles").

    ZIMEI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench1m \
        .venv/bin/python bench/grow.py --times 10 --check 300 --progress

Every article of the site (its row, body, keyword rows and search_document row) is copied
times - 1 times. Copy j takes the ids id + j * OFFSET, OFFSET being the site's id range
rounded up to whole search partitions (PostgresBackend.PARTITION_IDS), so each copy's search
rows fill partitions of their own, named and bounded as the backend would make them. Dates:
the site becomes `times` spans of the seeded one long, ids growing with time as on a real
site: the originals move back (times - 1) spans, copy j lands j spans after them (the last
copy where the originals were). hot_log moves with the date (hot.event_log is linear in
time); related_ids point at the same copy's articles.

The search rows are copied, not made again: what the index holds for an article is a function
of its text (search/services.py: article_tokens, then the backend's prepare), and the copies'
text is the originals'. --check copies are indexed again by that code and compared with the
copied rows; one difference stops the script with an error. The site's statistics for related
articles (termstat) and the creators' counts are recounted afterwards.

Run it once, on a database of its own (there is no undo). PostgreSQL only: a SQLite copy of a
1,000,000-article site needs about 72 GB (docs/search.md).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--times", type=int, default=10, help="the site's size afterwards, as a multiple (default 10)"
    )
    parser.add_argument(
        "--check", type=int, default=300, help="copies indexed again and compared (default 300)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the check's sample")
    parser.add_argument("--progress", action="store_true", help="a progress bar on stderr")
    args = parser.parse_args()
    if args.times < 2:
        parser.error("--times must be 2 or more")

    import django

    django.setup()
    from django.db import connection, transaction
    from tqdm import tqdm

    from zimei.accounts.models import CreatorProfile
    from zimei.articles.models import Article, ArticleBody
    from zimei.demo.bulk import _recount
    from zimei.distribution.hot import NO_EVENTS, event_log
    from zimei.distribution.models import ArticleKeyword
    from zimei.distribution.related import termstat_rebuild
    from zimei.search.backends import PG_TABLE, PostgresBackend
    from zimei.search.services import article_tokens

    if connection.vendor != "postgresql":
        sys.exit("bench/grow.py is for PostgreSQL (set ZIMEI_DATABASE_URL)")
    started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT min(id), max(id), count(*), min(published_at), max(published_at) FROM articles_article"
        )
        low, high, n, first, last = cur.fetchone()
        parts = PostgresBackend._partitions(cur)
    if not n or not parts:
        sys.exit("the site has no articles or no search index: seed it and build the index first")
    size = PostgresBackend.PARTITION_IDS
    offset = (high // size + 1) * size
    span = last - first
    print(
        f"site: {n:,} articles, ids {low}-{high}, published {first:%Y-%m-%d} to {last:%Y-%m-%d}; "
        f"{len(parts)} search partitions; copies {args.times - 1} × (ids + j·{offset:,}, dates + j·{span})"
    )

    def columns(model, skip: set[str]) -> list[str]:
        return [f.column for f in model._meta.concrete_fields if f.column not in skip]

    def moved(by) -> dict[str, str]:
        """SQL of the dates and hot_log moved by `by` (a timedelta), by column."""
        interval = f"interval '{by.total_seconds():.6f} seconds'"
        hot = event_log(1.0, last + by) - event_log(1.0, last)
        dates = {c: f"{c} + {interval}" for c in ("published_at", "created_at", "updated_at")}
        return dates | {
            "hot_log": f"CASE WHEN hot_log = {NO_EVENTS!r} THEN hot_log ELSE hot_log + {hot!r} END"
        }

    articles = Article._meta.db_table

    def article_sql(j: int) -> str:  # copy j, from the originals once they have moved back
        move = moved(span * j) | {
            "id": f"id + {j * offset}",
            "related_ids": (
                f"(SELECT coalesce(jsonb_agg(to_jsonb(x::bigint + {j * offset}) ORDER BY k), '[]'::jsonb) "
                "FROM jsonb_array_elements_text(related_ids) WITH ORDINALITY AS r(x, k))"
            ),
        }
        cols = columns(Article, set())
        select = ", ".join(move.get(c, c) for c in cols)
        return (
            f"INSERT INTO {articles} ({', '.join(cols)}) SELECT {select} FROM {articles} WHERE id <= {high}"
        )

    def rows_sql(model, key: str, j: int) -> str:
        cols = columns(model, {"id"} if model._meta.pk.column == "id" else set())  # a new id, or the key
        select = ", ".join(f"{c} + {j * offset}" if c == key else c for c in cols)
        table = model._meta.db_table
        return f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} WHERE {key} <= {high}"

    bar = tqdm(total=(args.times - 1) * (1 + len(parts)), desc="grow", unit="step", disable=not args.progress)
    with transaction.atomic(), connection.cursor() as cur:  # the originals move back first
        move = moved(-span * (args.times - 1))
        cur.execute(f"UPDATE {articles} SET " + ", ".join(f"{c} = {e}" for c, e in move.items()))
    for j in range(1, args.times):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(article_sql(j))
            cur.execute(rows_sql(ArticleBody, "article_id", j))
            cur.execute(rows_sql(ArticleKeyword, "article_id", j))
            bar.update(1)
            # The search rows, a partition at a time: filled, indexed (as the parent's indexes),
            # then attached, which takes those indexes as the parent's instead of building them.
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for lo, hi, name in parts:
                new = f"{PG_TABLE}_p{lo + j * offset}"
                cur.execute(f"CREATE TABLE {new} (LIKE {PG_TABLE})")
                cur.execute(
                    f"INSERT INTO {new} (article_id, grams, words) "
                    f"SELECT article_id + {j * offset}, grams, words FROM {name}"
                )
                cur.execute(f"CREATE UNIQUE INDEX ON {new} (article_id)")
                for column in PostgresBackend.GIN.values():
                    cur.execute(f"CREATE INDEX ON {new} USING gin ({column})")
                cur.execute(
                    f"ALTER TABLE {PG_TABLE} ATTACH PARTITION {new} "
                    f"FOR VALUES FROM ({lo + j * offset}) TO ({hi + j * offset})"
                )
                bar.update(1)
    bar.close()
    with connection.cursor() as cur:
        for model in (Article, ArticleKeyword):
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cur.execute("ANALYZE")
    copied = time.monotonic() - started
    print(f"copied in {copied:.0f} s; recounting related-article statistics and creators …")
    termstat_rebuild()
    _recount(list(CreatorProfile.objects.values_list("id", flat=True)))

    # The check: copies indexed again by the real code, compared with the copied rows.
    rng = random.Random(args.seed)
    with connection.cursor() as cur:
        cur.execute(f"SELECT article_id FROM {PG_TABLE} WHERE article_id > {high}")
        copies = [r[0] for r in cur.fetchall()]
    sample = rng.sample(copies, min(args.check, len(copies)))
    backend, differ = PostgresBackend(), []
    for article in Article.objects.filter(id__in=sample).select_related("text"):
        grams, words = backend.prepare(article_tokens(article))
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT grams = %s::tsvector AND words = %s::tsvector FROM {PG_TABLE} WHERE article_id = %s",
                [grams, words, article.id],
            )
            if not cur.fetchone()[0]:
                differ.append(article.id)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), min(published_at), max(published_at) FROM articles_article")
        total, first, last = cur.fetchone()
        cur.execute(f"SELECT count(*) FROM {PG_TABLE}")
        indexed = cur.fetchone()[0]
        cur.execute("SELECT pg_database_size(current_database())")
        db = cur.fetchone()[0]
    print(
        f"site: {total:,} articles ({indexed:,} in the search index), published {first:%Y-%m-%d} to "
        f"{last:%Y-%m-%d}; database {db / 2**30:.1f} GiB; {time.monotonic() - started:.0f} s in all"
    )
    if differ:
        sys.exit(f"check: {len(differ)} of {len(sample)} copies index differently, e.g. {differ[:5]}")
    print(
        f"check: {len(sample)} copies indexed again by article_tokens + prepare: all equal to the copied rows"
    )


if __name__ == "__main__":
    main()
