from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rvs.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a folder written by 'manage.py backup': the database (into an empty PostgreSQL "
        "database, or over the SQLite file: stop the service first), MEDIA_ROOT and the keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="an rvs-backup-<time>/ folder")
        parser.add_argument("--database-url", help="restore into this database instead of DATABASE_URL")
        parser.add_argument("--media-root", type=Path, help="unpack files here instead of MEDIA_ROOT")
        parser.add_argument("--no-keys", action="store_true", help="leave the key files as they are")
        parser.add_argument("--yes", action="store_true", help="confirm: the target database is overwritten")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("Restoring overwrites the target database and files: add --yes to go on.")
        try:
            done = restore(
                options["folder"],
                database_url=options["database_url"],
                media_root=options["media_root"],
                keys=not options["no_keys"],
            )
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {done['tables']} tables ({done['rows']} rows, the same as in the backup), "
            f"{done['files']} file(s) and {done['keys']} key file(s)."
        )
