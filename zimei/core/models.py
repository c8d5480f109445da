"""The site's own pages: 关于我们, 用户协议, 隐私政策, 联系我们, linked from every page's footer.
Operators edit them in the admin (plain text: blank lines make paragraphs, addresses become
links). The idempotency records are the API's (api/models.py)."""

from __future__ import annotations

from django.db import models


class SitePage(models.Model):
    class Slug(models.TextChoices):
        ABOUT = "about", "关于我们"
        TERMS = "terms", "用户协议"
        PRIVACY = "privacy", "隐私政策"
        CONTACT = "contact", "联系我们"

    slug = models.CharField("页面", max_length=16, choices=Slug.choices, unique=True)
    title = models.CharField("标题", max_length=60)
    body = models.TextField("正文", help_text="纯文本：空一行分段，网址自动成为链接。")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "站点页面"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
