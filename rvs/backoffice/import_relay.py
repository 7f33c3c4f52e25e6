"""Imports whose task never reached the queue, or whose worker died: queued again by the relay.

``import_start`` queues the task after commit; if the queue (Redis) is down then, or the worker
dies mid-way (the import is one transaction, so nothing of it is kept), the job would wait
forever. ``manage.py send_outbox`` calls ``imports_reap`` on each pass: a job queued more than
``GRACE`` ago is queued again (then again each ``GRACE``), a running job whose lease lapsed is
queued again (``import_jobs._claim`` takes it only with the lease lapsed, so duplicates are harmless),
and after ``MAX_RUNS`` runs it fails with a reason; staff can then import the file again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from rvs.backoffice.import_jobs import run_import
from rvs.backoffice.models import ImportJob

logger = logging.getLogger(__name__)
GRACE = dt.timedelta(minutes=10)
MAX_RUNS = 3
# Stored in English with the number filled in; ImportJob.failure_text translates it when shown.
STOPPED = gettext_noop(
    "The import stopped %(runs)s times before it finished (the worker running it stopped). Nothing was "
    "imported. Import the file again; if it stops again, the file may be too large for the worker."
)


def _enqueue(job_id: int) -> bool:
    try:
        run_import.enqueue(job_id)
    except Exception as exc:  # the queue (Redis) is down: try again on the next pass
        logger.warning("import %s: could not be queued (%s)", job_id, type(exc).__name__)
        return False
    return True


def imports_reap() -> dict[str, int]:
    """Queue again lost or abandoned imports; fail one whose worker died ``MAX_RUNS`` times."""
    now = timezone.now()
    counts = {"requeued": 0, "failed": 0}
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING, lease_until__lte=now):
        lapsed = ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.RUNNING, lease_until__lte=now, attempts=job.attempts
        )
        if job.attempts >= MAX_RUNS:
            if lapsed.update(
                status=ImportJob.Status.FAILED,
                failure=STOPPED % {"runs": job.attempts},
                finished_at=now,
                lease_until=None,
            ):
                logger.warning("import %s failed: its worker stopped %d times", job.public_id, job.attempts)
                counts["failed"] += 1
            continue
        counts["requeued"] += _enqueue(job.pk)
    waiting = ImportJob.objects.filter(status=ImportJob.Status.QUEUED, queued_at__lte=now - GRACE)
    waiting = waiting.filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
    for job_id in list(waiting.values_list("pk", flat=True)[:100]):
        mine = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED)
        if not mine.update(lease_until=now + GRACE):  # queued's lease_until: when to queue it again
            continue
        if _enqueue(job_id):
            counts["requeued"] += 1
        else:
            mine.update(lease_until=now)
    return counts
