"""What the search benches that compare versions or time statements share (search_ab.py,
search_pg_ab.py, search_slow.py): their query sets, drawn from the site's own text, the
backend module of an older checkout, and the A/B run of two versions (compare()).

Queries: n a class, pieces of the folded text of 200 random published articles: 1, 2, 3-4 and
5+ (5-8) Han characters; with `latin`, a Latin word or number of the text, and mixed is two
characters and a Latin word or a Traditional rendering of 2-4 characters; without, no Latin
class, and mixed is two 2-character pieces as two terms or a Traditional rendering. `latin`
left unsaid: with, if at least half the drawn articles hold a Latin word or number of 2+
characters (generated text: all of them), else without (real text: classical Chinese has none,
and in Lu Xun's prose, bench/search.py --text modern, a third of the works and 3% of the
paragraphs name a foreigner in Latin letters). Call after django.setup().
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from pathlib import Path
from types import ModuleType

from timing import pct

SIZES = {"1": (1, 1), "2": (2, 2), "3-4": (3, 4), "5+": (5, 8)}


def backends_before(checkout: Path) -> ModuleType:
    """zimei/search/backends.py of an older checkout (`git archive REV | tar -x -C DIR`), loaded
    beside the current one."""
    spec = importlib.util.spec_from_file_location(
        "zimei.search.backends_before", checkout / "zimei" / "search" / "backends.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def draw(rng: random.Random, n: int, *, latin: bool | None = None) -> dict[str, list[str]]:
    """n queries a class (above), keyed by class."""
    from zimei.articles.models import Article, ArticleBody
    from zimei.articles.sanitize import html_to_text
    from zimei.conversion.variants import HANT, convert, field_suffix
    from zimei.search.text import _RUN, fold

    ids = list(Article.objects.published().values_list("id", flat=True))
    runs, words = [], []
    drawn = rng.sample(ids, min(200, len(ids)))
    with_words = 0  # drawn articles holding a Latin word of 2+ characters
    for aid in drawn:
        a = Article.objects.get(id=aid)
        body = getattr(ArticleBody.objects.get(article_id=aid), f"body_{field_suffix(a.script)}")
        before = len(words)
        for m in _RUN.finditer(fold(html_to_text(body))):
            (runs if m.group(1) else words).append(m.group(0))
        with_words += any(len(w) >= 2 for w in words[before:])
    words = [w for w in words if len(w) >= 2]
    if latin is None:
        latin = bool(drawn) and with_words * 2 >= len(drawn)
    words = words or ["python"]

    def piece(lo: int, hi: int) -> str:
        while True:
            run, k = rng.choice(runs), rng.randint(lo, hi)
            if len(run) >= k:
                at = rng.randint(0, len(run) - k)
                return run[at : at + k]

    queries = {c: [piece(*b) for _ in range(n)] for c, b in SIZES.items()}
    if latin:
        queries["latin"] = [rng.choice(words) for _ in range(n)]
    second = (lambda: rng.choice(words)) if latin else (lambda: piece(2, 2))
    queries["mixed"] = [
        convert(piece(2, 4), HANT) if i % 2 else f"{piece(2, 2)} {second()}" for i in range(n)
    ]
    return queries


def ab_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments of search_ab.py and search_pg_ab.py: the older checkout, seed, n, --sort."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path, help="a checkout of the version before (git archive)")
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("n", type=int, nargs="?", default=30, help="queries a class (default 30)")
    parser.add_argument(
        "--sort", choices=["relevance", "time", "hot"], default="relevance", help="the timed page's order"
    )
    parser.add_argument("--latin", action="store_true", help="a Latin class too, and mixed with Latin words")
    parser.add_argument(
        "--cold", action="store_true", help="drop the page cache before each timed search (as root)"
    )
    return parser


def drop_caches() -> None:
    """The kernel's page cache dropped (as root), so that the next reads come from the disk."""
    import subprocess

    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def compare(
    old,
    new,
    queries: dict[str, list[str]],
    rng: random.Random,
    *,
    sort: str,
    channels: list[int],
    before_each=None,
) -> None:
    """Two versions of a backend, alternating per query in random order: each query as a
    reader's first page in `sort` order (timed); every fifth also as page 2 and narrowed to a
    channel in that order, and in one other order (newest first, or relevance when `sort` is
    an order). Prints p50/p95 of each version per class, how many pages (total, capped, ids)
    are identical, how many totals agree (or the new one says "at least" below the old one),
    how many the new version capped, the share of the old first pages' articles that the new
    ones hold too (overlap: 100% when the pages hold the same articles, in any order), and its
    slowest queries. `before_each`: called before each timed search (search_starts.py --cold
    drops the page cache)."""
    from zimei.search.backends import Filters
    from zimei.search.text import parse

    for q in queries.get("2", next(iter(queries.values())))[:5]:  # warm caches
        old.search(parse(q))
        new.search(parse(q))
    print(
        f"{'class':<6} {'before p50':>10} {'p95':>8} {'after p50':>10} {'p95':>8}  same pages  "
        "totals agree  capped  overlap"
    )
    same_all = total_all = 0
    for cls, qs in queries.items():
        t_old, t_new, same, agree, pages, capped, slow, overlap = [], [], 0, 0, 0, 0, [], []
        for i, q in enumerate(qs):
            parsed = parse(q)
            variants = [dict(limit=20, sort=sort)]
            if i % 5 == 0:
                variants += [
                    dict(limit=20, offset=20, sort=sort),
                    dict(limit=20, sort="time" if sort == "relevance" else "relevance"),
                    dict(limit=20, sort=sort, filters=Filters(channel_id=rng.choice(channels))),
                ]
            for k, kwargs in enumerate(variants):
                order = [(old, t_old), (new, t_new)]
                rng.shuffle(order)
                found = {}
                for backend, times in order:
                    if k == 0 and before_each is not None:
                        before_each()
                    t = time.perf_counter()
                    found[backend] = backend.search(parsed, **kwargs)
                    if k == 0:  # the reader's first page: timed
                        times.append(time.perf_counter() - t)
                a, b = found[old], found[new]
                if k == 0:
                    slow.append((t_new[-1], q, b.total))
                    if a.ids:
                        overlap.append(len(set(a.ids) & set(b.ids)) / len(a.ids))
                same += (a.total, a.capped, a.ids) == (b.total, b.capped, b.ids)
                agree += a.total == b.total or (b.capped and a.total > b.total)
                pages += 1
                capped += b.capped
        same_all, total_all = same_all + same, total_all + pages
        o50, o95, n50, n95 = (pct(t, p) * 1e3 for t in (t_old, t_new) for p in (0.5, 0.95))
        print(f"{cls:<6} {o50:8.2f}ms {o95:6.1f}ms {n50:8.2f}ms "
              f"{n95:6.1f}ms  {same:>4}/{pages:<4}  {agree:>6}/{pages:<4}  {capped:>6}  "
              f"{100 * sum(overlap) / max(len(overlap), 1):6.1f}%  slowest after: "
              + ", ".join(f"{q!r} {t * 1e3:.0f} ms ({n})" for t, q, n in sorted(slow)[-3:]))  # fmt: skip
    print(f"identical pages: {same_all}/{total_all}")
