from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/<slug:schema>/", views.import_upload, name="import"),
    path("import/<slug:schema>/mappings/", views.mapping_save, name="mapping_save"),
    path("imports/<int:run_id>/", views.import_run, name="import_run"),
    path("imports/<int:run_id>/progress.json", views.import_progress, name="import_progress"),
    path("imports/<int:run_id>/errors.xlsx", views.import_errors, name="import_errors"),
    path("template/<slug:schema>.xlsx", views.template, name="template"),
    path("export/<slug:kind>.xlsx", views.export, name="export"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("dispatch.<str:fmt>", views.dispatch_file, name="dispatch_file"),
]
