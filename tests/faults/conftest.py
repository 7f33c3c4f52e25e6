"""A private database for tests whose processes must share committed data (workers, backups).

The engine follows the run: PostgreSQL when ``DATABASE_URL`` points at one, else a SQLite file.
Subprocesses run ``manage.py`` against it with their own ``RVS_DATA_DIR`` and ``TMPDIR``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


class PrivateDb:
    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.data = root / "data"
        self.tmp = root / "tmp"
        self.data.mkdir(parents=True)
        self.tmp.mkdir()
        self.name = name
        self.url = f"{PG}/{name}" if on_postgres() else f"sqlite:///{root / 'db.sqlite3'}"
        self.env: dict[str, str] = {
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")},
            "DATABASE_URL": self.url,
            "RVS_DATA_DIR": str(self.data),
            "TMPDIR": str(self.tmp),
            "RVS_TASK_BACKEND": "db",
            "RVS_MANIFEST_STATIC": "false",
        }

    def manage(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """A process in its own group, so a test can kill it with its children (RQ's work horse)."""
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the private database directly (no Django start-up per poll)."""
        if on_postgres():
            with psycopg.connect(self.url, autocommit=True) as connection:
                return list(connection.execute(sql.replace("?", "%s"), params).fetchall())
        # Generous: on a busy machine a worker may hold the write lock for a while.
        with sqlite3.connect(self.root / "db.sqlite3", timeout=60) as connection:
            return list(connection.execute(sql, params).fetchall())


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is needed (apt-get install redis-server)"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 120  # generous: a busy machine starts processes slowly
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=120)
            self.process = None

    def queued(self) -> int:
        return int(redis.Redis(port=self.port, db=1).llen("rq:queue:default"))


def create_database(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # name made by the test itself


def drop_database(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def private_db(tmp_path: Path) -> Iterator[PrivateDb]:
    db = PrivateDb(tmp_path / "private", f"rvs_faults_{uuid.uuid4().hex[:10]}")
    if on_postgres():
        create_database(db.name)
    try:
        db.manage("migrate", "--noinput", "-v0")
        yield db
    finally:
        if on_postgres():
            drop_database(db.name)
