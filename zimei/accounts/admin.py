from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from .models import CreatorApplication, CreatorProfile, Follow, User


class SuperusersOnly:
    """Accounts and groups carry the powers (is_superuser, is_staff, role, permissions, groups):
    only a superuser sees or changes them in /admin/, whatever model permissions a staff account
    was given. Editors manage creators on the desk (docs/security-roles.md)."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


admin.site.unregister(Group)


@admin.register(Group)
class ZimeiGroupAdmin(SuperusersOnly, GroupAdmin):
    pass


@admin.register(User)
class ZimeiUserAdmin(SuperusersOnly, UserAdmin):
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
