from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.tour_list, name="list"),
    path("new/", views.tour_create, name="create"),
    path("forms/new/", views.form_create, name="form_create"),
    path("<int:pk>/", views.tour_detail, name="detail"),
    path("<int:pk>/score/", views.member_home, name="member"),
    path("<int:pk>/score/<int:stop_pk>/", views.score_stop, name="score"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/sheet.docx", views.sheet_docx, name="sheet_docx"),
    path("<int:pk>/results.xlsx", views.results_export, name="results_xlsx"),
]
