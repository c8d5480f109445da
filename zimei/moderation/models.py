from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One editorial decision: who did what to which object, when and why. Append-only:
    nothing in Zimei updates or deletes these rows (the admin shows them read-only)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField()
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)
