from __future__ import annotations

from django.urls import path

from rvs.developers import views

app_name = "developers"
urlpatterns = [
    path("", views.index, name="index"),
    path("authentication/", views.authentication, name="authentication"),
    path("endpoints/", views.endpoints, name="endpoints"),
    path("errors/", views.errors, name="errors"),
    path("rate-limits/", views.rate_limits, name="rate_limits"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("changelog/", views.changelog, name="changelog"),
]
