from __future__ import annotations

from django.urls import path

from rvs.accounts import two_factor_views
from rvs.backoffice import audit_views, import_views, results_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("two-factor/", two_factor_views.verify, name="two_factor"),
    path("two-factor/setup/", two_factor_views.setup, name="two_factor_setup"),
    path("registrations/<str:public_id>/", views.registration, name="registration"),
    path("organisations/", views.organisations, name="organisations"),
    path("organisations/<str:public_id>/", views.organisation, name="organisation"),
    path("organisations/<str:public_id>/primary/", views.change_primary, name="change_primary"),
    path("organisations/<str:public_id>/status/", views.organisation_status, name="organisation_status"),
    path("results/", results_views.find, name="results"),
    path("results/<str:public_id>/", results_views.correct, name="result"),
    path("audit/", audit_views.audit, name="audit"),
    path("imports/", import_views.upload, name="imports"),
    path("imports/<str:public_id>/", import_views.job, name="import_job"),
    path("imports/<str:public_id>/start/", import_views.start, name="import_start"),
    path("imports/<str:public_id>/problems.csv", import_views.problems, name="import_problems"),
]
