from __future__ import annotations

import csv
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
        report_path: Path | None = options["report"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        # Check the report can be written before importing: once the import is committed, its new
        # ERNs must not be lost to a report that cannot be written. "a" leaves an old report intact.
        created_report = False
        if report_path is not None:
            try:
                created_report = not report_path.exists()
                report_path.open("a", encoding="utf-8").close()
            except OSError as exc:
                raise CommandError(f"{report_path}: {exc.strerror}; nothing was imported.") from None
        try:
            report = results_import(actor="command-line", data=data, base_dir=path.parent, source=path.name)
        except BaseException as exc:
            if created_report and report_path is not None:
                report_path.unlink(missing_ok=True)
            if not isinstance(exc, ImportRejected):
                raise
            for error in exc.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"{len(exc.errors)} problem(s) found; nothing was imported.") from None
        if report_path is not None:
            with report_path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "reference_number", "candidate_id", "exam", "exam_date"])
                for line, result in report.created:
                    writer.writerow(
                        [
                            line,
                            result.ern_display,
                            result.candidate.candidate_number,
                            result.exam.name,
                            result.exam_date,
                        ]
                    )
        else:
            for line, result in report.created:
                self.stdout.write(
                    f"line {line}: {result.ern_display}  {result.candidate.candidate_number}  "
                    f"{result.exam.name}  {result.exam_date}"
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(report.created)} result(s); {report.unchanged} already present and unchanged."
            )
        )
