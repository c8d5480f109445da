import zlib

from django.contrib.auth.models import AbstractUser
from django.db import models

from .levels import badges_for
from .usernames import username_skeleton


class User(AbstractUser):
    """Everyone with an account. Role says what the account may do; a creator also has a
    CreatorProfile (made when an editor approves their application)."""

    class Role(models.TextChoices):
        READER = "reader", "读者"
        CREATOR = "creator", "创作者"
        EDITOR = "editor", "编辑"
        ADMIN = "admin", "管理员"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.READER)
    # What the username looks like (accounts/usernames.py): a new name may not share it with
    # an existing one (Cyrillic rеader beside reader). Kept by save(), whoever saves.
    username_skeleton = models.CharField(max_length=150, db_index=True, editable=False, default="")

    def save(self, *args, **kwargs):
        skeleton = username_skeleton(self.username)[:150]
        if skeleton != self.username_skeleton:
            self.username_skeleton = skeleton
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "username_skeleton" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "username_skeleton"]
        super().save(*args, **kwargs)

    @property
    def is_editor(self) -> bool:
        return self.is_superuser or self.role in (self.Role.EDITOR, self.Role.ADMIN)

    @property
    def is_creator(self) -> bool:
        return hasattr(self, "creator_profile")


class CreatorProfile(models.Model):
    """A creator's public identity: the author card on every article page."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="creator_profile")
    pen_name = models.CharField(max_length=30, unique=True)
    tagline = models.CharField(max_length=60, blank=True)
    intro = models.TextField(blank=True)
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="creators")
    level = models.PositiveSmallIntegerField(default=1)
    trusted = models.BooleanField(default=False)
    # Kept true by the services that change what they count (article_publish, follow_create …).
    article_count = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    attention = models.PositiveIntegerField(default=0)  # 关注度
    # The creator index (originality, activity, engagement, standing), recomputed daily; its
    # parts are kept so the creator sees how their level was computed (accounts/levels.py).
    creator_index = models.FloatField(default=0.0)
    index_detail = models.JSONField(default=dict, blank=True)
    index_updated_at = models.DateTimeField(null=True, blank=True)
    # 信用分: starts at 100, lowered by upheld violations, restored over time; its history is
    # moderation.CreditEvent.
    credit = models.SmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    # A square WebP the creator uploaded in the studio (accounts/avatars.py); without one, pages
    # show the pen name's first character on a colour of its own (`avatar_colour`).
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    # The newest editor's decision (its audit entry id) the creator has seen in 通知: newer ones
    # are the studio's unread badge (moderation.selectors.notices_unread).
    notices_seen_id = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.pen_name

    @property
    def avatar_colour(self) -> int:
        """Which of the default avatars' colours (0–9, `.av0`…`.av9` in look.css) is this pen
        name's: the same name always gets the same colour, different names mostly differ."""
        return zlib.crc32(self.pen_name.encode()) % 10

    @property
    def badges(self) -> list[str]:
        """The author card's level and incentive badges, as text: "Lv3", then the badges'
        labels (rules in accounts/levels.py and docs/creator-index.md)."""
        return [f"Lv{self.level}", *(b.label for b in self.badge_items)]

    @property
    def badge_items(self) -> list:
        """The incentive badges (levels.Badge: label, accessible name, rule): those the last
        daily recompute earned, and 信 (trusted and 信用分 ≥ 90) as it stands now."""
        return badges_for(
            level=self.level, detail=self.index_detail, trusted=self.trusted, credit=self.credit
        )


class CreatorApplication(models.Model):
    """申请入驻: a reader asks to become a creator; an editor approves or rejects with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="applications")
    pen_name = models.CharField(max_length=30)
    tagline = models.CharField(max_length=60)
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT)
    intro = models.TextField(max_length=2000)
    sample_work = models.TextField(max_length=20000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviewed_applications"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.pen_name} ({self.status})"


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following")
    creator = models.ForeignKey(CreatorProfile, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follower", "creator"], name="unique_follow")]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.creator_id}"


class ApiToken(models.Model):
    """A personal access token for the API. Only a SHA-256 hash of the token is stored; the
    token itself is shown once, when it is created (studio or `zimei token create`)."""

    class Scope(models.TextChoices):
        READ = "read", "只读"
        WRITE = "write", "读写"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60, blank=True)
    prefix = models.CharField(max_length=12)  # shown in lists so a creator can tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
