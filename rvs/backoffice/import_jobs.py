"""A results import as a background job: claimed with a lease, its progress saved, all or nothing.

The worker that runs ``run_import`` claims the job (a queued one, or a running one whose lease
lapsed: its worker died), imports the file in one transaction (``results_import``), and records
the outcome with a reason staff can act on. ``import_relay`` queues again a job whose task was lost.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from rvs.backoffice.import_files import discard_files, max_csv, photos_folder, problems, xlsx_to_csv
from rvs.backoffice.models import ImportJob
from rvs.results.importer import PHASE_PARSE, ImportRejected, results_import

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
# The import is one transaction, during which the lease cannot be renewed (SQLite holds its write
# lock): it is taken for this long as the import starts.
WRITE_LEASE = dt.timedelta(minutes=30)
_PROGRESS_SECONDS = 0.5

# A job's failure is stored in English and translated when a page shows it (ImportJob.failure_text).
LOST_CONNECTION = gettext_noop(
    "The connection to the database was lost during the import, so nothing was imported. "
    "Run the import again: it starts from the beginning."
)
DATABASE_ERROR = gettext_noop(
    "The database could not complete the import (it may have been busy), so nothing was imported. Run the import again."
)
NO_SPACE = gettext_noop(
    "There was not enough disk space to import the file; nothing was imported. Please try again later."
)
UNEXPECTED = gettext_noop(
    "The import stopped on an unexpected error, so nothing was imported. Run it again; if it fails again, "
    "contact the service team."
)
RECORDS_CHANGED = gettext_noop(
    "The file no longer passes the checks against the results on record (they changed after it was checked), "
    "so nothing was imported. The problems are listed below."
)
IMPORTED = gettext_noop("Imported")  # the phase of a finished import, translated when shown


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
        with photos_folder(job) as base_dir:
            report = results_import(
                actor=job.uploaded_by or "back office",
                data=data,
                base_dir=base_dir,
                source=job.original_name,
                progress=_Progress(job),
                max_bytes=max_csv(job),
            )
    except ImportRejected as exc:
        _failed(job, RECORDS_CHANGED, problems(exc.errors, converted), len(exc.errors))
        discard_files(job)
    except Exception as exc:
        logger.exception("import %s failed", job.public_id)
        _failed(job, _reason(exc))
    else:
        discard_files(job)
        _mine(job).update(
            status=ImportJob.Status.DONE,
            created=len(report.created),
            unchanged=report.unchanged,
            phase=IMPORTED,
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
