"""API benchmark: requests per second and latency of the REST API under gunicorn, on loopback.

For each engine it seeds ``--results`` demo results (about a tenth shared with the first demo
organisation, University of Westbridge) into a database of its own (``bench/out/api-N.sqlite3``;
PostgreSQL database ``rvs_bench_api``), kept for the next run while its size is right, and makes
an API key for that organisation. It then starts gunicorn as the ``make run`` default does
(``-k gthread -w 1 --threads 8``) on a free port of 127.0.0.1, with the API's rate limits raised
through ``RVS_RATE_*``, and drives it from threads of this process with httpx (keep-alive, one
client per thread):

- **trivial**: ``GET /api/v1/exams/`` (the key check, the rate-limit counter, one small query);
- **search**: ``GET /api/v1/results/?name=<surname>``, the first page (50) of the organisation's
  shared results matching a surname taken from them;
- **verify**: ``POST /api/v1/verify/`` with the ERN of a random result (shared or not): the ERN
  rate limits, a look-up, an ``ErnGrant`` and an audit row written, the result serialised.

The endpoints take turns (``--rounds`` rounds of ``--seconds`` each, after a warm-up), so a
change in the machine's load hits them all alike. Target: verify and search each reach at least
half the trivial endpoint's requests per second.

    .venv/bin/python bench/api.py                           # both engines, 30,000 results
    .venv/bin/python bench/api.py --engines sqlite --seconds 5 --rounds 1

The markdown table goes to stdout and into ``bench/API.md`` (between markers; notes kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    OUT,
    POSTGRES_SERVER,
    ROOT,
    Timings,
    free_port,
    gunicorn_command,
    log,
    prepare_database,
    raised_rate_limits,
)

ENGINES = ("sqlite", "postgres")
POSTGRES_DATABASE = "rvs_bench_api"
RESULTS_FILE = ROOT / "bench" / "API.md"
START, END = "<!-- bench/api.py: start -->", "<!-- bench/api.py: end -->"
TARGET_RATIO = 0.5
KEY_NAME = "bench/api.py"
UNLIMITED = "100000000/60"


def sqlite_path(results: int) -> Path:
    return OUT / f"api-{results}.sqlite3"


def environment(engine: str, results: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RVS_DATA_DIR": str(OUT / "data"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{sqlite_path(results)}"
            if engine == "sqlite"
            else f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}",
            # The bench measures the code path, not the limits: raise every limit (all RVS_RATE_*).
            **raised_rate_limits(UNLIMITED),
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("RVS_PRODUCTION", "REDIS_URL", "DEBUG"):
        env.pop(name, None)
    return env


# --- Child: seed and make a key (Django is configured once per process) ---------------------------


def _prepare(engine: str, results: int, reseed: bool) -> bool:
    return prepare_database(engine, results, reseed, sqlite_file=sqlite_path(results), database=POSTGRES_DATABASE)


def _child(engine: str, options: argparse.Namespace) -> dict[str, Any]:
    needed = _prepare(engine, options.results, options.reseed)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rvs.api.keys import key_create
    from rvs.api.models import ApiKey
    from rvs.demo.seed import seed as seed_demo
    from rvs.organisations.models import Membership
    from rvs.results.models import Result
    from rvs.sharing.models import Share

    call_command("migrate", verbosity=0)
    seconds = None
    if needed:
        started = time.perf_counter()
        seed_demo(results=options.results, seed=options.seed, photos=False, progress=lambda line: log(f"  {line}"))
        seconds = time.perf_counter() - started
    primary = Membership.objects.select_related("organisation", "user").get(user__email="primary@westbridge.example")
    organisation = primary.organisation
    ApiKey.objects.filter(organisation=organisation, name=KEY_NAME).delete()
    _, key = key_create(actor=primary.user, organisation=organisation, name=KEY_NAME, scope="read")
    rng = random.Random(options.seed)
    shares = Share.objects.filter(organisation=organisation, revoked_at__isnull=True)
    surnames = sorted(set(shares.values_list("result__candidate__last_name", flat=True)))
    erns = list(Result.objects.values_list("ern", flat=True).order_by("?")[:2000])
    version = sqlite3.sqlite_version
    if engine == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    return {
        "engine": engine,
        "version": version,
        "seed_seconds": seconds,
        "results": Result.objects.count(),
        "shares": shares.count(),
        "organisation": organisation.name,
        "key": key,
        "surnames": rng.sample(surnames, min(300, len(surnames))),
        "erns": erns,
    }


# --- Parent: gunicorn and the load ------------------------------------------------------------------


def _start_gunicorn(env: dict[str, str], options: argparse.Namespace) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = gunicorn_command(port, workers=options.workers, threads=options.threads)
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def _wait_until_up(base: str, key: str, process: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            response = httpx.get(f"{base}/api/v1/exams/", headers={"Authorization": f"Bearer {key}"}, timeout=5)
            if response.status_code == 200:
                return
            raise RuntimeError(f"GET /api/v1/exams/ answered {response.status_code}: {response.text[:300]}")
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # our own session: gunicorn's master and its workers
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.seconds += other.seconds
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _request(kind: str, data: dict[str, Any], rng: random.Random) -> tuple[str, str, dict[str, Any] | None]:
    if kind == "trivial":
        return "GET", "/api/v1/exams/", None
    if kind == "search":
        return "GET", "/api/v1/results/?" + _query(rng.choice(data["surnames"])), None
    return "POST", "/api/v1/verify/", {"ern": rng.choice(data["erns"])}


def _query(name: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"name": name})


def _load(base: str, key: str, kind: str, data: dict[str, Any], seconds: float, options: argparse.Namespace) -> Tally:
    """``options.concurrency`` threads sending ``kind`` requests back to back for ``seconds`` (or the cap)."""
    import httpx

    tallies = [Tally() for _ in range(options.concurrency)]
    stop_at = time.perf_counter() + seconds
    cap = options.max_requests // options.concurrency

    def worker(index: int) -> None:
        rng = random.Random(f"{kind}-{index}-{time.time_ns()}")
        tally = tallies[index]
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            while time.perf_counter() < stop_at and len(tally.latencies) < cap:
                method, path, body = _request(kind, data, rng)
                started = time.perf_counter()
                response = client.request(method, path, json=body)
                response.read()
                tally.latencies.append((time.perf_counter() - started) * 1000)
                tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(index,)) for index in range(options.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally(seconds=time.perf_counter() - started)
    for tally in tallies:
        total.add(Tally(latencies=tally.latencies, statuses=tally.statuses))
    return total


def _bench_engine(engine: str, options: argparse.Namespace) -> dict[str, Any]:
    env = environment(engine, options.results)
    log(f"{engine}: preparing {options.results:,} results")
    done = subprocess.run(
        [sys.executable, __file__, "--child", engine, *_passed_options(options)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    data = json.loads(done.stdout)
    log(f"{engine}: {data['results']:,} results, {data['shares']:,} shared with {data['organisation']}")
    process, base = _start_gunicorn(env, options)
    kinds = ("trivial", "search", "verify")
    totals = {kind: Tally() for kind in kinds}
    try:
        _wait_until_up(base, data["key"], process)
        for kind in kinds:
            _load(base, data["key"], kind, data, options.warmup, options)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        for round_number in range(options.rounds):
            for kind in kinds:
                tally = _load(base, data["key"], kind, data, options.seconds, options)
                log(f"  round {round_number + 1} {kind}: {tally.rps:.0f} req/s, {dict(sorted(tally.statuses.items()))}")
                totals[kind].add(tally)
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        _stop(process)
    measured = sum(t.seconds for t in totals.values())
    client_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    rows = []
    for kind in kinds:
        tally = totals[kind]
        timings = Timings(tally.latencies)
        rows.append(
            {
                "kind": kind,
                "requests": len(tally.latencies),
                "rps": tally.rps,
                "p50": timings.p50,
                "p95": timings.p95,
                "max": timings.max,
                "statuses": tally.statuses,
            }
        )
    return {
        **{k: v for k, v in data.items() if k not in ("key", "surnames", "erns")},
        "rows": rows,
        "client_cpu_share": client_cpu / measured if measured else 0.0,
    }


def _passed_options(options: argparse.Namespace) -> list[str]:
    passed = ["--results", str(options.results), "--seed", str(options.seed)]
    return [*passed, "--reseed"] if options.reseed else passed


# --- Report -----------------------------------------------------------------------------------------

LABELS = {
    "trivial": "`GET /api/v1/exams/` (trivial)",
    "search": "`GET /api/v1/results/?name=…`",
    "verify": "`POST /api/v1/verify/`",
}


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with open("/proc/meminfo", encoding="utf-8") as info:
        match = re.search(r"MemTotal:\s+(\d+) kB", info.read())
        if match:
            memory = f", {int(match.group(1)) / 1024 / 1024:.0f} GB RAM"
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def _summary(runs: list[dict[str, Any]], options: argparse.Namespace) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"Run {now} on {_machine()}; load average at the end {load}; `bench/api.py --results {options.results} "
        f"--seconds {options.seconds} --rounds {options.rounds} --concurrency {options.concurrency}`; gunicorn "
        f"`-k gthread -w {options.workers} --threads {options.threads}` on 127.0.0.1, load from {options.concurrency} "
        "httpx threads in one process on the same machine.",
        "",
    ]
    for run in runs:
        lines.append(
            f"- **{run['engine']}** {run['version']}: {run['results']:,} results, {run['shares']:,} shared with "
            f"{run['organisation']}; the load generator used {run['client_cpu_share']:.0%} of a core."
        )
    lines += [
        "",
        "| endpoint | engine | requests | req/s | p50 | p95 | max | statuses | vs trivial | ≥ 50 % |",
        "|---|---|--:|--:|--:|--:|--:|---|--:|:-:|",
    ]
    for run in runs:
        trivial = next(row["rps"] for row in run["rows"] if row["kind"] == "trivial")
        for row in run["rows"]:
            ratio = row["rps"] / trivial if trivial else 0.0
            met = "–" if row["kind"] == "trivial" else ("yes" if ratio >= TARGET_RATIO else "**no**")
            statuses = ", ".join(f"{status}: {count:,}" for status, count in sorted(row["statuses"].items()))
            lines.append(
                f"| {LABELS[row['kind']]} | {run['engine']} | {row['requests']:,} | **{row['rps']:.0f}** | "
                f"{row['p50']:.1f} ms | **{row['p95']:.1f} ms** | {row['max']:.0f} ms | {statuses} | "
                f"{ratio:.0%} | {met} |"
            )
    return "\n".join(lines)


def _write(table: str) -> None:
    text = RESULTS_FILE.read_text(encoding="utf-8") if RESULTS_FILE.exists() else f"# API benchmark\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    RESULTS_FILE.write_text(f"{before}{START}\n{table}\n{END}{after}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite,postgres")
    parser.add_argument("--results", type=int, default=30_000, help="demo results to seed (about 1/10 shared)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per endpoint and round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of trivial, search, verify")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per endpoint first")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap per endpoint and round")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--no-write", action="store_true", help=f"leave {RESULTS_FILE.name} alone")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(_child(options.child, options)))
        return 0
    engines = [engine.strip() for engine in options.engines.split(",") if engine.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)}; choose from {', '.join(ENGINES)}")
    runs = [_bench_engine(engine, options) for engine in engines]
    table = _summary(runs, options)
    print(table)
    if not options.no_write:
        _write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
