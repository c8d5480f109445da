from django.contrib import admin

from zimei.core.adminforms import PlainTextAdmin

from .models import Article, Image, Revision


@admin.register(Article)
class ArticleAdmin(PlainTextAdmin):
    list_display = ("title", "author", "channel", "status", "published_at", "view_count", "share_count")
    list_filter = ("status", "channel")
    search_fields = ("title",)
    raw_id_fields = ("author", "cover")
    # Publishing and taking down go through the services (studio, editor desk): they render both
    # scripts, index, purge caches and write the audit log.
    readonly_fields = ("status", "published_at", "takedown_reason", "view_count", "share_count")


admin.site.register(Image, PlainTextAdmin)
admin.site.register(Revision, PlainTextAdmin)
