"""Channels: the sections of the site (科技, 头条 … and the platform's originals). The lowest
domain app: creators apply to a channel, articles are filed in one, lists and the hot list are
kept per channel."""

from __future__ import annotations

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
        db_table = "distribution_channel"  # where it was created, before channels had an app

    def __str__(self) -> str:
        return self.name


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
