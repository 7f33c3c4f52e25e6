"""Helpers shared by the benchmarks: a database per engine and size, seeded once and reused, and timings.

A benchmark configures Django itself (``DATABASE_URL`` and ``RVS_DATA_DIR`` are set before
``django.setup()``), so it runs one engine per process: ``engine_environment`` gives the
environment for a child process, ``prepare_database`` (in the child, before ``django.setup``)
drops a database whose size is wrong, and ``seed_if_needed`` (after it) migrates and seeds.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "rvs_bench"
ENGINES = ("sqlite", "postgres")


# The article's nine search fields, as the search page labels them: what the benchmarks search by.
SEARCH_FIELDS = {
    "name": "Candidate Name",
    "date_of_birth": "Candidate Date of Birth",
    "candidate_number": "Candidate ID Number",
    "exam": "Exam Name",
    "place_of_entry": "Exam Place of Entry",
    "centre_name": "Exam Centre Name",
    "email": "Candidate Email Address",
    "exam_date": "Date of Exam",
    "ern": "Exam Reference Number",
}


def sqlite_path(results: int) -> Path:
    # One file per size, so a quick run does not throw away the million-row database.
    return OUT / f"search-{results}.sqlite3"


def engine_environment(engine: str, results: int) -> dict[str, str]:
    """Environment for a child process benchmarking ``engine`` at ``results`` rows."""
    env = dict(os.environ)
    env["RVS_DATA_DIR"] = str(OUT / "data")  # secret keys for the bench live apart from the real ones
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.pop("RVS_PRODUCTION", None)
    if engine == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{sqlite_path(results)}"
    elif engine == "postgres":
        env["DATABASE_URL"] = f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"
    else:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    return env


def _postgres_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def _seeded_rows(engine: str, sqlite_file: Path, database: str) -> int | None:
    """How many results a bench database holds (None: no database or no demo data)."""
    query = (
        "SELECT (SELECT COUNT(*) FROM results_result), "
        "(SELECT COUNT(*) FROM accounts_user WHERE email = 'primary@westbridge.example')"
    )
    try:
        if engine == "sqlite":
            if not sqlite_file.exists():
                return None
            with sqlite3.connect(sqlite_file) as connection:
                count, users = connection.execute(query).fetchone()
        else:
            import psycopg

            with psycopg.connect(f"{POSTGRES_SERVER}/{database}") as connection:
                row = connection.execute(query).fetchone()
                assert row is not None
                count, users = row
    except Exception:
        return None
    return int(count) if users else None


def prepare_database(
    engine: str, results: int, reseed: bool, *, sqlite_file: Path | None = None, database: str = POSTGRES_DATABASE
) -> bool:
    """Before ``django.setup()``: keep a database already seeded with ``results`` rows, else start afresh.

    Defaults to the search benchmark's databases; other benchmarks pass their own. Returns True when
    the database must be seeded.
    """
    sqlite_file = sqlite_file or sqlite_path(results)
    OUT.mkdir(parents=True, exist_ok=True)
    if not reseed and _seeded_rows(engine, sqlite_file, database) == results:
        return False
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    else:
        _postgres_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        _postgres_admin(f"CREATE DATABASE {database}")
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn_command(port: int, *, workers: int, threads: int) -> list[str]:
    """The benchmarks' web server: gunicorn with threads on loopback, quiet."""
    return [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "-k",
        "gthread",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]


def seed_if_needed(needed: bool, results: int, seed: int) -> float | None:
    """After ``django.setup()``: migrate, then seed without photos; returns the seconds seeding took."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not needed:
        return None
    from rvs.demo.seed import seed as seed_demo

    started = time.perf_counter()
    seed_demo(results=results, seed=seed, photos=False, progress=lambda line: log(f"  seeding: {line}"))
    return time.perf_counter() - started


def raised_rate_limits(rule: str = "100000000/60") -> dict[str, str]:
    """Every ``RVS_RATE_*`` limit of the settings set to ``rule``, for the environment of a server under load.

    A benchmark measures the code path, not the limits; read from ``config/settings.py`` so a limit
    added later is raised too (a new per-address limit turned a benchmark's requests into 429s).
    """
    text = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    limits = re.findall(r'"(RVS_RATE_[A-Z0-9_]+)",\s*"\d+/\d+"', text)  # those whose default is a rule
    return {name: rule for name in sorted(set(limits))}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Timings:
    """Milliseconds of one measured operation over all its samples."""

    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def max(self) -> float:
        return max(self.samples)
