from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin

from .models import ColumnMapping, ImportRun


@admin.register(ColumnMapping)
class ColumnMappingAdmin(ScopedAdmin):
    list_display = ("name", "schema", "created_by", "created_at")
    list_filter = ("schema",)


@admin.register(ImportRun)
class ImportRunAdmin(ScopedAdmin):
    list_display = (
        "created_at",
        "schema",
        "file_name",
        "status",
        "rows_total",
        "rows_bad",
        "created_by",
    )
    list_filter = ("schema", "status")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
