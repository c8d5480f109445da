"""Recording a decision (who did what to which object, and why) without knowing who keeps the
record: the moderation app keeps the append-only audit log and subscribes to `decided`
(moderation/apps.py). Sent inside the caller's transaction, so a record that fails to be
written rolls the decision back with it."""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal

# actor (a user, or None for the system), action ("article.take_down" …), target, reason
decided = Signal()


def audit(*, actor, action: str, target: models.Model, reason: str = "") -> None:
    decided.send(sender=type(target), actor=actor, action=action, target=target, reason=reason)
