from django.urls import path

from . import views

app_name = "attraction"
urlpatterns = [
    path("", views.funnel, name="funnel"),
    path("outreach/", views.outreach_list, name="outreach_list"),
    path("outreach/calendar/", views.outreach_calendar, name="outreach_calendar"),
    path("outreach/new/", views.outreach_create, name="outreach_create"),
    path("leads/", views.lead_board, name="lead_board"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/transition/", views.lead_transition, name="lead_transition"),
]
