from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rvs.results.importer import ImportRejected, results_import


class Command(BaseCommand):
    help = "Import exam results from a CSV file, all or nothing, and print the ERNs created."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="results CSV (UTF-8, with or without BOM)")
        parser.add_argument("--report", type=Path, default=None, help="write the created ERNs to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        try:
            report = results_import(actor="command-line", data=data, base_dir=path.parent, source=path.name)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"{len(exc.errors)} problem(s) found; nothing was imported.") from None
        lines = [
            f"line {line}: {result.ern_display}  {result.candidate.candidate_number}  {result.exam.name}  {result.exam_date}"
            for line, result in report.created
        ]
        if options["report"]:
            with options["report"].open("w", encoding="utf-8") as out:
                out.write("line,reference_number,candidate_id,exam,exam_date\n")
                for line, result in report.created:
                    out.write(f"{line},{result.ern_display},{result.candidate.candidate_number},{result.exam.name},{result.exam_date}\n")
        else:
            for text in lines:
                self.stdout.write(text)
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(report.created)} result(s); {report.unchanged} already present and unchanged.")
        )
