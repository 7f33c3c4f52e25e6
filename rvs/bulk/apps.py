from __future__ import annotations

from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "rvs.bulk"
    label = "bulk"
    default_auto_field = "django.db.models.BigAutoField"
