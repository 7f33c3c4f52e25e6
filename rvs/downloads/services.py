"""Writes for downloads: templates, download jobs (the Download History), rendering files."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import tempfile
from collections.abc import Sequence
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from rvs.core.actors import actor_label, user_of
from rvs.core.audit import log_action
from rvs.core.permissions import Perm, has_perm
from rvs.downloads import selectors
from rvs.downloads.exporters import EXPORTERS, Exporter
from rvs.downloads.fields import DEFAULT_FIELDS, DEFAULT_TEMPLATE_NAME, FIELDS
from rvs.downloads.models import DownloadJob, DownloadTemplate

logger = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=2)


def _require(actor: Any, organisation: Any) -> None:
    if not has_perm(actor, organisation, Perm.DOWNLOADS):
        raise PermissionDenied


def _clean_fields(fields: Sequence[str]) -> list[str]:
    chosen = [key for key in fields if key]
    unknown = [key for key in chosen if key not in FIELDS]
    if unknown:
        raise ValidationError({"fields": f"Unknown field(s): {', '.join(unknown)}."})
    if not chosen:
        raise ValidationError({"fields": "Choose at least one field."})
    if len(set(chosen)) != len(chosen):
        raise ValidationError({"fields": "Each field can appear once."})
    return chosen


@transaction.atomic
def template_save(
    *, actor: Any, organisation: Any, name: str, fields: Sequence[str], template: DownloadTemplate | None = None
) -> DownloadTemplate:
    """Create (``template`` None) or change a data-file template: a name and ordered fields."""
    _require(actor, organisation)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the template a name."})
    if name.casefold() == DEFAULT_TEMPLATE_NAME.casefold():
        raise ValidationError({"name": "This name is taken by the default template."})
    chosen = _clean_fields(fields)
    if template is not None and template.organisation_id != organisation.pk:
        raise PermissionDenied
    try:
        with transaction.atomic():
            if template is None:
                template = DownloadTemplate.objects.create(
                    organisation=organisation, name=name, fields=chosen, created_by=actor
                )
                action = "template.created"
            else:
                template.name, template.fields = name, chosen
                template.save(update_fields=["name", "fields", "updated_at"])
                action = "template.updated"
    except IntegrityError:
        raise ValidationError({"name": "You already have a template with this name."}) from None
    log_action(action, actor=actor, organisation=organisation, obj=template, data={"name": name, "fields": chosen})
    return template


@transaction.atomic
def template_delete(*, actor: Any, organisation: Any, template: DownloadTemplate) -> None:
    _require(actor, organisation)
    if template.organisation_id != organisation.pk:
        raise PermissionDenied
    log_action("template.deleted", actor=actor, organisation=organisation, obj=template, data={"name": template.name})
    template.delete()


@transaction.atomic
def download_create(
    *,
    actor: Any,
    organisation: Any,
    exporter: str,
    result_ids: Sequence[int],
    template: DownloadTemplate | None = None,
) -> DownloadJob:
    """Record a download of ``result_ids`` the organisation may open; large ones run in the background.

    Results the organisation cannot open (revoked since, never shared) are left out and counted.
    Up to ``DOWNLOAD_STREAM_LIMIT`` results the caller renders the file at once (``download_render``).
    """
    _require(actor, organisation)
    if exporter not in EXPORTERS:
        raise ValidationError({"format": "Choose a download format."})
    if template is not None and template.organisation_id != organisation.pk:
        raise PermissionDenied
    if len(result_ids) > settings.DOWNLOAD_MAX_RESULTS:
        raise ValidationError(f"A download can hold at most {settings.DOWNLOAD_MAX_RESULTS} results.")
    unique_ids = list(dict.fromkeys(result_ids))
    allowed = selectors.accessible_result_ids(organisation=organisation, result_ids=unique_ids)
    if not allowed:
        raise ValidationError("Select at least one result you can still open.")
    uses_template = EXPORTERS[exporter].uses_template
    job = DownloadJob.objects.create(
        organisation=organisation,
        requested_by=user_of(actor),
        requested_label=actor_label(actor)[:200],
        exporter=exporter,
        template=template if uses_template else None,
        template_name=(template.name if template else DEFAULT_TEMPLATE_NAME) if uses_template else "",
        fields=(template.fields if template else DEFAULT_FIELDS) if uses_template else [],
        result_ids=allowed,
        requested=len(unique_ids),
        included=len(allowed),
        omitted=len(unique_ids) - len(allowed),
        background=len(allowed) > settings.DOWNLOAD_STREAM_LIMIT,
    )
    log_action(
        "download.created", actor=actor, organisation=organisation, obj=job,
        data={"format": exporter, "template": job.template_name, "results": len(allowed), "omitted": job.omitted},
    )  # fmt: skip
    if job.background:
        job_id = job.pk
        transaction.on_commit(lambda: run_download.enqueue(job_id))
    return job


def download_again(*, actor: Any, organisation: Any, job: DownloadJob) -> DownloadJob:
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


def _photo_rule(job: DownloadJob) -> Any:
    if job.candidate_id is not None:
        return lambda result: True  # candidates' own statements carry their own photo
    allowed = selectors.photo_result_ids(organisation=job.organisation, result_ids=job.result_ids)
    return lambda result: result.pk in allowed


def download_render(job: DownloadJob, out: BinaryIO, progress: Any = None) -> int:
    """Write the job's file to ``out``, re-checking access just before reading the results."""
    ids = job.result_ids
    if job.organisation_id is not None:
        ids = selectors.accessible_result_ids(organisation=job.organisation, result_ids=ids)
    exporter: Exporter = EXPORTERS[job.exporter]
    return exporter.render(
        selectors.results_in_order(ids),
        out,
        fields=job.fields,
        progress=progress or (lambda done: None),
        photo_for=_photo_rule(job),
    )


def filename(job: DownloadJob) -> str:
    """No personal data in file names: kind, date and a short id only."""
    kind = "statements-of-results" if job.exporter == "pdf" else "results"
    if job.kind == DownloadJob.Kind.BULK_VERIFICATION:
        kind = "verification"
    return f"{kind}-{job.created_at:%Y-%m-%d}-{str(job.public_id)[:8]}.{EXPORTERS[job.exporter].extension}"


@transaction.atomic
def download_mark_done(*, job: DownloadJob, included: int) -> None:
    DownloadJob.objects.filter(pk=job.pk).update(
        status=DownloadJob.Status.DONE, progress=100, included=included, finished_at=timezone.now()
    )


def _claim(job_id: int) -> DownloadJob | None:
    now = timezone.now()
    claimed = (
        DownloadJob.objects.filter(pk=job_id, status__in=[DownloadJob.Status.PENDING, DownloadJob.Status.RUNNING])
        .exclude(status=DownloadJob.Status.RUNNING, lease_until__gt=now)
        .update(status=DownloadJob.Status.RUNNING, started_at=now, lease_until=now + LEASE, progress=0)
    )
    return DownloadJob.objects.select_related("organisation").get(pk=job_id) if claimed else None


def download_run(job_id: int) -> None:
    """Render a background download to a temporary file, then publish it in one step.

    The file is attached to the job only once complete, so a half-written file is never served;
    a worker killed mid-way leaves the lease to expire and the job is taken again.
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
            DownloadJob.objects.filter(pk=job.pk).update(progress=percent, lease_until=timezone.now() + LEASE)

    handle, path = tempfile.mkstemp(prefix="rvs-download-", suffix="." + EXPORTERS[job.exporter].extension)
    try:
        with os.fdopen(handle, "w+b") as out:
            included = download_render(job, out, progress)
            out.flush()
            out.seek(0)
            name = default_storage.save(f"downloads/{job.public_id}/{filename(job)}", File(out))
        DownloadJob.objects.filter(pk=job.pk).update(file=name)
        download_mark_done(job=job, included=included)
    except Exception as exc:
        logger.exception("download %s failed", job.public_id)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            reason = "There was not enough disk space to write the file. Please try again later."
        else:
            reason = "The file could not be prepared. Please try again; if it fails again, contact us."
        DownloadJob.objects.filter(pk=job.pk).update(
            status=DownloadJob.Status.FAILED, error=reason, finished_at=timezone.now(), lease_until=None
        )
    finally:
        if os.path.exists(path):
            os.unlink(path)


@task()
def run_download(job_id: int) -> None:
    download_run(job_id)


@transaction.atomic
def candidate_download_create(*, actor: Any, candidate: Any) -> DownloadJob:
    """A candidate's own Statements of Results (all their results), signed like any other."""
    ids = selectors.candidate_result_ids(candidate=candidate)
    if not ids:
        raise ValidationError("You have no results to download yet.")
    job = DownloadJob.objects.create(
        candidate=candidate, requested_by=actor, exporter="pdf", result_ids=ids, requested=len(ids), included=len(ids)
    )
    log_action("download.created", actor=actor, obj=job, data={"format": "pdf", "results": len(ids), "candidate": True})
    return job
