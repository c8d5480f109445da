"""One comment of the comment box, rendered in Python (as reader.py renders list items): a
first comments page shows up to 26 of them, each with its stacked quotes and, for a signed-in
reader, four small forms; an `{% include %}` per comment cost more than the queries."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from zimei.comments.models import Comment
from zimei.comments.text import body_html
from zimei.conversion.variants import ui

register = template.Library()


@lru_cache(maxsize=256)
def _t(text: str, variant: str) -> str:
    """A UI string written in Simplified, in the page's script (memoised)."""
    return ui(text, variant)


def _when(c: Comment) -> SafeString:
    at = timezone.localtime(c.created_at)
    return format_html('<time datetime="{}">{}</time>', at.isoformat(), at.strftime("%Y-%m-%d %H:%M"))


def _quotes(c: Comment, v: str) -> SafeString:
    """盖楼: the replied-to chain as nested boxes, the oldest innermost."""
    quotes = getattr(c, "quotes", None)
    if not quotes:
        return mark_safe("")
    folded = getattr(c, "quotes_folded", 0)
    parts = ['<div class="quotes">', '<blockquote class="quote">' * len(quotes)]
    if folded:
        parts.append(format_html('<p class="fold">{} {} {}</p>', _t("……前面还有", v), folded, _t("层", v)))
    for floor, q in enumerate(quotes, start=folded + 1):
        if q.public:
            parts.append(
                format_html(
                    '<p class="q-who">{}{} {}</p><div class="q-body">{}</div></blockquote>',
                    floor,
                    _t("楼", v),
                    q.author.username,
                    body_html(q.body, links_live=q.links_live, variant=v),
                )
            )
        else:
            parts.append(
                format_html(
                    '<p class="q-who">{}{}</p><p class="q-gone">{}</p></blockquote>',
                    floor,
                    _t("楼", v),
                    _t("该跟帖已删除", v),
                )
            )
    parts.append("</div>")
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def comment_item(context, c: Comment, anchor: str = "c") -> SafeString:
    v = context.get("variant") or "zh-hans"
    base = context.get("base", "/")
    user = context.get("user")
    box = context["box"]
    back = context.get("back", "")
    head = format_html(
        '<header class="cmt-head"><span class="who">{}</span>{} {}</header>',
        c.author.username,
        format_html(' <span class="tag">{}</span>', _t("置顶", v)) if c.pinned else "",
        _when(c),
    )
    words = body_html(c.body, links_live=c.links_live, variant=v)
    text = format_html('<div class="cmt-body">{}</div>', words)
    if user is not None and user.is_authenticated:
        csrf = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<input type="hidden" name="next" value="{}">',
            str(context.get("csrf_token", "")),
            back,
        )
        voted = c.id in box.voted
        acts = [
            format_html(
                '<form method="post" action="{}comment/{}/vote/" class="inline">{}'
                '<button class="btn vote"{}>{} <span class="n">{}</span></button></form>',
                base,
                c.id,
                csrf,
                mark_safe(' disabled aria-pressed="true"') if voted else "",
                _t("已顶", v) if voted else _t("顶", v),
                c.up_count,
            )
        ]
        if c.author_id == user.id:
            acts.append(
                format_html(
                    '<form method="post" action="{}comment/{}/delete/" class="inline">{}'
                    '<button class="btn del">{}</button></form>',
                    base,
                    c.id,
                    csrf,
                    _t("删除", v),
                )
            )
        else:
            acts.append(
                format_html(
                    '<a class="report-link" href="{}comment/{}/report/" rel="nofollow">{}</a>',
                    base,
                    c.id,
                    _t("举报", v),
                )
            )
        if box.comments_open:
            field = f"r{anchor}{c.id}"
            acts.append(
                format_html(
                    '<details class="reply"><summary class="btn">{}</summary>'
                    '<form method="post" action="{}a/{}/comments/post/" class="reply-form">{}'
                    '<input type="hidden" name="parent" value="{}">'
                    '<label class="sr" for="{}">{} {}</label>'
                    '<textarea id="{}" name="body" rows="3" maxlength="1000" required></textarea>'
                    '<button type="submit" class="btn primary">{}</button></form></details>',
                    _t("回复", v),
                    base,
                    c.article_id,
                    csrf,
                    c.id,
                    field,
                    _t("回复", v),
                    c.author.username,
                    field,
                    _t("发表回复", v),
                )
            )
        foot = mark_safe("".join(acts))
    else:
        foot = format_html('<span class="vote">{} <span class="n">{}</span></span>', _t("顶", v), c.up_count)
    return format_html(
        '<article class="cmt{}" id="{}{}">{}{}{}<footer class="cmt-acts">{}</footer></article>',
        " pinned" if c.pinned else "",
        anchor,
        c.id,
        head,
        _quotes(c, v),
        text,
        foot,
    )
