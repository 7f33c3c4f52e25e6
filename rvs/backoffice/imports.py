"""Results import in the back office: upload, check, confirm, then import as a background job.

An upload is refused before any parsing when it is too large (``IMPORT_MAX_BYTES``), has too many
lines (``IMPORT_MAX_ROWS``), or is an XLSX whose unpacked size or compression ratio is absurd.
Otherwise it is stored under ``imports/<uuid>/`` and checked exactly as the import will check it
(``rvs.results.importer.results_validate``): every problem by line and column, or what would be
created and what is already on record. Nothing is written until a staff member confirms; the
import then runs as a task that claims the job with a lease, reports its progress, and writes
all or nothing (``results_import``). A file whose SHA-256 matches a finished import is flagged,
and importing it again changes nothing (results are identified by candidate, exam and date).

XLSX files are streamed by ``rvs.core.xlsx`` within the same limits (decision 0012: the size a
sheet declares is ignored, the row limit counts empty rows, columns and XML nesting are capped)
and turned into the CSV text the importer reads (the header row is the CSV header; dates as
YYYY-MM-DD; whole numbers without ".0").
Test-day photos come as a ZIP beside the file; it is checked (no absolute paths, no "..", JPEG
and PNG only, unpacked size bounded) and unpacked into a temporary folder for the importer.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import errno
import hashlib
import io
import logging
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_tasks import task

from rvs.backoffice import purge
from rvs.backoffice.models import ImportJob
from rvs.backoffice.permissions import StaffPerm, staff_can
from rvs.core.audit import log_action
from rvs.core.uploads import (
    UploadLimits,
    UploadRefused,
    check_archive,
    check_csv,
    check_size,
    megabytes,
    read_upload,
    upload_limits,
)
from rvs.results.importer import PHASE_PARSE, ImportRejected, RowError, results_import, results_validate

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
# The import is one transaction, during which the lease cannot be renewed (SQLite holds its write
# lock): it is taken for this long as the import starts.
WRITE_LEASE = dt.timedelta(minutes=30)
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx",)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
_ZIP_MAGIC = b"PK\x03\x04"
_PROGRESS_SECONDS = 0.5

LOST_CONNECTION = (
    "The connection to the database was lost during the import, so nothing was imported. "
    "Run the import again: it starts from the beginning."
)
DATABASE_ERROR = (
    "The database could not complete the import (it may have been busy), so nothing was imported. Run the import again."
)
NO_SPACE = "There was not enough disk space to import the file; nothing was imported. Please try again later."
UNEXPECTED = (
    "The import stopped on an unexpected error, so nothing was imported. Run it again; if it fails again, "
    "contact the service team."
)
RECORDS_CHANGED = (
    "The file no longer passes the checks against the results on record (they changed after it was checked), "
    "so nothing was imported. The problems are listed below."
)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _limit("IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return _limit("IMPORT_MAX_ROWS", 200_000)


def max_unpacked_bytes() -> int:
    """The most an XLSX may unpack to (its XML is several times the size of the CSV it holds)."""
    return _limit("IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)


def max_unpack_ratio() -> int:
    return _limit("IMPORT_MAX_UNPACK_RATIO", 200)


def max_photos_bytes() -> int:
    return _limit("IMPORT_MAX_PHOTOS_BYTES", 200 * 1024 * 1024)


def max_photos_unpacked_bytes() -> int:
    return _limit("IMPORT_MAX_PHOTOS_UNPACKED_BYTES", 400 * 1024 * 1024)


def import_limits() -> UploadLimits:
    """What a results file may cost (decision 0012): the row limit stops the reading, empty rows included."""
    return upload_limits(
        what="file",
        noun="results",
        verb="imported",
        max_bytes=max_bytes(),
        max_rows=max_rows(),
        max_unpacked_bytes=max_unpacked_bytes(),
        max_unpack_ratio=max_unpack_ratio(),
    )


def _require(actor: Any) -> None:
    if not staff_can(actor, StaffPerm.IMPORT):
        raise PermissionDenied


# --- XLSX -----------------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return str(value)


@dataclass
class Converted:
    """An XLSX as the CSV the importer reads, and where each of its lines came from."""

    data: bytes
    rows: int
    row_starts: list[int]  # the CSV line where sheet row n + 1 starts

    def sheet_row(self, line: int) -> int:
        """The sheet row of CSV line ``line`` (they differ only after cells holding line breaks)."""
        if line <= 0 or not self.row_starts:
            return line
        return bisect.bisect_right(self.row_starts, line)


def xlsx_to_csv(data: bytes) -> Converted:
    """The first sheet of an XLSX file as CSV; ``ValidationError`` when it is not one or is absurd.

    The sheet is streamed within ``import_limits()`` (rvs.core.xlsx): the size a sheet declares is
    ignored, and the reading stops at the row limit, empty rows included.
    """
    from rvs.core.xlsx import xlsx_rows  # imported when needed (it imports openpyxl): most imports are CSV

    try:
        return _sheet_to_csv(xlsx_rows(data, import_limits()))
    except UploadRefused:
        raise
    except Exception:  # a damaged file must get an answer, not a server error
        raise ValidationError("The file is not a readable XLSX workbook.") from None


def _sheet_to_csv(sheet_rows: Iterator[list[Any]]) -> Converted:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    starts: list[int] = []
    line = 1
    width = 0
    rows = 0
    for number, values in enumerate(sheet_rows, start=1):
        cells = [_cell(value) for value in values]
        if number == 1:
            while cells and not cells[-1].strip():
                cells.pop()
            width = len(cells)
        elif len(cells) > width and not any(cell.strip() for cell in cells[width:]):
            del cells[width:]
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        if number > 1 and any(cell.strip() for cell in cells):
            rows += 1
        starts.append(line)
        writer.writerow(cells)
        line += sum(cell.count("\n") for cell in cells) + 1
    return Converted(out.getvalue().encode("utf-8"), rows, starts)


# --- photos ---------------------------------------------------------------------------------------------------


def _photo_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = check_archive(
        archive,
        what="ZIP of photos",
        max_unpacked_bytes=max_photos_unpacked_bytes(),
        max_unpack_ratio=None,
        max_members=max_rows() + 1000,
    )
    problems = []
    for member in members:
        name = member.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or path.is_absolute() or (len(name) > 1 and name[1] == ":"):
            problems.append(f"{name!r} has an absolute path")
        elif ".." in path.parts:
            problems.append(f"{name!r} points outside the ZIP (“..”)")
        elif member.is_dir():
            continue
        elif path.suffix.lower() not in PHOTO_SUFFIXES:
            problems.append(f"{name!r} is not a JPEG or PNG photo")
        if len(problems) >= 20:
            break
    if problems:
        raise ValidationError(["The ZIP of photos cannot be used:", *problems])
    return [member for member in members if not member.is_dir()]


def check_photos(handle: IO[bytes]) -> int:
    """The number of photos in a ZIP; ``ValidationError`` when it is not one or holds anything else."""
    try:
        with zipfile.ZipFile(handle) as archive:
            return len(_photo_members(archive))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise ValidationError("The photos must be a ZIP file.") from None


def extract_photos(handle: IO[bytes], target: Path) -> None:
    """Unpack the checked ZIP into ``target``, never writing outside it nor more than it declares."""
    root = target.resolve()
    with zipfile.ZipFile(handle) as archive:
        for member in _photo_members(archive):
            destination = (root / member.filename.replace("\\", "/")).resolve()
            if not destination.is_relative_to(root):  # pragma: no cover - _photo_members refused it
                raise ValidationError(f"{member.filename!r} points outside the ZIP")
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)


# --- upload and check -----------------------------------------------------------------------------------------


def _format_of(name: str, head: bytes) -> str:
    lower = name.lower()
    if lower.endswith(XLSX_SUFFIXES):
        if not head.startswith(_ZIP_MAGIC):
            raise ValidationError({"file": "This file is named .xlsx but is not an XLSX workbook."})
        return ImportJob.Format.XLSX
    if lower.endswith(CSV_SUFFIXES):
        if head.startswith(_ZIP_MAGIC):
            raise ValidationError({"file": "This file is named .csv but is a ZIP or XLSX file; save it as CSV."})
        return ImportJob.Format.CSV
    raise ValidationError({"file": "Upload a CSV or XLSX file (the import_results format)."})


def _lines(data: bytes) -> int:
    """Data lines of a CSV (header excluded): an upper bound of its results, counted without parsing."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1


def _text(value: str) -> str:
    """Text as PostgreSQL stores it: a file may hold NUL characters, which no text column takes."""
    return value.replace("\x00", "\ufffd")


def _problems(errors: list[RowError], converted: Converted | None = None) -> list[dict[str, Any]]:
    kept = errors[: ImportJob.ERRORS_KEPT]
    return [
        {
            "line": converted.sheet_row(error.line) if converted else error.line,
            "column": _text(error.column),
            "column_number": error.column_number,
            "message": _text(error.message),
        }
        for error in kept
    ]


def import_upload(*, actor: Any, upload: UploadedFile, photos: UploadedFile | None = None) -> ImportJob:
    """Store an uploaded results file (and ZIP of photos) and check it; nothing is imported yet.

    Raises ``ValidationError`` (keyed by form field) for what is refused before parsing. A file
    that is read and has problems gives a job in status *invalid*, listing them.
    """
    _require(actor)
    purge.schedule()  # uploads left unconfirmed before this one go after a while
    name = Path(upload.name or "results.csv").name
    limits = import_limits()
    try:
        check_size(upload.size, max_bytes=limits.max_bytes, verb=limits.verb)
    except UploadRefused as exc:
        raise ValidationError({"file": exc.messages}) from None
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    data = _read(upload, limits)
    file_format = _format_of(name, data[:4])
    converted = None
    try:
        if file_format == ImportJob.Format.XLSX:
            converted = xlsx_to_csv(data)
        else:
            check_csv(data, limits)  # lines (empty ones too) and their length, before parsing
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if photos is not None:
        if photos.size is None or photos.size > max_photos_bytes():
            raise ValidationError(
                {
                    "photos": f"The ZIP of photos is {megabytes(photos.size or 0)}; at most "
                    f"{megabytes(max_photos_bytes())} can be uploaded."
                }
            )
        photos.seek(0)
        try:
            check_photos(photos)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from None
    job = ImportJob(
        uploaded_by=actor,
        original_name=_text(name)[:255],
        file_format=file_format,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    folder = f"imports/{job.public_id}"
    job.file.name = default_storage.save(f"{folder}/{_storage_name(name, file_format)}", io.BytesIO(data))
    if photos is not None:
        photos.seek(0)
        job.photos.name = default_storage.save(f"{folder}/photos.zip", photos)
    _check(job, data, converted)
    if job.status == ImportJob.Status.INVALID:
        _discard_files(job)
    job.save()
    log_action(
        "results.import_checked",
        actor=actor,
        obj=job,
        data={"file": job.original_name, "rows": job.rows, "problems": job.error_count, "status": job.status},
    )
    return job


def _read(upload: UploadedFile, limits: UploadLimits) -> bytes:
    try:
        return read_upload(upload, max_bytes=limits.max_bytes, verb=limits.verb)
    except UploadRefused as exc:
        raise ValidationError({"file": exc.messages}) from None


def _storage_name(name: str, file_format: str) -> str:
    """A safe file name for storage (the original is kept on the job as it was)."""
    try:
        return get_valid_filename(name)[:100] or f"results.{file_format}"
    except SuspiciousFileOperation:
        return f"results.{file_format}"


def _check(job: ImportJob, data: bytes, converted: Converted | None) -> None:
    with _photos_folder(job) as base_dir:
        try:
            plan = results_validate(
                data=converted.data if converted else data, base_dir=base_dir, max_bytes=_max_csv(job)
            )
        except ImportRejected as exc:
            job.status = ImportJob.Status.INVALID
            job.errors = _problems(exc.errors, converted)
            job.error_count = len(exc.errors)
            job.rows = converted.rows if converted else max(0, _lines(data))
            return
    job.status = ImportJob.Status.VALIDATED
    job.validated_at = timezone.now()
    job.rows = len(plan.rows)
    job.to_create = len(plan.new_rows)
    job.to_keep = plan.unchanged
    job.errors, job.error_count = [], 0


def _max_csv(job: ImportJob) -> int:
    # The upload limit applies to the uploaded file; an XLSX unpacks to more CSV than it weighs.
    return max_unpacked_bytes() if job.file_format == ImportJob.Format.XLSX else max_bytes()


@contextmanager
def _photos_folder(job: ImportJob) -> Iterator[Path | None]:
    """The job's photos unpacked in a temporary folder (None without photos), removed afterwards."""
    if not job.photos:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="rvs-import-photos-"))
    try:
        with job.photos.open("rb") as handle:
            extract_photos(handle, folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _discard_files(job: ImportJob) -> None:
    """Delete the stored upload once it can no longer be imported (done, or it must be corrected).

    The file holds Secret Numbers in the clear, which the service otherwise keeps only as keyed
    hashes; the job keeps its name, size, SHA-256 and report.
    """
    for stored in (job.file, job.photos):
        if stored.name:
            default_storage.delete(stored.name)
    job.file.name, job.photos.name = "", ""
    if job.pk:
        ImportJob.objects.filter(pk=job.pk).update(file="", photos="")


def previous_import(job: ImportJob) -> ImportJob | None:
    """The last finished import of the same file (same SHA-256), if any."""
    return (
        ImportJob.objects.filter(sha256=job.sha256, status=ImportJob.Status.DONE)
        .exclude(pk=job.pk)
        .select_related("uploaded_by")
        .order_by("-finished_at")
        .first()
    )


def running_import(job: ImportJob) -> ImportJob | None:
    """Another job importing the same file now, if any."""
    return (
        ImportJob.objects.filter(sha256=job.sha256, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
        .exclude(pk=job.pk)
        .first()
    )


@transaction.atomic
def import_start(*, actor: Any, job: ImportJob) -> ImportJob:
    """Queue a checked file for import (or a failed import again); the task starts after commit."""
    _require(actor)
    queued = (
        ImportJob.objects.filter(pk=job.pk)
        .filter(Q(status=ImportJob.Status.VALIDATED) | Q(status=ImportJob.Status.FAILED, error_count=0))
        .update(
            status=ImportJob.Status.QUEUED,
            queued_at=timezone.now(),
            phase="Waiting to start",
            progress=0,
            failure="",
            lease_until=None,
        )
    )
    if not queued:
        raise ValidationError("This file cannot be imported now: it has problems, or its import has already started.")
    log_action("results.import_queued", actor=actor, obj=job, data={"file": job.original_name, "rows": job.rows})
    job_id = job.pk
    transaction.on_commit(lambda: run_import.enqueue(job_id))
    job.refresh_from_db()
    return job


# --- the background job ---------------------------------------------------------------------------------------


def _claim(job_id: int) -> ImportJob | None:
    """Take a queued job, or a running one whose worker stopped renewing its lease.

    Each claim counts an attempt; a worker writes to the job only while its attempt is the
    latest, so one that was overtaken (its lease expired) cannot overwrite the outcome.
    """
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, lease_until__lte=now))
        .update(
            status=ImportJob.Status.RUNNING,
            started_at=now,
            lease_until=now + LEASE,
            phase=PHASE_PARSE,
            progress=0,
            failure="",
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return ImportJob.objects.select_related("uploaded_by").get(pk=job_id)


def _mine(job: ImportJob) -> Any:
    """The job's row while this worker's attempt is the latest."""
    return ImportJob.objects.filter(pk=job.pk, attempts=job.attempts)


class _Progress:
    """Saves the importer's progress on the job: on each new phase, and every half second or so."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.phase = ""
        self.percent = -1
        self.saved_at = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 0
        now = time.monotonic()
        if phase == self.phase and (percent == self.percent or now - self.saved_at < _PROGRESS_SECONDS):
            return
        # The import is one transaction from its first line (parsing and writing overlap), and the
        # lease cannot be renewed inside: it is taken for the whole of it.
        _mine(self.job).update(phase=phase[:100], progress=percent, lease_until=timezone.now() + WRITE_LEASE)
        self.phase, self.percent, self.saved_at = phase, percent, now


def import_run(job_id: int) -> None:
    """Import a queued job's file, all or nothing; a failure is recorded with a reason staff can act on.

    A worker that dies mid-way leaves the lease to expire and the job is taken again; its
    transaction was rolled back, so the import starts afresh.
    """
    job = _claim(job_id)
    if job is None:
        return
    converted = None
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        if job.file_format == ImportJob.Format.XLSX:
            converted = xlsx_to_csv(data)
            data = converted.data
        with _photos_folder(job) as base_dir:
            report = results_import(
                actor=job.uploaded_by or "back office",
                data=data,
                base_dir=base_dir,
                source=job.original_name,
                progress=_Progress(job),
                max_bytes=_max_csv(job),
            )
    except ImportRejected as exc:
        _failed(job, RECORDS_CHANGED, _problems(exc.errors, converted), len(exc.errors))
        _discard_files(job)
    except Exception as exc:
        logger.exception("import %s failed", job.public_id)
        _failed(job, _reason(exc))
    else:
        _discard_files(job)
        _mine(job).update(
            status=ImportJob.Status.DONE,
            created=len(report.created),
            unchanged=report.unchanged,
            phase="Imported",
            progress=100,
            finished_at=timezone.now(),
            lease_until=None,
        )


def _connection_lost(exc: BaseException) -> bool:
    """The database connection broke: the server ended it, or the client lost it (no SQLSTATE)."""
    if isinstance(exc, InterfaceError):
        return True
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(("08", "57P"))  # connection exception; operator intervention
    return connection.vendor == "postgresql"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OperationalError | InterfaceError):
        return LOST_CONNECTION if _connection_lost(exc) else DATABASE_ERROR
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return NO_SPACE
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return UNEXPECTED


def _failed(job: ImportJob, reason: str, errors: list[dict[str, Any]] | None = None, count: int = 0) -> None:
    # The import's connection may be the one that failed: start on a fresh one to record it.
    if not connection.in_atomic_block and not connection.is_usable():
        connection.close()
    _mine(job).update(
        status=ImportJob.Status.FAILED,
        failure=reason,
        errors=errors or [],
        error_count=count,
        finished_at=timezone.now(),
        lease_until=None,
    )


@task()
def run_import(job_id: int) -> None:
    import_run(job_id)
