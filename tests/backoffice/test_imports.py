"""Results import in the back office: upload, check report, confirm, background job, limits, XLSX, photos."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from rvs.backoffice import import_files, import_jobs, imports
from rvs.backoffice.models import ImportJob
from rvs.core.models import AuditEntry
from rvs.core.normalise import fold, tokens
from rvs.results import bulkload, importer
from rvs.results.importer import COLUMNS, results_import
from rvs.results.importer import read as import_read
from rvs.results.importer import write as import_write
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from rvs.results.services import candidate_sort_name, name_tokens_for
from tests.conftest import client_for, make_staff, staff_client_for
from tests.results.test_importer import a2_key, broken_files, csv_bytes, mangled_files, row

pytestmark = pytest.mark.django_db

MODELS = (Candidate, Result, ComponentScore, Centre, CandidateNameToken)
HEADER = [*COLUMNS, "status"]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def good_rows() -> list[dict[str, str]]:
    return [
        row(),
        row(candidate_id="ABC000002", first_name="Łukasz", last_name="Wójcik", email="lukasz@example.org"),
        a2_key(candidate_id="ABC000003", first_name="Søren", last_name="Ørsted", email=""),
        row(candidate_id="ABC000004", status="Pending"),
    ]


def csv_upload(data: bytes, name: str = "session.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def xlsx_bytes(rows: list[dict[str, str]], *, typed: bool = True, extra: dict[str, bytes] | None = None) -> bytes:
    """An XLSX of ``rows``; ``typed`` writes dates as dates and scores as numbers, as a spreadsheet would."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in rows:
        cells: list[Any] = []
        for name in HEADER:
            value = values.get(name, "")
            if typed and name in ("date_of_birth", "exam_date") and len(value) == 10 and value[4] == "-":
                cells.append(dt.datetime.fromisoformat(value))
            elif typed and name in importer.SCORE_COLUMNS and value.isdigit():
                cells.append(float(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    if not extra:
        return out.getvalue()
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for name, data in extra.items():
            target.writestr(name, data)
    return rebuilt.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 40), "teal").save(out, "PNG")
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def importer_user(db: None) -> Any:
    return make_staff("import_results", email="importer@board.example")


@pytest.fixture
def client(importer_user: Any) -> Client:
    return staff_client_for(importer_user)


def upload(client: Client, data: bytes, name: str = "session.csv", photos: bytes | None = None) -> Any:
    payload: dict[str, Any] = {"file": SimpleUploadedFile(name, data)}
    if photos is not None:
        payload["photos"] = SimpleUploadedFile("photos.zip", photos, content_type="application/zip")
    return client.post(reverse("backoffice:imports"), payload)


def uploaded(client: Client, data: bytes, name: str = "session.csv", photos: bytes | None = None) -> ImportJob:
    response = upload(client, data, name, photos)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(public_id=response["Location"].rstrip("/").split("/")[-1])


def confirm(client: Client, job: ImportJob, capture: Any) -> ImportJob:
    with capture(execute=True):
        response = client.post(reverse("backoffice:import_start", args=[job.public_id]))
    assert response.status_code == 302
    job.refresh_from_db()
    return job


class TestAccess:
    def urls(self, job: ImportJob) -> list[tuple[str, str]]:
        return [
            ("get", reverse("backoffice:imports")),
            ("post", reverse("backoffice:imports")),
            ("get", reverse("backoffice:import_job", args=[job.public_id])),
            ("post", reverse("backoffice:import_start", args=[job.public_id])),
            ("get", reverse("backoffice:import_problems", args=[job.public_id])),
        ]

    @pytest.fixture
    def job(self, client: Client) -> ImportJob:
        return uploaded(client, csv_bytes(good_rows()))

    def test_it_sends_signed_out_visitors_to_sign_in(self, job: ImportJob) -> None:
        for method, url in self.urls(job):
            response = getattr(Client(), method)(url)
            assert response.status_code == 302, url
            assert "/sign-in/" in response["Location"]

    def test_it_refuses_organisation_users(self, job: ImportJob, member: Any) -> None:
        for method, url in self.urls(job):
            assert getattr(client_for(member), method)(url).status_code == 403, url

    def test_it_refuses_staff_without_the_import_role(self, job: ImportJob) -> None:
        corrector = staff_client_for(make_staff("correct_results", "view_audit"))
        for method, url in self.urls(job):
            assert getattr(corrector, method)(url).status_code == 403, url
        job.refresh_from_db()
        assert job.status == ImportJob.Status.VALIDATED

    def test_it_asks_staff_for_the_second_factor(self, job: ImportJob, importer_user: Any) -> None:
        response = client_for(importer_user).get(reverse("backoffice:imports"))
        assert response.status_code == 302
        assert reverse("backoffice:two_factor") in response["Location"]

    def test_it_links_the_page_from_the_staff_menu(self, client: Client) -> None:
        page = client.get(reverse("backoffice:imports")).content.decode()
        assert f'href="{reverse("backoffice:imports")}">Import results</a>' in page


class TestCheckThenImport:
    def test_it_checks_without_writing_then_imports_on_confirmation(
        self, client: Client, importer_user: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        before = counts()
        job = uploaded(client, csv_bytes(good_rows()))
        assert (job.status, job.rows, job.to_create, job.to_keep) == (ImportJob.Status.VALIDATED, 4, 4, 0)
        assert counts() == before, "checking writes nothing"
        assert job.file.name.startswith(f"imports/{job.public_id}/")
        page = client.get(reverse("backoffice:import_job", args=[job.public_id])).content.decode()
        assert "passed every check" in page
        assert "Import 4 new results" in page

        stored = job.file.name
        assert default_storage.exists(stored)
        job = confirm(client, job, django_capture_on_commit_callbacks)
        assert (job.status, job.created, job.unchanged, job.progress) == (ImportJob.Status.DONE, 4, 0, 100)
        assert not default_storage.exists(stored), "the upload, with its Secret Numbers, is not kept"
        assert job.file.name == ""
        assert job.started_at
        assert job.finished_at
        assert Result.objects.count() == 4
        entry = AuditEntry.objects.get(action="results.imported")
        assert (entry.actor, entry.data["source"], entry.data["created"]) == (importer_user, "session.csv", 4)
        assert AuditEntry.objects.filter(action="results.import_checked").exists()
        assert AuditEntry.objects.filter(action="results.import_queued").exists()
        page = client.get(reverse("backoffice:import_job", args=[job.public_id])).content.decode()
        assert "Imported." in page
        assert "hx-trigger" not in page

    def test_it_lists_every_problem_by_line_and_column_and_writes_nothing(self, client: Client) -> None:
        rows = [*good_rows(), row(candidate_id="BAD000005", date_of_birth="09/03/2004"), row(candidate_id="X")]
        before = counts()
        job = uploaded(client, csv_bytes(rows))
        assert job.status == ImportJob.Status.INVALID
        assert counts() == before
        assert job.file.name == ""
        assert default_storage.listdir(f"imports/{job.public_id}")[1] == [], "nothing of it is kept"
        assert [(p["line"], p["column"], p["column_number"]) for p in job.errors] == [
            (6, "date_of_birth", 5),
            (7, "candidate_id", 1),
        ]
        page = client.get(reverse("backoffice:import_job", args=[job.public_id])).content.decode()
        assert "not imported: 2 problems" in page
        assert "5 (date_of_birth)" in page
        assert "is not a date in the form YYYY-MM-DD" in page
        assert "Upload the corrected file" in page
        assert "import_start" not in page
        assert "/start/" not in page
        response = client.post(reverse("backoffice:import_start", args=[job.public_id]), follow=True)
        assert "cannot be imported now" in response.content.decode()
        assert counts() == before

    def test_it_gives_the_problems_as_csv_that_no_spreadsheet_runs(self, client: Client) -> None:
        job = uploaded(client, csv_bytes([row(email="nope")]))
        response = client.get(reverse("backoffice:import_problems", args=[job.public_id]))
        assert response["Content-Type"].startswith("text/csv")
        assert "no-store" in response["Cache-Control"]
        lines = response.content.decode("utf-8-sig").splitlines()
        assert lines == ["line,column,column_number,problem", "2,email,6,'nope' is not an email address"]
        formula = uploaded(client, csv_bytes([row()], header=[*COLUMNS, "=1+2"]))
        text = client.get(reverse("backoffice:import_problems", args=[formula.public_id])).content.decode()
        assert "1,'=1+2,21,unknown column" in text

    def test_it_keeps_problems_naming_nul_characters(self, client: Client) -> None:
        job = uploaded(client, csv_bytes([row()], header=[*COLUMNS, "a\x00b"]), name="nul\x00.csv")
        assert job.status == ImportJob.Status.INVALID
        assert job.errors[0]["column"] == "a\ufffdb"
        assert "\x00" not in job.original_name

    def test_it_keeps_the_first_thousand_problems_and_counts_them_all(self, client: Client) -> None:
        rows = [row(candidate_id=f"ABC{n:06d}", reading="999") for n in range(1200)]
        job = uploaded(client, csv_bytes(rows))
        assert (len(job.errors), job.error_count, job.errors_left_out) == (1000, 1200, 200)
        page = client.get(reverse("backoffice:import_job", args=[job.public_id])).content.decode()
        assert "the first 1000 of 1200" in page

    def test_it_says_a_file_was_imported_before_and_importing_it_again_changes_nothing(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        data = csv_bytes(good_rows())
        first = confirm(client, uploaded(client, data), django_capture_on_commit_callbacks)
        snapshot = list(Result.objects.order_by("pk").values())
        again = uploaded(client, data, name="session-copy.csv")
        assert again.sha256 == first.sha256
        assert (again.to_create, again.to_keep) == (0, 4)
        page = client.get(reverse("backoffice:import_job", args=[again.public_id])).content.decode()
        assert "This file was imported before" in page
        again = confirm(client, again, django_capture_on_commit_callbacks)
        assert (again.status, again.created, again.unchanged) == (ImportJob.Status.DONE, 0, 4)
        assert list(Result.objects.order_by("pk").values()) == snapshot, "no second ERN, nothing touched"

    def test_it_fails_with_the_problems_when_records_changed_after_the_check(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = uploaded(client, csv_bytes([row()]))
        results_import(actor="test", data=csv_bytes([row(reading="177")]))  # the same result, another score
        job = confirm(client, job, django_capture_on_commit_callbacks)
        assert job.status == ImportJob.Status.FAILED
        assert job.failure == import_jobs.RECORDS_CHANGED
        assert [(p["line"], p["column"]) for p in job.errors] == [(2, "reading")]
        assert not job.startable
        assert Result.objects.count() == 1

    def test_it_does_not_run_a_job_twice(self, client: Client, django_capture_on_commit_callbacks: Any) -> None:
        job = confirm(client, uploaded(client, csv_bytes(good_rows())), django_capture_on_commit_callbacks)
        import_jobs.import_run(job.pk)  # a duplicate task: the job is done, nothing to claim
        assert Result.objects.count() == 4
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.RUNNING, lease_until=dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=5)
        )
        assert import_jobs._claim(job.pk) is None, "another worker holds the lease"
        ImportJob.objects.filter(pk=job.pk).update(lease_until=dt.datetime.now(tz=dt.UTC) - dt.timedelta(seconds=1))
        first = ImportJob.objects.get(pk=job.pk)
        second = import_jobs._claim(job.pk)
        assert second is not None, "an expired lease is taken over"
        assert second.attempts == first.attempts + 1
        import_jobs._Progress(first)(importer.PHASE_PARSE, 1, 2)
        import_jobs._failed(first, import_jobs.UNEXPECTED)
        second.refresh_from_db()
        assert (second.status, second.failure, second.progress) == (ImportJob.Status.RUNNING, "", 0), (
            "the overtaken worker changes nothing"
        )

    @pytest.mark.parametrize(
        ("error", "reason"),
        [
            (OperationalError("database is locked"), "sqlite: busy, else: lost"),
            (InterfaceError("connection already closed"), import_jobs.LOST_CONNECTION),
            (OSError(28, "No space left on device"), import_jobs.NO_SPACE),
            (ValueError("boom"), import_jobs.UNEXPECTED),
        ],
    )
    def test_it_explains_each_kind_of_failure(self, error: Exception, reason: str) -> None:
        if reason == "sqlite: busy, else: lost":
            reason = import_jobs.DATABASE_ERROR if connection.vendor == "sqlite" else import_jobs.LOST_CONNECTION
        assert import_jobs._reason(error) == reason

    def test_it_tells_a_server_side_error_from_a_lost_connection(self) -> None:
        class Deadlock(Exception):
            sqlstate = "40P01"

        class Shutdown(Exception):
            sqlstate = "57P01"

        for cause, reason in ((Deadlock(), import_jobs.DATABASE_ERROR), (Shutdown(), import_jobs.LOST_CONNECTION)):
            error = OperationalError("failed")
            error.__cause__ = cause
            assert import_jobs._reason(error) == reason

    def test_it_shows_progress_and_polls_while_running(self, client: Client) -> None:
        job = uploaded(client, csv_bytes(good_rows()))
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
        claimed = import_jobs._claim(job.pk)
        assert claimed is not None
        progress = import_jobs._Progress(claimed)
        progress(importer.PHASE_PARSE, 50, 200)
        job.refresh_from_db()
        assert (job.status, job.phase, job.progress) == (ImportJob.Status.RUNNING, "Checking the file", 25)
        url = reverse("backoffice:import_job", args=[job.public_id])
        partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert partial.startswith('<div id="import-status"')
        assert 'hx-trigger="every 1s"' in partial
        assert "Checking the file: 25%" in partial
        page = client.get(url).content.decode()
        assert "<noscript>" in page
        assert "Refresh to see progress" in page
        assert "htmx" in page
        progress(importer.PHASE_WRITE, 0, 0)
        job.refresh_from_db()
        assert job.phase == "Writing to the database"
        assert job.lease_until is not None
        assert job.lease_until > dt.datetime.now(tz=dt.UTC) + import_jobs.WRITE_LEASE - dt.timedelta(minutes=1)

    def test_it_reports_progress_while_parsing(self, monkeypatch: Any) -> None:
        seen: list[tuple[str, int, int]] = []
        monkeypatch.setattr(import_read, "PROGRESS_EVERY", 2)
        results_import(actor="test", data=csv_bytes(good_rows()), progress=lambda *event: seen.append(event))
        phases = [phase for phase, _, _ in seen]
        assert phases[0] == importer.PHASE_PARSE
        assert importer.PHASE_WRITE in phases
        assert any(phase == importer.PHASE_PARSE and 0 < done < total for phase, done, total in seen)


class TestLimits:
    def test_it_refuses_a_file_over_the_size_limit_before_parsing(
        self, client: Client, settings: Any, monkeypatch: Any
    ) -> None:
        settings.IMPORT_MAX_BYTES = 1024
        monkeypatch.setattr(imports, "results_validate", _never)
        data = csv_bytes([row(candidate_id=f"ABC{n:06d}") for n in range(10)])
        response = upload(client, data)
        assert response.status_code == 400
        assert f"The file is {len(data) / 1000:.1f} kB; at most 1.0 kB can be imported." in response.content.decode()
        assert not ImportJob.objects.exists()

    def test_it_refuses_a_file_over_the_row_limit_before_parsing(
        self, client: Client, settings: Any, monkeypatch: Any
    ) -> None:
        settings.IMPORT_MAX_ROWS = 2
        monkeypatch.setattr(imports, "results_validate", _never)
        response = upload(client, csv_bytes([row(candidate_id=f"ABC{n:06d}") for n in range(3)]))
        assert response.status_code == 400
        assert "3 lines after its header; at most 2 results" in response.content.decode()
        assert not ImportJob.objects.exists()

    def test_it_refuses_what_is_neither_csv_nor_xlsx(self, client: Client) -> None:
        assert upload(client, b"%PDF-1.7", name="results.pdf").status_code == 400
        assert upload(client, zip_bytes({"a.txt": b"x"}), name="results.csv").status_code == 400
        assert upload(client, b"candidate_id\n", name="results.xlsx").status_code == 400
        assert not ImportJob.objects.exists()

    def test_it_refuses_an_xlsx_that_unpacks_to_an_absurd_size(self, client: Client, settings: Any) -> None:
        settings.IMPORT_MAX_UNPACKED_BYTES = 2_000_000
        data = xlsx_bytes([row()], extra={"xl/media/padding.bin": bytes(3_000_000)})
        response = upload(client, data, name="session.xlsx")
        assert response.status_code == 400
        assert "would unpack to 3.0 MB" in response.content.decode()
        assert not ImportJob.objects.exists()

    def test_it_refuses_an_xlsx_compressed_absurdly_even_under_the_size_limit(self, client: Client) -> None:
        data = xlsx_bytes([row()], extra={"xl/media/zeros.bin": bytes(20_000_000)})
        assert len(data) < 100_000
        response = upload(client, data, name="session.xlsx")
        assert response.status_code == 400
        assert "times its size" in response.content.decode()

    def test_it_refuses_a_sheet_over_the_row_limit(self, client: Client, settings: Any) -> None:
        settings.IMPORT_MAX_ROWS = 2
        data = xlsx_bytes([row(candidate_id=f"ABC{n:06d}") for n in range(3)])
        response = upload(client, data, name="session.xlsx")
        assert response.status_code == 400
        assert "more than 2 rows" in response.content.decode()


def _never(**kwargs: Any) -> None:
    raise AssertionError("the file was parsed")


class TestXlsx:
    def test_it_imports_an_xlsx_with_dates_and_numbers_as_a_spreadsheet_stores_them(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        job = uploaded(client, xlsx_bytes(good_rows()), name="session.xlsx")
        assert (job.status, job.file_format, job.to_create) == (ImportJob.Status.VALIDATED, "xlsx", 4)
        confirm(client, job, django_capture_on_commit_callbacks)
        result = Result.objects.get(candidate__candidate_number="ABC123456")
        assert (result.exam_date, result.overall_score, result.candidate.date_of_birth) == (
            dt.date(2025, 6, 14),
            178,
            dt.date(2004, 3, 9),
        )
        assert sorted(c.score for c in result.components.all()) == [169, 176, 178, 180, 185]

    def test_the_same_rows_as_csv_or_xlsx_import_the_same(self) -> None:
        as_csv = importer.parse(csv_bytes(good_rows()))
        as_xlsx = importer.parse(import_files.xlsx_to_csv(xlsx_bytes(good_rows())).data)
        summary = [(r.line, r.candidate_number, r.exam.pk, r.exam_date, r.outcome) for r in as_csv]
        assert [(r.line, r.candidate_number, r.exam.pk, r.exam_date, r.outcome) for r in as_xlsx] == summary

    def test_it_places_problems_at_sheet_rows_and_column_letters(self, client: Client) -> None:
        rows = [row(centre_name="Kraków\nAnnex"), row(candidate_id="ABC000002", reading="999")]
        job = uploaded(client, xlsx_bytes(rows), name="session.xlsx")
        assert job.status == ImportJob.Status.INVALID
        assert [(p["line"], p["column"]) for p in job.errors] == [(3, "reading")]
        page = client.get(reverse("backoffice:import_job", args=[job.public_id])).content.decode()
        assert "M (reading)" in page
        assert ">Row<" in page

    def test_it_refuses_a_damaged_workbook(self, client: Client) -> None:
        data = xlsx_bytes([row()])
        response = upload(client, data[: len(data) // 2], name="session.xlsx")
        assert response.status_code == 400
        assert "not a readable XLSX" in response.content.decode()


class TestPhotos:
    def test_it_imports_photos_from_a_zip_beside_the_file(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        rows = [row(photo="photos/zoe.png"), row(candidate_id="ABC000002", photo="ann.png")]
        photos = zip_bytes({"photos/zoe.png": png_bytes(), "ann.png": png_bytes()})
        job = uploaded(client, csv_bytes(rows), photos=photos)
        assert job.status == ImportJob.Status.VALIDATED, job.errors
        confirm(client, job, django_capture_on_commit_callbacks)
        stored = sorted(Result.objects.values_list("photo", flat=True))
        assert all(name.startswith("photos/") and name.endswith(".png") for name in stored)

    def test_it_reports_a_photo_missing_from_the_zip(self, client: Client) -> None:
        job = uploaded(client, csv_bytes([row(photo="nobody.png")]), photos=zip_bytes({"zoe.png": png_bytes()}))
        assert [(p["line"], p["column"]) for p in job.errors] == [(2, "photo")]

    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("../outside.png", "points outside"),
            ("photos/../../outside.png", "points outside"),
            ("/etc/face.png", "absolute path"),
            ("C:/face.png", "absolute path"),
            ("notes.txt", "not a JPEG or PNG"),
            ("face.gif", "not a JPEG or PNG"),
        ],
    )
    def test_it_refuses_a_zip_with_what_a_zip_of_photos_must_not_hold(
        self, client: Client, name: str, reason: str
    ) -> None:
        response = upload(client, csv_bytes([row()]), photos=zip_bytes({"ok.png": png_bytes(), name: b"x"}))
        assert response.status_code == 400
        assert reason in response.content.decode()
        assert not ImportJob.objects.exists()

    def test_it_refuses_photos_that_unpack_to_too_much(self, client: Client, settings: Any) -> None:
        settings.IMPORT_MAX_PHOTOS_UNPACKED_BYTES = 1_000_000
        response = upload(client, csv_bytes([row()]), photos=zip_bytes({"big.png": bytes(2_000_000)}))
        assert response.status_code == 400
        assert "would unpack to 2.0 MB" in response.content.decode()

    def test_it_refuses_photos_that_are_not_a_zip(self, client: Client) -> None:
        response = upload(client, csv_bytes([row()]), photos=b"not a zip")
        assert response.status_code == 400
        assert "must be a ZIP" in response.content.decode()

    def test_it_never_writes_outside_the_folder_even_if_asked_directly(self, tmp_path: Path) -> None:
        handle = io.BytesIO(zip_bytes({"../escape.png": png_bytes()}))
        with pytest.raises(Exception, match="points outside"):
            import_files.extract_photos(handle, tmp_path / "target")
        assert not (tmp_path / "escape.png").exists()


# --- broken files through the upload page: never a server error, never an import ---------------------------------

UPLOAD_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class TestBrokenUploads:
    def check(self, client: Client, data: bytes, name: str, must_be_invalid: bool) -> None:
        before = counts()
        with transaction.atomic():
            response = upload(client, data, name=name)
            assert response.status_code in (302, 400), response.status_code
            if response.status_code == 302:
                job = ImportJob.objects.latest("created_at")
                if must_be_invalid:
                    assert job.status == ImportJob.Status.INVALID
                page = client.get(response["Location"])
                assert page.status_code == 200
            assert counts() == before
            transaction.set_rollback(True)

    @UPLOAD_SETTINGS
    @given(data=broken_files())
    def test_it_reports_rows_with_a_bad_value(self, client: Client, data: bytes) -> None:
        self.check(client, data, "broken.csv", must_be_invalid=True)

    @UPLOAD_SETTINGS
    @given(data=st.binary(max_size=400))
    def test_it_survives_random_bytes_as_csv(self, client: Client, data: bytes) -> None:
        self.check(client, data, "random.csv", must_be_invalid=True)

    @UPLOAD_SETTINGS
    @given(data=mangled_files())
    def test_it_checks_mangled_files_without_importing_them(self, client: Client, data: bytes) -> None:
        self.check(client, data, "mangled.csv", must_be_invalid=False)

    @UPLOAD_SETTINGS
    @given(data=st.binary(max_size=400), keep=st.integers(min_value=0, max_value=3000))
    def test_it_survives_damaged_and_random_xlsx(self, client: Client, data: bytes, keep: int) -> None:
        self.check(client, b"PK\x03\x04" + data, "random.xlsx", must_be_invalid=True)
        self.check(client, _SMALL_XLSX[:keep] + data, "cut.xlsx", must_be_invalid=False)


_SMALL_XLSX = xlsx_bytes([row()])


# --- the importer's fast paths agree with the ORM and with the shared rules ---------------------------------------


class TestFastPaths:
    def contents(self) -> dict[str, list[Any]]:
        return {
            "candidates": sorted(
                Candidate.objects.values_list(
                    "candidate_number", "secret_hash", "first_name", "last_name", "sort_name", "date_of_birth", "email"
                )
            ),
            "tokens": sorted(CandidateNameToken.objects.values_list("candidate__candidate_number", "token")),
            "centres": sorted(Centre.objects.values_list("number", "name", "name_folded", "city", "city_folded")),
            "results": sorted(
                Result.objects.values_list(
                    "candidate__candidate_number",
                    "exam__code",
                    "centre__number",
                    "exam_date",
                    "status",
                    "overall_score",
                    "grade",
                    "cefr",
                    "result_label",
                )
            ),
            "scores": sorted(
                ComponentScore.objects.values_list(
                    "result__candidate__candidate_number", "position", "code", "label", "score"
                )
            ),
        }

    def test_plain_tuples_write_what_the_orm_writes(self, monkeypatch: Any) -> None:
        rows = [
            *good_rows(),
            row(candidate_id="ABC000005", speaking="X"),
            row(candidate_id="ABC000006", first_name="", last_name="O'Brien-Nguyễn"),
        ]
        data = csv_bytes(rows)
        with transaction.atomic():
            report = results_import(actor="test", data=data)
            by_orm = self.contents()
            transaction.set_rollback(True)
        monkeypatch.setattr(import_write, "ORM_WRITE_LIMIT", 0)
        fast = results_import(actor="test", data=data)
        assert self.contents() == by_orm
        assert len(fast.created) == len(report.created) == 6
        line, result = fast.created[0]
        assert (line, result) == (2, Result.objects.get(candidate__candidate_number="ABC123456"))
        assert result.candidate.candidate_number == "ABC123456"
        assert result.ern == Result.objects.get(pk=result.pk).ern
        assert len(set(Result.objects.values_list("public_id", flat=True))) == 6
        again = results_import(actor="test", data=data)
        assert (len(again.created), again.unchanged) == (0, 6)

    def test_reserved_ids_never_reuse_a_deleted_one(self, monkeypatch: Any) -> None:
        monkeypatch.setattr(import_write, "ORM_WRITE_LIMIT", 0)
        results_import(actor="test", data=csv_bytes([row()]))
        first = Result.objects.get()
        ComponentScore.objects.all().delete()
        Result.objects.all().delete()
        results_import(actor="test", data=csv_bytes([row(candidate_id="ABC000009")]))
        assert Result.objects.get().pk > first.pk

    @settings(max_examples=200, deadline=None)
    @given(address=st.emails() | st.text(max_size=40) | st.from_regex(r"[a-z.+\-_]{0,8}@[a-z0-9.\-]{0,12}"))
    def test_the_cached_email_check_agrees_with_django(self, address: str) -> None:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        address = address.lower()
        try:
            validate_email(address)
            expected = True
        except ValidationError:
            expected = False
        assert importer.email_is_valid(address, {}) is expected
        assert importer.email_is_valid(address) is expected

    @settings(max_examples=200, deadline=None)
    @given(first=st.text(max_size=20), last=st.text(max_size=20))
    def test_folding_name_parts_gives_what_folding_the_whole_name_gives(self, first: str, last: str) -> None:
        given_name, family = fold(first), fold(last)
        assert f"{family} {given_name}".strip() == candidate_sort_name(first, last)
        parts = list(dict.fromkeys(token[:64] for token in f"{given_name} {family}".split()))
        assert parts == tokens(f"{first} {last}")
        assert parts == [t.token for t in name_tokens_for([Candidate(first_name=first, last_name=last)])]


# --- the database connection lost in the middle of an import (PostgreSQL) -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_import_leaves_nothing_and_a_rerun_imports_everything(
    monkeypatch: Any, importer_user: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL; SQLite has no server connection to kill")
    import psycopg

    client = staff_client_for(importer_user)
    rows = [row(candidate_id=f"ABC{n:06d}") for n in range(3000)]
    job = uploaded(client, csv_bytes(rows))
    assert job.status == ImportJob.Status.VALIDATED
    real_insert, real_copy = import_write.insert, bulkload.copy_text
    killed: list[int] = []

    def kill_once() -> None:
        if not killed:  # after the first rows are written, inside the import's transaction
            pid = bulkload._raw_connection().info.backend_pid
            settings_dict = connection.settings_dict
            with psycopg.connect(
                dbname=settings_dict["NAME"], user=settings_dict["USER"], host=settings_dict["HOST"] or None,
                port=settings_dict["PORT"] or None, password=settings_dict["PASSWORD"] or None, autocommit=True,
            ) as second:  # fmt: skip
                second.execute("SELECT pg_terminate_backend(%s)", [pid])
            killed.append(pid)

    def insert_then_kill(*args: Any, **kwargs: Any) -> None:
        real_insert(*args, **kwargs)
        kill_once()

    def copy_then_kill(*args: Any, **kwargs: Any) -> None:  # the rows as COPY text, perhaps on the writer thread
        real_copy(*args, **kwargs)
        kill_once()

    monkeypatch.setattr(bulkload, "copy_text", copy_then_kill)
    monkeypatch.setattr(import_write, "insert", insert_then_kill)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    import_jobs.import_run(job.pk)
    assert killed, "the connection was killed"
    job.refresh_from_db()
    assert counts() == dict.fromkeys(counts(), 0), "the rollback left nothing"
    assert (job.status, job.failure) == (ImportJob.Status.FAILED, import_jobs.LOST_CONNECTION)
    assert job.startable
    page = client.get(reverse("backoffice:import_job", args=[job.public_id])).content.decode()
    assert "The connection to the database was lost" in page
    assert "Run the import again" in page

    monkeypatch.setattr(import_write, "insert", real_insert)
    monkeypatch.setattr(bulkload, "copy_text", real_copy)
    client.post(reverse("backoffice:import_start", args=[job.public_id]))  # on_commit runs at once: no transaction
    job.refresh_from_db()
    assert (job.status, job.created, job.unchanged, job.attempts) == (ImportJob.Status.DONE, 3000, 0, 2)
    assert Result.objects.count() == 3000
    assert ComponentScore.objects.count() == 5 * 3000
