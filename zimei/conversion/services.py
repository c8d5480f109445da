"""Editors' conversion overrides (the desk's 转换词表): add and remove, each audited. An
override joins Zimei's data-file corrections at the next publish (overrides.py); `zimei
article rerender` renders every published article again with them."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from zimei.core.audit import audit
from zimei.core.audit_actions import AuditAction
from zimei.core.errors import InputError, NotAllowed, plain_text_message

from .models import MAX_NOTE, MAX_PHRASE, Override
from .variants import HANS, VARIANTS

# Characters that would make a phrase markup or an OpenCC dictionary line something else.
_MARKUP = re.compile(r"[<>&\"'`=/\\]")


def _require_editor(actor) -> None:
    if not getattr(actor, "is_editor", False):
        raise NotAllowed("editors only")


def _phrase(errors: dict[str, list[str]], field: str, label: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(f"请填写{label}")
    elif any(c.isspace() for c in value):
        errors.setdefault(field, []).append(f"{label}里不能有空格或换行（一条只写一个词）")
    elif len(value) > MAX_PHRASE:
        errors.setdefault(field, []).append(f"{label}最多 {MAX_PHRASE} 个字，现在有 {len(value)} 个字")
    elif _MARKUP.search(value):
        errors.setdefault(field, []).append(f"{label}只能是文字，不能有 HTML 或 < > & \" ' = / 这样的符号")
    elif message := plain_text_message(value):
        errors.setdefault(field, []).append(message)
    return value


@transaction.atomic
def override_add(*, actor, source: str, target: str, variant: str, note: str = "") -> Override:
    """Add an override: `source` (a phrase as written) is written `target` in `variant`'s
    script (a Traditional variant: from Simplified; Simplified: from Traditional)."""
    _require_editor(actor)
    errors: dict[str, list[str]] = {}
    source = _phrase(errors, "source", "原词", source)
    target = _phrase(errors, "target", "转换后的写法", target)
    if variant not in VARIANTS:
        errors.setdefault("variant", []).append("请选择适用于哪种写法")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors.setdefault("note", []).append(f"备注最多 {MAX_NOTE} 个字，现在有 {len(note)} 个字")
    elif message := plain_text_message(note):
        errors.setdefault("note", []).append(message)
    if not errors and source == target:
        errors.setdefault("target", []).append(
            "转换后的写法和原词一样：不需要添加（要让一个词保持原样，也可以在文章里标为保留原文）"
        )
    if not errors and Override.objects.filter(variant=variant, source=source).exists():
        errors.setdefault("source", []).append(
            f"「{source}」在这种写法里已经有一条了；要修改，请先删除原来那条"
        )
    if errors:
        raise InputError(errors)
    try:
        with transaction.atomic():
            override = Override.objects.create(
                source=source, target=target, variant=variant, note=note, created_by=actor
            )
    except IntegrityError:  # another editor added it a moment ago
        raise InputError.one(
            "source", f"「{source}」在这种写法里已经有一条了；要修改，请先删除原来那条"
        ) from None
    audit(
        actor=actor, action=AuditAction.CONVERSION_OVERRIDE_ADD, target=override, reason=_describe(override)
    )
    return override


@transaction.atomic
def override_remove(*, actor, override: Override) -> None:
    _require_editor(actor)
    audit(
        actor=actor,
        action=AuditAction.CONVERSION_OVERRIDE_REMOVE,
        target=override,
        reason=_describe(override),
    )
    override.delete()


def _describe(override: Override) -> str:
    direction = "简体" if override.variant == HANS else override.variant
    note = f"：{override.note}" if override.note else ""
    return f"{override.source} → {override.target}（{direction}）{note}"
