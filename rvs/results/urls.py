from __future__ import annotations

from django.urls import path

from rvs.results import views

app_name = "results"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("results/<str:public_id>/", views.detail, name="detail"),
    path("results/<str:public_id>/photo/", views.photo, name="photo"),
]
