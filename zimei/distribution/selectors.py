"""Reads for distribution: hot list (熱點推薦), related articles (相關推薦), channel tops.

First versions, honest and cheap (issue #4 deepens them): the hot list is recent engagement
decayed by age; related articles come from shared TF-IDF keywords, same channel preferred.
Both are cached or precomputed so that an article page reads them in one query.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from zimei.articles.models import Article

from .models import ArticleKeyword, Channel

HOT_CACHE_SECONDS = 60
HOT_WINDOW = timedelta(days=3)
SHARE_WEIGHT = 5.0
# Gravity of the age decay: score = (views + 5·shares + 1) / (age_hours + 2) ** GRAVITY
GRAVITY = 1.5

LIST_FIELDS = (
    "id", "title_hans", "title_hant", "summary_hans", "summary_hant", "cover_url",
    "published_at", "view_count", "share_count", "original", "source",
    "author_id", "author__pen_name", "channel_id", "channel__slug", "channel__name",
)  # fmt: skip


CHANNELS_CACHE_SECONDS = 60


def channels_by_id() -> dict[int, Channel]:
    """All channels (there are eleven), from a 60-second cache: pages never join them."""
    found = cache.get("channels")
    if found is None:
        found = {c.id: c for c in Channel.objects.all()}
        cache.set("channels", found, CHANNELS_CACHE_SECONDS)
    return found


def channels_ordered() -> list[Channel]:
    """The channels in their display order, from the channel cache."""
    return sorted(channels_by_id().values(), key=lambda c: (c.position, c.id))


def public_articles():
    return Article.objects.filter(status=Article.Status.PUBLISHED)


def hot_score(views: int, shares: int, age_hours: float) -> float:
    return (views + SHARE_WEIGHT * shares + 1) / (max(age_hours, 0.0) + 2) ** GRAVITY


def hot_list(*, channel_id: int | None = None, limit: int = 10) -> list[Article]:
    """The hot list, at most HOT_CACHE_SECONDS stale."""
    key = f"hot:{channel_id or 'all'}:{limit}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    now = timezone.now()
    qs = public_articles().filter(published_at__gte=now - HOT_WINDOW)
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    # Take the most engaged recent candidates in SQL, then decay by age in Python.
    candidates = list(
        qs.select_related("author", "channel")
        .only(*LIST_FIELDS)
        .order_by(-(F("view_count") + SHARE_WEIGHT * F("share_count")))[: limit * 20]
    )
    if len(candidates) < limit:  # a quiet site: fall back to the newest
        seen = {a.id for a in candidates}
        older = public_articles().select_related("author", "channel").only(*LIST_FIELDS)
        if channel_id:
            older = older.filter(channel_id=channel_id)
        candidates += [a for a in older.order_by("-published_at")[: limit * 2] if a.id not in seen]

    def score(a: Article) -> float:
        return hot_score(a.view_count, a.share_count, (now - a.published_at).total_seconds() / 3600)

    result = sorted(candidates, key=score, reverse=True)[:limit]
    cache.set(key, result, HOT_CACHE_SECONDS)
    return result


def related_compute(article: Article, *, limit: int = 6) -> list[int]:
    """Ids of the articles most related to `article`: shared keyword weight, boosted for the
    same channel, for freshness, and for other authors (so one back catalogue doesn't fill it)."""
    words = dict(article.keywords or [])
    if not words:
        return []
    rows = (
        ArticleKeyword.objects.filter(word__in=list(words))
        .exclude(article_id=article.id)
        .filter(article__status=Article.Status.PUBLISHED)
        .values("article_id", "article__channel_id", "article__author_id", "article__published_at")
        .annotate(shared=Sum("weight"), n=Count("id"))
        .filter(n__gte=1)
        .order_by("-shared")[:200]
    )
    now = timezone.now()
    scored = []
    for row in rows:
        s = row["shared"] * (1 + 0.25 * (row["n"] - 1))
        if row["article__channel_id"] == article.channel_id:
            s *= 1.5
        if row["article__author_id"] == article.author_id:
            s *= 0.6
        age_days = (now - row["article__published_at"]).days if row["article__published_at"] else 30
        s *= 1 / (1 + age_days / 30)
        scored.append((s, row["article_id"]))
    scored.sort(reverse=True)
    return [aid for _, aid in scored[:limit]]


def related_list(article: Article) -> list[Article]:
    """The stored related articles, in their stored order, in one query."""
    ids = list(article.related_ids or [])
    if not ids:
        return []
    # By primary key alone (a status filter here lures SQLite onto the status index), then
    # keep the ones still public.
    rows = Article.objects.filter(id__in=ids).select_related("author").only("status", *LIST_FIELDS)
    by_id = {a.id: a for a in rows if a.status == Article.Status.PUBLISHED}
    return [by_id[i] for i in ids if i in by_id]


def channel_tops(kind: str) -> list[tuple[Channel, Article | None]]:
    """Each channel of `kind` with its top story (the hottest of the last days, else the newest)."""
    key = f"channel-tops:{kind}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    out = []
    for channel in channels_ordered():
        if channel.kind != kind:
            continue
        top = hot_list(channel_id=channel.id, limit=1)
        out.append((channel, top[0] if top else None))
    cache.set(key, out, HOT_CACHE_SECONDS)
    return out


def author_recent(author_id: int, *, exclude_id: int | None = None, limit: int = 5) -> list[Article]:
    qs = public_articles().filter(author_id=author_id).only(*LIST_FIELDS).select_related("author", "channel")
    if exclude_id:
        qs = qs.filter(~Q(id=exclude_id))
    return list(qs.order_by("-published_at")[:limit])


def following_feed(user):
    """Published articles by the creators `user` follows, newest first (a queryset to page)."""
    return (
        public_articles()
        .filter(author__followers__follower=user)
        .select_related("author", "channel")
        .only(*LIST_FIELDS)
        .order_by("-published_at", "-id")
    )
