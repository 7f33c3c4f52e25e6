"""Bulk writes for the results import: a background writer, COPY text, PostgreSQL session settings.

The importer parses and checks a file in chunks inside one transaction and hands each chunk's
rows to a ``BackgroundWriter``: a second thread that feeds them to the database on the same
connection while the first thread parses the next chunk. Both drivers release the GIL while the
database works (psycopg while the server consumes ``COPY`` data, ``sqlite3`` inside each step),
so on two cores the parse and the write overlap instead of adding up.

Only one thread uses the connection at a time: the importer calls ``drain()`` before any query of
its own, so the writer is idle whenever the main thread touches the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import queue
import re
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any, cast

from django.db import connection, models

# Rows per COPY write / statement in the writer.
BLOCK = 5_000
FIRST_BLOCK = 500
# The tables the import writes: triggers on any of them keep the foreign-key checks on (see bulk_session).
_IMPORT_TABLES = (
    "results_candidate",
    "results_candidatenametoken",
    "results_centre",
    "results_result",
    "results_componentscore",
)
# COPY's text format: backslash, tab, newline and carriage return are escaped in values.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
# uuid.UUID(int=..., version=4): the variant and version bits.
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UUID_SET = (0x8000 << 48) | (4 << 76)


def uuid4_hexes(count: int) -> list[str]:
    """``count`` random version-4 UUIDs as 32 hex digits, what ``uuid.uuid4().hex`` gives, five times faster.

    Both engines take this form for a UUID column (PostgreSQL parses it; Django stores UUIDs on
    SQLite as exactly this text).
    """
    data = os.urandom(16 * count)
    return [
        f"{int.from_bytes(data[start : start + 16], 'big') & _UUID_CLEAR | _UUID_SET:032x}"
        for start in range(0, 16 * count, 16)
    ]


class BackgroundWriter:
    """Runs write jobs on a second thread, one at a time and in the order given.

    A job that fails keeps its exception; the next ``submit`` or ``drain`` raises it in the
    calling thread (as Django's exception class for a driver error), and the jobs queued after it
    are skipped. ``close`` waits for the thread, so the transaction never ends under a running job.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._cancelled = False
        # The main thread's database connection (Django's are per thread), for the jobs to use.
        self.raw = connection.connection
        self._thread = threading.Thread(target=self._run, name="results-import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self._error is None and not self._cancelled:
                    job()
            except BaseException as exc:  # handed to the main thread by _raise()
                self._error = exc
            finally:
                self._jobs.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._cancelled = True
            with connection.wrap_database_errors:
                raise error

    def submit(self, job: Callable[[], None]) -> None:
        """Queue ``job``; on the writer's own thread (a job queueing more), run it at once instead."""
        if threading.current_thread() is self._thread:
            job()
            return
        self._raise()
        self._jobs.put(job)

    def drain(self) -> None:
        """Wait until every job submitted has run; raise the first failure."""
        self._jobs.join()
        self._raise()

    def close(self, *, cancel: bool) -> None:
        self._cancelled = self._cancelled or cancel
        self._jobs.put(None)
        self._thread.join()


_current: BackgroundWriter | None = None


@contextmanager
def background_writes() -> Iterator[BackgroundWriter]:
    """A writer for large inserts (``insert_rows``) for the duration of the block; its jobs all run before it ends.

    Python's own switch interval: a shorter one while the writer ran (0.2 ms) gained 1-3 % of an
    import, within the runs' spread (decision 0020), and is gone.
    """
    global _current
    writer = BackgroundWriter()
    _current = writer
    try:
        yield writer
        writer.drain()
    except BaseException:
        _current = None
        writer.close(cancel=True)
        raise
    _current = None
    writer.close(cancel=False)


def in_background(job: Callable[[], None]) -> None:
    """Run ``job`` on the writer when one is active (it may use the connection: the main thread waits with
    ``drain`` before its next query), or now."""
    if _current is None:
        with connection.wrap_database_errors:
            job()
    else:
        _current.submit(job)


def blocks(count: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of the blocks ``count`` rows are sent in: a small one first, so the server, idle
    between two COPYs, gets rows to insert soon, then ``BLOCK`` at a time."""
    start = 0
    for stop in (min(count, FIRST_BLOCK), *range(FIRST_BLOCK + BLOCK, count + BLOCK, BLOCK)):
        stop = min(stop, count)
        if stop > start:
            yield start, stop
        start = stop


def _raw_connection() -> Any:
    """The driver's connection of the import: the main thread's, also when asked from the writer's thread."""
    if _current is not None and threading.current_thread() is _current._thread:
        return _current.raw
    return connection.connection


def drain() -> None:
    """Before a query of the main thread: let the writer finish (no-op without one)."""
    if _current is not None:
        _current.drain()


def insert_rows(model: type[models.Model], fields: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain tuples (values the driver takes as they are) into ``model``'s table, in the background
    when a writer is active: one ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    model_fields = [cast(models.Field[Any, Any], meta.get_field(name)) for name in fields]
    columns = ", ".join(quote(field.column) for field in model_fields)
    raw = _raw_connection()  # the job may run on the writer's thread: the same connection, not its own
    if connection.vendor == "postgresql":
        line = _copy_line(model_fields)
        sql = f"COPY {table} ({columns}) FROM STDIN"

        def job() -> None:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for start in range(0, len(rows), BLOCK):
                    copy.write("".join(map(line, rows[start : start + BLOCK])))

    else:
        # One statement per block of rows, all their values as its parameters (INSERT ... VALUES (...),
        # (...), ...): the driver binds them in C and releases the GIL for the step, so the parsing
        # thread and SQLite's B-tree work run side by side; one step per block, not per row as
        # executemany takes (each step needs the GIL back). Values are what the driver takes (dates
        # printed as Django stores them: importer.write._converter).
        width = len(fields)
        size = max(1, min(BLOCK, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
        row_marks = "(" + ", ".join(["?"] * width) + ")"

        def statement(count: int) -> str:
            return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * count)}"  # noqa: S608

        def job() -> None:
            full = statement(size)
            for start in range(0, len(rows), size):
                block = rows[start : start + size]
                raw.execute(full if len(block) == size else statement(len(block)), list(chain.from_iterable(block)))

    if _current is None:
        with connection.wrap_database_errors:
            job()
    else:
        _current.submit(job)


def copy_text(model: type[models.Model], fields: list[str], blocks: Callable[[], Iterable[str]]) -> None:
    """COPY into ``model``'s table (PostgreSQL) the text ``blocks()`` gives: rows in COPY's text format, in the
    order of ``fields``. ``blocks`` runs on the background writer when one is active, so the text is built there,
    a block at a time while the server inserts the one before."""
    _copy(model, fields, blocks, "")


def _copy(model: type[models.Model], fields: list[str], blocks: Callable[[], Iterable[Any]], options: str) -> None:
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(cast(models.Field[Any, Any], meta.get_field(name)).column) for name in fields)
    sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN{options}"
    raw = _raw_connection()  # the job may run on the writer's thread: the same connection, not its own

    def job() -> None:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for data in blocks():
                if data:
                    copy.write(data)

    in_background(job)


# COPY's binary format: signature, flags and header extension before the rows, -1 after them.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_BINARY_TRAILER = struct.pack(">h", -1)
_POSTGRES_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_POSTGRES_EPOCH_DAY = dt.date(2000, 1, 1).toordinal()


def binary_text(value: str) -> bytes:
    """A text value as a field of COPY's binary format (its length, then its UTF-8)."""
    data = value.encode()
    return struct.pack(">i", len(data)) + data


def binary_date(value: dt.date) -> int:
    """A date as the binary format sends it: days since 2000-01-01."""
    return value.toordinal() - _POSTGRES_EPOCH_DAY


def binary_timestamp(value: dt.datetime) -> bytes:
    """An aware timestamp as a field of the binary format: microseconds since 2000-01-01 UTC."""
    delta = value - _POSTGRES_EPOCH
    return struct.pack(">iq", 8, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def copy_binary(model: type[models.Model], fields: list[str], blocks: Callable[[], Iterable[bytes]]) -> None:
    """As ``copy_text``, with rows in COPY's binary format (each a field count, then each field's length and
    value; the signature and the trailer are added here): the server reads numbers, dates and timestamps
    as they are instead of parsing their text. The caller packs each value as its column's type."""

    def framed() -> Iterator[bytes]:
        yield _BINARY_HEADER
        yield from blocks()
        yield _BINARY_TRAILER

    _copy(model, fields, framed, " (FORMAT BINARY)")


def copy_escape(value: str) -> str:
    # Most values hold none of the four characters: a search is cheaper than a translation.
    return value.translate(_COPY_ESCAPES) if COPY_SPECIAL.search(value) else value


def _copy_line(model_fields: list[models.Field[Any, Any]]) -> Callable[[Sequence[Any]], str]:
    """One row in COPY's text format: text escaped, a None as ``\\N``; numbers, dates, datetimes and UUIDs
    print as PostgreSQL reads them. Built once per table; several times faster than the driver's per-row
    ``write_row``. (A function built with ``eval``, one f-string per table, saved too little to keep:
    large chunks go as binary COPY data, decision 0019.)"""
    printed = functools.lru_cache(maxsize=65536)(str)  # dates and timestamps repeat: printed once each
    formats: list[Callable[[Any], str]] = []
    for field in model_fields:
        if isinstance(field, models.CharField | models.TextField | models.FileField):
            form: Callable[[Any], str] = copy_escape
        elif isinstance(field, models.DateField):  # DateTimeField too
            form = printed
        else:
            form = str
        formats.append(_or_null(form) if field.null else form)

    def line(row: Sequence[Any]) -> str:
        return "\t".join([form(value) for form, value in zip(formats, row, strict=True)]) + "\n"

    return line


def _or_null(form: Callable[[Any], str]) -> Callable[[Any], str]:
    def nullable(value: Any) -> str:
        return "\\N" if value is None else form(value)

    return nullable


@contextmanager
def bulk_session(tables_locked: Callable[[], None] | None = None) -> Iterator[bool]:
    """PostgreSQL settings for a large write, for the current transaction only; yields whether
    the foreign-key checks are off.

    * ``synchronous_commit = off``: the COMMIT does not wait for the WAL to reach the disk. A
      crash just after it can lose the import as a whole (never a part of it); the back office
      marks its job done in a later, synchronous transaction, whose commit flushes the WAL up to
      and including the import's.
    * ``session_replication_role = replica``, where the role may set it and no user trigger is on
      the tables written: skips the foreign-key triggers, a query per row and reference (about a
      third of the server's work for an import). The importer makes the references itself (ids
      reserved in the same transaction) and locks the rows of other tables it points at
      (``lock_referenced``) as those checks would, so nothing it points at can go meanwhile.
    """
    if connection.vendor != "postgresql":
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            "SELECT current_setting('is_superuser') = 'on', current_setting('server_version_num')::int, "
            "current_setting('session_replication_role'), "
            "EXISTS (SELECT 1 FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
            "(SELECT oid FROM pg_class WHERE relname = ANY(%s)))",
            [list(_IMPORT_TABLES)],
        )
        superuser, version, role, triggers = cursor.fetchone()
        allowed = superuser
        if not allowed and version >= 150000:
            cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
            allowed = cursor.fetchone()[0]
        replica = bool(allowed and not triggers and role == "origin")
        if replica:
            cursor.execute("SELECT set_config('session_replication_role', 'replica', true)")
    yield replica
    if replica:
        # Back on before anything else writes in this transaction (a test's, or a caller's atomic block).
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('session_replication_role', 'origin', true)")


def lock_referenced(model: type[models.Model], ids: Sequence[int]) -> None:
    """Lock rows the import points at, as a foreign-key check would (``FOR KEY SHARE``; PostgreSQL)."""
    if connection.vendor != "postgresql" or not ids:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = ANY(%s) FOR KEY SHARE", [list(ids)])  # noqa: S608
