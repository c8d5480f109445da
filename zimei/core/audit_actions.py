"""What the audit log records, written once: every service that makes a decision names its
action from here (a base module, so that any app may record a decision without importing the
moderation app, which keeps the log)."""

from django.db import models


class AuditAction(models.TextChoices):
    """Every action the audit log records, written once; the label is what the desk's log and
    the studio's 通知 call it."""

    ARTICLE_APPROVE = "article.approve", "审核通过，已发布"
    ARTICLE_REJECT = "article.reject", "未通过审核"
    ARTICLE_REQUEST_CHANGES = "article.request_changes", "需要修改"
    ARTICLE_TAKE_DOWN = "article.take_down", "已下架"
    ARTICLE_RESTORE = "article.restore", "已恢复发布"
    ARTICLE_SPAM_REJECT = "article.spam_reject", "未通过自动检查"
    APPLICATION_APPROVE = "application.approve", "通过入驻申请"
    APPLICATION_REJECT = "application.reject", "驳回入驻申请"
    CREATOR_TRUST = "creator.trust", "设为可信创作者"
    CREATOR_UNTRUST = "creator.untrust", "取消可信"
    CHANNEL_UPDATE = "channel.update", "修改频道"
    LEXICON_ADD = "lexicon.add", "词库：添加"
    LEXICON_CHANGE = "lexicon.change", "词库：修改"
    LEXICON_DELETE = "lexicon.delete", "词库：删除"
    HOT_PIN = "hot.pin", "热点：置顶"
    HOT_REMOVE = "hot.remove", "热点：移除"
    HOT_STAMP = "hot.stamp", "热点：调整"  # no longer written; kept for old entries
    HOT_UNDO = "hot.undo", "热点：撤销"
    REPORT_UPHOLD = "report.uphold", "举报成立"
    REPORT_DISMISS = "report.dismiss", "举报不成立"
    APPEAL_GRANT = "appeal.grant", "采纳申诉"
    APPEAL_DENY = "appeal.deny", "驳回申诉"
    CONVERSION_OVERRIDE_ADD = "conversion.override_add", "转换词表：添加"
    CONVERSION_OVERRIDE_REMOVE = "conversion.override_remove", "转换词表：删除"
    # 跟帖 (docs/comments.md): the article's author hides; editors decide the comments queue.
    COMMENT_HIDE = "comment.hide", "跟帖：作者隐藏"
    COMMENT_APPROVE = "comment.approve", "跟帖：审核通过"
    COMMENT_REMOVE = "comment.remove", "跟帖：删除"
    COMMENT_REPORT_UPHOLD = "comment_report.uphold", "跟帖举报成立"
    COMMENT_REPORT_DISMISS = "comment_report.dismiss", "跟帖举报不成立"
    COMMENTS_CLOSE = "comments.close", "关闭跟帖"
    COMMENTS_OPEN = "comments.open", "开启跟帖"
    COMMENTER_STANDING = "commenter.standing", "跟帖权限"
