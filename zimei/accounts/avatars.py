"""Creators' avatars: an uploaded picture, cropped square around its centre and stored as one
WebP of AVATAR_SIZE pixels (enough for the largest place it shows, 80 px, on a 2x screen).
Decoding is checked as for every upload (core/images.py); only the pixels are kept."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile

from zimei.core.images import ImageRejected, crop_to_ratio, open_checked, resized_webp

AVATAR_SIZE = 160


def avatar_file(data: bytes) -> ContentFile:
    """The stored avatar made from uploaded bytes (ImageRejected when they are not an image
    Zimei accepts, or it is too small to make out)."""

    picture = open_checked(data)
    if min(picture.size) < 32:
        raise ImageRejected("头像图片太小，至少要 32×32 像素")
    square = crop_to_ratio(picture.convert("RGBA" if "A" in picture.getbands() else "RGB"), (1, 1))
    webp = resized_webp(square, AVATAR_SIZE, AVATAR_SIZE)

    return ContentFile(webp, name=f"{hashlib.sha256(webp).hexdigest()[:16]}.webp")
