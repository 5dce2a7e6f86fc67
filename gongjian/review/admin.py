from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CorpusDocument, DictionaryTerm, ReviewDraft


@admin.register(CorpusDocument)
class CorpusDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "year", "unit", "dated_on", "source", "file_format", "size"]
    list_filter = ["year", "file_format"]
    search_fields = ["title", "source"]


@admin.register(DictionaryTerm)
class DictionaryTermAdmin(SimpleHistoryAdmin):
    list_display = ["term", "kind", "note"]
    list_filter = ["kind"]
    search_fields = ["term"]


@admin.register(ReviewDraft)
class ReviewDraftAdmin(SimpleHistoryAdmin):
    list_display = ["title", "year", "unit", "as_of", "updated_at", "version"]
