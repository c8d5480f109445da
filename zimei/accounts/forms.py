"""Reading what was typed into the account forms, and showing service errors in the reader's script.

Validation lives in the services; these helpers only read the POST and convert messages.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.http import QueryDict

from zimei.accounts.services import ApplicationInput
from zimei.conversion.variants import current_variant, ui
from zimei.core.ratelimit import signin_guard

APPLICATION_FIELDS = ("pen_name", "tagline", "channel", "intro", "sample_work")


def typed(post: QueryDict, fields: tuple[str, ...]) -> dict[str, str]:
    """What was typed in `fields`, to put back into the form."""
    return {f: post.get(f, "") for f in fields}


def application_input(post: QueryDict) -> ApplicationInput:
    return ApplicationInput(**typed(post, APPLICATION_FIELDS))


class LoginForm(AuthenticationForm):
    """Django's login form with its messages written here, shown in the reader's script."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        variant = current_variant()
        self.error_messages = {
            "invalid_login": ui("用户名或密码不正确，请重新输入（注意大小写）", variant),
            "inactive": ui("这个账号已停用", variant),
        }
        for name, label in (("username", "用户名"), ("password", "密码")):
            self.fields[name].label = ui(label, variant)
            self.fields[name].error_messages["required"] = ui(f"请填写{label}", variant)

    def clean(self):  # locked accounts and addresses are refused before the password is checked
        username = self.cleaned_data.get("username") or ""
        return signin_guard(self.request, username, super().clean, lambda: self.user_cache is not None)


class AdminLoginForm(AdminAuthenticationForm):
    """/admin/login/ with the same lockout as the site's sign-in (zimei/urls.py sets it)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        return signin_guard(self.request, username, super().clean, lambda: self.user_cache is not None)
