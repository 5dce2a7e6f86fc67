from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin, ScopedInline

from . import services
from .models import (
    Batch,
    CadenceRule,
    EscalationEvent,
    EscalationRule,
    Problem,
    ProgressReport,
    Project,
    ReportObligation,
    StageTransition,
    Tag,
)


class StageTransitionInline(ScopedInline):
    model = StageTransition
    extra = 0
    readonly_fields = ["stage", "occurred_on", "note", "recorded_by", "recorded_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = ["code", "name", "unit", "category", "stage", "total_investment", "leader"]
    list_filter = ["stage", "category", "unit", "tags", "batches"]
    search_fields = ["code", "name", "enterprise_name"]
    readonly_fields = [
        "stage",
        "signed_on",
        "landed_on",
        "started_on",
        "resumed_on",
        "stalled_on",
        "completed_on",
        "in_production_on",
        "version",
    ]
    autocomplete_fields = ["unit", "responsible_unit", "leader"]
    filter_horizontal = ["tags", "batches"]
    inlines = [StageTransitionInline]


@admin.register(ProgressReport)
class ProgressReportAdmin(ScopedAdmin):
    list_display = [
        "project",
        "period_start",
        "period_end",
        "investment_this_period",
        "cumulative_investment",
        "status",
    ]
    list_filter = ["status", "period_start"]
    search_fields = ["project__name", "project__code"]
    raw_id_fields = ["project"]


@admin.register(Problem)
class ProblemAdmin(ScopedAdmin):
    list_display = ["project", "kind", "status", "deadline", "owner_unit", "leader"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["project"]


admin.site.register(Tag, ScopedAdmin)
admin.site.register(Batch, ScopedAdmin)


@admin.register(EscalationRule)
class EscalationRuleAdmin(ScopedAdmin):
    """A rule changed here is re-applied to the registry at once (as from its page)."""

    def save_model(self, request, obj, form, change):
        before = EscalationRule.objects.get(pk=obj.pk) if change else None
        obj._before_text = services.rule_text(before) if before else ""
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rule = form.instance
        services.escalation_rules_reapply(
            actor=request.user, rule=rule, before=getattr(rule, "_before_text", "")
        )

    def delete_model(self, request, obj):
        # stopped first, so its projects go back to local management, then deleted
        services.escalation_rule_save(actor=request.user, rule=obj, is_active=False)
        super().delete_model(request, obj)


@admin.register(CadenceRule)
class CadenceRuleAdmin(ScopedAdmin):
    list_display = ["name", "cadence", "tag", "stage", "priority", "is_active"]
    list_editable = ["priority", "is_active"]


@admin.register(EscalationEvent)
class EscalationEventAdmin(ScopedAdmin):
    list_display = ["occurred_at", "project", "direction", "tag", "reason", "actor"]
    list_filter = ["direction"]
    raw_id_fields = ["project"]


@admin.register(ReportObligation)
class ReportObligationAdmin(ScopedAdmin):
    list_display = ["project", "cadence", "period_start", "period_end", "due_on"]
    list_filter = ["cadence"]
    raw_id_fields = ["project"]
