"""The creator's side of moderation in the studio: 通知 (editors' decisions on their articles,
with the reasons), one appeal per decision, and 信用分 with its history."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from zimei.accounts.services import creator_notices_mark_read
from zimei.articles.models import Article
from zimei.comments.moderation import comment_notices_unread
from zimei.conversion.variants import current_variant, ui, ui_errors
from zimei.core.errors import InputError, NotAllowed
from zimei.moderation import services as rules
from zimei.moderation.models import Appeal
from zimei.moderation.selectors import credit_history, decision_get_for_creator, notices_for_creator
from zimei.moderation.services import appeal_create

from .views import creator_only


@creator_only()
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    notices = notices_for_creator(request.user)
    if notices:  # seeing the page reads them: the badge goes (newest first, so the first id)
        creator_notices_mark_read(creator=request.user.creator_profile, last_id=notices[0].entry.id)
    context = {
        "notices": notices,
        "appeals": Appeal.objects.filter(creator=request.user).select_related("article", "decision")[:50],
        "comment_unread": comment_notices_unread(request.user),
    }
    return render(request, "studio/notices.html", context)


@creator_only()
@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = decision_get_for_creator(decision_id, request.user)
    article = Article.objects.only("id", "title", "status").get(id=decision.target_id)
    text, errors = "", {}
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            appeal_create(decision=decision, creator=request.user, text=text)
        except NotAllowed:
            raise Http404 from None
        except InputError as exc:
            errors = ui_errors(exc)
        else:
            messages.success(request, ui("申诉已提交，编辑处理后会在通知里答复你", current_variant()))
            return HttpResponseRedirect(reverse("studio:notices"))
    context = {
        "decision": decision,
        "article": article,
        "existing": Appeal.objects.filter(decision=decision).first(),
        "text": text,
        "errors": errors,
        "text_max": rules.APPEAL_TEXT_MAX,
    }
    return render(request, "studio/appeal.html", context, status=400 if errors else 200)


@creator_only()
@require_GET
def credit(request: HttpRequest) -> HttpResponse:
    profile = request.user.creator_profile
    context = {
        "profile": profile,
        "events": credit_history(profile),
        "rules": {
            "hold": rules.CREDIT_HOLD_BELOW,
            "block": rules.CREDIT_BLOCK_BELOW,
            "days": rules.CREDIT_RESTORE_DAYS,
            "reject": rules.PENALTY_REJECT,
            "take_down": rules.PENALTY_TAKE_DOWN,
            "report": rules.PENALTY_REPORT,
        },
    }
    return render(request, "studio/credit.html", context)
