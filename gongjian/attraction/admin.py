from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin, ScopedInline

from .models import Lead, LeadTransition, Outreach, OutreachContact


class ContactInline(ScopedInline):
    model = OutreachContact
    extra = 0
    raw_id_fields = ("enterprise",)


@admin.register(Outreach)
class OutreachAdmin(ScopedAdmin):
    list_display = ("held_on", "title", "kind", "theme", "unit")
    list_filter = ("kind", "theme")
    date_hierarchy = "held_on"
    inlines = [ContactInline]


class TransitionInline(ScopedInline):
    model = LeadTransition
    extra = 0
    readonly_fields = ("stage", "occurred_on", "note", "recorded_by")


@admin.register(Lead)
class LeadAdmin(ScopedAdmin):
    list_display = ("name", "enterprise", "unit", "current_stage_label", "contacted_on", "project")
    list_filter = ("stage",)
    search_fields = ("name", "enterprise__name")
    raw_id_fields = ("enterprise", "official")
    inlines = [TransitionInline]
