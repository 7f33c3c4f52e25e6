"""SQLite connections wait for the write lock instead of failing at once (issue 15, item 3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_it_sets_the_busy_timeout_on_every_sqlite_connection() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL locks rows, not the database")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        [(milliseconds,)] = cursor.fetchall()
    # Longer than any write transaction the service keeps (bulk parsing runs outside them), so a
    # save waits for the lock under load instead of answering 500 "database is locked".
    assert settings.SQLITE_BUSY_TIMEOUT == 20
    assert milliseconds == 20_000


def _settings_of(env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        f"from django.conf import settings; print({expression})"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_it_reads_the_busy_timeout_from_the_environment_and_refuses_nonsense(tmp_path: Any) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "RVS_DATA_DIR": str(tmp_path)}
    done = _settings_of({**env, "RVS_SQLITE_BUSY_TIMEOUT": "45"}, "settings.DATABASES['default']['OPTIONS']")
    assert done.returncode == 0, done.stderr
    assert "'timeout': 45" in done.stdout
    assert "'transaction_mode': 'IMMEDIATE'" in done.stdout
    refused = _settings_of({**env, "RVS_SQLITE_BUSY_TIMEOUT": "0"}, "settings.SQLITE_BUSY_TIMEOUT")
    assert refused.returncode != 0
    assert "RVS_SQLITE_BUSY_TIMEOUT=0 is below the minimum 1" in refused.stderr
