"""Issue 15, item 2: an upload cannot cost more than its size (decision 0012).

Every upload (bulk verification, the back-office import, the public verify page) is sent the
hostile files of tests/security/hostile_files.py: each gets a clear refusal (or, where the file is
within the limits, its answer) with its peak traced memory under 100 MB above the baseline and
under 2 s of CPU, and the reading stops at the row limit (rows read are counted).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import openpyxl  # noqa: F401  (imported here so that no test's measurement includes importing it)
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rvs.backoffice import imports
from rvs.backoffice.models import ImportJob
from rvs.bulk import verification
from rvs.downloads.models import DownloadJob
from tests.conftest import make_staff, staff_client_for
from tests.security import hostile_files as hostile
from tests.security.hostile_files import within

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows_read(monkeypatch: Any) -> list[int]:
    """How many rows the XLSX reader gave (one counter, read after the request)."""
    from rvs.core import xlsx

    real = xlsx.xlsx_rows
    count = [0]

    def counting(data: bytes, limits: Any) -> Iterator[list[Any]]:
        for row in real(data, limits):
            count[0] += 1
            yield row

    monkeypatch.setattr(xlsx, "xlsx_rows", counting)
    return count


@pytest.fixture
def csv_never_parsed(monkeypatch: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the CSV was parsed")

    monkeypatch.setattr(verification, "csv", types.SimpleNamespace(reader=refuse, Error=Exception))
    monkeypatch.setattr(imports, "results_validate", refuse)


def bulk(client: Client, data: bytes, name: str) -> Any:
    return client.post(reverse("bulk:upload"), {"applicants": SimpleUploadedFile(name, data), "format": "csv"})


# A first request imports and compiles what later ones reuse (3 s of CPU under tracemalloc):
# each client sends a genuine file first, so that the measurements are of the hostile file alone.
WARM_UP = hostile.workbook(hostile.sheet_xml(hostile.header_row("candidate_id")))


@pytest.fixture
def bulk_client(member_client: Client) -> Client:
    assert bulk(member_client, WARM_UP, "warm.xlsx").status_code == 400
    return member_client


def refused(response: Any, message: str) -> None:
    page = response.content.decode()
    assert response.status_code == 400, page[:500]
    assert message in page, page[:3000]


class TestBulkVerification:
    def test_it_refuses_the_reviews_dimension_bomb_at_the_row_limit(self, bulk_client: Client) -> None:
        data = hostile.dimension_bomb(6000)
        assert len(data) < 5000
        with within():
            response = bulk(bulk_client, data, "bomb.xlsx")
        refused(response, "row 6000 holds data; empty rows count too")
        assert not DownloadJob.objects.exists()

    def test_it_ignores_the_size_a_sheet_declares(self, bulk_client: Client) -> None:
        with within():
            response = bulk(bulk_client, hostile.dimension_bomb(1000), "declared.xlsx")
        assert response.status_code == 200, response.content.decode()[:2000]
        assert DownloadJob.objects.get().requested == 1

    def test_it_stops_reading_at_the_row_limit(self, bulk_client: Client, settings: Any, rows_read: list[int]) -> None:
        settings.BULK_MAX_UNPACK_RATIO = 100_000  # so that the row limit, not the ratio, refuses it
        data = hostile.one_cell_rows(1_000_000)
        with within():
            response = bulk(bulk_client, data, "rows.xlsx")
        refused(response, "more than 5000 rows after its header")
        assert rows_read[0] <= 5001

    @pytest.mark.parametrize(
        ("body", "lines"), [(b"A\n" * 2_000_000, 2_000_000), (b"\n" * 4_000_000 + b"A\n", 4_000_001)]
    )
    def test_it_refuses_millions_of_csv_lines_before_parsing(
        self, bulk_client: Client, body: bytes, lines: int, csv_never_parsed: None
    ) -> None:
        with within():
            response = bulk(bulk_client, b"ERN\n" + body, "rows.csv")
        refused(response, f"The file has {lines} lines after its header; at most 5000 applicants")

    def test_it_refuses_a_csv_line_longer_than_the_limit(self, bulk_client: Client, csv_never_parsed: None) -> None:
        with within():
            response = bulk(bulk_client, b"ERN\n" + b"," * 1_000_000 + b"\n", "wide.csv")
        refused(response, "Line 2 of the file is longer than 65536 bytes")

    def test_it_refuses_a_zip_bomb_by_its_compression_ratio(self, bulk_client: Client) -> None:
        data = hostile.padded_sheet(40_000_000)
        assert len(data) < 100_000
        with within():
            response = bulk(bulk_client, data, "bomb.xlsx")
        refused(response, "times its size; it cannot be a genuine file")

    def test_it_refuses_deeply_nested_xml(self, bulk_client: Client) -> None:
        with within():
            response = bulk(bulk_client, hostile.deeply_nested(100_000), "deep.xlsx")
        refused(response, "nests its XML deeper than 32 levels (in xl/worksheets/sheet1.xml")

    def test_it_refuses_entities(self, bulk_client: Client) -> None:
        with within():
            response = bulk(bulk_client, hostile.entity_bomb(), "laughs.xlsx")
        refused(response, "declares a DOCTYPE in xl/worksheets/sheet1.xml")

    def test_it_refuses_a_value_beyond_the_column_limit(self, bulk_client: Client) -> None:
        with within():
            response = bulk(bulk_client, hostile.far_column(), "wide.xlsx")
        refused(response, "Cell XFD2 of the file is beyond column IV: at most 256 columns are read.")


@pytest.fixture
def staff(db: None) -> Client:
    client = staff_client_for(make_staff("import_results", email="importer@board.example"))
    assert import_upload(client, WARM_UP, "warm.xlsx").status_code == 302
    ImportJob.objects.all().delete()
    return client


def import_upload(client: Client, data: bytes, name: str) -> Any:
    return client.post(reverse("backoffice:imports"), {"file": SimpleUploadedFile(name, data)})


class TestBackofficeImport:
    def test_it_reads_the_reviews_dimension_bomb_as_the_one_row_it_holds(self, staff: Client) -> None:
        with within():
            response = import_upload(staff, hostile.dimension_bomb(6000, header="candidate_id"), "bomb.xlsx")
        assert response.status_code == 302  # read, and found wanting: checked, never imported
        assert ImportJob.objects.get().status == ImportJob.Status.INVALID

    def test_it_refuses_the_dimension_bomb_beyond_the_row_limit(self, staff: Client, settings: Any) -> None:
        settings.IMPORT_MAX_ROWS = 5000
        with within():
            response = import_upload(staff, hostile.dimension_bomb(6000, header="candidate_id"), "bomb.xlsx")
        refused(response, "row 6000 holds data; empty rows count too")
        assert not ImportJob.objects.exists()

    def test_it_stops_reading_at_the_row_limit(self, staff: Client, settings: Any, rows_read: list[int]) -> None:
        settings.IMPORT_MAX_ROWS = 1000
        settings.IMPORT_MAX_UNPACK_RATIO = 100_000
        data = hostile.one_cell_rows(1_000_000, header="candidate_id")
        with within():
            response = import_upload(staff, data, "rows.xlsx")
        refused(response, "more than 1000 rows after its header")
        assert rows_read[0] <= 1001

    def test_it_refuses_millions_of_empty_csv_lines_before_parsing(self, staff: Client, csv_never_parsed: None) -> None:
        with within():
            response = import_upload(staff, b"candidate_id\n" + b"\n" * 5_000_000, "rows.csv")
        refused(response, "The file has 5000000 lines after its header; at most 200000 results")

    def test_it_refuses_a_csv_line_longer_than_the_limit(self, staff: Client, csv_never_parsed: None) -> None:
        with within():
            response = import_upload(staff, b"candidate_id\n" + b"x" * 70_000 + b"\n", "long.csv")
        refused(response, "Line 2 of the file is longer than 65536 bytes")

    def test_it_refuses_a_zip_bomb_by_its_compression_ratio(self, staff: Client) -> None:
        data = hostile.padded_sheet(40_000_000, header="candidate_id")
        with within():
            response = import_upload(staff, data, "bomb.xlsx")
        refused(response, "times its size; it cannot be a genuine file")
        assert not ImportJob.objects.exists()

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (hostile.deeply_nested(100_000, header="candidate_id"), "nests its XML deeper than 32 levels"),
            (hostile.entity_bomb(header="candidate_id"), "declares a DOCTYPE"),
            (hostile.far_column(header="candidate_id"), "Cell XFD2 of the file is beyond column IV"),
        ],
        ids=["nested", "entities", "far column"],
    )
    def test_it_refuses_hostile_xml(self, staff: Client, data: bytes, message: str) -> None:
        with within():
            response = import_upload(staff, data, "hostile.xlsx")
        refused(response, message)
        assert not ImportJob.objects.exists()


class TestVerifyPage:
    def test_it_refuses_a_statement_over_the_limit_before_reading_it(self, client: Client, settings: Any) -> None:
        settings.VERIFY_MAX_BYTES = 1024
        upload = SimpleUploadedFile("statement.pdf", b"%PDF-1.7\n" + b"0" * 2000, content_type="application/pdf")
        response = client.post(reverse("verify_statement"), {"statement": upload})
        refused(response, "The file is 2.0 kB; at most 1.0 kB can be checked.")


class TestRequestBody:
    """Django stores an uploaded file before any view runs: an upload view's body over its limit is never read."""

    @pytest.fixture(autouse=True)
    def never_parsed(self, monkeypatch: Any, settings: Any) -> None:
        from django.http import multipartparser

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("the body was read")

        monkeypatch.setattr(multipartparser.MultiPartParser, "parse", refuse)
        settings.BULK_MAX_BYTES = settings.VERIFY_MAX_BYTES = 1024
        settings.IMPORT_MAX_BYTES = settings.IMPORT_MAX_PHOTOS_BYTES = 1024

    @pytest.mark.parametrize(
        ("route", "field", "who"),
        [
            ("bulk:upload", "applicants", "member"),
            ("backoffice:imports", "file", "staff"),
            ("verify_statement", "statement", ""),
        ],
    )
    def test_it_answers_413_before_reading_a_body_over_the_views_limit(
        self, route: str, field: str, who: str, member: Any
    ) -> None:
        client = Client()
        if who == "member":
            client.force_login(member)
        elif who == "staff":
            client = staff_client_for(make_staff("import_results", email="importer@board.example"))
        data = b"%PDF-1.7\n" + b"0" * 2_200_000
        response = client.post(reverse(route), {field: SimpleUploadedFile("big.pdf", data)})
        assert response.status_code == 413
        assert "The upload is 2.2 MB; at most" in response.content.decode()
