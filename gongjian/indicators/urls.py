from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.report, name="report"),
    path("review/<int:pk>/", views.review, name="review"),
    path("settings/", views.settings, name="settings"),
    path("targets/", views.targets, name="targets"),
    path("rankings/", views.ranking_schemes, name="ranking_schemes"),
    path("definitions/", views.definitions, name="definitions"),
]
