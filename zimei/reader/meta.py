"""What an article page tells crawlers and share cards: Open Graph, Twitter card, JSON-LD.

Built from the article and author the page already loaded (no query). The JSON-LD is
serialised here with <, > and & escaped, so nothing a creator typed can close the script
element it sits in; base.html emits it in one place (the `structured_data` block).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from zimei.articles.models import Article
from zimei.conversion.variants import LANGUAGE_TAG, OG_LOCALE, others, user_text

PUBLISHER = "Zimei 自媒"
HEADLINE_MAX = 110  # Google's limit for a NewsArticle headline

_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return "https:" + url
    return settings.SITE_URL + ("" if url.startswith("/") else "/") + url


def ld_json(data: dict) -> SafeString:
    """`data` as JSON safe inside <script type="application/ld+json">."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES))


def article_meta(article: Article, *, variant: str, title: str, summary: str) -> dict:
    url = settings.SITE_URL + article.get_absolute_url(variant)
    author_url = f"{settings.SITE_URL}/{variant}/u/{article.author_id}/"
    author_name = user_text(article.author.pen_name, variant)
    image = absolute(article.cover_url)
    description = summary or title
    published = article.published_at.isoformat() if article.published_at else ""
    modified = max(article.updated_at, article.published_at or article.updated_at).isoformat()
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title if len(title) <= HEADLINE_MAX else title[: HEADLINE_MAX - 1] + "…",
        "description": description,
        "datePublished": published,
        "dateModified": modified,
        "author": {"@type": "Person", "name": author_name, "url": author_url},
        "publisher": {"@type": "Organization", "name": PUBLISHER, "url": settings.SITE_URL + "/"},
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": LANGUAGE_TAG.get(variant, "zh-Hans"),
        "articleSection": user_text(article.channel.name, variant),
    }
    if image:
        ld["image"] = [image]
    return {
        "url": url,
        "description": description,
        "image": image,
        "locale": OG_LOCALE.get(variant, "zh_CN"),
        "locale_alternates": [OG_LOCALE[v] for v in others(variant)],
        "published": published,
        "modified": modified,
        "author_url": author_url,
        "section": ld["articleSection"],
        "twitter_card": "summary_large_image" if image else "summary",
        "jsonld": ld_json(ld),
    }
