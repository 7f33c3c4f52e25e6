"""The exporter registry drives every format choice (issue 16 item 8, decision 0021).

A format registered once appears in every place that offers data-file formats: the Download
Options of the results table, the API, Download History, bulk verification answers (unless it
says it cannot answer them) and the audit and activity exports (when it can be streamed). The
formats offered today keep their labels and order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rvs.api.serializers import DownloadRequestSerializer
from rvs.downloads import exporters
from rvs.downloads.exporters import DataExporter, Progress
from rvs.downloads.models import DownloadJob
from rvs.downloads.rows import Table
from tests.conftest import client_for, staff_client_for
from tests.factories import ResultFactory

pytestmark = pytest.mark.django_db


class TsvExporter(DataExporter):
    """A fake format that may answer bulk verifications and be streamed."""

    identifier = "tsv"
    verbose_name = "Data File (TSV)"
    label = "TSV"
    extension = "tsv"
    content_type = "text/tab-separated-values; charset=utf-8"
    streams = True

    def stream(self, table: Table) -> Iterator[bytes]:
        yield ("TSV\n" + "\t".join(table.header) + "\n").encode()
        for row in table.rows:
            yield ("\t".join("" if cell is None else str(cell) for cell in row) + "\n").encode()

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        pieces = list(self.stream(table))
        out.write(b"".join(pieces))
        return len(pieces) - 1


class JsonExporter(DataExporter):
    """A fake format for results only: not for bulk answers, not streamed."""

    identifier = "json"
    verbose_name = "Data File (JSON)"
    label = "JSON"
    extension = "json"
    content_type = "application/json"
    bulk_answers = False

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        out.write(b"[]")
        return 0


@pytest.fixture
def registered() -> Iterator[None]:
    """Both fakes registered, then taken out again (the registry is shared by every module)."""
    exporters.register(TsvExporter())
    exporters.register(JsonExporter())
    try:
        yield
    finally:
        exporters.EXPORTERS.pop("tsv", None)
        exporters.EXPORTERS.pop("json", None)


def _options(html: str, name: str) -> list[tuple[str, str]]:
    """``(value, label)`` of the options of the select, or the radio buttons, called ``name``."""
    if f'<select name="{name}"' in html:
        select = html.split(f'<select name="{name}"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    radios = re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"[^>]*id="([^"]*)"', html)
    return [(value, re.search(rf'<label for="{ident}">([^<]*)</label>', html).group(1)) for value, ident in radios]  # type: ignore[union-attr]


def _exports(html: str) -> list[str]:
    return re.findall(r"Export as ([A-Z]+)<", html)


def _bulk(client: Client, fmt: str) -> Any:
    result = ResultFactory()
    text = io.StringIO()
    csv.writer(text).writerows([["Exam Reference Number", "Programme"], [result.ern, "=MSc"]])
    upload = SimpleUploadedFile("intake.csv", text.getvalue().encode())
    return client.post(reverse("bulk:upload"), {"applicants": upload, "format": fmt})


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


class TestTodaysFormats:
    """Labels and order as they were written out by hand before the registry drove them."""

    def test_it_offers_the_same_formats_in_the_same_order(self, member: Any, share_a: Any, staff: Any) -> None:
        client = client_for(member)
        dashboard = client.get(reverse("results:dashboard")).content.decode()
        assert _options(dashboard, "format") == [
            ("pdf", "Statement of Results (PDF)"),
            ("xlsx", "Data File (XLSX)"),
            ("csv", "Data File (CSV)"),
        ]
        assert "For data files (XLSX, CSV) only." in dashboard
        assert "a data file (XLSX or CSV) and" in client.get(reverse("downloads:history")).content.decode()
        assert _options(client.get(reverse("bulk:upload")).content.decode(), "format") == [
            ("xlsx", "XLSX"),
            ("csv", "CSV"),
        ]
        assert re.search(r'value="xlsx"[^>]* checked>', client.get(reverse("bulk:upload")).content.decode())
        assert _exports(staff_client_for(staff).get(reverse("backoffice:audit")).content.decode()) == ["CSV"]

    def test_it_keeps_the_bulk_answer_sheet_named_and_plain(self, member: Any) -> None:
        client = client_for(member)
        assert _bulk(client, "xlsx").status_code == 200
        job = DownloadJob.objects.get()
        body = _body(client.get(reverse("downloads:job_file", args=[job.public_id])))
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        assert sheet is not None
        assert sheet.title == "Verification"
        assert not sheet["A1"].font.bold
        assert sheet.freeze_panes is None
        assert sheet["B2"].value == "'=MSc"  # the organisation's own cell, neutralised
        assert sheet["C2"].value == "verified"


@pytest.mark.usefixtures("registered")
class TestARegisteredFormat:
    def test_it_is_offered_by_the_results_table_and_downloads_in_it(self, member: Any, share_a: Any) -> None:
        client = client_for(member)
        dashboard = client.get(reverse("results:dashboard")).content.decode()
        assert [value for value, _ in _options(dashboard, "format")] == ["pdf", "xlsx", "csv", "tsv", "json"]
        assert ("tsv", "Data File (TSV)") in _options(dashboard, "format")
        assert "For data files (XLSX, CSV, TSV, JSON) only." in dashboard
        response = client.post(
            reverse("downloads:create"),
            {"format": "tsv", "template": "", "scope": "", "results": [str(share_a.result.public_id)]},
        )
        assert response["Content-Type"] == TsvExporter.content_type
        assert _body(response).startswith(b"TSV\n")
        assert response["Content-Disposition"].endswith('.tsv"')

    def test_it_is_offered_by_the_api(self, share_a: Any) -> None:
        ids = [str(share_a.result.public_id)]
        assert DownloadRequestSerializer(data={"format": "tsv", "results": ids}).is_valid()
        assert DownloadRequestSerializer(data={"format": "json", "results": ids}).is_valid()
        assert not DownloadRequestSerializer(data={"format": "ods", "results": ids}).is_valid()

    def test_it_is_named_in_download_history(self, member: Any, share_a: Any) -> None:
        client = client_for(member)
        client.post(
            reverse("downloads:create"),
            {"format": "json", "template": "", "scope": "", "results": [str(share_a.result.public_id)]},
        )
        assert _bulk(client, "tsv").status_code == 200
        history = client.get(reverse("downloads:history")).content.decode()
        assert "<td>Data File (JSON)</td>" in history
        assert "<td>Bulk verification (TSV)</td>" in history
        assert "a data file (XLSX, CSV, TSV or JSON) and" in history

    def test_it_answers_bulk_verifications_unless_it_says_it_cannot(self, member: Any) -> None:
        client = client_for(member)
        page = client.get(reverse("bulk:upload")).content.decode()
        assert _options(page, "format") == [("xlsx", "XLSX"), ("csv", "CSV"), ("tsv", "TSV")]
        done = _bulk(client, "tsv")
        assert "Download the answer (TSV)" in done.content.decode()
        job = DownloadJob.objects.get(kind=DownloadJob.Kind.BULK_VERIFICATION)
        answer = client.get(reverse("downloads:job_file", args=[job.public_id]))
        assert answer["Content-Type"] == TsvExporter.content_type
        lines = _body(answer).decode().splitlines()
        assert lines[1].startswith("Exam Reference Number\tProgramme\tVerification\t")
        assert "\t'=MSc\tverified\t" in lines[2]
        refused = _bulk(client, "json")
        assert refused.status_code == 400
        assert "Select how to answer from the list" in refused.content.decode()

    def test_it_is_refused_for_bulk_answers_by_the_service_too(self, member: Any, org_a: Any) -> None:
        from django.core.exceptions import ValidationError

        from rvs.bulk.verification import bulk_verify

        with pytest.raises(ValidationError) as refused:
            bulk_verify(actor=member, organisation=org_a, data=b"ERN\nX\n", filename="a.csv", fmt="json")
        assert refused.value.message_dict == {"format": ["Choose XLSX, CSV or TSV."]}

    def test_it_exports_the_audit_log_when_it_streams(self, staff: Any, member: Any) -> None:
        client_for(member).get(reverse("results:dashboard"))
        client = staff_client_for(staff)
        assert _exports(client.get(reverse("backoffice:audit")).content.decode()) == ["CSV", "TSV"]
        export = client.get(reverse("backoffice:audit"), {"export": "tsv"})
        assert export["Content-Type"] == TsvExporter.content_type
        assert export["Content-Disposition"].endswith('.tsv"')
        assert _body(export).startswith(b"TSV\ntime (UTC)\taction\t")
        not_streamed = client.get(reverse("backoffice:audit"), {"export": "json"})
        assert not_streamed["Content-Type"].startswith("text/html")

    def test_it_exports_the_organisations_activity_when_it_streams(self, primary: Any) -> None:
        client = client_for(primary)
        assert _exports(client.get(reverse("organisations:activity")).content.decode()) == ["CSV", "TSV"]
        assert _body(client.get(reverse("organisations:activity"), {"export": "tsv"})).startswith(b"TSV\ntime")

    def test_it_cannot_take_a_name_already_registered(self) -> None:
        with pytest.raises(ValueError, match="'csv' is already registered"):
            exporters.register(type("Other", (TsvExporter,), {"identifier": "csv"})())
