"""The one place article HTML is made safe: nh3 (ammonia) against a strict allowlist.

The allowlist holds no svg, math or raw-text element (script, style, title, textarea, xmp,
iframe, noembed, noframes, noscript, plaintext): every known mutation-XSS bug in HTML
sanitisers has needed one of them. Images may only come from Zimei's own media path.
"""

from __future__ import annotations

import nh3
from django.conf import settings

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "blockquote", "ul", "ol", "li",
        "strong", "em", "b", "i", "u", "s", "sub", "sup", "code", "pre",
        "a", "figure", "figcaption", "img",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
}
LINK_REL = "nofollow ugc noopener"
# Their content is dropped along with the tag, never kept as text.
DROP_WITH_CONTENT: frozenset[str] = frozenset({"script", "style"})


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        # Only our own media: never a foreign host (tracking) nor a data:/javascript: URL.
        if value.startswith(settings.MEDIA_URL) and ".." not in value and "\\" not in value:
            return value
        return None
    if tag == "img" and attr in ("width", "height"):
        return value if value.isdigit() and len(value) <= 5 else None
    return value


_cleaner: nh3.Cleaner | None = None


def _get_cleaner() -> nh3.Cleaner:
    global _cleaner
    if _cleaner is None:
        _cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS),
            clean_content_tags=set(DROP_WITH_CONTENT),
            attributes=ALLOWED_ATTRIBUTES,
            attribute_filter=_attribute_filter,
            link_rel=LINK_REL,
            url_schemes={"http", "https", "mailto"},
            strip_comments=True,
        )
    return _cleaner


def sanitize_body(html: str) -> str:
    """Article body HTML as it may be stored and rendered."""
    return _get_cleaner().clean(html or "").strip()


def html_to_text(html: str) -> str:
    """Visible text of sanitised HTML (for summaries, keywords, character counts)."""
    return nh3.clean(html or "", tags=set(), clean_content_tags=set(DROP_WITH_CONTENT)).strip()
