"""``manage.py import_results FILE [--report FILE]``: prints what it created, refuses with reasons."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rvs.core import ern as ern_codec
from rvs.results.models import Candidate, Result
from tests.results.test_importer import csv_bytes, row, write

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_results", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[str, str]:
    """Run expecting a refusal; the error message and what went to stderr."""
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_results", *args, stdout=io.StringIO(), stderr=err)
    return str(info.value), err.getvalue()


class TestImportCommand:
    def test_it_prints_the_erns_it_created(self, tmp_path: Path) -> None:
        path = write(tmp_path, [row(), row(candidate_id="ABC000002")])
        out, err = run(str(path))
        results = {result.candidate.candidate_number: result for result in Result.objects.all()}
        assert err == ""
        assert f"line 2: {results['ABC123456'].ern_display}  ABC123456  B2 First  2025-06-14" in out
        assert f"line 3: {results['ABC000002'].ern_display}  ABC000002  B2 First  2025-06-14" in out
        assert "Imported 2 result(s); 0 already present and unchanged." in out

    def test_it_prints_no_erns_the_second_time(self, tmp_path: Path) -> None:
        path = write(tmp_path, [row()])
        run(str(path))
        out, _ = run(str(path))
        assert Result.objects.get().ern_display not in out
        assert "Imported 0 result(s); 1 already present and unchanged." in out

    def test_it_writes_the_report_as_csv(self, tmp_path: Path) -> None:
        path = write(tmp_path, [row(), row(candidate_id="ABC000002", exam="C1 Advanced")])
        report = tmp_path / "out" / "report.csv"
        report.parent.mkdir()
        out, _ = run(str(path), "--report", str(report))
        lines = list(csv.DictReader(report.open(encoding="utf-8", newline="")))
        assert [(line["line"], line["candidate_id"], line["exam"]) for line in lines] == [
            ("2", "ABC123456", "B2 First"),
            ("3", "ABC000002", "C1 Advanced"),
        ]
        for line in lines:
            result = Result.objects.get(ern=ern_codec.normalise(line["reference_number"]))
            assert result.candidate.candidate_number == line["candidate_id"]
            assert line["exam_date"] == "2025-06-14"
        assert "Imported 2 result(s)" in out

    def test_it_refuses_a_bad_file_with_every_error_on_stderr(self, tmp_path: Path) -> None:
        path = write(tmp_path, [row(reading="300"), row(candidate_id="ABC000002", exam="CELTA")])
        message, err = refused(str(path))
        assert message == "2 problem(s) found; nothing was imported."
        assert "results.csv: line 2, column 13 (reading): Reading score 300 is outside 80-190" in err
        assert "results.csv: line 3, column 7 (exam): CELTA cannot be verified on this service" in err
        assert not Result.objects.exists()
        assert not Candidate.objects.exists()

    def test_it_places_a_bad_byte_on_stderr(self, tmp_path: Path) -> None:
        path = write(tmp_path, csv_bytes([row(last_name="Muller")]).replace(b"Muller", b"M\xfcller"))
        _, err = refused(str(path))
        assert "line 2, column 4 (last_name): byte 0xFC at character" in err

    def test_it_keeps_an_old_report_when_refusing(self, tmp_path: Path) -> None:
        report = tmp_path / "report.csv"
        report.write_text("line,reference_number\n2,OLD\n", encoding="utf-8")
        refused(str(write(tmp_path, [row(reading="300")])), "--report", str(report))
        assert report.read_text(encoding="utf-8") == "line,reference_number\n2,OLD\n"

    def test_it_leaves_no_empty_report_when_refusing(self, tmp_path: Path) -> None:
        report = tmp_path / "report.csv"
        refused(str(write(tmp_path, [row(reading="300")])), "--report", str(report))
        assert not report.exists()

    def test_it_imports_nothing_when_the_report_cannot_be_written(self, tmp_path: Path) -> None:
        path = write(tmp_path, [row()])
        message, _ = refused(str(path), "--report", str(tmp_path / "missing-folder" / "report.csv"))
        assert "nothing was imported" in message
        assert not Result.objects.exists()

    def test_it_says_when_the_file_cannot_be_read(self, tmp_path: Path) -> None:
        message, _ = refused(str(tmp_path / "nowhere.csv"))
        assert "nowhere.csv" in message
        assert "No such file" in message
