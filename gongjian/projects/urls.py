from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="projects"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/reports/<int:report_pk>/edit/", views.report_edit, name="report_edit"),
    path(
        "projects/<int:pk>/reports/<int:report_pk>/correct/",
        views.report_correct,
        name="report_correct",
    ),
    path(
        "projects/<int:pk>/reports/<int:report_pk>/photo/",
        views.report_photo,
        name="report_photo",
    ),
    path(
        "projects/<int:pk>/reports/<int:report_pk>/approve/",
        views.report_approve,
        name="report_approve",
    ),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("dispatch/cadence/", views.cadence_rules, name="cadence_rules"),
    path("dispatch/reminders/", views.dispatch_reminders, name="dispatch_reminders"),
    path("dispatch/<int:pk>/report/", views.report_submit, name="report_submit"),
    path("baobao/", views.baobao, name="baobao"),
    path("projects/<int:pk>/problems/new/", views.problem_raise, name="problem_raise"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("batches/", views.batches, name="batches"),
    path("batches/<slug:code>/", views.batch_detail, name="batch"),
    path("escalated/", views.escalated, name="escalated"),
    path("supervision/", views.supervision, name="supervision"),
]
