"""Reads for distribution: hot list (熱點推薦), related articles (相關推薦), channel tops.

The hot list is a time-decayed engagement score kept incrementally (distribution/hot.py,
docs/hot.md); related articles come from shared TF-IDF keywords, same channel preferred.
Both are cached or precomputed so that an article page reads them in one query.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q

from zimei.articles.models import Article
from zimei.channels.models import Channel
from zimei.channels.selectors import channels_ordered

from . import hot


def hot_list(*, channel_id: int | None = None, limit: int = 10) -> list[Article]:
    """The hot list (热点推荐), site-wide or of one channel: see distribution/hot.py. Cached per
    hot stamp, so at most hot.HOT_SECONDS behind the scores, and changed at once by an editor."""
    key = f"hot:{hot.hot_stamp()}:{channel_id or 'all'}:{limit}"
    found = cache.get(key)
    if found is None:
        found = hot.hot_read(channel_id=channel_id, limit=limit)
        cache.set(key, found, hot.HOT_SECONDS * 2)
    return found


def channel_tops(kind: str) -> list[tuple[Channel, Article | None]]:
    """Each channel of `kind` with its top story: the head of its hot list (pins included)."""
    key = f"channel-tops:{hot.hot_stamp()}:{kind}"
    found = cache.get(key)
    if found is None:
        found = []
        for channel in channels_ordered():
            if channel.kind == kind:
                top = hot_list(channel_id=channel.id, limit=1)
                found.append((channel, top[0] if top else None))
        cache.set(key, found, hot.HOT_SECONDS * 2)
    return found


def author_recent(author_id: int, *, exclude_id: int | None = None, limit: int = 5) -> list[Article]:
    qs = Article.objects.published().for_list().filter(author_id=author_id)
    if exclude_id:
        qs = qs.filter(~Q(id=exclude_id))
    return list(qs.order_by("-published_at")[:limit])


def following_feed(user):
    """Published articles by the creators `user` follows, newest first (a queryset to page)."""
    return (
        Article.objects.published()
        .for_list()
        .filter(author__followers__follower=user)
        .order_by("-published_at", "-id")
    )


# Related articles live in related.py; these names stay importable from here.
from .related import related_compute, related_list  # noqa: E402, F401
