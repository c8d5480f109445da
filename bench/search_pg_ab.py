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
also as page 2, newest first, and narrowed to a channel, each compared. Prints p50/p95 of each
version per class and how many pages (total, capped, ids) are identical.
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

from search_queries import backends_before, draw
from timing import pct

FLAT = "search_document_flat"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before", type=Path, help="a checkout of the version before (git archive)")
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("n", type=int, nargs="?", default=30, help="queries a class (default 30)")
    parser.add_argument("--table", default=FLAT, help=f"the index the version before reads (default {FLAT})")
    parser.add_argument(
        "--sort", choices=["relevance", "time", "hot"], default="relevance", help="the timed page's order"
    )
    args = parser.parse_args()
    rng, n = random.Random(args.seed), args.n

    import django

    django.setup()
    from zimei.articles.models import Article
    from zimei.search.backends import Filters, PostgresBackend
    from zimei.search.text import parse

    old_module = backends_before(args.before)
    old_module.PG_TABLE = args.table  # its queries read the module's name at call time
    old, new = old_module.PostgresBackend(), PostgresBackend()
    channels = list(Article.objects.published().values_list("channel_id", flat=True).distinct())
    queries = draw(rng, n)
    for q in queries["2"][:5]:  # warm caches
        old.search(parse(q))
        new.search(parse(q))
    print(f"{'class':<6} {'before p50':>10} {'p95':>8} {'after p50':>10} {'p95':>8}  same pages  capped")
    same_all = total_all = 0
    for cls, qs in queries.items():
        t_old, t_new, same, pages, capped, slow = [], [], 0, 0, 0, []
        for i, q in enumerate(qs):
            parsed = parse(q)
            variants = [dict(limit=20, sort=args.sort)]
            if i % 5 == 0:
                variants += [
                    dict(limit=20, offset=20),
                    dict(limit=20, sort="time"),
                    dict(limit=20, filters=Filters(channel_id=rng.choice(channels))),
                ]
            for k, kwargs in enumerate(variants):
                order = [(old, t_old), (new, t_new)]
                rng.shuffle(order)
                found = {}
                for backend, times in order:
                    t = time.perf_counter()
                    found[backend] = backend.search(parsed, **kwargs)
                    if k == 0:  # the reader's first page: timed
                        times.append(time.perf_counter() - t)
                a, b = found[old], found[new]
                if k == 0:
                    slow.append((t_new[-1], q, b.total))
                same += (a.total, a.capped, a.ids) == (b.total, b.capped, b.ids)
                pages += 1
                capped += b.capped
        same_all, total_all = same_all + same, total_all + pages
        o50, o95, n50, n95 = (pct(t, p) * 1e3 for t in (t_old, t_new) for p in (0.5, 0.95))
        print(f"{cls:<6} {o50:8.2f}ms {o95:6.1f}ms {n50:8.2f}ms "
              f"{n95:6.1f}ms  {same:>4}/{pages:<4}  {capped:>6}  slowest after: "
              + ", ".join(f"{q!r} {t * 1e3:.0f} ms ({n})" for t, q, n in sorted(slow)[-3:]))  # fmt: skip
    print(f"identical pages: {same_all}/{total_all}")


if __name__ == "__main__":
    main()
