"""The SQL of a data file's rows, made from the result column schema (``rvs.results.columns``).

Each data-file column's cell is one SQL expression over the result (``r``), its candidate (``c``),
exam (``e``) and centre (``ce``), chosen by the column's kind: a text column as stored, a date as
``YYYY-MM-DD`` text, the status's label, the ERN's grouped display form, a component's score
through its own join. ``rows`` runs them; a new column in the schema is a new expression here
without a line written for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import models

from rvs.downloads.exporters import TRIGGERS
from rvs.exams.models import Exam
from rvs.results import columns
from rvs.results.columns import Column, Kind
from rvs.results.models import Candidate, Centre, ComponentScore, Result

SCORED = Result.Status.RESULT.value
STATUS_LABELS = dict(Result.Status.choices)
# The order of a row's cells (``select``): the data-file columns, as the schema lists them.
CELL_KEYS = tuple(column.key for column in columns.DATA_FILE)
COMPONENTS = tuple(column.key for column in columns.DATA_FILE if column.kind is Kind.COMPONENT)
SCORE_CELLS = frozenset(column.key for column in columns.DATA_FILE if column.scored)
_TABLES: dict[str, tuple[str, type[models.Model]]] = {
    "": ("r", Result), "candidate": ("c", Candidate), "exam": ("e", Exam), "centre": ("ce", Centre),
}  # fmt: skip
_ERN_PARTS = ["SUBSTR(r.ern, 1, 6)", "SUBSTR(r.ern, 7, 6)", "SUBSTR(r.ern, 13)"]
_TRIGGER_CODES = ", ".join(str(ord(ch)) for ch in TRIGGERS if ch != "\0")
# Every trigger comes before "A" and is no digit: what the SQL checks (``line_select``) rests on.
assert all(ch < "A" and not ch.isdigit() for ch in TRIGGERS)
assert not any(label.startswith(TRIGGERS) for label in STATUS_LABELS.values())


def _sql_column(column: Column, field: str | None = None) -> str:
    """``alias.column`` of the model field the column reads (or of ``field`` on the same model)."""
    alias, model = _TABLES[column.relation]
    return f"{alias}.{cast(models.Field[Any, Any], model._meta.get_field(field or column.field)).column}"


def _text(column: Column) -> str:
    """A text column's cell; with a fallback, the fallback when the column is empty."""
    if column.fallback is None:
        return _sql_column(column)
    value, fallback = _sql_column(column), _sql_column(column, column.fallback)
    return f"CASE WHEN {value} = '' THEN {fallback} ELSE {value} END"


def _texts(column: Column) -> list[str]:
    """The stored text a cell is made of: what could start like a formula (or hold a NUL)."""
    if column.kind is Kind.TEXT:
        return [_sql_column(column), *([_sql_column(column, column.fallback)] if column.fallback else [])]
    return ["r.ern"] if column.kind is Kind.ERN else []


def _statuses() -> str:
    """The status's label, one parameter per status (in ``STATUS_LABELS`` order)."""
    return "CASE r.status " + " ".join(f"WHEN '{code}' THEN %s" for code in STATUS_LABELS) + " END"


def _cell(vendor: str, column: Column) -> str:
    """The typed cell's expression of a data-file column (``select``)."""
    if column.kind is Kind.DATE:
        field = _sql_column(column)
        return f"to_char({field}, 'YYYY-MM-DD')" if vendor == "postgresql" else f"CAST({field} AS TEXT)"
    if column.kind is Kind.STATUS:
        return _statuses()
    if column.kind is Kind.ERN:
        return " || '-' || ".join(_ERN_PARTS)
    if column.kind is Kind.COMPONENT:
        return component_cell(vendor, column.key)
    return _text(column) if column.kind is Kind.TEXT else _sql_column(column)


def select(vendor: str) -> str:
    """One row per result: its id, then the cells in ``CELL_KEYS`` order, then what verdicts need.

    Dates come as ``YYYY-MM-DD`` text (what ``date.isoformat()`` gives), so no date objects are
    made only to be printed; a component's score is looked up by the unique (result, code) index,
    NULL when the result has no such component. Results that show no scores are blanked in Python
    (``rows._unscored``). The ids are one parameter: an array (PostgreSQL) or a JSON array (SQLite,
    read with ``json_each``: one placeholder per id made a long statement to convert and prepare).
    """

    def first(column: str) -> str:  # the code point of the first character; NULL or 0 for ''
        return f"ascii({column})" if vendor == "postgresql" else f"unicode({column})"

    # Could any text cell run as a formula? One flag per row, so Python looks closer only then.
    # PostgreSQL text holds no NUL character, and its ascii('') is 0: NUL is looked for on SQLite only.
    codes = ", ".join(str(ord(ch)) for ch in TRIGGERS if vendor != "postgresql" or ch != "\0")
    texts = [text for column in columns.DATA_FILE for text in _texts(column)]
    formula_like = " OR ".join(f"{first(column)} IN ({codes})" for column in texts)
    cells = ", ".join(_cell(vendor, column) for column in columns.DATA_FILE)
    # Table names and codes come from the code; every value is a parameter.
    return (
        f"SELECT r.id, {cells}, r.status, e.code, e.name, CASE WHEN {formula_like} THEN 1 ELSE 0 END "  # noqa: S608
        f"FROM {Result._meta.db_table} r JOIN {Candidate._meta.db_table} c ON c.id = r.candidate_id "
        f"JOIN {Exam._meta.db_table} e ON e.id = r.exam_id JOIN {Centre._meta.db_table} ce ON ce.id = r.centre_id "
        f"{component_joins(vendor, COMPONENTS)} WHERE {where(vendor)}"
    )


def where(vendor: str) -> str:
    return "r.id = ANY(%s)" if vendor == "postgresql" else "r.id IN (SELECT value FROM json_each(%s))"


def component_joins(vendor: str, codes: Sequence[str]) -> str:
    """Joins that give each component's score of ``codes`` (``component_cell``), NULL when absent."""
    score = ComponentScore._meta.db_table
    if not codes:
        return ""
    if vendor == "postgresql":
        # One index range scan per result: left joins per code made PostgreSQL scan the whole table
        # once per code and chunk (hash joins), where SQLite looks each up in the index.
        pivot = ", ".join(f"MAX(x.score) FILTER (WHERE x.code = '{code}') AS {code}" for code in codes)
        return f"LEFT JOIN LATERAL (SELECT {pivot} FROM {score} x WHERE x.result_id = r.id) s ON TRUE"  # noqa: S608
    return " ".join(
        f"LEFT JOIN {score} s_{code} ON s_{code}.result_id = r.id AND s_{code}.code = '{code}'" for code in codes
    )


def component_cell(vendor: str, code: str) -> str:
    return f"s.{code}" if vendor == "postgresql" else f"s_{code}.score"


def _line_part(vendor: str, column: Column) -> list[str]:
    """The expressions a column's cell prints in a CSV line (the status is a constant of the format)."""
    if column.kind is Kind.DATE:  # SQLite keeps dates as that text
        field = _sql_column(column)
        return [f"to_char({field}, 'YYYY-MM-DD')" if vendor == "postgresql" else field]
    if column.kind is Kind.STATUS:
        return []
    if column.kind is Kind.ERN:
        return _ERN_PARTS
    return [_cell(vendor, column)]


def line_select(vendor: str, keys: list[str]) -> tuple[str, list[Any]]:
    """The SQL that gives ``(id, line)`` per result of a chunk, and its parameters but the ids.

    The line is the row's cells joined by commas, made by the database in one ``printf``
    (SQLite) or ``format`` (PostgreSQL) call: a NULL prints as '', a number as its decimal text,
    a date as ``YYYY-MM-DD``; an issued result's status is a constant of the format, a result
    that shows no scores has its own format, with those cells blank and its status's label.

    The line is NULL, to be made from the typed cells (``rows._cells_by_id``), when a text cell
    starts with anything but a letter, a digit or a character above ``A`` (every formula trigger
    is below it), so that ``neutralise`` is never needed on a line; and, on SQLite, when a text
    holds a NUL character (``printf`` stops there; PostgreSQL text cannot hold one). Quotes,
    commas and line breaks inside cells are found by ``rows._plain``.
    """
    postgres = vendor == "postgresql"
    chosen = [columns.BY_KEY[key] for key in keys]

    def piece(column: Column, scored: bool) -> str:
        if column.kind is Kind.ERN:
            return "%s-%s-%s"
        if column.kind is Kind.STATUS and scored:
            return str(STATUS_LABELS[SCORED]).replace("%", "%%")
        return "" if column.scored and not scored else "%s"

    scored_format = ",".join(piece(column, True) for column in chosen)
    unscored_format = ",".join(piece(column, False) for column in chosen)
    scored = [expression for column in chosen for expression in _line_part(vendor, column)]
    unscored = [
        expression
        for column in chosen
        if not column.scored
        for expression in (_line_part(vendor, column) if column.kind is not Kind.STATUS else [_statuses()])
    ]
    function = "format" if postgres else "printf"

    def call(arguments: list[str]) -> str:
        return f"{function}({', '.join(['%s', *arguments])})"

    texts = [text for column in chosen for text in _texts(column)]
    if postgres:  # the code of the first character; 0 for ''
        checks = [f"ascii({column}) NOT IN ({_TRIGGER_CODES})" for column in texts]
    else:
        checks = [f"({column} >= 'A' OR {column} = '' OR ({column} >= '0' AND {column} < ':'))" for column in texts]
        checks += [f"instr({column}, char(0)) = 0" for column in texts]
    line = f"CASE WHEN r.status = '{SCORED}' THEN {call(scored)} ELSE {call(unscored)} END"
    if checks:
        line = f"CASE WHEN {' AND '.join(checks)} THEN {line} END"
    joins = f"JOIN {Candidate._meta.db_table} c ON c.id = r.candidate_id "
    if any(column.relation == "exam" for column in chosen):
        joins += f"JOIN {Exam._meta.db_table} e ON e.id = r.exam_id "
    if any(column.relation == "centre" for column in chosen):
        joins += f"JOIN {Centre._meta.db_table} ce ON ce.id = r.centre_id "
    joins += component_joins(vendor, [column.key for column in chosen if column.kind is Kind.COMPONENT])
    # Table names, codes and expressions come from the code; every value is a parameter.
    sql = f"SELECT r.id, {line} FROM {Result._meta.db_table} r {joins} WHERE {where(vendor)}"  # noqa: S608
    labels = list(STATUS_LABELS.values()) if any(column.kind is Kind.STATUS for column in chosen) else []
    return sql, [scored_format, unscored_format, *labels]
