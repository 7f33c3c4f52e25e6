from __future__ import annotations

from django.urls import path

from rvs.candidates import unlock_views, views

app_name = "candidates"
urlpatterns = [
    path("", views.results, name="results"),
    path("sign-in/", views.CandidateSignInView.as_view(), name="sign_in"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("unlock/<str:token>/", unlock_views.unlock, name="unlock"),
    path("confirm-your-email/", views.confirm_needed, name="confirm_needed"),
    path("share/", views.share, name="share"),
    path("share/organisations/", views.organisation_options, name="organisation_options"),
    path("shared/", views.shared, name="shared"),
    path("shared/<str:public_id>/revoke/", views.revoke, name="revoke"),
    path("invite/", views.invite, name="invite"),
    path("statements/", views.statements, name="statements"),
    path("how-to-share/", views.help_sharing, name="help_sharing"),
]
