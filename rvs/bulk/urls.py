from __future__ import annotations

from django.urls import path

from rvs.bulk import sample_views, views

app_name = "bulk"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("sample.csv", sample_views.sample, name="sample"),
]
