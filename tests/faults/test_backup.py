"""Backups and restore, SQLite and PostgreSQL: a seeded service backed up, restored into a fresh one.

``manage.py backup`` runs against a private database with results, a photo, a finished download
and the signing key; ``manage.py restore`` loads it into a new, empty database and data folder.
Every table has the same rows, every file the same bytes, and the restored service still checks
Secret Numbers (its key came back) and signs with the same key.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from pathlib import Path

from tests.faults.conftest import ROOT, PrivateDb, create_database, drop_database, on_postgres

SEED = """
from django.core.files.base import ContentFile
from rvs.accounts.models import User
from rvs.downloads import services
from rvs.downloads.signing import ensure_signing_key
from rvs.organisations.models import Membership, Organisation
from tests.factories import ShareFactory
org = Organisation.objects.create(name="Backup University", country="Ireland", city="Cork")
user = User.objects.create_user("primary@backup.example", "a long enough test passphrase", full_name="Bo Primary")
Membership.objects.create(user=user, organisation=org, role="primary")
shares = [ShareFactory(organisation=org) for _ in range(12)]
candidate = shares[0].result.candidate
shares[0].result.photo.save("photo.jpg", ContentFile(bytes(range(256)) * 40))
job = services.download_create(actor=user, organisation=org, exporter="csv", result_ids=[s.result_id for s in shares])
services.download_run(job.pk)
job.refresh_from_db()
assert job.status == "done", job.error
ensure_signing_key()
print("SEEDED", candidate.candidate_number)
"""

CHECK = """
from rvs.results.models import Candidate
from rvs.results.services import secret_number_hash
from rvs.downloads.models import DownloadJob
candidate = Candidate.objects.get(candidate_number="NUMBER")
print("SECRET", secret_number_hash(candidate.candidate_number, "1234") == candidate.secret_hash)
job = DownloadJob.objects.get()
print("DOWNLOAD", job.status, job.file.storage.exists(job.file.name), job.file.read()[:3] == b"\\xef\\xbb\\xbf")
"""


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_it_backs_up_and_restores_rows_files_and_keys(private_db: PrivateDb, tmp_path: Path) -> None:
    source = private_db
    env = {**source.env, "RVS_DOWNLOAD_STREAM_LIMIT": "1"}
    number = _manage(env, "shell", "-c", SEED).stdout.split("SEEDED", 1)[1].strip()
    out = _manage(env, "backup", str(tmp_path / "backups")).stdout
    [folder] = (tmp_path / "backups").iterdir()
    assert f"Backup written to {folder}" in out
    names = {p.name for p in folder.iterdir()}
    assert names == {"db.dump" if on_postgres() else "db.sqlite3", "media.tar.gz", "keys.tar.gz", "manifest.json"}
    assert oct((folder / "keys.tar.gz").stat().st_mode & 0o777) == "0o600"

    # A fresh service: new data folder, new (empty) database.
    target_data = tmp_path / "restored"
    name = f"rvs_restore_{uuid.uuid4().hex[:10]}"
    target_url = f"{source.url.rsplit('/', 1)[0]}/{name}" if on_postgres() else f"sqlite:///{tmp_path / 'new.sqlite3'}"
    target_env = {**source.env, "DATABASE_URL": target_url, "RVS_DATA_DIR": str(target_data)}
    if on_postgres():
        create_database(name)
    try:
        refused = _manage(target_env, "restore", str(folder), check=False)
        assert refused.returncode != 0
        assert "add --yes" in refused.stderr
        done = _manage(target_env, "restore", str(folder), "--yes").stdout
        assert "the same as in the backup" in done
        assert "4 key file(s)" in done

        target = PrivateDb.__new__(PrivateDb)
        target.root, target.url = tmp_path, target_url
        if not on_postgres():
            target.root = tmp_path / "sqlite-target"
            target.root.mkdir()
            (target.root / "db.sqlite3").symlink_to(tmp_path / "new.sqlite3")
        tables = [r[0] for r in source.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'" if on_postgres()
            else "SELECT name FROM sqlite_master WHERE type = 'table'"
        )]  # fmt: skip
        assert "results_result" in tables
        assert len(tables) > 30
        for table in tables:
            rows = f'SELECT * FROM "{table}" ORDER BY 1'
            assert sorted(map(repr, target.query(rows))) == sorted(map(repr, source.query(rows))), table

        assert _files(target_data / "media") == _files(source.data / "media")
        assert any(name.startswith("photos/") for name in _files(target_data / "media"))
        assert any(name.startswith("downloads/") for name in _files(target_data / "media"))
        for key in ("signing/key.pem", "signing/cert.pem", "secret_key", "secret_number_key"):
            assert (target_data / key).read_bytes() == (source.data / key).read_bytes(), key

        # The restored service works: schema complete, Secret Numbers still check, files still open.
        _manage(target_env, "migrate", "--check")
        check = _manage(target_env, "shell", "-c", CHECK.replace("NUMBER", number)).stdout
        assert "SECRET True" in check
        assert "DOWNLOAD done True True" in check

        # A restore never goes into a database that already has tables.
        if on_postgres():
            again = _manage(target_env, "restore", str(folder), "--yes", check=False)
            assert again.returncode != 0
            assert "is not empty" in again.stderr
    finally:
        if on_postgres():
            drop_database(name)

    # A damaged backup is refused before anything is written.
    media = folder / "media.tar.gz"
    media.write_bytes(media.read_bytes()[:-10] + b"0123456789")
    fresh_env = {**target_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}"}
    if on_postgres():
        fresh_env["DATABASE_URL"] = f"{source.url.rsplit('/', 1)[0]}/{name}_never"
    damaged = _manage(fresh_env, "restore", str(folder), "--yes", check=False)
    assert damaged.returncode != 0
    assert "media.tar.gz is missing or damaged" in damaged.stderr
    assert not (tmp_path / "never.sqlite3").exists() or (tmp_path / "never.sqlite3").stat().st_size == 0
