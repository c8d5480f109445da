"""The search index follows the article events (articles/events.py), inside the service's
transaction: a published article is found as soon as its publish commits, a withdrawn or
taken-down one is gone at the same moment. A move to another channel changes nothing in the
index: the channel filter reads the article row at query time. The desk's index of titles
follows every save of an article instead. Connected in SearchConfig.ready."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from zimei.articles.events import (
    article_left_public,
    article_published,
    article_rerendered,
)
from zimei.articles.models import Article
from zimei.core.signals import data_restored

from .backends import search_backend
from .services import TITLE_FIELDS, search_index, search_rebuild, search_remove, search_titles


@receiver(article_published, dispatch_uid="search.published")
def _published(sender, *, article: Article, **_) -> None:
    search_index(article=article)


@receiver(article_rerendered, dispatch_uid="search.rerendered")
def _rerendered(sender, *, article: Article, **_) -> None:
    search_index(article=article)


@receiver(article_left_public, dispatch_uid="search.left_public")
def _left_public(sender, *, article: Article, **_) -> None:
    search_remove(article_id=article.id)


@receiver(post_save, sender=Article, dispatch_uid="search.titles")
def _saved(sender, *, instance: Article, update_fields: frozenset[str] | None, **_) -> None:
    # The desk's title index holds every article, any status (a draft saved, a submission, a
    # decision), so it follows the saves themselves; one that names its fields (a count, the
    # hot score) and none of the titles' is left alone. `zimei search rebuild` writes it all
    # again, for rows written around save() (bulk_create, an import).
    if update_fields is None or update_fields & TITLE_FIELDS:
        search_titles(articles=[instance])


@receiver(post_delete, sender=Article, dispatch_uid="search.deleted")
def _deleted(sender, *, instance: Article, **_) -> None:
    # An article deleted outright (a creator's account removed in the admin): out of the index.
    search_remove(article_id=instance.id)
    search_backend().remove_titles([instance.id])


@receiver(data_restored, dispatch_uid="search.restored")
def _restored(sender, **_) -> None:
    # A backup restored into the same kind of database brings its index along. One restored into
    # another kind (SQLite into PostgreSQL and back) brings none, the index's tables being each
    # database's own: it is built here, so search works as soon as the restore ends.
    if not search_backend().count():
        search_rebuild()
