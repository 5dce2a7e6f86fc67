from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin, ScopedInline

from .models import Appeal, AppealCategory, AppealStep, CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)


@admin.register(AppealCategory)
class AppealCategoryAdmin(ScopedAdmin):
    list_display = ("code", "name", "default_unit", "sign_days", "sla_days", "for_enterprises")


class StepInline(ScopedInline):
    model = AppealStep
    extra = 0
    readonly_fields = ("action", "from_status", "to_status", "unit", "actor", "at", "note")
    can_delete = False


@admin.register(Appeal)
class AppealAdmin(ScopedAdmin):
    list_display = ("number", "title", "category", "unit", "status", "received_on", "due_on")
    list_filter = ("status", "channel", "category")
    search_fields = ("number", "title", "appellant_name")
    raw_id_fields = ("enterprise", "project")
    inlines = [StepInline]
