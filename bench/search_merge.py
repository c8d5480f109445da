"""SQLite search index: a full rebuild with given FTS5 merge settings (docs/search.md,
"zimei search rebuild"), what it costs and what it leaves.

    ZIMEI_DATA_DIR=/tmp/sb-merge .venv/bin/python bench/search_merge.py 20000 2 200 \\
        automerge=16 crisismerge=64

Arguments: articles (seeded with `zimei seed`'s generator up to that many), token processes
(`--workers`), articles per transaction (`--batch`), then FTS5 settings to use during the
rebuild on top of SqliteBackend.BULK_CONFIG (none: as committed; automerge=4 crisismerge=16 are
FTS5's defaults). Prints the rebuild's wall time, this process's CPU (reading, writing,
merging) and the token processes', the bytes this process wrote (the WAL and its checkpoints
included), the segments left; then 60 queries three times on the index as the rebuild left
it, and `optimize` after that (its time and bytes). A batch of 200 at 20,000 articles makes
as many segments (100) as the rebuild's 1,000 at 100,000.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")


def written() -> int:
    """Bytes this process has sent to storage (/proc/self/io)."""
    with open("/proc/self/io") as f:
        return int(next(line for line in f if line.startswith("write_bytes")).split()[1])


def cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def main() -> None:
    n, workers, batch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    settings = {k: int(v) for k, v in (a.split("=") for a in sys.argv[4:])}

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from zimei.articles.models import Article
    from zimei.demo.bulk import seed_bulk
    from zimei.search.backends import SqliteBackend, search_backend
    from zimei.search.services import search_rebuild
    from zimei.search.text import parse

    call_command("migrate", verbosity=0)
    have = Article.objects.count()
    if have < n:
        seed_bulk(articles=n - have, creators=max(10, n // 200), progress=False, search=False)
        print(f"seeded {n - have} articles", flush=True)
    SqliteBackend.BULK_CONFIG = {**SqliteBackend.BULK_CONFIG, **settings}
    print(f"during the rebuild: {SqliteBackend.BULK_CONFIG}", flush=True)
    backend = search_backend()
    with transaction.atomic():
        backend.clear()
    with connection.cursor() as cur:
        cur.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    w0, t0, c0 = written(), time.monotonic(), cpu(resource.RUSAGE_SELF)
    done, _ = search_rebuild(batch=batch, workers=workers)
    t1, w1, c1 = time.monotonic(), written(), cpu(resource.RUSAGE_SELF)
    with connection.cursor() as cur:
        cur.execute("SELECT count(DISTINCT segid) FROM search_fts_idx")
        segments = cur.fetchone()[0]
        print(
            f"rebuild: {done} articles in {t1 - t0:.1f} s = {done / (t1 - t0):.0f}/s; CPU: this process "
            f"{c1 - c0:.1f} s, token processes {cpu(resource.RUSAGE_CHILDREN):.1f} s; written "
            f"{(w1 - w0) / 1e9:.2f} GB; segments {segments}",
            flush=True,
        )
        # Queries: runs of 1-4 consecutive bigrams of the first 50 articles' tokens.
        rng = random.Random(5)
        cur.execute("SELECT packed FROM search_fts_source ORDER BY article_id LIMIT 50")
        grams = [
            g
            for (packed,) in cur.fetchall()
            for g in zlib.decompress(packed).decode().split("\x00", 1)[1].split()
        ]
        queries = []
        for _ in range(60):
            i, k = rng.randrange(len(grams) - 4), rng.choice([1, 2, 3, 4])
            run = grams[i : i + k]
            queries.append(run[0][0] if k == 1 else run[0] + "".join(g[-1] for g in run[1:]))
        times = []
        for _ in range(3):
            for q in queries:
                t = time.perf_counter()
                backend.search(parse(q))
                times.append(time.perf_counter() - t)
        times.sort()
        print(
            f"queries as the rebuild left it ({len(queries)} x 3): "
            f"p50 {statistics.median(times) * 1e3:.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)] * 1e3:.2f} ms",
            flush=True,
        )
        t2 = time.monotonic()
        cur.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        t3 = time.monotonic()
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%'")
        size = cur.fetchone()[0]
    print(
        f"optimize {t3 - t2:.1f} s, written (checkpoint included) {(written() - w1) / 1e9:.2f} GB; "
        f"index {size / 1e6:.0f} MB; load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
