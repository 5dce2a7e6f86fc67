from django.urls import path

from . import views

app_name = "govservice"
urlpatterns = [
    # public: no sign-in, read-only, rate-limited
    path("map/", views.public_map, name="map"),
    path("map/shape.js", views.public_shape, name="map_shape"),
    # the office's pages
    path("", views.board, name="board"),
    path("points/", views.point_list, name="points"),
    path("points/new/", views.point_create, name="point_create"),
    path("points/<int:pk>/", views.point_edit, name="point_edit"),
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/", views.item_edit, name="item_edit"),
    path("transactions/", views.transaction_list, name="transactions"),
]
