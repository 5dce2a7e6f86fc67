from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin

from .models import EnterpriseLabel, Grant, Policy


@admin.register(Policy)
class PolicyAdmin(ScopedAdmin):
    list_display = ("code", "name", "unit", "mode", "status", "valid_from", "valid_to")
    list_filter = ("mode", "status")
    search_fields = ("code", "name")


@admin.register(Grant)
class GrantAdmin(ScopedAdmin):
    list_display = ("policy", "enterprise", "year", "amount", "status", "decided_on")
    list_filter = ("status", "year")
    raw_id_fields = ("policy", "enterprise", "decided_by")


@admin.register(EnterpriseLabel)
class EnterpriseLabelAdmin(ScopedAdmin):
    list_display = ("enterprise", "label", "since")
    search_fields = ("label", "enterprise__name")
    raw_id_fields = ("enterprise",)
