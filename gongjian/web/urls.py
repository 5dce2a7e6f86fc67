from django.urls import path

from . import edit_views, views

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("projects/", views.project_list, name="projects"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", edit_views.project_edit, name="project_edit"),
    path(
        "projects/<int:pk>/reports/<int:report_pk>/edit/",
        edit_views.report_edit,
        name="report_edit",
    ),
    path(
        "projects/<int:pk>/reports/<int:report_pk>/correct/",
        edit_views.report_correct,
        name="report_correct",
    ),
    path(
        "projects/<int:pk>/reports/<int:report_pk>/approve/",
        edit_views.report_approve,
        name="report_approve",
    ),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("dispatch/reminders/", views.dispatch_reminders, name="dispatch_reminders"),
    path("dispatch/<int:pk>/report/", views.report_submit, name="report_submit"),
    path("baobao/", views.baobao, name="baobao"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("map/", views.map_page, name="map"),
    path("map/settings/", views.map_settings, name="map_settings"),
    path("map/shape/<int:pk>.js", views.map_shape, name="map_shape"),
    path("rankings/", views.rankings, name="rankings"),
    path("targets/", views.targets, name="targets"),
    path("batches/", views.batches, name="batches"),
    path("batches/<slug:code>/", views.batch_detail, name="batch"),
    path("escalated/", views.escalated, name="escalated"),
    path("supervision/", views.supervision, name="supervision"),
]
