"""Bulk verification as a main tab: the sample file, its columns, the rows that did not verify (issue 17, item 8)."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rvs.bulk import problems as problems_module
from rvs.bulk.problems import PROBLEMS_SHOWN
from rvs.bulk.sample_views import SAMPLE_HEADER
from rvs.bulk.verification import read_sheet
from rvs.core import ern as ern_codec
from rvs.downloads.models import DownloadJob
from rvs.results.models import Result
from tests.conftest import client_for
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db


def _upload(client: Client, content: bytes, name: str = "intake.csv", fmt: str = "csv") -> Any:
    return client.post(reverse("bulk:upload"), {"applicants": SimpleUploadedFile(name, content), "format": fmt})


def _csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


class TestUploadPage:
    def test_the_page_describes_each_column_and_offers_the_sample(self, member: Any) -> None:
        page = client_for(member).get(reverse("bulk:upload")).content.decode()
        assert f'href="{reverse("bulk:sample")}"' in page
        assert "Download a sample file (CSV)" in page
        for column in SAMPLE_HEADER:  # the file's column names: English in every language
            assert f'<dt lang="en">{column}</dt>' in page
        assert "<dt>Any other column</dt>" in page
        assert "at most 5,000 applicants and 5.0\xa0MB" in page


class TestSampleFile:
    def test_it_has_exactly_the_columns_the_upload_reads_and_two_rows(self, member: Any) -> None:
        response = client_for(member).get(reverse("bulk:sample"))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="bulk-verification-sample.csv"'
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["Exam Reference Number", "Name", "Date of birth"]
        assert len(rows) == 3
        sheet = read_sheet(response.content, "sample.csv")
        assert (sheet.ern_column, sheet.name_columns, sheet.dob_column) == (0, [1], 2)
        assert all(ern_codec.is_valid(row[0]) for row in rows[1:])

    def test_uploaded_as_it_is_it_answers_for_both_rows(self, member: Any) -> None:
        client = client_for(member)
        page = _upload(client, client.get(reverse("bulk:sample")).content, "sample.csv").content.decode()
        assert "Your applicants have been checked" in page
        assert "2 rows did not verify" in page
        assert page.count("No result has this Exam Reference Number.") == 2


class TestRowsThatDidNotVerify:
    def test_it_lists_each_with_its_line_the_number_as_given_and_why(self, member: Any) -> None:
        good = ResultFactory(candidate__first_name="Anna", candidate__last_name="Müller")
        wrong_dob = ResultFactory(candidate__first_name="Jon", candidate__last_name="Smith")
        withdrawn = ResultFactory()
        Result.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
        content = _csv(
            [
                ["Exam Reference Number", "Name", "Date of birth"],
                [good.ern_display, "Anna Müller", good.candidate.date_of_birth.isoformat()],
                [],  # an empty line keeps the numbering of the file
                [wrong_dob.ern, "Jon Smith", "1901-01-01"],
                ["", "No Number", ""],
                ["ABC-123", "", ""],
                [withdrawn.ern, "", ""],
            ]
        )
        page = _upload(client_for(member), content).content.decode()
        assert "4 rows did not verify" in page
        body = page[page.index("<tbody>") : page.index("</tbody>")]
        rows = [
            [cell.strip() for cell in row.split("</td><td")] for row in body.split("<tr>")[1:]
        ]  # line, ERN, verdict, why
        assert [row[0].removeprefix("<td>") for row in rows] == ["4", "5", "6", "7"]
        assert wrong_dob.ern in rows[0][1]
        assert "The Exam Reference Number exists, but the date of birth given does not match the result." in rows[0][3]
        assert "(empty)" in rows[1][1]
        assert "There is no Exam Reference Number on this row." in rows[1][3]
        assert "ABC-123" in rows[2][1]
        assert "An Exam Reference Number has 18 characters; this one has 6." in rows[2][3]
        assert "The result was withdrawn by the exam board: it is no longer valid." in rows[3][3]
        assert good.ern_display not in body

    def test_it_shows_the_first_ones_and_keeps_all_in_the_answer(
        self, member: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(problems_module, "PROBLEMS_SHOWN", 3)
        rows = [["ERN", "Programme"], *([f"<b>bad-{n}</b>", "MSc"] for n in range(5))]
        client = client_for(member)
        page = _upload(client, _csv(rows), fmt="xlsx").content.decode()
        assert "5 rows did not verify" in page
        assert "The first 3 are below; all 5 are in the answer" in page
        assert page[page.index("<tbody>") : page.index("</tbody>")].count("<tr>") == 3
        assert "<b>bad-0</b>" not in page  # escaped
        assert "&lt;b&gt;bad-0&lt;/b&gt;" in page
        job = DownloadJob.objects.get()
        body = b"".join(client.get(reverse("downloads:job_file", args=[job.public_id])).streaming_content)
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert sheet is not None
        assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["not found"] * 5

    def test_it_cuts_a_long_value_given_as_a_number(self, member: Any) -> None:
        page = _upload(client_for(member), _csv([["ERN"], ["X" * 300]])).content.decode()
        assert "X" * (40 - 1) + "…" in page
        assert "X" * 41 not in page

    def test_the_default_bound_is_500(self) -> None:
        assert PROBLEMS_SHOWN == 500
