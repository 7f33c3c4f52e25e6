from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from rvs.core import i18n_views
from rvs.core import views as core_views
from rvs.downloads import certificate_views
from rvs.downloads import public_views as verify_views
from rvs.organisations import public_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("language/", i18n_views.set_language, name="set_language"),  # POST: the switcher on every page
    path("register/", public_views.register, name="register"),
    path("register/done/", public_views.register_done, name="register_done"),
    path("recognition/", public_views.directory, name="directory"),
    path("verify/", verify_views.verify_statement, name="verify_statement"),
    # The signing certificate, before verify/<ern>/ so "certificate" is never read as an ERN.
    path("verify/certificate/", certificate_views.certificate_page, name="signing_certificate"),
    path("verify/certificate.pem", certificate_views.certificate_pem, name="signing_certificate_pem"),
    path("verify/certificate-chain.pem", certificate_views.certificate_chain_pem, name="signing_certificate_chain"),
    path("verify/<str:ern>/", verify_views.verify_ern, name="verify_ern"),
    path("downloads/bulk-verification/", include("rvs.bulk.urls")),
    path("downloads/", include("rvs.downloads.urls")),
    path("api/v1/", include("rvs.api.urls")),
    path("developers/", include("rvs.developers.urls")),
    path("accounts/", include("rvs.accounts.urls")),
    path("organisation/api/", include("rvs.api.web_urls")),
    path("organisation/requirements/", include("rvs.requirements.urls")),
    path("organisation/", include("rvs.organisations.urls")),
    path("backoffice/", include("rvs.backoffice.urls")),
    path("candidate/", include("rvs.candidates.urls")),
    path("", include("rvs.results.urls")),
]

# Off (404 for every /admin/ address) unless settings.ADMIN_ENABLED; see decision 0011.
if settings.ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))

handler500 = "rvs.core.views.server_error"
