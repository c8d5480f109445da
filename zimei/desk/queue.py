"""The review queue (审核队列): pending applications, held articles with the spam check's reasons,
readers' reports grouped per article, creators' appeals, and the audit log (read-only).
Editors only; each decision is one service call (zimei/moderation/services.py) that is
audited and tells the creator why."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from zimei.articles.models import Article
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

from .actions import DeskAction, DeskForm, DeskPage, Text
from .views import DecisionForm

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


class QueuePage(DeskPage):
    template_name = "desk/queue.html"

    def context(self, request: HttpRequest, tab: str = "", **kwargs) -> dict:
        tab = tab or request.GET.get("tab", TABS[0])
        if tab not in TABS:
            tab = TABS[0]
        context = {"tab": tab, "counts": queue_counts()}
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
        return context


def _back(tab: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('desk:queue')}?tab={tab}")


class _QueueAction(DeskAction):
    """A decision on one row of a tab; on bad input the tab again, the reason kept."""

    form_class = DecisionForm
    text_field = "reason"

    def tab(self, data: dict) -> str:
        raise NotImplementedError

    def success(self, data: dict) -> HttpResponse:
        return _back(self.tab(data))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        row = self.object.id
        typed = {row: form.data.get(self.text_field, "")}
        return QueuePage.show(
            self.request, errors={row: errors}, typed=typed, tab=self.tab(form.cleaned_data)
        )


class ArticleDecide(_QueueAction):
    """approve / reject / changes for a held article; take_down for a published one."""

    model = Article

    def tab(self, data: dict) -> str:
        return "reports" if data.get("decision") == ReviewDecision.TAKE_DOWN else "held"

    def act(self, data: dict) -> str:
        decision = data["decision"]
        article_review(article=self.object, actor=self.request.user, decision=decision, reason=data["reason"])
        return DONE.get(decision, "已处理")


class ReportsDecide(_QueueAction):
    model = Article

    def tab(self, data: dict) -> str:
        return "reports"

    def act(self, data: dict) -> str:
        uphold = data["decision"] == "uphold"
        reports_decide(article=self.object, actor=self.request.user, uphold=uphold, reason=data["reason"])
        return DONE["uphold" if uphold else "dismiss"]


class AnswerForm(DeskForm):
    decision = Text()
    answer = Text()


class AppealDecide(_QueueAction):
    form_class = AnswerForm
    model = Appeal
    text_field = "answer"

    def tab(self, data: dict) -> str:
        return "appeals"

    def act(self, data: dict) -> str:
        grant = data["decision"] == "grant"
        appeal_decide(appeal=self.object, actor=self.request.user, grant=grant, answer=data["answer"])
        return DONE["grant" if grant else "deny"]


queue = QueuePage.as_view()
article_decide = ArticleDecide.as_view()
reports_decide_view = ReportsDecide.as_view()
appeal_decide_view = AppealDecide.as_view()
