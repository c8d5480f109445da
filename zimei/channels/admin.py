from django.contrib import admin

from zimei.core.adminforms import PlainTextAdmin

from .models import Channel


@admin.register(Channel)
class ChannelAdmin(PlainTextAdmin):
    list_display = ("slug", "name", "kind", "position")
    readonly_fields = ("slug",)
