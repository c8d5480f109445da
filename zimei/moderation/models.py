from django.conf import settings
from django.db import models

from zimei.core.audit_actions import AuditAction

# Decisions on an article, as the studio's 通知 list shows them.
ARTICLE_DECISIONS = (
    AuditAction.ARTICLE_APPROVE,
    AuditAction.ARTICLE_REJECT,
    AuditAction.ARTICLE_REQUEST_CHANGES,
    AuditAction.ARTICLE_TAKE_DOWN,
    AuditAction.ARTICLE_RESTORE,
    AuditAction.ARTICLE_SPAM_REJECT,
)


class ReviewDecision(models.TextChoices):
    """What an editor decides on an article in the review queue (moderation.article_review)."""

    APPROVE = "approve", "通过"
    REJECT = "reject", "驳回"
    CHANGES = "changes", "退回修改"
    TAKE_DOWN = "take_down", "下架"


class AuditEntry(models.Model):
    """One editorial decision: who did what to which object, when and why. Append-only:
    nothing in Zimei updates or deletes these rows (the admin shows them read-only)."""

    Action = AuditAction

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField()
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)


class BannedWord(models.Model):
    """The operator's lexicon for the spam check, edited in the desk. Matched (Aho-Corasick)
    on text normalised by script, width and obfuscation; `action` says what a hit does."""

    class Action(models.TextChoices):
        HOLD = "hold", "送审"
        REJECT = "reject", "拒绝"

    word = models.CharField(max_length=64, unique=True)  # stored normalised
    category = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.HOLD)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Report(models.Model):
    """举报: a reader's report of an article, worked in the desk's review queue."""

    class Category(models.TextChoices):
        SPAM = "spam", "垃圾广告"
        PORN = "porn", "色情低俗"
        FRAUD = "fraud", "诈骗"
        FALSE = "false", "不实信息"
        ABUSE = "abuse", "辱骂攻击"
        COPYRIGHT = "copyright", "侵权抄袭"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "成立"
        DISMISSED = "dismissed", "不成立"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    category = models.CharField(max_length=16, choices=Category.choices)
    note = models.TextField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"report {self.category} on {self.article_id}"


class Appeal(models.Model):
    """A creator's one appeal against one editorial decision (an audit entry)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        GRANTED = "granted", "已采纳"
        DENIED = "denied", "已驳回"

    decision = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="appeal")
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.CASCADE)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals")
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    answer = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"appeal of {self.decision_id} ({self.status})"


class CreditEvent(models.Model):
    """One change to a creator's 信用分, with its reason: the history the creator sees."""

    creator = models.ForeignKey(
        "accounts.CreatorProfile", on_delete=models.CASCADE, related_name="credit_events"
    )
    delta = models.SmallIntegerField()
    balance = models.SmallIntegerField()
    reason = models.CharField(max_length=200)
    decision = models.ForeignKey(
        AuditEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.creator_id}: {self.delta:+d} → {self.balance}"
