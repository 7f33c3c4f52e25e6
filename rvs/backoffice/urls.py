from __future__ import annotations

from django.urls import path

from rvs.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("registrations/<str:public_id>/", views.registration, name="registration"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<str:public_id>/", views.organisation, name="organisation"),
    path("organisations/<str:public_id>/primary/", views.change_primary, name="change_primary"),
]
