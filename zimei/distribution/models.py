from django.conf import settings
from django.core.cache import cache
from django.db import models


class Channel(models.Model):
    """A section of the site. `kind` separates the news channels (科技 頭條 …) from the
    platform's own originals (態度原創: 藝術 手機 …); slugs are fixed and public (URLs, API)."""

    class Kind(models.TextChoices):
        NEWS = "news", "要闻"
        ORIGINAL = "original", "态度原创"

    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=32)  # written in Simplified; rendered per variant
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NEWS)
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


CHANNELS_CACHE_SECONDS = 60


def channels_by_id() -> dict[int, Channel]:
    """All channels (there are eleven), from a 60-second cache: pages never join them.
    channel_update clears it; other workers see an edit within the minute."""
    found = cache.get("channels")
    if found is None:
        found = {c.id: c for c in Channel.objects.all()}
        cache.set("channels", found, CHANNELS_CACHE_SECONDS)
    return found


def channel_by_slug(slug: str | None, *, fresh: bool = False) -> Channel | None:
    """The channel with this slug, or None: from the channel cache (a channel added since is
    read from the database), or, `fresh`, the row as stored (for a write)."""
    if not slug:
        return None
    if fresh:
        return Channel.objects.filter(slug=slug).first()
    for channel in channels_by_id().values():
        if channel.slug == slug:
            return channel
    found = Channel.objects.filter(slug=slug).first()
    if found is not None:
        cache.delete("channels")
    return found


# The fixed channel set: (slug, name, kind). Migrations create these; the API and URLs use the slugs.
CHANNELS: list[tuple[str, str, str]] = [
    ("tech", "科技", "news"),
    ("news", "头条", "news"),
    ("sports", "体育", "news"),
    ("ent", "娱乐", "news"),
    ("money", "财经", "news"),
    ("auto", "汽车", "news"),
    ("art", "艺术", "original"),
    ("mobile", "手机", "original"),
    ("local", "本地", "original"),
    ("open", "公开课", "original"),
    ("war", "军事航空", "original"),
]


class ArticleKeyword(models.Model):
    """An inverted index of each published article's weighted keywords (TF-IDF over jieba
    segments of its Simplified text), so related articles are found without a table scan."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="keyword_rows")
    word = models.CharField(max_length=32)
    weight = models.FloatField()

    class Meta:
        indexes = [
            models.Index(fields=["word", "article"], name="keyword_word_article"),
            # related articles read each word's heaviest postings first (index-only)
            models.Index(fields=["word", "-weight", "article"], name="keyword_word_weight"),
        ]
        constraints = [models.UniqueConstraint(fields=["article", "word"], name="unique_article_word")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.word}"


class CounterFlush(models.Model):
    """A batch of view counts moved from Redis to the database: recorded in the same
    transaction as the counts, so a batch applied once is never applied again."""

    batch_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.batch_id


class HotPin(models.Model):
    """An editor's hand on the hot list: pin an article to a slot, or remove it. A pin with no
    channel applies to the site-wide list."""

    class Action(models.TextChoices):
        PIN = "pin", "置顶"
        REMOVE = "remove", "移除"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="hot_pins")
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "channel"], name="unique_hot_pin")]

    def __str__(self) -> str:
        return f"{self.action} {self.article_id} in {self.channel_id or 'all'}"


class TermStat(models.Model):
    """Corpus statistics for related articles: in how many published articles a word occurs
    (document frequency). The row with word "" holds the corpus size in `df` and the total
    document length in `total_length` (for BM25's average length)."""

    word = models.CharField(max_length=32, unique=True)
    df = models.PositiveIntegerField(default=0)
    total_length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.word}: {self.df}"


class SimhashBand(models.Model):
    """An article's SimHash cut into four 16-bit bands, each indexed: fingerprints within 3 bits
    share a band, so near-duplicates are found by four index lookups (see fingerprint.py)."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="simhash_band"
    )
    simhash = models.BigIntegerField()
    b0 = models.PositiveIntegerField()
    b1 = models.PositiveIntegerField()
    b2 = models.PositiveIntegerField()
    b3 = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=[f"b{i}"], name=f"simhash_band{i}") for i in range(4)]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.simhash}"


class CountAnomaly(models.Model):
    """Views or shares of one article refused or discounted in one hour, and why
    (distribution/guard.py): what the desk shows editors. No address or agent is kept."""

    class Kind(models.TextChoices):
        VIEW = "view", "阅读"
        SHARE = "share", "分享"

    class Reason(models.TextChoices):
        ADDRESS = "address", "同一网络地址超出额度，未计入"
        REPEAT = "repeat", "同一读者重复分享，未计入"
        RATE = "rate", "分享过于频繁，被限流"
        BURST = "burst", "一分钟内激增，热度打折"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason = models.CharField(max_length=8, choices=Reason.choices)
    hour = models.DateTimeField()
    events = models.PositiveIntegerField(default=0)
    weight_dropped = models.FloatField(default=0.0)  # hot weight not added (events × weight)

    class Meta:
        indexes = [models.Index(fields=["hour"], name="count_anomaly_hour")]
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "reason", "hour"], name="unique_count_anomaly")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind} {self.reason} {self.hour:%Y-%m-%d %H}h: {self.events}"
