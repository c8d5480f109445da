"""List items of reader pages, rendered in Python: they repeat dozens of times per page, and an
`{% include %}` per item costs more than the whole article body."""

from __future__ import annotations

import html

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from zimei.articles.images import COVER_RATIO, COVER_WIDTHS, cover_size_name
from zimei.conversion.variants import field_suffix, ui, user_text

register = template.Library()


def _fields(context, article) -> tuple[str, str, str]:
    variant = context.get("variant")
    title = getattr(article, f"title_{field_suffix(variant)}")
    pen = article.author.pen_name
    return title, user_text(pen, variant), context.get("base", "/")


_SMALL, _LARGE = COVER_WIDTHS
_SMALL_H = _SMALL * COVER_RATIO[1] // COVER_RATIO[0]


def cover_thumb(cover_url: str) -> str:
    """The list thumbnail of a cover (its sized WebP copies, articles/images.py), or "" when the
    article has none. Decorative (alt=""): the headline beside it says what it links to. The
    width and height reserve its 3:2 box before it loads. The CSS shows it 160 px wide (112 on a
    phone): the 240 copy at 1x, the 480 one at 2x and more. Density descriptors rather than
    widths and `sizes`: the URL's name once less per item, which is what gzip cannot squeeze
    (docs/pictures.md, bench/weight.py)."""
    if not cover_url:
        return ""
    # One escape of the one value, then plain formatting: format_html's per-argument escaping
    # doubled this tag's cost, and it runs for every item of every list.
    url = escape(cover_url)
    return mark_safe(_THUMB.format(small=cover_size_name(url, _SMALL), large=cover_size_name(url, _LARGE)))


_THUMB = (
    '<img class="thumb" src="{small}" srcset="{large} 2x" width="SMALL" height="HIGH" alt="" '
    'loading="lazy" decoding="async">'
)
_THUMB = _THUMB.replace("SMALL", str(_SMALL)).replace("HIGH", str(_SMALL_H))
_AVATAR_IMG = '<img class="avatar xs" src="{}" width="20" height="20" alt="" loading="lazy" decoding="async">'


def byline_avatar(author, pen: str) -> str:
    """The small avatar before a list item's pen name (`pen`: in the page's script): the
    uploaded picture, lazily loaded, or the default (the name's first character on its colour,
    look.css). Decorative, as everywhere: the pen name is right after it."""
    if author.avatar:
        return _AVATAR_IMG.format(escape(author.avatar.url))
    # html.escape: a tenth of django's escape() for one character, on every item of every list
    first = html.escape(pen[:1])
    return f'<span class="avatar xs av{author.avatar_colour}" aria-hidden="true">{first}</span>'


@register.simple_tag(takes_context=True)
def list_avatar(context, author) -> str:
    """byline_avatar for a list rendered by a template (search results)."""
    return mark_safe(byline_avatar(author, user_text(author.pen_name, context.get("variant"))))


# The article column: the page's width less its padding on a phone; beside the 320 px side
# column from 900 px; at most 1180 - 2 × 16 - 320 - 24 = 804 px wide.
_LEAD_SIZES = "(min-width: 1180px) 804px, (min-width: 900px) calc(100vw - 376px), calc(100vw - 32px)"


@register.simple_tag(takes_context=True)
def lead_image(context, article) -> str:
    """题图: the cover at the top of an article page, when its creator chose it, with its
    description as alt text, in the page's script. Its 3:2 copies (articles/images.py), and the
    cover itself for wide 2x screens (shown cropped to the same 3:2, CSS object-fit)."""
    alt = getattr(article, f"lead_alt_{field_suffix(context.get('variant'))}")
    if not alt or not article.cover_url:
        return ""
    url = escape(article.cover_url)
    small, large = cover_size_name(url, _SMALL), cover_size_name(url, _LARGE)
    srcset = f"{small} {_SMALL}w, {large} {_LARGE}w"
    cover = article.cover
    if cover is not None and cover.url == article.cover_url and cover.width > _LARGE:
        srcset += f", {url} {cover.width}w"
    return format_html(
        '<figure class="lead"><img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" '
        'fetchpriority="high" decoding="async"></figure>',
        large,
        mark_safe(srcset),
        _LEAD_SIZES,
        _LARGE,
        _LARGE * COVER_RATIO[1] // COVER_RATIO[0],
        alt,
    )


@register.simple_tag
def article_thumb(article) -> str:
    """The cover thumbnail of a list item rendered by a template (search results)."""
    return cover_thumb(article.cover_url)


@register.simple_tag(takes_context=True)
def article_item(context, article) -> str:
    """<li> of an article list: the cover's thumbnail if it has one, headline, author and time
    to the minute, and the number of 跟帖 when the list's view counted them (`comment_count`,
    reader/views.py) and there are any."""
    title, pen, base = _fields(context, article)
    when = timezone.localtime(article.published_at)
    comments = getattr(article, "comment_count", 0)
    thumb = cover_thumb(article.cover_url)
    return format_html(
        '<li class="item{}">{}<a href="{}a/{}/">{}</a><span class="meta">{}{} · '
        '<time datetime="{}">{}</time>{}</span></li>',
        " has-thumb" if thumb else "",
        thumb,
        base,
        article.id,
        title,
        mark_safe(byline_avatar(article.author, pen)),
        pen,
        # To the minute, as shown (a space is as valid as "T"): the same digits twice in a row
        # cost gzip almost nothing, seconds and microseconds did.
        when.isoformat(" ", "minutes"),
        when.strftime("%Y-%m-%d %H:%M"),
        format_html(
            ' · <a class="cmt-n" href="{}a/{}/comments/">{} {}</a>',
            base,
            article.id,
            comments,
            _ui("跟帖", context),
        )
        if comments
        else "",
    )


def _ui(text: str, context) -> str:
    return ui(text, context.get("variant") or "zh-hans")


@register.simple_tag(takes_context=True)
def hot_item(context, article) -> str:
    """<li> of the hot list: headline, source (the outlet for reposts, else the creator) and
    time to the second."""
    title, pen, base = _fields(context, article)
    if article.original or not article.source:
        source = pen
    else:  # the outlet a repost came from, in the page's script like everything else
        source = user_text(article.source, context.get("variant"))
    when = timezone.localtime(article.published_at)
    return format_html(
        '<li><a href="{}a/{}/">{}</a><span class="meta"><span class="src">{}</span> '
        '<time datetime="{}">{}</time></span></li>',
        base,
        article.id,
        title,
        source,
        when.isoformat(" ", "seconds"),  # as shown: no microseconds (see article_item)
        when.strftime("%Y-%m-%d %H:%M:%S"),
    )
