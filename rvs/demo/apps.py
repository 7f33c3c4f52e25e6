from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (``manage.py seed_demo``): the top layer; nothing in the product imports it."""

    name = "rvs.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
