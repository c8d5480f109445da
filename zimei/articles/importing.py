"""Importing articles: Markdown and HTML files, folders of them, WordPress exports (WXR) and
the zips `zimei export` writes.

Each source is read into `ImportItem`s (title, raw body HTML, channel, status, date, images);
each item then goes through the same services as the studio (`article_create`, then
`article_publish(when=…)` for published ones), so bodies are sanitised exactly as there.
Every article records where it came from in `import_key`; an item whose key the author
already has is skipped, so importing the same file twice adds nothing.

Images are never fetched from the network: an <img> whose file is found locally (next to the
file, in the WXR's uploads folder, in the zip's images/) is imported with `image_create` and
its src rewritten; any other <img> is dropped and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zimei.accounts.models import CreatorProfile
from zimei.core.errors import InputError, NotAllowed

from .markdown import markdown_render
from .models import Article, Image
from .services import ArticleInput, article_create, article_publish, article_withdraw, image_create

SUPPORTED = (".md", ".markdown", ".html", ".htm", ".xml", ".zip")
FOLDER_SUFFIXES = (".md", ".markdown", ".html", ".htm")
MAX_FILE_BYTES = 50 * 1024 * 1024


class ImportFailed(ValueError):
    """The whole import cannot go ahead (missing path, unsupported file, invalid XML …)."""


class ItemFailed(ValueError):
    """One item cannot be imported; the others still are."""


@dataclass
class ImportItem:
    key: str  # Article.import_key
    label: str  # how messages name it (file name, WXR post title)
    title: str = ""
    body_html: str = ""  # raw: sanitised by the services
    channel: str = ""  # slug; "" means the author's channel
    summary: str = ""
    original: bool = True
    source: str = ""
    status: str = ""  # "" means: as --publish says
    date: dt.datetime | None = None
    cover: str = ""  # an image reference, resolved like body images
    # Finds an image's bytes from its reference (src), or None when it is not available locally.
    resolve: Callable[[str], tuple[bytes, str] | None] = field(default=lambda src: None, repr=False)
    error: str = ""  # set when the item could not even be read


@dataclass
class ImportResult:
    imported: list[Article] = field(default_factory=list)
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (label, message)
    dropped_images: list[tuple[str, str]] = field(default_factory=list)  # (label, src)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, message)
    # Images imported so far, by the SHA-256 of their file: a picture used twice is stored once.
    images: dict[str, Image] = field(default_factory=dict, repr=False)


# --- reading sources ---------------------------------------------------------------------


def read_source(path: Path) -> list[ImportItem]:
    """The items a path holds (a file, a folder, a WXR file or an export zip)."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file or folder")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES)
        if not files:
            raise ImportFailed(f"{path}: no .md or .html files in this folder")
        return [_file_item(p, p.relative_to(path).as_posix()) for p in files]
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise ImportFailed(
            f"{path}: unsupported file type {suffix or '(none)'}; import .md, .html, a folder of them, "
            f"a WordPress export (.xml) or a zip made by `zimei export`"
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailed(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if suffix == ".xml":
        return read_wxr(path)
    if suffix == ".zip":
        return read_export_zip(path)
    return [_file_item(path, path.name)]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _local_resolver(base: Path, roots: Iterable[Path] = ()) -> Callable[[str], tuple[bytes, str] | None]:
    """Finds an image referenced from a file under `base`: a relative path, or (for a URL) a
    file of that name under one of `roots` (e.g. uploads/YYYY/MM/name.png). Never leaves them."""
    base = base.resolve()
    allowed = [base, *(r.resolve() for r in roots)]

    def resolve(src: str) -> tuple[bytes, str] | None:
        parts = urlsplit(src)
        path = unquote(parts.path)
        candidates: list[Path] = []
        if not parts.scheme and not parts.netloc and path and not path.startswith("/"):
            candidates.append(base / path)
        tail = path.split("/wp-content/uploads/", 1)[-1] if "/wp-content/uploads/" in path else ""
        for root in allowed[1:]:
            if tail:
                candidates.append(root / tail)
            if path:
                candidates.append(root / PurePosixPath(path).name)
        for candidate in candidates:
            try:
                resolved = candidate.resolve()
            except OSError:
                continue
            if any(resolved.is_relative_to(a) for a in allowed) and resolved.is_file():
                with resolved.open("rb") as f:  # image_create refuses what is over the limit
                    return f.read(settings.ZIMEI_MAX_IMAGE_BYTES + 1), resolved.name
        return None

    return resolve


def _file_item(path: Path, relative: str) -> ImportItem:
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return ImportItem(key="", label=relative, error=f"cannot read it as UTF-8 text ({exc})")
    item = ImportItem(key=f"file:{relative[-270:]}#{_digest(data)}", label=relative)
    item.resolve = _local_resolver(path.parent)
    try:
        if path.suffix.lower() in (".md", ".markdown"):
            _fill_from_markdown(item, text)
        else:
            _fill_from_html(item, text, fallback_title=path.stem)
    except ItemFailed as exc:
        item.error = str(exc)
    if not item.title:
        item.title = path.stem
    return item


_H1_MD = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\n|\Z)")


def _fill_from_markdown(item: ImportItem, text: str) -> None:
    import frontmatter
    import yaml

    try:
        post = frontmatter.loads(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise ItemFailed(f"invalid front matter ({exc})") from exc
    meta = post.metadata if isinstance(post.metadata, dict) else {}
    body = post.content
    title = str(meta.get("title") or "").strip()
    if not title:
        match = _H1_MD.match(body)
        if match:
            title, body = match.group(1).strip(), body[match.end() :]
    item.title = title
    item.body_html = markdown_render(body)
    item.summary = str(meta.get("summary") or "").strip()
    item.channel = str(meta.get("channel") or "").strip()
    item.source = str(meta.get("source") or "").strip()
    if "original" in meta:
        item.original = _boolean(meta["original"])
    item.status = str(meta.get("status") or "").strip()
    item.cover = str(meta.get("cover") or "").strip()
    if meta.get("date"):
        item.date = _parse_date(meta["date"])


def _boolean(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "0", "off", "否", "")
    return bool(value)


def _parse_date(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ItemFailed(f"date {value!r} is not an ISO date (e.g. 2024-05-01T08:00:00+08:00)") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def _text(html: str) -> str:
    import html as html_lib

    return " ".join(html_lib.unescape(_TAG.sub("", html)).split())


def _fill_from_html(item: ImportItem, text: str, *, fallback_title: str) -> None:
    title_match = _TITLE.search(text)
    body_match = _BODY.search(text)
    body = body_match.group(1) if body_match else _TITLE.sub("", text)
    h1 = _H1.search(body)
    title = _text(title_match.group(1)) if title_match else ""
    if not title and h1:
        title = _text(h1.group(1))
    if h1 and _text(h1.group(1)) == title:
        body = body[: h1.start()] + body[h1.end() :]  # the title is shown above the body
    item.title = title or fallback_title
    item.body_html = body


# --- WordPress export (WXR) ----------------------------------------------------------------

_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_BLOCK = re.compile(
    r"^\s*</?(p|div|h[1-6]|ul|ol|li|blockquote|pre|figure|figcaption|table|tr|td|th|thead|tbody|hr|img|"
    r"section|article)\b",
    re.I,
)


def _wxr_fields(item) -> dict[str, str]:
    out: dict[str, str] = {}
    for child in item:
        tag = child.tag
        if tag.startswith("{"):
            uri, local = tag[1:].split("}", 1)
            if "/excerpt/" in uri:
                name = f"excerpt:{local}"
            elif uri.startswith("http://wordpress.org/export/"):
                name = f"wp:{local}"
            elif uri == _CONTENT_NS:
                name = f"content:{local}"
            else:
                name = f"{uri}:{local}"
        else:
            name = tag
        if name not in out:
            out[name] = child.text or ""
    return out


_CAPTION = re.compile(r"\[caption\b[^\]]*\](.*?)\[/caption\]", re.S | re.I)
_CAPTION_MEDIA = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)


def _caption(match: re.Match) -> str:
    """WordPress's [caption]<img …> text[/caption] shortcode → <figure> with a <figcaption>."""
    inner = _CAPTION_MEDIA.match(match.group(1))
    if inner is None:
        return match.group(1)
    text = inner.group(2).strip()
    caption = f"<figcaption>{text}</figcaption>" if text else ""
    return f"<figure>{inner.group(1)}{caption}</figure>"


def autop(text: str) -> str:
    """WordPress keeps paragraphs as blank-line separated text (wpautop adds <p> on display):
    wrap each run of text lines in <p>, single line breaks becoming <br>; lines that open or
    close a block element (<h2>, <ul>, <p> …) are left as they are."""
    text = re.sub(r"<!--.*?-->", "", (text or "").replace("\r\n", "\n"), flags=re.S)  # block markers
    out: list[str] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        if "<pre" in chunk.lower():  # preformatted text keeps its lines
            out.append(chunk)
            continue
        run: list[str] = []
        for line in chunk.split("\n"):
            if _BLOCK.match(line):
                if run:
                    out.append("<p>" + "<br>\n".join(run) + "</p>")
                    run = []
                out.append(line.strip())
            elif line.strip():
                run.append(line.strip())
        if run:
            out.append("<p>" + "<br>\n".join(run) + "</p>")
    return "\n".join(out)


def _wxr_date(fields: dict[str, str]) -> dt.datetime | None:
    for name, aware in (("wp:post_date_gmt", True), ("wp:post_date", False)):
        value = (fields.get(name) or "").strip()
        if not value or value.startswith("0000"):
            continue
        try:
            moment = dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
        return moment.replace(tzinfo=dt.UTC) if aware else timezone.make_aware(moment)
    return None


def read_wxr(path: Path) -> list[ImportItem]:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import parse

    from zimei.conversion.variants import HANS, convert
    from zimei.distribution.models import Channel

    try:
        root = parse(str(path)).getroot()
    except (ParseError, DefusedXmlException) as exc:
        raise ImportFailed(f"{path}: not a valid XML file ({exc})") from exc
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read it ({exc})") from exc
    channel_el = root.find("channel")
    if root.tag != "rss" or channel_el is None:
        raise ImportFailed(f"{path}: not a WordPress export (WXR): no <rss><channel>")
    slugs = dict(Channel.objects.values_list("slug", "slug"))
    slugs.update({convert(name, HANS): slug for slug, name in Channel.objects.values_list("slug", "name")})

    base = path.parent
    resolve = _local_resolver(base, [base / "uploads", base / "wp-content" / "uploads", base])
    items: list[ImportItem] = []
    for number, el in enumerate(channel_el.findall("item"), start=1):
        fields = _wxr_fields(el)
        if fields.get("wp:post_type", "post") != "post":
            continue
        guid = (fields.get("guid") or "").strip() or (fields.get("wp:post_id") or "").strip() or str(number)
        title = " ".join((fields.get("title") or "").split())
        item = ImportItem(key=f"wxr:{guid}"[:300], label=title or f"item {number}", title=title)
        item.resolve = resolve
        item.body_html = autop(_CAPTION.sub(_caption, fields.get("content:encoded", "")))
        item.summary = _text(fields.get("excerpt:encoded", ""))
        item.status = (
            Article.Status.PUBLISHED if fields.get("wp:status") == "publish" else Article.Status.DRAFT
        )
        item.date = _wxr_date(fields)
        for category in el.findall("category"):
            if category.get("domain", "category") != "category":
                continue
            for name in (category.get("nicename") or "", (category.text or "").strip()):
                slug = slugs.get(name) or slugs.get(convert(name, HANS))
                if slug:
                    item.channel = slug
                    break
            if item.channel:
                break
        items.append(item)
    if not items:
        raise ImportFailed(f"{path}: this WordPress export holds no posts")
    return items


# --- zips made by `zimei export` -------------------------------------------------------------


def read_export_zip(path: Path) -> list[ImportItem]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(f"{path}: not a valid zip file ({exc})") from exc
    with archive:
        names = set(archive.namelist())
        if "index.json" not in names:
            raise ImportFailed(f"{path}: not a zip made by `zimei export` (no index.json)")
        try:
            index = json.loads(archive.read("index.json"))
            entries = list(index["articles"] if isinstance(index, dict) else index)
        except (ValueError, KeyError, TypeError) as exc:
            raise ImportFailed(f"{path}: index.json is not valid ({exc})") from exc
        images = {
            name: archive.read(name)
            for name in names
            if name.startswith("images/") and not name.endswith("/")
        }
        texts: dict[str, bytes] = {}
        for entry in entries:
            name = str(entry.get("file", "")) if isinstance(entry, dict) else ""
            if name in names:
                texts[name] = archive.read(name)

    def resolve(src: str) -> tuple[bytes, str] | None:
        name = PurePosixPath(unquote(urlsplit(src).path)).as_posix().removeprefix("./")
        return (images[name], PurePosixPath(name).name) if name in images else None

    items = []
    for number, entry in enumerate(entries, start=1):
        name = str(entry.get("file", "")) if isinstance(entry, dict) else ""
        label = name or f"entry {number}"
        if name not in texts:
            items.append(ImportItem(key="", label=label, error="listed in index.json but not in the zip"))
            continue
        data = texts[name]
        item = ImportItem(key=f"zip:{entry.get('id', name)}#{_digest(data)}", label=label)
        item.resolve = resolve
        try:
            _fill_from_markdown(item, data.decode("utf-8"))
        except (ItemFailed, UnicodeDecodeError) as exc:
            item.error = str(exc)
        items.append(item)
    return items


# --- images ----------------------------------------------------------------------------------

_IMG = re.compile(r"<img\b[^>]*>", re.I)
_SRC = re.compile(r"""(\bsrc\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)""", re.I)


def _localise_images(item: ImportItem, author: CreatorProfile, result: ImportResult) -> str:
    """The body with every <img> either pointing at a freshly imported Image or removed."""
    imported: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        tag = match.group(0)
        src_match = _SRC.search(tag)
        if src_match is None:
            return ""
        import html as html_lib

        src = html_lib.unescape(src_match.group(2).strip("\"'"))
        if src.startswith(settings.MEDIA_URL) and _media_file(src).is_file():
            return tag  # already one of ours, on this instance
        if src not in imported:
            image = _import_image(item, author, src, result)
            if image is None:
                return ""
            imported[src] = image.url
        url = imported[src]
        return tag[: src_match.start()] + f'{src_match.group(1)}"{url}"' + tag[src_match.end() :]

    return _IMG.sub(replace, item.body_html)


def _media_file(url: str) -> Path:
    return Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)


def _import_image(item: ImportItem, author: CreatorProfile, src: str, result: ImportResult) -> Image | None:
    found = item.resolve(src) if src else None
    if found is None:
        result.dropped_images.append((item.label, src or "(no src)"))
        return None
    data, name = found
    digest = hashlib.sha256(data).hexdigest()
    if digest not in result.images:
        try:
            result.images[digest] = image_create(owner=author.user, data=data, name=name)
        except InputError as exc:
            result.dropped_images.append((item.label, f"{src} ({exc})"))
            return None
    return result.images[digest]


# --- importing -------------------------------------------------------------------------------


def import_items(
    *, items: list[ImportItem], author: CreatorProfile, publish: bool = False, progress: bool = False
) -> ImportResult:
    """Create the articles the items describe, skipping those already imported."""
    from tqdm import tqdm

    result = ImportResult()
    # Every key the author has (not an IN list: a WXR file may hold thousands of posts).
    done = set(
        Article.objects.filter(author=author).exclude(import_key="").values_list("import_key", flat=True)
    )
    bar = tqdm(items, desc="Importing", unit="article", disable=not progress or len(items) < 5, leave=False)
    for item in bar:
        if item.error:
            result.failed.append((item.label, item.error))
            continue
        if item.key in done:
            result.skipped += 1
            continue
        try:
            article = _import_one(item, author, publish, result)
        except ItemFailed as exc:
            result.failed.append((item.label, str(exc)))
            continue
        done.add(item.key)
        result.imported.append(article)
    return result


def _import_one(item: ImportItem, author: CreatorProfile, publish: bool, result: ImportResult) -> Article:
    status = item.status or (Article.Status.PUBLISHED if publish else Article.Status.DRAFT)
    if status not in Article.Status.values:
        raise ItemFailed(f"unknown status {status!r} (one of {', '.join(Article.Status.values)})")
    dropped, images = len(result.dropped_images), dict(result.images)
    try:
        with transaction.atomic():
            body = _localise_images(item, author, result)
            cover = _import_image(item, author, item.cover, result) if item.cover else None
            article = article_create(
                author=author,
                data=ArticleInput(
                    title=item.title,
                    body_html=body,
                    channel=item.channel,
                    summary=item.summary,
                    original=item.original,
                    source=item.source,
                    cover_id=cover.id if cover else None,
                ),
            )
            article.import_key = item.key
            article.save(update_fields=["import_key"])
            if status in (Article.Status.PUBLISHED, Article.Status.WITHDRAWN):
                article = article_publish(article=article, actor=author.user, when=item.date)
            if status == Article.Status.WITHDRAWN:
                article = article_withdraw(article=article, actor=author.user)
            elif status not in (Article.Status.PUBLISHED, Article.Status.DRAFT):
                result.notes.append((item.label, f"was {status}: imported as a draft"))
    except (InputError, NotAllowed) as exc:
        # Rolled back: forget what this item added; its image rows are gone, remove their files.
        del result.dropped_images[dropped:]
        for digest, image in result.images.items():
            if digest not in images:
                image.file.storage.delete(image.file.name)
        result.images = images
        raise ItemFailed(str(exc)) from exc
    return article


def import_path(
    *, path: Path, author: CreatorProfile, publish: bool = False, progress: bool = False
) -> ImportResult:
    """Read a path (file, folder, WXR, export zip) and import what it holds."""
    return import_items(items=read_source(path), author=author, publish=publish, progress=progress)
