"""Import benchmark: a million results from a CSV file through the importer, rows per second on SQLite and PostgreSQL.

Target (issue): at least 20,000 rows a second on PostgreSQL and 10,000 on SQLite, for 1,000,000 results.

The file is generated once, deterministically (``bench/import_data.py``: realistic names, centres,
exams and scores; a fifth of the candidates sit two exams; no photos), and kept in
``bench/out/import-<rows>.csv``. Each engine imports it into a fresh database: the SQLite file
``bench/out/import-<rows>.sqlite3`` and the PostgreSQL database ``rvs_bench_import`` on
``BENCH_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432``), dropped and created again.

What is timed is the service call the ``import_results`` command makes (and the back office's
background job): ``results_import(data=...)``, from the bytes of the file to the commit, every
check included (file, rows against each other, against the records, then one transaction).
The limits on uploads do not apply to it; the child raises ``RVS_IMPORT_MAX_ROWS`` and
``RVS_IMPORT_MAX_BYTES`` for the run. With ``--again`` the same file is imported a second time
into the filled database: every row is compared with its result on record and nothing is written.

Each engine runs in a child process (Django is configured once per process); its peak memory is
read by the parent with ``os.wait4``; a child still running after ``--budget`` seconds is stopped.

    .venv/bin/python bench/import.py                              # 1,000,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/import.py --rows 200000 --engines sqlite
    .venv/bin/python bench/import.py --again --budget 1200

The markdown goes to stdout and into ``bench/IMPORT.md`` (between markers; notes around them kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "rvs_bench_import"
ENGINES = ("sqlite", "postgres")
TARGETS = {"sqlite": 10_000, "postgres": 20_000}
RESULTS_FILE = ROOT / "bench" / "IMPORT.md"
START, END = "<!-- bench/import.py: start -->", "<!-- bench/import.py: end -->"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def data_file(rows: int, seed: int) -> Path:
    suffix = "" if seed == 1 else f"-seed{seed}"
    return OUT / f"import-{rows}{suffix}.csv"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def ensure_file(rows: int, seed: int) -> tuple[Path, str]:
    """The results file of ``rows`` rows, generated unless a complete one is there (its hash is kept beside it)."""
    from bench.import_data import generate

    OUT.mkdir(parents=True, exist_ok=True)
    path = data_file(rows, seed)
    recorded = path.with_suffix(".sha256")
    if path.exists() and recorded.exists() and recorded.read_text().strip() == _sha256(path):
        return path, recorded.read_text().strip()
    log(f"generating {path.name} ({rows:,} rows)...")
    started = time.perf_counter()
    digest = generate(path, rows, seed)
    recorded.write_text(digest + "\n")
    log(f"  {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.0f} s")
    return path, digest


# --- databases ------------------------------------------------------------------------------


def sqlite_path(rows: int) -> Path:
    return OUT / f"import-{rows}.sqlite3"


def _postgres_admin(statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@contextmanager
def max_wal_size(value: str | None) -> Iterator[None]:
    """``max_wal_size`` set to ``value`` on the server for the block (ALTER SYSTEM, reloaded), then put back.

    The setting docs/operations.md recommends for large imports: no checkpoint in the middle of one, so
    the pages it touches are not written to the WAL a second time, whole, after each checkpoint. It is
    put back as it was (the server is shared: CI and other benchmarks run against it), also on Ctrl-C.
    """
    if not value:
        yield
        return
    source, file_value = _postgres_admin(
        "SELECT source, (SELECT setting FROM pg_file_settings WHERE name = 'max_wal_size' AND applied "
        "AND sourcefile LIKE '%%postgresql.auto.conf') FROM pg_settings WHERE name = 'max_wal_size'"
    )[0]
    before = _postgres_admin("SHOW max_wal_size")[0][0]
    _postgres_admin(f"ALTER SYSTEM SET max_wal_size = '{value}'")
    _postgres_admin("SELECT pg_reload_conf()")
    log(f"  max_wal_size = {value} for the run (was {before}, from {source})")
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        time.sleep(0.5)  # the reload reaches the server's processes asynchronously
        yield
    finally:
        if file_value is None:
            _postgres_admin("ALTER SYSTEM RESET max_wal_size")
        else:
            _postgres_admin(f"ALTER SYSTEM SET max_wal_size = '{file_value}'")
        _postgres_admin("SELECT pg_reload_conf()")
        signal.signal(signal.SIGTERM, previous)
        time.sleep(0.5)
        log(f"  max_wal_size back to {_postgres_admin('SHOW max_wal_size')[0][0]}")


def fresh_database(engine: str, rows: int) -> str:
    """An empty database for ``engine``; returns its DATABASE_URL."""
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(rows)}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{sqlite_path(rows)}"
    _postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
    _postgres_admin(f"CREATE DATABASE {POSTGRES_DATABASE}")
    return f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}"


def engine_environment(database_url: str, size: int) -> dict[str, str]:
    env = dict(os.environ)
    data = OUT / "import-data"  # bench secret keys and media, apart from the real ones
    env["RVS_DATA_DIR"] = str(data)
    env["MEDIA_ROOT"] = str(data / "media")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["DATABASE_URL"] = database_url
    # The upload limits are for the back office; the service path takes the whole file.
    env["RVS_IMPORT_MAX_ROWS"] = str(10_000_000)
    env["RVS_IMPORT_MAX_BYTES"] = str(max(size * 2, 1 << 20))
    env.pop("RVS_PRODUCTION", None)
    return env


# --- the child: one engine ------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, when the server runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wal() -> tuple[int, int] | None:
    """(bytes of WAL written so far, checkpoints so far) of the PostgreSQL server; None on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint, "
            "(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)"
        )
        wal, checkpoints = cursor.fetchone()
    return int(wal), int(checkpoints)


def _run_import(data: bytes, source: str) -> dict[str, Any]:
    from rvs.results.importer import results_import

    server, wal = _server_cpu(), _wal()
    started, cpu = time.perf_counter(), time.process_time()
    report = results_import(actor="bench", data=data, source=source)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server_after, wal_after = _server_cpu(), _wal()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "server_cpu_seconds": None if server is None or server_after is None else server_after - server,
        # Server-wide: another database's writes in the meantime count too (the machine is shared).
        "wal_mb": None if wal is None or wal_after is None else (wal_after[0] - wal[0]) / 1e6,
        "checkpoints": None if wal is None or wal_after is None else wal_after[1] - wal[1],
        "created": len(report.created),
        "unchanged": report.unchanged,
    }


def child(engine: str, path: Path, again: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rvs.results.models import CandidateNameToken, ComponentScore, Result

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
            settings_text = ""
        else:
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
            cursor.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'synchronous_commit', 'full_page_writes', "
                "'wal_compression') ORDER BY name"
            )
            settings_text = ", ".join(f"{name}={value}" for name, value in cursor.fetchall())
    base_rss = _rss_mb()
    data = path.read_bytes()
    log(f"  {engine}: importing {path.name}...")
    first = _run_import(data, path.name)
    log(f"  {engine}: {first['created']:,} created in {first['seconds']:.1f} s")
    answer: dict[str, Any] = {
        "engine": engine,
        "version": version,
        "server_settings": settings_text,
        "base_rss_mb": base_rss,
        "first": first,
        "results": Result.objects.count(),
        "components": ComponentScore.objects.count(),
        "tokens": CandidateNameToken.objects.count(),
    }
    if again:
        log(f"  {engine}: importing it again...")
        answer["again"] = _run_import(data, path.name)
        log(f"  {engine}: {answer['again']['unchanged']:,} unchanged in {answer['again']['seconds']:.1f} s")
    return answer


# --- the parent -----------------------------------------------------------------------------


def run_child(engine: str, path: Path, rows: int, again: bool, budget: float) -> tuple[dict[str, Any] | None, float]:
    """The child's JSON answer (None when it ran out of time) and its peak RSS in MB."""
    env = engine_environment(fresh_database(engine, rows), path.stat().st_size)
    arguments = ["--child", engine, "--file", str(path), *(["--again"] if again else [])]
    with tempfile.TemporaryFile(mode="w+") as answer:
        process = subprocess.Popen([sys.executable, __file__, *arguments], env=env, stdout=answer)
        deadline = time.monotonic() + budget
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                log(f"  {engine}: over the budget of {budget:.0f} s, stopped")
                process.send_signal(signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                return None, usage.ru_maxrss / 1024
            time.sleep(0.5)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the {engine} child failed (exit {os.waitstatus_to_exitcode(status)})")
        answer.seek(0)
        return json.loads(answer.read().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def _machine() -> str:
    cpu = platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        found = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        if found:
            memory = f", {int(found.group(1)) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def markdown(rows: int, size: int, digest: str, runs: list[dict[str, Any]], loads: list[str]) -> str:
    lines = [
        f"{rows:,} results, file of {size / 1e6:.0f} MB (sha256 {digest[:12]}), run {dt.date.today()} on "
        f"{_machine()}; load average before and after each engine: {'; '.join(loads)}.",
        "",
        "| engine | import | rows/s | total | CPU of the process (both threads) | CPU of the server backend "
        "| peak memory | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes = []
    for run in runs:
        answer, peak = run["answer"], run["peak_mb"]
        target = TARGETS[run["engine"]]
        if answer is None:
            lines.append(
                f"| {run['engine']} | first | – | over {run['budget']:.0f} s | | | {peak:,.0f} MB | ≥ {target:,} | no |"
            )
            continue
        for label in ("first", "again"):
            timing = answer.get(label)
            if timing is None:
                continue
            count = timing["created"] + timing["unchanged"]
            rate = count / timing["seconds"]
            met = ("yes" if rate >= target else "no") if label == "first" else "–"
            what = "first (all new)" if label == "first" else "again (all unchanged)"
            server = timing.get("server_cpu_seconds")
            lines.append(
                f"| {answer['version']} | {what} | **{rate:,.0f}** | {timing['seconds']:.1f} s | "
                f"{timing['cpu_seconds']:.1f} s | {'–' if server is None else f'{server:.1f} s'} | "
                f"{peak:,.0f} MB | ≥ {target:,} | {met} |"
            )
        notes.append(
            f"{answer['version']}: {answer['results']:,} results, {answer['components']:,} component scores, "
            f"{answer['tokens']:,} name tokens written; {answer['base_rss_mb']:.0f} MB before reading the file"
            + (f"; server: {answer['server_settings']}" if answer["server_settings"] else "")
            + (
                f"; {answer['first']['wal_mb']:,.0f} MB of WAL and {answer['first']['checkpoints']} checkpoint(s) "
                "on the server during the first import"
                if answer["first"].get("wal_mb") is not None
                else ""
            )
            + "."
        )
    return "\n".join([*lines, "", *(f"- {note}" for note in notes)]) + "\n"


def write_results(table: str) -> None:
    text = RESULTS_FILE.read_text(encoding="utf-8") if RESULTS_FILE.exists() else f"{START}\n{END}\n"
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    RESULTS_FILE.write_text(f"{head}{START}\n{table}{END}{tail}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="results in the file (default 1,000,000)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite,postgres")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated file (default 1)")
    parser.add_argument("--again", action="store_true", help="import the same file a second time (all unchanged)")
    parser.add_argument(
        "--max-wal-size",
        default="",
        help="PostgreSQL's max_wal_size for the run (ALTER SYSTEM, put back after), e.g. 8GB; default: leave it",
    )
    parser.add_argument("--budget", type=float, default=1800, help="seconds at most per engine (default 1800)")
    parser.add_argument("--no-write", action="store_true", help=f"do not update {RESULTS_FILE.name}")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.child:
        print(json.dumps(child(options.child, options.file, options.again)))
        return 0

    engines = [engine.strip() for engine in options.engines.split(",") if engine.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engine(s) {', '.join(sorted(unknown))}; choose from {', '.join(ENGINES)}")
    path, digest = ensure_file(options.rows, options.seed)
    runs, loads = [], []
    for engine in engines:
        before = _load()
        with max_wal_size(options.max_wal_size if engine == "postgres" else None):
            answer, peak = run_child(engine, path, options.rows, options.again, options.budget)
        loads.append(f"{engine} {before} → {_load()}")
        runs.append({"engine": engine, "answer": answer, "peak_mb": peak, "budget": options.budget})
    table = markdown(options.rows, path.stat().st_size, digest, runs, loads)
    print(table)
    if not options.no_write:
        write_results(table)
        log(f"written to {RESULTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
