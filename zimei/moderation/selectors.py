"""Reads for the review queue (editors) and for a creator's notices, appeals and 信用分.

Editors' reads assume the caller is an editor (the desk checks); a creator's reads take the
creator and never return another creator's rows (404 instead)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from zimei.accounts.models import CreatorApplication, CreatorProfile, User
from zimei.articles.models import Article
from zimei.search.selectors import number_in, text_condition
from zimei.search.text import Query

from .models import Appeal, AuditAction, AuditEntry, CreditEvent, Report
from .services import APPEALABLE, DECISION_LABELS

QUEUE_LIMIT = 100
# Held for review: submissions never published, and edits of published articles (Article.under_review).
HELD = Q(status=Article.Status.PENDING) | Q(status=Article.Status.PUBLISHED, edit_pending=True)
ARTICLE = Article._meta.label_lower


@dataclass
class ReportGroup:
    """The open reports on one article, as the queue shows them."""

    article: Article
    count: int
    categories: list[tuple[str, int]]  # (label, how many), most frequent first
    reports: list[Report] = field(default_factory=list)


def queue_counts() -> dict[str, int]:
    return {
        "applications": CreatorApplication.objects.filter(status=CreatorApplication.Status.PENDING).count(),
        "held": Article.objects.filter(HELD).count(),
        "reports": Report.objects.filter(status=Report.Status.OPEN).values("article").distinct().count(),
        "appeals": Appeal.objects.filter(status=Appeal.Status.PENDING).count(),
    }


def queue_applications() -> QuerySet[CreatorApplication]:
    return (
        CreatorApplication.objects.filter(status=CreatorApplication.Status.PENDING)
        .select_related("user", "channel")
        .order_by("created_at")[:QUEUE_LIMIT]
    )


def queue_held() -> QuerySet[Article]:
    """Articles held for review, oldest first, with their author (信用分, trusted)."""
    return (
        Article.objects.filter(HELD)
        .select_related("author", "channel")
        .defer("keywords", "related_ids", "hot_log")
        .order_by("updated_at", "id")[:QUEUE_LIMIT]
    )


def queue_reports() -> list[ReportGroup]:
    """Open reports grouped per article, the most reported first."""
    per_article = (
        Report.objects.filter(status=Report.Status.OPEN)
        .values("article")
        .annotate(n=Count("id"), latest=Max("created_at"))
        .order_by("-n", "-latest")[:QUEUE_LIMIT]
    )
    counts = {row["article"]: row["n"] for row in per_article}
    articles = Article.objects.select_related("author", "channel").in_bulk(list(counts))
    groups = {pk: ReportGroup(article=articles[pk], count=n, categories=[]) for pk, n in counts.items()}
    labels = dict(Report.Category.choices)
    for report in (
        Report.objects.filter(status=Report.Status.OPEN, article_id__in=list(counts))
        .select_related("reporter")
        .order_by("created_at", "id")
    ):
        groups[report.article_id].reports.append(report)
    for group in groups.values():
        tally = Counter(r.category for r in group.reports)
        group.categories = [(labels[c], n) for c, n in tally.most_common()]
    return list(groups.values())


def queue_appeals() -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(status=Appeal.Status.PENDING)
        .select_related("decision", "decision__actor", "article", "article__author", "creator")
        .order_by("created_at", "id")[:QUEUE_LIMIT]
    )


def audit_log() -> QuerySet[AuditEntry]:
    """The whole audit log, newest first (for editors; nobody can change it)."""
    return AuditEntry.objects.select_related("actor")


def audit_matching(query: Query) -> QuerySet[AuditEntry]:
    """Audit entries whose reason, editor (username) or decision (its label) holds every term of
    `query` in either script, or whose target's id it is; newest first (for editors)."""
    match = text_condition(query, "reason", "actor__username", labelled={"action": AuditAction.choices})
    number = number_in(query)
    if number is not None:
        match |= Q(target_id=number)
    return audit_log().filter(match)


def reports_matching(query: Query) -> QuerySet[Report]:
    """Readers' reports, open or handled, whose note, article title, reporter (username) or
    category (its label) holds every term of `query` in either script, or whose article's id it
    is; newest first (for editors)."""
    match = text_condition(
        query,
        "note",
        "article__title",
        "article__title_hans",
        "reporter__username",
        labelled={"category": Report.Category.choices, "status": Report.Status.choices},
    )
    number = number_in(query)
    if number is not None:
        match |= Q(article_id=number)
    return Report.objects.filter(match).select_related("article", "reporter").order_by("-created_at", "-id")


@dataclass
class Notice:
    """A decision on one of the creator's articles, as the studio's 通知 list shows it."""

    entry: AuditEntry
    article: Article
    label: str
    appeal: Appeal | None
    can_appeal: bool


def notices_for_creator(user: User, limit: int = 100) -> list[Notice]:
    """Editors' decisions on the creator's articles, newest first, with the appeal (if any)."""
    article_ids = Article.objects.filter(author__user=user).values("id")
    entries = list(
        AuditEntry.objects.filter(
            target_type=ARTICLE, target_id__in=article_ids, action__in=list(DECISION_LABELS)
        )[:limit]
    )
    articles = Article.objects.only("id", "title", "status").in_bulk({e.target_id for e in entries})
    appeals = {a.decision_id: a for a in Appeal.objects.filter(decision__in=entries)}
    notices = []
    for entry in entries:
        article = articles[entry.target_id]
        appeal = appeals.get(entry.id)
        can_appeal = appeal is None and APPEALABLE.get(entry.action) == article.status
        notices.append(Notice(entry, article, DECISION_LABELS[entry.action], appeal, can_appeal))
    return notices


def notices_unread(user: User) -> int:
    """How many editors' decisions on the creator's articles are newer than the last they saw
    in 通知 (the studio's badge; seeing the page marks them read)."""
    seen = CreatorProfile.objects.filter(user=user).values_list("notices_seen_id", flat=True).first() or 0
    return AuditEntry.objects.filter(
        target_type=ARTICLE,
        target_id__in=Article.objects.filter(author__user=user).values("id"),
        action__in=list(DECISION_LABELS),
        id__gt=seen,
    ).count()


def decision_get_for_creator(decision_id: int, user: User) -> AuditEntry:
    """A decision on the creator's own article, or 404 (never another creator's)."""
    entry = AuditEntry.objects.filter(id=decision_id, target_type=ARTICLE).first()
    if entry is None or not Article.objects.filter(id=entry.target_id, author__user=user).exists():
        raise Http404
    return entry


def latest_reasons(article_ids: list[int]) -> dict[int, AuditEntry]:
    """The newest review decision (reject, changes, take down) on each of these articles."""
    out: dict[int, AuditEntry] = {}
    for entry in AuditEntry.objects.filter(
        target_type=ARTICLE, target_id__in=article_ids, action__in=list(APPEALABLE)
    ):
        out.setdefault(entry.target_id, entry)
    return out


def credit_history(profile: CreatorProfile, limit: int = 200) -> QuerySet[CreditEvent]:
    return CreditEvent.objects.filter(creator=profile)[:limit]
