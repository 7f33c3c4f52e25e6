"""Imports whose task was lost (queue down at start) or whose worker died are queued again by the relay."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from rvs.backoffice import import_relay
from rvs.backoffice.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _queued() -> list[int]:
    from django_tasks import default_task_backend

    return [result.args[0] for result in default_task_backend.results]  # type: ignore[attr-defined]


def _job(**fields: Any) -> ImportJob:
    return ImportJob.objects.create(original_name="results.csv", sha256="0" * 64, rows=10, **fields)


def test_it_queues_again_an_import_whose_task_never_reached_the_queue() -> None:
    start = timezone.now()
    job = _job(status=ImportJob.Status.QUEUED, queued_at=start)
    with time_machine.travel(start + dt.timedelta(minutes=9), tick=False):
        assert import_relay.imports_reap() == {"requeued": 0, "failed": 0}  # may just be waiting its turn
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        assert import_relay.imports_reap() == {"requeued": 1, "failed": 0}
        assert import_relay.imports_reap() == {"requeued": 0, "failed": 0}  # not again within ten minutes
    with time_machine.travel(start + dt.timedelta(minutes=22), tick=False):
        assert import_relay.imports_reap() == {"requeued": 1, "failed": 0}
    assert _queued() == [job.pk, job.pk]


def test_it_keeps_trying_while_the_queue_is_down(settings: Any) -> None:
    from tests.smtp import free_port

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}  # nothing listens
    start = timezone.now()
    job = _job(status=ImportJob.Status.QUEUED, queued_at=start - dt.timedelta(minutes=11))
    assert import_relay.imports_reap() == {"requeued": 0, "failed": 0}
    job.refresh_from_db()
    assert job.lease_until is not None
    assert job.lease_until <= timezone.now()  # due again on the next pass
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    assert import_relay.imports_reap() == {"requeued": 1, "failed": 0}
    assert _queued() == [job.pk]


def test_it_runs_again_then_fails_an_import_whose_worker_died() -> None:
    now = timezone.now()
    lapsed = now - dt.timedelta(seconds=1)
    again = _job(status=ImportJob.Status.RUNNING, attempts=1, lease_until=lapsed)
    alive = _job(status=ImportJob.Status.RUNNING, attempts=1, lease_until=now + dt.timedelta(minutes=5))
    given_up = _job(status=ImportJob.Status.RUNNING, attempts=import_relay.MAX_RUNS, lease_until=lapsed)
    assert import_relay.imports_reap() == {"requeued": 1, "failed": 1}
    assert _queued() == [again.pk]
    alive.refresh_from_db()
    assert alive.status == ImportJob.Status.RUNNING
    given_up.refresh_from_db()
    assert given_up.status == ImportJob.Status.FAILED
    assert given_up.error_count == 0  # so staff can import the file again
    assert "stopped 3 times" in given_up.failure
    assert "Nothing was imported" in given_up.failure
