"""A creator's 文章数, 粉丝 and 关注度 (docs/creator-index.md), recounted from the data."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from zimei.accounts.models import CreatorProfile, Follow
from zimei.articles.models import Article


def creator_counts_refresh(author: CreatorProfile) -> None:
    """Recount one creator's figures (see creators_counts_refresh)."""
    creators_counts_refresh(ids=[author.pk])
    author.refresh_from_db(fields=["article_count", "follower_count", "attention"])


def creators_counts_refresh(*, ids: list[int]) -> None:
    """文章数, 粉丝 and 关注度, recounted from the data in one statement, so they are always true.

    关注度 = 10 × followers + the shares of the creator's published articles (docs/creator-index.md).
    Views are left out: they reach the database in batches (distribution/counters.py), and a
    score that is true at all times can only count what is written as it happens. distribution/shares.py
    adds each share as it is counted; this recount runs on publish, withdraw, takedown, restore
    and follow."""
    published = Article.objects.filter(author=OuterRef("pk"), status=Article.Status.PUBLISHED).order_by()
    articles = Subquery(published.values("author").annotate(c=Count("id")).values("c"))
    shares = Subquery(published.values("author").annotate(s=Sum("share_count")).values("s"))
    followers = Subquery(
        Follow.objects.filter(creator=OuterRef("pk"))
        .order_by()
        .values("creator")
        .annotate(c=Count("id"))
        .values("c")
    )
    zero = Value(0)
    articles_n = Coalesce(articles, zero, output_field=IntegerField())
    followers_n = Coalesce(followers, zero, output_field=IntegerField())
    CreatorProfile.objects.filter(pk__in=ids).update(
        article_count=articles_n,
        follower_count=followers_n,
        attention=followers_n * 10 + Coalesce(shares, zero, output_field=IntegerField()),
    )
