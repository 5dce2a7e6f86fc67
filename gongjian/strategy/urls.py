from django.urls import path

from . import views

app_name = "strategy"
urlpatterns = [
    path("", views.home, name="home"),
    path("pillars/new/", views.pillar_create, name="pillar_create"),
    path("pillars/<int:pk>/", views.pillar_edit, name="pillar_edit"),
    path("themes/new/", views.theme_create, name="theme_create"),
    path("themes/<int:pk>/", views.theme_edit, name="theme_edit"),
    path("parks/", views.parks, name="parks"),
    path("parks/new/", views.park_create, name="park_create"),
    path("parks/<int:pk>/", views.park_detail, name="park_detail"),
    path("parks/<int:pk>/edit/", views.park_edit, name="park_edit"),
    path("clusters/", views.clusters, name="clusters"),
    path("clusters/<int:pk>/track/", views.cluster_track, name="cluster_track"),
]
