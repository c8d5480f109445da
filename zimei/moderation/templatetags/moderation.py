"""`{% decision_label action %}` and `{% review_reason r %}`: moderation words in the reader's script."""

from django import template

from zimei.conversion.templatetags.zh import zh_filter
from zimei.moderation.models import AuditAction

register = template.Library()


@register.simple_tag
def decision_label(action: str) -> str:
    label = AuditAction(action).label if action in AuditAction.values else action
    return zh_filter(label)


@register.simple_tag
def review_reason(reason: object) -> str:
    """One of an article's review_reasons: a sentence, or a {"text"/"reason"/"message": …} record."""
    if isinstance(reason, dict):
        reason = reason.get("text") or reason.get("reason") or reason.get("message") or ""
    return zh_filter(str(reason))


BAD = {AuditAction.ARTICLE_REJECT, AuditAction.ARTICLE_TAKE_DOWN, AuditAction.ARTICLE_SPAM_REJECT}
GOOD = {AuditAction.ARTICLE_APPROVE, AuditAction.ARTICLE_RESTORE}


@register.simple_tag
def decision_class(action: str) -> str:
    """A CSS class for a decision's badge: bad news red, good news green, a request yellow."""
    if action in BAD:
        return "status-decision-bad"
    return "status-decision-good" if action in GOOD else "status-decision-change"
