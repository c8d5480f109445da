from __future__ import annotations

from django.conf import settings
from django.db import models

from zimei.conversion.variants import field_suffix


class Image(models.Model):
    """An image a creator uploaded: already decoded, checked and re-encoded (see images.py)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images")
    file = models.ImageField(upload_to="img/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name

    @property
    def url(self) -> str:
        return self.file.url


# What a list of articles reads (home, channel, author pages, feeds, the hot list): small
# columns only, with the author's pen name and the channel joined in the same query.
LIST_FIELDS = (
    "id", "title_hans", "title_hant", "title_hk", "summary_hans", "summary_hant", "summary_hk", "cover_url",
    "published_at", "view_count", "share_count", "original", "source",
    "author_id", "author__pen_name", "author__avatar", "channel_id", "channel__slug", "channel__name",
)  # fmt: skip


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """What readers may see."""
        return self.filter(status=Article.Status.PUBLISHED)

    def for_list(self, *also: str) -> ArticleQuerySet:
        """The columns a list item shows (LIST_FIELDS, plus `also`), author and channel joined."""
        return self.select_related("author", "channel").only(*LIST_FIELDS, *also)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PENDING = "pending_review", "待审核"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"
        TAKEN_DOWN = "taken_down", "已下架"
        REJECTED = "rejected", "未通过"
        CHANGES = "changes_requested", "需修改"

    author = models.ForeignKey("accounts.CreatorProfile", on_delete=models.CASCADE, related_name="articles")
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="articles")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    # Column order matters on SQLite: the small columns every list reads come first, the large
    # text columns last, so that a list query never walks a body's overflow pages.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)
    # 热点 score, kept incrementally in log space (see distribution/hot.py): ranking by it
    # needs no recomputation as time passes.
    hot_log = models.FloatField(default=0.0)
    # 64-bit SimHash of the published text (signed to fit a bigint): near-duplicates share
    # most bits (related articles leave them out; the spam check finds reposts by it).
    simhash = models.BigIntegerField(null=True, blank=True)
    # The spam check's verdict at the last submit or publish, with reasons the creator and
    # the editors read (see moderation/spam.py).
    spam_score = models.FloatField(default=0.0)
    review_reasons = models.JSONField(default=list, blank=True)
    # The same check's findings as data: [{"rule", "score", "reason", "raw_only"}], what the
    # publish check keeps from the save's (moderation/spam.py raw_only_findings).
    spam_findings = models.JSONField(default=list, blank=True)
    original = models.BooleanField(default=True)
    source = models.CharField(max_length=100, blank=True)
    script = models.CharField(max_length=8, default="zh-hans")
    cover = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cover_url = models.CharField(max_length=300, blank=True)
    # 题图: whether the cover shows at the top of the article page, and what it shows (its alt
    # text, in the creator's script): the working copy's choice. The published choice is
    # lead_alt_* below (empty: no lead image), written at publish like the titles.
    lead_image = models.BooleanField(default=False)
    cover_alt = models.CharField(max_length=200, blank=True)
    # Where an imported article came from (file path, WXR guid): a second import skips it.
    import_key = models.CharField(max_length=300, blank=True)
    # A published article whose edit waits for review (a creator not yet trusted, or flagged):
    # the published version stays public, untouched, until an editor approves the edit.
    edit_pending = models.BooleanField(default=False)

    # The published version, rendered once per script variant at publish time so that the
    # read path never converts: a page reads the fields of its variant.
    title_hans = models.CharField(max_length=128, blank=True)
    title_hant = models.CharField(max_length=128, blank=True)
    summary_hans = models.CharField(max_length=400, blank=True)
    summary_hant = models.CharField(max_length=400, blank=True)
    title_hk = models.CharField(max_length=128, blank=True)
    summary_hk = models.CharField(max_length=400, blank=True)
    lead_alt_hans = models.CharField(max_length=200, blank=True)
    lead_alt_hant = models.CharField(max_length=200, blank=True)
    lead_alt_hk = models.CharField(max_length=200, blank=True)

    # What the creator wrote (the working copy; body already sanitised), in their script.
    title = models.CharField(max_length=64)
    summary = models.CharField(max_length=200, blank=True)
    takedown_reason = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True)
    related_ids = models.JSONField(default=list, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub"),
            models.Index(fields=["channel", "status", "-published_at"], name="article_channel_pub"),
            # id too: the desk's search reads an author's article ids from it alone.
            models.Index(fields=["author", "status", "-published_at", "id"], name="article_author_pub"),
            models.Index(fields=["author", "import_key"], name="article_author_import"),
            models.Index(fields=["status", "-hot_log"], name="article_status_hot"),
            models.Index(fields=["channel", "status", "-hot_log"], name="article_channel_hot"),
            models.Index(fields=["simhash"], name="article_simhash"),
            # The desk's lists, recently edited first (its article list, its search's walk).
            models.Index(fields=["-updated_at", "-id"], name="article_updated"),
            # What a search reads of each match (search/backends.py, SQLITE_ARTICLES): a few
            # dozen bytes an article beside its neighbours', where the row is a page of its own
            # (read from the disk, 2,000 rows of a rank window were 2,000 reads).
            models.Index(
                fields=["id", "status", "published_at", "hot_log", "channel", "author"],
                name="article_search_rank",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Save the article and, unless update_fields leaves out "body", its loaded body row."""
        update_fields = kwargs.get("update_fields")
        with_body = update_fields is None or "body" in update_fields
        if update_fields is not None:
            kwargs["update_fields"] = [f for f in update_fields if f != "body"]
        super().save(*args, **kwargs)
        if with_body and self._body_row is not None:
            self._body_row.article = self
            self._body_row.save()

    def get_absolute_url(self, variant: str = "zh-hans", care: bool = False) -> str:
        """The reader's page of this article in `variant`'s script (reader/urls.py's "a/<id>/",
        written out: lists and sitemaps call this thousands of times, reverse() is slower)."""
        return f"/{variant}/{'care/' if care else ''}a/{self.pk}/"

    def in_variant(self, field: str, variant: str) -> str:
        """A field stored once per script (title, summary, body) in `variant`'s script."""
        return getattr(self, f"{field}_{field_suffix(variant)}")

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._body_row = None
        self._state.fields_cache.pop("text", None)

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def under_review(self) -> bool:
        """Held for review: a submission never published (pending_review), or an edit of a
        published article (which stays public meanwhile)."""
        held_edit = self.status == self.Status.PUBLISHED and self.edit_pending
        return self.status == self.Status.PENDING or held_edit

    @property
    def working_copy_submitted(self) -> bool:
        """Whether the working copy was submitted for review (editors may read it); otherwise
        it holds changes the author has not submitted, which are the author's alone."""
        return self.under_review or self.status in (self.Status.REJECTED, self.Status.CHANGES)

    @property
    def working_copy_for_editors(self) -> bool:
        """Whether editors read the working copy: once submitted, or never published."""
        return self.working_copy_submitted or not self.published_at

    @property
    def title_for_editors(self) -> str:
        """The title editors see: the working copy's once submitted, else the published one
        (in the writer's script)."""
        if self.working_copy_for_editors:
            return self.title
        return self.in_variant("title", self.script) or self.title

    # The three bodies live in their own table (ArticleBody): list queries, the hot list and
    # counters then read small rows, many to a page, on SQLite and PostgreSQL alike. These
    # properties keep `article.body_html` working everywhere; save() writes the body row too.
    _body_row: ArticleBody | None = None

    @property
    def body(self) -> ArticleBody:
        if self._body_row is None:
            try:
                self._body_row = self.text if self.pk else ArticleBody(article=self)
            except ArticleBody.DoesNotExist:
                self._body_row = ArticleBody(article=self)
        return self._body_row

    @property
    def body_html(self) -> str:
        return self.body.body_html

    @body_html.setter
    def body_html(self, value: str) -> None:
        self.body.body_html = value

    @property
    def body_hans(self) -> str:
        return self.body.body_hans

    @body_hans.setter
    def body_hans(self, value: str) -> None:
        self.body.body_hans = value

    @property
    def body_hant(self) -> str:
        return self.body.body_hant

    @body_hant.setter
    def body_hant(self, value: str) -> None:
        self.body.body_hant = value

    @property
    def body_hk(self) -> str:
        return self.body.body_hk

    @body_hk.setter
    def body_hk(self, value: str) -> None:
        self.body.body_hk = value


class ArticleBody(models.Model):
    """An article's bodies: the creator's working copy and the published one in each script."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True, related_name="text")
    body_html = models.TextField(blank=True)
    body_hans = models.TextField(blank=True)
    body_hant = models.TextField(blank=True)
    body_hk = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"body of {self.article_id}"


class Revision(models.Model):
    """A kept version of an article: every save in the studio, autosaves included."""

    class Kind(models.TextChoices):
        AUTOSAVE = "autosave", "自动保存"
        SAVE = "save", "保存"
        PUBLISH = "publish", "发布"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=64)
    summary = models.CharField(max_length=200, blank=True)
    body_html = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.kind} {self.created_at:%Y-%m-%d %H:%M:%S}"
