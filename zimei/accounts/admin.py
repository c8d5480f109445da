from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import CreatorApplication, CreatorProfile, Follow, User


@admin.register(User)
class ZimeiUserAdmin(UserAdmin):
    list_display = ("username", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "is_staff", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Zimei", {"fields": ("role",)}))


@admin.register(CreatorProfile)
class CreatorProfileAdmin(admin.ModelAdmin):
    list_display = ("pen_name", "channel", "level", "trusted", "article_count", "attention")
    list_filter = ("channel", "trusted", "level")
    search_fields = ("pen_name", "user__username")
    readonly_fields = ("article_count", "follower_count", "attention")


@admin.register(CreatorApplication)
class CreatorApplicationAdmin(admin.ModelAdmin):
    list_display = ("pen_name", "user", "channel", "status", "created_at")
    list_filter = ("status", "channel")
    # Decisions go through the editor desk so that they are audited.
    readonly_fields = ("status", "reason", "reviewed_by", "reviewed_at")


admin.site.register(Follow)
