"""A task worker killed mid-export: the job is run again or failed, and a partial file is never served.

A real ``db_worker`` process renders a large PDF download and is killed with SIGKILL part-way.
The job stays "Preparing" with no file (the file URL answers 409); once its lease lapses the relay
(``send_outbox``) finds it, throws away the dead run's scratch file and queues it again; a new
worker finishes it. A job whose worker dies on every run ends "Failed" with a reason in Download
History.

No test here races the wall clock (issue 15, item 13): a busy machine may take many seconds to
start Django or schedule a thread. Leases are long enough that none lapses on its own during a
test; a lapse is made explicit by running the relay on a clock moved past the lease
(time-machine), and every wait ends on an observed condition with a generous timeout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import queue
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from rvs.downloads import services
from rvs.downloads.models import DownloadJob
from tests.conftest import client_for
from tests.factories import ShareFactory
from tests.faults.conftest import PrivateDb, RedisServer
from tests.smtp import free_port

RESULTS = 300
WAIT = 300  # seconds: a generous bound on waits that end on an observed condition
# An hour's lease: no busy machine lets it lapse by itself during the test (before, a 15 s lease
# lapsed while a slow machine started the relay, which then queued the job a step too early).
WORKER_ENV = {"RVS_DOWNLOAD_STREAM_LIMIT": "1", "RVS_DOWNLOAD_LEASE_SECONDS": "3600", "RVS_DOWNLOAD_MAX_ATTEMPTS": "2"}

SEED = f"""
from rvs.accounts.models import User
from rvs.downloads.services import download_create
from rvs.organisations.models import Membership, Organisation
from tests.factories import ShareFactory
org = Organisation.objects.create(name="Killed Worker University", country="United Kingdom", city="York")
user = User.objects.create_user("primary@killed.example", "a long enough test passphrase", full_name="Kim Primary")
Membership.objects.create(user=user, organisation=org, role="primary")
shares = [ShareFactory(organisation=org) for _ in range({RESULTS})]
job = download_create(actor=user, organisation=org, exporter="pdf", result_ids=[s.result_id for s in shares])
print("JOB", job.pk, job.public_id, job.background)
"""

FETCH = """
from django.test import Client
from rvs.accounts.models import User
client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(email="primary@killed.example"))
response = client.get("/downloads/PUBLIC_ID/file/")
body = b"".join(response.streaming_content) if response.streaming else response.content
print("FILE", response.status_code, body[:5].decode("latin-1"), len(body))
print("HISTORY", "Preparing" in client.get("/downloads/").content.decode())
"""


# The relay as it runs once the dead worker's lease has lapsed: on a clock one second past it.
RELAY_AFTER_LEASE = """
import datetime as dt
import time_machine
from django.core.management import call_command
from rvs.downloads.models import DownloadJob
lease_until = DownloadJob.objects.get(pk=JOB_ID).lease_until
with time_machine.travel(lease_until + dt.timedelta(seconds=1), tick=True):
    call_command("send_outbox")
"""


def _job(db: PrivateDb, job_id: int) -> dict[str, Any]:
    [row] = db.query(
        "SELECT status, progress, file, attempts, error FROM downloads_downloadjob WHERE id = ?", (job_id,)
    )
    return dict(zip(("status", "progress", "file", "attempts", "error"), row, strict=True))


def _fetch(db: PrivateDb, public_id: str) -> tuple[int, str, int, bool]:
    out = db.manage("shell", stdin=FETCH.replace("PUBLIC_ID", public_id))
    _, status, head, size = out.split("FILE", 1)[1].split("\n")[0].split(" ")
    preparing = out.split("HISTORY", 1)[1].strip() == "True"
    return int(status), head, int(size), preparing


def _kill_tree(pid: int) -> None:
    """SIGKILL a process this test started and every process below it, found by parent id in /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(parents.get(current, []))
    for member in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


def _scratch_files(db: PrivateDb) -> list[str]:
    return sorted(p.name for p in db.tmp.glob("rvs-download-*"))


WORKERS = {
    # The embedded default: the database queue.
    "db": (["db_worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"],
           ["db_worker", "--batch", "--no-startup-delay", "--no-reload"]),
    # The scale-out shape: RQ on Redis; the job runs in a forked work horse, killed with its worker.
    "rq": (["rqworker", "default", "--job-class", "django_tasks_rq.Job"],
           ["rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job"]),
}  # fmt: skip


@pytest.mark.parametrize("queue", ["db", "rq"])
def test_it_runs_the_job_again_after_its_worker_is_killed_and_never_serves_the_part(
    private_db: PrivateDb, tmp_path: Path, queue: str
) -> None:
    db = private_db
    env = dict(WORKER_ENV)
    server = None
    if queue == "rq":
        server = RedisServer(tmp_path)
        server.start()
        env.update(REDIS_URL=f"redis://127.0.0.1:{server.port}/0", RVS_TASK_BACKEND="rq")
    try:
        _kill_and_recover(db, env, *WORKERS[queue])
    finally:
        if server is not None:
            server.stop()


def _kill_and_recover(db: PrivateDb, env: dict[str, str], work: list[str], finish: list[str]) -> None:
    out = db.manage("shell", stdin=SEED, env=env)
    job_id_text, public_id, background = out.split("JOB", 1)[1].split()
    job_id = int(job_id_text)
    assert background == "True"

    worker = db.popen(*work, env=env)
    try:
        deadline = time.monotonic() + WAIT
        while _job(db, job_id)["progress"] < 10:
            assert worker.poll() is None, "the worker stopped by itself"
            assert time.monotonic() < deadline, f"no progress in {WAIT} s"
            time.sleep(0.05)  # a poll interval, not a wait for time to pass
        _kill_tree(worker.pid)  # the worker and the work horse it forked (RQ gives it its own group)
        worker.wait(timeout=WAIT)
        state = _job(db, job_id)
        assert state["status"] == "running", state
        assert 10 <= state["progress"] < 100, state
    finally:
        if worker.poll() is None:
            _kill_tree(worker.pid)
            worker.wait()

    state = _job(db, job_id)
    assert (state["status"], state["file"], state["attempts"]) == ("running", "", 1), state
    assert len(_scratch_files(db)) == 1, "the dead run left its part-written scratch file"
    assert not list((db.data / "media").glob("downloads/**/*.pdf"))
    status, _, _, preparing = _fetch(db, public_id)
    assert status == 409, "a part-written file must never be served"
    assert preparing

    # The relay runs before the lease lapses: the job is left alone (its worker might be alive).
    assert "downloads:" not in db.manage("send_outbox", env=env)
    assert _job(db, job_id)["status"] == "running"
    # Once the lease has lapsed, the relay queues it again.
    out = db.manage("shell", stdin=RELAY_AFTER_LEASE.replace("JOB_ID", str(job_id)), env=env)
    assert "downloads: 1 queued again, 0 failed" in out
    state = _job(db, job_id)
    assert (state["status"], state["progress"]) == ("pending", 0), state
    assert _scratch_files(db) == []

    db.manage(*finish, env=env)
    state = _job(db, job_id)
    assert (state["status"], state["attempts"]) == ("done", 2), state
    assert state["file"]
    status, head, size, _ = _fetch(db, public_id)
    assert (status, head) == (200, "%PDF-")
    assert size > RESULTS * 1000
    assert len(list((db.data / "media").glob("downloads/**/*.pdf"))) == 1
    assert _scratch_files(db) == []


def _queued() -> list[int]:
    from django_tasks import default_task_backend

    return [result.args[0] for result in default_task_backend.results]  # type: ignore[attr-defined]


@pytest.mark.django_db
class TestReaper:
    @pytest.fixture(autouse=True)
    def _signing_key(self, settings: Any, tmp_path: Any) -> None:
        settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
        settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")
        settings.DOWNLOAD_STREAM_LIMIT = 1
        settings.DOWNLOAD_MAX_ATTEMPTS = 2
        settings.DOWNLOAD_LEASE_SECONDS = 120

    def _job(self, org: Any, user: Any) -> DownloadJob:
        shares = [ShareFactory(organisation=org) for _ in range(3)]
        return services.download_create(
            actor=user, organisation=org, exporter="csv", result_ids=[s.result_id for s in shares]
        )

    def test_it_fails_a_job_whose_worker_died_on_every_run_and_says_why(
        self, org_a: Any, member: Any, settings: Any
    ) -> None:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        job = self._job(org_a, member)
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            for run in (1, 2):
                assert services._claim(job.pk) is not None  # a worker takes it ... and dies
                assert services.downloads_reap() == {"requeued": 0, "failed": 0}  # lease not lapsed yet
                clock.shift(dt.timedelta(seconds=121))
                expected = {"requeued": 1, "failed": 0} if run == 1 else {"requeued": 0, "failed": 1}
                assert services.downloads_reap() == expected
        assert _queued() == [job.pk]  # queued again once, after the first death
        job.refresh_from_db()
        assert job.status == DownloadJob.Status.FAILED
        assert job.attempts == 2
        assert "stopped 2 time(s)" in job.error
        assert services._claim(job.pk) is None  # a late duplicate task does nothing
        client = client_for(member)
        assert client.get(reverse("downloads:job_file", args=[job.public_id])).status_code == 409
        history = client.get(reverse("downloads:history")).content.decode()
        assert "Failed" in history
        assert "stopped 2 time(s)" in history

    def test_it_drops_the_file_of_a_run_taken_for_dead(self, org_a: Any, member: Any, monkeypatch: Any) -> None:
        """A worker that was only slow finishes after its job went to another run: it publishes nothing."""
        job = self._job(org_a, member)
        render = services.download_render
        runs: list[int] = []
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:

            def slow_then_reaped(job: DownloadJob, out: Any, progress: Any = None) -> int:
                runs.append(job.attempts)
                if len(runs) == 1:  # the first run stalls past its lease; the relay runs the job again
                    clock.shift(dt.timedelta(seconds=121))
                    assert services.downloads_reap()["requeued"] == 1  # immediate backend: runs now
                return render(job, out, progress)

            monkeypatch.setattr(services, "download_render", slow_then_reaped)
            services.download_run(job.pk)
        assert runs == [1, 2]
        job.refresh_from_db()
        assert (job.status, job.attempts) == (DownloadJob.Status.DONE, 2)
        stored = job.file.storage.listdir(f"downloads/{job.public_id}")[1]
        assert [f"downloads/{job.public_id}/{name}" for name in stored] == [job.file.name]
        response = client_for(member).get(reverse("downloads:job_file", args=[job.public_id]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).decode("utf-8-sig").count("\n") == 4

    def test_it_runs_again_a_small_api_download_whose_process_died(
        self, org_a: Any, member: Any, settings: Any
    ) -> None:
        """Small API downloads run inline in the request (no task); a process that died leaves them running."""
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        settings.DOWNLOAD_STREAM_LIMIT = 200
        job = self._job(org_a, member)
        assert not job.background
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            assert services._claim(job.pk) is not None  # the request took it ... and its process died
            clock.shift(dt.timedelta(seconds=121))
            assert services.downloads_reap() == {"requeued": 1, "failed": 0}
        assert _queued() == [job.pk]

    def test_it_queues_again_a_job_whose_task_was_lost(self, org_a: Any, member: Any, settings: Any) -> None:
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        job = self._job(org_a, member)  # on_commit never runs in this test: the task is "lost"
        assert services.downloads_reap()["requeued"] == 0  # it may simply be waiting in the queue
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=19), tick=False):
            assert services.downloads_reap()["requeued"] == 0
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=21), tick=False):
            assert services.downloads_reap()["requeued"] == 1  # waited ten leases: queued again
            assert services.downloads_reap()["requeued"] == 0  # and not again for ten more
        assert _queued() == [job.pk]

    def test_it_queues_a_job_again_as_soon_as_queueing_it_failed(
        self, org_a: Any, member: Any, settings: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
        settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}  # nothing listens
        with django_capture_on_commit_callbacks(execute=True):
            job = self._job(org_a, member)
        job.refresh_from_db()
        assert job.status == DownloadJob.Status.PENDING
        assert job.lease_until is not None  # flagged: not queued
        assert services.downloads_reap()["requeued"] == 0  # the queue is still down; flag kept
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        assert services.downloads_reap()["requeued"] == 1  # the next pass, with the queue back
        assert services.downloads_reap()["requeued"] == 0
        assert _queued() == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_lease_of_a_live_worker_through_a_long_silent_phase(
    org_a: Any, member: Any, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    """Zipping an XLSX or signing a large PDF reports no progress; the worker must not look dead."""
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")
    settings.DOWNLOAD_STREAM_LIMIT = 1
    settings.DOWNLOAD_LEASE_SECONDS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    shares = [ShareFactory(organisation=org_a) for _ in range(3)]
    job = services.download_create(
        actor=member, organisation=org_a, exporter="csv", result_ids=[s.result_id for s in shares]
    )
    render = services.download_render
    reaped: list[dict[str, int]] = []
    lease = dt.timedelta(seconds=settings.DOWNLOAD_LEASE_SECONDS)
    # The test's own queries never overlap a write of the run: SQLite's in-memory test database
    # locks whole tables between connections and would fail one of them at random.
    gate = threading.Lock()
    renewals: queue.Queue[dt.datetime] = queue.Queue()
    mine = services._mine

    def gated_mine(job: DownloadJob) -> Any:
        rows = mine(job)
        update = rows.update

        def gated_update(**fields: Any) -> int:
            with gate:
                count = update(**fields)
            if count and threading.current_thread().name.endswith("-lease"):
                renewals.put(fields["lease_until"])  # seen: the lease thread renewed
            return count

        rows.update = gated_update
        return rows

    def long_silent_phase(job: DownloadJob, out: Any, progress: Any = None) -> int:
        written = render(job, out, progress)
        with gate:
            claimed = DownloadJob.objects.values_list("lease_until", flat=True).get(pk=job.pk)
        # Silent (no progress call) until the lease thread renewed it past a whole lease beyond
        # the lease it had: a worker without the thread would have been taken for dead by then.
        renewed = renewals.get(timeout=WAIT)
        while renewed < claimed + 2 * lease:
            renewed = renewals.get(timeout=WAIT)
        # The relay runs at a moment the old lease had lapsed and the renewed one holds; the clock
        # is set explicitly, so a slow thread cannot make the moment fall on either side.
        with gate, time_machine.travel(renewed - lease / 2, tick=False):
            reaped.append(services.downloads_reap())
        return written

    monkeypatch.setattr(services, "_mine", gated_mine)
    monkeypatch.setattr(services, "download_render", long_silent_phase)
    services.download_run(job.pk)
    assert reaped == [{"requeued": 0, "failed": 0}]
    job.refresh_from_db()
    assert (job.status, job.attempts) == (DownloadJob.Status.DONE, 1)
    assert job.file
