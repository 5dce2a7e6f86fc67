from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Criterion, ScoreForm, Sheet, Stop, Tour, UnitResult


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(ScoreForm)
class ScoreFormAdmin(SimpleHistoryAdmin):
    list_display = ["name", "description"]
    inlines = [CriterionInline]


class StopInline(admin.TabularInline):
    model = Stop
    extra = 0
    raw_id_fields = ["project"]


@admin.register(Tour)
class TourAdmin(SimpleHistoryAdmin):
    list_display = ["name", "year", "quarter", "starts_on", "status"]
    list_filter = ["year", "status"]
    filter_horizontal = ["panel"]
    inlines = [StopInline]


@admin.register(Sheet)
class SheetAdmin(SimpleHistoryAdmin):
    list_display = ["stop", "member", "status", "updated_at"]
    list_filter = ["status"]


@admin.register(UnitResult)
class UnitResultAdmin(admin.ModelAdmin):
    list_display = ["tour", "unit", "score_centi", "rank"]
