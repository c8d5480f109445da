"""Writes to channels: the editors' settings of each channel (slugs are fixed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from zimei.core.audit import audit
from zimei.core.audit_actions import AuditAction
from zimei.core.errors import InputError, NotAllowed, control_characters_check, one_line

from .models import Channel
from .selectors import channels_forget

if TYPE_CHECKING:  # the type only: channels sit below accounts (docs/architecture.md)
    from zimei.accounts.models import User


@transaction.atomic
def channel_update(
    *, channel: Channel, actor: User, name: str, description: str, position: int | str
) -> Channel:
    """Rename, describe or reorder a channel. The slug never changes (URLs and the API use it)."""
    if not actor.is_editor:
        raise NotAllowed("editors only")
    errors: dict[str, list[str]] = {}
    name = one_line(name)
    if not name:
        errors.setdefault("name", []).append("请填写频道名称")
    elif len(name) > 32:
        errors.setdefault("name", []).append("频道名称最多 32 个字")
    description = (description or "").strip()
    if len(description) > 200:
        errors.setdefault("description", []).append(f"频道介绍最多 200 个字，现在有 {len(description)} 个字")
    control_characters_check(errors, {"name": name, "description": description})
    try:
        position = int(str(position).strip())
    except ValueError:
        errors.setdefault("position", []).append("排序请填写 0 到 999 之间的整数")
    else:
        if not 0 <= position <= 999:
            errors.setdefault("position", []).append("排序请填写 0 到 999 之间的整数")
    if errors:
        raise InputError(errors)
    changed = [
        f
        for f, v in (("name", name), ("description", description), ("position", position))
        if getattr(channel, f) != v
    ]
    if changed:
        channel.name, channel.description, channel.position = name, description, position
        channel.save(update_fields=changed)
        audit(actor=actor, action=AuditAction.CHANNEL_UPDATE, target=channel, reason="、".join(changed))
        # This process sees the new name at once; other workers within the 60-second cache.
        channels_forget()
    return channel
