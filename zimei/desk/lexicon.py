"""The banned-word lexicon in the editor desk (词库): list, add, change what a hit does,
delete. Editors only; each POST calls one moderation service (audited; the next spam check
in every process uses the new lexicon). Words are stored normalised and shown that way."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from zimei.core.errors import InputError
from zimei.moderation.models import BannedWord
from zimei.moderation.services import banned_word_add, banned_word_change, banned_word_delete

from .views import _done, _errors, editor_only

PER_PAGE = 100


def _lexicon(request: HttpRequest, errors: dict | None = None, typed: dict | None = None, status: int = 200):
    q = request.GET.get("q", "").strip()
    words = BannedWord.objects.all()
    if q:
        from zimei.moderation.normalize import normalise

        words = words.filter(Q(word__contains=normalise(q)) | Q(category__icontains=q))
    page = Paginator(words, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "total": BannedWord.objects.count(),
        "actions": BannedWord.Action.choices,
        "errors": errors or {},
        "typed": typed or {"action": BannedWord.Action.HOLD},
    }
    return render(request, "desk/lexicon.html", context, status=status)


@editor_only
@require_GET
def lexicon(request: HttpRequest) -> HttpResponse:
    return _lexicon(request)


@editor_only
@require_POST
def lexicon_add(request: HttpRequest) -> HttpResponse:
    typed = {f: request.POST.get(f, "") for f in ("word", "category", "action")}
    try:
        banned = banned_word_add(actor=request.user, **typed)
    except InputError as exc:
        return _lexicon(request, errors=_errors(request, exc), typed=typed, status=400)
    _done(request, f"已加入词库：「{banned.word}」（{banned.get_action_display()}）")
    return HttpResponseRedirect(reverse("desk:lexicon"))


@editor_only
@require_POST
def lexicon_change(request: HttpRequest, pk: int) -> HttpResponse:
    banned = get_object_or_404(BannedWord, pk=pk)
    if request.POST.get("delete"):
        banned_word_delete(actor=request.user, banned=banned)
        _done(request, f"已从词库删除：「{banned.word}」")
        return HttpResponseRedirect(reverse("desk:lexicon"))
    try:
        banned_word_change(
            actor=request.user,
            banned=banned,
            action=request.POST.get("action", ""),
            category=request.POST.get("category"),
        )
    except InputError as exc:
        return _lexicon(request, errors={"row": {banned.id: _errors(request, exc)}}, status=400)
    _done(request, f"已修改：「{banned.word}」（{banned.get_action_display()}）")
    return HttpResponseRedirect(reverse("desk:lexicon"))
