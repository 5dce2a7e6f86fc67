from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.review_page, name="review"),
    path("draft/", views.draft_save, name="draft_save"),
    path("review.docx", views.review_download, name="download"),
    path("documents/", views.documents, name="documents"),
    path("dictionary/", views.dictionary, name="dictionary"),
]
