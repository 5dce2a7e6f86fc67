"""The Django admin, scoped like every page: the office's data-fixing tool.

Use ``ScopedAdmin`` (and ``ScopedInline``; ``ScopedMixin`` before another admin base)
as the base of every ``ModelAdmin``: an office
sees and changes only the rows of the units it manages (``kit.scope``, ``Action.MANAGE``),
the choices of its foreign keys are the rows it may use, and a save that would put a row
outside its units is refused; what the instance shares (models without ``ownership``:
tags, the holiday calendar …) is changed by the office of a top unit only
(``manages_shared``). A superuser reaches everything. Every change is recorded with its
author (django-simple-history).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .history import record_actor
from .scope import Action, Ownership, allows, manages_shared, restrict


def _owned(model: Any) -> bool:
    return isinstance(getattr(model, "ownership", None), Ownership)


class ScopedMixin(admin.options.BaseModelAdmin):
    """What a scoped admin and a scoped inline share."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _owned(self.model):
            return restrict(qs, request.user, Action.MANAGE)
        return qs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is not None and _owned(related) and "queryset" not in kwargs:
            action = Action.MANAGE if related._meta.label_lower == "units.unit" else Action.VIEW
            kwargs["queryset"] = restrict(related._default_manager.all(), request.user, action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_change(self, request, obj=None) -> bool:
        if obj is None:
            return True
        if _owned(type(obj)):
            return allows(request.user, Action.MANAGE, obj)
        return manages_shared(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def has_add_permission(self, request, *args):
        allowed = super().has_add_permission(request, *args)
        return allowed and (_owned(self.model) or manages_shared(request.user))


class ScopedAdmin(ScopedMixin, SimpleHistoryAdmin):
    """The base of every ``ModelAdmin`` (see the module's docstring)."""

    def get_list_filter(self, request):
        """A filter by a related row offers only the rows the list holds (the office's)."""
        out = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and "__" not in item:
                field = self.model._meta.get_field(item)
                if field.is_relation and _owned(field.related_model):
                    item = (item, admin.RelatedOnlyFieldListFilter)
            out.append(item)
        return out

    def save_model(self, request, obj, form, change):
        if _owned(type(obj)) and not allows(request.user, Action.MANAGE, obj):
            raise PermissionDenied(f"无权修改“{obj}”")
        record_actor(obj, request.user)
        super().save_model(request, obj, form, change)


class ScopedInline(ScopedMixin, admin.TabularInline):
    """The base of every inline of a scoped admin."""


def _register_jobs() -> None:
    from .models import Job

    @admin.register(Job)
    class JobAdmin(ScopedAdmin):
        list_display = ("created_at", "title", "kind", "status", "attempts", "requested_by")
        list_filter = ("kind", "status")
        readonly_fields = [f.name for f in Job._meta.fields]


_register_jobs()
