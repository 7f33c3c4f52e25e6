"""Disk full while writing an export: the job fails with a clear reason and no partial file is kept.

Two places can fill up: the scratch file the worker renders into, and the storage the finished
file is copied to. Each is simulated by a real file that raises ``ENOSPC`` once it has taken a
few bytes, so part of the file is really on disk when the error comes.
"""

from __future__ import annotations

import errno
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from rvs.downloads import services
from rvs.downloads.models import DownloadJob
from tests.conftest import client_for
from tests.factories import ShareFactory

pytestmark = pytest.mark.django_db
REASON = "There was not enough disk space to write the file. Please try again later."


class _FillingFile(io.FileIO):
    """A real file on a 'disk' with ``room`` bytes left."""

    room = 200

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        if self.tell() + size > self.room:
            taken = super().write(memoryview(data)[: max(0, self.room - self.tell())])
            if not taken:
                raise OSError(errno.ENOSPC, "No space left on device")
            return taken
        return super().write(data)


class FullStorage(FileSystemStorage):
    """Media storage whose disk fills up part-way through saving a file."""

    def _save(self, name: str, content: Any) -> str:
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with _FillingFile(path, "w") as out:
            for chunk in content.chunks():
                out.write(chunk)
                out.write(chunk)  # the second write of a chunk finds the disk full
        return name


@pytest.fixture
def job(org_a: Any, member: Any, settings: Any, tmp_path: Path) -> DownloadJob:
    settings.RVS_SIGNING_KEY_FILE = str(tmp_path / "signing" / "key.pem")
    settings.RVS_SIGNING_CERT_FILE = str(tmp_path / "signing" / "cert.pem")
    settings.DOWNLOAD_STREAM_LIMIT = 1
    shares = [ShareFactory(organisation=org_a) for _ in range(20)]
    # on_commit does not run inside the test's transaction: the test runs the job itself.
    return services.download_create(
        actor=member, organisation=org_a, exporter="csv", result_ids=[s.result_id for s in shares]
    )


def _scratch(job: DownloadJob) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"rvs-download-{job.public_id}-*"))


def _assert_failed_cleanly(job: DownloadJob, member: Any, media: Path) -> None:
    job.refresh_from_db()
    assert job.status == DownloadJob.Status.FAILED
    assert job.error == REASON
    assert not job.file
    assert _scratch(job) == []
    assert not (media / "downloads" / str(job.public_id)).exists() or not any(
        (media / "downloads" / str(job.public_id)).iterdir()
    ), "a partial file was left in storage"
    client = client_for(member)
    assert client.get(reverse("downloads:job_file", args=[job.public_id])).status_code == 409
    assert REASON in client.get(reverse("downloads:history")).content.decode()
    assert REASON in client.get(reverse("downloads:job", args=[job.public_id])).content.decode()


# XlsxWriter's zip object, abandoned by the failed write, complains when collected: harmless.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("exporter", ["csv", "xlsx", "pdf"])
def test_it_fails_clearly_when_the_scratch_disk_fills_up(
    job: DownloadJob, member: Any, settings: Any, monkeypatch: Any, exporter: str
) -> None:
    DownloadJob.objects.filter(pk=job.pk).update(exporter=exporter)
    written: list[Path] = []

    def filling_scratch(job: DownloadJob) -> tuple[Any, str]:
        handle, path = tempfile.mkstemp(prefix=f"rvs-download-{job.public_id}-")
        written.append(Path(path))
        # Buffered like the real scratch file, which retries a short write and so meets ENOSPC.
        return io.BufferedRandom(_FillingFile(handle, "w+", closefd=True)), path

    monkeypatch.setattr(services, "_scratch_file", filling_scratch)
    services.download_run(job.pk)
    assert written
    assert not written[0].exists(), "the part-written scratch file was left behind"
    _assert_failed_cleanly(job, member, Path(settings.MEDIA_ROOT))


def test_it_fails_clearly_and_removes_the_part_when_storage_fills_up(
    job: DownloadJob, member: Any, settings: Any
) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.FullStorage"}}
    media = Path(settings.MEDIA_ROOT)
    seen: list[int] = []
    original = FullStorage._save

    def spying_save(self: FullStorage, name: str, content: Any) -> str:
        try:
            return original(self, name, content)
        finally:
            seen.append(Path(self.path(name)).stat().st_size)  # the part really reached the disk

    FullStorage._save = spying_save  # type: ignore[method-assign]
    try:
        services.download_run(job.pk)
    finally:
        FullStorage._save = original  # type: ignore[method-assign]
    assert seen == [_FillingFile.room]
    _assert_failed_cleanly(job, member, media)
