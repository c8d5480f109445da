"""The admin's forms check plain text as the services do: no control characters, surrogates or
noncharacters in any text field (zimei.core.errors), and one-line fields without line breaks.
Every ModelAdmin of a model with text fields uses `PlainTextAdmin` (the user forms call
`check_plain_text`)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .errors import one_line, plain_text_message

# Sanitised HTML, not plain text: the services check these.
NOT_PLAIN = ("body_html", "body_hans", "body_hant", "body_hk")


def check_plain_text(form: forms.BaseForm) -> None:
    """Add an error to each text field of `form` holding a character plain text may not hold;
    one-line fields (text inputs) have line breaks and tabs made spaces."""
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in NOT_PLAIN or not isinstance(value, str) or not isinstance(field, forms.CharField):
            continue
        if isinstance(field.widget, forms.PasswordInput):  # a password is kept exactly as typed
            continue
        message = plain_text_message(value)
        if message:
            form.add_error(name, message)
        elif not isinstance(field.widget, forms.Textarea) and value != one_line(value):
            form.cleaned_data[name] = one_line(value)


class PlainTextAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        check_plain_text(self)
        return cleaned


class PlainTextAdmin(admin.ModelAdmin):
    form = PlainTextAdminForm
