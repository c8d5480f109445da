"""Exporting an author's articles (`zimei export`): a zip a creator can take anywhere, and that
`zimei article import` reads back.

    index.json              {"format": "zimei-export", "version": 1, "author": {…}, "articles": [
                              {id, title, file, status, date, channel}, …]}
    articles/<id>.md        Markdown with YAML front matter (title, date, status, channel,
                            summary, original, source, id, cover)
    images/<yyyy>/<mm>/…    the images the bodies and covers use; bodies point at them

Bodies are the working copy (what the creator wrote) turned into Markdown: h2 becomes #
(the page's h1 is the title, and import moves headings back down), and what Markdown cannot
say (figures with captions) stays as HTML, which import passes to the sanitiser unchanged.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.utils import timezone
from markdownify import MarkdownConverter
from tqdm import tqdm

from zimei.accounts.models import CreatorProfile

from .models import Article

FORMAT = "zimei-export"
VERSION = 1


@dataclass
class ExportResult:
    path: Path
    articles: int = 0
    images: int = 0
    missing_images: list[tuple[int, str]] = field(default_factory=list)  # (article id, url)


class _Converter(MarkdownConverter):
    """html_to_markdown's options; a <figure> (Markdown has no captions) and an image outside
    any paragraph are kept as HTML, so that import gives them back as they were."""

    def convert_figure(self, el, text, parent_tags):
        return "\n\n" + str(el) + "\n\n"

    def convert_img(self, el, text, parent_tags):
        if parent_tags <= {"[document]"}:  # an image on its own, not in a paragraph: keep it so
            return "\n\n" + str(el) + "\n\n"
        return super().convert_img(el, text, parent_tags)


def body_to_markdown(html: str) -> str:
    """Stored body HTML → Markdown, headings moved up a level (h2 → #), figures kept as HTML."""
    for level in (2, 3, 4):
        html = re.sub(rf"<(/?)h{level}\b", rf"<\1h{level - 1}", html or "")
    return _Converter(heading_style="ATX", bullets="-").convert(html).strip() + "\n"


_MEDIA_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")(' + re.escape(settings.MEDIA_URL) + r'[^"]+)(")', re.I)


def _date(article: Article) -> str:
    moment = article.published_at or article.created_at
    return timezone.localtime(moment).isoformat()


def export_author(*, author: CreatorProfile, out: Path, progress: bool = False) -> ExportResult:
    """Write the author's articles (every status; status kept in the front matter) to `out`."""
    result = ExportResult(path=out)
    articles = list(
        Article.objects.filter(author=author).select_related("channel", "cover", "text").order_by("id")
    )
    media_root = Path(settings.MEDIA_ROOT).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".zip", dir=out.parent)
    os.close(fd)
    written: set[str] = set()
    index = []
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:

            def add_image(article_id: int, url: str) -> str | None:
                relative = url.removeprefix(settings.MEDIA_URL)
                file = (media_root / relative).resolve()
                if not file.is_relative_to(media_root) or not file.is_file():
                    result.missing_images.append((article_id, url))
                    return None
                name = "images/" + relative.removeprefix("img/")
                if name not in written:
                    archive.write(file, name)
                    written.add(name)
                return name

            bar = tqdm(articles, desc="Exporting", unit="article", disable=not progress or len(articles) < 5)
            for article in bar:

                def rewrite(match: re.Match, article_id: int = article.id) -> str:
                    name = add_image(article_id, match.group(2))
                    return match.group(1) + (name or match.group(2)) + match.group(3)

                body = _MEDIA_SRC.sub(rewrite, article.body_html)
                cover = (
                    add_image(article.id, article.cover.url) if article.cover_id and article.cover else None
                )
                meta = {
                    "title": article.title,
                    "date": _date(article),
                    "status": article.status,
                    "channel": article.channel.slug,
                    "summary": article.summary,
                    "original": article.original,
                    "source": article.source,
                    "id": article.id,
                }
                if cover:
                    meta["cover"] = cover
                front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
                file = f"articles/{article.id}.md"
                archive.writestr(file, f"---\n{front}---\n\n{body_to_markdown(body)}")
                index.append(
                    {
                        "id": article.id,
                        "title": article.title,
                        "file": file,
                        "status": article.status,
                        "date": meta["date"],
                        "channel": article.channel.slug,
                    }
                )
            document = {
                "format": FORMAT,
                "version": VERSION,
                "exported_at": timezone.localtime().isoformat(),
                "author": {
                    "username": author.user.username,
                    "pen_name": author.pen_name,
                    "channel": author.channel.slug,
                },
                "articles": index,
            }
            archive.writestr("index.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    result.articles = len(index)
    result.images = len(written)
    return result
