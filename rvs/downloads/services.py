"""Writes for downloads: templates, download jobs (the Download History), rendering files."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import glob
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from django import db
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from rvs.accounts.models import User
from rvs.core.actors import ActorLike, actor_label, user_of
from rvs.core.audit import log_action
from rvs.core.permissions import Perm, has_perm
from rvs.downloads import rows, selectors
from rvs.downloads.exporters import EXPORTERS, DataExporter, Exporter, StatementPdfExporter
from rvs.downloads.fields import DEFAULT_TEMPLATE_NAME, available_fields, default_fields
from rvs.downloads.models import DownloadJob, DownloadTemplate
from rvs.organisations.models import Organisation
from rvs.results.models import Candidate, Result
from rvs.sharing import access

logger = logging.getLogger(__name__)


def _require(actor: ActorLike, organisation: Organisation) -> None:
    if not has_perm(actor, organisation, Perm.DOWNLOADS):
        raise PermissionDenied


def _clean_fields(fields: Sequence[str], organisation: Organisation) -> list[str]:
    chosen = [key for key in fields if key]
    available = available_fields(organisation=organisation)
    unknown = [key for key in chosen if key not in available]
    if unknown:
        raise ValidationError({"fields": _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)}})
    if not chosen:
        raise ValidationError({"fields": _("Choose at least one field.")})
    if len(set(chosen)) != len(chosen):
        raise ValidationError({"fields": _("Each field can appear once.")})
    return chosen


@transaction.atomic
def template_save(
    *,
    actor: ActorLike,
    organisation: Organisation,
    name: str,
    fields: Sequence[str],
    template: DownloadTemplate | None = None,
) -> DownloadTemplate:
    """Create (``template`` None) or change a data-file template: a name and ordered fields."""
    _require(actor, organisation)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    if name.casefold() == DEFAULT_TEMPLATE_NAME.casefold():
        raise ValidationError({"name": _("This name is taken by the default template.")})
    chosen = _clean_fields(fields, organisation)
    if template is not None and template.organisation_id != organisation.pk:
        raise PermissionDenied
    try:
        with transaction.atomic():
            if template is None:
                template = DownloadTemplate.objects.create(
                    organisation=organisation, name=name, fields=chosen, created_by=user_of(actor)
                )
                action = "template.created"
            else:
                template.name, template.fields = name, chosen
                template.save(update_fields=["name", "fields", "updated_at"])
                action = "template.updated"
    except IntegrityError:
        raise ValidationError({"name": _("You already have a template with this name.")}) from None
    log_action(action, actor=actor, organisation=organisation, obj=template, data={"name": name, "fields": chosen})
    return template


@transaction.atomic
def template_delete(*, actor: ActorLike, organisation: Organisation, template: DownloadTemplate) -> None:
    _require(actor, organisation)
    if template.organisation_id != organisation.pk:
        raise PermissionDenied
    log_action("template.deleted", actor=actor, organisation=organisation, obj=template, data={"name": template.name})
    template.delete()


@transaction.atomic
def download_create(
    *,
    actor: ActorLike,
    organisation: Organisation,
    exporter: str,
    result_ids: Sequence[int],
    template: DownloadTemplate | None = None,
    requested: int | None = None,
) -> DownloadJob:
    """Record a download of ``result_ids`` the organisation may open; large ones run in the background.

    Results the organisation cannot open (revoked since, never shared) are left out and counted.
    ``requested`` is how many distinct results the caller was asked for when it has already dropped
    the ids that name nothing this organisation may open (``selectors.result_ids_for_public_ids``):
    those count as left out too, whether or not such a result exists. Up to
    ``DOWNLOAD_STREAM_LIMIT`` results the caller renders the file at once (``download_render``).
    """
    _require(actor, organisation)
    if exporter not in EXPORTERS:
        raise ValidationError({"format": _("Choose a download format.")})
    if template is not None and template.organisation_id != organisation.pk:
        raise PermissionDenied
    if len(result_ids) > settings.DOWNLOAD_MAX_RESULTS:
        raise ValidationError(
            _("A download can hold at most %(count)s results.") % {"count": settings.DOWNLOAD_MAX_RESULTS}
        )
    unique_ids = list(dict.fromkeys(result_ids))
    asked = max(requested or 0, len(unique_ids))
    allowed = access.visible_result_ids(organisation=organisation, result_ids=unique_ids)
    if not allowed:
        raise ValidationError(_("Select at least one result you can still open."))
    uses_template = EXPORTERS[exporter].uses_template
    job = DownloadJob.objects.create(
        organisation=organisation,
        requested_by=user_of(actor),
        requested_label=actor_label(actor)[:200],
        exporter=exporter,
        template=template if uses_template else None,
        template_name=(template.name if template else DEFAULT_TEMPLATE_NAME) if uses_template else "",
        fields=(template.fields if template else default_fields(organisation=organisation)) if uses_template else [],
        result_ids=allowed,
        requested=asked,
        included=len(allowed),
        omitted=asked - len(allowed),
        background=len(allowed) > settings.DOWNLOAD_STREAM_LIMIT,
    )
    log_action(
        "download.created", actor=actor, organisation=organisation, obj=job,
        data={"format": exporter, "template": job.template_name, "results": len(allowed), "omitted": job.omitted},
    )  # fmt: skip
    if job.background:
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue(job_id))
    return job


def download_again(*, actor: ActorLike, organisation: Organisation, job: DownloadJob) -> DownloadJob:
    """Download History: the same results and settings again, with access checked anew."""
    if job.organisation_id != organisation.pk:
        raise PermissionDenied
    template = job.template
    if template is not None and template.organisation_id != organisation.pk:
        template = None
    again = download_create(
        actor=actor,
        organisation=organisation,
        exporter=job.exporter,
        result_ids=job.result_ids,
        template=template,
    )
    if template is None and job.fields and again.fields != job.fields:
        # The template was deleted since: keep the columns of the original download.
        DownloadJob.objects.filter(pk=again.pk).update(fields=job.fields, template_name=job.template_name)
        again.refresh_from_db()
    return again


def _photo_rule(job: DownloadJob) -> Callable[[Result], bool]:
    organisation = job.organisation
    if job.candidate_id is not None or organisation is None:
        return lambda result: True  # candidates' own statements carry their own photo
    allowed = access.photo_result_ids(organisation=organisation, result_ids=job.result_ids)
    return lambda result: result.pk in allowed


def download_render(job: DownloadJob, out: BinaryIO, progress: Callable[[int], None] | None = None) -> int:
    """Write the job's file to ``out``, re-checking access just before reading the results."""
    ids = job.result_ids
    if job.organisation is not None:
        ids = access.visible_result_ids(organisation=job.organisation, result_ids=ids)
    exporter: Exporter = EXPORTERS[job.exporter]
    progress = progress or (lambda done: None)
    if isinstance(exporter, DataExporter):
        table = rows.data_table(ids, job.fields, organisation=job.organisation)
        return exporter.render(table, out, progress=progress)
    assert isinstance(exporter, StatementPdfExporter)
    return exporter.render(selectors.results_in_order(ids), out, progress=progress, photo_for=_photo_rule(job))


def filename(job: DownloadJob) -> str:
    """No personal data in file names: kind, date and a short id only."""
    exporter = EXPORTERS[job.exporter]
    kind = "verification" if job.kind == DownloadJob.Kind.BULK_VERIFICATION else exporter.file_stem
    return f"{kind}-{job.created_at:%Y-%m-%d}-{str(job.public_id)[:8]}.{exporter.extension}"


@transaction.atomic
def download_mark_done(*, job: DownloadJob, included: int) -> None:
    DownloadJob.objects.filter(pk=job.pk).update(
        status=DownloadJob.Status.DONE, progress=100, included=included, finished_at=timezone.now()
    )


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DOWNLOAD_LEASE_SECONDS)


def _claim(job_id: int) -> DownloadJob | None:
    """Take a waiting job, or a running one whose worker let the lease lapse (it died)."""
    now = timezone.now()
    claimed = (
        DownloadJob.objects.filter(pk=job_id, status__in=[DownloadJob.Status.PENDING, DownloadJob.Status.RUNNING])
        .exclude(status=DownloadJob.Status.RUNNING, lease_until__gt=now)
        .filter(attempts__lt=settings.DOWNLOAD_MAX_ATTEMPTS)
        .update(
            status=DownloadJob.Status.RUNNING,
            started_at=now,
            lease_until=now + _lease(),
            progress=0,
            attempts=F("attempts") + 1,
        )
    )
    return DownloadJob.objects.select_related("organisation").get(pk=job_id) if claimed else None


def _mine(job: DownloadJob) -> QuerySet[DownloadJob]:
    """This run's row: still running and started by this run (a reaped run's writes match nothing)."""
    return DownloadJob.objects.filter(pk=job.pk, status=DownloadJob.Status.RUNNING, started_at=job.started_at)


def _scratch_file(job: DownloadJob) -> tuple[BinaryIO, str]:
    """The temporary file a background job writes; its name lets the reaper find a dead run's file."""
    handle, path = tempfile.mkstemp(
        prefix=f"rvs-download-{job.public_id}-", suffix="." + EXPORTERS[job.exporter].extension
    )
    return os.fdopen(handle, "w+b"), path


def _discard_files(job: DownloadJob) -> None:
    """Remove what a failed or dead run may have left: its scratch file and any stored part."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), f"rvs-download-{job.public_id}-*")):
        with contextlib.suppress(OSError):
            os.unlink(path)
    folder = f"downloads/{job.public_id}"
    with contextlib.suppress(OSError, NotImplementedError):
        for name in default_storage.listdir(folder)[1]:
            default_storage.delete(f"{folder}/{name}")


def download_run(job_id: int) -> None:
    """Render a background download to a temporary file, then publish it in one step.

    The file is attached to the job only once complete, so a half-written file is never served.
    The worker renews its lease while it writes; a worker killed mid-way lets the lease lapse and
    ``downloads_reap`` runs the job again or, after ``DOWNLOAD_MAX_ATTEMPTS`` runs, fails it.
    """
    job = _claim(job_id)
    if job is None:
        return
    total = max(len(job.result_ids), 1)
    last = [0]

    def progress(done: int) -> None:
        percent = min(99, done * 100 // total)
        if percent >= last[0] + 2:
            last[0] = percent
            _mine(job).update(progress=percent)

    out, path = _scratch_file(job)
    name = ""
    try:
        with _lease_kept(job), out:
            included = download_render(job, out, progress)
            out.flush()
            out.seek(0)
            name = default_storage.save(f"downloads/{job.public_id}/{filename(job)}", File(out))
        published = _mine(job).update(
            file=name, status=DownloadJob.Status.DONE, progress=100, included=included,
            finished_at=timezone.now(), lease_until=None,
        )  # fmt: skip
        if not published:  # taken for dead and run again meanwhile: the other run publishes
            default_storage.delete(name)
    except Exception as exc:
        logger.exception("download %s failed", job.public_id)
        if _disk_full(exc):
            # Stored in English; DownloadJob.error_shown translates it when shown.
            reason = gettext_noop("There was not enough disk space to write the file. Please try again later.")
        else:
            reason = gettext_noop("The file could not be prepared. Please try again; if it fails again, contact us.")
        now = timezone.now()
        if _mine(job).update(status=DownloadJob.Status.FAILED, error=reason, finished_at=now, lease_until=None):
            _discard_files(job)
        elif name:  # no longer this run's job: remove only what this run stored
            default_storage.delete(name)
    finally:
        if os.path.exists(path):
            os.unlink(path)


@contextlib.contextmanager
def _lease_kept(job: DownloadJob) -> Iterator[None]:
    """Renew the job's lease from a thread three times per lease while the body runs.

    Rendering reports progress, but some phases (zipping an XLSX, signing a large PDF) run long
    without doing so; a thread keeps a live worker from being taken for dead. A killed worker's
    thread dies with it, and the lease lapses.
    """
    stop = threading.Event()
    lease = _lease()

    def renew() -> None:
        try:
            while not stop.wait(lease.total_seconds() / 3):
                if not _mine(job).update(lease_until=timezone.now() + lease):
                    return  # reaped and given to another run: stop renewing
        except Exception:
            logger.exception("download %s: could not renew the lease", job.public_id)
        finally:
            db.connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=renew, name=f"download-{job.pk}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def _disk_full(exc: BaseException | None) -> bool:
    """ENOSPC or a quota, also when a library wraps it (XlsxWriter raises FileCreateError(OSError))."""
    seen = 0
    while exc is not None and seen < 5:
        for candidate in (exc, *(arg for arg in exc.args if isinstance(arg, BaseException))):
            if isinstance(candidate, OSError) and candidate.errno in (errno.ENOSPC, errno.EDQUOT):
                return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _enqueue(job_id: int) -> bool:
    """Queue the job's task. When the queue cannot be reached (Redis down) the waiting job is
    flagged (``lease_until`` = now) and the relay queues it on its next pass."""
    try:
        run_download.enqueue(job_id)
    except Exception as exc:
        logger.warning("download job %s: could not be queued (%s); the relay will queue it", job_id, type(exc).__name__)
        DownloadJob.objects.filter(pk=job_id, status=DownloadJob.Status.PENDING).update(lease_until=timezone.now())
        return False
    return True


def _stale() -> dt.timedelta:
    """How long a queued job may wait before its task is taken for lost and queued again."""
    return 10 * _lease()


def downloads_reap() -> dict[str, int]:
    """Find background downloads whose worker died or whose task never reached the queue, and act.

    A running job whose lease lapsed is run again while it has runs left, otherwise it fails with
    a reason shown in Download History. A waiting job is queued again when queueing it failed
    (flagged by ``_enqueue``) or when it has waited ``10 × lease`` (its task may have been lost
    with a process that died before queueing it); taking a job is conditional, so a task queued
    twice runs once. Called by ``manage.py send_outbox`` on each pass.
    """
    now = timezone.now()
    counts = {"requeued": 0, "failed": 0}
    # Any job run through download_run holds a lease: background ones, and small API downloads run inline.
    dead = DownloadJob.objects.filter(status=DownloadJob.Status.RUNNING, lease_until__lte=now)
    for job in dead:
        still_dead = DownloadJob.objects.filter(pk=job.pk, status=DownloadJob.Status.RUNNING, lease_until__lte=now)
        if job.attempts >= settings.DOWNLOAD_MAX_ATTEMPTS:
            reason = (
                "The file could not be prepared: the worker preparing it stopped "
                f"{job.attempts} time(s). Please try again; if it fails again, contact us."
            )
            if still_dead.update(status=DownloadJob.Status.FAILED, error=reason, finished_at=now, lease_until=None):
                logger.warning("download %s failed: worker stopped %d time(s)", job.public_id, job.attempts)
                _discard_files(job)
                counts["failed"] += 1
            continue
        if still_dead.update(status=DownloadJob.Status.PENDING, progress=0, lease_until=now + _stale()):
            logger.warning("download %s: worker stopped (run %d); running it again", job.public_id, job.attempts)
            _discard_files(job)
            counts["requeued"] += _enqueue(job.pk)
    waiting = DownloadJob.objects.filter(status=DownloadJob.Status.PENDING, background=True)
    unqueued = waiting.filter(
        Q(lease_until__lte=now) | Q(lease_until__isnull=True, created_at__lte=now - _stale())
    ).values_list("pk", flat=True)
    for job_id in list(unqueued[:500]):
        if DownloadJob.objects.filter(pk=job_id, status=DownloadJob.Status.PENDING).update(lease_until=now + _stale()):
            counts["requeued"] += _enqueue(job_id)
    return counts


@task()
def run_download(job_id: int) -> None:
    download_run(job_id)


@transaction.atomic
def candidate_download_create(*, actor: User, candidate: Candidate) -> DownloadJob:
    """A candidate's own Statements of Results (all their results), signed like any other."""
    ids = selectors.candidate_result_ids(candidate=candidate)
    if not ids:
        raise ValidationError(_("You have no results to download yet."))
    job = DownloadJob.objects.create(
        candidate=candidate, requested_by=actor, exporter="pdf", result_ids=ids, requested=len(ids), included=len(ids)
    )
    log_action("download.created", actor=actor, obj=job, data={"format": "pdf", "results": len(ids), "candidate": True})
    return job
