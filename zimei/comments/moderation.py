"""The creator's and the editors' side of comments (docs/comments.md, "Creators and editors").

Services (keyword-only, atomic; status changes through services' `_make_public` /
`_leave_public`, which keep the thread's count and send the events that purge the box):
- the article's author: `comments_set_open`, `comment_pin`, `comment_hide` (with a reason the
  commenter reads on 我的跟帖);
- editors: `comment_approve` (held → published), `comment_remove` (with a reason),
  `comment_reports_decide` (every open report on a comment at once), `commenter_standing_set`
  (normal / hold / block); `comments_set_open` too.
Every editor's decision and every author's hide is audited (core.audit → moderation's
AuditEntry). Nobody else changes another's comment: the commenter deletes their own
(services.comment_delete).

Selectors: the desk's comments queue (held comments with their reasons, open reports grouped
per comment), the studio's comments page of one article and the 跟帖 tab of 通知 with its
unread count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from zimei.accounts.models import User
from zimei.articles.models import Article
from zimei.core.audit import audit
from zimei.core.audit_actions import AuditAction
from zimei.core.errors import InputError, NotAllowed, control_characters_check

from .events import thread_changed
from .models import (
    ArticleThread,
    Comment,
    CommenterStanding,
    CommentNoticesSeen,
    CommentReport,
)
from .services import _leave_public, _make_public

REASON_MAX = 500
QUEUE_SIZE = 100  # rows a tab of the comments queue shows (oldest held first, most reported first)

_PUBLISHED = Comment.Status.PUBLISHED


# --- helpers ----------------------------------------------------------------------------------


def _reason(reason: str, *, required: str = "") -> str:
    """The reason as typed, stripped; `required` is the message when it is missing."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if required and not reason:
        errors["reason"] = [required]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [f"理由最多 {REASON_MAX} 个字，现在有 {len(reason)} 个字"]
    control_characters_check(errors, {"reason": reason})
    if errors:
        raise InputError(errors)
    return reason


def _editor(actor: User) -> None:
    if not actor.is_editor:
        raise NotAllowed("只有编辑可以处理跟帖")


def _is_article_author(article: Article, user: User) -> bool:
    return article.author.user_id == user.id


def _locked(comment: Comment) -> Comment:
    """The comment's row locked (only it: not the article and author rows it is read with)."""
    return (
        Comment.objects.select_for_update(of=("self",)).select_related("article__author").get(pk=comment.pk)
    )


def _copy_back(comment: Comment, locked: Comment) -> None:
    for name in ("status", "reason", "decided_by_id", "decided_at", "pinned"):
        setattr(comment, name, getattr(locked, name))


def _thread_locked(article_id: int) -> ArticleThread:
    ArticleThread.objects.get_or_create(article_id=article_id)
    return ArticleThread.objects.select_for_update().get(pk=article_id)


# --- the article's author (and editors, for comments on or off) --------------------------------


@transaction.atomic
def comments_set_open(*, article: Article, actor: User, open: bool) -> ArticleThread:
    """Turn comments on or off for one article: its author, or an editor (audited). Comments
    already published stay; closing stops new comments and replies."""
    if not (_is_article_author(article, actor) or actor.is_editor):
        raise NotAllowed("只能设置自己文章的跟帖")
    thread = _thread_locked(article.id)
    if thread.comments_open == open:
        return thread
    thread.comments_open = open
    thread.closed_by = None if open else actor
    thread.closed_at = None if open else timezone.now()
    thread.save(update_fields=["comments_open", "closed_by", "closed_at"])
    if not _is_article_author(article, actor):
        action = AuditAction.COMMENTS_OPEN if open else AuditAction.COMMENTS_CLOSE
        audit(actor=actor, action=action, target=article)
    thread_changed.send(sender=Comment, article=article, actor=actor, open=open)
    return thread


@transaction.atomic
def comment_pin(*, comment: Comment, actor: User, pinned: bool = True) -> None:
    """The article's author pins one published comment on top of the box (the one pinned
    before is unpinned), or unpins it. The thread row is locked, so two pins at once end with
    one (and the one_pinned_comment constraint holds either way)."""
    locked = _locked(comment)
    if not _is_article_author(locked.article, actor):
        raise NotAllowed("只能置顶自己文章下的跟帖")
    thread = _thread_locked(locked.article_id)
    if pinned and locked.status != _PUBLISHED:
        raise InputError.one("", "这条跟帖已不再公开，不能置顶")
    if locked.pinned == pinned:
        return
    if pinned:
        Comment.objects.filter(article_id=locked.article_id, pinned=True).update(pinned=False)
    locked.pinned = pinned
    locked.save(update_fields=["pinned"])
    _copy_back(comment, locked)
    thread_changed.send(sender=Comment, article=locked.article, actor=actor, open=thread.comments_open)


@transaction.atomic
def comment_hide(*, comment: Comment, actor: User, reason: str) -> None:
    """The article's author hides a published comment on their own article, with a reason the
    commenter reads on 我的跟帖 (status hidden, audited). Nobody else's article."""
    locked = _locked(comment)
    if not _is_article_author(locked.article, actor):
        raise NotAllowed("只能隐藏自己文章下的跟帖")
    reason = _reason(reason, required="请写明隐藏的理由，跟帖的作者会看到")
    if locked.status != _PUBLISHED:
        raise InputError.one("", "这条跟帖已不再公开")
    _leave_public(locked, status=Comment.Status.HIDDEN, actor=actor, reason=reason)
    audit(actor=actor, action=AuditAction.COMMENT_HIDE, target=locked, reason=reason)
    _copy_back(comment, locked)


# --- editors ----------------------------------------------------------------------------------


@transaction.atomic
def comment_approve(*, comment: Comment, actor: User) -> None:
    """An editor publishes a held comment (counted, the box purged, audited)."""
    _editor(actor)
    locked = _locked(comment)
    if locked.status != Comment.Status.HELD:
        raise InputError.one("", "这条跟帖已经处理过了")
    if locked.article.status != Article.Status.PUBLISHED:
        raise InputError.one("", "这篇文章已不再公开，跟帖不能发布")
    locked.reason = ""
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    _make_public(locked)
    audit(actor=actor, action=AuditAction.COMMENT_APPROVE, target=locked)
    _copy_back(comment, locked)


def _close_reports(comment: Comment, *, actor: User, uphold: bool, reason: str) -> int:
    reports = list(
        CommentReport.objects.select_for_update().filter(comment=comment, status=CommentReport.Status.OPEN)
    )
    now = timezone.now()
    status = CommentReport.Status.UPHELD if uphold else CommentReport.Status.DISMISSED
    action = AuditAction.COMMENT_REPORT_UPHOLD if uphold else AuditAction.COMMENT_REPORT_DISMISS
    for report in reports:
        report.status, report.handled_by, report.handled_at = status, actor, now
        report.save(update_fields=["status", "handled_by", "handled_at"])
        audit(actor=actor, action=action, target=report, reason=reason)
    return len(reports)


@transaction.atomic
def comment_remove(*, comment: Comment, actor: User, reason: str) -> None:
    """An editor removes a comment (published, held or hidden) with a reason the commenter
    reads on 我的跟帖 (status removed, audited). Its open reports are settled as upheld."""
    _editor(actor)
    reason = _reason(reason, required="请写明删除的理由，跟帖的作者会看到")
    locked = _locked(comment)
    if locked.status == Comment.Status.DELETED:
        raise InputError.one("", "跟帖的作者已经删除了这条跟帖")
    if locked.status == Comment.Status.REMOVED:
        raise InputError.one("", "这条跟帖已经处理过了")
    _leave_public(locked, status=Comment.Status.REMOVED, actor=actor, reason=reason)
    audit(actor=actor, action=AuditAction.COMMENT_REMOVE, target=locked, reason=reason)
    _close_reports(locked, actor=actor, uphold=True, reason=reason)
    _copy_back(comment, locked)


@transaction.atomic
def comment_reports_decide(*, comment: Comment, actor: User, uphold: bool, reason: str) -> None:
    """An editor decides every open report on a comment at once: upheld removes the comment
    with the reason (required; the commenter reads it); dismissed leaves it as it is."""
    _editor(actor)
    reason = _reason(reason, required="请写明删除的理由，跟帖的作者会看到" if uphold else "")
    locked = _locked(comment)
    if not CommentReport.objects.filter(comment=locked, status=CommentReport.Status.OPEN).exists():
        raise InputError.one("", "这条跟帖的举报已经处理过了")
    if uphold and locked.status not in (Comment.Status.REMOVED, Comment.Status.DELETED):
        _leave_public(locked, status=Comment.Status.REMOVED, actor=actor, reason=reason)
        audit(actor=actor, action=AuditAction.COMMENT_REMOVE, target=locked, reason=reason)
    _close_reports(locked, actor=actor, uphold=uphold, reason=reason)
    _copy_back(comment, locked)


@transaction.atomic
def commenter_standing_set(*, user: User, actor: User, level: str, reason: str) -> CommenterStanding:
    """An editor sets a reader's standing as a commenter: `hold` sends each new comment to the
    queue, `block` refuses it with the reason; `normal` lifts either (audited)."""
    _editor(actor)
    if level not in CommenterStanding.Level.values:
        raise InputError.one("level", "请选择跟帖权限")
    required = "" if level == CommenterStanding.Level.NORMAL else "请写明理由，读者会看到"
    reason = _reason(reason, required=required)
    if user.id == actor.id:
        raise InputError.one("", "不能设置自己的跟帖权限")
    standing, _ = CommenterStanding.objects.update_or_create(
        user=user, defaults={"level": level, "reason": reason, "set_by": actor}
    )
    label = CommenterStanding.Level(level).label
    audit(
        actor=actor,
        action=AuditAction.COMMENTER_STANDING,
        target=user,
        reason=f"{label}：{reason}" if reason else label,
    )
    return standing


# --- the desk's comments queue ----------------------------------------------------------------


@dataclass
class ReportedComment:
    comment: Comment
    count: int
    categories: list[tuple[str, int]]  # (label, how many), most first
    reports: list[CommentReport] = field(default_factory=list)


def _attach_standing(comments: list[Comment]) -> None:
    ids = {c.author_id for c in comments}
    levels = dict(CommenterStanding.objects.filter(user_id__in=ids).values_list("user_id", "level"))
    for c in comments:
        c.standing = levels.get(c.author_id, CommenterStanding.Level.NORMAL)


def comment_queue_counts() -> dict[str, int]:
    return {
        "held": Comment.objects.filter(status=Comment.Status.HELD).count(),
        "reports": CommentReport.objects.filter(status=CommentReport.Status.OPEN)
        .values("comment_id")
        .distinct()
        .count(),
    }


def comment_queue_held() -> list[Comment]:
    """Held comments, oldest first, with their reasons, article and the commenter's standing."""
    held = list(
        Comment.objects.filter(status=Comment.Status.HELD)
        .select_related("article", "author")
        .order_by("id")[:QUEUE_SIZE]
    )
    _attach_standing(held)
    return held


def comment_queue_reports() -> list[ReportedComment]:
    """Open reports grouped per comment, most reported first, with the count per category."""
    top = list(
        CommentReport.objects.filter(status=CommentReport.Status.OPEN)
        .values("comment_id")
        .annotate(n=Count("id"))
        .order_by("-n", "comment_id")[:QUEUE_SIZE]
    )
    ids = [t["comment_id"] for t in top]
    comments = Comment.objects.select_related("article", "author").in_bulk(ids)
    reports: dict[int, list[CommentReport]] = {i: [] for i in ids}
    for r in (
        CommentReport.objects.filter(status=CommentReport.Status.OPEN, comment_id__in=ids)
        .select_related("reporter")
        .order_by("created_at", "id")
    ):
        reports[r.comment_id].append(r)
    labels = dict(CommentReport.Category.choices)
    groups = []
    for t in top:
        rs = reports[t["comment_id"]]
        counted = Counter(r.category for r in rs).most_common()
        groups.append(
            ReportedComment(
                comment=comments[t["comment_id"]],
                count=t["n"],
                categories=[(labels.get(c, c), n) for c, n in counted],
                reports=rs,
            )
        )
    _attach_standing([g.comment for g in groups])
    return groups


def commenter_get(user_id: int) -> User:
    """The reader whose standing an editor sets (any account), or 404."""
    return get_object_or_404(User, pk=user_id)


# --- the studio: one article's comments, and 通知 ----------------------------------------------


def comments_for_article_author(article: Article) -> QuerySet[Comment]:
    """Every comment on the author's article that a reader sees or saw (published, hidden,
    removed), pinned first then newest; held and deleted ones are not the author's to see."""
    shown = (_PUBLISHED, Comment.Status.HIDDEN, Comment.Status.REMOVED)
    return (
        Comment.objects.filter(article=article, status__in=shown)
        .select_related("author", "parent__author")
        .order_by("-pinned", "-id")
    )


def comment_get_on_own_article(comment_id: int, user: User) -> Comment:
    """A comment on one of the creator's own articles, or 404 (never another creator's)."""
    comment = (
        Comment.objects.select_related("article__author")
        .filter(id=comment_id, article__author__user=user)
        .exclude(status__in=(Comment.Status.HELD, Comment.Status.DELETED))
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def comment_notices(user: User) -> QuerySet[Comment]:
    """New comments and replies by others on the creator's articles, newest first."""
    return (
        Comment.objects.filter(article__author__user=user, status=_PUBLISHED)
        .exclude(author=user)
        .select_related("article", "author", "parent__author")
        .order_by("-id")
    )


def comment_notices_unread(user: User) -> int:
    seen = CommentNoticesSeen.objects.filter(user=user).values_list("last_id", flat=True).first() or 0
    return comment_notices(user).filter(id__gt=seen).count()


def comment_notices_seen_up_to(user: User) -> int:
    return CommentNoticesSeen.objects.filter(user=user).values_list("last_id", flat=True).first() or 0


@transaction.atomic
def comment_notices_mark_read(*, user: User, last_id: int) -> None:
    """The creator has read the 跟帖 tab up to `last_id` (never moves back)."""
    seen, created = CommentNoticesSeen.objects.get_or_create(user=user, defaults={"last_id": last_id})
    if not created and last_id > seen.last_id:
        CommentNoticesSeen.objects.filter(user=user, last_id__lt=last_id).update(last_id=last_id)
