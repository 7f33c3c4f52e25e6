"""Bulk verification: every verdict kind, the organisation's own columns kept, limits, isolation, API."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rvs.core import ern as ern_codec
from rvs.core.models import AuditEntry
from rvs.downloads.models import DownloadJob
from rvs.results.models import Result
from tests.api.conftest import api_client
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_a(org_a: Any, primary: Any) -> tuple[Any, str]:
    from rvs.api import keys

    return keys.key_create(actor=primary, organisation=org_a, name="Admissions CRM", scope="read")


@pytest.fixture
def intake() -> tuple[str, list[str]]:
    good = ResultFactory(candidate__first_name="Anna", candidate__last_name="Müller")
    wrong_dob = ResultFactory(candidate__first_name="Jon", candidate__last_name="Smith")
    wrong_name = ResultFactory(candidate__first_name="Zoë", candidate__last_name="Ørsted")
    withheld = ResultFactory(forced_status="withheld")
    withdrawn = ResultFactory()
    Result.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    unknown = ern_codec.generate()
    typo = good.ern[:-1] + ("0" if good.ern[-1] != "0" else "1")
    rows = [
        ["Applicant no", "Exam Reference Number", "Name", "Date of birth", "Programme"],
        ["A1", good.ern_display.lower(), "anna MULLER", "2000-05-17", "MSc Physics"],
        ["A2", wrong_dob.ern, "Jon Smith", "1999-01-01", "BA History"],
        ["A3", wrong_name.ern, "Someone Else", "2000-05-17", '=HYPERLINK("x")'],
        ["A4", withheld.ern, "", "", "MBA"],
        ["A5", withdrawn.ern, "", "", "MBA"],
        ["A6", unknown, "", "", "MBA"],
        ["A7", typo, "", "", "MBA"],
    ]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue(), ["verified", "mismatch", "mismatch", "withheld", "withdrawn", "not found", "not found"]


def _upload(client: Client, content: bytes, name: str = "intake.csv", fmt: str = "csv") -> Any:
    return client.post(reverse("bulk:upload"), {"applicants": SimpleUploadedFile(name, content), "format": fmt})


def _answer(client: Client, job: DownloadJob) -> list[list[str]]:
    body = b"".join(client.get(reverse("downloads:job_file", args=[job.public_id])).streaming_content)
    if job.exporter == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


class TestBulkPage:
    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_it_gives_each_row_its_verdict_and_keeps_the_organisations_columns(
        self, member_client: Client, intake: tuple[str, list[str]], fmt: str
    ) -> None:
        text, expected = intake
        response = _upload(member_client, text.encode(), fmt=fmt)
        assert response.status_code == 200
        assert "verified" in response.content.decode()
        job = DownloadJob.objects.get()
        table = _answer(member_client, job)
        assert table[0][:5] == ["Applicant no", "Exam Reference Number", "Name", "Date of birth", "Programme"]
        assert table[0][5] == "Verification"
        assert [row[5] for row in table[1:]] == expected
        assert [row[0] for row in table[1:]] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]
        assert table[1][4] == "MSc Physics"
        assert "date of birth" in table[2][6]
        assert table[3][6] == "differs: name"
        assert "Ørsted" not in table[3][6]  # the ERN alone never reveals whose result it is
        assert table[3][4].startswith("'=")  # a formula in the organisation's own column is neutralised
        assert "typing error" in table[7][6]
        assert table[1][7] == "B2 First"

    def test_it_forgives_how_names_are_written_without_revealing_the_name_held(self, member_client: Client) -> None:
        russian = ResultFactory(candidate__first_name="Александр", candidate__last_name="Иванов")
        german = ResultFactory(candidate__first_name="Jürgen Karl", candidate__last_name="Schröder")
        irish = ResultFactory(candidate__first_name="Seán", candidate__last_name="O'Brien")
        other = ResultFactory(candidate__first_name="Anna", candidate__last_name="Schmidt")
        rows = [
            ["Exam Reference Number", "Name"],
            [russian.ern, "Alexander Ivanov"],
            [german.ern, "Schroeder Juergen"],
            [irish.ern, "Sean O Brien"],
            [other.ern, "Anna Smith"],  # a different surname is still a mismatch
            [other.ern, "Ann Schmidt"],  # a prefix of the name is not enough to verify
        ]
        text = io.StringIO()
        csv.writer(text).writerows(rows)
        _upload(member_client, text.getvalue().encode())
        table = _answer(member_client, DownloadJob.objects.get())
        verdicts = [(row[2], row[3]) for row in table[1:]]
        assert verdicts[0] == (
            "verified",
            "Exam Reference Number and name match; name written differently: a spelling or transliteration variant",
        )
        assert verdicts[1][0] == "verified"
        assert "given and family names in the other order" in verdicts[1][1]
        assert "names left out" in verdicts[1][1]
        assert verdicts[2] == (
            "verified",
            "Exam Reference Number and name match; name written differently: spacing, hyphens or apostrophes differ",
        )
        assert verdicts[3] == ("mismatch", "differs: name")
        assert verdicts[4] == ("mismatch", "differs: name")
        assert not any("Иванов" in cell or "ivanov" in cell.lower() for row in table[1:] for cell in row[3:4])

    def test_it_reads_xlsx_input(self, member_client: Client, intake: tuple[str, list[str]]) -> None:
        text, expected = intake
        workbook = openpyxl.Workbook()
        for row in csv.reader(io.StringIO(text)):
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        assert _upload(member_client, buffer.getvalue(), name="intake.xlsx").status_code == 200
        assert [row[5] for row in _answer(member_client, DownloadJob.objects.get())[1:]] == expected

    def test_it_keeps_the_answer_in_download_history_and_audits_it(
        self, member_client: Client, member: Any, intake: tuple[str, list[str]]
    ) -> None:
        _upload(member_client, intake[0].encode())
        history = member_client.get(reverse("downloads:history")).content.decode()
        assert "Bulk verification (CSV)" in history
        job = DownloadJob.objects.get()
        again = member_client.post(reverse("downloads:again", args=[job.public_id]))
        assert again.status_code == 302
        assert again["Location"] == reverse("downloads:job_file", args=[job.public_id])
        entry = AuditEntry.objects.get(action="bulk.verified")
        assert entry.actor == member
        assert entry.data["counts"]["verified"] == 1

    @pytest.mark.parametrize(
        ("content", "name", "message"),
        [
            (b"Name,Programme\nAnna,MSc\n", "intake.csv", "no column of Exam Reference Numbers"),
            (b"ERN\n", "intake.csv", "has a header but no applicants"),
            (b"ERN\n\xe9\n", "intake.csv", "Line 2 is not UTF-8"),
            (b"not a zip", "intake.xlsx", "not a readable XLSX"),
        ],
    )
    def test_it_explains_bad_files(self, member_client: Client, content: bytes, name: str, message: str) -> None:
        response = _upload(member_client, content, name=name)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not DownloadJob.objects.exists()

    def test_it_limits_rows_size_and_unpacked_size(self, member_client: Client, settings: Any) -> None:
        settings.BULK_MAX_ROWS = 2
        response = _upload(member_client, b"ERN\nA\nB\nC\n")
        assert "The file has 3 lines after its header; at most 2 applicants can be checked" in response.content.decode()
        settings.BULK_MAX_BYTES = 1024
        assert (
            "The file is 2.0 kB; at most 1.0 kB can be checked."
            in _upload(member_client, b"ERN\n" + b"A" * 2000).content.decode()
        )
        settings.BULK_MAX_BYTES = 5 * 1024 * 1024
        settings.BULK_MAX_UNPACKED_BYTES = 2000
        bomb = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", "0" * 100_000)
        answer = _upload(member_client, bomb.getvalue(), name="bomb.xlsx").content.decode()
        assert "The XLSX file would unpack to 100.0 kB; at most 2.0 kB can be checked." in answer

    def test_it_limits_the_rows_an_organisation_checks_per_day(
        self, member_client: Client, settings: Any, intake: tuple[str, list[str]]
    ) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "bulk_rows_org": "10/86400"}
        assert _upload(member_client, intake[0].encode()).status_code == 200  # 7 rows
        assert _upload(member_client, intake[0].encode()).status_code == 429  # 14 > 10

    def test_it_rate_limits_per_organisation(
        self, member_client: Client, settings: Any, intake: tuple[str, list[str]]
    ) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "bulk_org": "1/3600"}
        assert _upload(member_client, intake[0].encode()).status_code == 200
        limited = _upload(member_client, intake[0].encode())
        assert limited.status_code == 429
        assert "Retry-After" in limited

    def test_it_refuses_signed_out_visitors_and_hides_answers_from_other_organisations(
        self, member_client: Client, outsider_client: Client, intake: tuple[str, list[str]]
    ) -> None:
        assert Client().get(reverse("bulk:upload")).status_code == 302
        assert Client().post(reverse("bulk:upload")).status_code == 302
        _upload(member_client, intake[0].encode())
        job = DownloadJob.objects.get()
        assert outsider_client.get(reverse("downloads:job_file", args=[job.public_id])).status_code == 404
        assert outsider_client.post(reverse("downloads:again", args=[job.public_id])).status_code == 404


class TestBulkApi:
    def test_it_gives_the_same_verdicts(self, key_a: tuple[Any, str]) -> None:
        good = ResultFactory(candidate__first_name="Anna", candidate__last_name="Müller")
        body = {
            "rows": [
                {"ern": good.ern, "name": "Anna Muller", "date_of_birth": "2000-05-17"},
                {"ern": good.ern, "date_of_birth": "1990-01-01"},
                {"ern": ern_codec.generate()},
            ]
        }
        response = api_client(key_a[1]).post(reverse("api:bulk_verify"), body, format="json")
        assert response.status_code == 200
        data = response.json()
        assert [r["verdict"] for r in data["results"]] == ["verified", "mismatch", "not found"]
        assert data["results"][0]["result_id"] == str(good.public_id)
        assert data["counts"] == {"verified": 1, "mismatch": 1, "not found": 1}

    def test_it_refuses_no_key_and_too_many_rows(self, key_a: tuple[Any, str]) -> None:
        assert api_client().post(reverse("api:bulk_verify"), {"rows": [{"ern": "x"}]}, format="json").status_code == 401
        too_many = {"rows": [{"ern": "x"}] * 1001}
        response = api_client(key_a[1]).post(reverse("api:bulk_verify"), too_many, format="json")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
