"""Write a checked chunk, inside the import's transaction: new centres, the rows pointed at locked, ids
reserved, then the candidates, name tokens, results and component scores, on the background writer.

Small chunks go through the ORM's ``bulk_create``; larger ones as plain tuples (``bulkload.insert_rows``:
``executemany`` on SQLite), or on PostgreSQL as binary COPY data (``copy``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, cast

from django.db import connection, models

from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.exams.scoring import Status
from rvs.results import bulkload
from rvs.results.importer.copy import CopyPieces, copy_chunk
from rvs.results.importer.model import (
    CANDIDATE_FIELDS,
    RESULT_FIELDS,
    SCORE_FIELDS,
    TOKEN_FIELDS,
    CentreInfo,
    Person,
    Plan,
)
from rvs.results.importer.prepare import NameTokens, prepare_chunk, secret_hashes
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result

# Up to this many rows a table is written with the ORM's bulk_create; above, as plain tuples.
ORM_WRITE_LIMIT = 2_000
_IMPORT_LOCK = 0x52565349  # "RVSI": the advisory lock imports take turns on (PostgreSQL)


def write_chunk(plan: Plan, saved_photos: list[str], now: dt.datetime, pieces: CopyPieces | None = None) -> None:
    """Write a checked chunk. Every query comes first; the large inserts then go to the background writer."""
    rows = plan.new_rows
    if plan.new_centres:
        _write_centres(plan.new_centres)
    # What the new rows point at stays put until the commit (the foreign-key checks may be off: bulkload).
    bulkload.lock_referenced(Exam, sorted({row.exam.id for row in rows}))
    bulkload.lock_referenced(Centre, sorted({cast(int, row.centre.centre_id) for row in rows}))
    bulkload.lock_referenced(Candidate, sorted({cast(int, row.person.candidate_id) for row in rows
                                                if row.person.on_record}))  # fmt: skip
    candidate_ids = reserve_ids(Candidate, len(plan.new_people))
    result_ids = reserve_ids(Result, len(rows))
    if pieces is not None and len(rows) + len(plan.new_people) > ORM_WRITE_LIMIT:
        _write_by_copy(plan, candidate_ids, result_ids, saved_photos, pieces)
    else:
        _write_by_insert(plan, candidate_ids, result_ids, saved_photos, now)


def _write_centres(new_centres: list[CentreInfo]) -> None:
    centres = [
        Centre(number=c.number, name=c.name, name_folded=fold(c.name), city=c.city, city_folded=fold(c.city),
               country=c.country)
        for c in new_centres
    ]  # fmt: skip
    Centre.objects.bulk_create(centres)
    for info, centre in zip(new_centres, centres, strict=True):
        info.centre_id = centre.pk
    if any(info.centre_id is None for info in new_centres):  # pragma: no cover - old SQLite, no RETURNING
        ids = dict(Centre.objects.filter(number__in=[c.number for c in new_centres]).values_list("number", "pk"))
        for info in new_centres:
            info.centre_id = ids[info.number]


def _write_by_copy(
    plan: Plan, candidate_ids: range, result_ids: range, saved_photos: list[str], pieces: CopyPieces
) -> None:
    """PostgreSQL, a large chunk: COPY data, made and sent by the writer while the main thread parses on."""
    rows = plan.new_rows
    # Component scores get their ids here too: the server's nextval() per row is a tenth of their insert.
    count = sum(len(row.scheme.components) for row in rows if row.outcome.status == Status.RESULT)
    score_ids = reserve_ids(ComponentScore, count)
    if any(row.photo_path is not None for row in rows):
        # Photos are saved by the main thread, under their result's public id (made here, then).
        people, ordered = prepare_chunk(plan, candidate_ids, result_ids, saved_photos)
        for row in ordered:
            row.copy_tail = None
        pieces.prepare(ordered)
        copy_chunk(people, ordered, score_ids)
        return

    def prepare_and_copy() -> None:
        # Only ids and orders are left to give (``CopyPieces`` made the rest, unless the chunk
        # was too small for it: then here), and the server inserts the first block at once.
        people, ordered = prepare_chunk(plan, candidate_ids, result_ids, saved_photos, identifiers=False)
        pieces.prepare(ordered)
        copy_chunk(people, ordered, score_ids)

    # The rest is Python (ids, COPY data): on the writer, so the server works meanwhile.
    bulkload.in_background(prepare_and_copy)


def _write_by_insert(
    plan: Plan, candidate_ids: range, result_ids: range, saved_photos: list[str], now: dt.datetime
) -> None:
    """SQLite, or a small chunk: tuples of values, through the ORM or ``bulkload.insert_rows``."""
    people, ordered = prepare_chunk(plan, candidate_ids, result_ids, saved_photos)
    _write_candidates(people, secret_hashes(people), now)
    insert(
        Result,
        RESULT_FIELDS,
        [(row.result_id, row.public_hex, row.person.candidate_id, row.exam.id, row.centre.centre_id, row.exam_date,
          row.ern, row.outcome.status, row.outcome.overall, row.outcome.grade or "", row.outcome.cefr or "",
          row.outcome.label, row.photo_name, now, now) for row in ordered],
        total=len(ordered),
    )  # fmt: skip
    scores = [
        (row.result_id, position, component.code, component.label, row.outcome.components.get(component.code))
        for row in ordered
        if row.outcome.status == Status.RESULT
        for position, component in enumerate(row.scheme.components)
    ]
    insert(ComponentScore, SCORE_FIELDS, scores, total=len(scores))


def _write_candidates(people: list[Person], hashes: list[str], now: dt.datetime) -> None:
    """Insert ``people`` (ids already given, in this order) and their name tokens."""
    name_part = NameTokens()
    tokens: list[tuple[str, int | None]] = []
    candidates: list[tuple[Any, ...]] = []
    for person, secret_hash in zip(people, hashes, strict=True):
        # fold() works character by character, so folding each part and joining them gives
        # candidate_sort_name() and name_tokens_for() of the whole name (tests hold them equal).
        (given, given_tokens), (family, family_tokens) = name_part(person.first_name), name_part(person.last_name)
        for token in dict.fromkeys(given_tokens + family_tokens):
            tokens.append((token, person.candidate_id))
        candidates.append((person.candidate_id, person.candidate_number, secret_hash, person.first_name,
                           person.last_name, f"{family} {given}".strip(), person.date_of_birth, person.email, now,
                           now))  # fmt: skip
    insert(Candidate, CANDIDATE_FIELDS, candidates, total=len(candidates))
    tokens.sort()
    insert(CandidateNameToken, TOKEN_FIELDS, tokens, total=len(tokens))


def reserve_ids(model: type[models.Model], count: int) -> range:
    """``count`` consecutive primary keys no other row has or will get, so rows can point at rows not yet written.

    Imports hold ``lock_imports()``, so none takes ids between two statements of another. A
    row inserted meanwhile by other code takes its id from the same sequence; should it fall in
    the block, the insert fails on the primary key and the write is retried.
    """
    if count == 0:
        return range(0)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement instead of a nextval() per row (seconds for a million).
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
                [table, table, count - 1],
            )
            last = int(cursor.fetchone()[0])
            return range(last - count + 1, last + 1)
        # SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so nobody takes these in
        # between; starting past sqlite_sequence, as AUTOINCREMENT would, never reuses a deleted id.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608 - a model's table name
        start = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        start = max(start, int(sequence[0]) if sequence else 0) + 1
    return range(start, start + count)


def lock_imports() -> None:
    """Imports on PostgreSQL take turns (SQLite's write lock already makes every writer wait)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


def insert(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]], *, total: int) -> None:
    """Insert ``rows`` (tuples of Python values for ``fields``; UUIDs as 32 hex digits).

    Small writes go through the ORM's bulk_create. Large ones skip building a model instance
    and preparing every value through the field API, converting only what the driver cannot
    take as it is, and go to ``bulkload.insert_rows``: ``COPY`` on PostgreSQL, ``executemany`` on
    SQLite, on the background writer while the import runs.
    """
    if total <= ORM_WRITE_LIMIT:
        bulkload.drain()
        objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        if objects:
            model._default_manager.bulk_create(objects)
        return
    meta = model._meta
    converters = {
        index: converter for index, name in enumerate(fields) if (converter := _converter(meta.get_field(name)))
    }
    bulkload.insert_rows(model, fields, list(map(_row_converter(converters), rows)) if converters else rows)


def _row_converter(converters: dict[int, Callable[[Any], Any]]) -> Callable[[tuple[Any, ...]], list[Any]]:
    """The row with ``converters[i]`` applied to its value ``i``. (A function built with ``eval``, one
    expression per column, saved about 0.05 µs a row: well under 1 % of an import, decision 0019.)"""
    items = sorted(converters.items())

    def convert(row: tuple[Any, ...]) -> list[Any]:
        values = list(row)
        for index, converter in items:
            values[index] = converter(values[index])
        return values

    return convert


def _converter(model_field: Any) -> Callable[[Any], Any] | None:
    """How a value of ``model_field`` becomes one the driver takes, when it cannot take it as it is."""
    if isinstance(model_field, models.DateTimeField) and connection.vendor != "postgresql":
        # One timestamp for the whole write: convert it once.
        return functools.lru_cache(maxsize=4)(functools.partial(model_field.get_db_prep_save, connection=connection))
    if isinstance(model_field, models.DateField) and connection.vendor == "sqlite":
        # As Django stores a date on SQLite (YYYY-MM-DD), printed once per date here rather than by the
        # JSON encoder's fallback, a Python call per value on the writer's thread.
        return functools.lru_cache(maxsize=65536)(str)
    return None
