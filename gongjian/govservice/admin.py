from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin

from .models import ServiceItem, ServicePoint, Transaction


@admin.register(ServiceItem)
class ServiceItemAdmin(ScopedAdmin):
    list_display = ("code", "name", "department", "time_limit_days", "unit", "is_active")
    search_fields = ("code", "name", "keywords")


@admin.register(ServicePoint)
class ServicePointAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "unit", "is_public")
    search_fields = ("code", "name", "address")
    filter_horizontal = ("items",)


@admin.register(Transaction)
class TransactionAdmin(ScopedAdmin):
    list_display = ("number", "point", "item", "received_at", "completed_at", "handling_minutes")
    search_fields = ("number",)
    readonly_fields = ("received_on", "completed_on", "due_on", "handling_minutes")
    raw_id_fields = ("point", "item")
