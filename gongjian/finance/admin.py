from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin

from .models import CreditConsent, Institution, InstitutionStaff, Match, Need, Product


@admin.register(Institution)
class InstitutionAdmin(ScopedAdmin):
    list_display = ("name", "kind", "unit", "is_active")


@admin.register(InstitutionStaff)
class InstitutionStaffAdmin(ScopedAdmin):
    list_display = ("user", "institution")


@admin.register(Product)
class ProductAdmin(ScopedAdmin):
    list_display = ("name", "institution", "amount_min", "amount_max", "collateral", "is_active")


@admin.register(Need)
class NeedAdmin(ScopedAdmin):
    list_display = ("title", "enterprise", "kind", "posted_on", "status", "unit")
    list_filter = ("kind", "status")


@admin.register(Match)
class MatchAdmin(ScopedAdmin):
    list_display = ("need", "product", "stage", "credit_amount", "loan_amount")
    list_filter = ("stage",)


@admin.register(CreditConsent)
class CreditConsentAdmin(ScopedAdmin):
    list_display = ("enterprise", "institution", "granted_on", "revoked_on")
