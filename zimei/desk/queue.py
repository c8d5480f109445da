"""The review queue (审核队列): pending applications, held articles with the spam check's reasons,
readers' reports grouped per article, creators' appeals, and the audit log (read-only).
Editors only; each decision is one service call (zimei/moderation/services.py) that is
audited and tells the creator why."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zimei.articles.models import Article
from zimei.core.errors import InputError
from zimei.moderation.models import Appeal, ReviewDecision
from zimei.moderation.selectors import (
    audit_log,
    queue_appeals,
    queue_applications,
    queue_counts,
    queue_held,
    queue_reports,
)
from zimei.moderation.services import appeal_decide, article_review, reports_decide

from .views import _done, _errors, editor_only

TABS = ("held", "reports", "appeals", "applications", "audit")
DONE = {
    ReviewDecision.APPROVE: "已通过，文章已发布",
    ReviewDecision.REJECT: "已驳回，作者会在创作中心看到理由",
    ReviewDecision.CHANGES: "已退回修改，作者会在创作中心看到要改的地方",
    ReviewDecision.TAKE_DOWN: "已下架，作者会在创作中心看到理由",
    "uphold": "举报成立：文章已下架，作者的信用分已扣除",
    "dismiss": "举报不成立，文章保持发布",
    "grant": "已采纳申诉，决定已撤销",
    "deny": "已驳回申诉，作者会看到你的答复",
}


def _queue(
    request: HttpRequest, tab: str, errors: dict | None = None, typed: dict | None = None, status: int = 200
) -> HttpResponse:
    if tab not in TABS:
        tab = TABS[0]
    context = {
        "tab": tab,
        "counts": queue_counts(),
        "errors": errors or {},
        "typed": typed or {},
    }
    if tab == "held":
        context["held"] = queue_held()
    elif tab == "reports":
        context["groups"] = queue_reports()
    elif tab == "appeals":
        context["appeals"] = queue_appeals()
    elif tab == "audit":
        context["log"] = Paginator(audit_log(), 50).get_page(request.GET.get("page"))
    else:
        context["applications"] = queue_applications()
    return render(request, "desk/queue.html", context, status=status)


def _back(tab: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('desk:queue')}?tab={tab}")


@editor_only
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, request.GET.get("tab", TABS[0]))


@editor_only
@require_POST
def article_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """approve / reject / changes for a held article; take_down for a published one."""
    article = get_object_or_404(Article, pk=pk)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    tab = "reports" if decision == ReviewDecision.TAKE_DOWN else "held"
    try:
        article_review(article=article, actor=request.user, decision=decision, reason=reason)
    except InputError as exc:
        return _queue(request, tab, errors={article.id: _errors(request, exc)}, typed={article.id: reason})
    _done(request, DONE.get(decision, "已处理"))
    return _back(tab)


@editor_only
@require_POST
def reports_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    try:
        reports_decide(article=article, actor=request.user, uphold=decision == "uphold", reason=reason)
    except InputError as exc:
        return _queue(
            request, "reports", errors={article.id: _errors(request, exc)}, typed={article.id: reason}
        )
    _done(request, DONE["uphold" if decision == "uphold" else "dismiss"])
    return _back("reports")


@editor_only
@require_POST
def appeal_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal, pk=pk)
    grant = request.POST.get("decision") == "grant"
    answer = request.POST.get("answer", "")
    try:
        appeal_decide(appeal=appeal, actor=request.user, grant=grant, answer=answer)
    except InputError as exc:
        errors = {appeal.id: _errors(request, exc)}
        return _queue(request, "appeals", errors=errors, typed={appeal.id: answer})
    _done(request, DONE["grant" if grant else "deny"])
    return _back("appeals")
