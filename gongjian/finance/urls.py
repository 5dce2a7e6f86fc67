from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.home, name="home"),
    path("needs/", views.need_list, name="needs"),
    path("needs/new/", views.need_create, name="need_create"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("needs/<int:pk>/match/", views.need_match, name="need_match"),
    path("needs/<int:pk>/consent/", views.consent_grant, name="consent"),
    path("matches/", views.match_list, name="matches"),
    path("matches/<int:pk>/", views.match_detail, name="match"),
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_edit, name="product_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("institutions/", views.institution_list, name="institutions"),
    path("profile/<int:enterprise_id>/", views.credit_profile, name="profile"),
]
