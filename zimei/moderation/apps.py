from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "zimei.moderation"
    label = "moderation"

    def ready(self) -> None:
        from zimei.core.audit import decided

        from .services import audit_record

        def record(sender, *, actor, action, target, reason, **_):
            audit_record(actor=actor, action=action, target=target, reason=reason)

        decided.connect(record, dispatch_uid="moderation.audit", weak=False)
