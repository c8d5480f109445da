from django.db import models

from zimei.accounts.models import User

from .models import AuditEntry


def audit_record(*, actor: User | None, action: str, target: models.Model, reason: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        reason=reason,
    )
