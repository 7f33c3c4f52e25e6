from __future__ import annotations

from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "rvs.exams"
    label = "exams"
    default_auto_field = "django.db.models.BigAutoField"
