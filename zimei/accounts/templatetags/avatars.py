"""`{% avatar creator "lg" %}`: a creator's avatar, the uploaded picture or the default (the pen
name's first character, in the page's script, on the name's colour). Decorative: it always
stands next to the pen name, which says who it is."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from zimei.accounts.avatars import AVATAR_SIZE
from zimei.conversion.variants import user_text

register = template.Library()


@register.simple_tag(takes_context=True)
def avatar(context, creator, size: str = "") -> str:
    """`size`: "" (40 px), "sm" (24 px) or "lg" (80 px), as look.css draws them."""
    classes = f"avatar {size}".strip()
    if creator.avatar:
        return format_html(
            '<img class="{}" src="{}" width="{}" height="{}" alt="" decoding="async">',
            classes,
            creator.avatar.url,
            AVATAR_SIZE,
            AVATAR_SIZE,
        )
    first = user_text(creator.pen_name, context.get("variant") or "zh-hans")[:1]
    colour = creator.avatar_colour
    return format_html('<span class="{} av{}" aria-hidden="true">{}</span>', classes, colour, first)
