"""Template helpers for script variants.

`{% zh "申请入驻" %}` writes a UI string in the reader's script; `{{ text|zh }}` shows any text
(user data: pen names, taglines, repost sources, reasons, channel names) in the page's script
whichever script it was written in; `{{ article|in_variant:"title" }}` reads a field stored
per variant (title_hans / title_hant / title_hk), which needs no conversion at all. The variant comes
from the template context (set by the `variant` context processor) rather than the
thread-local active language: these run hundreds of times per page.
"""

from django import template
from django.utils import translation

from zimei.conversion.variants import HANS, VARIANTS, convert, field_suffix, ui, user_text

register = template.Library()


def _current() -> str:
    lang = translation.get_language()
    return lang if lang in VARIANTS else HANS


def _from_context(context) -> str:
    variant = context.get("variant")
    return variant if variant in VARIANTS else _current()


@register.simple_tag(name="zh", takes_context=True)
def zh_tag(context, text: str) -> str:
    return ui(text, _from_context(context))


@register.filter(name="zh")
def zh_filter(text: str) -> str:
    if not text:
        return text
    text = str(text)
    # Both directions: a Traditional pen name on a Simplified page is shown in Simplified.
    # Short strings (names, taglines, channel names) recur on every page: memoised.
    return user_text(text, _current()) if len(text) <= 80 else convert(text, _current())


@register.filter
def in_variant(obj, field: str) -> str:
    return getattr(obj, f"{field}_{field_suffix(_current())}", "") or ""
