"""Search on SQLite, before and after a change to the backend: the same index, the same queries,
the two versions of SqliteBackend.search alternating per query (in random order), so that the
load of a shared machine falls on both alike.

    git archive 30a8322 | tar -x -C /tmp/sb-base          # the version to compare against
    ZIMEI_DATA_DIR=/tmp/sb-gen30k .venv/bin/python bench/search_ab.py /tmp/sb-base [seed] [n]

Queries: n a class (1, 2, 3-4, 5+ characters, mixed: two 2-character terms or a Traditional
rendering), pieces of the folded text of 200 random articles of the data folder. Prints p50/p95
of each version, how many totals agree (or the new one says "at least" below the old exact one),
and how many totals the new version capped.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from search_queries import backends_before, draw
from timing import pct


def main() -> None:
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 30

    import django

    django.setup()
    from zimei.search.backends import SqliteBackend
    from zimei.search.text import parse

    old, new = backends_before(Path(sys.argv[1])).SqliteBackend(), SqliteBackend()
    queries = draw(rng, n, latin=False)
    for q in queries["2"][:5]:  # warm caches
        old.search(parse(q))
        new.search(parse(q))
    print(f"{'class':<6} {'before p50':>10} {'p95':>8} {'after p50':>10} {'p95':>8}  totals agree  capped")
    for cls, qs in queries.items():
        t_old, t_new, agree, capped = [], [], 0, 0
        for q in qs:
            parsed = parse(q)
            order = [(old, t_old), (new, t_new)]
            rng.shuffle(order)
            found = {}
            for backend, times in order:
                t = time.perf_counter()
                found[backend] = backend.search(parsed, limit=20)
                times.append(time.perf_counter() - t)
            a, b = found[old], found[new]
            agree += a.total == b.total or (b.capped and a.total > b.total)
            capped += b.capped
        o50, o95, n50, n95 = (pct(t, p) * 1e3 for t in (t_old, t_new) for p in (0.5, 0.95))
        print(f"{cls:<6} {o50:8.2f}ms {o95:6.1f}ms {n50:8.2f}ms "
              f"{n95:6.1f}ms  {agree:>5}/{len(qs)}  {capped:>6}")  # fmt: skip


if __name__ == "__main__":
    main()
