"""Related articles: quality (precision@5 on planted topics) and the time to compute them.

    ZIMEI_DATA_DIR=/tmp/seed100k .venv/bin/python bench/related.py [--sample 200] [--new 60] [--seed 1]
    ZIMEI_DATA_DIR=/tmp/unique3k .venv/bin/python bench/related.py --build 3000

`zimei seed` makes its articles from three pooled bodies per topic, so articles on one topic
share their keywords exactly: an easy test. `--build N` instead publishes N distinct generated
articles (every text its own) through article_create/article_publish into an empty data folder
first, noting each one's planted topic in its import_key, and then measures on those.

Needs a data folder made by `zimei seed` (one run, on an empty database, with --seed SEED) and
its corpus statistics (the seed command makes them; else `zimei related rebuild --fingerprints`).

Quality: the seed generator plants a topic in every article (zimei/demo/bulk.py
`seeded_topics` replays its choices: the k-th seeded article by id is number k). For a sample
of published articles, half written in Simplified and half in Traditional, related articles
are computed afresh (related_compute, the function publish calls) and a recommended article
counts as relevant when its planted topic is the query's. precision@5 = relevant among the
first five / 5 (a list shorter than five counts its gaps as misses). Printed overall and per
script of the query.

Speed: N new articles (generated texts the corpus has not seen) go through what publish does
for related articles, in-process, after a warm-up: keywords, SimHash, near-duplicate lookup and
related_compute (reads only), and the whole related_index with its writes (rolled back).
Baselines in the same run: extract_keywords alone, and a primary-key read of one article.
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
from timing import ms_summary

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zimei.settings")


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=200, help="query articles (half of each script)")
    parser.add_argument("--new", type=int, default=60, help="new articles timed")
    parser.add_argument("--seed", type=int, default=1, help="the --seed the data folder was seeded with")
    parser.add_argument(
        "--build", type=int, default=0, help="first publish N distinct articles (empty folder)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    if args.build:
        _build(args.build)
    from django.db import connection, transaction

    from zimei.articles.models import Article
    from zimei.articles.sanitize import html_to_text
    from zimei.channels.models import Channel
    from zimei.conversion.variants import HANT
    from zimei.demo.bulk import seeded_topics
    from zimei.demo.text import plan_article
    from zimei.distribution.fingerprint import near_duplicates, simhash
    from zimei.distribution.keywords import extract_keywords
    from zimei.distribution.models import TermStat
    from zimei.distribution.related import corpus_stats, related_compute, related_index

    n_articles, _ = corpus_stats([])
    total = Article.objects.count()
    print(f"data folder: {os.environ.get('ZIMEI_DATA_DIR', '(default)')}  {connection.vendor}")
    print(f"articles: {total:,}   indexed (TermStat): {n_articles:,}   words: {TermStat.objects.count():,}")
    if not n_articles:
        sys.exit("no corpus statistics: run `zimei related rebuild --fingerprints` first")

    # --- quality ---------------------------------------------------------------------------
    ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    number = {aid: k for k, aid in enumerate(ids)}
    slugs = dict(Channel.objects.values_list("id", "slug"))

    planted = dict(Article.objects.filter(import_key__startswith="topic:").values_list("id", "import_key"))

    def topic(aid: int) -> str:
        if planted:
            return planted[aid].removeprefix("topic:")
        return seeded_topics(args.seed, number[aid], 1)[0]

    rng = random.Random(4)
    by_script: dict[str, list[int]] = {}
    for script in ("zh-hans", "zh-hant"):
        published = Article.objects.filter(status=Article.Status.PUBLISHED, script=script)
        pool = list(published.values_list("id", flat=True)[:200_000])
        by_script[script] = rng.sample(pool, min(len(pool), args.sample // 2))
    # The replayed topic must agree with the stored channel, or the folder isn't one seed run.
    check = [a for s in by_script.values() for a in s[:20]]
    rows = dict(Article.objects.filter(id__in=check).values_list("id", "channel_id"))
    wrong = [a for a in check if topic(a).split("/")[0] != slugs[rows[a]]]
    if wrong:
        sys.exit(
            f"planted topics do not replay (ids {wrong[:5]}): not one `zimei seed --seed {args.seed}` run"
        )

    print(f"\nprecision@5 over {sum(map(len, by_script.values()))} query articles (related computed afresh)")
    results: dict[str, list[float]] = {}
    fields = ("id", "author_id", "channel_id", "title", "title_hans", "keywords", "simhash")
    now = None
    for script, sample in by_script.items():
        precisions = []
        for a in Article.objects.filter(id__in=sample).only(*fields):
            got = related_compute(a, now=now)[:5]
            want = topic(a.id)
            precisions.append(sum(topic(r) == want for r in got) / 5)
        results[script] = precisions
        print(f"  queries in {script}: {len(precisions):4d}   precision@5 {statistics.fmean(precisions):.3f}")
    everything = [p for ps in results.values() for p in ps]
    print(f"  all:              {len(everything):4d}   precision@5 {statistics.fmean(everything):.3f}")

    # --- speed -----------------------------------------------------------------------------
    some = Article.objects.filter(status=Article.Status.PUBLISHED).order_by("-id").first()
    texts = []
    for i in range(args.new + 5):
        plan = plan_article(777, 10_000_000 + i)
        plan.blocks[:] = [b for b in plan.blocks if b[0] != "img"]
        texts.append((plan.title, html_to_text(plan.body_html([])), plan.script))
    t_kw, t_read, t_compute, t_index = [], [], [], []
    probe_ids = rng.sample(ids, len(texts))
    for k, (title, text, script) in enumerate(texts):
        t0 = time.perf_counter()
        extract_keywords(title, text)
        t1 = time.perf_counter()
        Article.objects.only("id", "title").get(pk=probe_ids[k])
        t2 = time.perf_counter()
        # what publish does for related articles, reads only
        art = Article(author_id=some.author_id, channel_id=some.channel_id, title=title, title_hans=title)
        art.keywords = [[w, s] for w, s in extract_keywords(title, text)]
        art.simhash = simhash(text)
        near_duplicates(art.simhash)
        related_compute(art)
        t3 = time.perf_counter()
        # the whole of it with its writes (keyword rows, TermStat, fingerprint), rolled back
        try:
            with transaction.atomic():
                new = Article.objects.create(
                    author_id=some.author_id,
                    channel_id=some.channel_id,
                    status=Article.Status.PUBLISHED,
                    title=title,
                    title_hans=title,
                    script=HANT if script == HANT else "zh-hans",
                )
                t4 = time.perf_counter()
                related_index(new, text=text)
                t5 = time.perf_counter()
                raise Rollback
        except Rollback:
            pass
        if k >= 5:  # warm-up
            t_kw.append(t1 - t0)
            t_read.append(t2 - t1)
            t_compute.append(t3 - t2)
            t_index.append(t5 - t4)
    print(f"\ntime for one new article ({len(t_kw)} articles after 5 warm-up, in-process)")
    print(f"  baseline: primary-key read          {ms_summary(t_read)}")
    print(f"  baseline: extract_keywords alone    {ms_summary(t_kw)}")
    print(f"  keywords+simhash+near-dups+related  {ms_summary(t_compute)}")
    print(f"  related_index with writes (publish) {ms_summary(t_index)}")
    ratio = statistics.median(t_compute) / statistics.median(t_kw)
    print(f"  compute / extract_keywords: {ratio:.2f}x")


def _build(count: int) -> None:
    """Publish `count` distinct generated articles (60 days, 66 trusted creators) into an
    empty data folder, through the real services, each with its planted topic in import_key."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from tqdm import tqdm

    from zimei.accounts.models import User
    from zimei.accounts.services import creator_create
    from zimei.articles.models import Article
    from zimei.articles.services import ArticleInput, article_create, article_publish
    from zimei.channels.models import Channel
    from zimei.demo.text import CHANNEL_SLUGS, plan_article

    call_command("migrate", interactive=False, verbosity=0)
    if Article.objects.exists():
        sys.exit("--build needs an empty data folder")
    channels = {c.slug: c for c in Channel.objects.all()}
    authors: dict[str, list] = {}
    for j in range(66):
        slug = CHANNEL_SLUGS[j % len(CHANNEL_SLUGS)]
        user = User.objects.create_user(f"bench{j:02d}", password=None, role=User.Role.CREATOR)
        authors.setdefault(slug, []).append(
            creator_create(
                user=user, pen_name=f"作者{j:02d}", tagline="测试", channel=channels[slug], trusted=True
            )
        )
    now = timezone.now()
    rng = random.Random(9)
    for i in tqdm(range(count), desc="publish", unit="art"):
        plan = plan_article(31, i, days=60)
        plan.blocks[:] = [b for b in plan.blocks if b[0] != "img"]
        author = rng.choice(authors[plan.channel])
        data = ArticleInput(title=plan.title, body_html=plan.body_html([]), channel=plan.channel)
        article = article_create(author=author, data=data)
        article_publish(
            article=article, actor=author.user, when=now - timedelta(days=60) + timedelta(days=60 * i / count)
        )
        Article.objects.filter(pk=article.pk).update(import_key=f"topic:{plan.topic}")


if __name__ == "__main__":
    main()
