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

    def get_queryset(self, request):
        # A draft is its author's until it is submitted: staff other than superusers never see
        # one here (as on the desk: articles_for_editor).
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.exclude(status=Article.Status.DRAFT)


admin.site.register(Image, PlainTextAdmin)


@admin.register(Revision)
class RevisionAdmin(PlainTextAdmin):
    def get_queryset(self, request):
        # A draft's revisions are its author's too (ArticleAdmin.get_queryset).
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.exclude(article__status=Article.Status.DRAFT)
