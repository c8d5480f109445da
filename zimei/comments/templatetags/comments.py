from django import template
from django.utils.safestring import SafeString

from zimei.comments.models import Comment
from zimei.comments.text import body_html

register = template.Library()


@register.filter
def comment_html(comment: Comment) -> SafeString:
    """The comment's text, escaped, line breaks kept, URLs linked when it may (text.py)."""
    return body_html(comment.body, links_live=comment.links_live)
