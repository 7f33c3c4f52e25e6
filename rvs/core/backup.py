"""Backups and restore of the database, the uploaded and generated files, and the keys.

A backup is a folder holding:

* ``db.sqlite3`` (SQLite's online backup API: consistent while the service runs) or ``db.dump``
  (``pg_dump --format=custom``);
* ``media.tar.gz``: everything under ``MEDIA_ROOT`` (test day photos, finished downloads);
* ``keys.tar.gz``: the signing key and certificate and the generated secret files, readable by
  the owner only. Store it apart from the rest: a database copy without its keys protects the
  Secret Numbers;
* ``manifest.json``: engine, time, the row count of every table and a SHA-256 of each file.

``restore`` checks the hashes, loads the database (``pg_restore`` into an existing, empty
PostgreSQL database; SQLite's backup API into the target file), unpacks the files and compares
the row counts with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connection


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def key_files() -> dict[str, Path]:
    """The files holding keys, by the name they have in the backup."""
    data = Path(settings.DATA_DIR)
    return {
        "signing_key.pem": Path(settings.RVS_SIGNING_KEY_FILE),
        "signing_cert.pem": Path(settings.RVS_SIGNING_CERT_FILE),
        "secret_key": Path(os.environ.get("SECRET_KEY_FILE") or data / "secret_key"),
        "secret_number_key": Path(os.environ.get("RVS_SECRET_NUMBER_KEY_FILE") or data / "secret_number_key"),
    }


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _db_settings(url: str | None) -> dict[str, Any]:
    return dict(dj_database_url.parse(url)) if url else dict(settings.DATABASES["default"])


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = [f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _pg_connect(db: dict[str, Any]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        dbname=db["NAME"], host=db.get("HOST") or None, port=db.get("PORT") or None,
        user=db.get("USER") or None, password=db.get("PASSWORD") or None, autocommit=True,
    )  # fmt: skip


def _pg_counts(pg: psycopg.Connection[Any]) -> dict[str, int]:
    names = [row[0] for row in pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    counts: dict[str, int] = {}
    for name in sorted(names):
        row = pg.execute(f'SELECT count(*) FROM "{name}"').fetchone()  # noqa: S608 - a name from the catalogue
        counts[name] = int(row[0]) if row else 0
    return counts


def row_counts(url: str | None = None) -> dict[str, int]:
    """Rows in every table of the database at ``url`` (default: the service's own)."""
    db = _db_settings(url)
    if db["ENGINE"].endswith("sqlite3"):
        with sqlite3.connect(db["NAME"]) as sqlite:
            names = [row[0] for row in sqlite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            count = 'SELECT count(*) FROM "{}"'  # names from the catalogue
            return {n: sqlite.execute(count.format(n)).fetchone()[0] for n in sorted(names)}
    with _pg_connect(db) as pg:
        return _pg_counts(pg)


def _tar(target: Path, files: Iterable[tuple[Path, str]]) -> None:
    with tarfile.open(target, "w:gz") as archive:
        for path, name in files:
            archive.add(path, arcname=name, recursive=False)


def backup(destination: Path, *, keys: bool = True) -> Path:
    """Write a new backup folder inside ``destination`` and return it."""
    db = settings.DATABASES["default"]
    folder = destination / f"rvs-backup-{dt.datetime.now(tz=dt.UTC):%Y%m%dT%H%M%S%fZ}"
    folder.mkdir(parents=True)
    if db["ENGINE"].endswith("sqlite3"):
        engine, dump = "sqlite", folder / "db.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(dump) as copy:
            connection.connection.backup(copy)  # online: a consistent snapshot while others write
        counts = row_counts(f"sqlite:///{dump}")
    else:
        engine, dump = "postgresql", folder / "db.dump"
        args, env = _pg_env(db)
        with _pg_connect(db) as pg:
            # pg_dump and the row counts read one snapshot, so the manifest matches the dump.
            pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()
            assert snapshot is not None
            result = subprocess.run(  # noqa: S603 - our own arguments, no shell
                [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot[0]}", f"--file={dump}", *args],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            counts = _pg_counts(pg)
            pg.execute("COMMIT")
    media = Path(settings.MEDIA_ROOT)
    media_files = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
    _tar(folder / "media.tar.gz", ((p, str(p.relative_to(media))) for p in media_files))
    artefacts = [dump.name, "media.tar.gz"]
    if keys:
        present = [(path, name) for name, path in key_files().items() if path.is_file()]
        _tar(folder / "keys.tar.gz", present)
        (folder / "keys.tar.gz").chmod(0o600)
        artefacts.append("keys.tar.gz")
    manifest = {
        "engine": engine,
        "created_at": dt.datetime.now(tz=dt.UTC).isoformat(),
        "rows": counts,
        "media_files": len(media_files),
        "sha256": {name: _sha256(folder / name) for name in artefacts},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return folder


def _extract(archive: Path, target: Path, names: dict[str, Path] | None = None) -> int:
    """Unpack ``archive`` into ``target`` (or each member to ``names[member]``); refuses odd paths."""
    count = 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            if names is not None:
                if member.name not in names:
                    continue
                path = names[member.name]
            else:
                path = (target / member.name).resolve()
                if not path.is_relative_to(target.resolve()):
                    raise BackupError(f"{archive.name}: {member.name!r} would land outside {target}.")
            path.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with source, path.open("wb") as out:
                shutil.copyfileobj(source, out)
            if names is not None:
                path.chmod(0o600)
            count += 1
    return count


def restore(
    folder: Path, *, database_url: str | None = None, media_root: Path | None = None, keys: bool = True
) -> dict[str, Any]:
    """Load the backup in ``folder`` into the database (an empty one) and the media folder."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{folder} holds no manifest.json: not a backup made by 'manage.py backup'.")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, digest in manifest["sha256"].items():
        if not (folder / name).is_file() or _sha256(folder / name) != digest:
            raise BackupError(f"{name} is missing or damaged (SHA-256 differs from the manifest).")
    db = _db_settings(database_url)
    engine = "sqlite" if db["ENGINE"].endswith("sqlite3") else "postgresql"
    if engine != manifest["engine"]:
        raise BackupError(f"This is a {manifest['engine']} backup; the target database is {engine}.")
    if engine == "sqlite":
        target = Path(db["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(folder / "db.sqlite3") as source, sqlite3.connect(target) as copy:
            source.backup(copy)
    else:
        with _pg_connect(db) as pg:
            tables = pg.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        if tables and tables[0]:
            raise BackupError(f"The database {db['NAME']} is not empty: restore into a new, empty database.")
        args, env = _pg_env(db)
        result = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [_tool("pg_restore"), "--no-owner", "--exit-on-error", *args, str(folder / "db.dump")],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    url = database_url or (f"sqlite:///{db['NAME']}" if engine == "sqlite" else None)
    counts = row_counts(url)
    if counts != manifest["rows"]:
        differ = sorted(k for k in set(counts) | set(manifest["rows"]) if counts.get(k) != manifest["rows"].get(k))
        raise BackupError(f"Row counts differ from the backup in: {', '.join(differ)}.")
    media = media_root or Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    restored_files = _extract(folder / "media.tar.gz", media)
    restored_keys = 0
    if keys and (folder / "keys.tar.gz").is_file():
        restored_keys = _extract(folder / "keys.tar.gz", Path(tempfile.gettempdir()), names=key_files())
    return {"tables": len(counts), "rows": sum(counts.values()), "files": restored_files, "keys": restored_keys}
