from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("audit/", views.login_audit, name="login_audit"),
]
