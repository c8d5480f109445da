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

import importlib.util
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1e3


def main() -> None:
    before = Path(sys.argv[1]) / "zimei" / "search" / "backends.py"
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 30

    import django

    django.setup()
    from zimei.articles.models import Article, ArticleBody
    from zimei.articles.sanitize import html_to_text
    from zimei.conversion.variants import HANT, convert, field_suffix
    from zimei.search.backends import SqliteBackend
    from zimei.search.text import _RUN, fold, parse

    spec = importlib.util.spec_from_file_location("zimei.search.backends_before", before)
    old_module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = old_module
    spec.loader.exec_module(old_module)
    old, new = old_module.SqliteBackend(), SqliteBackend()

    ids = list(Article.objects.published().values_list("id", flat=True))
    runs = []
    for aid in rng.sample(ids, min(200, len(ids))):
        a = Article.objects.get(id=aid)
        body = getattr(ArticleBody.objects.get(article_id=aid), f"body_{field_suffix(a.script)}")
        runs += [m.group(0) for m in _RUN.finditer(fold(html_to_text(body))) if m.group(1)]

    def piece(lo: int, hi: int) -> str:
        while True:
            run, k = rng.choice(runs), rng.randint(lo, hi)
            if len(run) >= k:
                at = rng.randint(0, len(run) - k)
                return run[at : at + k]

    sizes = {"1": (1, 1), "2": (2, 2), "3-4": (3, 4), "5+": (5, 8)}
    queries = {c: [piece(*b) for _ in range(n)] for c, b in sizes.items()}
    queries["mixed"] = [
        convert(piece(2, 4), HANT) if i % 2 else f"{piece(2, 2)} {piece(2, 2)}" for i in range(n)
    ]
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
        print(f"{cls:<6} {pct(t_old, 0.5):8.2f}ms {pct(t_old, 0.95):6.1f}ms {pct(t_new, 0.5):8.2f}ms "
              f"{pct(t_new, 0.95):6.1f}ms  {agree:>5}/{len(qs)}  {capped:>6}")  # fmt: skip


if __name__ == "__main__":
    main()
