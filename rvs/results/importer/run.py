"""The import as a whole: parse, check and write a file a chunk at a time, all or nothing, in one transaction.

The write of each chunk runs on a background writer while the next chunk is parsed (``bulkload``);
for its duration the import turns off Python's cyclic garbage collector (``no_cyclic_gc``) and, on
SQLite, enlarges the page cache (``page_cache``); both are put back after, also on failure.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rvs.core.actors import AuditActor
from rvs.core.audit import log_action
from rvs.results import bulkload
from rvs.results.importer import write
from rvs.results.importer.checks import Checker, check
from rvs.results.importer.copy import CopyPieces
from rvs.results.importer.model import (
    PHASE_PARSE,
    PHASE_WRITE,
    CreatedResults,
    ImportRejected,
    ImportReport,
    ParsedRow,
    Plan,
    Progress,
)
from rvs.results.importer.read import parse, parse_chunks

# Rows parsed, checked and handed to the background writer at a time (see results_import).
STREAM_CHUNK = 25_000
# A write that meets a unique constraint (another import committed the same candidate meanwhile,
# or a generated ERN was taken: 85 random bits make that all but impossible) is checked and
# written again from the start, so it reports what is now on record.
_WRITE_ATTEMPTS = 3
_MAX_CACHE_KIB = 1024 * 1024  # SQLite's page cache during a large write: at most 1 GiB


def results_validate(
    *, data: bytes, base_dir: Path | None = None, progress: Progress | None = None, max_bytes: int | None = None
) -> Plan:
    """Everything ``results_import`` checks, writing nothing: the plan, or ``ImportRejected``."""
    with no_cyclic_gc():
        return check(parse(data, base_dir=base_dir, progress=progress, max_bytes=max_bytes), progress=progress)


def results_import(
    *,
    actor: AuditActor,
    data: bytes,
    base_dir: Path | None = None,
    source: str = "",
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> ImportReport:
    """Import a results CSV all or nothing; raise ``ImportRejected`` with every problem found.

    ``actor`` is a staff user or a label such as ``"command-line"``.

    The file is parsed, checked and written a chunk at a time inside one transaction, the write of
    each chunk running in the background (``bulkload.BackgroundWriter``) while the next is parsed.
    A problem anywhere in the file rolls back what was written, once the whole file has been read
    so that every problem is reported. The price of the overlap: the transaction (on SQLite, the
    write lock) lasts for the whole import, and its progress is seen only by the importing process.
    """
    lines = data.count(b"\n") + 1
    for attempt in range(1, _WRITE_ATTEMPTS + 1):
        saved_photos: list[str] = []
        if progress is not None:
            # Announced before the transaction, so others can see them: what follows is inside it.
            progress(PHASE_PARSE, 0, lines)
            progress(PHASE_WRITE, 0, 0)
        try:
            report = _import(actor, data, base_dir, source, progress, max_bytes, lines, saved_photos)
            return report
        except BaseException as exc:
            for name in saved_photos:  # files are not transactional: remove what the rollback orphaned
                default_storage.delete(name)
            if not isinstance(exc, IntegrityError) or attempt == _WRITE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _import(
    actor: AuditActor,
    data: bytes,
    base_dir: Path | None,
    source: str,
    progress: Progress | None,
    max_bytes: int | None,
    lines: int,
    saved_photos: list[str],
) -> ImportReport:
    events = _LaterProgress(progress)
    checker = Checker()
    created: list[ParsedRow] = []
    now = timezone.now()
    pieces = CopyPieces(now) if connection.vendor == "postgresql" else None
    with no_cyclic_gc(), page_cache(lines), transaction.atomic():
        write.lock_imports()
        with bulkload.bulk_session(), bulkload.background_writes() as writer:
            for chunk in parse_chunks(data, base_dir, events, max_bytes, size=STREAM_CHUNK):
                if pieces is not None and len(chunk) > write.ORM_WRITE_LIMIT and not checker.errors:
                    # While the writer still sends the chunk before: what of the COPY rows needs no ids.
                    pieces.prepare([row for row in chunk if row.photo_path is None])
                writer.drain()  # the connection is the main thread's again
                events.flush()
                plan = checker.chunk(chunk)
                if checker.errors:
                    continue  # nothing more is written; the rest of the file is read for its problems
                write.write_chunk(plan, saved_photos, now, pieces)
                created.extend(plan.new_rows)
                events.write(len(created) + checker.unchanged, lines)
            writer.drain()
            events.flush()
            if checker.errors:
                raise ImportRejected(checker.errors)
            events.write(lines, lines)
        log_action(
            "results.imported",
            actor=actor,
            data={"source": source, "created": len(created), "unchanged": checker.unchanged},
        )
    return ImportReport(created=CreatedResults(created, now), unchanged=checker.unchanged)


class _LaterProgress:
    """Progress heard while the writer may be using the connection, passed on when it is idle.

    The caller's callback may write to the database (the back office saves it on the job).
    """

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.pending: list[tuple[str, int, int]] = []

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.pending.append((phase, done, total))

    def flush(self) -> None:
        if self.progress is not None:
            for event in self.pending:
                self.progress(*event)
        self.pending.clear()

    def write(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(PHASE_WRITE, min(done, total), total)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (this process), back as it was after.

    An import allocates a few objects per row and keeps them until it ends; the collector, run
    every few hundred allocations, walks the ever larger set of live objects again and again:
    about a third of the time spent parsing a large file, for nothing, as the rows hold no
    reference cycles. Reference counting still frees everything else as usual; the cycles made
    meanwhile (an exception's traceback, say) wait for the first collection after the import.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def page_cache(rows: int) -> Iterator[None]:
    """On SQLite, a page cache the size of a large write for its duration.

    The default (2 MB) holds a sliver of the indexes a million results touch at random (ERNs,
    public ids, names), so each insert would read and write pages again; here about 1 kB per row,
    up to ``_MAX_CACHE_KIB``.
    """
    if connection.vendor != "sqlite" or rows <= write.ORM_WRITE_LIMIT:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{min(rows, _MAX_CACHE_KIB)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
