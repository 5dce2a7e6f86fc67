from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin

from .models import DirectoryAccount


@admin.register(DirectoryAccount)
class DirectoryAccountAdmin(ScopedAdmin):
    """Read-only: the directory writes these rows at each sign-in."""

    list_display = ["user", "source", "external_id"]
    list_filter = ["source"]
    search_fields = ["user__username", "user__full_name", "external_id"]
    readonly_fields = ["user", "source", "external_id", "attributes", "managed", "unmatched"]

    def has_add_permission(self, request, *args) -> bool:
        return False
