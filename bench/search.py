"""Search (zimei/search, docs/search.md): index build rate and size, query time per query class
against a LIKE '%q%' baseline in the same run, and recall against substring ground truth.

    .venv/bin/python bench/search.py --articles 10000                       # SQLite, temp folder
    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/search.py --articles 100000
    ZIMEI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search \\
        .venv/bin/python bench/search.py --articles 10000                   # PostgreSQL

The data folder (or database) is seeded up to --articles with `zimei seed`'s generator
(zimei/demo/bulk.py) when it holds fewer (`--text generated`, the default), or filled with real
text nobody on the project wrote (bench/data/SOURCES.md): `--text real`, articles of
~1,500-3,000 characters from bench/data/search_real.jsonl.xz, classical verse and prose from the
chinese-poetry repository; `--text real-short`, every piece of it, a poem or a chapter, an
article of its own; `--text modern`, modern vernacular prose, the works of 鲁迅 (Lu Xun: stories,
essays, prose poems, memoirs; 290 works, 7,170 paragraphs, 0.64 million characters, from
bench/data/search_modern.jsonl.xz, built by bench/search_corpus_modern.py), one article a work,
its title once at the top; `--text modern-short`, every paragraph an article of its own, titled
with its work's title (the first N are in the order the collections came out: 呐喊, 热风, 华盖集,
彷徨, ...). `--corpus` names another file of the same format (the full chinese-poetry set built
by bench/search_corpus.py). Real text is never repeated: asking for more articles than the
corpus holds gives the corpus. Use a fresh data
folder (or database) per kind of text; then the index is built with what `zimei search
rebuild` runs (timed: articles/s; --workers N as its --workers; then, timed apart, the merge
of SQLite's segments that the rebuild ends with, or PostgreSQL's VACUUM ANALYZE), and one new
article is indexed --new times (ms each, rolled back).

Queries are pieces of the articles' own text (seeded demo text: pooled generated bodies, so many
articles share a body and common queries match thousands), drawn per class: 1 character, 2,
3-4, 5+ (Han runs), Latin (a Latin word or number of the text), mixed (two Han characters and
a Latin word, or a Traditional rendering of a 2-4 character piece: script folding). On real
text (no Latin in it) the Latin class is left out and mixed is two 2-character pieces of one
article as two terms, or a Traditional rendering of a 2-4 character piece (most of the
classical text is itself Traditional: every Simplified query of it crosses scripts). Lu Xun's
prose is real text too: no Latin class, though a few of its paragraphs name a foreigner in
Latin letters. Each query
is timed as a reader's first page: count + 20 best (relevance with freshness), through
search_backend(); the baseline is the same page by LIKE '%q%' over title, summary and body in
the reader's script (what Django admin's search or WordPress do), newest first: --like N
queries a class (each reads every article: at 500k, minutes), --like-last after recall.

The "hits" column is the total a reader is shown: counted up to ZIMEI_SEARCH_COUNT_MAX (1,000;
set it to 0 for exact counts, which costs a pass over every match of a common query).

Recall: for --recall queries per class, every article whose folded title+summary+body holds
every term of the query (substring ground truth over the whole corpus, in Python) against
everything the backend finds (no page limit). Precision the same way.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if "ZIMEI_DATA_DIR" not in os.environ:
    os.environ["ZIMEI_DATA_DIR"] = tempfile.mkdtemp(prefix="zimei-bench-search-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")

from timing import pct

CLASSES = ("1", "2", "3-4", "5+", "latin", "mixed")
REAL_CORPUS = Path(__file__).resolve().parent / "data" / "search_real.jsonl.xz"
MODERN_CORPUS = Path(__file__).resolve().parent / "data" / "search_modern.jsonl.xz"


def real_articles(
    path: Path, short: bool, *, one_title: bool = False
) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, pieces) of every real-text article; `short`: every piece an article alone;
    `one_title`: only an article's first piece keeps its title (modern prose, where every
    piece, a paragraph, carries its work's title: a whole work shows it once)."""
    import json
    import lzma

    if not path.exists():
        sys.exit(
            f"{path} is missing: build it with bench/search_corpus.py or bench/search_corpus_modern.py "
            "(bench/data/SOURCES.md)"
        )
    out = []
    with lzma.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            if short:
                out += [((t or a["author"])[:60], [(t, x)]) for t, x in a["pieces"]]
            else:
                pieces = [(t if i == 0 or not one_title else "", x) for i, (t, x) in enumerate(a["pieces"])]
                out.append((a["title"], pieces))
    return out


def seed_real(articles: list[tuple[str, list[tuple[str, str]]]], seed: int) -> None:
    """Published articles of real text, each in the script it is written in, spread over the
    last 30 days, by max(10, n/200) creators, in bulk (as `zimei seed` writes)."""
    from datetime import timedelta
    from html import escape

    from django.db import transaction
    from django.utils import timezone

    from zimei.articles.models import Article, ArticleBody
    from zimei.channels.models import Channel
    from zimei.conversion.variants import HANS, HANT, HK, convert, convert_html, detect_script
    from zimei.demo.bulk import _new_creators

    rng = random.Random(seed)
    channels = dict(Channel.objects.values_list("slug", "id"))
    with transaction.atomic():
        authors = [p.id for p in _new_creators(max(10, len(articles) // 200), channels, 5000)]
    channel_ids = list(channels.values())
    now = timezone.now()
    for start in range(0, len(articles), 2000):
        rows = []
        for title, pieces in articles[start : start + 2000]:
            html = "".join((f"<h2>{escape(t)}</h2>" if t else "") + f"<p>{escape(x)}</p>" for t, x in pieces)
            text = "".join(x for _, x in pieces)
            script = detect_script(title + text)
            summary = text[:120]
            when = now - timedelta(seconds=30 * 86400 * rng.random())
            rows.append(
                Article(
                    author_id=rng.choice(authors),
                    channel_id=rng.choice(channel_ids),
                    status=Article.Status.PUBLISHED,
                    title=title[:64],
                    summary=summary,
                    body_html=html,
                    script=script,
                    title_hans=convert(title, HANS, source=script)[:128],
                    title_hant=convert(title, HANT)[:128],
                    title_hk=convert(title, HK)[:128],
                    summary_hans=convert(summary, HANS, source=script),
                    summary_hant=convert(summary, HANT),
                    summary_hk=convert(summary, HK),
                    body_hans=convert_html(html, HANS, source=script),
                    body_hant=convert_html(html, HANT),
                    body_hk=convert_html(html, HK),
                    published_at=when,
                )
            )
        with transaction.atomic():
            rows = Article.objects.bulk_create(rows)
            ArticleBody.objects.bulk_create([row.body for row in rows])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=10000, help="seed up to this many articles")
    parser.add_argument("--queries", type=int, default=40, help="timed queries per class")
    parser.add_argument("--recall", type=int, default=15, help="recall queries per class")
    parser.add_argument("--new", type=int, default=30, help="single-article index times")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-like", action="store_true", help="skip the LIKE baseline")
    parser.add_argument(
        "--like",
        type=int,
        default=0,
        metavar="N",
        help="LIKE queries per class (default: a quarter of --queries, at least 5; each reads every article)",
    )
    parser.add_argument(
        "--like-last",
        action="store_true",
        help="the LIKE baseline in a table of its own after recall (large sites: minutes a query)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="rebuild with N token processes (zimei search rebuild --workers)",
    )
    parser.add_argument("--progress", action="store_true", help="progress bars (seeding, indexing) on stderr")
    parser.add_argument(
        "--keep-index", action="store_true", help="measure the index as it is (no rebuild, no merge)"
    )
    parser.add_argument(
        "--text",
        choices=("generated", "real", "real-short", "modern", "modern-short"),
        default="generated",
        help="what the articles are: the demo generator's text, or real text (see above)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="real text: JSON lines, xz (default: data/search_real.jsonl.xz, data/search_modern.jsonl.xz "
        "for modern)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Q

    from zimei.articles.models import Article, ArticleBody
    from zimei.articles.sanitize import html_to_text
    from zimei.conversion.variants import HANT, VARIANTS, convert, field_suffix
    from zimei.demo.bulk import seed_bulk
    from zimei.search.backends import SqliteBackend, search_backend
    from zimei.search.services import search_index, search_rebuild
    from zimei.search.text import _RUN, fold, parse

    call_command("migrate", verbosity=0)
    have = Article.objects.count()
    if args.text != "generated":
        modern = args.text.startswith("modern")
        args.corpus = args.corpus or (MODERN_CORPUS if modern else REAL_CORPUS)
        real = real_articles(args.corpus, short=args.text.endswith("-short"), one_title=modern)
        chars = sum(len(x) for _, pieces in real for _, x in pieces)
        each = chars / len(real)
        print(f"real text: {len(real)} articles ({each:,.0f} characters each) in {args.corpus.name}")
        if have == 0:
            if args.articles > len(real):
                print(f"asked for {args.articles}: the corpus has {len(real)}, never repeated")
            t = time.monotonic()
            seed_real(real[: args.articles], args.seed)
            print(f"wrote {min(args.articles, len(real))} articles in {time.monotonic() - t:.1f} s")
        elif have < min(args.articles, len(real)):
            sys.exit("this data folder holds other articles: use a fresh one for real text")
    elif have < args.articles:
        t = time.monotonic()
        seed_bulk(
            articles=args.articles - have,
            creators=max(10, args.articles // 200),
            progress=args.progress,
            search=False,
        )
        print(f"seeded {args.articles - have} articles in {time.monotonic() - t:.1f} s")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE")  # as autovacuum would have by now
        elif not args.keep_index:  # (an ANALYZE reads every table: minutes at 1,000,000)
            cur.execute("ANALYZE")
            SqliteBackend.correct_statistics(cur)  # (the index is empty here: docs/search.md)
    backend = search_backend()
    n = Article.objects.published().count()
    print(f"database: {connection.vendor}  published articles: {n}  backend: {type(backend).__name__}")

    # --- build -----------------------------------------------------------------------------
    def size() -> int:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute(  # the table, or its partitions (with their indexes and TOAST)
                    "SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE oid = %(t)s::regclass "
                    "OR oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %(t)s::regclass)",
                    {"t": "search_document"},
                )
                return int(cur.fetchone()[0] or 0)
            try:
                cur.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%'")
                return cur.fetchone()[0] or 0
            except Exception:
                return 0

    if not args.keep_index:
        with transaction.atomic():
            backend.clear()
    t = time.monotonic()
    done = (
        0 if args.keep_index else search_rebuild(batch=1000, workers=args.workers, progress=args.progress)[0]
    )
    build = time.monotonic() - t
    t = time.monotonic()
    if args.keep_index:  # as it is: no merge either
        pass
    elif connection.vendor == "sqlite":
        backend.merge(progress=args.progress)  # as `zimei search rebuild` ends
    else:
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE search_document")
    tidy = time.monotonic() - t
    tidy_what = "merge" if connection.vendor == "sqlite" else "VACUUM ANALYZE"
    if done:
        print(
            f"index built: {done} articles in {build:.1f} s = {done / build:,.0f} articles/s "
            f"({args.workers} token process(es)); then {tidy_what} "
            f"{tidy:.1f} s: {done / (build + tidy):,.0f} articles/s in all"
        )
    print(f"index size {size() / 1e6:.1f} MB", flush=True)

    sample = list(Article.objects.published().order_by("?").values_list("id", flat=True)[: args.new])
    times = []
    for aid in sample:
        art = Article.objects.get(id=aid)
        try:
            with transaction.atomic():
                t = time.perf_counter()
                search_index(article=art)
                times.append(time.perf_counter() - t)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    print(f"indexing one article (tokens + write): p50 {statistics.median(times) * 1e3:.2f} ms  "
          f"p95 {pct(times, 0.95) * 1e3:.2f} ms")  # fmt: skip

    # --- corpus text, folded (ground truth) ------------------------------------------------
    # What the author wrote (the stored rendering in the article's own script), as indexed.
    heads_fields = [f"{f}_{field_suffix(v)}" for f in ("title", "summary") for v in VARIANTS]
    body_fields = [f"body_{field_suffix(v)}" for v in VARIANTS]
    t = time.monotonic()
    texts: dict[int, str] = {}
    heads = {
        a.id: (a.in_variant("title", a.script), a.in_variant("summary", a.script))
        for a in Article.objects.published().only("id", "script", *heads_fields).iterator(chunk_size=2000)
    }
    scripts = dict(Article.objects.published().values_list("id", "script"))
    plain_cache: dict[int, str] = {}  # pooled bodies repeat: fold each distinct body once
    # Bodies by primary key, 2,000 at a time: joined to the article rows in one statement, at
    # 1,000,000 articles PostgreSQL's join spilled more than the disk had free to temp files.
    published = sorted(heads)
    bodies = (
        b
        for start in range(0, len(published), 2000)
        for b in ArticleBody.objects.filter(article_id__in=published[start : start + 2000]).only(
            "article_id", *body_fields
        )
    )
    for b in bodies:
        title, summary = heads[b.article_id]
        body = getattr(b, f"body_{field_suffix(scripts[b.article_id])}")
        key = hash(body)
        if key not in plain_cache:
            plain_cache[key] = fold(html_to_text(body))
        texts[b.article_id] = fold(title) + "\n" + fold(summary) + "\n" + plain_cache[key]
    print(f"ground truth text folded in {time.monotonic() - t:.1f} s ({len(plain_cache)} distinct bodies)")

    # --- query sets ------------------------------------------------------------------------
    rng = random.Random(args.seed)
    ids = list(texts)
    han_runs: list[str] = []
    latin: list[str] = []
    for aid in rng.sample(ids, min(400, len(ids))):
        for m in _RUN.finditer(texts[aid]):
            (han_runs if m.group(1) else latin).append(m.group(0))
    latin = [w for w in latin if len(w) >= 2]
    if args.text != "generated":
        latin = []  # real text: no Latin class (Lu Xun's prose names a foreigner now and then)
    classes = CLASSES if latin else tuple(c for c in CLASSES if c != "latin")

    def piece(lo: int, hi: int) -> str:
        while True:
            run = rng.choice(han_runs)
            size_ = rng.randint(lo, hi)
            if len(run) >= size_:
                at = rng.randint(0, len(run) - size_)
                return run[at : at + size_]

    def make(cls: str) -> str:
        if cls == "1":
            return piece(1, 1)
        if cls == "2":
            return piece(2, 2)
        if cls == "3-4":
            return piece(3, 4)
        if cls == "5+":
            return piece(5, 8)
        if cls == "latin":
            return rng.choice(latin)
        if rng.random() < 0.5:
            if latin:
                return piece(2, 2) + " " + rng.choice(latin)
            runs: list[str] = []
            while not runs:  # two pieces of one article, two terms (the paragraph 一 of 药 has none)
                text = texts[rng.choice(ids)]
                runs = [m.group(0) for m in _RUN.finditer(text) if m.group(1) and len(m.group(0)) >= 2]
            a, b = rng.choice(runs), rng.choice(runs)
            i, j = rng.randrange(len(a) - 1), rng.randrange(len(b) - 1)
            return a[i : i + 2] + " " + b[j : j + 2]
        return convert(piece(2, 4), HANT)  # a Traditional query for (mostly) Simplified text

    queries = {cls: [make(cls) for _ in range(args.queries)] for cls in classes}

    # --- timing ----------------------------------------------------------------------------
    def timed_search(q: str) -> tuple[float, int]:
        t = time.perf_counter()
        found = backend.search(parse(q), limit=20)
        return time.perf_counter() - t, found.total

    def timed_like(q: str) -> tuple[float, int]:
        t = time.perf_counter()
        cond = Q()
        for term in q.split():
            cond &= (
                Q(title_hans__contains=term)
                | Q(summary_hans__contains=term)
                | Q(text__body_hans__contains=term)
            )
        qs = Article.objects.published().filter(cond)
        total = qs.count()
        list(qs.order_by("-published_at").values_list("id", flat=True)[:20])
        return time.perf_counter() - t, total

    for q in queries["2"][:5]:  # warm caches
        timed_search(q)
    print()
    print(f"{'class':<7} {'search p50':>11} {'p95':>8} {'max':>8}   {'LIKE p50':>9} {'p95':>8}   "
          f"{'hits p50':>8}  example")  # fmt: skip
    for cls in classes:
        st, sh = zip(*(timed_search(q) for q in queries[cls]), strict=True)
        line = f"{cls:<7} {statistics.median(st) * 1e3:9.2f}ms {pct(st, 0.95) * 1e3:6.1f}ms"
        line += f" {max(st) * 1e3:6.1f}ms"
        if not args.no_like and not args.like_last:
            lt, _ = zip(
                *(timed_like(q) for q in queries[cls][: args.like or max(5, args.queries // 4)]), strict=True
            )
            line += f"   {statistics.median(lt) * 1e3:7.1f}ms {pct(lt, 0.95) * 1e3:6.1f}ms"
        else:
            line += " " * 22
        slow = max(zip(st, queries[cls], sh, strict=True))
        line += f"   {statistics.median(sh):8.0f}  {queries[cls][0]!r}"
        print(f"{line}  slowest: {slow[1]!r} {slow[0] * 1e3:.0f} ms ({slow[2]})", flush=True)

    # --- recall ----------------------------------------------------------------------------
    print()
    print(f"{'class':<7} {'recall':>8} {'precision':>10}  queries  (ground truth: substring of folded text)")
    for cls in classes:
        rec, prec = [], []
        for q in queries[cls][: args.recall]:
            parsed = parse(q)
            terms = [t.text for t in parsed.terms]
            truth = {i for i, text in texts.items() if all(t in text for t in terms)}
            got = set(backend.search(parsed, sort="time", limit=10**9).ids)  # no rank window
            if truth:
                rec.append(len(truth & got) / len(truth))
            if got:
                prec.append(len(truth & got) / len(got))
        r = f"{statistics.mean(rec) * 100:7.2f}%" if rec else "      -"
        p = f"{statistics.mean(prec) * 100:9.2f}%" if prec else "        -"
        print(f"{cls:<7} {r} {p}  {len(rec)}", flush=True)

    if args.like_last and not args.no_like:
        print()
        print(f"{'class':<7} {'LIKE p50':>9} {'p95':>8}  queries  (the first of each class above)")
        for cls in classes:
            some = queries[cls][: args.like or max(5, args.queries // 4)]
            lt, _ = zip(*(timed_like(q) for q in some), strict=True)
            print(
                f"{cls:<7} {statistics.median(lt) * 1e3:7.1f}ms {pct(lt, 0.95) * 1e3:6.1f}ms  {len(lt)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
