"""`{% decision_label action %}` and `{% review_reason r %}`: moderation words in the reader's script."""

from django import template

from zimei.conversion.templatetags.zh import zh_filter
from zimei.moderation.services import DECISION_LABELS

register = template.Library()

OTHER_LABELS = {
    "application.approve": "通过入驻申请",
    "application.reject": "驳回入驻申请",
    "creator.trust": "设为可信创作者",
    "creator.untrust": "取消可信",
    "channel.update": "修改频道",
    "lexicon.add": "词库：添加",
    "lexicon.change": "词库：修改",
    "lexicon.delete": "词库：删除",
    "hot.pin": "热点：置顶",
    "hot.stamp": "热点：调整",
    "hot.undo": "热点：撤销",
    "report.uphold": "举报成立",
    "report.dismiss": "举报不成立",
    "appeal.grant": "采纳申诉",
    "appeal.deny": "驳回申诉",
}


@register.simple_tag
def decision_label(action: str) -> str:
    return zh_filter(DECISION_LABELS.get(action) or OTHER_LABELS.get(action) or action)


@register.simple_tag
def review_reason(reason: object) -> str:
    """One of an article's review_reasons: a sentence, or a {"text"/"reason"/"message": …} record."""
    if isinstance(reason, dict):
        reason = reason.get("text") or reason.get("reason") or reason.get("message") or ""
    return zh_filter(str(reason))


BAD = {"article.reject", "article.take_down", "article.spam_reject"}
GOOD = {"article.approve", "article.restore"}


@register.simple_tag
def decision_class(action: str) -> str:
    """A CSS class for a decision's badge: bad news red, good news green, a request yellow."""
    if action in BAD:
        return "status-decision-bad"
    return "status-decision-good" if action in GOOD else "status-decision-change"
