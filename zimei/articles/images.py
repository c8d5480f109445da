"""Image intake: every uploaded file is decoded and re-encoded by Pillow.

What comes out is a fresh JPEG or PNG with no metadata (EXIF, GPS, ICC comments), so nothing
but pixels survives an upload. Bombs and oversized images are refused before decoding
(core/images.py, shared with avatars): Pillow's `open` reads only the header, so the declared
width × height is checked against ZIMEI_MAX_IMAGE_PIXELS (24 million, 2400 万像素; settings.py
says why) before a pixel is decoded.

Stored files are named by what they hold, never by what the creator's file was called: the first
16 hex digits of the SHA-256 of the re-encoded bytes (`img/2026/12/3f2a…c9.jpg`). A name such as
截图.png would be stored percent-encoded in the URL, which the sanitiser (rightly) refuses in
an <img src>, and the picture would vanish from the article.
"""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from zimei.core.images import ImageRejected, crop_to_ratio, open_checked, resized_webp

__all__ = ["ImageRejected", "cover_sizes_make", "normalise_image", "stored_name"]


def normalise_image(data: bytes, *, name: str = "image") -> tuple[ContentFile, int, int]:
    """Check and re-encode uploaded bytes; returns (file, width, height) or raises ImageRejected."""
    probe = open_checked(data)
    width, height = probe.size
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
    picture = crop_to_ratio(picture.convert("RGBA" if "A" in picture.getbands() else "RGB"), COVER_RATIO)
    made = []
    for width, target in missing:
        height = width * COVER_RATIO[1] // COVER_RATIO[0]
        default_storage.save(target, ContentFile(resized_webp(picture, width, height)))
        made.append(target)
    return made
