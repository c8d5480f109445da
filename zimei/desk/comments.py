"""The comments queue (跟帖审核): held comments with the spam check's reasons, readers' reports
grouped per comment, and a commenter's standing set from either row. Editors only; each
decision is one service of comments/moderation.py, audited, and the commenter reads the
reason on 我的跟帖 (docs/comments.md, "Creators and editors")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from zimei.comments import moderation as mod
from zimei.comments.models import Comment, CommenterStanding

from .actions import DeskAction, DeskForm, DeskPage, Text

TABS = ("held", "reports")
DONE = {
    "publish": "已通过，跟帖已发布",
    "remove": "已删除，跟帖的作者会看到理由",
    "uphold": "举报成立：跟帖已删除，跟帖的作者会看到理由",
    "dismiss": "举报不成立，跟帖保持发布",
    "standing": "已设置这位读者的跟帖权限",
}


class CommentsQueuePage(DeskPage):
    template_name = "desk/comments.html"

    def context(
        self,
        request: HttpRequest,
        tab: str = "",
        standing_errors: dict | None = None,
        standing_typed: dict | None = None,
    ) -> dict:
        tab = tab or request.GET.get("tab", TABS[0])
        if tab not in TABS:
            tab = TABS[0]
        context = {
            "tab": tab,
            "counts": mod.comment_queue_counts(),
            "levels": CommenterStanding.Level.choices,
            # the standing form's errors and typed reason, by the commenter's id
            "standing_errors": standing_errors or {},
            "standing_typed": standing_typed or {},
        }
        if tab == "held":
            context["held"] = mod.comment_queue_held()
        else:
            context["groups"] = mod.comment_queue_reports()
        return context


class DecisionForm(DeskForm):
    decision = Text()
    reason = Text()


class _CommentAction(DeskAction):
    """A decision on one row; on bad input the tab again with the errors and the reason kept."""

    form_class = DecisionForm
    model = Comment
    tab = "held"

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(f"{reverse('desk:comments')}?tab={self.tab}")

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        row = self.object.id
        typed = {row: form.data.get("reason", "")}
        return CommentsQueuePage.show(
            self.request, errors={row: errors}, typed=typed, tab=self.tab, status=400
        )


class CommentDecide(_CommentAction):
    """publish (a held comment) / remove (any, with a reason)."""

    def act(self, data: dict) -> str:
        if data["decision"] == "publish":
            mod.comment_approve(comment=self.object, actor=self.request.user)
            return DONE["publish"]
        mod.comment_remove(comment=self.object, actor=self.request.user, reason=data["reason"])
        return DONE["remove"]


class CommentReportsDecide(_CommentAction):
    tab = "reports"

    def act(self, data: dict) -> str:
        uphold = data["decision"] == "uphold"
        mod.comment_reports_decide(
            comment=self.object, actor=self.request.user, uphold=uphold, reason=data["reason"]
        )
        return DONE["uphold" if uphold else "dismiss"]


class StandingForm(DeskForm):
    level = Text()
    reason = Text()
    tab = Text()


class StandingSet(DeskAction):
    """A commenter's standing (normal, hold, block), set from a row of either tab."""

    form_class = StandingForm

    def get_object(self, **kwargs):
        return mod.commenter_get(kwargs["pk"])

    def _tab(self, data: dict) -> str:
        return data.get("tab") if data.get("tab") in TABS else TABS[0]

    def act(self, data: dict) -> str:
        mod.commenter_standing_set(
            user=self.object, actor=self.request.user, level=data["level"], reason=data["reason"]
        )
        return DONE["standing"]

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(f"{reverse('desk:comments')}?tab={self._tab(data)}")

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        row = self.object.id
        return CommentsQueuePage.show(
            self.request,
            tab=self._tab(form.cleaned_data),
            standing_errors={row: errors},
            standing_typed={row: form.data.get("reason", "")},
            status=400,
        )


comments_queue = CommentsQueuePage.as_view()
comment_decide = CommentDecide.as_view()
comment_reports_decide = CommentReportsDecide.as_view()
standing_set = StandingSet.as_view()
