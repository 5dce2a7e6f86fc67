from django.urls import path

from . import views

app_name = "appeals"
urlpatterns = [
    path("", views.board, name="board"),
    path("list/", views.appeal_list, name="list"),
    path("new/", views.appeal_create, name="create"),
    path("calendar/", views.calendar, name="calendar"),
    path("<int:pk>/", views.appeal_detail, name="detail"),
    path("<int:pk>/step/", views.appeal_step, name="step"),
]
