from __future__ import annotations

from django.urls import path

from rvs.requirements import views

app_name = "requirements"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.edit, name="new"),
    path("<str:public_id>/edit/", views.edit, name="edit"),
    path("<str:public_id>/delete/", views.delete, name="delete"),
]
