"""Fast bulk inserts for seeding millions of rows: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

``bulk_create`` builds a model instance and prepares every value of every row through the field
API, and SQLite caps a statement at a few hundred rows: about 60,000 rows a second, so a million
results (some eight million rows with their scores, tokens and shares) took over ten minutes.
Here rows are plain tuples. Tables and columns still come from the models, and every column the
caller leaves out gets the field's default (called per row when it is callable, such as
``uuid4``; ``auto_now`` fields get the time of the load), so a field added later cannot be
forgotten silently.

Callers pass primary keys they reserved with ``reserve_ids`` when later rows must point at these.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _identity(value: Any) -> Any:
    return value


def _row_function(steps: Sequence[tuple[int | None, Any]]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The driver's row from the caller's tuple: each value converted or as it is, or a default.

    A closure, not code built at run time (decision 0020): the caller's values, the constant
    defaults and the called ones (``uuid4``) in one list, the few conversions (dates, UUIDs,
    booleans) in place, then ``itemgetter`` puts the columns in order, in C.
    """
    constants = [convert.args[0] for index, convert in steps if index is None and _constant(convert)]
    calls = [convert for index, convert in steps if index is None and not _constant(convert)]
    converts = [(index, convert) for index, convert in steps if index is not None and convert is not _identity]
    positions, constant, call = [], -len(constants) - len(calls), -len(calls)
    for index, convert in steps:
        if index is not None:
            positions.append(index)
        elif _constant(convert):
            positions.append(constant)
            constant += 1
        else:
            positions.append(call)
            call += 1
    pick: Callable[[list[Any]], Any] = operator.itemgetter(*positions)
    if len(positions) == 1:  # itemgetter of one index gives the value, not a tuple
        only = positions[0]
        pick = lambda values: (values[only],)  # noqa: E731

    def row(r: tuple[Any, ...]) -> tuple[Any, ...]:
        values = [*r, *constants, *[c() for c in calls]] if calls else [*r, *constants]
        for index, convert in converts:
            values[index] = convert(values[index])
        return pick(values)

    return row


def _constant(step: Callable[..., Any]) -> bool:
    return isinstance(step, functools.partial) and step.func is _identity


class Table:
    """Insert rows of ``model`` given as tuples of ``fields`` (attribute names such as ``result_id``)."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        self.model = model
        given = {name: index for index, name in enumerate(fields)}
        concrete = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in given)]
        unknown = set(given) - {f.attname for f in concrete}
        if unknown:
            raise ValueError(f"{model.__name__} has no column for {sorted(unknown)}")
        now = timezone.now()
        self.columns = [f.column for f in concrete]
        # One step per column: (index of the value in the caller's tuple, converter) or a default.
        self._steps: list[tuple[int, Callable[[Any], Any]] | tuple[None, Callable[[], Any]]] = []
        for f in concrete:
            if f.attname in given:
                self._steps.append((given[f.attname], self._converter(f)))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = f.get_db_prep_save(now, connection)
                self._steps.append((None, functools.partial(_identity, value)))
            elif f.has_default() and callable(f.default):
                prepare = self._converter(f)
                default = f.default
                self._steps.append((None, lambda default=default, prepare=prepare: prepare(default())))
            else:
                value = f.get_db_prep_save(f.get_default(), connection)
                self._steps.append((None, functools.partial(_identity, value)))
        self._row_function: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
        self._plain = all(i is not None and c is _identity for i, c in self._steps) and list(given.values()) == [
            i for i, _ in self._steps
        ]

    @staticmethod
    def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
        """How a Python value becomes what the driver takes; dates repeat, so their conversions are cached."""
        if isinstance(field, models.DateField | models.DateTimeField | models.UUIDField | models.BooleanField):
            prepare = functools.partial(field.get_db_prep_save, connection=connection)
            if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                return functools.lru_cache(maxsize=65536)(prepare)
            return prepare
        return _identity

    def _rows(self, rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
        if self._plain:
            return rows
        if self._row_function is None:
            self._row_function = _row_function(self._steps)
        return map(self._row_function, rows)

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self._rows(rows):
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - model names
                cursor.executemany(sql, list(self._rows(rows)))


def lock_and_reserve(tables: list[type[models.Model]]) -> dict[type[models.Model], int]:
    """The next free id of each table, with the tables locked against other writers until commit.

    On SQLite the transaction's write lock (``transaction_mode=IMMEDIATE``) already excludes them.
    """
    start = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
        for model in tables:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - a model's table name
            start[model] = int(cursor.fetchone()[0]) + 1
            if connection.vendor == "postgresql":
                # A sequence can be ahead of MAX(id) after deletes: start past both.
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value FROM {sequence}")  # noqa: S608 - from pg_get_serial_sequence
                start[model] = max(start[model], int(cursor.fetchone()[0]) + 1)
    return start


def reset_sequences(tables: list[type[models.Model]]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite tracks this itself)."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), tables):
            cursor.execute(statement)
