from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from gongjian.kit.admin import ScopedAdmin, ScopedInline, ScopedMixin
from gongjian.kit.history import record_actor
from gongjian.kit.scope import Action, require

from . import services
from .models import ApiToken, LoginEvent, Membership, Unit, User


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        # a unit is placed by the office of its parent (a top unit: by a superuser)
        if obj.parent_id is None:
            if not request.user.is_superuser:
                raise PermissionDenied(_("只有系统管理员可以创建顶级单位"))
        else:
            require(request.user, Action.MANAGE, obj.parent)
        record_actor(obj, request.user)
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        services.unit_paths_refresh(obj)


class MembershipInline(ScopedInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(ScopedMixin, BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "full_name", "title", "is_active", "is_staff"]
    search_fields = ["username", "full_name"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("职务信息"), {"fields": ("full_name", "title", "phone")}),
    )
    actions = ["unlock_sign_in"]

    @admin.action(description=_("解除登录锁定"))
    def unlock_sign_in(self, request, queryset):
        """Clear django-axes' failed attempts of the chosen users (every address)."""
        from axes.utils import reset

        count = sum(reset(username=user.get_username()) for user in queryset)
        self.message_user(request, _("已解除锁定,清除了 %(n)d 条失败记录。") % {"n": count})


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]


@admin.register(LoginEvent)
class LoginEventAdmin(ScopedAdmin):
    """The login audit, read-only: rows are written by ``units.audit`` only."""

    list_display = ["at", "kind", "username", "user", "ip_address", "path"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "ip_address", "user_agent"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in LoginEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
