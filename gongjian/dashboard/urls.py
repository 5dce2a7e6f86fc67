from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("map/", views.map_page, name="map"),
    path("map/settings/", views.map_settings, name="map_settings"),
    path("map/shape/<int:pk>.js", views.map_shape, name="map_shape"),
    path("rankings/", views.rankings, name="rankings"),
    path("targets/", views.targets, name="targets"),
]
