"""The editor desk (编辑台): creator applications, article moderation, creators and channels.
Editors only. Each POST calls one service; on bad input the list is shown again with the
message next to the form that was sent and what was typed kept."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zimei.accounts.forms import current_variant, ui_errors
from zimei.accounts.models import CreatorApplication, CreatorProfile
from zimei.accounts.services import creator_application_review, creator_set_trusted
from zimei.articles.models import Article
from zimei.articles.selectors import articles_for_editor
from zimei.articles.services import article_restore
from zimei.conversion.variants import ui
from zimei.core.errors import InputError
from zimei.core.redirects import safe_next
from zimei.distribution.models import Channel, HotPin, channel_by_slug
from zimei.distribution.services import channel_update
from zimei.moderation.models import ReviewDecision
from zimei.moderation.selectors import queue_counts
from zimei.moderation.services import article_review

PER_PAGE = 50
EDITOR_STATUSES = [s for s in Article.Status.values if s != Article.Status.DRAFT]


def editor_only(view: Callable) -> Callable:
    """Anonymous: to the login page; anyone but an editor: 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_editor:
            return render(request, "desk/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _done(request: HttpRequest, message: str) -> None:
    messages.success(request, ui(message, current_variant()))


def _errors(request: HttpRequest, exc: InputError) -> dict[str, list[str]]:
    """Field errors go next to their field; errors about the whole action (the object may have
    left the list, e.g. an application already reviewed) are shown at the top of the page."""
    errors = ui_errors(exc)
    for message in errors.pop("form", []):
        messages.error(request, message)
    return errors


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), default))


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


# --- applications -------------------------------------------------------------------------


def _applications(
    request: HttpRequest, errors: dict | None = None, typed: dict | None = None
) -> HttpResponse:
    pending = CreatorApplication.objects.filter(status=CreatorApplication.Status.PENDING).select_related(
        "user", "channel"
    )
    reviewed = (
        CreatorApplication.objects.exclude(status=CreatorApplication.Status.PENDING)
        .select_related("user", "channel", "reviewed_by")
        .order_by("-reviewed_at")[:20]
    )
    context = {
        "pending": pending.order_by("created_at"),
        "reviewed": reviewed,
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "desk/applications.html", context)


@editor_only
@require_GET
def applications(request: HttpRequest) -> HttpResponse:
    return _applications(request)


@editor_only
@require_POST
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(CreatorApplication.objects.select_related("user", "channel"), pk=pk)
    approve = request.POST.get("decision") == "approve"
    reason = request.POST.get("reason", "")
    try:
        creator_application_review(
            application=application, actor=request.user, approve=approve, reason=reason
        )
    except InputError as exc:
        return _applications(
            request, errors={application.id: _errors(request, exc)}, typed={application.id: reason}
        )
    _done(
        request,
        f"已通过「{application.pen_name}」的申请" if approve else f"已驳回「{application.pen_name}」的申请",
    )
    return HttpResponseRedirect(reverse("desk:applications"))


# --- articles -----------------------------------------------------------------------------


def _articles(request: HttpRequest, errors: dict | None = None, typed: dict | None = None) -> HttpResponse:
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
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "channel": channel,
        "statuses": [(v, label) for v, label in Article.Status.choices if v in EDITOR_STATUSES],
        "channels": Channel.objects.all(),
        "errors": errors or {},
        "typed": typed or {},
        "here": request.get_full_path(),
    }
    return render(request, "desk/articles.html", context)


@editor_only
@require_GET
def articles(request: HttpRequest) -> HttpResponse:
    return _articles(request)


@editor_only
@require_POST
def article_takedown(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("author"), pk=pk)
    reason = request.POST.get("reason", "")
    try:
        # Through the review service: audited, and the creator's 信用分 drops (docs/moderation.md).
        article_review(article=article, actor=request.user, decision=ReviewDecision.TAKE_DOWN, reason=reason)
    except InputError as exc:
        return _articles(request, errors={article.id: _errors(request, exc)}, typed={article.id: reason})
    _done(request, "已下架，作者会在创作中心看到理由")
    return _back(request, reverse("desk:articles"))


@editor_only
@require_POST
def article_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("author"), pk=pk)
    try:
        article_restore(article=article, actor=request.user, reason=request.POST.get("reason", ""))
    except InputError as exc:
        return _articles(request, errors={article.id: _errors(request, exc)})
    _done(request, "已恢复发布")
    return _back(request, reverse("desk:articles"))


# --- creators -----------------------------------------------------------------------------


@editor_only
@require_GET
def creators(request: HttpRequest) -> HttpResponse:
    qs = CreatorProfile.objects.select_related("user", "channel").order_by("-created_at", "-id")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "desk/creators.html", {"page": page, "here": request.get_full_path()})


@editor_only
@require_POST
def creator_trusted(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(CreatorProfile, pk=pk)
    trusted = request.POST.get("trusted") == "1"
    creator_set_trusted(creator=profile, actor=request.user, trusted=trusted)
    _done(
        request,
        f"已将「{profile.pen_name}」设为可信创作者" if trusted else f"已取消「{profile.pen_name}」的可信标记",
    )
    return _back(request, reverse("desk:creators"))


# --- channels -----------------------------------------------------------------------------


def _channels(request: HttpRequest, errors: dict | None = None, typed: dict | None = None) -> HttpResponse:
    context = {"channels": Channel.objects.all(), "errors": errors or {}, "typed": typed or {}}
    return render(request, "desk/channels.html", context)


@editor_only
@require_GET
def channels(request: HttpRequest) -> HttpResponse:
    return _channels(request)


@editor_only
@require_POST
def channel_edit(request: HttpRequest, slug: str) -> HttpResponse:
    channel = channel_by_slug(slug, fresh=True)
    if channel is None:
        raise Http404
    typed = {f: request.POST.get(f, "") for f in ("name", "description", "position")}
    try:
        channel_update(channel=channel, actor=request.user, **typed)
    except InputError as exc:
        return _channels(request, errors={channel.slug: _errors(request, exc)}, typed={channel.slug: typed})
    _done(request, f"频道「{channel.name}」已保存")
    return HttpResponseRedirect(reverse("desk:channels"))


# --- hot list (热点推荐) --------------------------------------------------------------------


def _hot(
    request: HttpRequest, errors: dict | None = None, typed: dict | None = None, slug: str = ""
) -> HttpResponse:
    from django.utils import timezone

    from zimei.distribution.guard import anomalies_recent
    from zimei.distribution.hot import LIMIT, hot_pins, hot_read, score_at

    slug = slug or request.GET.get("channel", "")
    channel = channel_by_slug(slug)
    now = timezone.now()
    context = {
        "channel": channel,
        "channels": Channel.objects.all(),
        "entries": [(a, score_at(a.hot_log, now)) for a in hot_read(channel_id=channel and channel.id)],
        "pins": hot_pins(channel),
        "PinAction": HotPin.Action,
        "anomalies": anomalies_recent(hours=24),
        "positions": range(1, LIMIT + 1),
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "desk/hot.html", context)


@editor_only
@require_GET
def hot(request: HttpRequest) -> HttpResponse:
    return _hot(request)


@editor_only
@require_POST
def hot_pin(request: HttpRequest) -> HttpResponse:
    from zimei.distribution.hot import hot_pin_set

    slug = request.POST.get("channel", "")
    channel = channel_by_slug(slug)
    typed = {f: request.POST.get(f, "") for f in ("article", "position", "action")}
    try:
        hot_pin_set(
            actor=request.user,
            channel=channel,
            article_id=typed["article"],
            action=typed["action"],
            position=typed["position"] or 1,
        )
    except InputError as exc:
        return _hot(request, errors=_errors(request, exc), typed=typed, slug=slug)
    _done(request, "已置顶" if typed["action"] == "pin" else "已从热点推荐移除")
    return HttpResponseRedirect(reverse("desk:hot") + (f"?channel={channel.slug}" if channel else ""))


@editor_only
@require_POST
def hot_undo(request: HttpRequest, pk: int) -> HttpResponse:
    from zimei.distribution.hot import hot_pin_undo

    slug = request.POST.get("channel", "")
    try:
        hot_pin_undo(actor=request.user, pin_id=pk)
    except InputError as exc:
        return _hot(request, errors=_errors(request, exc), slug=slug)
    _done(request, "已撤销")
    return HttpResponseRedirect(reverse("desk:hot") + (f"?channel={slug}" if slug else ""))
