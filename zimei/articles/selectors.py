"""Reads of articles that check who may see them. Interfaces fetch articles only through these."""

from __future__ import annotations

from django.http import Http404

from zimei.accounts.models import User
from zimei.channels.selectors import channels_by_id

from .models import Article


class ArticleGone(Exception):
    """The article existed but is no longer public (withdrawn or taken down): 410, not 404."""

    def __init__(self, article: Article):
        self.article = article


GONE = (Article.Status.WITHDRAWN, Article.Status.TAKEN_DOWN)


def article_get_for_reader(article_id: int) -> Article:
    """A published article with its author and body in one query (its channel from the channel
    cache); 404 / ArticleGone otherwise."""
    try:
        article = (
            Article.objects.select_related("author", "text", "cover")  # cover: the 题图's width
            .defer("summary", "title", "text__body_html")  # the working copy is the studio's
            .get(id=article_id)
        )
    except Article.DoesNotExist:
        raise Http404 from None
    article.channel = channels_by_id().get(article.channel_id) or article.channel
    if article.status in GONE:
        raise ArticleGone(article)
    if article.status != Article.Status.PUBLISHED:  # draft, held, rejected, sent back for changes
        raise Http404
    return article


def article_get_for_author(article_id: int, user: User) -> Article:
    """The author's own article (any status), or 404 — never someone else's."""
    article = (
        Article.objects.select_related("author", "channel").filter(id=article_id, author__user=user).first()
    )
    if article is None:
        raise Http404
    return article


def articles_for_editor():
    """Every article an editor may see: all but drafts, which are their author's alone until
    submitted (held, published, withdrawn, refused … are the desk's)."""
    return Article.objects.exclude(status=Article.Status.DRAFT)


def article_get_for_editor(article_id: int) -> Article:
    """One article as an editor may see it (articles_for_editor), or 404."""
    article = articles_for_editor().select_related("author", "channel").filter(id=article_id).first()
    if article is None:
        raise Http404
    return article


def article_get_for_viewer(article_id: int, user: User | None) -> Article:
    """An article as the API shows it: the author sees their own in any status, an editor any
    article but another creator's draft, everyone else only published ones; 404 otherwise
    (never reveals that it exists)."""
    article = Article.objects.select_related("author", "channel").filter(id=article_id).first()
    if article is None:
        raise Http404
    if user is not None and article.author.user_id == user.id:
        return article
    if user is not None and user.is_editor and article.status != Article.Status.DRAFT:
        return article
    if article.status != Article.Status.PUBLISHED:
        raise Http404
    return article
