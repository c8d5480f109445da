"""The creator's avatar in the studio (头像): upload a picture, or go back to the default."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from zimei.accounts.services import creator_avatar_set
from zimei.conversion.variants import current_variant, ui, ui_errors
from zimei.core.errors import InputError
from zimei.core.ratelimit import rate_check, rate_count

from .views import creator_only


@creator_only()
@require_http_methods(["GET", "POST"])
def avatar(request: HttpRequest) -> HttpResponse:
    profile = request.user.creator_profile
    if request.method == "POST":
        remove = request.POST.get("remove") == "1"
        upload = request.FILES.get("avatar")
        if not remove and upload is None:
            errors = {"avatar": [ui("请选择一张图片", current_variant())]}
            return render(request, "studio/avatar.html", {"profile": profile, "errors": errors}, status=400)
        rate_check("image-upload", str(request.user.id))
        try:
            creator_avatar_set(creator=profile, upload=None if remove else upload)
        except InputError as exc:
            profile.refresh_from_db(fields=["avatar"])
            context = {"profile": profile, "errors": ui_errors(exc)}
            return render(request, "studio/avatar.html", context, status=400)
        rate_count("image-upload", str(request.user.id))
        messages.success(request, ui("已恢复默认头像" if remove else "头像已更新", current_variant()))
        return HttpResponseRedirect(reverse("studio:avatar"))
    return render(request, "studio/avatar.html", {"profile": profile, "errors": {}})
