"""Downloads: signed PDFs, data files read back, templates, Download History, background jobs."""

from __future__ import annotations

import csv
import errno
import io
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from rvs.core.models import AuditEntry
from rvs.downloads import services
from rvs.downloads.exporters import neutralise
from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.downloads.pdf import verification_code
from rvs.downloads.signing import signing_certificate
from rvs.sharing import search_index
from rvs.sharing.models import Share
from tests.conftest import client_for
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db

NAMES = [
    ("Łukasz", "Wójcik"),
    ("Thị Lan", "Nguyễn"),
    ("Søren", "Ørsted"),
    ("Александр", "Иванов"),
    ("Δημήτρης", "Παπαδόπουλος"),
]


@pytest.fixture(autouse=True)
def _signing_key(settings: Any, tmp_path: Path) -> None:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")


def _shares(org: Any, names: list[tuple[str, str]] = NAMES) -> list[Share]:
    return [
        ShareFactory(organisation=org, result__candidate__first_name=first, result__candidate__last_name=last)
        for first, last in names
    ]


def _download(client: Client, shares: list[Share], fmt: str, template: str = "", scope: str = "") -> Any:
    data = {"format": fmt, "template": template, "scope": scope, "results": [str(s.result.public_id) for s in shares]}
    return client.post(reverse("downloads:create"), data)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


class TestStatementPdf:
    def test_it_prints_every_name_and_detail_and_is_signed(
        self, member_client: Client, org_a: Any, tmp_path: Path
    ) -> None:
        shares = _shares(org_a)
        response = _download(member_client, shares, "pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "Wójcik" not in disposition
        data = b"".join(response.streaming_content)
        text = _pdf_text(data, tmp_path)
        for first, last in NAMES:
            assert f"{first} {last}" in text
        result = shares[0].result
        for expected in [
            result.ern_display,
            result.candidate.candidate_number,
            "17 May 2000",  # dates as people write them (decision 0031)
            "B2 First",
            "14 June 2025",
            result.centre.name,
            "Kraków, Poland",
            str(result.overall_score),
            result.cefr,
            "Use of English",
        ]:
            assert expected in text, expected
        assert text.count("Statement of Results") >= len(NAMES)

        reader = PdfFileReader(io.BytesIO(data))
        [signature] = reader.embedded_signatures
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signing_certificate()]))
        assert status.intact
        assert status.valid
        assert status.trusted

    def test_it_verifies_an_authentic_statement_and_rejects_an_altered_one(
        self, member_client: Client, org_a: Any, client: Client
    ) -> None:
        [share] = _shares(org_a, NAMES[:1])
        data = b"".join(_download(member_client, [share], "pdf").streaming_content)
        ok = client.post(reverse("verify_statement"), {"statement": io.BytesIO(data)}, format="multipart")
        page = ok.content.decode()
        assert "Authentic and valid" in page
        assert share.result.ern_display in page

        altered = bytearray(data)
        position = data.index(b"stream") + 40  # inside the first content stream, covered by the signature
        altered[position] = (altered[position] + 1) % 256
        upload = io.BytesIO(bytes(altered))
        upload.name = "statement.pdf"
        bad = client.post(reverse("verify_statement"), {"statement": upload}).content.decode()
        assert "Not authentic" in bad
        assert "Authentic and valid" not in bad

    def test_it_says_when_a_result_changed_since_the_statement(
        self, member_client: Client, org_a: Any, client: Client
    ) -> None:
        from rvs.results.models import Result

        [share] = _shares(org_a, NAMES[:1])
        data = b"".join(_download(member_client, [share], "pdf").streaming_content)
        Result.objects.filter(pk=share.result.pk).update(overall_score=150)
        upload = io.BytesIO(data)
        upload.name = "s.pdf"
        page = client.post(reverse("verify_statement"), {"statement": upload}).content.decode()
        assert "Changed since issue" in page

    def test_it_refuses_files_that_are_not_pdfs(self, client: Client) -> None:
        upload = io.BytesIO(b"hello")
        upload.name = "s.pdf"
        response = client.post(reverse("verify_statement"), {"statement": upload})
        assert response.status_code == 400
        assert "This file is not a PDF." in response.content.decode()

    def test_it_opens_the_qr_verdict_only_with_the_code(self, client: Client, share_a: Share) -> None:
        result = share_a.result
        url = reverse("verify_ern", args=[result.ern])
        page = client.get(url, {"c": verification_code(result.ern)}).content.decode()
        assert "This result is valid" in page
        assert result.candidate.full_name in page
        assert result.candidate.candidate_number not in page  # name, exam, date and scores only
        assert client.get(url, {"c": "0" * 20}).status_code == 404
        assert client.get(url).status_code == 404

    def test_it_draws_the_photo_only_when_the_candidate_shared_it(self, member_client: Client, org_a: Any) -> None:
        from PIL import Image

        from rvs.downloads.pdf import render_statements

        [share] = _shares(org_a, NAMES[:1])
        buffer = io.BytesIO()
        Image.new("RGB", (60, 80), "red").save(buffer, "JPEG")
        from django.core.files.base import ContentFile

        share.result.photo.save("p.jpg", ContentFile(buffer.getvalue()), save=True)
        without = b"".join(_download(member_client, [share], "pdf").streaming_content)
        Share.objects.filter(pk=share.pk).update(include_photo=True)
        with_photo = b"".join(_download(member_client, [share], "pdf").streaming_content)
        assert b"/Subtype /Image" not in without
        assert b"/Subtype /Image" in with_photo
        assert render_statements  # the renderer is the same for both


class TestDataFiles:
    def test_it_writes_xlsx_and_csv_with_the_default_template(self, member_client: Client, org_a: Any) -> None:
        shares = _shares(org_a, NAMES[:2])
        xlsx = b"".join(_download(member_client, shares, "xlsx").streaming_content)
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("Surname", "First name", "Date of birth")
        assert "Exam Reference Number" in rows[0]
        assert rows[1][0] == "Wójcik"
        assert rows[1][rows[0].index("Overall score")] == shares[0].result.overall_score
        response = _download(member_client, shares, "csv")
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\xef\xbb\xbf")  # a BOM so Excel reads UTF-8
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert table[0] == list(rows[0])
        assert table[2][0] == "Nguyễn"

    def test_it_follows_a_template_in_its_order(self, primary: Any, org_a: Any) -> None:
        client = client_for(primary)
        response = client.post(
            reverse("downloads:template_new"),
            {
                "name": "Name and Grade only",
                "include_grade": "on",
                "position_grade": "3",
                "include_first_name": "on",
                "position_first_name": "1",
                "include_last_name": "on",
                "position_last_name": "2",
            },
        )
        assert response.status_code == 302
        template = DownloadTemplate.objects.get(name="Name and Grade only")
        assert template.fields == ["first_name", "last_name", "grade"]
        shares = _shares(org_a, NAMES[:2])
        sheet = openpyxl.load_workbook(
            io.BytesIO(b"".join(_download(client, shares, "xlsx", str(template.public_id)).streaming_content))
        ).active
        assert [c.value for c in sheet[1]] == ["First name", "Surname", "Grade"]
        assert [c.value for c in sheet[2]] == ["Łukasz", "Wójcik", shares[0].result.grade]
        assert "Name and Grade only" in client.get(reverse("results:dashboard")).content.decode()

    def test_it_neutralises_formulas_in_both_formats(self, member_client: Client, org_a: Any) -> None:
        evil = [('=HYPERLINK("http://x")', "+1"), ("-1", "@SUM(A1)"), ("\t=1", "\r=2")]
        shares = _shares(org_a, evil)
        table = list(
            csv.reader(
                io.StringIO(b"".join(_download(member_client, shares, "csv").streaming_content).decode("utf-8-sig"))
            )
        )
        firsts = [row[1] for row in table[1:]]
        lasts = [row[0] for row in table[1:]]
        assert all(value.startswith("'") for value in firsts + lasts), (firsts, lasts)
        sheet = openpyxl.load_workbook(
            io.BytesIO(b"".join(_download(member_client, shares, "xlsx").streaming_content))
        ).active
        for row in sheet.iter_rows(min_row=2, max_col=2):
            for cell in row:
                assert cell.data_type == "s"
                assert str(cell.value).startswith("'")

    @pytest.mark.parametrize("value", ["=1", "+1", "-1", "@x", "\t=1", "\r=1", "\0=1", "\n=1"])
    def test_it_prefixes_every_trigger(self, value: str) -> None:
        assert neutralise(value) == "'" + value
        assert neutralise("Anna") == "Anna"
        assert neutralise(-1) == -1


class TestTemplates:
    def test_it_explains_bad_templates(self, primary: Any) -> None:
        client = client_for(primary)
        no_fields = client.post(reverse("downloads:template_new"), {"name": "Empty"})
        assert no_fields.status_code == 400
        assert "Choose at least one field." in no_fields.content.decode()
        bad_position = client.post(
            reverse("downloads:template_new"), {"name": "X", "include_grade": "on", "position_grade": "x"}
        )
        assert bad_position.status_code == 400
        # In the error summary, linked to the box, and by the box itself.
        page = bad_position.content.decode()
        assert '<a href="#position_grade">The position of Grade must be a whole number</a>' in page
        assert 'id="position_grade_error"' in page
        client.post(reverse("downloads:template_new"), {"name": "Mine", "include_grade": "on"})
        duplicate = client.post(reverse("downloads:template_new"), {"name": "Mine", "include_grade": "on"})
        assert "already have a template with this name" in duplicate.content.decode()

    def test_it_edits_and_deletes(self, primary: Any) -> None:
        client = client_for(primary)
        client.post(reverse("downloads:template_new"), {"name": "Mine", "include_grade": "on"})
        template = DownloadTemplate.objects.get()
        client.post(
            reverse("downloads:template_edit", args=[template.public_id]), {"name": "Renamed", "include_cefr": "on"}
        )
        template.refresh_from_db()
        assert (template.name, template.fields) == ("Renamed", ["cefr"])
        assert client.post(reverse("downloads:template_delete", args=[template.public_id])).status_code == 302
        assert not DownloadTemplate.objects.exists()


class TestAccess:
    @pytest.mark.parametrize("name", ["downloads:history", "downloads:template_new"])
    def test_it_sends_signed_out_visitors_to_sign_in(self, client: Client, name: str) -> None:
        assert client.get(reverse(name)).status_code == 302

    def test_it_refuses_signed_out_downloads(self, client: Client, share_a: Share) -> None:
        assert _download(client, [share_a], "csv").status_code == 302
        assert not DownloadJob.objects.exists()

    def test_it_hides_another_organisations_templates_and_downloads(
        self, primary: Any, outsider_client: Client, org_a: Any
    ) -> None:
        client = client_for(primary)
        client.post(reverse("downloads:template_new"), {"name": "Mine", "include_grade": "on"})
        template = DownloadTemplate.objects.get()
        shares = _shares(org_a, NAMES[:1])
        _download(client, shares, "csv")
        job = DownloadJob.objects.get()
        for url in [
            reverse("downloads:template_edit", args=[template.public_id]),
            reverse("downloads:template_delete", args=[template.public_id]),
            reverse("downloads:job", args=[job.public_id]),
            reverse("downloads:job_file", args=[job.public_id]),
        ]:
            assert outsider_client.get(url).status_code == 404, url
        assert outsider_client.post(reverse("downloads:again", args=[job.public_id])).status_code == 404
        assert outsider_client.post(reverse("downloads:template_delete", args=[template.public_id])).status_code == 404
        assert DownloadTemplate.objects.exists()
        # Another organisation's results, or its template, cannot be slipped into a download.
        response = _download(outsider_client, shares, "csv")
        assert response.status_code == 302
        response = _download(outsider_client, shares, "csv", template=str(template.public_id))
        assert response.status_code == 404
        assert DownloadJob.objects.count() == 1

    def test_it_lists_history_and_leaves_out_revoked_results_when_downloading_again(
        self, member_client: Client, org_a: Any
    ) -> None:
        shares = _shares(org_a, NAMES[:3])
        _download(member_client, shares, "csv")
        job = DownloadJob.objects.get()
        history = member_client.get(reverse("downloads:history")).content.decode()
        assert "Data File (CSV)" in history
        assert "Default template (all fields)" in history
        Share.objects.filter(pk=shares[1].pk).update(revoked_at=timezone.now())
        search_index.refresh_shares([shares[1].pk])  # as share_revoke does
        response = member_client.post(reverse("downloads:again", args=[job.public_id]))
        table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert len(table) == 3  # header + 2
        assert "Nguyễn" not in str(table)
        again = DownloadJob.objects.order_by("-id").first()
        assert again is not None
        assert again.omitted == 1
        messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
        assert any("no longer shared with you" in m for m in messages)
        assert AuditEntry.objects.filter(action="download.created").count() == 2


class TestBackgroundJobs:
    def test_it_runs_large_downloads_in_the_background(
        self, member_client: Client, org_a: Any, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        settings.DOWNLOAD_STREAM_LIMIT = 2
        shares = _shares(org_a, NAMES[:3])
        with django_capture_on_commit_callbacks(execute=True):
            response = _download(member_client, shares, "xlsx")
        job = DownloadJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("downloads:job", args=[job.public_id])
        job.refresh_from_db()
        assert job.background
        assert job.status == DownloadJob.Status.DONE
        assert job.progress == 100
        page = member_client.get(reverse("downloads:job", args=[job.public_id])).content.decode()
        assert "Your download is ready" in page
        file_response = member_client.get(reverse("downloads:job_file", args=[job.public_id]))
        assert file_response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(file_response.streaming_content))).active
        assert sheet.max_row == 4

    def test_it_never_serves_an_unfinished_file(self, member_client: Client, org_a: Any, settings: Any) -> None:
        settings.DOWNLOAD_STREAM_LIMIT = 2
        _download(member_client, _shares(org_a, NAMES[:3]), "csv")  # on_commit not run: the job waits
        job = DownloadJob.objects.get()
        assert job.status == DownloadJob.Status.PENDING
        assert member_client.get(reverse("downloads:job_file", args=[job.public_id])).status_code == 409

    def test_it_says_why_a_job_failed(self, member_client: Client, org_a: Any, settings: Any, monkeypatch: Any) -> None:
        settings.DOWNLOAD_STREAM_LIMIT = 2
        _download(member_client, _shares(org_a, NAMES[:3]), "csv")
        job = DownloadJob.objects.get()

        def full_disk(*args: Any, **kwargs: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(services, "download_render", full_disk)
        services.download_run(job.pk)
        job.refresh_from_db()
        assert job.status == DownloadJob.Status.FAILED
        assert "not enough disk space" in job.error
        assert not job.file
        assert "not enough disk space" in member_client.get(reverse("downloads:history")).content.decode()


class TestCandidateDownload:
    def test_it_gives_candidates_their_own_signed_statements(self, tmp_path: Path) -> None:
        from tests.candidates.test_candidate_site import _account
        from tests.factories import ResultFactory

        account = _account()
        ResultFactory(candidate=account.candidate)
        ResultFactory(candidate__first_name="Someone", candidate__last_name="Else")
        response = client_for(account.user).post(reverse("candidates:statements"))
        assert response.status_code == 200
        text = _pdf_text(b"".join(response.streaming_content), tmp_path)
        assert account.candidate.full_name in text
        assert "Someone Else" not in text

    def test_it_refuses_others(self, member_client: Client, client: Client) -> None:
        assert member_client.post(reverse("candidates:statements")).status_code == 403
        assert client.post(reverse("candidates:statements")).status_code == 302
