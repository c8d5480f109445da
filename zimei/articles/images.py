"""Image intake: every uploaded file is decoded and re-encoded by Pillow.

What comes out is a fresh JPEG or PNG with no metadata (EXIF, GPS, ICC comments), so nothing
but pixels survives an upload. Bombs and oversized images are refused before decoding: Pillow's
`open` reads only the header, so the declared width × height is checked against
ZIMEI_MAX_IMAGE_PIXELS (24 million, 2400 万像素; settings.py says why) before a pixel is decoded.

Stored files are named by what they hold, never by what the creator's file was called: the first
16 hex digits of the SHA-256 of the re-encoded bytes (`img/2026/12/3f2a…c9.jpg`). A name such as
截图.png would be stored percent-encoded in the URL, which the sanitiser (rightly) refuses in
an <img src>, and the picture would vanish from the article.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import UnidentifiedImageError


class ImageRejected(ValueError):
    """The upload is not an image Zimei accepts; the message is in Simplified (convert to show)."""


def normalise_image(data: bytes, *, name: str = "image") -> tuple[ContentFile, int, int]:
    """Check and re-encode uploaded bytes; returns (file, width, height) or raises ImageRejected."""
    if len(data) > settings.ZIMEI_MAX_IMAGE_BYTES:
        raise ImageRejected("图片不能超过 20 MB")
    max_pixels = settings.ZIMEI_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow refuses (as a bomb) anything over twice our limit before decoding a pixel;
            # between the limit and that, our own check below gives the plainer message.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            PILImage.MAX_IMAGE_PIXELS = 2 * max_pixels
            probe = PILImage.open(io.BytesIO(data))
            width, height = probe.size
            if width * height >= 2 * max_pixels:
                raise PILImage.DecompressionBombError("declared size far over the limit")
            if width * height > max_pixels:
                raise ImageRejected(
                    f"图片不能超过 {max_pixels // 10_000} 万像素（这张是 {width}×{height}，"
                    f"约 {width * height // 10_000} 万像素）；请缩小后再上传"
                )
            if probe.format not in {"JPEG", "PNG", "GIF", "WEBP"}:
                raise ImageRejected("只接受 JPEG、PNG、GIF 或 WebP 图片")
            probe.load()
    except ImageRejected:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise ImageRejected(
            f"图片像素过多（疑似解压炸弹），已拒绝；图片不能超过 {max_pixels // 10_000} 万像素"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("文件不是可识别的图片") from exc

    has_alpha = probe.mode in ("RGBA", "LA", "PA") or (probe.mode == "P" and "transparency" in probe.info)
    out = io.BytesIO()
    pixels = probe.convert("RGBA" if has_alpha else "RGB")
    # Pillow would carry some metadata over from `info` (a JPEG comment, an ICC profile): only
    # the pixels go on.
    pixels.info = {}
    if has_alpha:
        pixels.save(out, "PNG", optimize=True)
        ext = "png"
    else:
        pixels.save(out, "JPEG", quality=85, optimize=True, progressive=True)
        ext = "jpg"
    data = out.getvalue()
    return ContentFile(data, name=f"{stored_name(data)}.{ext}"), width, height


def stored_name(data: bytes) -> str:
    """The file name (without extension) an image is stored under: ASCII, from its content."""
    return hashlib.sha256(data).hexdigest()[:16]


# --- sized covers ---------------------------------------------------------------------------
# List items show a cover as a 3:2 thumbnail. Each cover gets two WebP copies beside it in the
# media folder, cropped to 3:2 around the centre, named from the cover's own name
# (img/2026/12/3f2a….jpg → …3f2a….w240.webp, ….w480.webp), so a list derives their URLs from
# `Article.cover_url` with string operations: no query, no file check on the read path. They
# are made when an article is published with the cover (articles/services.py), and by
# `zimei article covers` for covers published before.
COVER_WIDTHS = (240, 480)
COVER_RATIO = (3, 2)


def cover_size_name(name: str, width: int) -> str:
    """The stored name (or URL) of a cover's copy `width` pixels wide."""
    stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
    return f"{stem}.w{width}.webp"


def _crop(picture: PILImage.Image, ratio: tuple[int, int]) -> PILImage.Image:
    """The largest centred part of `picture` with the given width:height ratio."""
    w, h = picture.size
    rw, rh = ratio
    if w * rh > h * rw:  # too wide: cut the sides
        cw = h * rw // rh
        return picture.crop(((w - cw) // 2, 0, (w - cw) // 2 + cw, h))
    ch = w * rh // rw
    return picture.crop((0, (h - ch) // 2, w, (h - ch) // 2 + ch))


def resized_webp(picture: PILImage.Image, width: int, height: int) -> bytes:
    """`picture` (already cropped to width:height) scaled to width × height, as WebP."""
    out = io.BytesIO()
    scaled = picture.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    scaled.save(out, "WEBP", quality=80, method=4)
    return out.getvalue()


def cover_sizes_make(name: str) -> list[str]:
    """Make the sized copies of a stored cover (its name in the media storage) that are missing;
    returns the names made. A cover that cannot be read is skipped: the list shows no thumbnail
    for it rather than failing a publish."""
    missing = [(w, cover_size_name(name, w)) for w in COVER_WIDTHS]
    missing = [(w, n) for w, n in missing if not default_storage.exists(n)]
    if not missing:
        return []
    try:
        with default_storage.open(name, "rb") as f:
            picture = PILImage.open(f)
            picture.load()
    except (OSError, ValueError, UnidentifiedImageError):
        return []
    picture = _crop(picture.convert("RGBA" if "A" in picture.getbands() else "RGB"), COVER_RATIO)
    made = []
    for width, target in missing:
        height = width * COVER_RATIO[1] // COVER_RATIO[0]
        default_storage.save(target, ContentFile(resized_webp(picture, width, height)))
        made.append(target)
    return made
