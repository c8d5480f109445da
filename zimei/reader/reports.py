"""举报: a signed-in reader reports an article (category and note) from its page, standard or
care mode. Anonymous readers are sent to sign in and come back to the form."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from zimei.conversion.variants import ui_errors
from zimei.core.errors import InputError
from zimei.moderation.models import Report
from zimei.moderation.services import REPORT_NOTE_MAX, report_create, report_open_exists

from .views import _mark_care, article_or_gone


def _form(request: HttpRequest, article, values: dict, errors: dict | None = None) -> HttpResponse:
    context = {
        "article": article,
        "categories": Report.Category.choices,
        "values": values,
        "errors": errors or {},
        "note_max": REPORT_NOTE_MAX,
        "already": report_open_exists(reporter=request.user, article=article),
    }
    return render(request, "reader/report.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    article, gone = article_or_gone(request, article_id)
    if gone:
        return gone
    if request.method == "GET":
        return _form(request, article, {"category": "", "note": ""})
    values = {"category": request.POST.get("category", ""), "note": request.POST.get("note", "")}
    try:
        report_create(article=article, reporter=request.user, **values)
    except InputError as exc:
        return _form(request, article, values, ui_errors(exc))
    return HttpResponseRedirect(request.path.rstrip("/") + "/thanks/")


@login_required
def report_thanks(request: HttpRequest, article_id: int, care: bool = False) -> HttpResponse:
    _mark_care(request, care)
    return render(request, "reader/report_thanks.html", {"article_id": article_id})
