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
