"""Conversion overrides added by editors in the desk (docs/conversion.md): a source phrase and
its target in one variant's script. They join Zimei's data-file corrections in OpenCC's
longest match at the next publish (overrides.py); the desk's page lists, adds and removes them
(audited)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

MAX_PHRASE = 16
MAX_NOTE = 200


class Override(models.Model):
    source = models.CharField(max_length=MAX_PHRASE)
    target = models.CharField(max_length=MAX_PHRASE)
    # A reader variant (zimei.conversion.variants.VARIANTS): the script the target is written in.
    variant = models.CharField(max_length=16)
    note = models.CharField(max_length=MAX_NOTE, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["variant", "source"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "source"], name="conversion_override_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.variant})"
