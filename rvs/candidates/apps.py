from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest


def _candidate_home(request: HttpRequest) -> str | None:
    from rvs.candidates.permissions import candidate_account_of

    return "candidates:results" if candidate_account_of(request.user) is not None else None


class CandidatesConfig(AppConfig):
    name = "rvs.candidates"
    label = "candidates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rvs.core import home

        home.register("candidate", _candidate_home, order=20)  # after organisation users
