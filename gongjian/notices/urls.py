from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_notice, name="open"),
    path("channels/", views.channels, name="channels"),
]
