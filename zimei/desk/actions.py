"""The desk's one shape: a list page, and actions on it that bind a Django form, call one
service, and either say what was done and go back, or show the list again with the form's
errors next to the row and what was typed kept.

A service refuses with a ValidationError (zimei.core.errors.InputError: field -> messages, in
Simplified); the form keeps those messages under the service's field names (a whole-form
message under NON_FIELD_ERRORS), and `DeskAction.invalid` gets them in the reader's script,
with whole-form messages shown at the top of the page."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.decorators import method_decorator
from django.views import View

from zimei.conversion.variants import current_variant, ui
from zimei.core.redirects import safe_next

from .access import editor_only


class Text(forms.CharField):
    """A text field as typed: never required, not stripped, NUL and other control characters
    left to the service (which names them in its own message)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class DeskForm(forms.Form):
    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's messages under its own field names ('' and "form": the whole form)."""
        for field, messages_ in exc.message_dict.items():
            key = NON_FIELD_ERRORS if field in ("", "form") else field
            self._errors.setdefault(
                key, self.error_class(error_class="nonfield" if key == NON_FIELD_ERRORS else None)
            )
            self._errors[key].extend(messages_)

    def ui_errors(self, request: HttpRequest) -> dict[str, list[str]]:
        """The errors in the reader's script; whole-form ones go to the top of the page."""
        variant = current_variant()
        errors = {
            ("form" if field == NON_FIELD_ERRORS else field): [ui(m, variant) for m in msgs]
            for field, msgs in self.errors.items()
        }
        for message in errors.pop("form", []):
            messages.error(request, message)
        return errors


def done(request: HttpRequest, message: str) -> None:
    messages.success(request, ui(message, current_variant()))


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """To the page the form was sent from (its `next`, if on this site), else `default`."""
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), default))


@method_decorator(editor_only, name="dispatch")
class DeskPage(View):
    """A list page: GET renders it; actions render it again with errors and what was typed."""

    http_method_names: ClassVar[list[str]] = ["get"]
    template_name: ClassVar[str]

    def context(self, request: HttpRequest, **kwargs) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def show(
        cls,
        request: HttpRequest,
        errors: dict | None = None,
        typed: dict | None = None,
        status: int = 200,
        **kwargs,
    ) -> HttpResponse:
        page = cls()
        page.request = request
        context = page.context(request, **kwargs)
        context.setdefault("errors", errors or {})
        context.setdefault("typed", typed or {})
        return render(request, cls.template_name, context, status=status)

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        return self.show(request, **kwargs)


@method_decorator(editor_only, name="dispatch")
class DeskAction(View):
    """A POST on a desk page: bind `form_class`, `act` (one service call, returns the message
    shown), then `success` (a redirect); on a ValidationError, `invalid` shows the page again."""

    http_method_names: ClassVar[list[str]] = ["post"]
    form_class: ClassVar[type[DeskForm]] = DeskForm
    model: ClassVar[type[models.Model] | None] = None  # the object the action is on, by pk

    object: Any = None

    def get_object(self, **kwargs) -> Any:
        if self.model is None:
            return None
        return get_object_or_404(self.model._default_manager.all(), pk=kwargs["pk"])

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        self.object = self.get_object(**kwargs)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = self.act(form.cleaned_data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                done(request, message)
                return self.success(form.cleaned_data)
        return self.invalid(form, form.ui_errors(request))

    def act(self, data: dict) -> str:
        raise NotImplementedError

    def success(self, data: dict) -> HttpResponse:
        raise NotImplementedError

    def invalid(self, form: DeskForm, errors: dict[str, list[str]]) -> HttpResponse:
        raise NotImplementedError
