from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group

from zimei.core.adminforms import PlainTextAdmin, check_plain_text

from .models import CreatorApplication, CreatorProfile, Follow, User
from .services import CONFUSABLE_MESSAGE
from .usernames import username_skeleton


class _UsernameChecks:
    """The admin's user forms refuse what registration refuses: plain-text rules, and a
    username that looks like another account's (Cyrillic rеader beside reader)."""

    def clean(self):
        cleaned = super().clean()
        check_plain_text(self)
        username = cleaned.get("username")
        if username:
            others = User.objects.filter(username_skeleton=username_skeleton(username)[:150])
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("username", CONFUSABLE_MESSAGE)
        return cleaned


class ZimeiUserCreationForm(_UsernameChecks, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User


class ZimeiUserChangeForm(_UsernameChecks, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


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
    add_form = ZimeiUserCreationForm
    form = ZimeiUserChangeForm
    list_display = ("username", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("role", "is_staff", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("Zimei", {"fields": ("role",)}))


@admin.register(CreatorProfile)
class CreatorProfileAdmin(PlainTextAdmin):
    list_display = ("pen_name", "channel", "level", "trusted", "article_count", "attention")
    list_filter = ("channel", "trusted", "level")
    search_fields = ("pen_name", "user__username")
    readonly_fields = ("article_count", "follower_count", "attention")


@admin.register(CreatorApplication)
class CreatorApplicationAdmin(PlainTextAdmin):
    list_display = ("pen_name", "user", "channel", "status", "created_at")
    list_filter = ("status", "channel")
    # Decisions go through the editor desk so that they are audited.
    readonly_fields = ("status", "reason", "reviewed_by", "reviewed_at")


admin.site.register(Follow)
