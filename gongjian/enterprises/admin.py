from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin, ScopedInline

from .models import (
    Enterprise,
    EnterpriseContact,
    EnterpriseRevenue,
    IndustryCluster,
    TierThresholds,
)


class RevenueInline(ScopedInline):
    model = EnterpriseRevenue
    extra = 0


class ContactInline(ScopedInline):
    model = EnterpriseContact
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(ScopedAdmin):
    list_display = ("name", "credit_code", "unit", "cluster", "tier", "latest_revenue")
    list_filter = ("tier",)
    search_fields = ("name", "credit_code")
    readonly_fields = ("tier", "latest_revenue", "revenue_year", "revenue_growth")
    inlines = [RevenueInline, ContactInline]


@admin.register(TierThresholds)
class TierThresholdsAdmin(ScopedAdmin):
    list_display = ("ge_10bn", "ge_5bn", "ge_1bn", "high_growth", "high_growth_rate")


@admin.register(IndustryCluster)
class IndustryClusterAdmin(ScopedAdmin):
    list_display = ("name", "unit", "sort_order")
