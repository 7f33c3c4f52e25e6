from __future__ import annotations

from csp.decorators import csp_replace
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from rvs.api import bulk_views, download_views, requirement_views, views

_DOCS_CSP = csp_replace(
    {
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "worker-src": ["'self'", "blob:"],
        "img-src": ["'self'", "data:"],
    }
)

app_name = "api"
urlpatterns = [
    path("results/", views.SharedResultsView.as_view(), name="results"),
    path("results/<uuid:result_id>/", views.ResultDetailView.as_view(), name="result"),
    path("results/<uuid:result_id>/photo/", views.ResultPhotoView.as_view(), name="result_photo"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("bulk-verifications/", bulk_views.BulkVerificationView.as_view(), name="bulk_verify"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("downloads/", download_views.DownloadsView.as_view(), name="downloads"),
    path("downloads/<uuid:job_id>/", download_views.DownloadDetailView.as_view(), name="download"),
    path("downloads/<uuid:job_id>/file/", download_views.DownloadFileView.as_view(), name="download_file"),
    path("templates/", download_views.TemplatesView.as_view(), name="templates"),
    path("exams/", views.ExamsView.as_view(), name="exams"),
    path("requirements/", requirement_views.RequirementsView.as_view(), name="requirements"),
    path("organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The interactive docs (public, no personal data) start with inline scripts of their own.
    path("docs/", _DOCS_CSP(SpectacularSwaggerView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", _DOCS_CSP(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    re_path(r"^", views.not_found),  # last: an unknown path (or an id that is not a UUID) is a problem+json 404
]
