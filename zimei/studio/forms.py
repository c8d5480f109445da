"""Reading the studio's article form; validation is the services' (zimei.articles.services)."""

from __future__ import annotations

import re

from django.http import QueryDict

from zimei.articles.models import Article
from zimei.articles.services import ArticleInput

ARTICLE_FIELDS = (
    "title", "summary", "channel", "original", "source", "cover_id", "lead_image", "cover_alt", "body_html",
)  # fmt: skip
# Magic numbers of the formats Zimei accepts (JPEG, PNG, GIF, WebP).
_UNSAFE = re.compile(r"<\s*script|\son[a-z]+\s*=|javascript\s*:", re.IGNORECASE)


def _cover_id(raw: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    # Anything but an id of the creator's own image is refused by the service ("找不到这张封面图片").
    return int(raw) if raw.isdigit() else -1


def article_input(post: QueryDict) -> ArticleInput:
    return ArticleInput(
        title=post.get("title", ""),
        body_html=post.get("body_html", ""),
        channel=post.get("channel", ""),
        summary=post.get("summary", ""),
        original=post.get("original", "1") != "0",
        source=post.get("source", ""),
        cover_id=_cover_id(post.get("cover_id", "")),
        lead_image=post.get("lead_image", "") == "1",
        cover_alt=post.get("cover_alt", ""),
    )


def article_values(article: Article | None, default_channel: str = "") -> dict[str, str]:
    """The form's values for a saved article (its working copy) or a new one."""
    if article is None:
        return {"channel": default_channel, "original": "1"}
    return {
        "title": article.title,
        "summary": article.summary,
        "channel": article.channel.slug,
        "original": "1" if article.original else "0",
        "source": article.source,
        "cover_id": str(article.cover_id or ""),
        "lead_image": "1" if article.lead_image else "",
        "cover_alt": article.cover_alt,
        "body_html": article.body_html,
    }


def typed_values(post: QueryDict) -> dict[str, str]:
    """Everything typed, exactly, to put back into the form after an error."""
    values = {f: post.get(f, "") for f in ARTICLE_FIELDS}
    values["original"] = "0" if values["original"] == "0" else "1"
    return values


def had_unsafe_markup(raw_body: str) -> bool:
    """Whether the typed body held scripts or event handlers (removed by the sanitiser)."""
    return bool(_UNSAFE.search(raw_body or ""))
