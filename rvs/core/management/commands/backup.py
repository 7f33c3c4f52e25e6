from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rvs.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump), MEDIA_ROOT and the keys into a new "
        "folder inside DESTINATION. Safe while the service runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path, help="folder that receives rvs-backup-<time>/")
        parser.add_argument("--no-keys", action="store_true", help="leave out keys.tar.gz (signing key, secrets)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup(options["destination"], keys=not options["no_keys"])
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {folder}")
