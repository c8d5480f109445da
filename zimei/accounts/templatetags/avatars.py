"""`{% avatar creator "lg" %}`: a creator's avatar (and the header's account menu's:
`{% account_avatar user %}`, `{% account_name user %}`), the uploaded picture or the default (the pen
name's first character, in the page's script, on the name's colour). Decorative: it always
stands next to the pen name, which says who it is."""

from __future__ import annotations

import zlib

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


@register.simple_tag(takes_context=True)
def account_name(context, user) -> str:
    """The name the header's account menu shows: a creator's pen name (in the page's script),
    anyone else's user name."""
    profile = getattr(user, "creator_profile", None)
    if profile is not None:
        return user_text(profile.pen_name, context.get("variant") or "zh-hans")
    return user.get_username()


@register.simple_tag(takes_context=True)
def account_avatar(context, user) -> str:
    """The header's account menu's avatar (24 px): a creator's own (`avatar`), for anyone else
    their user name's first character on a colour chosen from it, as a pen name's is."""
    profile = getattr(user, "creator_profile", None)
    if profile is not None:
        return avatar(context, profile, "sm")
    name = user.get_username()
    colour = zlib.crc32(name.encode()) % 10
    return format_html('<span class="avatar sm av{}" aria-hidden="true">{}</span>', colour, name[:1].upper())
