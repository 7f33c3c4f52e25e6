from __future__ import annotations

from django.urls import path

from rvs.downloads import views

app_name = "downloads"
urlpatterns = [
    path("", views.history, name="history"),
    path("new/", views.create, name="create"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<str:public_id>/edit/", views.template_edit, name="template_edit"),
    path("templates/<str:public_id>/delete/", views.template_delete, name="template_delete"),
    path("<str:public_id>/", views.job, name="job"),
    path("<str:public_id>/file/", views.job_file, name="job_file"),
    path("<str:public_id>/again/", views.again, name="again"),
]
