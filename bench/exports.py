"""Export benchmark: results to CSV, XLSX and signed PDF through the real exporters, next to the raw libraries.

Seeds demo results with the ``seed_demo`` machinery (``rvs/demo``, no photos) into a database
of its own per engine (``bench/out/exports-N.sqlite3``; PostgreSQL database ``rvs_bench_exports``),
reused while its size is right. For each format it times *database to finished file*:
``rvs.downloads.rows.data_table(ids, fields)`` (CSV, XLSX) or ``rvs.downloads.selectors.results_in_order(ids)``
(PDF) feeding ``EXPORTERS[fmt].render(...)`` into a temporary file (for PDF that includes the
pyHanko signature). In the same run, interleaved, the raw library writes the same rows from
memory (pre-loaded as plain tuples, no database): ``csv.writer``, XlsxWriter in ``constant_memory``,
and reportlab drawing the same page (unsigned). The CSV and XLSX
files of both sides must hold the same cells, or the benchmark stops.

Peak memory: each export runs again in a fresh process per size and format, and its maximum RSS
is read by the parent (``os.wait4``), so the seeding and the timing runs do not count.

    .venv/bin/python bench/exports.py                      # SQLite, 10,000 results; memory at 10,000 and 100,000
    .venv/bin/python bench/exports.py --engines sqlite,postgres --memory-sizes ''   # both engines, no memory runs
    .venv/bin/python bench/exports.py --formats csv,xlsx --results 100000
    .venv/bin/python bench/exports.py --pdf-memory-sizes 10000,100000   # PDF memory at 100,000 too (~20 minutes)

PDF memory runs default to 10,000 and 30,000 results (signed pages are drawn at about 100 a second).
The raw reportlab side draws the page's QR code with the page's own routine (``pdf._qr``): how a
QR code is drawn is part of the page, not overhead of the exporter.

The markdown goes to stdout and into ``bench/EXPORTS.md`` (between markers; notes around them kept).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import io
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "rvs_bench_exports"
ENGINES = ("sqlite", "postgres")
FORMATS = ("csv", "xlsx", "pdf")
SEED = 1
RESULTS_FILE = ROOT / "bench" / "EXPORTS.md"
START, END = "<!-- bench/exports.py: start -->", "<!-- bench/exports.py: end -->"

# Targets, database to finished file: time against the raw library; signed pages per second; memory.
RATIO_TARGET = {"csv": 3.0, "xlsx": 1.5, "pdf": 1.5}
PDF_PAGES_PER_SECOND = 60.0
MEMORY_MB = 250.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- databases ------------------------------------------------------------------------------


def sqlite_path(results: int) -> Path:
    return OUT / f"exports-{results}.sqlite3"


def engine_environment(engine: str, results: int) -> dict[str, str]:
    """Environment for a child process working on ``engine``'s database of ``results`` results."""
    env = dict(os.environ)
    data = OUT / "exports-data"  # bench secret and signing keys, apart from the real ones and the search bench's
    env["RVS_DATA_DIR"] = str(data)
    env["MEDIA_ROOT"] = str(data / "media")
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


def _seeded_rows(engine: str, results: int) -> int | None:
    """How many results the engine's bench database holds (None: no database, or not seeded)."""
    query = "SELECT (SELECT COUNT(*) FROM results_result), (SELECT COUNT(*) FROM core_auditentry)"
    try:
        if engine == "sqlite":
            if not sqlite_path(results).exists():
                return None
            with sqlite3.connect(sqlite_path(results)) as connection:
                count, audit = connection.execute(query).fetchone()
        else:
            import psycopg

            with psycopg.connect(f"{POSTGRES_SERVER}/{POSTGRES_DATABASE}") as connection:
                row = connection.execute(query).fetchone()
                assert row is not None
                count, audit = row
    except Exception:
        return None
    return int(count) if audit else None  # the seeder's last write is its audit entry


def _seed(engine: str, results: int, reseed: bool) -> dict[str, Any]:
    """Child process: make sure the engine's database holds ``results`` demo results."""
    OUT.mkdir(parents=True, exist_ok=True)
    needed = reseed or _seeded_rows(engine, results) != results
    if needed:
        if engine == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path(results)}{suffix}").unlink(missing_ok=True)
        else:
            _postgres_admin(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
            _postgres_admin(f"CREATE DATABASE {POSTGRES_DATABASE}")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rvs.downloads.signing import ensure_signing_key
    from rvs.results.models import ComponentScore, Result

    call_command("migrate", verbosity=0)
    ensure_signing_key()
    seconds = None
    if needed:
        from rvs.demo.seed import seed

        started = time.perf_counter()
        seed(results=results, seed=SEED, photos=False, progress=lambda line: log(f"  seeding: {line}"))
        seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        version = f"{'SQLite' if connection.vendor == 'sqlite' else 'PostgreSQL'} {cursor.fetchone()[0]}"
    return {
        "engine": engine,
        "version": version,
        "results": Result.objects.count(),
        "components": ComponentScore.objects.count(),
        "seed_seconds": seconds,
    }


def _export_ids(count: int) -> list[int]:
    """The first ``count`` results in the search page's default order (by name): scattered over the table."""
    from rvs.results.models import Result

    ids = list(Result.objects.order_by("candidate__sort_name", "pk").values_list("pk", flat=True)[:count])
    if len(ids) < count:
        raise SystemExit(f"the database holds {len(ids):,} results, fewer than the {count:,} asked for")
    return ids


# --- the raw libraries, from memory ---------------------------------------------------------


def _table_rows(ids: list[int]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Header and rows of the default template as plain tuples: the cells the data files hold.

    Made the reference way (``FIELDS[key].value`` on model instances), not with the exporters' read
    path, so comparing the two files also checks that path's cells.
    """
    from rvs.downloads.exporters import neutralise
    from rvs.downloads.fields import DEFAULT_FIELDS, FIELDS
    from rvs.downloads.selectors import results_in_order

    getters = [FIELDS[key].value for key in DEFAULT_FIELDS]
    rows = [tuple(neutralise(get(result)) for get in getters) for result in results_in_order(ids)]
    return [FIELDS[key].label for key in DEFAULT_FIELDS], rows


def raw_csv(header: list[str], rows: list[tuple[Any, ...]], out: io.BufferedWriter) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)  # writes None as an empty field, as the exporter does
    writer.writerow(header)
    writer.writerows(rows)
    text.flush()
    text.detach()


def raw_xlsx(header: list[str], rows: list[tuple[Any, ...]], out: io.BufferedWriter) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False}
    )
    sheet = workbook.add_worksheet("Results")
    bold = workbook.add_format({"bold": True})
    for column, label in enumerate(header):
        sheet.write_string(0, column, label, bold)
        sheet.set_column(column, column, max(12, len(label) + 2))
    write_string, write_number = sheet.write_string, sheet.write_number
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                write_string(row_number, column, value)
            else:
                write_number(row_number, column, value)
    sheet.freeze_panes(1, 0)
    workbook.close()


def _page_rows(ids: list[int]) -> list[dict[str, Any]]:
    """What each statement prints, as plain values: the raw reportlab side draws from these."""
    from django.conf import settings

    from rvs.downloads.changes import revision_count
    from rvs.downloads.pdf import verification_url
    from rvs.downloads.selectors import results_in_order
    from rvs.exams.scoring import scheme_for

    pages = []
    for result in results_in_order(ids):
        candidate, centre = result.candidate, result.centre
        scheme = scheme_for(result.exam.scoring, result.exam_date) if result.shows_scores else None
        pages.append(
            {
                "ern": result.ern_display,
                "name": candidate.full_name[:80],
                "details": [
                    ("Candidate ID Number", candidate.candidate_number),
                    ("Date of birth", candidate.date_of_birth.isoformat()),
                    ("Exam", result.exam.name),
                    ("Date of exam", result.exam_date.isoformat()),
                    ("Exam centre", f"{centre.name} ({centre.number})"[:70]),
                    ("Place of entry", f"{centre.city}, {centre.country}"[:70]),
                ],
                "summary": [
                    (f"Overall score ({settings.RVS_BRAND['scale_name']})", str(result.overall_score)),
                    ("CEFR level", result.cefr or "–"),
                    ("Grade", result.grade or result.result_label),
                ]
                if result.shows_scores
                else None,
                "status": result.get_status_display(),
                "scale": (scheme.component_min, scheme.scale_max, [(b.min, b.max, b.cefr) for b in scheme.bands])
                if scheme
                else None,
                "scores": [(c.label, c.score) for c in result.components.all()]
                + [("Overall score", result.overall_score)],
                "url": verification_url(result.ern, revision_count(result)),
            }
        )
    return pages


def raw_pdf(pages: list[dict[str, Any]], out: io.BufferedWriter) -> None:
    """The statement's page drawn straight with reportlab from plain values: same text, shapes and QR code."""
    from django.conf import settings
    from django.urls import reverse
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from rvs.downloads.pdf import _qr, _register_fonts

    _register_fonts()
    brand, site, verify = settings.RVS_BRAND, settings.RVS_SITE_URL, reverse("verify_statement")
    issued = dt.date.today().isoformat()
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    navy, grey, blue = colors.Color(0.03, 0.25, 0.46), colors.Color(0.3, 0.35, 0.4), colors.Color(0.04, 0.36, 0.67)
    shades = (colors.Color(0.88, 0.91, 0.96), colors.Color(0.93, 0.95, 0.98))
    canvas = Canvas(out, pagesize=A4, pageCompression=1, invariant=0)
    canvas.setTitle("Statement of Results")
    for page in pages:
        canvas.setFillColor(navy)
        canvas.rect(0, height - 28 * mm, width, 28 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont("DejaVu", 10)
        canvas.drawString(left, height - 12 * mm, brand["board_name"])
        canvas.setFont("DejaVu-Bold", 18)
        canvas.drawString(left, height - 21 * mm, "Statement of Results")
        canvas.setFont("DejaVu", 8)
        canvas.drawRightString(right, height - 12 * mm, "Exam Reference Number")
        canvas.setFont("DejaVu-Bold", 12)
        canvas.drawRightString(right, height - 19 * mm, page["ern"])
        y = height - 42 * mm
        canvas.setFillColor(colors.black)
        canvas.setFont("DejaVu-Bold", 16)
        canvas.drawString(left, y, page["name"])
        y -= 9 * mm
        for label, value in page["details"]:
            canvas.setFont("DejaVu", 8)
            canvas.setFillColor(grey)
            canvas.drawString(left, y, label)
            canvas.setFont("DejaVu", 10.5)
            canvas.setFillColor(colors.black)
            canvas.drawString(left + 40 * mm, y, value)
            y -= 6.5 * mm
        y -= 4 * mm
        canvas.setFillColor(colors.Color(0.96, 0.97, 0.98))
        canvas.rect(left, y - 20 * mm, right - left, 22 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        if page["summary"]:
            for index, (label, value) in enumerate(page["summary"]):
                canvas.setFont("DejaVu", 8)
                canvas.drawString(left + 5 * mm + index * 56 * mm, y - 5 * mm, label)
                canvas.setFont("DejaVu-Bold", 16)
                canvas.drawString(left + 5 * mm + index * 56 * mm, y - 14 * mm, value[:24])
            y -= 34 * mm
            if page["scale"]:
                low, high, bands = page["scale"]
                scores = page["scores"]
                label_width, bar_width = 48 * mm, right - left - 62 * mm
                depth = len(scores) * 8 * mm
                for band_min, band_max, cefr in bands:
                    band_left = left + label_width + (band_min - low) / (high - low) * bar_width
                    band_right = left + label_width + (min(band_max, high) + 1 - low) / (high - low) * bar_width
                    canvas.setFillColor(shades[(band_min // 10) % 2])
                    canvas.rect(band_left, y - depth, band_right - band_left, depth + 6 * mm, stroke=0, fill=1)
                    canvas.setFillColor(grey)
                    canvas.setFont("DejaVu", 6.5)
                    canvas.drawCentredString((band_left + band_right) / 2, y + 1.5 * mm, cefr or "–")
                for index, (label, score) in enumerate(scores):
                    top = y - (index + 1) * 8 * mm
                    canvas.setFillColor(colors.black)
                    canvas.setFont("DejaVu-Bold" if label == "Overall score" else "DejaVu", 9)
                    canvas.drawString(left, top + 2.5 * mm, label)
                    if score is None:
                        continue
                    length = (score - low + 1) / (high - low + 1) * bar_width
                    canvas.setFillColor(navy if label == "Overall score" else blue)
                    canvas.rect(left + label_width, top + 1.5 * mm, length, 4.5 * mm, stroke=0, fill=1)
                    canvas.setFillColor(colors.black)
                    canvas.drawString(left + label_width + length + 1.5 * mm, top + 2.5 * mm, str(score))
                canvas.setFont("DejaVu", 7)
                canvas.setFillColor(grey)
                canvas.drawString(left + label_width, y - depth - 4 * mm, f"{brand['scale_name']} {low}–{high}")
        else:
            canvas.setFont("DejaVu-Bold", 13)
            canvas.drawString(left + 5 * mm, y - 12 * mm, page["status"])
        _qr(canvas, page["url"], right - 34 * mm, 22 * mm, 34 * mm)  # how the page draws a QR code, DB-free
        text = canvas.beginText(left, 48 * mm)
        text.setFont("DejaVu", 8)
        for line in (
            f"Issued {issued} by {brand['service_name']}.",
            "This statement is digitally signed. To check that it is authentic and still valid,",
            f"scan the QR code or upload the PDF at {site}{verify}.",
            "Organisations registered with the service can also look the result up by its Exam Reference Number.",
        ):
            text.textLine(line)
        canvas.drawText(text)
        canvas.showPage()
    canvas.save()


# --- the child processes --------------------------------------------------------------------


def _count_queries() -> tuple[list[int], Any]:
    from django.db import connection

    counter = [0]

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        counter[0] += 1
        return execute(sql, params, many, context)

    return counter, connection.execute_wrapper(wrapper)


def _export(fmt: str, ids: list[int], path: Path) -> int:
    """Database to finished file, as ``download_render`` does it (without the access re-check)."""
    from rvs.downloads.exporters import EXPORTERS, DataExporter, StatementPdfExporter
    from rvs.downloads.fields import DEFAULT_FIELDS
    from rvs.downloads.rows import data_table
    from rvs.downloads.selectors import results_in_order

    exporter = EXPORTERS[fmt]
    with path.open("w+b") as out:  # as the background task's temporary file
        if isinstance(exporter, DataExporter):
            return exporter.render(data_table(ids, DEFAULT_FIELDS), out, progress=lambda done: None)
        assert isinstance(exporter, StatementPdfExporter)
        return exporter.render(results_in_order(ids), out, progress=lambda done: None)


def _timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of this process (the CPU time leaves out other processes' load)."""
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = run()
    return time.perf_counter() - wall, time.process_time() - cpu, outcome


def _same_cells(fmt: str, ours: Path, raw: Path) -> None:
    """Both sides wrote the same thing: the CSV byte for byte, the XLSX worksheet XML."""
    if fmt == "csv":
        same = ours.read_bytes() == raw.read_bytes()
    else:
        with zipfile.ZipFile(ours) as a, zipfile.ZipFile(raw) as b:
            sheet = "xl/worksheets/sheet1.xml"
            same = a.read(sheet) == b.read(sheet)
    if not same:
        raise SystemExit(f"{fmt}: the exporter and the raw library wrote different cells ({ours}, {raw})")


def _check_signed(path: Path, pages: int) -> None:
    """The statements file is one intact signature over the whole file, with every page in it."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from rvs.downloads.signing import signing_certificate

    with path.open("rb") as handle:
        reader = PdfFileReader(handle, strict=False)
        [signature] = reader.embedded_signatures
        context = ValidationContext(trust_roots=[signing_certificate()], allow_fetching=False)
        status = validate_pdf_signature(signature, context)
        count = int(reader.root["/Pages"]["/Count"])
    if not (status.intact and status.valid and status.coverage and status.coverage.name == "ENTIRE_FILE"):
        raise SystemExit(f"pdf: the signature of {path} does not hold")
    if count != pages:
        raise SystemExit(f"pdf: {count:,} pages for {pages:,} results")


def _time_engine(engine: str, options: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from rvs.downloads.fields import DEFAULT_FIELDS
    from rvs.downloads.rows import data_table
    from rvs.downloads.selectors import results_in_order
    from rvs.downloads.signing import signer

    signer()  # loading the key happens once per worker process, not per download
    ids = _export_ids(options.results)
    formats = _split(options.formats)
    work = Path(tempfile.mkdtemp(prefix="rvs-bench-exports-", dir=OUT))
    outcome: dict[str, Any] = {"engine": engine, "results": len(ids), "formats": {}}

    def read() -> int:
        return sum(1 for _ in data_table(ids, DEFAULT_FIELDS).rows)

    def read_models() -> int:
        return sum(len(result.components.all()) for result in results_in_order(ids))

    try:
        # Warm up, untimed: imports, font registration, the database's page cache.
        for fmt in formats:
            _export(fmt, ids[:20], work / f"warm.{fmt}")
        read()
        reading = [_timed(read)[:2] for _ in range(options.repeat)]
        outcome["read"] = [statistics.median(r[0] for r in reading), statistics.median(r[1] for r in reading)]
        if "pdf" in formats:
            read_models()
            reading = [_timed(read_models)[:2] for _ in range(options.repeat)]
            outcome["read_models"] = [
                statistics.median(r[0] for r in reading),
                statistics.median(r[1] for r in reading),
            ]

        for fmt in formats:
            log(f"{engine}: {fmt} at {len(ids):,} results...")
            raw: Callable[[io.BufferedWriter], None]
            if fmt == "pdf":
                pages = _page_rows(ids)
                raw = functools.partial(raw_pdf, pages)
                repeat = options.pdf_repeat
            else:
                header, rows = _table_rows(ids)
                raw = functools.partial(raw_csv if fmt == "csv" else raw_xlsx, header, rows)
                repeat = options.repeat
            ours_path, raw_path = work / f"ours.{fmt}", work / f"raw.{fmt}"
            ours, raws, queries = [], [], 0

            def run_raw(raw: Callable[[io.BufferedWriter], None] = raw, path: Path = raw_path) -> None:
                with path.open("wb") as out:
                    raw(out)

            for _ in range(repeat):  # interleaved, so load from elsewhere falls on both sides alike
                counter, wrapper = _count_queries()
                with wrapper:
                    wall, cpu, written = _timed(functools.partial(_export, fmt, ids, ours_path))
                ours.append((wall, cpu))
                queries = counter[0]
                if written != len(ids):
                    raise SystemExit(f"{fmt}: the exporter wrote {written:,} results of {len(ids):,}")
                raws.append(_timed(run_raw)[:2])
            if fmt == "pdf":
                _check_signed(ours_path, len(ids))
            else:
                _same_cells(fmt, ours_path, raw_path)
            outcome["formats"][fmt] = {
                "ours": [statistics.median(t[0] for t in ours), statistics.median(t[1] for t in ours)],
                "raw": [statistics.median(t[0] for t in raws), statistics.median(t[1] for t in raws)],
                "runs": {"ours": ours, "raw": raws},
                "queries": queries,
                "bytes": ours_path.stat().st_size,
                "raw_bytes": raw_path.stat().st_size,
            }
    finally:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()
    return outcome


def _memory_child(options: argparse.Namespace) -> dict[str, Any]:
    """One export in a fresh process (``--format none``: only Django and the id list, as a baseline)."""
    import resource

    import django

    django.setup()
    from rvs.downloads.signing import signer

    signer()
    ids = _export_ids(options.results)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall = cpu = 0.0
    if options.format != "none":
        handle, name = tempfile.mkstemp(prefix="rvs-bench-memory-", suffix="." + options.format, dir=OUT)
        os.close(handle)
        try:
            wall, cpu, _ = _timed(functools.partial(_export, options.format, ids, Path(name)))
        finally:
            os.unlink(name)
    return {"baseline_mb": before / 1024, "seconds": wall, "cpu_seconds": cpu}


# --- the parent -----------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _child(arguments: list[str], env: dict[str, str]) -> tuple[dict[str, Any], float]:
    """Run this script as a child; returns its JSON answer and its peak RSS in MB (from ``wait4``)."""
    with tempfile.TemporaryFile(mode="w+") as answer:
        process = subprocess.Popen([sys.executable, __file__, *arguments], env=env, stdout=answer)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise SystemExit(f"child {' '.join(arguments)} failed (exit {process.returncode})")
        answer.seek(0)
        return json.loads(answer.read().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
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


def _versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("Django", "XlsxWriter", "reportlab", "pyHanko", "segno"))


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _timing_table(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| format | engine | results | exporter, DB to file | raw library, from memory | exporter / raw "
        "| target | exporter CPU / raw CPU | exporter rate | raw rate | queries | file |",
        "|---|---|--:|--:|--:|--:|:-:|--:|--:|--:|--:|--:|",
    ]
    for fmt in FORMATS:
        for run in runs:
            row = run["timing"]["formats"].get(fmt)
            if row is None:
                continue
            count = run["timing"]["results"]
            (ours, ours_cpu), (raw, raw_cpu) = row["ours"], row["raw"]
            ratio = ours / raw
            unit = "pages/s" if fmt == "pdf" else "rows/s"
            lines.append(
                f"| {fmt.upper()} | {run['engine']} | {count:,} | {ours:.2f} s | {raw:.2f} s | **{ratio:.2f}×** "
                f"| ≤ {RATIO_TARGET[fmt]}×: {_yes(ratio <= RATIO_TARGET[fmt])} "
                f"| {ours_cpu:.2f} s / {raw_cpu:.2f} s = {ours_cpu / raw_cpu:.2f}× "
                f"| {count / ours:,.0f} {unit} | {count / raw:,.0f} {unit} | {row['queries']} "
                f"| {row['bytes'] / 1e6:.1f} MB |"
            )
    lines.append("")
    for run in runs:
        row = run["timing"]["formats"].get("pdf")
        if row is not None:
            count = run["timing"]["results"]
            rate, cpu_rate = count / row["ours"][0], count / row["ours"][1]
            lines.append(
                f"- Signed PDF, {run['engine']}: **{rate:.0f} pages/s** database to signed file "
                f"({cpu_rate:.0f} pages per CPU second); target ≥ {PDF_PAGES_PER_SECOND:.0f}: "
                f"{_yes(rate >= PDF_PAGES_PER_SECOND)}."
            )
    for run in runs:
        wall, cpu = run["timing"]["read"]
        count = run["timing"]["results"]
        lines.append(
            f"- Reading alone, {run['engine']}, data files (`rows.data_table`, every cell, no file): "
            f"{wall:.2f} s, {cpu:.2f} s CPU ({count / wall:,.0f} results/s)."
        )
        if "read_models" in run["timing"]:
            wall, cpu = run["timing"]["read_models"]
            lines.append(
                f"- Reading alone, {run['engine']}, statements (`selectors.results_in_order`, model instances "
                f"with their components): {wall:.2f} s, {cpu:.2f} s CPU ({count / wall:,.0f} results/s)."
            )
    return "\n".join(lines)


def _memory_table(memory: list[dict[str, Any]], engine: str) -> str:
    sizes = sorted({m["results"] for m in memory})
    lines = [
        f"Peak RSS of a fresh process exporting N results ({engine}); "
        f"the baseline is Django plus the id list, without exporting. Target: flat, ≤ {MEMORY_MB:.0f} MB; "
        "the last column gives the growth from the smallest size to the largest.",
        "",
        "| format | " + " | ".join(f"{size:,} results" for size in sizes) + " | ≤ 250 MB (growth) |",
        "|---|" + "--:|" * len(sizes) + ":-:|",
    ]
    for fmt in ("none", *FORMATS):
        cells, peaks = [], []
        for size in sizes:
            found = [m for m in memory if m["format"] == fmt and m["results"] == size]
            if found:
                peaks.append(found[0]["peak_mb"])
                extra = f" ({found[0]['seconds']:,.0f} s)" if fmt != "none" else ""
                cells.append(f"{found[0]['peak_mb']:.0f} MB{extra}")
            else:
                cells.append("not run")
        if not peaks:
            continue
        verdict = "" if fmt == "none" else f"{_yes(max(peaks) <= MEMORY_MB)} (+{max(peaks) - min(peaks):.0f} MB)"
        label = "baseline" if fmt == "none" else fmt.upper()
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines)


def _summary(runs: list[dict[str, Any]], options: argparse.Namespace) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    parts = [
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {_machine()}; {_versions()}; "
        f"load average at the end {load}; `bench/exports.py {' '.join(sys.argv[1:])}`.",
        "",
    ]
    for run in runs:
        seed = run["seed"]
        seeded = f"; seeded in this run in {seed['seed_seconds']:.0f} s" if seed["seed_seconds"] else ""
        parts.append(
            f"- **{run['engine']}** {seed['version']}: database of {seed['results']:,} results "
            f"({seed['components']:,} component scores){seeded}."
        )
    parts.append(
        f"- Times are medians of {options.repeat} runs (PDF: {options.pdf_repeat}), exporter and raw library "
        "interleaved, after an untimed warm-up; the default template (all 22 fields)."
    )
    return "\n".join(parts)


def _write_results(text: str) -> None:
    block = f"{START}\n{text}\n{END}"
    current = RESULTS_FILE.read_text(encoding="utf-8") if RESULTS_FILE.exists() else "# Export benchmark\n"
    if START in current and END in current:
        current = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, current, flags=re.DOTALL)
    else:
        current = current.rstrip() + f"\n\n## Exports (`bench/exports.py`)\n\n{block}\n"
    RESULTS_FILE.write_text(current, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--results", type=int, default=10_000, help="results per timed export (default 10,000)")
    parser.add_argument("--engines", default="sqlite", help="comma-separated: sqlite,postgres (default sqlite)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: csv,xlsx,pdf")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side for CSV and XLSX (default 3)")
    parser.add_argument("--pdf-repeat", type=int, default=1, help="timed runs per side for PDF (default 1)")
    parser.add_argument("--memory-sizes", default="10000,100000", help="results per memory run; '' skips them")
    parser.add_argument(
        "--pdf-memory-sizes",
        default="10000,30000",
        help="results per PDF memory run (default 10000,30000: 100,000 signed pages take 15-20 minutes)",
    )
    parser.add_argument("--memory-engine", default="sqlite", help="engine of the memory runs (default sqlite)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database has the right size")
    parser.add_argument("--no-write", action="store_true", help=f"do not update {RESULTS_FILE.name}")
    parser.add_argument("--child", choices=["seed", "time", "memory"], help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.child == "seed":
        print(json.dumps(_seed(options.engine, options.results, options.reseed)))
        return 0
    if options.child == "time":
        print(json.dumps(_time_engine(options.engine, options)))
        return 0
    if options.child == "memory":
        print(json.dumps(_memory_child(options)))
        return 0

    engines, formats = _split(options.engines), _split(options.formats)
    unknown = (set(engines) - set(ENGINES)) | (set(formats) - set(FORMATS))
    if unknown:
        parser.error(f"unknown engine or format: {', '.join(sorted(unknown))}")
    memory_sizes = [int(size) for size in _split(options.memory_sizes)]
    pdf_sizes = [int(size) for size in _split(options.pdf_memory_sizes)]
    # One database per engine, big enough for every run on it; smaller exports take the first N by name.
    sizes = {engine: options.results for engine in engines}
    if memory_sizes or ("pdf" in formats and pdf_sizes):
        sizes[options.memory_engine] = max(
            sizes.get(options.memory_engine, 0), *memory_sizes, *(pdf_sizes if "pdf" in formats else [])
        )
    seeds = {}
    for engine, size in sizes.items():
        log(f"{engine}: preparing a database of {size:,} results...")
        seeds[engine] = _child(
            ["--child", "seed", "--engine", engine, "--results", str(size), *(["--reseed"] if options.reseed else [])],
            engine_environment(engine, size),
        )[0]
    runs = []
    for engine in engines:
        log(f"{engine}: timing {', '.join(formats)} at {options.results:,} results...")
        timing, _ = _child(
            ["--child", "time", "--engine", engine, "--results", str(options.results), "--formats", ",".join(formats),
             "--repeat", str(options.repeat), "--pdf-repeat", str(options.pdf_repeat)],
            engine_environment(engine, sizes[engine]),
        )  # fmt: skip
        runs.append({"engine": engine, "seed": seeds[engine], "timing": timing})
    memory = []
    plan = [(size, "none") for size in sorted(set(memory_sizes) | set(pdf_sizes if "pdf" in formats else []))]
    plan += [(size, fmt) for fmt in formats for size in (pdf_sizes if fmt == "pdf" else memory_sizes)]
    for size, fmt in plan:
        log(f"{options.memory_engine}: peak memory of {fmt} at {size:,} results...")
        answer, peak = _child(
            ["--child", "memory", "--engine", options.memory_engine, "--results", str(size), "--format", fmt],
            engine_environment(options.memory_engine, sizes[options.memory_engine]),
        )
        memory.append({"format": fmt, "results": size, "peak_mb": peak, **answer})
    text = f"{_summary(runs, options)}\n\n{_timing_table(runs)}"
    if memory:
        text += f"\n\n{_memory_table(memory, options.memory_engine)}"
    print(text)
    details = OUT / "exports-last.json"
    details.write_text(json.dumps({"argv": sys.argv[1:], "runs": runs, "memory": memory}, indent=1))
    log(f"every timing in {details.relative_to(ROOT)}")
    if not options.no_write:
        _write_results(text)
        log(f"written to {RESULTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
