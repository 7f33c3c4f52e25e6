from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest


def _staff_home(request: HttpRequest) -> str | None:
    return "backoffice:queue" if request.user.is_authenticated and request.user.is_staff else None


class BackofficeConfig(AppConfig):
    name = "rvs.backoffice"
    label = "backoffice"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rvs.backoffice.import_relay import imports_reap
        from rvs.core import home, relays

        relays.register("imports", lambda: relays.counts_report("imports", imports_reap()), order=40)
        home.register("staff", _staff_home, order=30)  # after organisation users and candidates
