"""Turning one reader URL into its siblings: the same page in the other script, in care mode."""

from __future__ import annotations

from django.urls import translate_url

from .variants import VARIANTS


def split(path: str) -> tuple[str | None, bool, str]:
    """'/zh-hant/care/a/5/' -> ('zh-hant', True, 'a/5/')."""
    parts = path.lstrip("/").split("/", 1)
    variant = parts[0] if parts[0] in VARIANTS else None
    rest = parts[1] if variant and len(parts) > 1 else ("" if variant else path.lstrip("/"))
    care = rest.startswith("care/") or rest == "care"
    if care:
        rest = rest[5:]
    return variant, care, rest


def build(variant: str, care: bool, rest: str) -> str:
    return f"/{variant}/" + ("care/" if care else "") + rest


def with_variant(path: str, variant: str) -> str:
    """The same page in `variant`'s script: Django's translate_url for every route; a path no
    route matches (a 404 page, "/" before the language redirect) keeps its rest under the
    variant's prefix."""
    translated = translate_url(path, variant)
    if translated != path or split(path)[0] == variant:
        return translated
    _, care, rest = split(path)
    return build(variant, care, rest)


def with_care(path: str, variant: str, care: bool) -> str:
    _, _, rest = split(path)
    # Only reader pages have a care version; anything else goes to the care home page.
    reader_page = rest == "" or rest.startswith(
        (
            "a/",
            "c/",
            "u/",
            "search/",
            "accessibility/",
            "about/",
            "terms/",
            "privacy/",
            "contact/",
            "following/",
        )
    )
    return build(variant, care, rest if reader_page else "")
