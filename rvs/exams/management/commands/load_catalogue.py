from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from rvs.exams.catalogue import sync_catalogue
from rvs.exams.models import Exam
from rvs.sharing import search_index


class Command(BaseCommand):
    help = "Create or update the exam catalogue from its data file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=None, help="catalogue JSON (default: the bundled one)")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = sync_catalogue(Exam, options["file"])
            search_index.refresh_exam_positions()  # the "exam" sort follows the catalogue's order
        self.stdout.write(f"{count} exams in the catalogue.")
