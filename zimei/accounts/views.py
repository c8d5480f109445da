"""Account pages: login, logout, registration and 申请入驻 (applying to become a creator)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from zimei.accounts.models import CreatorApplication
from zimei.accounts.services import creator_application_submit, user_register
from zimei.channels.models import Channel
from zimei.conversion.context_processors import care_mode
from zimei.conversion.variants import current_variant, ui, ui_errors
from zimei.core.errors import InputError
from zimei.core.ratelimit import client_address, rate_check, rate_count
from zimei.core.redirects import safe_next

from .forms import APPLICATION_FIELDS, LoginForm, application_input, typed

REGISTER_FIELDS = ("username",)  # passwords are never sent back into the form


def _home(request: HttpRequest) -> str:
    # A reader who came from care mode (?care=1) lands on the care home page.
    return f"/{current_variant()}/care/" if care_mode(request) else f"/{current_variant()}/"


class LoginPage(LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # Where each role works: an editor's desk, a creator's studio, a reader's home page
        # (a ?next= from the page that asked for sign-in comes first: LoginView).
        user = self.request.user
        if user.is_authenticated and user.is_editor:
            return f"/{current_variant()}/desk/"
        if user.is_authenticated and user.is_creator:
            return f"/{current_variant()}/studio/"
        return _home(self.request)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(_home(request))


def register(request: HttpRequest) -> HttpResponse:
    nxt = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return HttpResponseRedirect(nxt or _home(request))
    context: dict = {"next": nxt, "values": {}, "errors": {}}
    if request.method == "POST":
        rate_check("register", client_address(request))
        try:
            user = user_register(
                username=request.POST.get("username", ""),
                password=request.POST.get("password", ""),
                password_confirm=request.POST.get("password_confirm", ""),
            )
        except InputError as exc:
            context.update(values=typed(request.POST, REGISTER_FIELDS), errors=ui_errors(exc))
        else:
            rate_count("register", client_address(request))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, ui("注册成功，欢迎来到自媒", current_variant()))
            return HttpResponseRedirect(nxt or _home(request))
    return render(request, "accounts/register.html", context)


def apply(request: HttpRequest) -> HttpResponse:
    """申请入驻: what it is (anonymous), the form (readers), the application's status (after)."""
    here = reverse("accounts:apply")
    if not request.user.is_authenticated:
        return render(request, "accounts/apply_intro.html", {"next": here})
    latest = request.user.applications.select_related("channel").first()
    can_apply = not request.user.is_creator and (
        latest is None or latest.status == CreatorApplication.Status.REJECTED
    )
    # After a rejection the new form starts from what was sent last time.
    values = {f: getattr(latest, f) for f in APPLICATION_FIELDS if f != "channel"} if latest else {}
    if latest:
        values["channel"] = latest.channel.slug
    context: dict = {
        "latest": latest,
        "ApplicationStatus": CreatorApplication.Status,
        "can_apply": can_apply,
        "channels": Channel.objects.all(),
        "values": values,
        "errors": {},
    }
    if request.method == "POST":
        try:
            creator_application_submit(user=request.user, data=application_input(request.POST))
        except InputError as exc:
            context.update(values=typed(request.POST, APPLICATION_FIELDS), errors=ui_errors(exc))
            return render(request, "accounts/apply.html", context)
        messages.success(request, ui("申请已提交，编辑审核后会在这里告诉你结果", current_variant()))
        return HttpResponseRedirect(here)
    return render(request, "accounts/apply.html", context)
