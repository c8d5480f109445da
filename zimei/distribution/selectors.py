"""Reads for distribution: hot list (熱點推薦), related articles (相關推薦), channel tops.

First versions, honest and cheap (issue #4 deepens them): the hot list is recent engagement
decayed by age; related articles come from shared TF-IDF keywords, same channel preferred.
Both are cached or precomputed so that an article page reads them in one query.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from zimei.articles.models import Article

from .models import Channel

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


# Related articles live in related.py; these names stay importable from here.
from .related import related_compute, related_list  # noqa: E402, F401
