from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export.xlsx", views.audit_export, name="export"),
    path("deleted/", views.deleted_projects, name="deleted"),
    path("deleted/<int:pk>/restore/", views.project_restore, name="restore"),
    path("projects/<int:pk>/delete/", views.project_delete, name="delete"),
]
