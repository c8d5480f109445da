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

Nothing an import reads can grow without bound (bombs; docs/cli.md): a text file or zip entry
is at most `MAX_TEXT_BYTES`; a zip is refused as a whole, before anything is imported, when it
holds more than `MAX_ZIP_ENTRIES` entries, an entry larger than its limit or compressed more
than `MAX_ZIP_RATIO` times, more than `MAX_ZIP_TOTAL_BYTES` in all, or a compression other than
stored or deflated; sizes are checked in the zip's directory and again while reading (a
directory can lie). YAML front matter is read by a safe loader that refuses aliases (a few
bytes of `&a [*b, *b, …]` expand to hundreds of millions of characters), at most
`MAX_FRONT_MATTER_BYTES`, and each field must be plain text of a bounded length.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

import frontmatter
import yaml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from frontmatter.default_handlers import YAMLHandler
from tqdm import tqdm

from zimei.accounts.models import CreatorProfile
from zimei.channels.models import Channel
from zimei.conversion.variants import HANS, convert
from zimei.core.errors import InputError, NotAllowed

from .markdown import markdown_render
from .models import Article, Image
from .services import ArticleInput, article_create, article_publish, article_withdraw, image_create

SUPPORTED = (".md", ".markdown", ".html", ".htm", ".xml", ".zip")
FOLDER_SUFFIXES = (".md", ".markdown", ".html", ".htm")
MAX_FILE_BYTES = 50 * 1024 * 1024
# Bomb limits (see the module's docstring).
# One Markdown or HTML file or zip entry (a body is at most 100,000 characters).
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_INDEX_BYTES = 20 * 1024 * 1024  # a zip's index.json
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_TEXT_BYTES = 256 * 1024 * 1024  # all of a zip's text entries together (they are read at once)
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # everything in a zip, uncompressed (images are read one by one)
MAX_ZIP_RATIO = 100  # uncompressed ÷ compressed, for entries over RATIO_FROM bytes (text is ~3–10)
RATIO_FROM = 1024 * 1024
MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_FIELD_CHARS = 1000  # any front-matter field (the title's and summary's are then the studio's)


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
    if suffix in FOLDER_SUFFIXES and path.stat().st_size > MAX_TEXT_BYTES:
        raise ImportFailed(
            f"{path}: {path.stat().st_size:,} bytes, over the limit of {_size(MAX_TEXT_BYTES)} "
            f"for one article file; nothing imported"
        )
    if suffix == ".xml":
        return read_wxr(path)
    if suffix == ".zip":
        return read_export_zip(path)
    return [_file_item(path, path.name)]


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


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
        with path.open("rb") as f:
            data = f.read(MAX_TEXT_BYTES + 1)
        if len(data) > MAX_TEXT_BYTES:
            return ImportItem(
                key="",
                label=relative,
                error=f"over the limit of {_size(MAX_TEXT_BYTES)} for one article file",
            )
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


class _AliasRefused(ValueError):
    pass


_yaml_handler = None


def _front_matter_handler():
    """python-frontmatter's YAML handler with a safe loader that refuses aliases and a size limit."""
    global _yaml_handler
    if _yaml_handler is None:

        class NoAliasLoader(yaml.SafeLoader):
            def compose_node(self, parent, index):
                if self.check_event(yaml.AliasEvent):
                    raise _AliasRefused(self.peek_event().anchor)
                return super().compose_node(parent, index)

        class Handler(YAMLHandler):
            def load(self, fm: str, **kwargs):
                if len(fm.encode()) > MAX_FRONT_MATTER_BYTES:
                    raise ItemFailed(
                        f"front matter is {len(fm.encode()):,} bytes, over the limit of "
                        f"{_size(MAX_FRONT_MATTER_BYTES)}"
                    )
                return yaml.load(fm, Loader=NoAliasLoader)  # a SafeLoader

        _yaml_handler = Handler()
    return _yaml_handler


def _meta_text(meta: dict, name: str, limit: int = MAX_FIELD_CHARS) -> str:
    """A front-matter field as text: a scalar (text, number, date, yes/no) of bounded length."""
    value = meta.get(name)
    if value is None or value == "":
        return ""
    if isinstance(value, (list, dict, set, tuple, bytes)):
        raise ItemFailed(f"front matter: {name} must be plain text, not a {type(value).__name__}")
    text = str(value).strip()
    if len(text) > limit:
        raise ItemFailed(f"front matter: {name} is {len(text):,} characters, over the limit of {limit:,}")
    return text


def _fill_from_markdown(item: ImportItem, text: str) -> None:
    handler = _front_matter_handler()
    try:
        post = frontmatter.loads(text, handler=handler if handler.detect(text) else None)
    except _AliasRefused as exc:
        raise ItemFailed(
            f"front matter uses a YAML alias (*{exc}); aliases are not accepted in front matter "
            f"(a few of them can expand into millions of characters)"
        ) from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        if isinstance(exc, ItemFailed):
            raise
        raise ItemFailed(f"invalid front matter ({exc})") from exc
    meta = post.metadata if isinstance(post.metadata, dict) else {}
    body = post.content
    title = _meta_text(meta, "title")  # the studio's own limit (64) is checked by article_create
    if not title:
        match = _H1_MD.match(body)
        if match:
            title, body = match.group(1).strip(), body[match.end() :]
    item.title = title
    item.body_html = markdown_render(body)
    item.summary = _meta_text(meta, "summary")
    item.channel = _meta_text(meta, "channel")
    item.source = _meta_text(meta, "source")
    if "original" in meta:
        item.original = _boolean(meta["original"])
    item.status = _meta_text(meta, "status")
    item.cover = _meta_text(meta, "cover")
    if meta.get("date"):
        date = meta["date"]
        item.date = _parse_date(
            date if isinstance(date, (dt.date, dt.datetime)) else _meta_text(meta, "date")
        )


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


def _zip_entry_count(path: Path) -> int | None:
    """How many entries the zip's end record declares, read before zipfile builds one object per
    entry (a zip of a million empty entries would take hundreds of MB just to list)."""
    try:
        with path.open("rb") as f:
            end = zipfile._EndRecData(f)  # the stdlib's own reader of the end record
    except (OSError, ValueError, struct.error):
        return None
    return end[zipfile._ECD_ENTRIES_TOTAL] if end else None


def _entry_limit(name: str) -> int:
    if name == "index.json":
        return MAX_INDEX_BYTES
    if name.startswith("images/"):
        return settings.ZIMEI_MAX_IMAGE_BYTES
    return MAX_TEXT_BYTES


def _refused(path: Path, what: str) -> ImportFailed:
    return ImportFailed(f"{path}: {what}; nothing imported")


def _zip_check(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse (ImportFailed) a zip whose directory declares a bomb; nothing is read yet."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _refused(path, f"{len(infos):,} entries, over the limit of {MAX_ZIP_ENTRIES:,}")
    total = text = 0
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refused(
                path,
                f"{name} is compressed with method {info.compress_type}; only stored and deflated "
                f"entries are accepted (as `zimei export` writes them)",
            )
        limit = _entry_limit(name)
        if info.file_size > limit:
            raise _refused(
                path,
                f"{name} is {info.file_size:,} bytes uncompressed, over the limit of {_size(limit)} "
                f"for one entry",
            )
        if info.file_size > RATIO_FROM and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise _refused(
                path,
                f"{name} is compressed {info.file_size // max(info.compress_size, 1):,} to 1, over the "
                f"limit of {MAX_ZIP_RATIO} to 1 (a zip bomb?)",
            )
        total += info.file_size
        if not name.startswith("images/"):
            text += info.file_size
    if text > MAX_ZIP_TEXT_BYTES:
        raise _refused(
            path,
            f"its text entries hold {text:,} bytes uncompressed, over the limit of "
            f"{_size(MAX_ZIP_TEXT_BYTES)}",
        )
    if total > MAX_ZIP_TOTAL_BYTES:
        raise _refused(path, f"{total:,} bytes uncompressed, over the limit of {_size(MAX_ZIP_TOTAL_BYTES)}")


def _zip_verify(path: Path, archive: zipfile.ZipFile) -> None:
    """Read every entry once, 1 MB at a time, before anything is imported: an entry that holds
    more than its limit, or more or other than its directory says (its CRC), refuses the zip."""
    for info in archive.infolist():
        if info.is_dir():
            continue
        limit, read = _entry_limit(info.filename), 0
        try:
            with archive.open(info) as f:
                while piece := f.read(1024 * 1024):
                    read += len(piece)
                    if read > limit:
                        raise _refused(
                            path,
                            f"{info.filename} holds more than its limit of {_size(limit)} "
                            f"(more than the zip's directory says)",
                        )
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise _refused(path, f"{info.filename} is damaged ({exc})") from exc


def _zip_read(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    """One entry, read at most to its limit whatever the directory said (and checked against it)."""
    limit = _entry_limit(name)
    try:
        with archive.open(name) as f:
            data = f.read(limit + 1)
            if len(data) > limit:
                raise _refused(
                    path,
                    f"{name} holds more than its limit of {_size(limit)} "
                    f"(more than the zip's directory says)",
                )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise _refused(path, f"{name} is damaged ({exc})") from exc
    return data


def read_export_zip(path: Path) -> list[ImportItem]:
    count = _zip_entry_count(path)
    if count is not None and count > MAX_ZIP_ENTRIES:
        raise _refused(path, f"{count:,} entries, over the limit of {MAX_ZIP_ENTRIES:,}")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFailed(f"{path}: not a valid zip file ({exc})") from exc
    with archive:
        _zip_check(path, archive)
        _zip_verify(path, archive)
        names = set(archive.namelist())
        if "index.json" not in names:
            raise ImportFailed(f"{path}: not a zip made by `zimei export` (no index.json)")
        try:
            index = json.loads(_zip_read(path, archive, "index.json"))
            entries = list(index["articles"] if isinstance(index, dict) else index)
        except (ValueError, KeyError, TypeError) as exc:
            raise ImportFailed(f"{path}: index.json is not valid ({exc})") from exc
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _refused(
                path, f"index.json lists {len(entries):,} articles, over the limit of {MAX_ZIP_ENTRIES:,}"
            )
        images = {name for name in names if name.startswith("images/") and not name.endswith("/")}
        texts: dict[str, bytes] = {}
        for entry in entries:
            name = str(entry.get("file", "")) if isinstance(entry, dict) else ""
            if name in names and name not in texts and not name.startswith("images/"):
                texts[name] = _zip_read(path, archive, name)

    opened: list[zipfile.ZipFile] = []  # the zip again, opened at the first image, closed with the items

    def resolve(src: str) -> tuple[bytes, str] | None:
        # Images are read one at a time, when an article uses them, each within its limit.
        name = PurePosixPath(unquote(urlsplit(src).path)).as_posix().removeprefix("./")
        if name not in images:
            return None
        try:
            if not opened:
                opened.append(zipfile.ZipFile(path))
            return _zip_read(path, opened[0], name), PurePosixPath(name).name
        except (zipfile.BadZipFile, OSError, ImportFailed) as exc:
            raise ItemFailed(str(exc).removesuffix("; nothing imported")) from exc

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
    try:
        found = item.resolve(src) if src else None
    except ItemFailed as exc:
        result.dropped_images.append((item.label, f"{src} ({exc})"))
        return None
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
