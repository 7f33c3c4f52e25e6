"""Load benchmark: organisation users signing in, searching, opening results and exporting, at once.

Against gunicorn on PostgreSQL, started by this script on a free port of 127.0.0.1 (loopback only)
with a database of its own (``rvs_bench_load``, seeded once with ``--results`` demo results and
kept while its size is right) and a task worker (``manage.py db_worker``) for background exports:

- ``--users`` organisation users (default 50), spread over the demo organisations in proportion to
  the results shared with each, each with a real session: sign in through the sign-in form, then
  loop: the dashboard, a search by one of the nine criteria of the search page (what a user would
  type, from results shared with their organisation, one miss in ten), sent as the page's script
  sends it (htmx: one request answered with the results), one or two of the results found opened;
- ``--exporters`` users (default 5) who search by a place of entry or a date of exam (``--export-min``
  to ``--export-max`` results) and download every result found
  as PDF, XLSX or CSV: small downloads come back at once, larger ones are made in the background,
  polled as the job page does (``HX-Request``) until ready, then fetched.

Each user waits ``--think`` seconds on average (0.5-1.5 times) between pages, as a person reading
the page would. The run lasts ``--duration`` seconds (users start over ``--ramp`` seconds) and stops
early after ``--max-requests`` requests; every request has a 30 s timeout. It reports p50/p95/max and
the count per page kind, the errors (any answer other than 2xx/3xx, any failed request, a download
that fails or is not ready in ``--export-timeout`` seconds: there must be none) and the throughput.
Target: p95 <= 250 ms for search and details.

    flock /tmp/rvs-bench.lock nice -n 5 .venv/bin/python bench/load.py               # 2 minutes, 100,000 results
    .venv/bin/python bench/load.py --duration 5 --users 3 --exporters 1 --results 2000 --no-write   # smoke

The markdown summary goes to stdout and into ``bench/RESULTS.md`` (between markers; notes kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    OUT,
    POSTGRES_SERVER,
    ROOT,
    SEARCH_FIELDS,
    Timings,
    free_port,
    gunicorn_command,
    log,
    raised_rate_limits,
)

POSTGRES_DATABASE = "rvs_bench_load"
RESULTS_FILE = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench/load.py: start -->", "<!-- bench/load.py: end -->"
TARGET_MS = 250.0
TARGET_KINDS = ("search", "details")
UNLIMITED = "100000000/60"
USER_PREFIX = "load-"
REQUEST_TIMEOUT = 30.0
SEARCH_KINDS = tuple(SEARCH_FIELDS)
RESULT_LINK = re.compile(r'href="/results/([0-9a-f-]{36})/"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def environment(options: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RVS_DATA_DIR": str(OUT / "data"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{options.server}/{options.database}",
            "RVS_TASK_BACKEND": "db",
            # Downloads above this many results are made in the background (the default is 200): lower,
            # so that the run's downloads exercise both ways.
            "RVS_DOWNLOAD_STREAM_LIMIT": str(options.stream_limit),
            # Measured: the pages, not the limits (all users come from 127.0.0.1): every RVS_RATE_* raised.
            **raised_rate_limits(UNLIMITED),
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("RVS_PRODUCTION", "REDIS_URL", "DEBUG"):
        env.pop(name, None)
    return env


# --- Child: seed, make the users, pick what they will type (Django is configured once per process) --


def _seeded_rows(options: argparse.Namespace) -> int | None:
    import psycopg

    query = (
        "SELECT (SELECT COUNT(*) FROM results_result), "
        "(SELECT COUNT(*) FROM accounts_user WHERE email = 'primary@westbridge.example')"
    )
    try:
        with psycopg.connect(f"{options.server}/{options.database}") as connection:
            row = connection.execute(query).fetchone()
    except Exception:
        return None
    assert row is not None
    return int(row[0]) if row[1] else None


def _prepare(options: argparse.Namespace) -> bool:
    """Before ``django.setup()``: keep a database seeded with ``--results`` rows, else start afresh."""
    import psycopg

    if not options.reseed and _seeded_rows(options) == options.results:
        return False
    with psycopg.connect(f"{options.server}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {options.database} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {options.database}")
    return True


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` users over organisations in proportion to ``weights`` (largest remainder), one each first."""
    counts = [1 if total >= len(weights) else 0 for _ in weights]
    left = total - sum(counts)
    whole = sum(weights) or 1
    shares = [left * weight / whole for weight in weights]
    counts = [count + int(share) for count, share in zip(counts, shares, strict=True)]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _form_value(kind: str, value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _child(options: argparse.Namespace) -> dict[str, Any]:
    needed = _prepare(options)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from bench.search import _MISSES, _values
    from rvs.accounts.models import User
    from rvs.demo.organisations import DEMO_ORGANISATIONS, DEMO_PASSWORD
    from rvs.demo.seed import seed as seed_demo
    from rvs.organisations.models import Membership, Organisation
    from rvs.results.forms import SearchForm
    from rvs.results.models import Result
    from rvs.sharing.models import Share
    from rvs.sharing.search import SearchCriteria, shared_results

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name hashed static files
    seconds = None
    if needed:
        started = time.perf_counter()
        seed_demo(results=options.results, seed=options.seed, photos=False, progress=lambda line: log(f"  {line}"))
        seconds = time.perf_counter() - started
    rng = random.Random(options.seed)
    organisations = []
    for spec in DEMO_ORGANISATIONS:
        organisation = Organisation.objects.get(memberships__user__email=spec.email(spec.users[0]))
        active = Share.objects.filter(organisation=organisation, revoked_at__isnull=True)
        organisations.append((spec, organisation, active.count()))
    browse = _split(options.users, [count for _, _, count in organisations])
    export = _split(options.exporters, [count for _, _, count in organisations])
    password = make_password(DEMO_PASSWORD)  # hashed once, as the demo seeder does
    users: list[dict[str, Any]] = []
    plans: dict[str, dict[str, Any]] = {}
    for (spec, organisation, shared), browsers, exporters in zip(organisations, browse, export, strict=True):
        if not browsers and not exporters:
            continue
        for index in range(browsers + exporters):
            email = f"{USER_PREFIX}{index:02d}@{spec.slug}.example"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, full_name=f"Load User {index:02d}", job_title="Admissions")
                Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADDITIONAL)
            user.password = password
            user.save(update_fields=["password"])
            users.append(
                {"email": email, "organisation": spec.slug, "role": "browse" if index < browsers else "export"}
            )
        shares = list(
            Share.objects.filter(organisation=organisation, revoked_at__isnull=True)
            .select_related("result__candidate", "result__exam", "result__centre")
            .order_by("?")[: options.values]
        )
        searches: list[list[str]] = []
        for share in shares:
            kind = rng.choice(SEARCH_KINDS)
            if kind == "ern":
                searches.append(["ern", share.result.ern_display])
                continue
            value = _MISSES[kind] if rng.random() < 0.1 and _MISSES[kind] is not None else _values(kind, share, rng)
            # Only what the form accepts ("O'" is refused: a letter per word is too short to search by).
            if value is not None and SearchForm({kind: _form_value(kind, value)}, organisation=organisation).is_valid():
                searches.append([kind, _form_value(kind, value)])
        # Downloads: every result of a search by place of entry or date of exam with --export-min to
        # --export-max results, so that both small downloads (made at once) and background ones happen.
        candidates = {("place_of_entry", share.result.centre.city) for share in shares[:40]}
        candidates |= {("exam_date", share.result.exam_date.isoformat()) for share in shares[:40]}
        exports = []
        for kind, value in sorted(candidates):
            given: dict[str, Any] = {kind: dt.date.fromisoformat(value) if kind == "exam_date" else value}
            criteria = SearchCriteria(**given)
            found = shared_results(organisation=organisation, criteria=criteria).count()
            if options.export_min <= found <= options.export_max:
                exports.append([kind, value, found])
        plans[spec.slug] = {
            "name": organisation.name,
            "shares": shared,
            "searches": searches,
            "exports": exports or [["exam_date", shares[0].result.exam_date.isoformat(), 0]],
        }
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "version": version,
        "seed_seconds": seconds,
        "results": Result.objects.count(),
        "password": DEMO_PASSWORD,
        "users": users,
        "plans": plans,
    }


# --- Parent: the server ------------------------------------------------------------------------------


def _start_server(env: dict[str, str], options: argparse.Namespace) -> tuple[list[subprocess.Popen[bytes]], str]:
    port = free_port()
    gunicorn = gunicorn_command(port, workers=options.workers, threads=options.threads)
    worker = [sys.executable, "manage.py", "db_worker"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
        for command in (gunicorn, worker)
    ]
    return processes, f"http://127.0.0.1:{port}"


def _wait_until_up(base: str, processes: list[subprocess.Popen[bytes]]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            status = httpx.get(f"{base}/accounts/sign-in/", timeout=5).status_code
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        if status != 200:
            raise RuntimeError(f"GET /accounts/sign-in/ answered {status}")
        return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # our own sessions: gunicorn's master and workers, the task worker
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- Parent: the users -----------------------------------------------------------------------------


class Failed(Exception):
    """A request that counts as an error: the user's loop goes on with the next page."""


@dataclass
class Record:
    """What every user thread adds to: latencies per page kind, errors, the request budget."""

    max_requests: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    # (seconds since the start of the run, milliseconds) per page kind, for the p95 over time.
    timeline: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    by_criterion: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    downloads: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        with self.lock:
            if self.requests >= self.max_requests:
                return False
            self.requests += 1
            return True

    def add(self, kind: str, milliseconds: float, criterion: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(milliseconds)
            self.timeline.setdefault(kind, []).append((time.perf_counter() - self.started, milliseconds))
            if criterion:
                self.by_criterion.setdefault(criterion, []).append(milliseconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def count_download(self, how: str) -> None:
        with self.lock:
            self.downloads[how] = self.downloads.get(how, 0) + 1


class OutOfBudget(Exception):
    pass


class User:
    """One signed-in person: an httpx client with its own cookies (session, CSRF)."""

    def __init__(self, base: str, record: Record, stop_at: float, think: float, rng: random.Random) -> None:
        import httpx

        self.client = httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, follow_redirects=False)
        self.record, self.stop_at, self.think_seconds, self.rng = record, stop_at, think, rng
        self.csrf = ""

    def close(self) -> None:
        self.client.close()

    def running(self) -> bool:
        return time.perf_counter() < self.stop_at

    def think(self) -> None:
        pause = self.think_seconds * self.rng.uniform(0.5, 1.5)
        time.sleep(max(0.0, min(pause, self.stop_at - time.perf_counter())))

    def request(self, method: str, path: str, *, expect: tuple[int, ...], **kwargs: Any) -> tuple[Any, float]:
        """One request, timed; an answer not in ``expect`` (or not 2xx/3xx) raises ``Failed``."""
        import httpx

        if not self.record.take():
            raise OutOfBudget
        started = time.perf_counter()
        try:
            response = self.client.request(method, path, **kwargs)
            response.read()
        except httpx.HTTPError as exc:
            raise Failed(f"{method} {_shape(path)}: {type(exc).__name__}") from None
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in expect or response.status_code >= 400:
            raise Failed(f"{method} {_shape(path)}: {response.status_code}")
        found = CSRF_FIELD.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if found:
            self.csrf = found.group(1)
        return response, elapsed

    def sign_in(self, email: str, password: str) -> None:
        _, first = self.request("GET", "/accounts/sign-in/", expect=(200,))
        data = {"csrfmiddlewaretoken": self.csrf, "username": email, "password": password, "next": ""}
        response, second = self.request("POST", "/accounts/sign-in/", expect=(302,), data=data)
        if "/accounts/" in response.headers.get("location", ""):
            raise Failed(f"sign-in of {email} went to {response.headers['location']} (two-factor?)")
        self.record.add("sign-in", first + second)
        # Signing in rotates the CSRF secret: the new one is in the cookie (a form accepts it unmasked).
        self.csrf = self.client.cookies.get("csrftoken") or self.csrf

    def dashboard(self) -> list[str]:
        response, elapsed = self.request("GET", "/dashboard/", expect=(200,))
        self.record.add("dashboard", elapsed)
        return RESULT_LINK.findall(response.text)

    def search(self, kind: str, value: str) -> tuple[list[str], str]:
        """Submit the search form as the page's script does (htmx, decision 0007): the results come back
        in that one request, with the saved search's address in ``HX-Push-Url``. An ERN found answers
        with ``HX-Redirect`` to the result, which the browser then opens (timed together, as the user
        waits for both)."""
        data = {"csrfmiddlewaretoken": self.csrf, kind: value, "sort": "name"}
        headers = {"HX-Request": "true", "HX-Target": "main", "HX-Current-URL": f"{self.client.base_url}/search/"}
        page, first = self.request("POST", "/search/", expect=(200,), data=data, headers=headers)
        if kind == "ern":
            target = page.headers.get("hx-redirect")
            if not target:
                raise Failed("an Exam Reference Number look-up did not send the browser to the result")
            _, second = self.request("GET", target, expect=(200,))
            self.record.add("search", first + second, criterion=kind)
            self.record.add("details", second)  # an ERN found goes straight to the result's page
            return [], ""
        location = page.headers.get("hx-push-url", "")
        if not location.startswith("/search/?q="):
            raise Failed("a search answered without the address of its results")
        self.record.add("search", first, criterion=kind)
        return RESULT_LINK.findall(page.text), location

    def details(self, result_id: str) -> None:
        _, elapsed = self.request("GET", f"/results/{result_id}/", expect=(200,))
        self.record.add("details", elapsed)


def _shape(path: str) -> str:
    """A path without ids or query, for error messages."""
    return re.sub(r"[0-9a-f-]{36}", "<id>", path.split("?")[0])


def _browse(user: User, plan: dict[str, Any]) -> None:
    links = user.dashboard()
    user.think()
    _first_result(user, plan)
    user.think()
    while user.running():
        kind, value = user.rng.choice(plan["searches"])
        found, _ = user.search(kind, value)
        user.think()
        for result_id in user.rng.sample(found, min(len(found), user.rng.choice((1, 1, 2)))):
            if not user.running():
                return
            user.details(result_id)
            user.think()
        if user.rng.random() < 0.2 and user.running():
            links = user.dashboard() or links
            user.think()


def _first_result(user: User, plan: dict[str, Any]) -> None:
    """One search that finds something and the result's page, whatever the clock says: every run's
    summary has a search and a result page however slow or busy the machine (the smoke test in
    tests/bench_smoke asks for both and must not race the wall clock)."""
    for kind, value in user.rng.sample(plan["searches"], len(plan["searches"])):
        found, _ = user.search(kind, value)
        if kind == "ern":  # found: the look-up opened the result's page
            return
        if found:
            user.details(found[0])
            return


def _export(user: User, plan: dict[str, Any], options: argparse.Namespace) -> None:
    while user.running():
        kind, value, _ = user.rng.choice(plan["exports"])
        _, location = user.search(kind, value)
        user.think()
        key = location.split("q=", 1)[1]
        fmt = user.rng.choice(("pdf", "xlsx", "csv"))
        data = {"csrfmiddlewaretoken": user.csrf, "back": location, "q": key, "scope": "search", "format": fmt}
        response, elapsed = user.request("POST", "/downloads/new/", expect=(200, 302), data=data)
        if response.status_code == 200:
            if not response.content or "attachment" not in response.headers.get("content-disposition", ""):
                raise Failed(f"download of a {fmt} at once gave no file")
            user.record.add("export (made at once)", elapsed)
            user.record.count_download(f"{fmt} at once")
            user.think()
            continue
        job = response.headers["location"]
        if not job.startswith("/downloads/"):
            raise Failed(f"download refused, sent back to {_shape(job)}")
        user.record.add("export (start)", elapsed)
        ready_by = time.perf_counter() + options.export_timeout
        while True:
            time.sleep(1.0)  # the job page polls every second (hx-trigger="every 1s")
            status, elapsed = user.request("GET", job, expect=(200,), headers={"HX-Request": "true"})
            user.record.add("export (poll)", elapsed)
            if "Your download is ready" in status.text:
                break
            if "The download failed" in status.text:
                raise Failed(f"a {fmt} download failed")
            if time.perf_counter() > ready_by:
                raise Failed(f"a {fmt} download was not ready within {options.export_timeout:.0f} s")
            if not user.running():
                user.record.count_download(f"{fmt} unfinished at the end of the run")
                return
        file, elapsed = user.request("GET", f"{job}file/", expect=(200,))
        if not file.content:
            raise Failed(f"a {fmt} download's file was empty")
        user.record.add("export (file)", elapsed)
        user.record.count_download(f"{fmt} in the background")
        user.think()


def _run_user(
    base: str, spec: dict[str, Any], data: dict[str, Any], record: Record, delay: float, stop_at: float,
    options: argparse.Namespace,
) -> None:  # fmt: skip
    rng = random.Random(f"{options.seed}-{spec['email']}")
    time.sleep(delay)
    user = User(base, record, stop_at, options.think, rng)
    plan = data["plans"][spec["organisation"]]
    loop: Callable[[], None] = (
        (lambda: _browse(user, plan)) if spec["role"] == "browse" else (lambda: _export(user, plan, options))
    )
    try:
        try:
            user.sign_in(spec["email"], data["password"])
        except Failed as exc:
            record.error(f"{spec['email']}: {exc}")
            return
        while user.running():
            try:
                loop()
            except Failed as exc:
                record.error(str(exc))
                user.think()
    except OutOfBudget:
        return
    finally:
        user.close()


class CpuMeter:
    """CPU seconds used during the run, read from ``/proc`` (Linux) about once a second.

    Per group: the web server (gunicorn's processes), the task worker, PostgreSQL (every ``postgres``
    process: other databases' work too, if anything else uses the server meanwhile), and the whole
    machine's busy time (everything, other people's work included), so a run shows where the cores
    went. A process that starts during the run counts from zero; one that exits keeps its last reading.
    """

    def __init__(self, sessions: dict[str, int]) -> None:
        self.sessions = {sid: name for name, sid in sessions.items()}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.baseline: dict[int, float] = {}
        self.latest: dict[int, tuple[str, float]] = {}
        self.machine_start = self._machine()
        self.machine_end = self.machine_start
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _machine(self) -> float:
        """Busy seconds of all cores together since boot (``/proc/stat``: all but idle and iowait)."""
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
        return (sum(values[:8]) - values[3] - values[4]) / self.tick

    def _sample(self, first: bool = False) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as stat:
                    text = stat.read()
            except OSError:
                continue
            command = text[text.index("(") + 1 : text.rindex(")")]
            rest = text[text.rindex(")") + 2 :].split()
            group = self.sessions.get(int(rest[3])) or ("PostgreSQL" if command == "postgres" else None)
            if group is None:
                continue
            pid, seconds = int(entry.name), (int(rest[11]) + int(rest[12])) / self.tick
            if first:
                self.baseline[pid] = seconds
            self.latest[pid] = (group, seconds)

    def _loop(self) -> None:
        while not self.done.wait(1.0):
            self._sample()

    def start(self) -> None:
        self._sample(first=True)
        self.machine_start = self._machine()
        self.thread.start()

    def stop(self) -> dict[str, float]:
        self.done.set()
        self.thread.join()
        self._sample()
        self.machine_end = self._machine()
        used: dict[str, float] = {}
        for pid, (group, seconds) in self.latest.items():
            used[group] = used.get(group, 0.0) + seconds - self.baseline.get(pid, 0.0)
        used["machine"] = self.machine_end - self.machine_start
        return used


def _load(base: str, data: dict[str, Any], options: argparse.Namespace) -> tuple[Record, float, float]:
    record = Record(max_requests=options.max_requests)
    users = data["users"]
    started = time.perf_counter()
    stop_at = started + options.duration
    threads = [
        threading.Thread(
            target=_run_user,
            args=(base, spec, data, record, options.ramp * index / max(1, len(users)), stop_at, options),
            daemon=True,
        )
        for index, spec in enumerate(users)
    ]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.perf_counter()) + REQUEST_TIMEOUT * 3)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    if any(thread.is_alive() for thread in threads):
        record.error("a user was still waiting at the end of the run")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return record, elapsed, cpu / elapsed


def run(options: argparse.Namespace) -> dict[str, Any]:
    env = environment(options)
    log(f"preparing {options.results:,} results in {options.database}")
    done = subprocess.run(
        [sys.executable, __file__, "--child", *_passed_options(options)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        cwd=ROOT,
    )
    data = json.loads(done.stdout)
    roles = [user["role"] for user in data["users"]]
    log(f"{data['results']:,} results; {roles.count('browse')} users and {roles.count('export')} exporting")
    processes, base = _start_server(env, options)
    try:
        _wait_until_up(base, processes)
        meter = CpuMeter({"web": processes[0].pid, "task worker": processes[1].pid})
        meter.start()
        record, elapsed, client_cpu = _load(base, data, options)
        cpu = meter.stop()
    finally:
        _stop(processes)
    cpu["load generator"] = client_cpu * elapsed
    return {"data": data, "record": record, "elapsed": elapsed, "client_cpu": client_cpu, "cpu": cpu}


def _passed_options(options: argparse.Namespace) -> list[str]:
    passed = [
        "--stream-limit", str(options.stream_limit), "--results", str(options.results), "--seed", str(options.seed),
        "--users", str(options.users), "--exporters", str(options.exporters), "--values", str(options.values),
        "--export-min", str(options.export_min), "--export-max", str(options.export_max), "--server", options.server,
        "--database", options.database,
]  # fmt: skip
    return [*passed, "--reseed"] if options.reseed else passed


# --- Report -----------------------------------------------------------------------------------------

KIND_ORDER = (
    "sign-in", "dashboard", "search", "details", "export (made at once)", "export (start)", "export (poll)",
    "export (file)",
)  # fmt: skip
CRITERIA = SEARCH_FIELDS


def _row(label: str, samples: list[float], target: bool) -> str:
    timings = Timings(samples)
    verdict = ("yes" if timings.p95 <= TARGET_MS else "**no**") if target else "–"
    return (
        f"| {label} | {len(samples):,} | {timings.p50:.0f} ms | **{timings.p95:.0f} ms** | {timings.max:.0f} ms "
        f"| {verdict} |"
    )


def _cpu_line(outcome: dict[str, Any], requests: int) -> str:
    """Where the cores went during the run: seconds and share of one core per group."""
    cpu, elapsed = outcome["cpu"], outcome["elapsed"]
    parts = [
        f"{name} {cpu[name]:.0f} s ({cpu[name] / elapsed:.0%})"
        for name in ("web", "task worker", "PostgreSQL", "load generator")
        if name in cpu
    ]
    cores = os.cpu_count() or 1
    return (
        f"- CPU during the run (share of one core): {', '.join(parts)}; the web server's "
        f"{cpu['web'] * 1000 / max(requests, 1):.1f} ms per request on average (downloads made at once included); "
        f"the whole machine was {cpu['machine'] / elapsed / cores:.0%} busy on {cores} cores (everything on it)."
    )


def _over_time(record: Record, options: argparse.Namespace, step: float = 30.0) -> list[str]:
    """p95 of the target pages per ``step`` seconds of the run: shows whether the slow tail is
    spread over the run or bunched (the users sign in over the first ``--ramp`` seconds)."""
    lines = [
        "",
        "| seconds into the run | sign-ins | requests | search p95 | details p95 | dashboard p95 |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    windows = max(1, int(-(-options.duration // step)))
    for index in range(windows):
        low, high = index * step, (index + 1) * step if index < windows - 1 else float("inf")

        def within(kind: str, low: float = low, high: float = high) -> list[float]:
            return [ms for at, ms in record.timeline.get(kind, []) if low <= at < high]

        cells = []
        for kind in ("search", "details", "dashboard"):
            samples = within(kind)
            cells.append(f"{Timings(samples).p95:.0f} ms" if samples else "–")
        requests = sum(len(within(kind)) for kind in record.timeline)
        label = f"{low:.0f}-{high:.0f}" if high != float("inf") else f"{low:.0f}-end"
        lines.append(f"| {label} | {len(within('sign-in'))} | {requests:,} | {' | '.join(cells)} |")
    return lines


def summary(outcome: dict[str, Any], options: argparse.Namespace) -> str:
    from bench.api import _machine

    data, record, elapsed = outcome["data"], outcome["record"], outcome["elapsed"]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    roles = [user["role"] for user in data["users"]]
    people = {slug: sum(1 for user in data["users"] if user["organisation"] == slug) for slug in data["plans"]}
    organisations = ", ".join(
        f"{plan['name']} ({people[slug]} user{'s' if people[slug] != 1 else ''}, {plan['shares']:,} shares)"
        for slug, plan in data["plans"].items()
    )
    downloads = ", ".join(f"{count} {how}" for how, count in sorted(record.downloads.items())) or "none"
    lines = [
        f"Run {now} on {_machine()}; load average at the end {load}; `bench/load.py --results {options.results} "
        f"--duration {options.duration:g} --users {options.users} --exporters {options.exporters} --think "
        f"{options.think:g}`; gunicorn `-k gthread -w {options.workers} --threads {options.threads}` and one "
        f"`db_worker` on 127.0.0.1, PostgreSQL {data['version'].split()[0]}; the users are threads of one process "
        f"on the same machine (it used {outcome['client_cpu']:.0%} of a core).",
        "",
        f"- {data['results']:,} results; {roles.count('browse')} users searching and opening results and "
        f"{roles.count('export')} exporting, each signed in with a session of their own: {organisations}.",
        f"- **{record.requests:,} requests in {elapsed:.0f} s: {record.requests / elapsed:.1f} requests/s**; "
        f"errors: **{len(record.errors)}**; downloads: {downloads}.",
        _cpu_line(outcome, record.requests),
        "",
        "| page | count | p50 | p95 | max | p95 ≤ 250 ms |",
        "|---|--:|--:|--:|--:|:-:|",
    ]
    kinds = [kind for kind in KIND_ORDER if kind in record.latencies]
    for kind in kinds:
        label = "search (form sent, results back; an ERN: + its result)" if kind == "search" else kind
        lines.append(_row(label, record.latencies[kind], kind in TARGET_KINDS))
    lines += ["", "| search by | count | p50 | p95 | max | p95 ≤ 250 ms |", "|---|--:|--:|--:|--:|:-:|"]
    for criterion, label in CRITERIA.items():
        if criterion in record.by_criterion:
            lines.append(_row(label, record.by_criterion[criterion], True))
    lines += _over_time(record, options)
    if record.errors:
        counted: dict[str, int] = {}
        for text in record.errors:
            counted[text] = counted.get(text, 0) + 1
        lines += ["", "Errors:", ""]
        lines += [f"- {count} × {text}" for text, count in sorted(counted.items(), key=lambda item: -item[1])[:20]]
    return "\n".join(lines)


def _write(table: str) -> None:
    text = RESULTS_FILE.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{RESULTS_FILE} has no {START} ... {END} markers")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    RESULTS_FILE.write_text(f"{before}{START}\n{table}\n{END}{after}", encoding="utf-8")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--results", type=int, default=100_000, help="demo results to seed (about 1/5 shared)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds the users run")
    parser.add_argument("--users", type=int, default=50, help="users searching and opening results")
    parser.add_argument("--exporters", type=int, default=5, help="users downloading PDF, XLSX and CSV files")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a user's pages")
    parser.add_argument("--ramp", type=float, default=None, help="seconds over which users start (duration/6)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests")
    parser.add_argument("--export-timeout", type=float, default=120.0, help="seconds a download may take")
    parser.add_argument("--export-min", type=int, default=20, help="fewest results in a download")
    parser.add_argument("--export-max", type=int, default=300, help="most results in a download")
    parser.add_argument("--stream-limit", type=int, default=60, help="RVS_DOWNLOAD_STREAM_LIMIT of the server")
    parser.add_argument("--values", type=int, default=400, help="search values drawn per organisation")
    # docs/operations.md ("Web processes"): one process per core, 8 threads each, on 2 cores (-w 4 --threads 2
    # was measured worse: a process queues the requests it accepted behind its two threads' sign-ins or PDFs).
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--server", default=POSTGRES_SERVER, help="PostgreSQL server URL, without a database")
    parser.add_argument("--database", default=POSTGRES_DATABASE, help="the benchmark's own database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--no-write", action="store_true", help=f"leave {RESULTS_FILE.name} alone")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of markdown")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser


def main() -> int:
    options = parser().parse_args()
    if options.child:
        print(json.dumps(_child(options)))
        return 0
    if options.ramp is None:
        options.ramp = options.duration / 6
    outcome = run(options)
    record = outcome["record"]
    if options.json:
        print(
            json.dumps(
                {
                    "requests": record.requests,
                    "errors": record.errors,
                    "latencies": record.latencies,
                    "downloads": record.downloads,
                    "elapsed": outcome["elapsed"],
                }
            )
        )
    else:
        table = summary(outcome, options)
        print(table)
        if not options.no_write:
            _write(table)
    return 1 if record.errors else 0


if __name__ == "__main__":
    sys.exit(main())
