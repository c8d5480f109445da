"""The comments app's own listeners: purge the comment box and pages on commit of anything
that changes what they show."""

from __future__ import annotations

from django.db import transaction

from zimei.articles.events import article_left_public

from .events import comment_left_public, comment_published, thread_changed
from .models import Comment
from .purge import purge_comments


def _purge_on_commit(article_id: int) -> None:
    transaction.on_commit(lambda: purge_comments(article_id))


def _comment_changed(sender, *, comment: Comment, **_) -> None:
    _purge_on_commit(comment.article_id)


def _article_changed(sender, *, article, **_) -> None:
    # Its thread changed (comments on/off, a pin), or it left public (its box answers 410: no
    # stale copy of it stays).
    _purge_on_commit(article.id)


def connect() -> None:
    article_left_public.connect(_article_changed, dispatch_uid="comments.purge.article_left", weak=False)
    comment_published.connect(_comment_changed, dispatch_uid="comments.purge.published", weak=False)
    comment_left_public.connect(_comment_changed, dispatch_uid="comments.purge.left", weak=False)
    thread_changed.connect(_article_changed, dispatch_uid="comments.purge.thread", weak=False)
