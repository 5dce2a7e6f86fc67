from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/progress.json", views.job_progress, name="progress"),
    path("<int:job_id>/file", views.job_file, name="file"),
]
