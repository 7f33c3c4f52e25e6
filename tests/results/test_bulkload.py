"""The import's bulk path: files written a chunk at a time by the background writer, as for a large file.

The chunk size and the ORM limit are lowered so a few rows take the path a million do.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rvs.exams.models import Exam
from rvs.exams.scoring import ScoreError, compute, scheme_for
from rvs.results import bulkload, importer
from rvs.results.importer import ImportRejected, results_import
from rvs.results.importer import run as import_run
from rvs.results.importer import scores as import_scores
from rvs.results.importer import write as import_write
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from tests.results.test_importer import B2_SCORES, counts, csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(monkeypatch: Any) -> None:
    monkeypatch.setattr(import_run, "STREAM_CHUNK", 3)
    monkeypatch.setattr(import_write, "ORM_WRITE_LIMIT", 0)


def people(count: int, **values: str) -> list[dict[str, str]]:
    return [row(candidate_id=f"ABC{n:06d}", **B2_SCORES, **values) for n in range(count)]


def test_it_writes_every_chunk_and_a_candidate_met_again_in_a_later_one(small_chunks: None) -> None:
    rows = people(7)
    rows.append(row(candidate_id="ABC000001", exam="C1 Advanced", exam_date="2024-06-14", **B2_SCORES))
    report = results_import(actor="test", data=csv_bytes(rows))
    assert (len(report.created), report.unchanged) == (8, 0)
    assert (Candidate.objects.count(), Result.objects.count(), ComponentScore.objects.count()) == (7, 8, 40)
    twice = Candidate.objects.get(candidate_number="ABC000001")
    assert twice.results.count() == 2
    assert [line for line, _ in report.created] == list(range(2, 10))
    stored = Result.objects.get(ern=report.created[7][1].ern)
    assert (stored.public_id, stored.candidate_id) == (report.created[7][1].public_id, twice.pk)
    assert stored.public_id.version == 4


def test_a_chunk_with_a_photo_among_rows_made_ready_early_is_written_as_reported(
    small_chunks: None, tmp_path: Any
) -> None:
    """The rows of a chunk get their COPY pieces before its look-ups; a photo in the chunk gives every row
    its identifiers again (the photo is stored under its public id): the database holds what the report says."""
    from tests.results.test_importer import image

    image(tmp_path / "photos" / "zoe.png", "PNG")
    rows = people(5)
    rows[4] = row(candidate_id="ABC000004", photo="photos/zoe.png", **B2_SCORES)  # in the second chunk of three
    rows.append(row(candidate_id="ABC000000", exam="C1 Advanced", exam_date="2024-06-14", **B2_SCORES))
    rows.append(row(candidate_id="ABC000005", reference_number="", **B2_SCORES))
    report = results_import(actor="test", data=csv_bytes(rows), base_dir=tmp_path)
    assert len(report.created) == 7
    for _, reported in report.created:
        stored = Result.objects.select_related("candidate").get(pk=reported.pk)
        assert (stored.ern, stored.public_id, stored.candidate_id, stored.photo.name) == (
            reported.ern, reported.public_id, reported.candidate_id, reported.photo.name,
        )  # fmt: skip
        assert stored.candidate.candidate_number == reported.candidate.candidate_number
    photographed = Result.objects.get(candidate__candidate_number="ABC000004")
    assert str(photographed.public_id) in photographed.photo.name
    assert Result.objects.exclude(photo="").count() == 1
    tokens = set(CandidateNameToken.objects.values_list("candidate__candidate_number", "token"))
    assert len(tokens) == 2 * Candidate.objects.count()  # each candidate's two name words


def test_it_writes_nothing_when_a_later_chunk_has_a_problem(small_chunks: None) -> None:
    rows = people(8)
    rows[6]["reading"] = "lots"
    before = counts()
    with pytest.raises(ImportRejected) as info:
        results_import(actor="test", data=csv_bytes(rows))
    assert [(error.line, error.column) for error in info.value.errors] == [(8, "reading")]
    assert counts() == before


def test_it_reports_a_conflict_with_the_records_found_in_a_later_chunk(small_chunks: None) -> None:
    results_import(actor="test", data=csv_bytes(people(2)))
    again = people(8)
    again[1]["reading"] = "150"  # a change to a result on record, in the first chunk
    again[7]["last_name"] = "Other"  # a candidate differs from the rows before, in the last chunk
    again[7].update(candidate_id="ABC000000", exam="C1 Advanced", exam_date="2024-06-14")
    before = counts()
    with pytest.raises(ImportRejected) as info:
        results_import(actor="test", data=csv_bytes(again))
    assert {(error.line, error.column) for error in info.value.errors} == {(9, "last_name")}, (
        "the file's own problems come first, as when it is read whole"
    )
    del again[7]
    with pytest.raises(ImportRejected) as info:
        results_import(actor="test", data=csv_bytes(again))
    assert {(error.line, error.column) for error in info.value.errors} == {(3, "reading")}
    assert counts() == before


def test_it_changes_nothing_when_the_same_file_comes_again(small_chunks: None) -> None:
    data = csv_bytes(people(7))
    results_import(actor="test", data=data)
    before = counts()
    report = results_import(actor="test", data=data)
    assert (len(report.created), report.unchanged) == (0, 7)
    assert counts() == before


def test_it_keeps_text_with_tabs_backslashes_and_line_breaks(small_chunks: None) -> None:
    names = ["Tab\there", "Back\\slash", "Line\nbreak", "Ünïcode ő"]  # \r: see test_copy_lines_escape
    rows = [row(candidate_id=f"ABC{n:06d}", first_name=name, **B2_SCORES) for n, name in enumerate(names)]
    results_import(actor="test", data=csv_bytes(rows))
    stored = dict(Candidate.objects.values_list("candidate_number", "first_name"))
    assert [stored[f"ABC{n:06d}"] for n in range(len(names))] == [name.strip() for name in names]
    assert CandidateNameToken.objects.filter(token="backslash").count() == 0
    assert CandidateNameToken.objects.filter(token="slash").count() == 1
    assert Centre.objects.count() == 1


def test_it_reports_progress_of_parse_and_write(small_chunks: None) -> None:
    seen: list[tuple[str, int, int]] = []
    results_import(actor="test", data=csv_bytes(people(7)), progress=lambda *event: seen.append(event))
    phases = [phase for phase, _, _ in seen]
    assert phases[0] == importer.PHASE_PARSE
    assert phases.count(importer.PHASE_WRITE) >= 3, "after each chunk"
    assert seen[-1] == (importer.PHASE_WRITE, seen[-1][2], seen[-1][2])


def test_a_failed_background_write_is_raised_and_writes_nothing(small_chunks: None, monkeypatch: Any) -> None:
    real = bulkload.insert_rows

    def failing(model: Any, fields: list[str], rows: Any) -> None:
        if model is ComponentScore:
            rows = [(*values[:-1], -5) for values in rows]  # a negative score breaks a CHECK constraint
        real(model, fields, rows)

    real_text = bulkload.copy_text

    def failing_text(model: Any, fields: list[str], blocks: Any) -> None:
        if model is ComponentScore:  # the same broken score in COPY's text (PostgreSQL)
            real_blocks = blocks

            def blocks() -> Any:
                for text in real_blocks():
                    yield "".join(f"{line.rsplit(chr(9), 1)[0]}\t-5\n" for line in text.splitlines())

        real_text(model, fields, blocks)

    monkeypatch.setattr(bulkload, "insert_rows", failing)
    monkeypatch.setattr(bulkload, "copy_text", failing_text)
    interval = sys.getswitchinterval()
    before = counts()
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        results_import(actor="test", data=csv_bytes(people(7)))
    assert counts() == before
    assert bulkload._current is None
    assert sys.getswitchinterval() == interval, "the import leaves the GIL's switch interval alone (decision 0020)"


def test_uuid4_hexes_are_version_4_uuids() -> None:
    values = bulkload.uuid4_hexes(200)
    assert len(set(values)) == 200
    for value in values:
        parsed = uuid.UUID(value)
        assert (parsed.hex, parsed.version, parsed.variant) == (value, 4, uuid.RFC_4122)


def test_a_small_chunk_with_more_scores_than_the_orm_limit_writes_them_as_plain_rows(monkeypatch: Any) -> None:
    """Component scores of a chunk small enough for the ORM but over its limit: plain rows (``insert_rows``, COPY
    text on PostgreSQL), the same as the ORM writes."""
    data = csv_bytes([row(candidate_id="ABC000001", first_name="Tab\there", **B2_SCORES)])
    fields = ("result__candidate__candidate_number", "position", "code", "label", "score")
    with transaction.atomic():
        results_import(actor="test", data=data)
        by_orm = sorted(ComponentScore.objects.values_list(*fields))
        transaction.set_rollback(True)
    monkeypatch.setattr(import_write, "ORM_WRITE_LIMIT", len(B2_SCORES) - 1)
    written: list[Any] = []
    real = bulkload.insert_rows

    def insert_rows(model: Any, names: list[str], rows: Any) -> None:
        written.append(model)
        real(model, names, rows)

    monkeypatch.setattr(bulkload, "insert_rows", insert_rows)
    results_import(actor="test", data=data)
    assert written == [ComponentScore]
    assert sorted(ComponentScore.objects.values_list(*fields)) == by_orm
    assert len(by_orm) == len(B2_SCORES)


def test_copy_lines_escape_text_and_write_null() -> None:
    fields = [ComponentScore._meta.get_field(name) for name in ("result_id", "code", "score")]
    line = bulkload._copy_line(fields)  # type: ignore[arg-type]
    assert line((7, "a\tb\\c\nd\re", None)) == "7\ta\\tb\\\\c\\nd\\re\t\\N\n"
    assert line((7, "reading", 150)) == "7\treading\t150\n"


def test_the_foreign_key_checks_come_back_after_the_import(small_chunks: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("session_replication_role is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    results_import(actor="test", data=csv_bytes(people(4)))
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "off", "for the rest of this (test's) transaction only"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_plain_score_path_gives_what_compute_gives(data: Any) -> None:
    exam = data.draw(st.sampled_from([exam for exam in Exam.objects.all() if exam.verifiable]))
    exam_date = data.draw(st.sampled_from([dt.date(2015, 1, 1), dt.date(2020, 6, 1), dt.date(2025, 6, 14)]))
    scheme = scheme_for(exam.scoring, exam_date)
    if scheme is None:
        return
    scoring = import_scores.Scoring(scheme, exam.pk)
    scores = [""] * len(importer.SCORE_COLUMNS)
    values: dict[str, int] = {}
    for component in scheme.components:
        value = data.draw(st.integers(min_value=scheme.component_min - 5, max_value=scheme.scale_max + 5))
        scores[importer.SCORE_COLUMNS.index(component.code)] = str(value)
        values[component.code] = value
    plain = scoring._plain(scores)
    try:
        expected = compute(scheme, values)
    except ScoreError:
        assert plain is None, "out of the scale: the full path reports it"
        return
    assert plain == expected


def test_a_user_trigger_keeps_the_foreign_key_checks_on() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("session_replication_role is PostgreSQL's")
    with bulkload.bulk_session() as replica:
        assert replica, "the test database's role may skip them"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION rvs_test_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER rvs_test_noop BEFORE INSERT ON results_centre FOR EACH ROW EXECUTE FUNCTION rvs_test_noop()"
        )
    with bulkload.bulk_session() as replica:
        assert not replica, "a trigger someone relies on would not fire"
