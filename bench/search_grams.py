"""An experiment for search at scale on SQLite (docs/search.md, "SQLite at 1,000,000 generated
articles"): would trigrams walk a long query's rank window faster than Zimei's bigrams, and
what does an index of many segments cost?

`build` copies the site's indexed grams (search_fts_source) of the articles with lo <= id < hi
and id % stride == 0 into two FTS5 tables of a new file: `bi`, the grams as the site indexes
them (prefix index of 1 character), and `tri`, each Han run as trigrams, then its last two
characters and its last character (待处理 → 待处理 处理 理; a prefix index of 1 and 2
characters, so that 1- and 2-character queries are prefix queries), each 25,000 articles a
segment. It prints both tables' sizes.

`compare` times the rank window's walk (the newest 2,000 matches, run twice, the second timed)
on `bi` and `tri` for the same queries (bench/search_queries.py), and checks that the two find
the same rowids. With --site, it also times the walk on the site's own index for the queries
whose window is the same there (the site's index: many segments; `bi`: few).

    ZIMEI_DATA_DIR=/work/sq1m .venv/bin/python bench/search_grams.py build /work/grams.sqlite3 \\
        --lo 990001 --hi 1090001
    ZIMEI_DATA_DIR=/work/sq1m .venv/bin/python bench/search_grams.py compare /work/grams.sqlite3 7 30 --site
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from search_queries import draw
from timing import pct

BATCH = 25_000


def trigrams(grams: str) -> str:
    """A site's grams text (bigrams and each run's last character; other tokens) as trigrams."""
    from zimei.search.text import _RUN

    out: list[str] = []
    run = ""

    def flush() -> None:
        if len(run) >= 3:
            out.extend(run[i : i + 3] for i in range(len(run) - 2))
        if len(run) >= 2:
            out.append(run[-2:])
        if run:
            out.append(run[-1])

    for token in grams.split():
        m = _RUN.fullmatch(token)
        if m and m.group(1) and len(token) == 2:
            run = token if not run else run + token[1]
        elif m and m.group(1):  # a run's last character (or a run of one)
            run = run or token
            flush()
            run = ""
        else:
            flush()
            run = ""
            out.append(token)
    flush()
    return " ".join(out)


def build(path: Path, lo: int, hi: int, stride: int) -> None:
    from django.db import connection

    from zimei.search.backends import SQLITE_SOURCE

    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    for table, prefix in (("bi", "1"), ("tri", "1,2")):
        db.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5(grams, tokenize='ascii', prefix='{prefix}', content='')"
        )
        db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
        db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', {1536 * 2**20})")
    start, rows = time.monotonic(), []

    def flush() -> None:
        db.executemany("INSERT INTO bi(rowid, grams) VALUES (?, ?)", [(i, g) for i, g in rows])
        db.executemany("INSERT INTO tri(rowid, grams) VALUES (?, ?)", [(i, trigrams(g)) for i, g in rows])
        db.commit()
        print(f"{rows[-1][0]}: {time.monotonic() - start:.0f} s", flush=True)
        rows.clear()

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT article_id, packed FROM {SQLITE_SOURCE} WHERE article_id >= %s AND article_id < %s "
            "AND article_id %% %s = 0 ORDER BY article_id",
            [lo, hi, stride],
        )
        for article_id, packed in cur:
            rows.append((article_id, zlib.decompress(packed).decode().split("\x00", 1)[1]))
            if len(rows) == BATCH:
                flush()
    if rows:
        flush()
    for table in ("bi", "tri"):
        size = db.execute(f"SELECT sum(length(block)) FROM {table}_data").fetchone()[0]
        print(f"{table}: {size / 2**20:,.0f} MB")


def compare(path: Path, seed: int, n: int, site: bool) -> None:
    from django.db import connection

    from zimei.search.backends import SQLITE_TABLE, SqliteBackend
    from zimei.search.text import parse

    db = sqlite3.connect(path)

    def walk(execute, table: str, expr: str) -> tuple[float, list[int]]:
        for _ in range(2):
            s = time.perf_counter()
            found = [
                r[0]
                for r in execute(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT 2000", [expr]
                )
            ]
            took = (time.perf_counter() - s) * 1e3
        return took, found

    def on_site(sql: str, params: list) -> list:
        with connection.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), params)
            return cur.fetchall()

    queries = draw(random.Random(seed), n, latin=False)
    for cls in ("1", "2", "3-4", "5+"):
        t_bi, t_tri, t_site, t_same, same = [], [], [], [], 0
        for q in queries[cls]:
            text = parse(q).terms[0].text
            bi = SqliteBackend.every(parse(q))
            tri = "grams : " + (
                f'"{text}"*'
                if len(text) <= 2
                else '"' + " ".join(text[i : i + 3] for i in range(len(text) - 2)) + '"'
            )
            tb, rb = walk(db.execute, "bi", bi)
            tt, rt = walk(db.execute, "tri", tri)
            t_bi.append(tb)
            t_tri.append(tt)
            same += rb == rt
            if site:
                ts, rs = walk(on_site, SQLITE_TABLE, bi)
                if rs == rb and len(rs) == 2000:
                    t_site.append(ts)
                    t_same.append(tb)
        line = (
            f"{cls:<4} bigrams p50 {statistics.median(t_bi):.1f} p95 {pct(t_bi, 0.95):.1f} ms   trigrams p50 "
            f"{statistics.median(t_tri):.1f} p95 {pct(t_tri, 0.95):.1f} ms   same rowids {same}/{len(t_bi)}"
        )
        if t_site:
            line += (
                f"   same window on the site ({len(t_site)}): site p50 {statistics.median(t_site):.1f} "
                f"max {max(t_site):.1f} ms, bi p50 {statistics.median(t_same):.1f} max {max(t_same):.1f} ms"
            )
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="copy the site's grams into the two tables of a new file")
    b.add_argument("path", type=Path)
    b.add_argument("--lo", type=int, default=0, help="first article id")
    b.add_argument("--hi", type=int, default=2**62, help="article ids below this")
    b.add_argument("--stride", type=int, default=1, help="only ids that are multiples of this")
    c = sub.add_parser("compare", help="time the rank window's walk on both tables")
    c.add_argument("path", type=Path)
    c.add_argument("seed", type=int, nargs="?", default=7)
    c.add_argument("n", type=int, nargs="?", default=30, help="queries a class (default 30)")
    c.add_argument(
        "--site", action="store_true", help="also on the site's own index, where the window is the same"
    )
    args = parser.parse_args()

    import django

    django.setup()
    if args.command == "build":
        build(args.path, args.lo, args.hi, args.stride)
    else:
        compare(args.path, args.seed, args.n, args.site)


if __name__ == "__main__":
    main()
