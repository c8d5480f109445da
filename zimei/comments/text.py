"""A comment's plain text as HTML: everything escaped, line breaks kept, http(s) URLs linked
(rel="nofollow ugc noopener") when the commenter was trusted, shown as text otherwise; the
words (never the URLs) in a reader's script when a variant is given."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zimei.conversion.variants import convert

# http(s) only (no javascript:, data:); a URL ends before whitespace, quotes, angle brackets,
# CJK text and full-width punctuation, and loses trailing ASCII punctuation (a sentence's full stop).
URL_RE = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
MAX_LINE_BREAKS = 30  # more blank lines than this in a row are one


def _link(url: str, live: bool) -> tuple[str, str]:
    stripped = url.rstrip(_TRAILING)
    tail = url[len(stripped) :]
    if not live:
        return f'<span class="url">{escape(stripped)}</span>', tail
    href = escape(stripped)
    return f'<a href="{href}" rel="nofollow ugc noopener" target="_blank">{href}</a>', tail


def body_html(body: str, *, links_live: bool, variant: str | None = None) -> SafeString:
    """`variant`: show the words in that script (readers' pages; a comment written in either
    script reads as the article around it does). None: exactly as typed (我的跟帖, studio, desk)."""

    def words(text: str) -> str:
        return escape(convert(text, variant) if variant else text)

    out: list[str] = []
    last = 0
    for m in URL_RE.finditer(body):
        out.append(words(body[last : m.start()]))
        html, tail = _link(m.group(), links_live)
        out.append(html)
        out.append(escape(tail))
        last = m.end()
    out.append(words(body[last:]))
    text = "".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return mark_safe(text.replace("\n", "<br>"))
