from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin, ScopedInline

from .models import Campaign, Indicator, RankingItem, RankingScheme, ReportedValue, Target


@admin.register(Campaign)
class CampaignAdmin(ScopedAdmin):
    list_display = ["year", "name", "root_unit", "yellow_points", "red_points", "funds_yellow_rate"]


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "registry",
        "measure",
        "event",
        "fixed_unit",
        "in_checkpoints",
        "is_active",
    ]
    list_filter = ["kind", "registry", "in_checkpoints", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Target)
class TargetAdmin(ScopedAdmin):
    list_display = ["indicator", "unit", "year", "value"]
    list_filter = ["year", "unit"]
    autocomplete_fields = ["indicator"]


@admin.register(ReportedValue)
class ReportedValueAdmin(ScopedAdmin):
    list_display = ["indicator", "unit", "as_of", "value"]
    list_filter = ["unit"]
    autocomplete_fields = ["indicator"]


class RankingItemInline(ScopedInline):
    model = RankingItem
    extra = 1
    autocomplete_fields = ["indicator"]


@admin.register(RankingScheme)
class RankingSchemeAdmin(ScopedAdmin):
    list_display = ["code", "name", "year", "parent_unit"]
    inlines = [RankingItemInline]
