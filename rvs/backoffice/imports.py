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

import hashlib
import io
import logging
from pathlib import Path

from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rvs.accounts.models import User
from rvs.backoffice import purge
from rvs.backoffice.import_files import (
    Converted,
    check_photos,
    data_lines,
    discard_files,
    format_of,
    import_limits,
    max_csv,
    max_photos_bytes,
    pg_text,
    photos_folder,
    problems,
    xlsx_to_csv,
)
from rvs.backoffice.import_jobs import run_import
from rvs.backoffice.models import ImportJob
from rvs.backoffice.permissions import StaffPerm, staff_can
from rvs.core.audit import log_action
from rvs.core.uploads import (
    UploadLimits,
    UploadRefused,
    check_csv,
    check_size,
    megabytes,
    read_upload,
)
from rvs.results.importer import ImportRejected, results_validate

logger = logging.getLogger(__name__)


def _require(actor: User) -> None:
    if not staff_can(actor, StaffPerm.IMPORT):
        raise PermissionDenied


# --- upload and check -----------------------------------------------------------------------------------------


def import_upload(*, actor: User, upload: UploadedFile, photos: UploadedFile | None = None) -> ImportJob:
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
        raise ValidationError({"file": _("The file is empty.")})
    data = _read(upload, limits)
    file_format = format_of(name, data[:4])
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
                    "photos": _("The ZIP of photos is %(size)s; at most %(limit)s can be uploaded.")
                    % {"size": megabytes(photos.size or 0), "limit": megabytes(max_photos_bytes())}
                }
            )
        photos.seek(0)
        try:
            check_photos(photos)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from None
    job = ImportJob(
        uploaded_by=actor,
        original_name=pg_text(name)[:255],
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
        discard_files(job)
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
    with photos_folder(job) as base_dir:
        try:
            plan = results_validate(
                data=converted.data if converted else data, base_dir=base_dir, max_bytes=max_csv(job)
            )
        except ImportRejected as exc:
            job.status = ImportJob.Status.INVALID
            job.errors = problems(exc.errors, converted)
            job.error_count = len(exc.errors)
            job.rows = converted.rows if converted else max(0, data_lines(data))
            return
    job.status = ImportJob.Status.VALIDATED
    job.validated_at = timezone.now()
    job.rows = len(plan.rows)
    job.to_create = len(plan.new_rows)
    job.to_keep = plan.unchanged
    job.errors, job.error_count = [], 0


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
def import_start(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue a checked file for import (or a failed import again); the task starts after commit."""
    _require(actor)
    queued = (
        ImportJob.objects.filter(pk=job.pk)
        .filter(Q(status=ImportJob.Status.VALIDATED) | Q(status=ImportJob.Status.FAILED, error_count=0))
        .update(
            status=ImportJob.Status.QUEUED,
            queued_at=timezone.now(),
            phase=gettext_noop("Waiting to start"),
            progress=0,
            failure="",
            lease_until=None,
        )
    )
    if not queued:
        raise ValidationError(
            _("This file cannot be imported now: it has problems, or its import has already started.")
        )
    log_action("results.import_queued", actor=actor, obj=job, data={"file": job.original_name, "rows": job.rows})
    job_id = job.pk
    transaction.on_commit(lambda: run_import.enqueue(job_id))
    job.refresh_from_db()
    return job
