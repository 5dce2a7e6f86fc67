from django.urls import path

from . import views

urlpatterns = [
    path("sso/cas/login/", views.cas_login, name="sso_cas_login"),
    path("sso/oidc/login/", views.oidc_login, name="sso_oidc_login"),
    path("sso/oidc/callback/", views.oidc_callback, name="sso_oidc_callback"),
]
