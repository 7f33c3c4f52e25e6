"""The read path of data files (CSV, XLSX): plain rows straight from SQL, in the order asked for.

A data file needs no model instances. Per chunk of ids, one SQL query returns each result's cells
in the file's order: the result joined with its candidate, exam and centre, and each component
score through its own left join, the status label and the ERN's display form made in SQL. Python
only puts the rows in the order asked for, blanks the scores of results that show none, and
neutralises formula-like text. The cells are exactly what ``fields.FIELDS[key].value(result)``
gives for the same result (the reference, checked by tests); memory holds one chunk at a time.
The SQL (``row_sql``) is made from the result column schema (``rvs.results.columns``).

A CSV file goes further (``_csv_lines``): the database prints each row's line itself, in one
``printf``/``format`` call, unless a text cell starts with a character a formula could start
with (or holds a NUL, on SQLite); Python checks a chunk's lines at once for commas, quotes and
line breaks inside cells, and writes the few rows that need quoting or ``neutralise`` from their
typed cells through ``csv.writer``. The bytes are those ``csv.writer`` writes for the cells.

Entry requirement columns ("Meets: MSc entry") are evaluated per row with ``rules.evaluate``, the
rule the search pages use (with one more query per chunk for the components and their labels);
a requirement deleted since the template was made is left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from rvs.downloads import row_sql
from rvs.downloads.exporters import Table
from rvs.downloads.exporters import neutralise as n
from rvs.downloads.fields import FIELDS, REQUIREMENT_PREFIX, requirement_label
from rvs.downloads.row_sql import CELL_KEYS, SCORED
from rvs.organisations.models import Organisation
from rvs.requirements.rules import Rule, evaluate
from rvs.results.columns import BY_KEY
from rvs.results.models import ComponentScore

__all__ = ["CELL_KEYS", "CHUNK", "Table", "data_table", "verdict_cell"]

# Results per query: 5,000 rows of cells are a few MB; PostgreSQL took 40 % longer per row in
# chunks of 1,000 (each query scans and hashes the small tables again).
CHUNK = 5000
assert set(CELL_KEYS) == set(FIELDS), "row_sql.CELL_KEYS and fields.FIELDS must name the same fields"
# What Python looks at: the status's label among the cells, the exam's date and the overall score in
# the row (after its id, for verdicts); the scores blanked together (``_unscored``) lie side by side.
_STATUS_AT = CELL_KEYS.index("status")
_EXAM_DATE_AT, _OVERALL_AT = (1 + CELL_KEYS.index(key) for key in ("exam_date", "overall_score"))
_SCORED_AT = [i for i, key in enumerate(CELL_KEYS) if key in row_sql.SCORE_CELLS]
_FIRST_SCORED, _AFTER_SCORED = _SCORED_AT[0], _SCORED_AT[-1] + 1
assert list(range(_FIRST_SCORED, _AFTER_SCORED)) == _SCORED_AT, "the scored columns must be side by side"
_BLANKS = tuple(BY_KEY[key].blank for key in CELL_KEYS[_FIRST_SCORED:_AFTER_SCORED])
_WIDTH = len(CELL_KEYS) + 1  # the id, then the cells


@dataclass(frozen=True)
class _Requirement:
    label: str
    rule: Rule
    exam_names: tuple[str, ...]


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _requirements(organisation: Organisation | None, keys: Sequence[str]) -> dict[str, _Requirement]:
    """The organisation's requirements named by ``keys`` (others' and deleted ones are not found)."""
    from rvs.requirements.selectors import requirements_of

    wanted = {key.removeprefix(REQUIREMENT_PREFIX) for key in keys if key.startswith(REQUIREMENT_PREFIX)}
    if not wanted or organisation is None:
        return {}
    found = {}
    for requirement in requirements_of(organisation=organisation):
        if str(requirement.public_id) in wanted:
            exams = list(requirement.exams.all())
            rule = Rule(
                min_overall=requirement.min_overall,
                min_component=requirement.min_component,
                exam_codes=frozenset(exam.code for exam in exams),
                within_years=requirement.within_years,
            )
            found[REQUIREMENT_PREFIX + str(requirement.public_id)] = _Requirement(
                requirement_label(requirement), rule, tuple(exam.name for exam in exams)
            )
    return found


def verdict_cell(met: bool, reasons: Sequence[str]) -> str:
    """What a requirement column says: "met", or "not met: " and every reason."""
    return "met" if met else "not met: " + "; ".join(reasons)


def data_table(result_ids: Sequence[int], keys: Sequence[str], *, organisation: Organisation | None = None) -> Table:
    """The rows of a data file for ``result_ids`` (in that order) with the columns ``keys``.

    ``keys`` are result fields (``fields.FIELDS``) and requirement columns of ``organisation``.
    The caller checks access first: every id given is read.
    """
    requirements = _requirements(organisation, keys)
    columns = [key for key in keys if key in FIELDS or key in requirements]
    header = [FIELDS[key].label if key in FIELDS else requirements[key].label for key in columns]
    ids = list(result_ids)
    lines = None if requirements else (lambda: _csv_lines(ids, columns))
    return Table(columns, header, _rows(ids, columns, requirements), lines)


def _picker(columns: list[str], requirements: dict[str, _Requirement]) -> Callable[[tuple[Any, ...]], Any] | None:
    """Cuts the full cell tuple (plus verdicts, appended) down to ``columns``; None keeps it whole."""
    positions = [
        CELL_KEYS.index(key) if key in FIELDS else len(CELL_KEYS) + list(requirements).index(key) for key in columns
    ]
    if positions == list(range(len(CELL_KEYS))):
        return None
    if len(positions) == 1:
        position = positions[0]
        return lambda cells: (cells[position],)
    return operator.itemgetter(*positions)


def _unscored(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    """A result that shows no scores: no overall score, CEFR level, grade or component scores."""
    return (*cells[:_FIRST_SCORED], *_BLANKS, *cells[_AFTER_SCORED:])


def _ids_parameter(chunk: Sequence[int]) -> Any:
    return list(chunk) if connection.vendor == "postgresql" else json.dumps(list(chunk))


def _rows(ids: list[int], columns: list[str], requirements: dict[str, _Requirement]) -> Iterator[tuple[Any, ...]]:
    for _, cells in _rows_with_ids(ids, columns, requirements):
        yield cells


def _rows_with_ids(
    ids: list[int], columns: list[str], requirements: dict[str, _Requirement]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(id, cells)`` of each result of ``ids`` still on record, in that order."""
    pick = _picker(columns, requirements)
    sql = row_sql.select(connection.vendor)
    labels = list(row_sql.STATUS_LABELS.values())
    scored_label, status_at, width = row_sql.STATUS_LABELS[SCORED], _STATUS_AT, _WIDTH  # locals: read per row
    scores: dict[int, dict[str, int | None]] = {}
    names: dict[int, dict[str, str]] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            cursor.execute(sql, [*labels, _ids_parameter(chunk)])
            by_id = {row[0]: row for row in cursor.fetchall()}
            if requirements:
                scores, names = _components(chunk)
            for result_id in chunk:
                row = by_id.get(result_id)
                if row is None:
                    continue
                cells = row[1:width]
                if cells[status_at] != scored_label:
                    cells = _unscored(cells)
                if row[-1]:  # some text starts like a formula: every cell through ``neutralise``
                    cells = tuple(n(cell) for cell in cells)
                if requirements:
                    cells = (*cells, *_verdicts(requirements, row, scores.get(result_id, {}), names.get(result_id, {})))
                yield result_id, (cells if pick is None else pick(cells))


def _cells_by_id(ids: Sequence[int], columns: list[str]) -> dict[int, tuple[Any, ...]]:
    """The typed, neutralised cells of ``ids`` (``_rows``), by id: the rows a line is not made for."""
    return dict(_rows_with_ids(list(ids), columns, {}))


def _plain(lines: list[str], commas: int) -> bool:
    """Are ``lines`` what ``csv.writer`` writes for their cells?

    True when the lines show no comma but the separators, no quote or line break, and, for a
    single column, no empty line (``csv.writer`` quotes a row of one empty cell). Checked on all
    the lines joined at once.
    """
    text = "\n".join(lines)
    return (
        text.count(",") == commas * len(lines)
        and '"' not in text
        and "\r" not in text
        and text.count("\n") == len(lines) - 1
        and (commas > 0 or "" not in lines)
    )


def _csv_lines(ids: list[int], columns: list[str]) -> Iterator[str]:
    """Each result's row as the line ``csv.writer`` writes for its neutralised cells, without CRLF.

    The database makes each line (``row_sql.line_select``); a chunk's lines that are plain (``_plain``)
    are the lines already. Any other row (a cell with a comma, quote or line break, or starting
    with a character that could be a formula's; a NUL) is written from its typed cells by
    ``csv.writer``, as ``neutralise`` leaves them: the same bytes.
    """
    sql, parameters = row_sql.line_select(connection.vendor, columns)
    commas = len(columns) - 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            cursor.execute(sql, [*parameters, _ids_parameter(chunk)])
            by_id: dict[int, str | None] = dict(cursor.fetchall())
            lines = list(map(by_id.get, chunk))  # None: made from cells, or no longer on record
            made = [line for line in lines if line is not None]
            plain = _plain(made, commas)
            if plain and len(made) == len(lines):
                yield from made
                continue
            odd = {
                result_id
                for result_id, line in by_id.items()
                if line is None or (not plain and not _plain([line], commas))
            }
            cells = _cells_by_id([result_id for result_id in chunk if result_id in odd], columns) if odd else {}
            for result_id, line in zip(chunk, lines, strict=True):
                if line is not None and result_id not in odd:
                    yield line
                elif result_id in cells:
                    buffer.seek(0)
                    buffer.truncate()
                    writer.writerow(cells[result_id])
                    yield buffer.getvalue()[:-2]


def _components(chunk: Sequence[int]) -> tuple[dict[int, dict[str, int | None]], dict[int, dict[str, str]]]:
    """Every component of the chunk's results, code to score and code to label, in position order."""
    scores: dict[int, dict[str, int | None]] = {}
    labels: dict[int, dict[str, str]] = {}
    rows = ComponentScore.objects.filter(result_id__in=chunk).order_by("result_id", "position")
    for result_id, code, score, label in rows.values_list("result_id", "code", "score", "label"):
        scores.setdefault(result_id, {})[code] = score
        labels.setdefault(result_id, {})[code] = label
    return scores, labels


def _verdicts(
    requirements: dict[str, _Requirement], row: tuple[Any, ...], scores: dict[str, int | None], labels: dict[str, str]
) -> list[str]:
    """The requirement cells of one result: ``rules.evaluate``, as the search pages judge it."""
    status, exam_code, exam_name, _ = row[_WIDTH:]
    cells = []
    for requirement in requirements.values():
        verdict = evaluate(
            requirement.rule, exam_code=exam_code, exam_name=exam_name,
            exam_date=dt.date.fromisoformat(row[_EXAM_DATE_AT]),
            shows_scores=status == SCORED, overall=row[_OVERALL_AT], components=scores, labels=labels,
            allowed_exam_names=requirement.exam_names,
        )  # fmt: skip
        cells.append(n(verdict_cell(verdict.met, verdict.reasons)))
    return cells
