"""`zimei seed`: the demo generator at benchmark sizes (up to millions of articles), in bulk.

Streaming: articles are generated and written `batch` at a time (bulk_create), so memory stays
flat whatever the size. Per-article work is kept cheap by pooling the expensive parts:

* Bodies: a pool of POOL_HANS + POOL_HANT generated articles per topic (the same
  plan_article as the demo), each sanitised, converted to both scripts (OpenCC) and indexed
  (extract_keywords) once; a seeded article takes one of its topic's pooled bodies, with its
  summaries and keywords. ~15% of seeded articles take a Traditional body.
* Titles are generated per article (the same headline templates) and converted per article.
* Pictures: POOL_PICTURES pictures drawn once per run (owned by the run's first creator) and
  shared by the pooled bodies and the covers.
* Related articles (related_ids), computed cheaply and honestly from the same signal as
  `related_compute` (shared keyword weight, ×1.5 for the same channel): the pooled bodies
  are ranked against each other once by that score, and an article's related list is the most
  recently seeded articles of the best-ranked other pooled bodies (never a copy of its own), as
  `article_publish` would see it (only articles written before it). It ignores articles that
  existed before the run and the freshness and same-author factors.

Not made: revisions (no edit history), follows. ArticleKeyword rows are written for every
article; creators' article_count (and attention) are recounted at the end.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate

from django.db import connections, transaction
from django.utils import timezone
from tqdm import tqdm

from zimei.accounts.models import CreatorProfile, User
from zimei.accounts.usernames import username_skeleton
from zimei.articles.images import cover_sizes_make
from zimei.articles.models import Article, ArticleBody, Image
from zimei.articles.sanitize import html_to_text, sanitize_body
from zimei.articles.services import image_create
from zimei.channels.models import Channel
from zimei.conversion.variants import HANS, HANT, HK, convert, convert_html, detect_script
from zimei.distribution.creators import creators_counts_refresh
from zimei.distribution.hot import rebuilt_log
from zimei.distribution.keywords import extract_keywords
from zimei.distribution.models import ArticleKeyword
from zimei.distribution.related import fingerprints_rebuild, termstat_rebuild
from zimei.search.services import search_rebuild

from . import phrases
from .pictures import KINDS, draw_picture
from .text import (
    CHANNEL_SLUGS,
    TOPICS,
    Topic,
    _title,
    _Writer,
    engagement,
    pick_channel,
    pick_topic,
    plan_article,
    tagline,
)

POOL_HANS = 2  # pooled Simplified bodies per topic
POOL_HANT = 1  # pooled Traditional bodies per topic
POOL_PICTURES = 12
HANT_SHARE = 0.15
RELATED = 6
RELATED_POOL = 10  # pooled bodies an article's related list is drawn from
USERNAME_PREFIX = "seed-"


@dataclass(frozen=True)
class SeedResult:
    articles: int
    creators: int
    seconds: float


@dataclass
class PooledBody:
    topic: Topic
    channel_id: int
    script: str
    body_html: str
    body_hans: str
    body_hant: str
    body_hk: str
    summary_hans: str
    summary_hant: str
    summary_hk: str
    keywords: list[list]


def _article_rng(seed: int, number: int) -> random.Random:
    return random.Random(f"zimei-seed:{seed}:{number}")


def seeded_topics(seed: int, start: int, count: int) -> list[str]:
    """The planted topic labels of seeded articles start … start+count-1 (in id order within
    a run whose first article was number `start`): the generator's choices, replayed."""
    out = []
    for number in range(start, start + count):
        rng = _article_rng(seed, number)
        out.append(pick_topic(rng, pick_channel(rng, number)).label)
    return out


def _pictures(owner: User, seed: int) -> list[Image]:
    rng = random.Random(f"zimei-seed:{seed}:pictures")
    pictures = [
        image_create(owner=owner, data=draw_picture(rng, KINDS[k % len(KINDS)]), name=f"seed{seed}p{k}")
        for k in range(POOL_PICTURES)
    ]
    for picture in pictures:  # every seeded article is published with one of them as its cover
        cover_sizes_make(picture.file.name)
    return pictures


def _topics_used(seed: int, start: int, count: int) -> set[str]:
    """The topic labels articles start … start+count-1 are written on (the generator's first
    choices, replayed: cheap next to building a pooled body)."""
    used = set()
    for k in range(start, start + count):
        rng = _article_rng(seed, k)
        used.add(pick_topic(rng, pick_channel(rng, k)).label)
    return used


def _pool(
    seed: int, pictures: list[Image], channels: dict[str, int], wanted: set[str] | None = None
) -> dict[str, list[PooledBody]]:
    """Per topic label in `wanted` (every topic when None): its pooled bodies, Simplified ones
    first. A topic's bodies are the same whichever other topics are wanted."""
    pool: dict[str, list[PooledBody]] = {}
    by_kind = {kind: pictures[n :: len(KINDS)] for n, kind in enumerate(KINDS)}  # _pictures' order
    k = 0
    for topics in TOPICS.values():
        for topic in topics:
            if wanted is not None and topic.label not in wanted:
                k += POOL_HANS + POOL_HANT
                continue
            entries = []
            for script in [HANS] * POOL_HANS + [HANT] * POOL_HANT:
                plan = plan_article(seed, k, namespace="seed-pool", topic=topic.label, script=script)
                # Each figure gets a pool picture of the kind its alt text describes.
                urls = [
                    by_kind[slot.kind][(k + j) % len(by_kind[slot.kind])].file.url
                    for j, slot in enumerate(plan.images)
                ]
                body = sanitize_body(plan.body_html(urls))
                text = html_to_text(body)
                summary = text[:120]
                detected = detect_script(plan.title + text)
                entries.append(
                    PooledBody(
                        topic=topic,
                        channel_id=channels[topic.channel],
                        script=detected,
                        body_html=body,
                        body_hans=convert_html(body, HANS, source=detected),
                        body_hant=convert_html(body, HANT),
                        body_hk=convert_html(body, HK),
                        summary_hans=convert(summary, HANS, source=detected),
                        summary_hant=convert(summary, HANT),
                        summary_hk=convert(summary, HK),
                        keywords=[[w, s] for w, s in extract_keywords(plan.title, text)],
                    )
                )
                k += 1
            pool[topic.label] = entries
    return pool


def _related_ranking(entries: list[PooledBody]) -> list[list[int]]:
    """For each pooled body, the indices of the RELATED_POOL most related ones (itself first),
    scored like related_compute: the shared words' weight, more for more shared words, ×1.5
    within the channel."""
    by_word: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, e in enumerate(entries):
        for w, s in e.keywords:
            by_word[w].append((i, s))
    ranking = []
    for i, e in enumerate(entries):
        shared: dict[int, float] = defaultdict(float)
        n: dict[int, int] = defaultdict(int)
        for w, _ in e.keywords:
            for j, s in by_word[w]:
                shared[j] += s
                n[j] += 1
        scored = []
        for j, s in shared.items():
            if j == i:  # the same pooled body: a copy of the article, never recommended
                continue
            score = s * (1 + 0.25 * (n[j] - 1)) * (1.5 if entries[j].channel_id == e.channel_id else 1.0)
            scored.append((-score, j))
        scored.sort()
        ranking.append([j for _, j in scored[:RELATED_POOL]])
    return ranking


def _write_related(rows: list[Article]) -> None:
    """One prepared UPDATE run for every row (executemany): far cheaper than bulk_update's CASE."""
    connection = connections[Article.objects.db]
    field = Article._meta.get_field("related_ids")
    table, qn = Article._meta.db_table, connection.ops.quote_name
    sql = f"UPDATE {qn(table)} SET {qn(field.column)} = %s WHERE {qn('id')} = %s"
    params = [(field.get_db_prep_save(a.related_ids, connection), a.id) for a in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _new_creators(count: int, channels: dict[str, int], batch: int) -> list[CreatorProfile]:
    offset = User.objects.filter(username__startswith=USERNAME_PREFIX).count()
    prefixes = phrases.PEN_PREFIXES
    profiles: list[CreatorProfile] = []
    for start in range(0, count, batch):
        users = []
        for g in range(offset + start, offset + min(count, start + batch)):
            username = f"{USERNAME_PREFIX}{g}"
            # bulk_create skips User.save, which keeps the skeleton: set it here.
            user = User(
                username=username, username_skeleton=username_skeleton(username), role=User.Role.CREATOR
            )
            user.set_unusable_password()
            users.append(user)
        users = User.objects.bulk_create(users)
        chunk = []
        for user in users:
            g = int(user.username.removeprefix(USERNAME_PREFIX))
            slug = CHANNEL_SLUGS[g % len(CHANNEL_SLUGS)]
            chunk.append(
                CreatorProfile(
                    user=user,
                    pen_name=f"{prefixes[(g * 7) % len(prefixes)]}{phrases.PEN_SUFFIXES[slug][g % 4]}·{g}",
                    tagline=tagline(g, slug),
                    channel_id=channels[slug],
                    level=1 + g % 5,
                )
            )
        profiles += CreatorProfile.objects.bulk_create(chunk)
    return profiles


def _recount(creator_ids: list[int]) -> None:
    """文章数 and 关注度, recounted from the data by the service publishing uses."""
    for start in range(0, len(creator_ids), 500):
        creators_counts_refresh(ids=creator_ids[start : start + 500])


def seed_bulk(
    *,
    articles: int,
    creators: int,
    batch: int = 5000,
    seed: int = 1,
    days: float = 30,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    search: bool = True,
) -> SeedResult:
    """Add `articles` published articles by `creators` new creators, `batch` rows at a time.

    The run's k-th article is number start + k of the sequence (see _article_rng), where start
    is the number of articles in the database when the run began: a run is reproducible and a
    second run continues the sequence rather than repeating it. The new articles are put in the
    search index unless `search` is False (bench/search.py times that step itself)."""
    if articles < 0 or creators < 1 or batch < 1:
        raise ValueError("articles must be >= 0, creators >= 1 and batch >= 1")
    say = log or (lambda _msg: None)
    started = time.monotonic()
    channels = dict(Channel.objects.values_list("slug", "id"))
    start = Article.objects.count()
    last_before = Article.objects.order_by("-id").values_list("id", flat=True).first() or 0

    with transaction.atomic():
        profiles = _new_creators(creators, channels, batch)
        pictures = _pictures(profiles[0].user, seed)
    say(f"{len(profiles)} creators; building the pool of bodies …")
    pool = _pool(seed, pictures, channels, _topics_used(seed, start, articles))
    entries = [e for es in pool.values() for e in es]
    index_of = {id(e): i for i, e in enumerate(entries)}
    ranking = _related_ranking(entries)
    recent: list[deque[int]] = [deque(maxlen=RELATED) for _ in entries]

    # Authors: each channel's creators with a Zipf weight (a few write most), like the demo.
    by_channel: dict[int, list[int]] = defaultdict(list)
    for p in profiles:
        by_channel[p.channel_id].append(p.id)
    cum = {ch: list(accumulate(1 / (k + 1) for k in range(len(ids)))) for ch, ids in by_channel.items()}
    everyone = [p.id for p in profiles]
    everyone_cum = list(accumulate(1 / (k + 1) for k in range(len(everyone))))

    now = timezone.now()
    span = days * 86400
    bar = tqdm(total=articles, desc="seed articles", unit="art", disable=not progress, smoothing=0.1)
    done = 0
    while done < articles:
        n = min(batch, articles - done)
        rows: list[Article] = []
        used: list[PooledBody] = []
        for k in range(start + done, start + done + n):
            rng = _article_rng(seed, k)
            channel = pick_channel(rng, k)
            topic = pick_topic(rng, channel)
            hant = rng.random() < HANT_SHARE
            options = pool[topic.label]
            body = (
                options[POOL_HANS + rng.randrange(POOL_HANT)] if hant else options[rng.randrange(POOL_HANS)]
            )
            title = _title(_Writer(rng, topic), hant)
            age = timedelta(seconds=span * rng.random() ** 1.4)
            views, shares = engagement(rng, age)
            ids = by_channel.get(body.channel_id)
            if ids:
                author_id = rng.choices(ids, cum_weights=cum[body.channel_id])[0]
            else:
                author_id = rng.choices(everyone, cum_weights=everyone_cum)[0]
            original = rng.random() < 0.8
            picture = pictures[rng.randrange(len(pictures))]
            source = "" if original else rng.choice(phrases.SOURCES)
            rows.append(
                Article(
                    author_id=author_id,
                    channel_id=body.channel_id,
                    status=Article.Status.PUBLISHED,
                    title=title,
                    body_html=body.body_html,
                    cover=picture,
                    cover_url=picture.file.url,
                    original=original,
                    source=convert(source, HANT) if hant else source,
                    script=body.script,
                    title_hans=convert(title, HANS),
                    title_hant=convert(title, HANT),
                    title_hk=convert(title, HK),
                    summary_hans=body.summary_hans,
                    summary_hant=body.summary_hant,
                    summary_hk=body.summary_hk,
                    body_hans=body.body_hans,
                    body_hant=body.body_hant,
                    body_hk=body.body_hk,
                    keywords=body.keywords,
                    view_count=views,
                    share_count=shares,
                    published_at=now - age,
                    hot_log=rebuilt_log(published_at=now - age, views=views, shares=shares),
                )
            )
            used.append(body)
        with transaction.atomic():
            rows = Article.objects.bulk_create(rows)
            ArticleBody.objects.bulk_create([row.body for row in rows])
            keyword_rows = []
            for article, body in zip(rows, used, strict=True):
                i = index_of[id(body)]
                related: list[int] = []
                for j in ranking[i]:
                    for other in recent[j]:
                        if other not in related:
                            related.append(other)
                            if len(related) == RELATED:
                                break
                    if len(related) == RELATED:
                        break
                article.related_ids = related
                recent[i].appendleft(article.id)
                keyword_rows += [
                    ArticleKeyword(article_id=article.id, word=w, weight=s) for w, s in body.keywords
                ]
            _write_related(rows)
            ArticleKeyword.objects.bulk_create(keyword_rows, batch_size=5000)
        done += n
        bar.update(n)
        del rows, used, keyword_rows
    bar.close()
    say("recounting creators' articles …")
    _recount([p.id for p in profiles])
    # Related articles: corpus statistics from the keyword rows, fingerprints of the new articles.

    say("corpus statistics and fingerprints …")
    termstat_rebuild()
    fingerprints_rebuild(after=last_before, progress=progress)
    # Bulk rows send no publish events: the search index takes the new articles here.
    if search:
        say("search index …")
        search_rebuild(from_id=last_before + 1, progress=progress)
    return SeedResult(articles=done, creators=len(profiles), seconds=time.monotonic() - started)
