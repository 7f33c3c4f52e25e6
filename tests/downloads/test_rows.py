"""The data files' read path (``rows.data_table``) against the reference cells, and requirement columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from rvs.downloads import services
from rvs.downloads.exporters import EXPORTERS, neutralise
from rvs.downloads.fields import DEFAULT_FIELDS, FIELDS, requirement_key
from rvs.downloads.models import DownloadTemplate
from rvs.downloads.rows import data_table
from rvs.downloads.selectors import results_in_order
from rvs.exams.models import Exam
from rvs.requirements import services as requirement_services
from rvs.requirements.models import EntryRequirement
from rvs.results.models import ComponentScore, Result
from tests.conftest import client_for
from tests.factories import CentreFactory, ResultFactory, ShareFactory

pytestmark = pytest.mark.django_db

STRONG = {"reading": 185, "use_of_english": 190, "writing": 172, "listening": 180, "speaking": 178}


def _varied() -> list[Result]:
    """Results of every shape a data file meets: scored, withheld, pending, absent, odd text, gaps."""
    recent = dt.date.today() - dt.timedelta(days=40)
    results = [
        ResultFactory(scores=STRONG, exam_date=recent),
        ResultFactory(scores={**STRONG, "writing": 160}, exam_date=recent, candidate__email=""),
        ResultFactory(forced_status="withheld"),
        ResultFactory(forced_status="pending", candidate__first_name="Søren", candidate__last_name="Ørsted"),
        ResultFactory(scores={**STRONG, "speaking": "X"}, candidate__last_name="Nguyễn"),  # absent from a part
        ResultFactory(
            exam=Exam.objects.get(code="a2-key"), scores={"reading_and_writing": 130, "listening": 125, "speaking": 140}
        ),
        ResultFactory(
            exam=Exam.objects.get(code="c1-advanced"),
            exam_date=dt.date(2019, 6, 1),
            candidate__first_name="=HYPERLINK(1)",
            candidate__last_name="@Иванов",
            candidate__candidate_number="-12",
            centre=CentreFactory(name="+Centre", city="\tCity", country="=Country"),
        ),
        ResultFactory(scores=STRONG, candidate__first_name="Missing", candidate__last_name="Writing"),
    ]
    ComponentScore.objects.filter(result=results[-1], code="writing").delete()
    Result.objects.filter(pk=results[0].pk).update(grade="")  # the grade falls back to the result label
    return results


def _reference(ids: list[int], keys: list[str]) -> list[tuple[Any, ...]]:
    """The cells as the exporters made them before the fast path: per model instance, then neutralised."""
    return [tuple(neutralise(FIELDS[key].value(result)) for key in keys) for result in results_in_order(ids)]


class TestSameCellsAsTheReference:
    def test_every_field_of_varied_results(self) -> None:
        ids = [result.pk for result in _varied()]
        ids = [*ids[::-1], 10**9]  # any order; an id that no longer exists is skipped
        expected = _reference(ids, DEFAULT_FIELDS)
        assert len(expected) == len(ids) - 1
        table = data_table(ids, DEFAULT_FIELDS)
        assert table.header == [FIELDS[key].label for key in DEFAULT_FIELDS]
        assert list(table.rows) == expected
        # Spot checks that the reference itself says what it should.
        by_name = {row[1]: row for row in expected}
        assert by_name["'=HYPERLINK(1)"][0] == "'@Иванов"
        assert by_name["'=HYPERLINK(1)"][3] == "'-12"
        assert by_name["'=HYPERLINK(1)"][7:11] == (
            "'+Centre",
            "GB" + by_name["'=HYPERLINK(1)"][8][2:],
            "'\tCity",
            "'=Country",
        )
        assert by_name["Missing"][DEFAULT_FIELDS.index("writing")] is None
        assert by_name["Missing"][DEFAULT_FIELDS.index("reading")] == 185

    def test_a_template_subset_in_its_own_order(self) -> None:
        ids = [result.pk for result in _varied()]
        for keys in (["grade"], ["ern", "last_name", "writing", "status", "overall_score"], DEFAULT_FIELDS[::-1]):
            assert list(data_table(ids, keys).rows) == _reference(ids, keys), keys

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_the_file_is_the_one_the_reference_writes(self, fmt: str) -> None:
        ids = [result.pk for result in _varied()]
        ours = io.BytesIO()
        assert EXPORTERS[fmt].render(data_table(ids, DEFAULT_FIELDS), ours, progress=lambda done: None) == len(ids)
        if fmt == "csv":
            reference = io.StringIO(newline="")
            writer = csv.writer(reference)
            writer.writerow([FIELDS[key].label for key in DEFAULT_FIELDS])
            writer.writerows(["" if cell is None else cell for cell in row] for row in _reference(ids, DEFAULT_FIELDS))
            assert ours.getvalue() == b"\xef\xbb\xbf" + reference.getvalue().encode()
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(ours.getvalue()), read_only=True).active
            cells = [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
            assert cells == _reference(ids, DEFAULT_FIELDS)  # an empty text stays an (empty) text cell


def _csv_reference(header: list[str], rows: list[tuple[Any, ...]]) -> bytes:
    reference = io.StringIO(newline="")
    writer = csv.writer(reference)
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return b"\xef\xbb\xbf" + reference.getvalue().encode()


class TestCsvText:
    """CSV reads the cells as text made by the database and joins plain rows itself: same bytes as csv.writer."""

    def test_the_lines_are_the_reference_cells_as_csv_writer_writes_them(self) -> None:
        ids = [result.pk for result in _varied()]
        for keys in (DEFAULT_FIELDS, ["writing", "ern"], ["overall_score"], ["first_name", "last_name"]):
            table = data_table(ids, keys)
            assert table.csv_lines is not None
            expected = _csv_reference(["-"], _reference(ids, keys)).decode("utf-8-sig").split("\r\n")[1:-1]
            assert list(table.csv_lines()) == expected, keys

    def test_cells_that_need_quoting_are_quoted_as_csv_writer_quotes_them(self) -> None:
        results = _varied()
        results += [
            ResultFactory(candidate__last_name='O"Brien', candidate__first_name="Anne, Marie"),
            ResultFactory(candidate__last_name="Smith,-Jones", candidate__first_name="Ann,=1"),
            ResultFactory(candidate__last_name="Tab\tinside", candidate__email="a@b.example"),
            ResultFactory(candidate__last_name="Line\nbreak", centre=CentreFactory(name="Carriage\rreturn")),
            ResultFactory(candidate__last_name="-1,5", candidate__email=""),
            ResultFactory(candidate__first_name=" spaced "),
        ]
        if connection.vendor == "sqlite":  # PostgreSQL text cannot hold NUL
            results.append(ResultFactory(candidate__last_name="Nul\x00in the middle"))
        ids = [result.pk for result in results]
        for keys in (DEFAULT_FIELDS, ["last_name"], ["email"], ["email", "first_name"], DEFAULT_FIELDS[::-1]):
            ours = io.BytesIO()
            assert EXPORTERS["csv"].render(data_table(ids, keys), ours, progress=lambda done: None) == len(ids)
            assert ours.getvalue() == _csv_reference([FIELDS[key].label for key in keys], _reference(ids, keys)), keys

    def test_lines_made_by_the_database_and_rows_made_from_cells_mix_in_the_order_asked_for(self) -> None:
        """Empty cells, odd first characters, text past a NUL, missing ids and chunks: each row as csv.writer has it."""
        results = [
            ResultFactory(candidate__last_name="=SUM(A1)"),  # a formula: from cells, neutralised
            ResultFactory(candidate__last_name=""),  # alone in a column: csv.writer writes ""
            ResultFactory(candidate__last_name="Plain"),
            ResultFactory(candidate__last_name="(Brackets)"),  # below "A", no trigger: from cells, unchanged
            ResultFactory(candidate__last_name="2nd", forced_status="withheld"),  # a digit; shows no scores
            ResultFactory(candidate__last_name="Ærø", centre=CentreFactory(name="-Centre")),  # a trigger in a join
        ]
        if connection.vendor == "sqlite":  # PostgreSQL text cannot hold NUL; printf would stop at it
            results.append(ResultFactory(candidate__last_name="Ok", centre=CentreFactory(city="Nul\x00city")))
        ids = [result.pk for result in results]
        ids = [10**9, *ids[::-1], 10**9 + 1, *ids]  # ids no longer on record are left out, repeats kept
        for keys in (["last_name"], ["last_name", "place_of_entry", "status", "overall_score"], DEFAULT_FIELDS):
            table = data_table(ids, keys)
            assert table.csv_lines is not None
            expected = _csv_reference(["-"], _reference(ids, keys)).decode("utf-8-sig").split("\r\n")[1:-1]
            assert list(table.csv_lines()) == expected, keys
            assert len(expected) == 2 * len(results)

    def test_chunks_of_the_query_each_keep_their_order(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from rvs.downloads import rows

        monkeypatch.setattr(rows, "CHUNK", 3)
        results = [ResultFactory(candidate__last_name=name) for name in ("Bea", "=x", "Al", "Cy", "", "Di", "Ed")]
        ids = [result.pk for result in results][::-1]
        for keys in (["last_name"], DEFAULT_FIELDS):
            expected = _csv_reference(["-"], _reference(ids, keys)).decode("utf-8-sig").split("\r\n")[1:-1]
            assert list(data_table(ids, keys).csv_lines()) == expected  # type: ignore[misc]

    def test_with_requirement_columns_every_row_goes_through_csv_writer(self, org_a: Any) -> None:
        requirement = _requirement(org_a)
        ids = [result.pk for result in _varied()]
        keys = ["last_name", requirement_key(requirement), "grade"]
        table = data_table(ids, keys, organisation=org_a)
        assert table.csv_lines is None
        ours = io.BytesIO()
        EXPORTERS["csv"].render(table, ours, progress=lambda done: None)
        lines = list(csv.reader(io.StringIO(ours.getvalue().decode("utf-8-sig"))))
        assert lines[0] == ["Surname", "Meets: MSc entry", "Grade"]
        assert len(lines) == len(ids) + 1


def _requirement(org: Any, name: str = "MSc entry") -> EntryRequirement:
    requirement = EntryRequirement.objects.create(
        organisation=org, name=name, min_overall=176, min_component=169, within_years=2
    )
    requirement.exams.set(Exam.objects.filter(code__in=["b2-first", "c1-advanced", "c2-proficiency"]))
    return requirement


def _rows_of(response: Any, fmt: str) -> list[list[Any]]:
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]


class TestRequirementColumns:
    def test_the_verdict_is_a_column_of_a_template(self, primary: Any, org_a: Any) -> None:
        requirement = _requirement(org_a)
        client = client_for(primary)
        form = client.get(reverse("downloads:template_new")).content.decode()
        key = requirement_key(requirement)
        assert f'<label for="include_{key}">Meets: MSc entry</label>' in form
        response = client.post(
            reverse("downloads:template_new"),
            {"name": "Verdicts", "include_last_name": "on", "position_last_name": "1",
             f"include_{key}": "on", f"position_{key}": "2", "include_grade": "on", "position_grade": "3"},
        )  # fmt: skip
        assert response.status_code == 302
        template = DownloadTemplate.objects.get(name="Verdicts")
        assert template.fields == ["last_name", key, "grade"]
        results = _varied()
        shares = [ShareFactory(organisation=org_a, result=result) for result in results]
        for fmt in ("csv", "xlsx"):
            data = {"format": fmt, "template": str(template.public_id), "results": [str(r.public_id) for r in results]}
            table = _rows_of(client.post(reverse("downloads:create"), data), fmt)
            assert table[0] == ["Surname", "Meets: MSc entry", "Grade"]
            verdicts = [row[1] for row in table[1:]]
            assert len(verdicts) == len(shares)
            assert verdicts[0] == "met"
            assert verdicts[1] == "not met: Writing 160 is below 169"
            assert verdicts[3] == "not met: no scores are reported for this result"  # pending
            assert verdicts[5].startswith("not met: A2 Key is not one of the accepted exams (B2 First, C1 Advanced")
            assert "more than 2 years ago" in verdicts[6]
            for result, verdict in zip(results_in_order([r.pk for r in results]), verdicts, strict=True):
                expected = requirement_services.check(requirement, result)
                assert verdict == ("met" if expected.met else "not met: " + "; ".join(expected.reasons))

    def test_the_default_template_holds_every_requirement_and_follows_renames(
        self, member_client: Client, org_a: Any
    ) -> None:
        requirement = _requirement(org_a)
        _requirement(org_a, "BA entry")
        share = ShareFactory(organisation=org_a, result__scores=STRONG, result__exam_date=dt.date.today())
        EntryRequirement.objects.filter(pk=requirement.pk).update(name="MSc entry (2027)")
        data = {"format": "csv", "results": [str(share.result.public_id)]}
        table = _rows_of(member_client.post(reverse("downloads:create"), data), "csv")
        assert table[0][-2:] == ["Meets: BA entry", "Meets: MSc entry (2027)"]
        assert table[0][: len(DEFAULT_FIELDS)] == [FIELDS[key].label for key in DEFAULT_FIELDS]
        assert table[1][-2:] == ["met", "met"]

    def test_a_deleted_requirement_leaves_its_column_out(self, primary: Any, org_a: Any) -> None:
        requirement = _requirement(org_a)
        template = services.template_save(
            actor=primary, organisation=org_a, name="T", fields=["last_name", requirement_key(requirement)]
        )
        requirement.delete()
        share = ShareFactory(organisation=org_a)
        data = {"format": "xlsx", "template": str(template.public_id), "results": [str(share.result.public_id)]}
        table = _rows_of(client_for(primary).post(reverse("downloads:create"), data), "xlsx")
        assert table == [["Surname"], ["Wójcik"]]

    def test_another_organisations_requirement_cannot_be_a_column(self, primary: Any, org_a: Any, org_b: Any) -> None:
        theirs = _requirement(org_b)
        with pytest.raises(ValidationError, match="Unknown field"):
            services.template_save(
                actor=primary, organisation=org_a, name="T", fields=["last_name", requirement_key(theirs)]
            )
        # Nor does it appear in a file when slipped into the columns of a download.
        share = ShareFactory(organisation=org_a)
        table = data_table([share.result.pk], ["last_name", requirement_key(theirs)], organisation=org_a)
        assert table.header == ["Surname"]
        assert list(table.rows) == [("Wójcik",)]


class TestApi:
    def test_the_template_list_gives_each_templates_columns_with_the_verdicts(
        self, primary: Any, org_a: Any, org_b: Any
    ) -> None:
        from rvs.api import keys
        from tests.api.conftest import api_client

        requirement = _requirement(org_a)
        _requirement(org_b, "Theirs")
        key = requirement_key(requirement)
        services.template_save(actor=primary, organisation=org_a, name="Verdicts", fields=[key, "last_name"])
        _, secret = keys.key_create(actor=primary, organisation=org_a, name="CRM", scope="read")
        response = api_client(secret).get(reverse("api:templates"))
        assert response.status_code == 200
        default, mine = response.json()
        assert default["id"] is None
        assert default["fields"] == [*DEFAULT_FIELDS, key]
        assert default["columns"][-1] == {"key": key, "label": "Meets: MSc entry"}
        assert default["columns"][0] == {"key": "last_name", "label": "Surname"}
        assert mine["columns"] == [{"key": key, "label": "Meets: MSc entry"}, {"key": "last_name", "label": "Surname"}]
        assert "Theirs" not in response.content.decode()
        # A download through the API with that template holds the verdict column.
        share = ShareFactory(organisation=org_a, result__scores=STRONG, result__exam_date=dt.date.today())
        api = api_client(keys.key_create(actor=primary, organisation=org_a, name="W", scope="write")[1])
        created = api.post(
            reverse("api:downloads"),
            {"format": "csv", "template": mine["id"], "results": [str(share.result.public_id)]},
            format="json",
        )
        assert created.status_code in (200, 201, 202), created.content
        job = created.json()
        body = b"".join(api.get(reverse("api:download_file", args=[job["id"]])).streaming_content)
        assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == [
            ["Meets: MSc entry", "Surname"],
            ["met", "Wójcik"],
        ]
