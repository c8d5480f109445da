"""Writes on comments, votes, likes, saves and comment reports (docs/comments.md). Every
function is keyword-only and atomic; what follows a write (the purge of the comment box, the
author's 通知, the desk) hangs on the signals in events.py.

Reader side (built here): comment_post, comment_delete, comment_vote, article_like_set,
article_save_set, comment_report_create.
Creator and desk side (moderation.py): comment_hide, comment_pin, comments_set_open,
comment_approve, comment_remove, comment_reports_decide, commenter_standing_set. They change
status through `_leave_public` / `_make_public`, which keep the thread's count and send the
events.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from zimei.accounts.models import User
from zimei.articles.models import Article
from zimei.core.errors import InputError, NotAllowed, control_characters_check
from zimei.core.ratelimit import rate_hit
from zimei.moderation.normalize import normalise
from zimei.moderation.services import report_input_check
from zimei.moderation.spam import HOLD, HOLD_AT, REJECT, Finding, spam_check, verdict_of

from .events import comment_held, comment_left_public, comment_published
from .models import (
    BODY_MAX,
    QUOTE_DEPTH,
    ArticleLike,
    ArticleSave,
    ArticleThread,
    Comment,
    CommenterStanding,
    CommentReport,
    CommentVote,
)

# Repetition (docs/comments.md): the same text (normalised, without spaces and punctuation, at
# least REPEAT_MIN_CHARS long: 好文 and 支持 are said by everyone) within REPEAT_WINDOW.
REPEAT_MIN_CHARS = 8
REPEAT_WINDOW = timedelta(hours=24)
REPEAT_SAME_AUTHOR = 1  # earlier copies by the same reader that hold the next one
REPEAT_ANY_AUTHOR = 3  # earlier copies by anyone that hold the next one
# A reader's URLs become clickable links once trusted: an account this old with this many
# published comments, or any creator, editor or admin.
TRUST_DAYS = 7
TRUST_COMMENTS = 3

_NOT_WORD = re.compile(r"[\W_]+")


# --- helpers ----------------------------------------------------------------------------------


def fingerprint(body: str) -> str:
    """The repetition key of a comment's text ('' when too short to count)."""
    core = _NOT_WORD.sub("", normalise(body))
    if len(core) < REPEAT_MIN_CHARS:
        return ""
    return hashlib.blake2b(core.encode(), digest_size=16).hexdigest()


def as_html(body: str) -> str:
    """A comment's plain text as the HTML the spam check reads (one paragraph a line)."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in body.splitlines() if line.strip())


def _repetition(*, author: User, print_: str) -> list[Finding]:
    if not print_:
        return []
    since = timezone.now() - REPEAT_WINDOW
    earlier = Comment.objects.filter(fingerprint=print_, created_at__gte=since)
    own = earlier.filter(author=author).count()
    if own >= REPEAT_SAME_AUTHOR:
        return [Finding("repeat", HOLD_AT, "你最近已经发过同样的内容，重复的跟帖需经编辑审核")]
    if earlier.count() >= REPEAT_ANY_AUTHOR:
        return [Finding("repeat", HOLD_AT, "同样的内容最近被多个账号发过，疑似刷屏，需经编辑审核")]
    return []


def reader_trusted(user: User) -> bool:
    """Whether a reader's links are clickable (docs/comments.md, "Links")."""
    if user.role != User.Role.READER:
        return True
    if timezone.now() - user.date_joined < timedelta(days=TRUST_DAYS):
        return False
    published = Comment.objects.filter(author=user, status=Comment.Status.PUBLISHED)
    return published.count() >= TRUST_COMMENTS


def _thread(article_id: int, *, lock: bool = False) -> ArticleThread:
    thread, _ = ArticleThread.objects.get_or_create(article_id=article_id)
    if lock:
        thread = ArticleThread.objects.select_for_update().get(pk=article_id)
    return thread


def _count(article_id: int, field: str, delta: int) -> None:
    _thread(article_id)
    ArticleThread.objects.filter(pk=article_id).update(**{field: F(field) + delta})


def _make_public(comment: Comment) -> None:
    """held → published: counted, announced (the box is purged on commit)."""
    comment.status = Comment.Status.PUBLISHED
    comment.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    _count(comment.article_id, "comment_count", 1)
    comment_published.send(sender=Comment, comment=comment)


def _leave_public(comment: Comment, *, status: str, actor: User, reason: str = "") -> None:
    """Any status → hidden / removed / deleted, with who and why; uncounted and announced
    when it was public."""
    was_public = comment.status == Comment.Status.PUBLISHED
    comment.status = status
    comment.reason = reason
    comment.decided_by = actor
    comment.decided_at = timezone.now()
    fields = ["status", "reason", "decided_by", "decided_at"]
    if comment.pinned:
        comment.pinned = False
        fields.append("pinned")
    comment.save(update_fields=fields)
    if was_public:
        _count(comment.article_id, "comment_count", -1)
        comment_left_public.send(sender=Comment, comment=comment, actor=actor, status=status, reason=reason)


def _published_article(article: Article) -> Article:
    if article.status != Article.Status.PUBLISHED:
        raise InputError.one("", "这篇文章已不再公开")
    return article


# --- reader side ------------------------------------------------------------------------------


@transaction.atomic
def comment_post(
    *, article: Article, author: User, body: str, parent: Comment | None = None, address: str = ""
) -> Comment:
    """跟帖 or reply. Runs the spam check on the raw text plus the repetition rule: a refusal
    raises InputError (the reasons; nothing is kept), a hold keeps the comment `held` with its
    reasons (the reader is told, the desk decides), else it is published. Rate-limited per
    reader and per address (`address`: core.ratelimit.client_address), every attempt counted."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = ["请写下跟帖内容"]
    elif len(body) > BODY_MAX:
        errors["body"] = [f"跟帖最多 {BODY_MAX} 个字，现在有 {len(body)} 个字"]
    control_characters_check(errors, {"body": body})
    if errors:
        raise InputError(errors)
    _published_article(article)
    thread = ArticleThread.objects.filter(pk=article.id).first()
    if thread is not None and not thread.comments_open:
        raise InputError.one("", "作者已关闭这篇文章的跟帖")
    standing = CommenterStanding.objects.filter(user=author).first()
    if standing is not None and standing.level == CommenterStanding.Level.BLOCK:
        reason = f"：{standing.reason}" if standing.reason else ""
        raise NotAllowed(f"你的账号已被禁止跟帖{reason}")
    if parent is not None and (parent.article_id != article.id or parent.status != Comment.Status.PUBLISHED):
        raise InputError.one("", "你回复的跟帖已不存在")
    rate_hit("comment", str(author.id))
    if address:
        rate_hit("comment-address", address)

    verdict = spam_check(title="", summary="", body_html_raw=as_html(body))
    print_ = fingerprint(body)
    repeat = _repetition(author=author, print_=print_)
    if repeat:
        verdict = verdict_of([*verdict.findings, *repeat])
    if verdict.action == REJECT:
        raise InputError({"body": [*verdict.reasons, "这条跟帖不能发布，请修改后再发"]})
    held = verdict.action == HOLD or (standing is not None and standing.level == CommenterStanding.Level.HOLD)
    reasons = list(verdict.reasons)
    if standing is not None and standing.level == CommenterStanding.Level.HOLD:
        reasons.append("你的跟帖需经编辑审核后显示" + (f"：{standing.reason}" if standing.reason else ""))
    ancestors: list[int] = []
    if parent is not None:
        ancestors = [*parent.ancestor_ids, parent.id][-QUOTE_DEPTH:]
    comment = Comment.objects.create(
        article=article,
        author=author,
        parent=parent,
        ancestor_ids=ancestors,
        body=body,
        fingerprint=print_,
        status=Comment.Status.HELD if held else Comment.Status.PUBLISHED,
        reasons=reasons,
        spam_score=verdict.score,
        spam_findings=verdict.findings_data,
        links_live=reader_trusted(author),
    )
    if held:
        comment_held.send(sender=Comment, comment=comment)
    else:
        _count(article.id, "comment_count", 1)
        comment_published.send(sender=Comment, comment=comment)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> None:
    """The commenter deletes their own comment (any status). Nobody else may: the article's
    author hides (comment_hide), editors remove (comment_remove)."""
    if comment.author_id != actor.id:
        raise NotAllowed("只能删除自己的跟帖")
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.status == Comment.Status.DELETED:
        return
    _leave_public(locked, status=Comment.Status.DELETED, actor=actor)
    comment.status = locked.status


@transaction.atomic
def comment_vote(*, comment: Comment, user: User) -> bool:
    """顶: once per reader per comment (a second time changes nothing). True when counted."""
    if comment.status != Comment.Status.PUBLISHED:
        raise InputError.one("", "这条跟帖已不存在")
    rate_hit("react", str(user.id))
    try:
        with transaction.atomic():
            CommentVote.objects.create(comment=comment, user=user)
    except IntegrityError:
        return False
    Comment.objects.filter(pk=comment.pk).update(up_count=F("up_count") + 1)
    return True


@transaction.atomic
def article_like_set(*, article: Article, user: User, liked: bool = True) -> bool:
    """点赞 (or take it back): one per reader per article. True when something changed."""
    _published_article(article)
    rate_hit("react", str(user.id))
    if liked:
        try:
            with transaction.atomic():
                ArticleLike.objects.create(article=article, user=user)
        except IntegrityError:
            return False
        _count(article.id, "like_count", 1)
        return True
    deleted, _ = ArticleLike.objects.filter(article=article, user=user).delete()
    if deleted:
        _count(article.id, "like_count", -1)
    return bool(deleted)


@transaction.atomic
def article_save_set(*, article: Article, user: User, saved: bool = True) -> bool:
    """收藏 (or take it out): one per reader per article. True when something changed."""
    rate_hit("react", str(user.id))
    if saved:
        _published_article(article)
        try:
            with transaction.atomic():
                ArticleSave.objects.create(article=article, user=user)
        except IntegrityError:
            return False
        return True
    deleted, _ = ArticleSave.objects.filter(article=article, user=user).delete()
    return bool(deleted)


@transaction.atomic
def comment_report_create(*, comment: Comment, reporter: User, category: str, note: str) -> CommentReport:
    """举报 a comment: one open report per reader per comment, categories as for articles."""
    note = report_input_check(category=category, note=note)
    if comment.status != Comment.Status.PUBLISHED:
        raise InputError.one("", "这条跟帖已不再公开，不需要举报")
    if comment.author_id == reporter.id:
        raise InputError.one("", "不能举报自己的跟帖")
    open_ = CommentReport.objects.filter(comment=comment, reporter=reporter, status=CommentReport.Status.OPEN)
    if open_.exists():
        raise InputError.one("", "你对这条跟帖的举报已经收到，编辑正在处理，不必重复举报")
    rate_hit("report", str(reporter.id))
    return CommentReport.objects.create(comment=comment, reporter=reporter, category=category, note=note)


# --- creator and desk side -------------------------------------------------------------------
# comment_hide, comment_pin, comments_set_open, comment_approve, comment_remove,
# comment_reports_decide and commenter_standing_set are in moderation.py (they use
# _make_public / _leave_public above).
