from __future__ import annotations

from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "rvs.backoffice"
    label = "backoffice"
    default_auto_field = "django.db.models.BigAutoField"
