from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Appeal, AppealCategory, AppealStep, CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)


@admin.register(AppealCategory)
class AppealCategoryAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "default_unit", "sign_days", "sla_days", "for_enterprises")


class StepInline(admin.TabularInline):
    model = AppealStep
    extra = 0
    readonly_fields = ("action", "from_status", "to_status", "unit", "actor", "at", "note")
    can_delete = False


@admin.register(Appeal)
class AppealAdmin(SimpleHistoryAdmin):
    list_display = ("number", "title", "category", "unit", "status", "received_on", "due_on")
    list_filter = ("status", "channel", "category")
    search_fields = ("number", "title", "appellant_name")
    raw_id_fields = ("enterprise", "project")
    inlines = [StepInline]
