"""Markdown in and out: CommonMark (markdown-it-py) to sanitised HTML for imports and the API,
and sanitised HTML back to Markdown (markdownify) for exports."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

from .sanitize import sanitize_body


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    # Raw HTML inside Markdown is passed through to the sanitiser, which decides what stays.
    return MarkdownIt("commonmark", {"html": True, "linkify": False})


def markdown_render(text: str) -> str:
    """Markdown → HTML, not yet sanitised (imports put local images in first).

    Headings move one level down (# → h2 … #### and below → h4): the page's h1 is the title."""
    md = _md()
    tokens = md.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 4)}"
    return md.renderer.render(tokens, md.options, {})


def markdown_to_html(text: str) -> str:
    """Markdown → HTML as it may be stored (sanitised exactly as the studio does)."""
    return sanitize_body(markdown_render(text))


def html_to_markdown(html: str) -> str:
    """Stored article HTML → Markdown (ATX headings, '-' bullets)."""
    # Imported here: markdownify brings BeautifulSoup, a seventh of a second for every process
    # that loads the API, which seldom converts this way.
    from markdownify import markdownify  # noqa: PLC0415

    return markdownify(html or "", heading_style="ATX", bullets="-").strip() + "\n"
