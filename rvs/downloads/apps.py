from __future__ import annotations

from django.apps import AppConfig


class DownloadsConfig(AppConfig):
    name = "rvs.downloads"
    label = "downloads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rvs.core import relays
        from rvs.downloads.services import downloads_reap

        relays.register("downloads", lambda: relays.counts_report("downloads", downloads_reap()), order=30)
