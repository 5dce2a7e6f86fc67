from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("", views.index, name="index"),
    path("rollover/", views.rollover, name="rollover"),
    path("schedules/", views.schedules, name="schedules"),
]
