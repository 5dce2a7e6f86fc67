from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin, ScopedInline

from .models import Criterion, ScoreForm, Sheet, Stop, Tour, UnitResult


class CriterionInline(ScopedInline):
    model = Criterion
    extra = 0


@admin.register(ScoreForm)
class ScoreFormAdmin(ScopedAdmin):
    list_display = ["name", "description"]
    inlines = [CriterionInline]


class StopInline(ScopedInline):
    model = Stop
    extra = 0
    raw_id_fields = ["project"]


@admin.register(Tour)
class TourAdmin(ScopedAdmin):
    list_display = ["name", "year", "quarter", "starts_on", "weight", "status"]
    list_filter = ["year", "status"]
    filter_horizontal = ["panel"]
    inlines = [StopInline]


@admin.register(Sheet)
class SheetAdmin(ScopedAdmin):
    list_display = ["stop", "member", "status", "updated_at"]
    list_filter = ["status"]


@admin.register(UnitResult)
class UnitResultAdmin(ScopedAdmin):
    list_display = ["tour", "unit", "score_centi", "rank"]
