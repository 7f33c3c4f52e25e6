from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest


def _organisation_home(request: HttpRequest) -> str | None:
    from rvs.core.permissions import membership_of

    return "results:dashboard" if membership_of(request.user) is not None else None


class ResultsConfig(AppConfig):
    name = "rvs.results"
    label = "results"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rvs.core import home

        home.register("organisation", _organisation_home, order=10)  # an organisation's users first
