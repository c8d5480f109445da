"""Reading an uploaded image safely, for every app that takes one (article images and covers,
avatars): the size in bytes and the declared pixels are checked before a pixel is decoded, and
only the formats Zimei accepts are decoded at all. What the apps keep is re-encoded from the
pixels (articles/images.py, accounts/avatars.py), so no metadata survives an upload."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from PIL import Image as PILImage
from PIL import UnidentifiedImageError


class ImageRejected(ValueError):
    """The upload is not an image Zimei accepts; the message is in Simplified (convert to show)."""


def open_checked(data: bytes) -> PILImage.Image:
    """The decoded image in uploaded bytes, or ImageRejected saying why not (in Simplified)."""
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
    return probe


def crop_to_ratio(picture: PILImage.Image, ratio: tuple[int, int]) -> PILImage.Image:
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
