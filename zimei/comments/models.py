"""跟帖 (comments) on articles, 顶 (up-votes), 点赞 (likes) and 收藏 (saves) of articles, reports
of comments, the per-article thread settings (comments on or off, counts) and a reader's
commenting standing. docs/comments.md describes the states and who may change them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zimei.moderation.models import Report

BODY_MAX = 1000  # characters of a comment, as typed (plain text)
QUOTE_DEPTH = 8  # ancestors kept on a reply for its stacked quote (盖楼)


class Comment(models.Model):
    """One 跟帖 on an article, or a reply (`parent`) to another. The body is plain text as typed
    (escaped, line breaks kept and URLs linked only when shown: text.py)."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "已发布"
        HELD = "held", "待审核"  # the spam check, repetition or the commenter's standing held it
        HIDDEN = "hidden", "已隐藏"  # the article's author hid it, with a reason
        REMOVED = "removed", "已删除（编辑）"  # an editor removed it, with a reason
        DELETED = "deleted", "已删除"  # the commenter deleted it

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # The replied-to chain, oldest first, at most QUOTE_DEPTH ids, fixed when the reply is
    # posted: a page of replies loads all its quotes in one query.
    ancestor_ids = models.JSONField(default=list, blank=True)
    body = models.TextField(max_length=BODY_MAX)
    # normalise(body) without spaces and punctuation, hashed: the repetition rule's key.
    fingerprint = models.CharField(max_length=32, db_index=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    # Why it is held, hidden or removed, as the commenter is told (Simplified).
    reasons = models.JSONField(default=list, blank=True)  # the spam check's / repetition's reasons
    spam_score = models.FloatField(default=0.0)
    spam_findings = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)  # the author's (hide) or editor's (remove) reason
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Trusted when posted (docs/comments.md): only then are its URLs clickable links.
    links_live = models.BooleanField(default=False)
    up_count = models.PositiveIntegerField(default=0)
    pinned = models.BooleanField(default=False)  # one per article, set by the article's author
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # newest first (the first page of a hot article is an index range scan)
            models.Index(fields=["article", "status", "-id"], name="comment_newest"),
            # 热门跟帖
            models.Index(fields=["article", "status", "-up_count"], name="comment_hot"),
            # the reader's own comments page
            models.Index(fields=["author", "-id"], name="comment_by_author"),
            # the desk's queue
            models.Index(fields=["status", "-id"], name="comment_status"),
            # repetition: the same text lately, any article, any account
            models.Index(fields=["fingerprint", "created_at"], name="comment_repeat"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["article"], condition=Q(pinned=True), name="one_pinned_comment"),
        ]

    def __str__(self) -> str:
        return f"comment #{self.pk} on {self.article_id}"

    @property
    def public(self) -> bool:
        return self.status == self.Status.PUBLISHED


class CommentVote(models.Model):
    """顶: one per reader per comment (Comment.up_count counts them)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="one_vote_per_reader")]

    def __str__(self) -> str:
        return f"{self.user_id} 顶 {self.comment_id}"


class ArticleLike(models.Model):
    """点赞: one per reader per article (ArticleThread.like_count counts them)."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="one_like_per_reader")]

    def __str__(self) -> str:
        return f"{self.user_id} 点赞 {self.article_id}"


class ArticleSave(models.Model):
    """收藏: one per reader per article; the reader's saved-articles page lists them newest first."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saves")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="one_save_per_reader")]
        indexes = [models.Index(fields=["user", "-created_at"], name="saves_by_reader")]

    def __str__(self) -> str:
        return f"{self.user_id} 收藏 {self.article_id}"


class ArticleThread(models.Model):
    """Per article: whether comments are open (the author or an editor may close them) and the
    counts the comment box shows. A row is made on the first comment, like or close; no row
    means open with nothing counted."""

    article = models.OneToOneField(
        "articles.Article", primary_key=True, on_delete=models.CASCADE, related_name="thread"
    )
    comments_open = models.BooleanField(default=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)  # published comments and replies
    like_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"thread of {self.article_id}"


class CommentReport(models.Model):
    """举报 of a comment, with the same categories as a report of an article."""

    Category = Report.Category
    Status = Report.Status

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(max_length=16, choices=Report.Category.choices)
    note = models.TextField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Report.Status.choices, default=Report.Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "comment"], name="comment_report_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], condition=Q(status="open"), name="one_open_comment_report"
            )
        ]

    def __str__(self) -> str:
        return f"report {self.category} on comment {self.comment_id}"


class CommenterStanding(models.Model):
    """A reader's standing as a commenter, set by editors (the desk): `hold` sends every new
    comment to the queue, `block` refuses them; no row is `normal`."""

    class Level(models.TextChoices):
        NORMAL = "normal", "正常"
        HOLD = "hold", "跟帖需审核"
        BLOCK = "block", "禁止跟帖"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="comment_standing"
    )
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.NORMAL)
    reason = models.TextField(blank=True)  # shown to the reader
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.level}"


class CommentNoticesSeen(models.Model):
    """How far a creator has read the 跟帖 tab of 通知: comments on their articles with a
    larger id are unread (one row per creator, made on their first visit)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id} read up to {self.last_id}"
