from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin

from .models import Park, Pillar, Theme


@admin.register(Pillar)
class PillarAdmin(ScopedAdmin):
    list_display = ("name", "code", "campaign", "sort_order")
    filter_horizontal = ("indicators", "tags", "policies")


@admin.register(Theme)
class ThemeAdmin(ScopedAdmin):
    list_display = ("name", "campaign", "sort_order")


@admin.register(Park)
class ParkAdmin(ScopedAdmin):
    list_display = ("code", "name", "level", "area_km2", "unit")
    search_fields = ("code", "name")
    raw_id_fields = ("projects", "enterprises")
