from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_catalogue(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Load the catalogue when the table is empty: after migrate, and after a test flush empties it."""
    from rvs.exams.catalogue import sync_catalogue
    from rvs.exams.models import Exam

    if using == "default" and not Exam.objects.exists():
        sync_catalogue(Exam)


class ExamsConfig(AppConfig):
    name = "rvs.exams"
    label = "exams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_ensure_catalogue, sender=self)
