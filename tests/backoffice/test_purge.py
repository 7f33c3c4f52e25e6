"""Uploads checked but never imported (or failed and left) lose their file after a while and expire."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rvs.backoffice import import_jobs, purge
from rvs.backoffice.models import ImportJob
from rvs.core.models import AuditEntry
from tests.backoffice.test_imports import good_rows, png_bytes, uploaded, zip_bytes
from tests.conftest import make_staff, staff_client_for
from tests.results.test_importer import csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(db: None) -> Client:
    return staff_client_for(make_staff("import_results", email="importer@board.example"))


def aged(job: ImportJob, hours: float, **values: Any) -> ImportJob:
    """Move the job's clock back: checked (and failed, when it did) ``hours`` ago."""
    when = timezone.now() - dt.timedelta(hours=hours)
    fields = {"created_at": when, "validated_at": when, **values}
    if values.get("status") == ImportJob.Status.FAILED:
        fields["finished_at"] = when
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def stored(job: ImportJob) -> list[str]:
    return [name for name in (job.file.name, job.photos.name) if name]


def test_it_expires_an_unconfirmed_upload_and_deletes_its_files(client: Client, settings: Any) -> None:
    settings.IMPORT_UPLOAD_MAX_AGE_HOURS = 24
    job = uploaded(client, csv_bytes(good_rows()), photos=zip_bytes({"zoe.png": png_bytes()}))
    assert job.status == ImportJob.Status.VALIDATED
    files = stored(aged(job, 25))
    assert len(files) == 2
    assert all(default_storage.exists(name) for name in files)
    assert purge.purge_stale_uploads() == 1
    job.refresh_from_db()
    assert (job.status, job.file.name, job.photos.name) == (ImportJob.Status.EXPIRED, "", "")
    assert not any(default_storage.exists(name) for name in files)
    assert (bool(job.sha256), job.rows) == (True, 4), "the record of what was uploaded stays"
    entry = AuditEntry.objects.get(action="results.import_expired")
    assert entry.data["file"] == "session.csv"
    assert purge.purge_stale_uploads() == 0, "once"


def test_it_expires_a_failed_import_that_was_not_run_again(client: Client) -> None:
    job = aged(uploaded(client, csv_bytes(good_rows())), 100, status=ImportJob.Status.FAILED, failure="lost")
    name = job.file.name
    assert purge.purge_stale_uploads() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.EXPIRED
    assert not default_storage.exists(name)
    assert not job.startable


def test_it_keeps_recent_uploads_and_jobs_that_are_running_or_done(client: Client, settings: Any) -> None:
    settings.IMPORT_UPLOAD_MAX_AGE_HOURS = 48
    recent = aged(uploaded(client, csv_bytes(good_rows())), 47)
    running = aged(uploaded(client, csv_bytes(good_rows()[:2])), 500, status=ImportJob.Status.RUNNING)
    queued = aged(uploaded(client, csv_bytes(good_rows()[:3])), 500, status=ImportJob.Status.QUEUED)
    assert purge.purge_stale_uploads() == 0
    for job in (recent, running, queued):
        status = job.status
        job.refresh_from_db()
        assert job.status == status
        assert default_storage.exists(job.file.name)
    settings.IMPORT_UPLOAD_MAX_AGE_HOURS = 46
    assert purge.purge_stale_uploads() == 1, "the setting decides the age"


def test_an_expired_upload_cannot_be_imported(client: Client) -> None:
    job = aged(uploaded(client, csv_bytes(good_rows())), 1000)
    purge.purge_stale_uploads()
    response = client.post(reverse("backoffice:import_start", args=[job.public_id]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.EXPIRED
    assert response.status_code in (302, 400)
    page = client.get(reverse("backoffice:import_job", args=[job.public_id])).content.decode()
    assert "This upload expired" in page
    assert "72 hours" in page
    listing = client.get(reverse("backoffice:imports")).content.decode()
    assert "Expired" in listing


def test_a_job_confirmed_meanwhile_keeps_its_file(client: Client, monkeypatch: Any) -> None:
    job = aged(uploaded(client, csv_bytes(good_rows())), 1000)
    stale = purge.stale_uploads()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)  # confirmed after the list was made
    monkeypatch.setattr(purge, "stale_uploads", lambda now=None, age=None: stale)
    assert purge.purge_stale_uploads() == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert default_storage.exists(job.file.name)


def test_the_command_purges_with_its_own_age(client: Client) -> None:
    job = aged(uploaded(client, csv_bytes(good_rows())), 5)
    out = io.StringIO()
    call_command("purge_imports", stdout=out)
    assert "0 upload(s) older than 72 hours expired" in out.getvalue()
    call_command("purge_imports", "--older-than-hours", "4", stdout=out)
    assert "1 upload(s) older than 4 hours expired" in out.getvalue()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.EXPIRED
    with pytest.raises(CommandError):
        call_command("purge_imports", "--older-than-hours", "0")


def test_an_upload_queues_a_purge_at_most_once_an_hour(
    client: Client, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(purge, "_enqueue", lambda: queued.append(1))
    old = aged(uploaded(client, csv_bytes(good_rows()[:1])), 1000)
    cache.delete(purge._SCHEDULED_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        uploaded(client, csv_bytes(good_rows()))
        uploaded(client, csv_bytes(good_rows()[:2]))
    assert queued == [1]
    purge.purge_imports.call()
    old.refresh_from_db()
    assert old.status == ImportJob.Status.EXPIRED


def test_the_import_lease_covers_the_whole_transaction(client: Client) -> None:
    job = uploaded(client, csv_bytes(good_rows()))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    claimed = import_jobs._claim(job.pk)
    assert claimed is not None
    import_jobs._Progress(claimed)("Checking the file", 0, 10)
    job.refresh_from_db()
    assert job.lease_until is not None
    assert job.lease_until > timezone.now() + import_jobs.WRITE_LEASE - dt.timedelta(minutes=1)
