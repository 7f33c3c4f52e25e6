from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rvs.backoffice.purge import max_age, purge_stale_uploads


class Command(BaseCommand):
    help = (
        "Delete the stored files of results uploads checked but never imported (or failed and not run again) "
        "for longer than IMPORT_UPLOAD_MAX_AGE_HOURS, and mark their jobs expired. Run it daily (cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours", type=int, default=None, help="instead of IMPORT_UPLOAD_MAX_AGE_HOURS (at least 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than_hours"]
        if hours is not None and hours < 1:
            raise CommandError("--older-than-hours must be at least 1")
        age = dt.timedelta(hours=hours) if hours is not None else max_age()
        expired = purge_stale_uploads(age=age)
        self.stdout.write(f"{expired} upload(s) older than {age.total_seconds() / 3600:g} hours expired")
