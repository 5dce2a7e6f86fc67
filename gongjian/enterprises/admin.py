from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Enterprise, EnterpriseContact, EnterpriseRevenue, TierThresholds


class RevenueInline(admin.TabularInline):
    model = EnterpriseRevenue
    extra = 0


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "unit", "cluster", "tier", "latest_revenue")
    list_filter = ("tier",)
    search_fields = ("name", "credit_code")
    readonly_fields = ("tier", "latest_revenue", "revenue_year")
    inlines = [RevenueInline, ContactInline]


@admin.register(TierThresholds)
class TierThresholdsAdmin(SimpleHistoryAdmin):
    list_display = ("ge_10bn", "ge_5bn", "ge_1bn", "high_growth")
