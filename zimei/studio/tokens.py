"""API tokens in the studio: a creator makes personal access tokens for their own tools (shown
once, stored only as a hash) and revokes them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from zimei.accounts.models import ApiToken
from zimei.accounts.services import token_create, token_revoke
from zimei.conversion.variants import current_variant, ui, ui_errors
from zimei.core.errors import InputError
from zimei.core.ratelimit import rate_check, rate_count

from .views import creator_only


def _page(
    request: HttpRequest, *, new_token: str = "", errors: dict | None = None, typed: dict | None = None
):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    context = {
        "tokens": tokens,
        "new_token": new_token,
        "errors": errors or {},
        "typed": typed or {"scope": "write"},
    }
    return render(request, "studio/tokens.html", context, status=200 if not errors else 400)


@creator_only()
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    typed = {"name": request.POST.get("name", ""), "scope": request.POST.get("scope", "")}
    rate_check("token", str(request.user.id))
    try:
        _, token = token_create(user=request.user, name=typed["name"], scope=typed["scope"])
    except InputError as exc:
        return _page(request, errors=ui_errors(exc), typed=typed)
    rate_count("token", str(request.user.id))
    # Shown on this response only: the page that follows a reload no longer has it.
    response = _page(request, new_token=token)
    response["Cache-Control"] = "no-store"
    return response


@creator_only()
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(id=pk, user=request.user).first()
    if token is None:
        raise Http404
    token_revoke(token=token, actor=request.user)
    messages.success(request, ui(f"已吊销令牌 {token.prefix}…", current_variant()))
    return HttpResponseRedirect(reverse("studio:tokens"))
