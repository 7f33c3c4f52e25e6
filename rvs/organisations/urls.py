from __future__ import annotations

from django.urls import path

from rvs.organisations import activity_views, views

app_name = "organisations"
urlpatterns = [
    path("", views.details, name="details"),
    path("edit/", views.details_edit, name="details_edit"),
    path("users/", views.users, name="users"),
    path("users/add/", views.user_add, name="user_add"),
    path("users/<str:public_id>/edit/", views.user_edit, name="user_edit"),
    path("users/<str:public_id>/delete/", views.user_delete, name="user_delete"),
    path("exams/", views.exams, name="exams"),
    path("activity/", activity_views.organisation_activity, name="activity"),
    path("two-factor/", views.two_factor_policy, name="two_factor_policy"),
]
