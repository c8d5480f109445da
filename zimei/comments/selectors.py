"""Reads of comments for readers: the comment box (counts, 热门跟帖, the newest page, the
stacked quotes, the reader's own state), the reader's own comments and saved articles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404

from zimei.accounts.models import User
from zimei.articles.models import Article

from .models import ArticleLike, ArticleSave, ArticleThread, Comment, CommentVote

PER_PAGE = 20
HOT_COUNT = 5  # 热门跟帖 shown above the newest
QUOTES_SHOWN = 4  # stacked quotes shown per reply; older ones fold into "…"

_PUBLIC = Comment.Status.PUBLISHED


def hot_min() -> int:
    """Up-votes a comment needs to be among 热门跟帖 (ZIMEI_COMMENT_HOT_MIN)."""
    return getattr(settings, "ZIMEI_COMMENT_HOT_MIN", 3)


@dataclass
class Box:
    article_id: int
    comments_open: bool = True
    comment_count: int = 0
    like_count: int = 0
    page: int = 1
    pages: int = 1
    pinned: Comment | None = None
    hot: list[Comment] = field(default_factory=list)
    newest: list[Comment] = field(default_factory=list)
    # The reader's own state (signed in only).
    liked: bool = False
    saved: bool = False
    voted: set[int] = field(default_factory=set)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


_LIST_FIELDS = (
    "id",
    "article_id",
    "parent_id",
    "ancestor_ids",
    "body",
    "status",
    "links_live",
    "up_count",
    "pinned",
    "created_at",
    "author__id",
    "author__username",
)


def _listed(qs):
    return qs.select_related("author").only(*_LIST_FIELDS)


def _attach_quotes(comments: list[Comment]) -> None:
    """Each reply's stacked quote (盖楼): `comment.quotes`, oldest first, the last QUOTES_SHOWN
    of its chain (a quote that left public shows as gone: `quote.public` is False), and
    `comment.quotes_folded`, how many older ones are not shown. One query for the page."""
    wanted = {i for c in comments for i in c.ancestor_ids[-QUOTES_SHOWN:]}
    found = {c.id: c for c in _listed(Comment.objects.filter(id__in=wanted))} if wanted else {}
    for c in comments:
        chain = c.ancestor_ids[-QUOTES_SHOWN:]
        c.quotes = [found[i] for i in chain if i in found]
        c.quotes_folded = len(c.ancestor_ids) - len(chain)


def comment_box(*, article_id: int, user: User | None = None, page: int = 1) -> Box:
    """What the comment box and the comments page show for a published article."""
    thread = ArticleThread.objects.filter(pk=article_id).first()
    box = Box(article_id=article_id)
    if thread is not None:
        box.comments_open = thread.comments_open
        box.comment_count = thread.comment_count
        box.like_count = thread.like_count
    box.pages = max(1, -(-box.comment_count // PER_PAGE))
    box.page = min(max(1, page), box.pages)
    shown: list[Comment] = []
    if box.comment_count:
        public = Comment.objects.filter(article_id=article_id, status=_PUBLIC)
        start = (box.page - 1) * PER_PAGE
        box.newest = list(_listed(public).order_by("-id")[start : start + PER_PAGE])
        shown += box.newest
        if box.page == 1:
            hot = _listed(public.filter(up_count__gte=hot_min())).order_by("-up_count", "-id")
            box.hot = list(hot[:HOT_COUNT])
            # By the one_pinned_comment partial index (with a status term SQLite would walk
            # every comment of the article); a pinned comment that left public is unpinned.
            pinned = _listed(Comment.objects.filter(article_id=article_id, pinned=True)).first()
            box.pinned = pinned if pinned is not None and pinned.public else None
            shown += box.hot + ([box.pinned] if box.pinned else [])
    _attach_quotes(shown)
    if user is not None and user.is_authenticated:
        box.liked = ArticleLike.objects.filter(article_id=article_id, user=user).exists()
        box.saved = ArticleSave.objects.filter(article_id=article_id, user=user).exists()
        ids = {c.id for c in shown}
        if ids:
            box.voted = set(
                CommentVote.objects.filter(user=user, comment_id__in=ids).values_list("comment_id", flat=True)
            )
    return box


def comment_get_public(comment_id: int) -> Comment:
    """A published comment on a published article, or 404."""
    comment = (
        Comment.objects.select_related("article", "author")
        .filter(id=comment_id, status=_PUBLIC, article__status=Article.Status.PUBLISHED)
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def comment_get_own(comment_id: int, user: User) -> Comment:
    """The reader's own comment, any status, or 404: never someone else's."""
    comment = Comment.objects.select_related("article").filter(id=comment_id, author=user).first()
    if comment is None:
        raise Http404
    return comment


def comments_by_author(user: User):
    """The reader's own comments, every status but deleted, newest first, with their articles."""
    return (
        Comment.objects.filter(author=user)
        .exclude(status=Comment.Status.DELETED)
        .select_related("article")
        .order_by("-id")
    )


def saved_articles(user: User):
    """The reader's 收藏 that are still published, newest saved first (rows of ArticleSave with
    their article, author and channel)."""
    return (
        ArticleSave.objects.filter(user=user, article__status=Article.Status.PUBLISHED)
        .select_related("article__author", "article__channel")
        .order_by("-created_at", "-id")
    )
