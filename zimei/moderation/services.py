import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import Sum
from django.utils import timezone
from tqdm import tqdm

from zimei.accounts.models import CreatorProfile, User
from zimei.articles.models import Article
from zimei.articles.services import article_approve, article_restore, article_take_down
from zimei.core.errors import InputError, NotAllowed, control_characters_check, one_line, plain_text_message
from zimei.core.ratelimit import rate_hit

from .models import (
    ARTICLE_DECISIONS,
    Appeal,
    AuditAction,
    AuditEntry,
    BannedWord,
    CreditEvent,
    Report,
    ReviewDecision,
)
from .normalize import normalise
from .spam import lexicon_changed


def audit_record(
    *, actor: User | None, action: AuditAction, target: models.Model, reason: str = ""
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        reason=reason,
    )


# --- reports, review decisions, appeals and 信用分 (docs/moderation.md) --------------------
#
# Every editorial decision is one service call that changes the object, writes one audit entry
# (who, when, what, why) and, for a violation, lowers the creator's 信用分 with a CreditEvent
# tied to that entry, so that a granted appeal can give back exactly what the decision took.

CREDIT_START = 100
CREDIT_MIN, CREDIT_MAX = 0, 100
# What an upheld violation costs (docs/moderation.md).
PENALTY_REJECT = 5  # a held article refused
PENALTY_TAKE_DOWN = 10  # a published article taken down by an editor
PENALTY_REPORT = 20  # a published article taken down because readers' reports were upheld
# +1 for every CREDIT_RESTORE_DAYS full days since the last violation, up to 100.
CREDIT_RESTORE_DAYS = 3
# Below HOLD every article is held for review (trusted or not); below BLOCK none can be published.
CREDIT_HOLD_BELOW = 60
CREDIT_BLOCK_BELOW = 30

REPORT_NOTE_MAX = 500
APPEAL_TEXT_MAX = 2000
REASON_MAX = 1000

# Decisions on an article, by audit action: the status they leave it in. A creator may appeal
# each of these once, while it is still in force.
APPEALABLE = {
    AuditAction.ARTICLE_REJECT: Article.Status.REJECTED,
    AuditAction.ARTICLE_REQUEST_CHANGES: Article.Status.CHANGES,
    AuditAction.ARTICLE_TAKE_DOWN: Article.Status.TAKEN_DOWN,
}
# What the studio's 通知 list calls each decision on an article (the actions' labels).
DECISION_LABELS = {action: action.label for action in ARTICLE_DECISIONS}


def _reason(reason: str | None, *, required: bool, message: str) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise InputError.one("reason", message)
    if len(reason) > REASON_MAX:
        raise InputError.one("reason", f"理由最多 {REASON_MAX} 个字，现在有 {len(reason)} 个字")
    if plain_text_message(reason):
        raise InputError.one("reason", plain_text_message(reason))
    return reason


def _require_editor(actor: User) -> None:
    if not actor.is_editor:
        raise NotAllowed("editors only")


def _locked_article(article: Article) -> Article:
    """The article row locked for this transaction (two editors deciding at once: one wins,
    the other sees the decision already made)."""
    fresh = Article.objects.select_for_update().select_related("author").get(pk=article.pk)
    article.status = fresh.status
    return fresh


def report_input_check(*, category: str, note: str) -> str:
    """What every 举报 form asks for (an article's, a comment's): a category, and a note when the
    category is 其他; the note as kept (stripped), or InputError with the field messages."""
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if category not in Report.Category.values:
        errors["category"] = ["请选择举报类型"]
    elif category == Report.Category.OTHER and not note:
        errors["note"] = ["选择「其他」时，请在补充说明里写明原因"]
    if len(note) > REPORT_NOTE_MAX:
        errors["note"] = [f"补充说明最多 {REPORT_NOTE_MAX} 个字，现在有 {len(note)} 个字"]
    control_characters_check(errors, {"note": note})
    if errors:
        raise InputError(errors)
    return note


@transaction.atomic
def report_create(*, article: Article, reporter: User, category: str, note: str) -> Report:
    """举报: a signed-in reader reports a published article. One open report per reader per
    article; the note is kept as typed (plain text, escaped wherever it is shown)."""
    note = report_input_check(category=category, note=note)
    locked = _locked_article(article)
    if locked.status != Article.Status.PUBLISHED:
        raise InputError.one("", "这篇文章已不再公开，不需要举报")
    if locked.author.user_id == reporter.id:
        raise InputError.one("", "不能举报自己的文章")
    if report_open_exists(reporter=reporter, article=article):
        raise InputError.one("", "你对这篇文章的举报已经收到，编辑正在处理，不必重复举报")
    rate_hit("report", str(reporter.id))
    return Report.objects.create(article=article, reporter=reporter, category=category, note=note)


def report_open_exists(*, reporter: User, article: Article) -> bool:
    return Report.objects.filter(article=article, reporter=reporter, status=Report.Status.OPEN).exists()


@transaction.atomic
def reports_decide(*, article: Article, actor: User, uphold: bool, reason: str) -> list[AuditEntry]:
    """Decide every open report on an article at once. Upheld: the article is taken down (the
    creator sees the reason) and the creator loses PENALTY_REPORT; dismissed: it stays up.
    Each report gets its own audit entry; the take-down is audited on the article."""
    _require_editor(actor)
    reason = _reason(
        reason,
        required=uphold,
        message="请写明举报成立的理由，作者会看到它" if uphold else "",
    )
    locked = _locked_article(article)
    reports = list(Report.objects.select_for_update().filter(article=locked, status=Report.Status.OPEN))
    if not reports:
        raise InputError.one("", "这篇文章的举报已经处理过了")
    entries = []
    if uphold and locked.status == Article.Status.PUBLISHED:
        entries.append(
            _take_down(
                locked, actor, reason, penalty=PENALTY_REPORT, credit_reason="举报成立，文章《{title}》被下架"
            )
        )
    now = timezone.now()
    status = Report.Status.UPHELD if uphold else Report.Status.DISMISSED
    for report in reports:
        report.status, report.handled_by, report.handled_at = status, actor, now
        report.save(update_fields=["status", "handled_by", "handled_at"])
        action = AuditAction.REPORT_UPHOLD if uphold else AuditAction.REPORT_DISMISS
        entries.append(audit_record(actor=actor, action=action, target=report, reason=reason))
    return entries


def _last_entry(article: Article, action: AuditAction) -> AuditEntry:
    return AuditEntry.objects.filter(
        target_type=Article._meta.label_lower, target_id=article.pk, action=action
    ).latest("created_at", "id")


# --- an editor's decision on an article (the review queue) -----------------------------------
# One row per decision: what it must find, what a reason must say, and what it does. A held
# article is a held submission or a held edit of a published article (Article.under_review).

NOT_HELD = "这篇文章已不在待审核状态，可能已被其他编辑处理"


def _approve(locked: Article, actor: User, reason: str) -> AuditEntry:
    article_approve(article=locked, actor=actor)
    return audit_record(actor=actor, action=AuditAction.ARTICLE_APPROVE, target=locked, reason=reason)


def _send_back(status: Article.Status, action: AuditAction, penalty: int, credit_reason: str):
    """Reject (refused) or request changes (to change and submit again)."""

    def decide(locked: Article, actor: User, reason: str) -> AuditEntry:
        if locked.status == Article.Status.PUBLISHED:
            # A held edit: refused or sent back, the published version stays public as it is;
            # the creator may change the working copy and submit it again.
            locked.edit_pending = False
        else:
            locked.status = status
        locked.save(update_fields=["status", "edit_pending", "updated_at"])
        entry = audit_record(actor=actor, action=action, target=locked, reason=reason)
        if penalty:
            credit_change(
                creator=locked.author,
                delta=-penalty,
                reason=credit_reason.format(title=locked.title),
                decision=entry,
            )
        return entry

    return decide


def _take_down(
    locked: Article,
    actor: User,
    reason: str,
    *,
    penalty: int = PENALTY_TAKE_DOWN,
    credit_reason: str = "文章《{title}》被编辑下架",
) -> AuditEntry:
    """Take a published article down (an editor's decision, or upheld reports): audited on the
    article, and the creator loses `penalty` tied to that entry."""
    article_take_down(article=locked, actor=actor, reason=reason)
    entry = _last_entry(locked, AuditAction.ARTICLE_TAKE_DOWN)
    credit_change(
        creator=locked.author, delta=-penalty, reason=credit_reason.format(title=locked.title), decision=entry
    )
    return entry


@dataclass(frozen=True)
class _Review:
    held: bool  # True: the article must be held for review; False: it must be published
    refused: str  # the message when it is not
    reason_required: str  # the message when the reason is missing ("" when it may be left out)
    decide: Callable[[Article, User, str], AuditEntry]


REVIEWS = {
    ReviewDecision.APPROVE: _Review(True, NOT_HELD, "", _approve),
    ReviewDecision.REJECT: _Review(
        True,
        NOT_HELD,
        "请写明驳回的理由，作者会看到它",
        _send_back(
            Article.Status.REJECTED, AuditAction.ARTICLE_REJECT, PENALTY_REJECT, "文章《{title}》未通过审核"
        ),
    ),
    ReviewDecision.CHANGES: _Review(
        True,
        NOT_HELD,
        "请写明需要修改的地方，作者会照着修改",
        _send_back(Article.Status.CHANGES, AuditAction.ARTICLE_REQUEST_CHANGES, 0, ""),
    ),
    # article_take_down checks the reason itself (its own message).
    ReviewDecision.TAKE_DOWN: _Review(False, "只有已发布的文章可以下架", "", _take_down),
}


@transaction.atomic
def article_review(
    *, article: Article, actor: User, decision: ReviewDecision | str, reason: str = ""
) -> AuditEntry:
    """An editor's decision on an article in the review queue:
    approve (a held article is published), reject (it is refused), changes (the creator is
    asked to change it and submit again) or take_down (a published article is removed).
    Reasons are required except to approve; the creator reads them in the studio."""
    _require_editor(actor)
    locked = _locked_article(article)
    review = REVIEWS.get(decision)
    if review is None:
        raise InputError.one("", "请选择一项处理决定")
    in_place = locked.under_review if review.held else locked.status == Article.Status.PUBLISHED
    if not in_place:
        raise InputError.one("", review.refused)
    if review.held:  # take_down's reason is checked by article_take_down
        reason = _reason(reason, required=bool(review.reason_required), message=review.reason_required)
    entry = review.decide(locked, actor, reason)
    article.status, article.edit_pending = locked.status, locked.edit_pending
    return entry


@transaction.atomic
def appeal_create(*, decision: AuditEntry, creator: User, text: str) -> Appeal:
    """A creator appeals one decision on their own article, once."""
    article = (
        Article.objects.filter(pk=decision.target_id, author__user=creator).first()
        if decision.target_type == Article._meta.label_lower
        else None
    )
    if article is None:
        raise NotAllowed("not a decision on the creator's article")
    if decision.action not in APPEALABLE:
        raise InputError.one("", "这项决定不能申诉")
    if Appeal.objects.filter(decision=decision).exists():
        raise InputError.one("", "这项决定你已经申诉过了，每项决定只能申诉一次")
    if article.status != APPEALABLE[decision.action]:
        raise InputError.one("", "这项决定已不再生效，不需要申诉")
    text = (text or "").strip()
    if not text:
        raise InputError.one("text", "请写明申诉理由")
    if len(text) > APPEAL_TEXT_MAX:
        raise InputError.one("text", f"申诉理由最多 {APPEAL_TEXT_MAX} 个字，现在有 {len(text)} 个字")
    errors: dict[str, list[str]] = {}
    control_characters_check(errors, {"text": text})
    if errors:
        raise InputError(errors)
    try:
        with transaction.atomic():
            return Appeal.objects.create(decision=decision, article=article, creator=creator, text=text)
    except IntegrityError:  # the same appeal sent twice at once: the one-to-one keeps one
        raise InputError.one("", "这项决定你已经申诉过了，每项决定只能申诉一次") from None


@transaction.atomic
def appeal_decide(*, appeal: Appeal, actor: User, grant: bool, answer: str) -> AuditEntry:
    """An editor answers an appeal. Granted: the decision is undone (a taken-down article is
    restored, a rejected or sent-back one is published) and its 信用分 penalty is given back.
    Denied: the decision stands; the answer is required and the creator reads it."""
    _require_editor(actor)
    # Lock the appeal row only (PostgreSQL cannot lock the nullable side of an outer join).
    locked_appeals = Appeal.objects.select_for_update(of=("self",))
    appeal = locked_appeals.select_related("decision", "article").get(pk=appeal.pk)
    if appeal.status != Appeal.Status.PENDING:
        raise InputError.one("", "这项申诉已经处理过了")
    answer = _reason(
        answer,
        required=not grant,
        message="请写明驳回申诉的理由，作者会看到它",
    )
    article = appeal.article
    if grant and article is not None:
        locked = _locked_article(article)
        if locked.status == Article.Status.TAKEN_DOWN:
            article_restore(article=locked, actor=actor, reason=answer or "申诉成立")
        elif locked.status in (Article.Status.REJECTED, Article.Status.CHANGES):
            article_approve(article=locked, actor=actor)
            audit_record(
                actor=actor, action=AuditAction.ARTICLE_APPROVE, target=locked, reason=answer or "申诉成立"
            )
        penalties = CreditEvent.objects.filter(decision=appeal.decision, delta__lt=0)
        taken = penalties.aggregate(s=Sum("delta"))["s"]
        if taken:
            credit_change(
                creator=locked.author, delta=-taken, reason="申诉成立，退还扣分", decision=appeal.decision
            )
    appeal.status = Appeal.Status.GRANTED if grant else Appeal.Status.DENIED
    appeal.answer, appeal.decided_by, appeal.decided_at = answer, actor, timezone.now()
    appeal.save(update_fields=["status", "answer", "decided_by", "decided_at"])
    return audit_record(
        actor=actor,
        action=AuditAction.APPEAL_GRANT if grant else AuditAction.APPEAL_DENY,
        target=appeal,
        reason=answer,
    )


@transaction.atomic
def credit_change(
    *, creator: CreatorProfile, delta: int, reason: str, decision: AuditEntry | None = None
) -> CreditEvent | None:
    """Change a creator's 信用分 by `delta`, kept within 0..100, and record it with the new
    balance. Nothing is recorded when the score cannot move (already 0 or 100)."""
    profile = CreatorProfile.objects.select_for_update().get(pk=creator.pk)
    balance = max(CREDIT_MIN, min(CREDIT_MAX, profile.credit + delta))
    applied = balance - profile.credit
    if applied == 0:
        return None
    profile.credit = creator.credit = balance
    profile.save(update_fields=["credit"])
    return CreditEvent.objects.create(
        creator=profile, delta=applied, balance=balance, reason=reason[:200], decision=decision
    )


def credit_restore_all(*, now=None, progress: bool = False) -> int:
    """Give back 信用分 for clean time: +1 for every CREDIT_RESTORE_DAYS full days since the
    creator's last violation, minus what was already given back since then (so running it
    twice, or daily, or after a pause, gives the same result). Returns how many creators rose."""
    now = now or timezone.now()
    raised = 0

    below = CreatorProfile.objects.filter(credit__lt=CREDIT_MAX).only("id", "credit", "created_at")
    for profile in tqdm(below, total=below.count(), disable=not progress, unit="creator"):
        penalties = CreditEvent.objects.filter(creator=profile, delta__lt=0)
        last_penalty = penalties.values_list("created_at", flat=True).first()
        since = last_penalty or profile.created_at
        earned = int((now - since).total_seconds() // (CREDIT_RESTORE_DAYS * 86400))
        given = (
            CreditEvent.objects.filter(
                creator=profile, delta__gt=0, decision__isnull=True, created_at__gte=since
            ).aggregate(s=Sum("delta"))["s"]
            or 0
        )
        if earned > given:
            days = earned * CREDIT_RESTORE_DAYS
            reason = f"连续 {days} 天没有违规，恢复信用分"
            if credit_change(creator=profile, delta=earned - given, reason=reason):
                raised += 1
    return raised


def spam_rejected_last(article: Article) -> bool:
    """Whether the article's last refusal was the spam check's (an editor's stands)."""
    last = (
        AuditEntry.objects.filter(
            target_type=Article._meta.label_lower,
            target_id=article.pk,
            action__in=[AuditAction.ARTICLE_SPAM_REJECT, AuditAction.ARTICLE_REJECT],
        )
        .order_by("-created_at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return last == AuditAction.ARTICLE_SPAM_REJECT


def publish_gate(*, article: Article) -> list[str]:
    """The one check the publish service makes for moderation: raises InputError when the
    article may not be published at all (信用分 below CREDIT_BLOCK_BELOW, or refused in
    review); returns the reasons it must be held for review (信用分 below CREDIT_HOLD_BELOW)."""
    credit = article.author.credit
    if article.status == Article.Status.REJECTED:
        if spam_rejected_last(article):
            raise InputError.one("", "这篇文章未通过自动检查：请按列出的原因修改并保存，再提交发布")
        raise InputError.one("", "这篇文章未通过审核，不能再次发布；如有异议，可以在创作中心的通知里申诉")
    if credit < CREDIT_BLOCK_BELOW:
        raise InputError.one(
            "",
            f"你的信用分是 {credit}，低于 {CREDIT_BLOCK_BELOW}，暂时不能发布文章。"
            f"没有新的违规时，信用分每 {CREDIT_RESTORE_DAYS} 天恢复 1 分",
        )
    if credit < CREDIT_HOLD_BELOW:
        return [f"信用分 {credit} 低于 {CREDIT_HOLD_BELOW}，文章需经编辑审核后发布"]
    return []


# --- the banned-word lexicon (docs/spam.md) ------------------------------------------------
#
# Words are stored normalised (moderation/normalize.py), so that what the editor types and
# what the spam check matches are the same string; the desk shows the stored form. Every edit
# is audited and bumps the lexicon version, so the next check in every process sees it.

BANNED_WORD_MAX = 64


def _banned_values(*, word: str, category: str, action: str) -> tuple[str, str, str]:

    errors: dict[str, list[str]] = {}
    typed = one_line(word)
    # Separators and punctuation at the ends never help a match (inside a word they may).
    normal = re.sub(r"^[\W_]+|[\W_]+$", "", normalise(typed))
    if not typed:
        errors["word"] = ["请填写要禁止的词语"]
    elif not normal:
        errors["word"] = ["这个词规范化后是空的（只有空格、标点或不可见字符），请换一个词"]
    elif len(normal) > BANNED_WORD_MAX:
        errors["word"] = [f"词语最多 {BANNED_WORD_MAX} 个字，现在有 {len(normal)} 个字"]
    elif len(normal) < 2 and not normal.isascii():
        errors["word"] = ["单个汉字会误伤大量正常文章，请填写至少两个字的词语"]
    elif len(normal) < 3 and normal.isascii():
        errors["word"] = ["英文词至少三个字母，太短会误伤正常文章"]
    category = one_line(category)
    if len(category) > 32:
        errors["category"] = ["类别最多 32 个字"]
    control_characters_check(errors, {"word": typed, "category": category})
    if action not in BannedWord.Action.values:
        errors["action"] = ["请选择命中后的处理：送审或拒绝"]
    if errors:
        raise InputError(errors)
    return normal, category, action


@transaction.atomic
def banned_word_add(*, actor: User, word: str, category: str = "", action: str = "hold"):
    """Add a word to the lexicon (stored normalised). Returns the BannedWord."""
    _require_editor(actor)
    normal, category, action = _banned_values(word=word, category=category, action=action)
    if BannedWord.objects.filter(word=normal).exists():
        raise InputError.one("word", f"「{normal}」已经在词库里了（规范化后的写法）")
    banned = BannedWord.objects.create(word=normal, category=category, action=action, created_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.LEXICON_ADD,
        target=banned,
        reason=f"{normal}（{banned.get_action_display()}）",
    )
    lexicon_changed()
    return banned


@transaction.atomic
def banned_word_change(*, actor: User, banned, action: str, category: str | None = None):
    """Change what a hit does (hold | reject) and, if given, the category."""
    _require_editor(actor)
    _, category, action = _banned_values(
        word=banned.word, category=banned.category if category is None else category, action=action
    )
    banned.action, banned.category = action, category
    banned.save(update_fields=["action", "category"])
    audit_record(
        actor=actor,
        action=AuditAction.LEXICON_CHANGE,
        target=banned,
        reason=f"{banned.word}（{banned.get_action_display()}）",
    )
    lexicon_changed()
    return banned


@transaction.atomic
def banned_word_delete(*, actor: User, banned) -> None:
    _require_editor(actor)
    audit_record(actor=actor, action=AuditAction.LEXICON_DELETE, target=banned, reason=banned.word)
    banned.delete()
    lexicon_changed()
