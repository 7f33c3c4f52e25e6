"""bench/load.py in its smoke mode, so the load benchmark cannot rot between full runs.

It starts gunicorn and a task worker on PostgreSQL like the full run (a small database of its own),
signs users in, searches, opens results and downloads; every request must succeed. PostgreSQL
only (the benchmark's engine): marked ``scaleout``, so the SQLite run of the suite leaves it out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.scaleout


def _server() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0]
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def test_the_load_benchmark_runs_without_errors() -> None:
    server = _server()
    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=3):
            pass
    except psycopg.Error as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must run in CI: {exc}")
        pytest.skip(f"needs PostgreSQL: {exc}")
    command = [
        sys.executable, "bench/load.py", "--duration", "5", "--users", "3", "--exporters", "1", "--think", "0.3",
        "--results", "1000", "--export-min", "1", "--server", server, "--database", "rvs_bench_load_smoke",
        "--no-write", "--json",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.stdout, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == [], outcome["errors"]
    assert done.returncode == 0, done.stderr[-3000:]
    latencies = outcome["latencies"]
    assert {"sign-in", "dashboard", "search", "details"} <= set(latencies), sorted(latencies)
    assert len(latencies["sign-in"]) == 4  # every user signed in with a session of their own
    assert outcome["downloads"], "the exporting user made no download"
    assert outcome["requests"] >= sum(len(samples) for samples in latencies.values()) // 2 > 0
