"""Grow a seeded site k-fold, for search measurements at sizes whose seeding and indexing take
longer than a session on this kind of machine (1,000,000 articles: hours of `zimei seed` and
`zimei search rebuild`; docs/search.md, "PostgreSQL at 1,000,000 generated articles" and
"SQLite at 1,000,000 generated articles"). PostgreSQL or SQLite, the backend the settings
choose:

    ZIMEI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench1m \
        .venv/bin/python bench/grow.py --times 10 --check 300 --progress
    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/grow.py --times 10 --progress

Every article of the site (its row, body, keyword rows and search index rows) is copied
times - 1 times. Copy j takes the ids id + j * OFFSET, OFFSET being the site's id range
rounded up to whole search partitions (PostgresBackend.PARTITION_IDS; on SQLite the same round
number), so on PostgreSQL each copy's search rows fill partitions of their own, named and
bounded as the backend would make them. Dates: the site becomes `times` spans of the seeded one
long, ids growing with time as on a real site: the originals move back (times - 1) spans, copy
j lands j spans after them (the last copy where the originals were). On SQLite (dates stored
as text) the span is rounded up to whole seconds and the dates moved by SQLite's date
functions, their fractions of a second kept as written. hot_log moves with the date
(hot.event_log is linear in time); related_ids point at the same copy's articles (jsonb on
PostgreSQL, SQLite's json functions on SQLite).

The search rows are copied, not made again: what the index holds for an article is a function
of its text (search/services.py: article_tokens, then the backend's prepare), and the copies'
text is the originals'. On PostgreSQL a partition's rows are copied in SQL into a new partition,
indexed, then attached. On SQLite each original's prepared (words, grams) are read back from
search_fts_source and written for the copy's id through SqliteBackend.write inside
backend.bulk(): what `zimei search rebuild` does, in id order and --batch articles a
transaction, without the tokenising. FTS5's segments come from its transactions, so when the
site was indexed from empty in batches of --batch (`zimei seed` and `zimei search rebuild`:
500; bench/search.py: 1,000) and holds a whole number of them, every article published, the
grown index is the one `zimei search rebuild --clear` makes of the grown site, byte for byte
but for the structure record's change counter (3,000 seeded articles × 4); otherwise each
copy's short last batch makes a segment of its own (300 × 3: 3 segments against a rebuild's 2).

--check copies are indexed again by that code and compared with the copied rows (on SQLite:
with search_fts_source, and the copy found in search_fts by its first bigram); one difference
stops the script with an error. The site's statistics for related articles (termstat) and the
creators' counts are recounted afterwards.

Run it once, on a database or data folder of its own (there is no undo). A SQLite copy of a
1,000,000-article site needs about 79 GB (7.9 GB per 100,000: 3.9 of them bodies, each stored
four times, HTML and three scripts); --lean-bodies copies only the renderings search reads
(about 5.2 GB per 100,000 copied).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
import zlib
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
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
    parser.add_argument(
        "--batch",
        type=int,
        default=500,
        help=(
            "SQLite: search rows written a transaction (default 500, as zimei seed and zimei search "
            "rebuild; the batch the site was indexed with gives a rebuild's segments)"
        ),
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the check's sample")
    parser.add_argument(
        "--unmerged",
        action="store_true",
        help=(
            "SQLite: FTS5 merges nothing during the grow and after it (automerge 0, crisismerge "
            "200, hashsize 1.5 GB: each --batch, e.g. 20000, a segment of its own, each entry written "
            "once). Several times faster than a rebuild's merges at 100,000+ articles, but the "
            "index keeps tens of segments more than a rebuild leaves and each query reads each "
            "of them; the settings stay (a write with FTS5's defaults would merge them all)"
        ),
    )
    parser.add_argument(
        "--lean-bodies",
        action="store_true",
        help=(
            "the copies keep of each body only what search reads: the rendering in the article's "
            "own script (indexed; the ground truth) and the Simplified one (the LIKE baseline). "
            "The HTML and other scripts' renderings are left empty (about 3/4 of a body's bytes), "
            "so the copies' pages do not render; for a machine without the disk for 10 full copies"
        ),
    )
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
    from zimei.conversion.variants import VARIANTS, field_suffix
    from zimei.demo.bulk import _recount
    from zimei.distribution.hot import NO_EVENTS, event_log
    from zimei.distribution.models import ArticleKeyword
    from zimei.distribution.related import termstat_rebuild
    from zimei.search.backends import PG_TABLE, SQLITE_SOURCE, SQLITE_TABLE, PostgresBackend, SqliteBackend
    from zimei.search.services import article_tokens

    pg = connection.vendor == "postgresql"
    if not pg and connection.vendor != "sqlite":
        sys.exit(f"bench/grow.py is for PostgreSQL or SQLite, not {connection.vendor}")

    def when(value) -> datetime:  # a date as read by SQL: text on SQLite (naive UTC)
        return value if isinstance(value, datetime) else datetime.fromisoformat(value).replace(tzinfo=UTC)

    started, cpu_started = time.monotonic(), time.process_time()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT min(id), max(id), count(*), min(published_at), max(published_at) FROM articles_article"
        )
        low, high, n, first, last = cur.fetchone()
        parts: list[tuple[int, int, str]] = []
        if pg:
            parts = PostgresBackend._partitions(cur)
            indexed = len(parts)
        else:
            cur.execute(f"SELECT count(*) FROM {SQLITE_SOURCE}")
            indexed = cur.fetchone()[0]
    if not n or not indexed:
        sys.exit("the site has no articles or no search index: seed it and build the index first")
    first, last = when(first), when(last)
    size = PostgresBackend.PARTITION_IDS
    offset = (high // size + 1) * size
    span = last - first
    if not pg:  # SQLite's date arithmetic: whole seconds (rounded up: the copies never overlap)
        span = timedelta(seconds=math.ceil(span.total_seconds()))
    index = f"{len(parts)} search partitions" if pg else f"{indexed:,} articles in the search index"
    print(
        f"site: {n:,} articles, ids {low}-{high}, published {first:%Y-%m-%d} to {last:%Y-%m-%d}; "
        f"{index}; copies {args.times - 1} × (ids + j·{offset:,}, dates + j·{span})"
    )

    def columns(model, skip: set[str]) -> list[str]:
        return [f.column for f in model._meta.concrete_fields if f.column not in skip]

    def moved(by: timedelta) -> dict[str, str]:
        """SQL of the dates and hot_log moved by `by`, by column."""
        if pg:
            interval = f"interval '{by.total_seconds():.6f} seconds'"
            dates = {c: f"{c} + {interval}" for c in ("published_at", "created_at", "updated_at")}
        else:  # text 'YYYY-MM-DD HH:MM:SS[.ffffff]': the whole seconds moved, the fraction kept
            shift = f"'{round(by.total_seconds()):+d} seconds'"
            dates = {
                c: f"strftime('%Y-%m-%d %H:%M:%S', substr({c}, 1, 19), {shift}) || substr({c}, 20)"
                for c in ("published_at", "created_at", "updated_at")
            }
        hot = event_log(1.0, last + by) - event_log(1.0, last)
        return dates | {
            "hot_log": f"CASE WHEN hot_log = {NO_EVENTS!r} THEN hot_log ELSE hot_log + {hot!r} END"
        }

    articles = Article._meta.db_table

    def related(j: int) -> str:
        """SQL of related_ids pointing at copy j's articles, in the same order."""
        if pg:
            return (
                f"(SELECT coalesce(jsonb_agg(to_jsonb(x::bigint + {j * offset}) ORDER BY k), '[]'::jsonb) "
                "FROM jsonb_array_elements_text(related_ids) WITH ORDINALITY AS r(x, k))"
            )
        return (  # json_group_array of no rows is '[]'
            f"(SELECT json_group_array(x) FROM (SELECT CAST(value AS INTEGER) + {j * offset} AS x "
            "FROM json_each(related_ids) ORDER BY key))"
        )

    def article_sql(j: int) -> str:  # copy j, from the originals once they have moved back
        move = moved(span * j) | {"id": f"id + {j * offset}", "related_ids": related(j)}
        cols = columns(Article, set())
        select = ", ".join(move.get(c, c) for c in cols)
        return (
            f"INSERT INTO {articles} ({', '.join(cols)}) SELECT {select} FROM {articles} WHERE id <= {high}"
        )

    def lean(column: str) -> str:
        """SQL of a body column of a --lean-bodies copy: kept if search reads it, else ''."""
        if column == "body_hans":
            return column
        own = [v for v in VARIANTS if f"body_{field_suffix(v)}" == column]
        if not own:  # body_html: what a page shows, never searched
            return "''"
        script = f"(SELECT script FROM {articles} WHERE id = article_id)"
        return f"CASE WHEN {script} = '{own[0]}' THEN {column} ELSE '' END"

    def rows_sql(model, key: str, j: int) -> str:
        cols = columns(model, {"id"} if model._meta.pk.column == "id" else set())  # a new id, or the key
        thin = lean if model is ArticleBody and args.lean_bodies else (lambda c: c)
        select = ", ".join(f"{c} + {j * offset}" if c == key else thin(c) for c in cols)
        table = model._meta.db_table
        return f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} WHERE {key} <= {high}"

    def pg_search_copy(cur, j: int) -> None:
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

    written = 0  # SQLite: search rows written, and the seconds (wall, CPU) it took
    writing = cpu = 0.0

    def sqlite_search_copy(j: int) -> None:
        # The originals' prepared (words, grams), read back a batch at a time in id order and
        # written for copy j's ids by the backend's own write path (rebuild's: the FTS5 rows and
        # search_fts_source), a transaction a batch; the caller holds backend.bulk().
        nonlocal written, writing, cpu
        t, c, after = time.monotonic(), time.process_time(), 0
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    f"SELECT article_id, packed FROM {SQLITE_SOURCE} WHERE article_id > %s "
                    "AND article_id <= %s ORDER BY article_id LIMIT %s",
                    [after, high, args.batch],
                )
                rows = cur.fetchall()
                if not rows:
                    break
                after = rows[-1][0]
                sqlite.write(
                    [
                        (i + j * offset, (*zlib.decompress(packed).decode().split("\x00", 1), packed))
                        for i, packed in rows
                    ]
                )
            written += len(rows)
            bar.update(len(rows))
        writing += time.monotonic() - t
        cpu += time.process_time() - c

    sqlite = SqliteBackend()
    steps = (1 + len(parts)) if pg else (1 + indexed)
    bar = tqdm(total=(args.times - 1) * steps, desc="grow", unit="step", disable=not args.progress)
    with transaction.atomic(), connection.cursor() as cur:  # the originals move back first
        move = moved(-span * (args.times - 1))
        cur.execute(f"UPDATE {articles} SET " + ", ".join(f"{c} = {e}" for c, e in move.items()))
    unmerged = {"automerge": 0, "crisismerge": 200}

    def fts5_config(values: dict[str, int]) -> None:
        with transaction.atomic(), connection.cursor() as cur:
            for key, value in values.items():
                cur.execute(
                    f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rank) VALUES (%s, %s)", [key, value]
                )

    with nullcontext() if pg else sqlite.bulk():  # SQLite: the rebuild's FTS5 settings throughout
        if args.unmerged and not pg:
            fts5_config(unmerged | {"hashsize": 1536 * 2**20})
        for j in range(1, args.times):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(article_sql(j))
                cur.execute(rows_sql(ArticleBody, "article_id", j))
                cur.execute(rows_sql(ArticleKeyword, "article_id", j))
                bar.update(1)
                if pg:
                    pg_search_copy(cur, j)
            if not pg:
                sqlite_search_copy(j)
    bar.close()
    if args.unmerged and not pg:  # (bulk() has put FTS5's defaults back)
        fts5_config(unmerged)
    if not pg:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(DISTINCT segid) FROM {SQLITE_TABLE}_idx")
            print(f"FTS5 segments: {cur.fetchone()[0]}")
    if pg:  # (SQLite's AUTOINCREMENT follows the largest id inserted by itself)
        with connection.cursor() as cur:
            for model in (Article, ArticleKeyword):
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            cur.execute("ANALYZE")
    copied = time.monotonic() - started
    grown = n * (args.times - 1)
    print(
        f"copied {grown:,} articles in {copied:.0f} s ({grown / copied:,.0f} articles/s; "
        f"{time.process_time() - cpu_started:.0f} s of CPU in this process)"
    )
    if not pg:
        print(
            f"search rows: {written:,} written by SqliteBackend.write in {writing:.0f} s "
            f"({written / max(writing, 1e-9):,.0f} rows/s; {cpu:.0f} s of CPU in this process, "
            f"SQLite's included: {written / max(cpu, 1e-9):,.0f} rows/s of CPU)"
        )
    print("recounting related-article statistics and creators …")
    termstat_rebuild()
    _recount(list(CreatorProfile.objects.values_list("id", flat=True)))

    # The check: copies indexed again by the real code, compared with the copied rows.
    rng = random.Random(args.seed)
    with connection.cursor() as cur:
        cur.execute(f"SELECT article_id FROM {PG_TABLE if pg else SQLITE_SOURCE} WHERE article_id > {high}")
        copies = [r[0] for r in cur.fetchall()]
    sample = rng.sample(copies, min(args.check, len(copies)))
    backend, differ = PostgresBackend() if pg else sqlite, []
    for article in Article.objects.filter(id__in=sample).select_related("text"):
        prepared = backend.prepare(article_tokens(article))
        with connection.cursor() as cur:
            if pg:
                grams, words = prepared
                cur.execute(
                    "SELECT grams = %s::tsvector AND words = %s::tsvector "
                    f"FROM {PG_TABLE} WHERE article_id = %s",
                    [grams, words, article.id],
                )
                same = cur.fetchone()[0]
            else:
                words, grams, _ = prepared
                cur.execute(f"SELECT packed FROM {SQLITE_SOURCE} WHERE article_id = %s", [article.id])
                same = zlib.decompress(cur.fetchone()[0]).decode() == f"{words}\x00{grams}"
                if same and grams:  # and the FTS5 table has it: found by its first bigram
                    gram = grams.split(" ", 1)[0].replace('"', '""')
                    cur.execute(
                        f"SELECT count(*) FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s AND rowid = %s",
                        [f'grams : "{gram}"', article.id],
                    )
                    same = cur.fetchone()[0] == 1
            if not same:
                differ.append(article.id)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), min(published_at), max(published_at) FROM articles_article")
        total, first, last = cur.fetchone()
        cur.execute(f"SELECT count(*) FROM {PG_TABLE if pg else SQLITE_SOURCE}")
        indexed = cur.fetchone()[0]
        if pg:
            cur.execute("SELECT pg_database_size(current_database())")
            db = cur.fetchone()[0]
        else:
            cur.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            db = cur.fetchone()[0]
    print(
        f"site: {total:,} articles ({indexed:,} in the search index), published {when(first):%Y-%m-%d} to "
        f"{when(last):%Y-%m-%d}; database {db / 2**30:.1f} GiB; {time.monotonic() - started:.0f} s in all"
    )
    if differ:
        sys.exit(f"check: {len(differ)} of {len(sample)} copies index differently, e.g. {differ[:5]}")
    print(
        f"check: {len(sample)} copies indexed again by article_tokens + prepare: all equal to the copied rows"
    )


if __name__ == "__main__":
    main()
