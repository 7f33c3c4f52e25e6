from __future__ import annotations

from django.urls import path

from rvs.bulk import views

app_name = "bulk"
urlpatterns = [path("", views.upload, name="upload")]
