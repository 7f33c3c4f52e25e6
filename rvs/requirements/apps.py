from __future__ import annotations

from django.apps import AppConfig


class RequirementsConfig(AppConfig):
    name = "rvs.requirements"
    label = "requirements"
    default_auto_field = "django.db.models.BigAutoField"
