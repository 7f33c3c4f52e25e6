"""The import's vocabulary: the file's columns, the phases it reports, its errors, what a checked row holds,
and what an import reports."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from django.db import connection

from rvs.exams.models import Exam
from rvs.exams.scoring import CesScheme, Outcome, Status
from rvs.results.models import Candidate, Centre, Result

SCORE_COLUMNS = ["reading", "writing", "listening", "speaking", "use_of_english", "reading_and_writing"]
COLUMNS = [
    "candidate_id", "secret_number", "first_name", "last_name", "date_of_birth", "email", "exam",
    "exam_date", "centre_number", "centre_name", "place_of_entry", "country",
    *SCORE_COLUMNS, "reference_number", "photo",
]  # fmt: skip
OPTIONAL_COLUMNS = ["status"]
STATUS_VALUES = {"": "", "pending": Status.PENDING, "withheld": Status.WITHHELD}

# The columns the import writes, in the order its rows and COPY data give them.
CANDIDATE_FIELDS = ["id", "candidate_number", "secret_hash", "first_name", "last_name", "sort_name", "date_of_birth",
                    "email", "created_at", "updated_at"]  # fmt: skip
TOKEN_FIELDS = ["token", "candidate_id"]
RESULT_FIELDS = ["id", "public_id", "candidate_id", "exam_id", "centre_id", "exam_date", "ern", "status",
                 "overall_score", "grade", "cefr", "result_label", "photo", "created_at", "updated_at"]  # fmt: skip
SCORE_FIELDS = ["result_id", "position", "code", "label", "score"]

PHASE_PARSE = "Checking the file"
PHASE_CHECK = "Comparing with the results on record"
PHASE_WRITE = "Writing to the database"

# progress(phase, done, total): ``total`` 0 when unknown.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str
    column_number: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.column:
            where += f", column {self.column_number} ({self.column})" if self.column_number else f", {self.column}"
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """The file was not imported; ``errors`` says every reason, by line and column."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s); nothing was imported")
        self.errors = errors


@dataclass(slots=True, eq=False)
class Person:
    """A candidate as the file describes them (on the first line that names them)."""

    line: int
    candidate_number: str
    secret_number: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    email: str
    candidate_id: int | None = None  # set by ``check`` (on record) or the write (new)
    on_record: bool = False  # set by ``check``
    # PostgreSQL: this candidate's COPY row after its id, and its name tokens (``copy.CopyPieces``).
    copy_tail: bytes | None = None
    tokens: tuple[str, ...] = ()


@dataclass(slots=True, eq=False)
class CentreInfo:
    """A centre as the file describes it (on the first line that names it)."""

    line: int
    number: str
    name: str
    city: str
    country: str
    centre_id: int | None = None


@dataclass(slots=True, eq=False)
class ParsedRow:
    """One result of the file, checked. Rows of one candidate share one ``Person``."""

    line: int
    person: Person
    exam: Exam
    exam_date: dt.date
    centre: CentreInfo
    scheme: CesScheme
    outcome: Outcome
    reference_number: str
    photo_path: Path | None = None
    photo_suffix: str = ""
    # Set when written:
    result_id: int | None = None
    public_hex: str = ""  # the public id as 32 hex digits
    ern: str = ""
    photo_name: str = ""
    # PostgreSQL: this result's COPY row after its candidate and centre ids (``copy.CopyPieces``).
    copy_tail: bytes | None = None

    @property
    def public_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.public_hex) if self.public_hex else None

    @property
    def candidate_number(self) -> str:
        return self.person.candidate_number

    @property
    def centre_number(self) -> str:
        return self.centre.number


class CreatedResults(Sequence[tuple[int, Result]]):
    """``(line, result)`` of each result created, as model instances built when read.

    A million instances would cost seconds and a gigabyte that most callers never look at.
    """

    def __init__(self, rows: list[ParsedRow] | None = None, created_at: dt.datetime | None = None) -> None:
        self._rows = rows or []
        self._created_at = created_at

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> tuple[int, Result]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, Result]]: ...
    def __getitem__(self, index: int | slice) -> tuple[int, Result] | list[tuple[int, Result]]:
        if isinstance(index, slice):
            return [(row.line, self._result(row)) for row in self._rows[index]]
        row = self._rows[index]
        return row.line, self._result(row)

    def __iter__(self) -> Iterator[tuple[int, Result]]:
        for row in self._rows:
            yield row.line, self._result(row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CreatedResults | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<CreatedResults: {len(self)} result(s)>"

    def _result(self, row: ParsedRow) -> Result:
        person, centre, outcome = row.person, row.centre, row.outcome
        candidate = Candidate(
            id=person.candidate_id,
            candidate_number=person.candidate_number,
            first_name=person.first_name,
            last_name=person.last_name,
            date_of_birth=person.date_of_birth,
            email=person.email,
        )
        values: dict[str, Any] = {
            "id": row.result_id,
            "public_id": row.public_id,
            "candidate": candidate,
            "exam": row.exam,
            "centre": Centre(id=centre.centre_id, number=centre.number, name=centre.name, city=centre.city,
                             country=centre.country),
            "exam_date": row.exam_date,
            "ern": row.ern,
            "status": outcome.status,
            "overall_score": outcome.overall,
            "grade": outcome.grade or "",
            "cefr": outcome.cefr or "",
            "result_label": outcome.label,
            "photo": row.photo_name,
            "created_at": self._created_at,
            "updated_at": self._created_at,
        }  # fmt: skip
        result = Result(**values)
        for instance in (candidate, result.centre, result):
            instance._state.adding = False
            instance._state.db = connection.alias
        return result


@dataclass
class ImportReport:
    created: Sequence[tuple[int, Result]] = field(default_factory=CreatedResults)
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.created) + self.unchanged


@dataclass
class Plan:
    """What a checked file would change: the output of ``check``."""

    rows: list[ParsedRow]
    new_people: list[Person]
    new_centres: list[CentreInfo]
    new_rows: list[ParsedRow]
    unchanged: int
