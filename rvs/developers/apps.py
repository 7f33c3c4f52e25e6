from __future__ import annotations

from django.apps import AppConfig


class DevelopersConfig(AppConfig):
    """The API Developer Portal: public, server-rendered pages about the REST API."""

    name = "rvs.developers"
    label = "developers"
    default_auto_field = "django.db.models.BigAutoField"
