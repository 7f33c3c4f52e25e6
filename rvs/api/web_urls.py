from __future__ import annotations

from django.urls import path

from rvs.api import web_views

app_name = "api_web"
urlpatterns = [
    path("", web_views.overview, name="overview"),
    path("keys/", web_views.key_create, name="key_create"),
    path("keys/<str:public_id>/rotate/", web_views.key_rotate, name="key_rotate"),
    path("keys/<str:public_id>/revoke/", web_views.key_revoke, name="key_revoke"),
    path("webhooks/", web_views.webhook_create, name="webhook_create"),
    path("webhooks/<str:public_id>/", web_views.webhook_detail, name="webhook"),
    path("webhooks/<str:public_id>/delete/", web_views.webhook_delete, name="webhook_delete"),
    path("webhooks/<str:public_id>/<str:action>/", web_views.webhook_action, name="webhook_action"),
]
