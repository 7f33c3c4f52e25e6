"""The read path of data files (CSV, XLSX): plain rows straight from SQL, in the order asked for.

A data file needs no model instances. Per chunk of ids, one SQL query returns each result's cells
in the file's order: the result joined with its candidate, exam and centre, and each component
score through its own left join, the status label and the ERN's display form made in SQL. Python
only puts the rows in the order asked for, blanks the scores of results that show none, and
neutralises formula-like text. The cells are exactly what ``fields.FIELDS[key].value(result)``
gives for the same result (the reference, checked by tests); memory holds one chunk at a time.

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
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    made text: only one of the two is read, and nothing is queried until it is.
    """

    keys: list[str]
    header: list[str]
    rows: Iterator[tuple[Any, ...]]
    csv_lines: Callable[[], Iterator[str]] | None = None


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


def _select(vendor: str, *, text: bool = False) -> str:
    """One row per result: its id, then the cells in ``CELL_KEYS`` order, then what verdicts need.

    Dates come as ``YYYY-MM-DD`` text (what ``date.isoformat()`` gives), so no date objects are
    made only to be printed; a component's score is looked up by the unique (result, code) index,
    NULL when the result has no such component. Results that show no scores are blanked in Python
    (``_unscored``). The ids are one parameter: an array (PostgreSQL) or a JSON array (SQLite, read
    with ``json_each``: one placeholder per id made a long statement to convert and prepare).
    ``text``: the cells only, numbers as decimal text and NULL as '' (the cells of a CSV file),
    with the exam's and the centre's ids in place of their cells (a few rows, looked up once in
    ``_csv_lines``: two joins less a row) and the status's code in place of its label (no
    parameters); ``_csv_lines`` looks for formula-like cells itself.
    """
    result, candidate = Result._meta.db_table, Candidate._meta.db_table
    exam, centre, score = Exam._meta.db_table, Centre._meta.db_table, ComponentScore._meta.db_table

    def iso(column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')" if vendor == "postgresql" else f"CAST({column} AS TEXT)"

    def number(column: str) -> str:
        if not text:
            return column
        return f"COALESCE({column}::text, '')" if vendor == "postgresql" else f"IFNULL(CAST({column} AS TEXT), '')"

    def first(column: str) -> str:  # the code point of the first character; NULL or 0 for ''
        return f"ascii({column})" if vendor == "postgresql" else f"unicode({column})"

    # Could any text cell run as a formula? One flag per row, so Python looks closer only then.
    # PostgreSQL text holds no NUL character, and its ascii('') is 0: NUL is looked for on SQLite only.
    codes = ", ".join(str(ord(ch)) for ch in TRIGGERS if vendor != "postgresql" or ch != "\0")
    text_columns = ("c.last_name", "c.first_name", "c.candidate_number", "c.email", "e.name", "ce.name", "ce.number",
            "ce.city", "ce.country", "r.cefr", "r.grade", "r.result_label", "r.ern")  # fmt: skip
    formula_like = " OR ".join(f"{first(column)} IN ({codes})" for column in text_columns)
    statuses = " ".join(f"WHEN '{code}' THEN %s" for code in _STATUS_LABELS)
    if vendor == "postgresql":
        # One index range scan per result: left joins per code made PostgreSQL scan the whole table
        # once per code and chunk (hash joins), where SQLite looks each up in the index.
        components = ", ".join(number(f"s.{code}") for code in _COMPONENTS)
        pivot = ", ".join(f"MAX(x.score) FILTER (WHERE x.code = '{code}') AS {code}" for code in _COMPONENTS)
        joins = f"LEFT JOIN LATERAL (SELECT {pivot} FROM {score} x WHERE x.result_id = r.id) s ON TRUE"  # noqa: S608
        where = "r.id = ANY(%s)"
    else:
        components = ", ".join(number(f"s{index}.score") for index in range(len(_COMPONENTS)))
        joins = " ".join(
            f"LEFT JOIN {score} s{index} ON s{index}.result_id = r.id AND s{index}.code = '{code}'"
            for index, code in enumerate(_COMPONENTS)
        )
        where = "r.id IN (SELECT value FROM json_each(%s))"
    if text:  # the exam's name, the centre's four cells and the status label come from Python (``_csv_lines``)
        exam_cell, centre_cells, status, tail, places = "r.exam_id", "r.centre_id", "r.status", "", ""
    else:
        exam_cell, centre_cells = "e.name", "ce.name, ce.number, ce.city, ce.country"
        status = f"CASE r.status {statuses} END"
        tail = f", r.status, e.code, e.name, CASE WHEN {formula_like} THEN 1 ELSE 0 END"
        places = f"JOIN {exam} e ON e.id = r.exam_id JOIN {centre} ce ON ce.id = r.centre_id "
    # Table names and codes come from the code; every value is a parameter.
    return (
        f"SELECT r.id, c.last_name, c.first_name, {iso('c.date_of_birth')}, "  # noqa: S608
        f"c.candidate_number, c.email, {exam_cell}, {iso('r.exam_date')}, {centre_cells}, "
        f"{status}, {number('r.overall_score')}, r.cefr, CASE WHEN r.grade = '' THEN r.result_label ELSE r.grade END, "
        f"{components}, SUBSTR(r.ern, 1, 6) || '-' || SUBSTR(r.ern, 7, 6) || '-' || SUBSTR(r.ern, 13){tail} "
        f"FROM {result} r JOIN {candidate} c ON c.id = r.candidate_id {places}{joins} WHERE {where}"
    )


_WIDTH = len(CELL_KEYS)
assert not any(label.startswith(TRIGGERS) for label in _STATUS_LABELS.values())


def _unscored(cells: tuple[Any, ...], blank: Any = None) -> tuple[Any, ...]:
    """A result that shows no scores: no overall score, CEFR level, grade or component scores."""
    return (*cells[:12], blank, "", "", blank, blank, blank, blank, blank, blank, *cells[21:])


def _ids_parameter(chunk: Sequence[int]) -> Any:
    return list(chunk) if connection.vendor == "postgresql" else json.dumps(list(chunk))


def _rows(ids: list[int], columns: list[str], requirements: dict[str, _Requirement]) -> Iterator[tuple[Any, ...]]:
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
                yield cells if pick is None else pick(cells)


# A line needs csv.writer's quoting if a cell holds a quote or line break (or a comma: counted),
# and ``neutralise`` if a cell starts with a trigger: the first cell, or one after a comma.
_STARTS = frozenset(TRIGGERS)
_FORMULA_AFTER_COMMA = re.compile("," + "[" + re.escape("".join(ch for ch in TRIGGERS if ch not in "\r\n")) + "]")


def _csv_lines(ids: list[int], columns: list[str]) -> Iterator[str]:
    """Each result's row as the line ``csv.writer`` writes for its neutralised cells, without CRLF.

    The database gives the cells as text; a row whose joined line shows no comma but the
    separators, no quote or line break and no cell starting like a formula is that line already
    (``csv.writer`` quotes none of it); any other row is neutralised and goes through ``csv.writer``.
    """
    pick = _picker(columns, {})
    sql = _select(connection.vendor, text=True)
    status_labels = _STATUS_LABELS
    scored_label = _STATUS_LABELS[_SCORED]
    commas = len(columns) - 1
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    exams: dict[int, str] = {}
    places: dict[int, tuple[str, str, str, str]] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks(ids):
            cursor.execute(sql, [_ids_parameter(chunk)])
            by_id = {row[0]: row for row in cursor.fetchall()}
            _look_up(exams, places, by_id.values())
            for result_id in chunk:
                row = by_id.get(result_id)
                if row is None:
                    continue
                cells = (*row[1:6], exams[row[6]], row[7], *places[row[8]], status_labels[row[9]], *row[10:])
                if cells[11] != scored_label:
                    cells = _unscored(cells, "")
                if pick is not None:
                    cells = pick(cells)
                line = ",".join(cells)
                if (
                    line.count(",") == commas
                    and '"' not in line
                    and "\n" not in line
                    and "\r" not in line
                    and line[:1] not in _STARTS
                    and _FORMULA_AFTER_COMMA.search(line) is None
                    and (line or commas)  # csv.writer quotes a row of one empty cell
                ):
                    yield line
                else:
                    buffer.seek(0)
                    buffer.truncate()
                    writer.writerow([n(cell) for cell in cells])
                    yield buffer.getvalue()[:-2]


def _look_up(exams: dict[int, str], places: dict[int, tuple[str, str, str, str]], rows: Iterable[Any]) -> None:
    """Add the names of the rows' exams and the cells of their centres not yet in ``exams``/``places``."""
    exam_ids, centre_ids = {row[6] for row in rows} - exams.keys(), {row[8] for row in rows} - places.keys()
    if exam_ids:
        exams.update(Exam.objects.filter(pk__in=exam_ids).values_list("pk", "name"))
    if centre_ids:
        centres = Centre.objects.filter(pk__in=centre_ids)
        for pk, name, number, city, country in centres.values_list("pk", "name", "number", "city", "country"):
            places[pk] = (name, number, city, country)


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
