from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("export.xlsx", views.policy_export, name="export"),
    path("import/", views.policy_import, name="import"),
    path("import/template.xlsx", views.policy_import_template, name="import_template"),
    path("new/", views.policy_create, name="create"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/edit/", views.policy_edit, name="edit"),
    path("<int:pk>/action/", views.policy_action, name="action"),
    path("<int:pk>/grants.xlsx", views.grant_export, name="grant_export"),
]
