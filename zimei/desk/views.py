"""The editor desk (编辑台): creator applications, article moderation, creators and channels.
Editors only. Each POST calls one service; on bad input the list is shown again with the
message next to the form that was sent and what was typed kept (the shape is desk/actions.py)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from zimei.accounts.models import CreatorApplication, CreatorProfile
from zimei.accounts.services import creator_application_review, creator_set_trusted
from zimei.articles.models import Article
from zimei.articles.selectors import articles_for_editor
from zimei.articles.services import article_restore
from zimei.channels.models import Channel
from zimei.channels.selectors import channel_by_slug
from zimei.channels.services import channel_update
from zimei.distribution.models import HotPin
from zimei.moderation.models import ReviewDecision
from zimei.moderation.selectors import queue_counts
from zimei.moderation.services import article_review

from .access import editor_only
from .actions import DeskAction, DeskForm, DeskPage, Text, back

PER_PAGE = 50
EDITOR_STATUSES = [s for s in Article.Status.values if s != Article.Status.DRAFT]


@editor_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    by_status = dict(articles_for_editor().order_by().values_list("status").annotate(n=Count("id")))
    context = {
        "published": by_status.get(Article.Status.PUBLISHED, 0),
        "taken_down": by_status.get(Article.Status.TAKEN_DOWN, 0),
        "creators": CreatorProfile.objects.count(),
        "trusted": CreatorProfile.objects.filter(trusted=True).count(),
        "channels": Channel.objects.count(),
        "queue": queue_counts(),  # held articles, reported articles, appeals
    }
    return render(request, "desk/home.html", context)


class DecisionForm(DeskForm):
    """A decision with its reason (the service says which decisions need one)."""

    decision = Text()
    reason = Text()


class ReasonForm(DeskForm):
    reason = Text()


# --- applications -------------------------------------------------------------------------


class ApplicationsPage(DeskPage):
    template_name = "desk/applications.html"

    def context(self, request: HttpRequest, **kwargs) -> dict:
        pending = CreatorApplication.objects.filter(status=CreatorApplication.Status.PENDING)
        reviewed = (
            CreatorApplication.objects.exclude(status=CreatorApplication.Status.PENDING)
            .select_related("user", "channel", "reviewed_by")
            .order_by("-reviewed_at")[:20]
        )
        return {
            "pending": pending.select_related("user", "channel").order_by("created_at"),
            "reviewed": reviewed,
        }


class ApplicationReview(DeskAction):
    form_class = DecisionForm

    def get_object(self, **kwargs):
        return get_object_or_404(
            CreatorApplication.objects.select_related("user", "channel"), pk=kwargs["pk"]
        )

    def act(self, data: dict) -> str:
        approve = data["decision"] == "approve"
        creator_application_review(
            application=self.object, actor=self.request.user, approve=approve, reason=data["reason"]
        )
        name = self.object.pen_name
        return f"已通过「{name}」的申请" if approve else f"已驳回「{name}」的申请"

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(reverse("desk:applications"))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        typed = {self.object.id: form.data.get("reason", "")}
        return ApplicationsPage.show(self.request, errors={self.object.id: errors}, typed=typed)


applications = ApplicationsPage.as_view()
application_review = ApplicationReview.as_view()


# --- articles -----------------------------------------------------------------------------


class ArticlesPage(DeskPage):
    template_name = "desk/articles.html"

    def context(self, request: HttpRequest, **kwargs) -> dict:
        status = request.GET.get("status", "")
        channel = request.GET.get("channel", "")
        # Never-submitted drafts are their authors' alone (articles_for_editor).
        qs = articles_for_editor().select_related("author", "channel").order_by("-updated_at", "-id")
        if status in EDITOR_STATUSES:
            qs = qs.filter(status=status)
        else:
            status = ""
        if channel_by_slug(channel):
            qs = qs.filter(channel__slug=channel)
        else:
            channel = ""
        return {
            "page": Paginator(qs, PER_PAGE).get_page(request.GET.get("page")),
            "status": status,
            "channel": channel,
            "statuses": [(v, label) for v, label in Article.Status.choices if v in EDITOR_STATUSES],
            "channels": Channel.objects.all(),
            "here": request.get_full_path(),
        }


class _ArticleAction(DeskAction):
    form_class = ReasonForm

    def get_object(self, **kwargs):
        return get_object_or_404(Article.objects.select_related("author"), pk=kwargs["pk"])

    def success(self, data: dict) -> HttpResponse:
        return back(self.request, reverse("desk:articles"))


class ArticleTakedown(_ArticleAction):
    def act(self, data: dict) -> str:
        # Through the review service: audited, and the creator's 信用分 drops (docs/moderation.md).
        article_review(
            article=self.object,
            actor=self.request.user,
            decision=ReviewDecision.TAKE_DOWN,
            reason=data["reason"],
        )
        return "已下架，作者会在创作中心看到理由"

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        typed = {self.object.id: form.data.get("reason", "")}
        return ArticlesPage.show(self.request, errors={self.object.id: errors}, typed=typed)


class ArticleRestore(_ArticleAction):
    def act(self, data: dict) -> str:
        article_restore(article=self.object, actor=self.request.user, reason=data["reason"])
        return "已恢复发布"

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        return ArticlesPage.show(self.request, errors={self.object.id: errors})


articles = ArticlesPage.as_view()
article_takedown = ArticleTakedown.as_view()
article_restore_view = ArticleRestore.as_view()


# --- creators -----------------------------------------------------------------------------


class CreatorsPage(DeskPage):
    template_name = "desk/creators.html"

    def context(self, request: HttpRequest, **kwargs) -> dict:
        qs = CreatorProfile.objects.select_related("user", "channel").order_by("-created_at", "-id")
        return {
            "page": Paginator(qs, PER_PAGE).get_page(request.GET.get("page")),
            "here": request.get_full_path(),
        }


class TrustedForm(DeskForm):
    trusted = Text()


class CreatorTrusted(DeskAction):
    form_class = TrustedForm
    model = CreatorProfile

    def act(self, data: dict) -> str:
        trusted = data["trusted"] == "1"
        creator_set_trusted(creator=self.object, actor=self.request.user, trusted=trusted)
        name = self.object.pen_name
        return f"已将「{name}」设为可信创作者" if trusted else f"已取消「{name}」的可信标记"

    def success(self, data: dict) -> HttpResponse:
        return back(self.request, reverse("desk:creators"))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        return CreatorsPage.show(self.request, errors=errors)


creators = CreatorsPage.as_view()
creator_trusted = CreatorTrusted.as_view()


# --- channels -----------------------------------------------------------------------------


class ChannelsPage(DeskPage):
    template_name = "desk/channels.html"

    def context(self, request: HttpRequest, **kwargs) -> dict:
        return {"channels": Channel.objects.all()}


class ChannelForm(DeskForm):
    name = Text()
    description = Text()
    position = Text()


class ChannelEdit(DeskAction):
    form_class = ChannelForm

    def get_object(self, **kwargs):
        channel = channel_by_slug(kwargs["slug"], fresh=True)
        if channel is None:
            raise Http404
        return channel

    def act(self, data: dict) -> str:
        channel_update(channel=self.object, actor=self.request.user, **data)
        return f"频道「{self.object.name}」已保存"

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(reverse("desk:channels"))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        slug = self.object.slug
        typed = {f: form.data.get(f, "") for f in ChannelForm.base_fields}
        return ChannelsPage.show(self.request, errors={slug: errors}, typed={slug: typed})


channels = ChannelsPage.as_view()
channel_edit = ChannelEdit.as_view()


# --- hot list (热点推荐) --------------------------------------------------------------------


class HotPage(DeskPage):
    template_name = "desk/hot.html"

    def context(self, request: HttpRequest, slug: str = "", **kwargs) -> dict:
        from django.utils import timezone

        from zimei.distribution.guard import anomalies_recent
        from zimei.distribution.hot import LIMIT, hot_pins, hot_read, score_at

        slug = slug or request.GET.get("channel", "")
        channel = channel_by_slug(slug)
        now = timezone.now()
        return {
            "channel": channel,
            "channels": Channel.objects.all(),
            "entries": [(a, score_at(a.hot_log, now)) for a in hot_read(channel_id=channel and channel.id)],
            "pins": hot_pins(channel),
            "PinAction": HotPin.Action,
            "anomalies": anomalies_recent(hours=24),
            "positions": range(1, LIMIT + 1),
        }


class PinForm(DeskForm):
    channel = Text()
    article = Text()
    position = Text()
    action = Text()


class HotPinSet(DeskAction):
    form_class = PinForm

    def act(self, data: dict) -> str:
        from zimei.distribution.hot import hot_pin_set

        hot_pin_set(
            actor=self.request.user,
            channel=channel_by_slug(data["channel"]),
            article_id=data["article"],
            action=data["action"],
            position=data["position"] or 1,
        )
        return "已置顶" if data["action"] == "pin" else "已从热点推荐移除"

    def success(self, data: dict) -> HttpResponse:
        channel = channel_by_slug(data["channel"])
        return HttpResponseRedirect(reverse("desk:hot") + (f"?channel={channel.slug}" if channel else ""))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        typed = {f: form.data.get(f, "") for f in ("article", "position", "action")}
        return HotPage.show(self.request, errors=errors, typed=typed, slug=form.data.get("channel", ""))


class ChannelOnlyForm(DeskForm):
    channel = Text()


class HotPinUndo(DeskAction):
    form_class = ChannelOnlyForm

    def act(self, data: dict) -> str:
        from zimei.distribution.hot import hot_pin_undo

        hot_pin_undo(actor=self.request.user, pin_id=self.kwargs["pk"])
        return "已撤销"

    def success(self, data: dict) -> HttpResponse:
        slug = data["channel"]
        return HttpResponseRedirect(reverse("desk:hot") + (f"?channel={slug}" if slug else ""))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        return HotPage.show(self.request, errors=errors, slug=form.data.get("channel", ""))


hot = HotPage.as_view()
hot_pin = HotPinSet.as_view()
hot_undo = HotPinUndo.as_view()
