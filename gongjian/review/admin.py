from django.contrib import admin

from gongjian.kit.admin import ScopedAdmin

from .models import CorpusDocument, DictionaryTerm, ReviewDraft


@admin.register(CorpusDocument)
class CorpusDocumentAdmin(ScopedAdmin):
    list_display = ["title", "year", "unit", "dated_on", "source", "file_format", "size"]
    list_filter = ["year", "file_format"]
    search_fields = ["title", "source"]


@admin.register(DictionaryTerm)
class DictionaryTermAdmin(ScopedAdmin):
    list_display = ["term", "kind", "note"]
    list_filter = ["kind"]
    search_fields = ["term"]


@admin.register(ReviewDraft)
class ReviewDraftAdmin(ScopedAdmin):
    list_display = ["title", "year", "unit", "as_of", "updated_at", "version"]
