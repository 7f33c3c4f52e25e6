"""The read path of data files (CSV, XLSX): plain rows straight from SQL, in the order asked for.

A data file needs no model instances. Per chunk of ids, one SQL query returns each result's cells
in the file's order: the result joined with its candidate, exam and centre, and each component
score through its own left join, the status label and the ERN's display form made in SQL. Python
only puts the rows in the order asked for, blanks the scores of results that show none, and
neutralises formula-like text. The cells are exactly what ``fields.FIELDS[key].value(result)``
gives for the same result (the reference, checked by tests); memory holds one chunk at a time.

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

from rvs.downloads.exporters import TRIGGERS
from rvs.downloads.exporters import neutralise as n
from rvs.downloads.fields import FIELDS, REQUIREMENT_PREFIX, requirement_label
from rvs.exams.models import Exam
from rvs.requirements.rules import Rule, evaluate
from rvs.results.models import Candidate, Centre, ComponentScore, Result

# Results per query: 5,000 rows of cells are a few MB; PostgreSQL took 40 % longer per row in
# chunks of 1,000 (each query scans and hashes the small tables again).
CHUNK = 5000
_SCORED = Result.Status.RESULT.value
_STATUS_LABELS = dict(Result.Status.choices)
_COMPONENTS = ("reading", "reading_and_writing", "use_of_english", "writing", "listening", "speaking")
# The order of a row's cells (``_select``): the result fields, as ``fields.FIELDS`` lists them.
CELL_KEYS = (
    "last_name", "first_name", "date_of_birth", "candidate_number", "email", "exam", "exam_date", "centre_name",
    "centre_number", "place_of_entry", "country", "status", "overall_score", "cefr", "grade", *_COMPONENTS, "ern",
)  # fmt: skip
assert set(CELL_KEYS) == set(FIELDS), "rows.CELL_KEYS and fields.FIELDS must name the same fields"


@dataclass(frozen=True)
class _Requirement:
    label: str
    rule: Rule
    exam_names: tuple[str, ...]


@dataclass
class Table:
    """A data file's header (column labels) and its rows of cells, in the template's order.

    ``rows`` are typed cells (numbers, text, None); ``csv_lines()``, when not None, gives the same
    rows as the lines ``csv.writer`` writes for them (without the CRLF), from cells the database
    made text: only one of the two is read, and nothing is queried until it is. Other tables (a
    bulk verification's answer, the audit log) name their XLSX sheet (``sheet``) and may keep its
    header plain (``styled``: bold, sized and frozen), as those files always were.
    """

    keys: list[str]
    header: list[str]
    rows: Iterator[Sequence[Any]]
    csv_lines: Callable[[], Iterator[str]] | None = None
    sheet: str = "Results"
    styled: bool = True


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _requirements(organisation: Any, keys: Sequence[str]) -> dict[str, _Requirement]:
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


def data_table(result_ids: Sequence[int], keys: Sequence[str], *, organisation: Any = None) -> Table:
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


def _select(vendor: str) -> str:
    """One row per result: its id, then the cells in ``CELL_KEYS`` order, then what verdicts need.

    Dates come as ``YYYY-MM-DD`` text (what ``date.isoformat()`` gives), so no date objects are
    made only to be printed; a component's score is looked up by the unique (result, code) index,
    NULL when the result has no such component. Results that show no scores are blanked in Python
    (``_unscored``). The ids are one parameter: an array (PostgreSQL) or a JSON array (SQLite, read
    with ``json_each``: one placeholder per id made a long statement to convert and prepare).
    """
    result, candidate = Result._meta.db_table, Candidate._meta.db_table
    exam, centre = Exam._meta.db_table, Centre._meta.db_table

    def iso(column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')" if vendor == "postgresql" else f"CAST({column} AS TEXT)"

    def first(column: str) -> str:  # the code point of the first character; NULL or 0 for ''
        return f"ascii({column})" if vendor == "postgresql" else f"unicode({column})"

    # Could any text cell run as a formula? One flag per row, so Python looks closer only then.
    # PostgreSQL text holds no NUL character, and its ascii('') is 0: NUL is looked for on SQLite only.
    codes = ", ".join(str(ord(ch)) for ch in TRIGGERS if vendor != "postgresql" or ch != "\0")
    formula_like = " OR ".join(f"{first(column)} IN ({codes})" for column in _TEXT_COLUMNS)
    statuses = " ".join(f"WHEN '{code}' THEN %s" for code in _STATUS_LABELS)
    joins, where = _component_joins(vendor, _COMPONENTS), _where(vendor)
    components = ", ".join(_component_cell(vendor, code) for code in _COMPONENTS)
    # Table names and codes come from the code; every value is a parameter.
    return (
        f"SELECT r.id, c.last_name, c.first_name, {iso('c.date_of_birth')}, "  # noqa: S608
        f"c.candidate_number, c.email, e.name, {iso('r.exam_date')}, ce.name, ce.number, ce.city, ce.country, "
        f"CASE r.status {statuses} END, r.overall_score, r.cefr, {_GRADE}, "
        f"{components}, SUBSTR(r.ern, 1, 6) || '-' || SUBSTR(r.ern, 7, 6) || '-' || SUBSTR(r.ern, 13), "
        f"r.status, e.code, e.name, CASE WHEN {formula_like} THEN 1 ELSE 0 END "
        f"FROM {result} r JOIN {candidate} c ON c.id = r.candidate_id JOIN {exam} e ON e.id = r.exam_id "
        f"JOIN {centre} ce ON ce.id = r.centre_id {joins} WHERE {where}"
    )


# The text columns of a row's cells (the ERN's display form is made of ``r.ern``).
_TEXT_COLUMNS = ("c.last_name", "c.first_name", "c.candidate_number", "c.email", "e.name", "ce.name", "ce.number",
        "ce.city", "ce.country", "r.cefr", "r.grade", "r.result_label", "r.ern")  # fmt: skip
_GRADE = "CASE WHEN r.grade = '' THEN r.result_label ELSE r.grade END"


def _where(vendor: str) -> str:
    return "r.id = ANY(%s)" if vendor == "postgresql" else "r.id IN (SELECT value FROM json_each(%s))"


def _component_joins(vendor: str, codes: Sequence[str]) -> str:
    """Joins that give each component's score of ``codes`` (``_component_cell``), NULL when absent."""
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


def _component_cell(vendor: str, code: str) -> str:
    return f"s.{code}" if vendor == "postgresql" else f"s_{code}.score"


_WIDTH = len(CELL_KEYS)
assert not any(label.startswith(TRIGGERS) for label in _STATUS_LABELS.values())


def _unscored(cells: tuple[Any, ...]) -> tuple[Any, ...]:
    """A result that shows no scores: no overall score, CEFR level, grade or component scores."""
    return (*cells[:12], None, "", "", None, None, None, None, None, None, *cells[21:])


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
    sql = _select(connection.vendor)
    labels = list(_STATUS_LABELS.values())
    scored_label = _STATUS_LABELS[_SCORED]
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
                cells = row[1 : _WIDTH + 1]
                if cells[11] != scored_label:
                    cells = _unscored(cells)
                if row[-1]:  # some text starts like a formula: every cell through ``neutralise``
                    cells = tuple(n(cell) for cell in cells)
                if requirements:
                    cells = (*cells, *_verdicts(requirements, row, scores.get(result_id, {}), names.get(result_id, {})))
                yield result_id, (cells if pick is None else pick(cells))


# What the line of a result holds per column: the expressions it prints, whether it is one of the
# scores (blank when the result shows none), and the text columns whose first character could make
# it run as a formula (or, on SQLite, that could hold a NUL character).
_ERN_PARTS = ["SUBSTR(r.ern, 1, 6)", "SUBSTR(r.ern, 7, 6)", "SUBSTR(r.ern, 13)"]
_SCORE_CELLS = frozenset({"overall_score", "cefr", "grade", *_COMPONENTS})
_CENTRE_CELLS = frozenset({"centre_name", "centre_number", "place_of_entry", "country"})


def _line_parts(vendor: str) -> dict[str, tuple[list[str], list[str]]]:
    def iso(column: str) -> str:  # SQLite keeps dates as that text
        return f"to_char({column}, 'YYYY-MM-DD')" if vendor == "postgresql" else column

    def text(column: str) -> tuple[list[str], list[str]]:
        return [column], [column]

    parts = {
        "last_name": text("c.last_name"), "first_name": text("c.first_name"),
        "date_of_birth": ([iso("c.date_of_birth")], []), "candidate_number": text("c.candidate_number"),
        "email": text("c.email"), "exam": text("e.name"), "exam_date": ([iso("r.exam_date")], []),
        "centre_name": text("ce.name"), "centre_number": text("ce.number"), "place_of_entry": text("ce.city"),
        "country": text("ce.country"), "status": ([], []), "overall_score": (["r.overall_score"], []),
        "cefr": text("r.cefr"), "grade": ([_GRADE], ["r.grade", "r.result_label"]), "ern": (_ERN_PARTS, ["r.ern"]),
        **{code: ([_component_cell(vendor, code)], []) for code in _COMPONENTS},
    }  # fmt: skip
    assert parts.keys() == set(CELL_KEYS)
    return parts


def _line_select(vendor: str, columns: list[str]) -> tuple[str, list[Any]]:
    """The SQL that gives ``(id, line)`` per result of a chunk, and its parameters but the ids.

    The line is the row's cells joined by commas, made by the database in one ``printf``
    (SQLite) or ``format`` (PostgreSQL) call: a NULL prints as '', a number as its decimal text,
    a date as ``YYYY-MM-DD``; an issued result's status is a constant of the format, a result
    that shows no scores has its own format, with those cells blank and its status's label.

    The line is NULL, to be made from the typed cells (``_cells_by_id``), when a text cell
    starts with anything but a letter, a digit or a character above ``A`` (every formula trigger
    is below it), so that ``neutralise`` is never needed on a line; and, on SQLite, when a text
    holds a NUL character (``printf`` stops there; PostgreSQL text cannot hold one). Quotes,
    commas and line breaks inside cells are found by ``_plain``.
    """
    postgres = vendor == "postgresql"
    parts = _line_parts(vendor)
    scored_format = ",".join(
        str(_STATUS_LABELS[_SCORED]).replace("%", "%%") if key == "status" else "%s-%s-%s" if key == "ern" else "%s"
        for key in columns
    )
    unscored_format = ",".join("" if key in _SCORE_CELLS else "%s-%s-%s" if key == "ern" else "%s" for key in columns)
    statuses = "CASE r.status " + " ".join(f"WHEN '{code}' THEN %s" for code in _STATUS_LABELS) + " END"
    scored = [expression for key in columns for expression in parts[key][0]]
    unscored = [
        expression
        for key in columns
        if key not in _SCORE_CELLS
        for expression in (parts[key][0] if key != "status" else [statuses])
    ]
    function = "format" if postgres else "printf"

    def call(arguments: list[str]) -> str:
        return f"{function}({', '.join(['%s', *arguments])})"

    texts = [column for key in columns for column in parts[key][1]]
    if postgres:  # the code of the first character; 0 for ''
        checks = [f"ascii({column}) NOT IN ({_TRIGGER_CODES})" for column in texts]
    else:
        checks = [f"({column} >= 'A' OR {column} = '' OR ({column} >= '0' AND {column} < ':'))" for column in texts]
        checks += [f"instr({column}, char(0)) = 0" for column in texts]
    line = f"CASE WHEN r.status = '{_SCORED}' THEN {call(scored)} ELSE {call(unscored)} END"
    if checks:
        line = f"CASE WHEN {' AND '.join(checks)} THEN {line} END"
    joins = f"JOIN {Candidate._meta.db_table} c ON c.id = r.candidate_id "
    if "exam" in columns:
        joins += f"JOIN {Exam._meta.db_table} e ON e.id = r.exam_id "
    if _CENTRE_CELLS & set(columns):
        joins += f"JOIN {Centre._meta.db_table} ce ON ce.id = r.centre_id "
    joins += _component_joins(vendor, [key for key in columns if key in _COMPONENTS])
    # Table names, codes and expressions come from the code; every value is a parameter.
    sql = f"SELECT r.id, {line} FROM {Result._meta.db_table} r {joins} WHERE {_where(vendor)}"  # noqa: S608
    labels = list(_STATUS_LABELS.values()) if "status" in columns else []
    return sql, [scored_format, unscored_format, *labels]


_TRIGGER_CODES = ", ".join(str(ord(ch)) for ch in TRIGGERS if ch != "\0")
# Every trigger comes before "A" and is no digit: what the SQL checks (``_line_select``) rests on.
assert all(ch < "A" and not ch.isdigit() for ch in TRIGGERS)


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

    The database makes each line (``_line_select``); a chunk's lines that are plain (``_plain``)
    are the lines already. Any other row (a cell with a comma, quote or line break, or starting
    with a character that could be a formula's; a NUL) is written from its typed cells by
    ``csv.writer``, as ``neutralise`` leaves them: the same bytes.
    """
    sql, parameters = _line_select(connection.vendor, columns)
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
    status, exam_code, exam_name, _ = row[_WIDTH + 1 :]
    cells = []
    for requirement in requirements.values():
        verdict = evaluate(
            requirement.rule, exam_code=exam_code, exam_name=exam_name, exam_date=dt.date.fromisoformat(row[7]),
            shows_scores=status == _SCORED, overall=row[13], components=scores, labels=labels,
            allowed_exam_names=requirement.exam_names,
        )  # fmt: skip
        cells.append(n(verdict_cell(verdict.met, verdict.reasons)))
    return cells
