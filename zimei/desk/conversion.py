"""The conversion overrides in the editor desk (转换词表): list, add, remove. Editors only;
each POST calls one conversion service (audited). An override applies from the next publish;
`zimei article rerender` renders the published articles again with it (docs/conversion.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from zimei.conversion.flags import variant_label
from zimei.conversion.models import MAX_NOTE, MAX_PHRASE, Override
from zimei.conversion.services import override_add, override_remove
from zimei.conversion.variants import HANS, VARIANTS

from .actions import DeskAction, DeskForm, DeskPage, Text


def _variants() -> list[tuple[str, str]]:
    """(variant, its name) with the direction it converts in: Traditional variants first."""
    out = [(v, f"{variant_label(v)}：简体 → 繁体") for v in VARIANTS if v != HANS]
    return [*out, (HANS, "简体：繁体 → 简体")]


class ConversionPage(DeskPage):
    template_name = "desk/conversion.html"

    def context(self, request: HttpRequest, **kwargs) -> dict:
        labels = dict(_variants())
        rows = [
            {"o": o, "label": labels.get(o.variant, o.variant)}
            for o in Override.objects.select_related("created_by")
        ]
        return {"rows": rows, "variants": _variants(), "max_phrase": MAX_PHRASE, "max_note": MAX_NOTE}

    @classmethod
    def show(cls, request: HttpRequest, errors=None, typed=None, status: int = 200, **kwargs) -> HttpResponse:
        default = {"variant": next(v for v in VARIANTS if v != HANS)}
        return super().show(request, errors, typed or default, status, **kwargs)


class OverrideForm(DeskForm):
    source = Text()
    target = Text()
    variant = Text()
    note = Text()


class OverrideAdd(DeskAction):
    form_class = OverrideForm

    def act(self, data: dict) -> str:
        o = override_add(actor=self.request.user, **data)
        return f"已添加：「{o.source}」→「{o.target}」，下次发布时生效"

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(reverse("desk:conversion"))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        typed = {f: form.data.get(f, "") for f in OverrideForm.base_fields}
        return ConversionPage.show(self.request, errors=errors, typed=typed, status=400)


class OverrideRemove(DeskAction):
    model = Override

    def act(self, data: dict) -> str:
        o = self.object
        override_remove(actor=self.request.user, override=o)
        return f"已删除：「{o.source}」→「{o.target}」"

    def success(self, data: dict) -> HttpResponse:
        return HttpResponseRedirect(reverse("desk:conversion"))

    def invalid(self, form: DeskForm, errors: dict) -> HttpResponse:
        return ConversionPage.show(self.request, errors=errors, status=400)


conversion = ConversionPage.as_view()
conversion_add = OverrideAdd.as_view()
conversion_remove = OverrideRemove.as_view()
