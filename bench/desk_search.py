"""The desk's article search (docs/search.md, "In the desk"): an editor's query timed as the
desk's first tab (the count and a page of 50, recently edited first), through the title index
(search_title_fts / search_title), against the LIKE the desk ran before over every article row
(each term's four spellings in the three published titles, the working title where editors may
read it, the pen name and the username) in the same run; and how far the two agree.

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/desk_search.py
    ZIMEI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python bench/desk_search.py

Run on a site that exists (bench/search.py seeds one; bench/grow.py grows it): migrations run
first, so an older site gets its title index filled by its migration (timed, printed). Queries
are drawn from the site's own titles (random ids): 1 character, 2, 3-4, 5+ (pieces of a
title's Han runs), Latin (a word or number of a title), Traditional (a 2-4 character piece of a
title's Taiwan rendering), an author's pen name, and a phrase of rare characters found nowhere.
--cold drops the kernel's page cache before each query (root: /proc/sys/vm/drop_caches).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from timing import pct

NOWHERE = ["齉龘靐", "鱻麤毳 犇", "龘靐齉麤"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=20, help="timed queries per class (title index)")
    parser.add_argument(
        "--like", type=int, default=3, metavar="N", help="of those, timed by the LIKE too (0: none)"
    )
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each query")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.db.models import Q

    from zimei.accounts.models import CreatorProfile
    from zimei.articles.models import Article
    from zimei.articles.selectors import articles_for_editor
    from zimei.search.selectors import articles_matching_for_editor, number_in, text_condition
    from zimei.search.text import _RUN, Query, parse

    t = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.monotonic() - t:.1f} s (fills the title index of a site made before it)")
    print(f"database: {connection.vendor}  articles: {Article.objects.count()}")

    rng = random.Random(args.seed)
    top = Article.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def titles(n: int) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        while len(out) < n:
            row = (
                Article.objects.filter(id__gte=rng.randint(1, top))
                .order_by("id")
                .values_list("title_hans", "title_hant")
                .first()
            )
            if row and row[0]:
                out.append(row)
        return out

    def pieces(texts: list[str], lengths: range) -> list[str]:
        runs = [r for t in texts for r, _ in _RUN.findall(t) if len(r) >= lengths.start]
        out: list[str] = []
        while len(out) < args.queries:
            run = rng.choice(runs)
            n = min(rng.choice(lengths), len(run))
            start = rng.randrange(len(run) - n + 1)
            out.append(run[start : start + n])
        return out

    sample = titles(max(200, args.queries * 4))
    hans, hant = [h for h, _ in sample], [t for _, t in sample]
    latin = [w for h in hans for _, w in _RUN.findall(h.lower()) if w]
    pens = list(CreatorProfile.objects.exclude(pen_name="").values_list("pen_name", flat=True)[:500])
    classes = {
        "1": pieces(hans, range(1, 2)),
        "2": pieces(hans, range(2, 3)),
        "3-4": pieces(hans, range(3, 5)),
        "5+": pieces(hans, range(5, 9)),
        "latin": [rng.choice(latin) for _ in range(args.queries)] if latin else [],
        "traditional": pieces(hant, range(2, 5)),
        "pen name": [rng.choice(pens) for _ in range(args.queries)] if pens else [],
        "nowhere": [NOWHERE[i % len(NOWHERE)] for i in range(args.queries)],
    }

    def like_matching(query: Query):
        """The desk's search before the title index (its selector as it was), for the baseline."""
        submitted = (
            Q(status__in=[Article.Status.PENDING, Article.Status.REJECTED, Article.Status.CHANGES])
            | Q(status=Article.Status.PUBLISHED, edit_pending=True)
            | Q(published_at__isnull=True)
        )
        match = Q()
        for term in query.terms:
            one = Query(raw=term.text, text=term.text, terms=[term])
            either = text_condition(
                one, "title_hans", "title_hant", "title_hk", "author__pen_name", "author__user__username"
            )
            either |= text_condition(one, "title") & submitted
            match &= either
        if (number := number_in(query)) is not None:
            match |= Q(id=number)
        return articles_for_editor().filter(match).order_by("-updated_at", "-id")

    def drop() -> None:
        if args.cold:
            os.sync()
            Path("/proc/sys/vm/drop_caches").write_text("3\n")

    def first_tab(select, q: str) -> tuple[float, int, list[int]]:
        drop()
        t0 = time.perf_counter()
        rows = select(parse(q))
        count = rows.count()
        paginator = Paginator(rows, 50)
        paginator.count = count  # as the desk's view: counted once
        page = [a.id for a in paginator.get_page(1).object_list]
        return time.perf_counter() - t0, count, page

    print(
        f"\n{'class':12} {'index p50 / p95 ms':>22} {'hits p50':>9}   {'LIKE p50 / max ms':>20}  counts agree"
    )
    for name, qs in classes.items():
        if not qs:
            continue
        index = [first_tab(articles_matching_for_editor, q) for q in qs]
        times = [s for s, _, _ in index]
        hits = statistics.median(c for _, c, _ in index)
        cell = ""
        if args.like:
            like = [first_tab(like_matching, q) for q in qs[: args.like]]
            agree = sum(a[1] == b[1] for a, b in zip(index, like, strict=False))
            lt = [s for s, _, _ in like]
            cell = f"{statistics.median(lt) * 1e3:10.1f} / {max(lt) * 1e3:8.1f}  {agree}/{len(like)}"
            for q, a, b in zip(qs, index, like, strict=False):
                if a[1] != b[1]:
                    cell += f"  [{q}: {a[1]} vs {b[1]}]"
        p50, p95 = statistics.median(times) * 1e3, pct(times, 0.95) * 1e3
        print(f"{name:12} {p50:10.1f} / {p95:9.1f} {hits:9.0f}   {cell}")


if __name__ == "__main__":
    main()
