from django.contrib import admin

from .adminforms import PlainTextAdmin
from .models import SitePage


@admin.register(SitePage)
class SitePageAdmin(PlainTextAdmin):
    """The four footer pages: edited, never added or deleted (the footer links all four)."""

    list_display = ("title", "slug", "updated_at")
    readonly_fields = ("slug", "updated_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
