from __future__ import annotations

from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "rvs.organisations"
    label = "organisations"
    default_auto_field = "django.db.models.BigAutoField"
