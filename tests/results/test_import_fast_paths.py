"""The import's fast paths give what the general code gives: scoring by version, the cyclic garbage collector
left as it was, the bulk write. (ERNs by column: tests/core/test_ern.py; Secret Number hashes:
tests/results/test_secret_numbers.py.)"""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import pytest

from rvs.core import ern as ern_codec
from rvs.exams.models import Exam
from rvs.exams.scoring import compute, scheme_for
from rvs.results import importer
from rvs.results.importer import ImportRejected, results_import
from rvs.results.importer import checks as import_checks
from rvs.results.importer import row as import_row
from rvs.results.importer import run as import_run
from rvs.results.importer import write as import_write
from rvs.results.services import secret_number_hash
from tests.results.test_importer import B2_SCORES, csv_bytes, row

LENGTH = ern_codec.RANDOM_LENGTH


@pytest.mark.django_db
def test_one_scoring_per_version_of_the_rules() -> None:
    parser = import_row.Parser(list(importer.COLUMNS), None)
    for exam in Exam.objects.filter(verifiable=True):
        for day in (dt.date(2014, 1, 1), dt.date(2019, 3, 2), dt.date(2020, 6, 1), dt.date(2025, 6, 14)):
            scoring = parser.scoring(exam, day)
            scheme = scheme_for(exam.scoring, day)
            assert (scoring.scheme if scoring else None) == scheme
            if scoring and scheme:
                values = {component.code: scheme.scale_max for component in scheme.components}
                scores = [""] * len(importer.SCORE_COLUMNS)
                for code, value in values.items():
                    scores[importer.SCORE_COLUMNS.index(code)] = str(value)
                assert scoring.outcome(scores, "", lambda column, message: None) == compute(scheme, values)
    schemes = {id(scoring) for scoring in parser.rules.schemes.values() if scoring}
    assert len(schemes) == len([scoring for scoring in parser.rules.versions.values() if scoring])


@pytest.mark.django_db
@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(enabled: bool, monkeypatch: Any) -> None:
    seen: list[bool] = []
    real = import_checks.Checker.chunk

    def chunk(self: Any, rows: Any) -> Any:
        seen.append(gc.isenabled())
        return real(self, rows)

    monkeypatch.setattr(import_checks.Checker, "chunk", chunk)
    (gc.enable if enabled else gc.disable)()
    try:
        rows = [row(candidate_id=f"ABC{n:06d}", **B2_SCORES) for n in range(3)]
        results_import(actor="test", data=csv_bytes(rows))
        assert seen == [False], "off while importing"
        assert gc.isenabled() is enabled
        rows[1]["reading"] = "lots"
        with pytest.raises(ImportRejected):
            results_import(actor="test", data=csv_bytes(rows))
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 5_500, 5_501, 23_456])
def test_blocks_cover_every_row_once_a_small_one_first(count: int) -> None:
    from rvs.results import bulkload

    bounds = list(bulkload.blocks(count))
    assert [row for start, stop in bounds for row in range(start, stop)] == list(range(count))
    assert all(stop - start <= bulkload.BLOCK for start, stop in bounds)
    if count:
        assert bounds[0][1] == min(count, bulkload.FIRST_BLOCK)


@pytest.mark.django_db
def test_the_bulk_path_stores_what_the_report_gives(monkeypatch: Any) -> None:
    """Ids, public ids, ERNs, dates, timestamps, a status without a score and text with tabs and backslashes,
    as each engine's bulk path writes them (COPY's binary and text formats on PostgreSQL)."""
    from rvs.results.models import Candidate, ComponentScore, Result

    monkeypatch.setattr(import_write, "ORM_WRITE_LIMIT", 0)
    monkeypatch.setattr(import_run, "STREAM_CHUNK", 2)
    rows = [row(candidate_id=f"ABC{n:06d}", **B2_SCORES) for n in range(5)]
    rows[1] = row(candidate_id="ABC000001", status="Pending")
    rows[2]["first_name"], rows[2]["last_name"] = "Tab\tand \\ back", "Ünïcode-ő"
    rows[3]["date_of_birth"], rows[3]["exam_date"] = "2000-01-01", "2019-12-31"
    rows[4]["reference_number"] = ern_codec.generate()
    report = results_import(actor="test", data=csv_bytes(rows))
    assert len(report.created) == 5
    for line, made in report.created:
        stored = Result.objects.select_related("candidate").get(pk=made.pk)
        for name in ("public_id", "ern", "exam_date", "status", "overall_score", "grade", "cefr", "result_label",
                     "photo", "created_at", "updated_at", "candidate_id", "exam_id", "centre_id"):  # fmt: skip
            assert getattr(stored, name) == getattr(made, name), (line, name)
        candidate = made.candidate
        for name in ("candidate_number", "first_name", "last_name", "date_of_birth", "email"):
            assert getattr(stored.candidate, name) == getattr(candidate, name), (line, name)
        assert stored.candidate.created_at == stored.created_at
        assert stored.candidate.secret_hash == secret_number_hash(candidate.candidate_number, "0421")
    assert Result.objects.get(candidate__candidate_number="ABC000001").overall_score is None
    assert Result.objects.get(ern=rows[4]["reference_number"])
    assert Candidate.objects.get(candidate_number="ABC000002").first_name == "Tab\tand \\ back"
    assert ComponentScore.objects.count() == 4 * 5
    again = results_import(actor="test", data=csv_bytes(rows))
    assert (len(again.created), again.unchanged) == (0, 5)
