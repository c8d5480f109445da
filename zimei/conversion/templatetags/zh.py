"""Template helpers for script variants.

`{% zh "申请入驻" %}` writes a UI string in the reader's script; `{{ text|zh }}` converts any
text (already-stored per-variant fields need no conversion and should be used directly).
"""

from django import template
from django.utils import translation

from zimei.conversion.variants import HANS, convert, ui

register = template.Library()


def _current() -> str:
    lang = translation.get_language()
    return lang if lang in ("zh-hans", "zh-hant") else HANS


@register.simple_tag(name="zh")
def zh_tag(text: str) -> str:
    return ui(text, _current())


@register.filter(name="zh")
def zh_filter(text: str) -> str:
    if not text:
        return text
    text = str(text)
    # Short strings (names, taglines, channel names) recur on every page: memoised.
    return ui(text, _current()) if len(text) <= 80 else convert(text, _current())


@register.filter
def in_variant(obj, field: str) -> str:
    """`{{ article|in_variant:"title" }}`: the stored per-variant field (title_hans / title_hant)."""
    suffix = "hant" if _current() == "zh-hant" else "hans"
    return getattr(obj, f"{field}_{suffix}", "") or ""
