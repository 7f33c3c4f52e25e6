"""Every hand-written fast path, with and without, in one process (issue 16 item 7, decision 0020).

For each fast path the same operation runs many times, the fast path switched on and off in turn
(monkeypatching, in this process only), so both variants see the same machine load. Per variant
it reports the process CPU time per operation (median and the 10th-90th percentile spread); the
gain is the difference of the medians, also as a share of the operation without the fast path.
The two switch intervals are about waiting, not CPU: for them it reports wall time.

The database is a throw-away test database (Django's ``create_test_db``, like the tests): on
SQLite in memory, on PostgreSQL ``test_<name>`` of ``DATABASE_URL``; its data come from the
tests' factories (``--results`` shares of one organisation).

    .venv/bin/python bench/fast_paths.py                                   # SQLite, 200 repetitions
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rvs_bench_fp .venv/bin/python bench/fast_paths.py
    .venv/bin/python bench/fast_paths.py --only rows,widgets --repeat 400
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Toggle = Callable[[bool], AbstractContextManager[None]]


def _spread(samples: list[float]) -> str:
    ordered = sorted(samples)
    low, high = ordered[len(ordered) // 10], ordered[len(ordered) * 9 // 10]
    return f"{statistics.median(samples) * 1000:8.3f} ms ({low * 1000:.3f}-{high * 1000:.3f})"


def compare(name: str, operation: Callable[[], Any], toggle: Toggle, repeat: int, *, wall: bool = False) -> None:
    """``operation`` ``repeat`` times with the fast path on and off in turn; one line per fast path."""
    clock = time.perf_counter if wall else time.process_time
    times: dict[bool, list[float]] = {True: [], False: []}
    for index in range(repeat * 2 + 4):
        fast = index % 2 == 0
        with toggle(fast):
            started = clock()
            operation()
            spent = clock() - started
        if index >= 4:  # the first two of each: warm-up (caches, templates)
            times[fast].append(spent)
    with_, without = statistics.median(times[True]), statistics.median(times[False])
    gain = without - with_
    print(
        f"{name:28s} with {_spread(times[True])}  without {_spread(times[False])}  "
        f"gain {gain * 1000:7.3f} ms = {gain / without * 100:5.1f} % of the operation"
        f"{' (wall)' if wall else ' (CPU)'}",
        flush=True,
    )


@contextmanager
def patched(target: Any, attribute: str, value: Any, apply: bool) -> Iterator[None]:
    """``target.attribute = value`` for the block when ``apply``."""
    if not apply:
        yield
        return
    old = getattr(target, attribute)
    setattr(target, attribute, value)
    try:
        yield
    finally:
        setattr(target, attribute, old)


# --- the page fast paths ---------------------------------------------------------------------


def rows_toggle() -> Toggle:
    """The results table's rows: ``results_table.result_rows`` or the template it replaced."""
    from django.template import Context, engines

    from rvs.results.templatetags import results_table

    engine = engines["django"].engine  # type: ignore[attr-defined]
    old = engine.get_template("results/_rows_reference.html")
    fast = results_table.result_rows

    def template_rows(page: Any, name_query: str = "", requirement: Any = None, back: str = "") -> Any:
        context = {"page": page, "name_query": name_query, "requirement": requirement, "back": back}
        return old.render(Context(context))

    @contextmanager
    def toggle(on: bool) -> Iterator[None]:
        # The tag is bound when a template is compiled: register the variant, forget compiled templates.
        results_table.register.simple_tag(fast if on else template_rows, name="result_rows")
        for loader in engine.template_loaders:
            loader.reset()
        yield

    return toggle


def widgets_toggle() -> Toggle:
    from django.forms.renderers import DjangoTemplates

    from rvs.results import forms

    plain = DjangoTemplates()
    return lambda on: patched(forms.SearchForm, "default_renderer", plain, not on)


def membership_toggle() -> Toggle:
    """The membership, organisation and TOTP state in one query, or through the plain accessors
    (``user.membership``, then its organisation, then the devices: two queries more)."""
    from rvs.core import permissions

    def plain(user: Any) -> Any:
        return getattr(user, "membership", None)

    return lambda on: patched(permissions, "_membership_with_organisation", plain, not on)


def page_by_ids_toggle() -> Toggle:
    """``page_by_ids`` (SQL compiled once) or the same ``page_values`` queryset through the ORM."""
    from rvs.api import result_rows
    from rvs.sharing.models import Share

    def plain(ids: list[int]) -> list[dict[str, Any]]:
        by_id = {row["id"]: row for row in result_rows.page_values(Share.objects.filter(pk__in=ids))}
        return [by_id[pk] for pk in ids if pk in by_id]

    return lambda on: patched(result_rows, "page_by_ids", plain, not on)


def csv_operation(ids: list[int], on: list[bool]) -> Callable[[], Any]:
    """A CSV export of ``ids``: lines printed by the database, or ``csv.writer`` over the typed cells."""
    from rvs.downloads import rows
    from rvs.downloads.exporters import CsvExporter
    from rvs.downloads.fields import FIELDS

    def export() -> int:
        table = rows.data_table(ids, list(FIELDS))
        if not on[0]:
            table.csv_lines = None
        return CsvExporter().render(table, io.BytesIO(), progress=lambda count: None)

    return export


# --- process-wide switch intervals -------------------------------------------------------------


@contextmanager
def _busy_thread() -> Iterator[None]:
    """Another thread of the process computing in Python (a page, a PDF) the whole time."""
    stop = threading.Event()

    def spin() -> None:
        total = 0
        while not stop.is_set():
            for number in range(2000):
                total += number * number

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def interval_toggle(fast_seconds: float) -> Toggle:
    @contextmanager
    def toggle(on: bool) -> Iterator[None]:
        before = sys.getswitchinterval()
        sys.setswitchinterval(fast_seconds if on else 0.005)
        try:
            yield
        finally:
            sys.setswitchinterval(before)

    return toggle


def round_trip() -> None:
    """One database round trip of 0.5 ms (a page's typical query) while another thread computes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.0005)")
        cursor.fetchone()


def import_operation(rows: int, chunk: int) -> tuple[Callable[[], Any], Toggle]:
    """An import of ``rows`` new results (rolled back), the switch interval 0.2 ms (as ``bulkload`` set it
    while its writer ran, before decision 0020) or Python's 5 ms.

    The interval matters while the writer sends a chunk and the main thread parses the next: the
    file is read in chunks of ``chunk`` rows (``run.STREAM_CHUNK``, 25,000 in production) so a
    small import has several."""
    from django.db import transaction

    from bench.import_data import generate
    from rvs.results.importer import results_import
    from rvs.results.importer import run as importer_run

    path = ROOT / "bench" / "out" / f"fast-paths-import-{rows}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        generate(path, rows, 7)
    data = path.read_bytes()

    def run() -> None:
        with patched(importer_run, "STREAM_CHUNK", chunk, True), transaction.atomic():
            report = results_import(actor="bench", data=data, source=path.name)
            assert len(report.created) == rows, report
            transaction.set_rollback(True)

    return run, interval_toggle(0.0002)  # what bulkload.background_writes set before decision 0020


# --- run time code (the demo seeder's rows) ------------------------------------------------------


def demo_rows_toggle() -> tuple[Callable[[], Any], Toggle]:
    """``demo.bulk.Table.insert`` of 10,000 candidates (a date to convert, defaults to fill, as the
    seeder writes them): its row function built with ``eval`` (as it was) or a closure (as it is);
    rolled back."""
    import datetime as dt

    from django.db import transaction

    from rvs.demo import bulk
    from rvs.results.models import Candidate

    fields = ["id", "candidate_number", "secret_hash", "first_name", "last_name", "sort_name", "date_of_birth", "email"]
    table = bulk.Table(Candidate, fields)
    born = dt.date(1990, 1, 1)
    rows = [
        (10_000_000 + i, f"BENCH{i:08d}", "0" * 64, "Ann", "Bench", "bench ann", born + dt.timedelta(days=i % 9000), "")
        for i in range(10_000)
    ]

    def with_eval(self: Any, given: Any) -> Any:
        if self._plain:
            return given
        scope = {f"c{n}": convert for n, (_, convert) in enumerate(self._steps)}
        parts = [
            (f"r[{index}]" if convert is bulk._identity else f"c{n}(r[{index}])") if index is not None else f"c{n}()"
            for n, (index, convert) in enumerate(self._steps)
        ]
        return map(eval(f"lambda r: ({', '.join(parts)},)", scope), given)  # as bulk.py had it

    def insert() -> None:
        with transaction.atomic():
            table.insert(rows)
            transaction.set_rollback(True)

    return insert, lambda on: patched(bulk.Table, "_rows", with_eval, on)


# --- set-up and main ---------------------------------------------------------------------------


def database() -> Any:
    """A fresh test database (the import and the demo rows need one without the factories' data)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RVS_DATA_DIR", str(ROOT / "bench" / "out" / "fast-paths"))
    os.environ["DATABASE_POOL"] = "false"
    os.environ.setdefault("RVS_RATE_SEARCH_USER", "1000000/60")  # the pages are measured, not the limit
    import django

    django.setup()
    import logging

    logging.getLogger("rvs.request").setLevel(logging.WARNING)  # one line per request otherwise
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection


def pages_data(results: int) -> dict[str, Any]:
    """An organisation with ``results`` shares, a signed-in member and an API key."""
    from django.test import Client
    from rest_framework.test import APIClient

    from rvs.api import keys
    from rvs.organisations.models import Membership
    from tests.factories import MembershipFactory, OrganisationFactory, ShareFactory

    organisation = OrganisationFactory(name="University of Aberdeen Bench")
    primary = MembershipFactory(organisation=organisation, role=Membership.Role.PRIMARY).user
    member: Any = MembershipFactory(organisation=organisation, role=Membership.Role.ADDITIONAL).user
    shares = [ShareFactory(organisation=organisation) for _ in range(results)]
    client = Client(HTTP_HOST="testserver")
    client.force_login(member)
    api = APIClient()
    _, secret = keys.key_create(actor=primary, organisation=organisation, name="bench", scope="read")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return {"client": client, "api": api, "shares": shares}


def pages(options: argparse.Namespace, only: set[str]) -> None:
    """The page, API and export fast paths, on ``--results`` shares made by the tests' factories."""
    data = pages_data(options.results)
    client, api, shares = data["client"], data["api"], data["shares"]
    name = shares[0].result.candidate.last_name

    def wanted(kind: str) -> bool:
        return not only or kind in only

    def dashboard() -> None:
        assert client.get("/dashboard/").status_code == 200

    def search() -> None:
        response = client.post("/search/", {"name": name, "sort": "name"}, headers={"HX-Request": "true"})
        assert response.status_code == 200

    def api_list() -> None:
        assert api.get("/api/v1/results/").status_code == 200

    if wanted("rows"):
        compare("results rows (dashboard)", dashboard, rows_toggle(), options.repeat)
    if wanted("widgets"):
        compare("search form widgets", search, widgets_toggle(), options.repeat)
    if wanted("membership"):
        compare("membership in one query", dashboard, membership_toggle(), options.repeat)
        compare("membership in one query", dashboard, membership_toggle(), options.repeat, wall=True)
    if wanted("page"):
        compare("API page_by_ids", api_list, page_by_ids_toggle(), options.repeat)
    if wanted("csv"):
        on = [True]

        @contextmanager
        def csv_toggle(fast: bool) -> Iterator[None]:
            on[0] = fast
            yield

        ids = [share.result_id for share in shares]
        compare(f"CSV lines ({len(ids)} results)", csv_operation(ids, on), csv_toggle, max(20, options.repeat // 4))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="operations per variant")
    parser.add_argument("--results", type=int, default=300, help="shares of the organisation")
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--import-chunk", type=int, default=5_000, help="rows per chunk read (production: 25,000)")
    parser.add_argument("--only", default="", help="comma-separated: rows,widgets,membership,page,csv,web,import,demo")
    options = parser.parse_args()
    only = set(filter(None, options.only.split(",")))

    def wanted(name: str) -> bool:
        return not only or name in only

    connection = database()
    load = os.getloadavg()
    print(f"# {connection.vendor}, {options.results} results, {options.repeat} each, load {load[0]:.1f} {load[1]:.1f}")
    if wanted("import"):
        run, toggle = import_operation(options.import_rows, options.import_chunk)
        compare(f"import switch ({options.import_rows:,} rows)", run, toggle, max(6, options.repeat // 25), wall=True)
    if wanted("demo"):
        insert, toggle = demo_rows_toggle()
        compare("demo rows: eval / closure", insert, toggle, max(10, options.repeat // 10))
    if wanted("web") and connection.vendor == "postgresql":  # SQLite in memory: no wait to measure
        with _busy_thread():
            compare("web switch 0.5 ms / 5 ms", round_trip, interval_toggle(0.0005), options.repeat, wall=True)
    if not only or only - {"import", "demo", "web"}:
        pages(options, only)
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
