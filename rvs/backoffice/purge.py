"""Unconfirmed uploads do not pile up: files checked but never imported are deleted after a while.

An upload that passed its check and was never confirmed, or whose import failed for a reason
other than the file (and so could be run again), keeps its stored file: it holds Secret Numbers
in the clear. After ``IMPORT_UPLOAD_MAX_AGE_HOURS`` without being started, ``purge_stale_uploads``
deletes its file and ZIP of photos and marks the job *expired*; its name, size, SHA-256 and
report stay for the record. Invalid, finished and running jobs are left alone (the first two
have no file left; a running one is in use).

It runs from ``manage.py purge_imports`` (cron, a systemd timer) and, so that a service with no
scheduler still purges, as a background task queued by an upload at most once an hour.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from rvs.backoffice.models import ImportJob
from rvs.core.audit import log_action

logger = logging.getLogger(__name__)

# An upload queues a purge at most this often (per cache).
SCHEDULE_EVERY = dt.timedelta(hours=1)
_SCHEDULED_KEY = "backoffice:purge-imports:scheduled"


def max_age() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "IMPORT_UPLOAD_MAX_AGE_HOURS", 72)))


def stale_uploads(now: dt.datetime | None = None, age: dt.timedelta | None = None) -> list[ImportJob]:
    """Jobs whose stored upload waits to be started and is older than ``age``.

    The age runs from the check (never confirmed) or from the failure (could be run again).
    """
    cutoff = (now or timezone.now()) - (max_age() if age is None else age)
    waiting = Q(status=ImportJob.Status.VALIDATED) | Q(status=ImportJob.Status.FAILED, error_count=0)
    return list(
        ImportJob.objects.filter(waiting)
        .exclude(file="", photos="")
        .annotate(since=Coalesce("finished_at", "validated_at", "created_at"))
        .filter(since__lt=cutoff)
        .order_by("pk")
    )


def purge_stale_uploads(*, now: dt.datetime | None = None, age: dt.timedelta | None = None) -> int:
    """Delete the files of stale uploads and mark their jobs expired; how many were expired.

    Each job is taken with a conditional update first, so one confirmed meanwhile (queued) keeps
    its file, and two purges running at once expire each job once.
    """
    expired = 0
    for job in stale_uploads(now, age):
        with transaction.atomic():
            taken = (
                ImportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts)
                .filter(Q(status=ImportJob.Status.VALIDATED) | Q(status=ImportJob.Status.FAILED, error_count=0))
                .update(status=ImportJob.Status.EXPIRED, file="", photos="", lease_until=None)
            )
            if not taken:
                continue
            log_action(
                "results.import_expired",
                actor="purge",
                obj=job,
                data={
                    "file": job.original_name,
                    "was": job.status,
                    "age_hours": round(max_age().total_seconds() / 3600),
                },
            )
        # After the commit: a file is deleted only once no job points at it any more.
        for stored in (job.file, job.photos):
            if stored.name:
                try:
                    default_storage.delete(stored.name)
                except OSError:  # the job is expired either way; a file left behind is logged
                    logger.exception("could not delete %s of import %s", stored.name, job.public_id)
        expired += 1
    return expired


@task()
def purge_imports() -> None:
    purge_stale_uploads()


def schedule() -> None:
    """Queue a purge after the current transaction, unless one was queued within the hour."""
    if cache.add(_SCHEDULED_KEY, True, timeout=int(SCHEDULE_EVERY.total_seconds())):
        transaction.on_commit(_enqueue)


def _enqueue() -> None:
    purge_imports.enqueue()
