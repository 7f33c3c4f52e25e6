"""The result columns: one schema from which every row of a result is made (decision 0025).

A result leaves the service in four shapes: a data file's row (``downloads.fields``, read as SQL by
``downloads.rows``, and as a CSV line printed by the database), an API result
(``api.result_rows`` reads the values, ``api.serializers.ResultSerializer`` is the JSON contract),
and a row of the results table (``results/templatetags/results_table.py``). Each reads the columns
below: what it is called (``key``, and ``label`` as the helpdesk article words it), the model path
it reads from a ``Result`` (``source``), what kind of value it is (``kind``: how each output writes
it) and where it appears. ``tests/results/test_columns.py`` fails when an output has a column this
schema does not know, or the schema one that an output leaves out.

Adding a result field: its storage (model field, migration, the importer's column), then one
``Column`` here; the data files and the API's rows follow from it. The API's JSON names it in
``ResultSerializer`` (a public contract, written out) and the results table shows it only if
given a ``table`` column; the test says which is missing.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rvs.results.models import Result


class Kind(enum.Enum):
    """What a column's value is, which decides how each output writes it."""

    TEXT = "text"  # text as stored: text in a data file, a JSON string
    DATE = "date"  # a date: YYYY-MM-DD in a data file and in JSON
    NUMBER = "number"  # a whole number or nothing: a number cell, a JSON integer or null
    STATUS = "status"  # the status code: its label in a data file, the code in JSON
    ERN = "ern"  # the Exam Reference Number: its grouped display form everywhere
    COMPONENT = "component"  # a component's score, by the component's code (= the column's key)
    UUID = "uuid"  # the result's public id: the API's ``id``
    FILE = "file"  # a stored file's name: the API's ``photo_url``


@dataclass(frozen=True)
class Column:
    """One result column.

    ``source`` is the Django path from a ``Result`` (``candidate__last_name``); a component's is
    ``components``, its key being the component's code. ``scored``: blank (None, or '' for text)
    when the result shows no scores. ``fallback``: read when ``source`` is blank, in data files
    (a grade, or else the result's label). ``data_file``: a download template may choose it (every
    such column is optional: the default template takes them all). ``api``: where the API's result
    JSON carries it, as a dotted path (None: not sent). ``table``: the results table column that
    shows it (None: not shown).
    """

    key: str
    label: str
    source: str
    kind: Kind
    scored: bool = False
    fallback: str | None = None
    data_file: bool = True
    api: str | None = None
    table: str | None = None

    @property
    def relation(self) -> str:
        """The related model the column is read from ('' for the result itself)."""
        return self.source.rpartition("__")[0]

    @property
    def field(self) -> str:
        """The model field read, on the result or on ``relation``."""
        return self.source.rpartition("__")[2]

    @property
    def blank(self) -> Any:
        """The data-file cell of a ``scored`` column when the result shows no scores."""
        return "" if self.kind is Kind.TEXT else None


_C, _E, _CE = "candidate__", "exam__", "centre__"
COMPONENT_CODES = ("reading", "reading_and_writing", "use_of_english", "writing", "listening", "speaking")
COMPONENT_LABELS = ("Reading", "Reading and Writing", "Use of English", "Writing", "Listening", "Speaking")

# In the order of the default data-file template; then the columns only the API sends.
COLUMNS: tuple[Column, ...] = (
    Column("last_name", "Surname", _C + "last_name", Kind.TEXT, api="candidate.last_name", table="name"),
    Column("first_name", "First name", _C + "first_name", Kind.TEXT, api="candidate.first_name", table="name"),
    Column("date_of_birth", "Date of birth", _C + "date_of_birth", Kind.DATE, api="candidate.date_of_birth",
           table="date_of_birth"),
    Column("candidate_number", "Candidate ID Number", _C + "candidate_number", Kind.TEXT,
           api="candidate.candidate_number"),
    Column("email", "Candidate email address", _C + "email", Kind.TEXT, api="candidate.email"),
    Column("exam", "Exam", _E + "name", Kind.TEXT, api="exam.name", table="exam"),
    Column("exam_date", "Date of exam", "exam_date", Kind.DATE, api="exam_date", table="exam_date"),
    Column("centre_name", "Exam centre", _CE + "name", Kind.TEXT, api="centre.name"),
    Column("centre_number", "Centre number", _CE + "number", Kind.TEXT, api="centre.number"),
    Column("place_of_entry", "Place of entry", _CE + "city", Kind.TEXT, api="centre.place_of_entry"),
    Column("country", "Country", _CE + "country", Kind.TEXT, api="centre.country"),
    Column("status", "Status", "status", Kind.STATUS, api="status", table="score"),
    Column("overall_score", "Overall score", "overall_score", Kind.NUMBER, scored=True, api="overall_score",
           table="score"),
    Column("cefr", "CEFR level", "cefr", Kind.TEXT, scored=True, api="cefr", table="score"),
    Column("grade", "Grade", "grade", Kind.TEXT, scored=True, fallback="result_label", api="grade"),
    *(
        Column(code, label, "components", Kind.COMPONENT, scored=True, api="components")
        for code, label in zip(COMPONENT_CODES, COMPONENT_LABELS, strict=True)
    ),
    Column("ern", "Exam Reference Number", "ern", Kind.ERN, api="ern", table="ern"),
    # The API's only: the result's id, the exam's code, the result's own label, the photo's link.
    Column("id", "Result id", "public_id", Kind.UUID, data_file=False, api="id"),
    Column("exam_code", "Exam code", _E + "code", Kind.TEXT, data_file=False, api="exam.code"),
    Column("result_label", "Result", "result_label", Kind.TEXT, data_file=False, api="result_label"),
    Column("photo", "Test day photo", "photo", Kind.FILE, data_file=False, api="photo_url"),
)  # fmt: skip
BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}
DATA_FILE: tuple[Column, ...] = tuple(column for column in COLUMNS if column.data_file)
API: tuple[Column, ...] = tuple(column for column in COLUMNS if column.api is not None)


@dataclass(frozen=True)
class TableColumn:
    """A column of the results table (dashboard and search), after its select box.

    ``sortable``: its header links to the search sorted by it. "Date shared" is the share's, not
    the result's: it has no result column.
    """

    key: str
    label: str | Promise  # shown to people: translated when drawn
    sortable: bool


TABLE: tuple[TableColumn, ...] = (
    TableColumn("name", _("Candidate name"), sortable=True),
    TableColumn("exam", _("Exam"), sortable=True),
    TableColumn("exam_date", _("Date of exam"), sortable=True),
    TableColumn("score", _("Overall score"), sortable=True),
    TableColumn("shared", _("Date shared"), sortable=True),
    TableColumn("date_of_birth", _("Date of birth"), sortable=False),
    TableColumn("ern", _("Exam Reference Number"), sortable=False),
)


def sortable_table_columns() -> list[tuple[str, str | Promise]]:
    """``(key, label)`` of the results table's sortable columns, in order (its header's links)."""
    return [(column.key, column.label) for column in TABLE if column.sortable]


# --- a data file's cell from a model instance: the reference the SQL read path is held to ----------


def _component(code: str) -> Callable[[Result], Any]:
    def value(result: Result) -> Any:
        for component in result.components.all():  # prefetched
            if component.code == code:
                return component.score
        return None

    return value


def _read(column: Column) -> Callable[[Result], Any]:
    """The column's data-file cell of a result that shows its scores (or of any, if not ``scored``)."""
    if column.kind is Kind.COMPONENT:
        return _component(column.key)
    if column.kind is Kind.STATUS:
        return operator.methodcaller("get_status_display")
    if column.kind is Kind.ERN:
        return operator.attrgetter("ern_display")
    get = operator.attrgetter(column.source.replace("__", "."))
    if column.kind is Kind.DATE:
        return lambda result: get(result).isoformat()
    if column.fallback is not None:
        fallback = operator.attrgetter(column.fallback)
        return lambda result: get(result) or fallback(result)
    return get


def cell_reader(column: Column) -> Callable[[Result], Any]:
    """The column's cell in a data file, read from a ``Result`` (related rows fetched or prefetched)."""
    read = _read(column)
    if not column.scored:
        return read
    blank = column.blank
    return lambda result: read(result) if result.shows_scores else blank
