"""What the distribution app does when an article or a follow changes (articles/events.py,
accounts/events.py), when a serving worker starts and after a restore (core/signals.py);
connected in DistributionConfig.ready."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from zimei.accounts.events import follow_changed
from zimei.articles.events import (
    article_left_public,
    article_moved,
    article_published,
    article_rerendered,
)
from zimei.articles.models import Article
from zimei.articles.sanitize import html_to_text
from zimei.core.signals import data_restored, worker_ready

from .counters import flush_at_exit, flush_in_background
from .creators import creator_counts_refresh
from .hot import hot_expire, hot_follow, hot_publish
from .purge import purge_article
from .related import related_index, related_unindex


@receiver(article_published, dispatch_uid="distribution.published")
def _published(sender, *, article: Article, **_) -> None:
    before = article.hot_log
    hot_publish(article)  # freshness for the hot list, on the first publication only
    related_index(article, text=html_to_text(article.body_html))
    # hot_log only when freshness was added: a view flush may have moved it since it was read
    fresh = ["hot_log"] if article.hot_log != before else []
    article.save(update_fields=["keywords", "related_ids", *fresh])
    creator_counts_refresh(article.author)
    transaction.on_commit(lambda: purge_article(article))


@receiver(article_left_public, dispatch_uid="distribution.left_public")
def _left_public(sender, *, article: Article, **_) -> None:
    """Out of the keyword index and the counts; once committed, every page that shows it is
    purged and every hot list recomputes at once (purge.py)."""
    related_unindex(article)
    creator_counts_refresh(article.author)
    transaction.on_commit(lambda: purge_article(article))


@receiver(article_moved, dispatch_uid="distribution.moved")
def _moved(sender, *, article: Article, from_channel_id: int, **_) -> None:
    transaction.on_commit(lambda: purge_article(article, channel_ids=[from_channel_id]))


@receiver(article_rerendered, dispatch_uid="distribution.rerendered")
def _rerendered(sender, *, article: Article, **_) -> None:
    transaction.on_commit(lambda: purge_article(article))


@receiver(follow_changed, dispatch_uid="distribution.follow")
def _follow(sender, *, user, creator, created: bool, article_id: int | None, **_) -> None:
    if created:
        hot_follow(user=user, creator=creator, article_id=article_id)
    creator_counts_refresh(creator)


@receiver(worker_ready, dispatch_uid="distribution.worker")
def _worker(sender, **_) -> None:
    # Views reach the hot list within ZIMEI_VIEW_FLUSH_SECONDS even on a quiet site, and a
    # worker stopped gracefully flushes what it holds.
    flush_in_background(settings.ZIMEI_VIEW_FLUSH_SECONDS)
    flush_at_exit()


@receiver(data_restored, dispatch_uid="distribution.restored")
def _restored(sender, **_) -> None:
    hot_expire()
