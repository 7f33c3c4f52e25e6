"""Check the rows against each other (as the file is read) and against the database (a chunk at a time).

Reads only. Every conflict is a ``RowError`` by line and column; ``check`` (and the import, chunk by
chunk) says what a file would create, and which rows are on record as they are.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models

from rvs.exams.scoring import Status
from rvs.results.importer.model import (
    PHASE_CHECK,
    CentreInfo,
    ImportRejected,
    ParsedRow,
    Person,
    Plan,
    Progress,
    RowError,
)
from rvs.results.models import Candidate, Centre, ComponentScore, Result
from rvs.results.secret_numbers import secret_number_hashes

# Values per query when looking rows up on record.
_LOOKUP_CHUNK = 50_000
_PERSON_COLUMNS = ("secret_number", "first_name", "last_name", "date_of_birth", "email")


class AcrossRows:
    """The rows of a file against each other: one candidate and one centre described one way, a result
    and an Exam Reference Number once. Problems go to ``errors``; the rows still come out, sharing one
    ``Person`` per candidate and one ``CentreInfo`` per centre."""

    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.centres: dict[str, CentreInfo] = {}
        self.sittings: dict[tuple[str, int, dt.date], int] = {}
        self.reference_lines: dict[str, int] = {}
        self.errors: list[RowError] = []

    def person(
        self, line: int, number: str, secret: str, first_name: str, last_name: str, born: dt.date, email: str
    ) -> Person:
        person = self.people.get(number)
        if person is None:
            person = self.people[number] = Person(line, number, secret, first_name, last_name, born, email)
            return person
        mine = (secret, first_name, last_name, born, email)
        theirs = (person.secret_number, person.first_name, person.last_name, person.date_of_birth, person.email)
        if mine != theirs:
            for column, value, first in zip(_PERSON_COLUMNS, mine, theirs, strict=True):
                if value != first:
                    self.errors.append(
                        RowError(line, column, f"differs from line {person.line} for the same candidate")
                    )
        return person

    def sitting(
        self, line: int, person: Person, exam_id: int, exam_date: dt.date, reference: str, centre_number: str,
        centre_name: str, city: str, country: str,
    ) -> CentreInfo:  # fmt: skip
        """The result once (and its Exam Reference Number), at a centre described one way; the centre."""
        seen = self.sittings.setdefault((person.candidate_number, exam_id, exam_date), line)
        if seen != line:
            self.errors.append(RowError(line, "exam_date", f"the same result is already on line {seen}"))
        if reference:
            seen = self.reference_lines.setdefault(reference, line)
            if seen != line:
                self.errors.append(RowError(line, "reference_number", f"duplicate Exam Reference Number (line {seen})"))
        centre = self.centres.get(centre_number)
        if centre is None:
            centre = self.centres[centre_number] = CentreInfo(line, centre_number, centre_name, city, country)
        elif centre.name != centre_name or centre.city != city or centre.country != country:
            message = f"centre {centre_number} is described differently on line {centre.line}"
            self.errors.append(RowError(line, "centre_name", message))
        return centre


# --- against the records --------------------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check(rows: list[ParsedRow], *, progress: Progress | None = None) -> Plan:
    """Compare parsed rows with the records; raise ``ImportRejected`` with every conflict. Reads only."""
    if progress is not None:
        progress(PHASE_CHECK, 0, 0)
    checker = Checker()
    plan = checker.chunk(rows)
    if checker.errors:
        raise ImportRejected(checker.errors)
    return plan


class Checker:
    """Compares the rows of a file with the records, a chunk at a time (reads only).

    A candidate or centre is looked up on the first chunk that names it; the errors of every
    chunk add up in ``errors``, and ``unchanged`` counts the rows already on record as they are.
    """

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.unchanged = 0
        self.people_seen: set[int] = set()
        self.centres_seen: set[int] = set()

    def chunk(self, rows: list[ParsedRow]) -> Plan:
        errors = self.errors
        people = [
            person
            for person in {id(row.person): row.person for row in rows}.values()
            if id(person) not in self.people_seen
        ]
        self.people_seen.update(id(person) for person in people)
        new_people = _candidates_on_record(people, errors)
        centres = [
            centre
            for centre in {id(row.centre): row.centre for row in rows}.values()
            if id(centre) not in self.centres_seen
        ]
        self.centres_seen.update(id(centre) for centre in centres)
        new_centres = _centres_on_record(centres, errors)
        known = list({row.person.candidate_id for row in rows if row.person.on_record})
        existing = _existing_results(known) if known else {}
        references = _taken_references([row.reference_number for row in rows if row.reference_number])
        new_rows: list[ParsedRow] = []
        unchanged = 0
        for row in rows:
            current = existing.get((row.person.candidate_id, row.exam.id, row.exam_date)) if existing else None
            if current is not None:
                if row.reference_number and row.reference_number != current.ern:
                    errors.append(
                        RowError(row.line, "reference_number", "this result already has another Exam Reference Number")
                    )
                elif differences := _differences(current, row):
                    for column, change in differences:
                        errors.append(
                            RowError(
                                row.line,
                                column,
                                f"{change}: this result was imported before; make corrections in the back office",
                            )
                        )
                else:
                    unchanged += 1
                continue
            if row.reference_number and row.reference_number in references:
                errors.append(
                    RowError(row.line, "reference_number", "duplicate Exam Reference Number: another result has it")
                )
                continue
            new_rows.append(row)
        self.unchanged += unchanged
        return Plan(rows=rows, new_people=new_people, new_centres=new_centres, new_rows=new_rows, unchanged=unchanged)


def _select_where_in(sql: str, column: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (which ends in WHERE) whose ``column`` is one of ``values``.

    The values go as one parameter per chunk, an array on PostgreSQL and JSON on SQLite: a
    million candidate numbers cost a handful of queries, without the ORM preparing each value.
    """
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for chunk in _chunks(values, _LOOKUP_CHUNK):
            if vendor == "postgresql":
                cursor.execute(f"{sql} {column} = ANY(%s)", [list(chunk)])
            elif vendor == "sqlite":
                query = f"{sql} {column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - names from the code
                cursor.execute(query, [json.dumps(list(chunk))])
            else:  # pragma: no cover - the service runs on SQLite or PostgreSQL
                cursor.execute(f"{sql} {column} IN ({', '.join(['%s'] * len(chunk))})", list(chunk))
            yield from cursor.fetchall()


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _candidates_on_record(people: list[Person], errors: list[RowError]) -> list[Person]:
    """Set ``candidate_id`` of the people on record, checking they match; the others are new."""
    by_number = {person.candidate_number: person for person in people}
    for person in people:
        person.candidate_id, person.on_record = None, False
    columns = "id, candidate_number, secret_hash, first_name, last_name, date_of_birth"
    sql = f"SELECT {columns} FROM {_table(Candidate)} WHERE"  # noqa: S608 - a model's table
    on_record = list(_select_where_in(sql, "candidate_number", list(by_number)))
    hashes = secret_number_hashes((number, by_number[number].secret_number) for _, number, *_ in on_record)
    for (pk, number, secret_hash, first_name, last_name, date_of_birth), expected in zip(
        on_record, hashes, strict=True
    ):
        person = by_number[number]
        person.candidate_id, person.on_record = pk, True
        if not hmac.compare_digest(secret_hash, expected):
            errors.append(
                RowError(person.line, "secret_number", "does not match the Secret Number on record for this candidate")
            )
        for column, mine, theirs in (
            ("first_name", person.first_name, first_name),
            ("last_name", person.last_name, last_name),
            ("date_of_birth", person.date_of_birth, _as_date(date_of_birth)),
        ):
            if mine != theirs:
                errors.append(
                    RowError(person.line, column, "differs from the candidate on record; correct it in the back office")
                )
    new = [person for person in people if person.candidate_id is None]
    return sorted(new, key=lambda person: person.line)


def _centres_on_record(centres: list[CentreInfo], errors: list[RowError]) -> list[CentreInfo]:
    by_number = {centre.number: centre for centre in centres}
    for centre in centres:
        centre.centre_id = None
    for chunk in _chunks(list(by_number), _LOOKUP_CHUNK):
        for pk, number, name, city, country in Centre.objects.filter(number__in=chunk).values_list(
            "pk", "number", "name", "city", "country"
        ):
            centre = by_number[number]
            centre.centre_id = pk
            if (name, city, country) != (centre.name, centre.city, centre.country):
                errors.append(
                    RowError(centre.line, "centre_name", f"centre {number} is on record as {name}, {city}, {country}")
                )
    return sorted((centre for centre in centres if centre.centre_id is None), key=lambda centre: centre.line)


@dataclass(slots=True)
class _OnRecord:
    ern: str
    status: str
    overall_score: int | None
    centre_number: str
    scores: dict[str, int | None] = field(default_factory=dict)


def _existing_results(candidate_ids: list[Any]) -> dict[tuple[Any, int, dt.date], _OnRecord]:
    """The results of candidates on record, by (candidate, exam, date), with their scores."""
    existing: dict[tuple[Any, int, dt.date], _OnRecord] = {}
    by_id: dict[int, _OnRecord] = {}
    results = _select_where_in(
        "SELECT r.id, r.candidate_id, r.exam_id, r.exam_date, r.ern, r.status, r.overall_score, c.number "  # noqa: S608
        f"FROM {_table(Result)} r JOIN {_table(Centre)} c ON c.id = r.centre_id WHERE",
        "r.candidate_id",
        sorted(candidate_ids),
    )
    for pk, candidate_id, exam_id, exam_date, ern, status, overall, centre_number in results:
        record = _OnRecord(ern, status, overall, centre_number)
        by_id[pk] = existing[(candidate_id, exam_id, _as_date(exam_date))] = record
    scores = _select_where_in(
        f"SELECT result_id, code, score FROM {_table(ComponentScore)} WHERE",  # noqa: S608 - a model's table
        "result_id",
        sorted(by_id),
    )
    for result_id, code, score in scores:
        by_id[result_id].scores[code] = score
    return existing


def _taken_references(references: list[str]) -> set[str]:
    """The Exam Reference Numbers of the file that results on record already have."""
    sql = f"SELECT ern FROM {_table(Result)} WHERE"  # noqa: S608 - a model's table
    return {ern for (ern,) in _select_where_in(sql, "ern", references)}


def _differences(result: _OnRecord, row: ParsedRow) -> list[tuple[str, str]]:
    """What the row would change in the result on record, as (column, "was ..., the file says ...")."""
    outcome = row.outcome
    changes = []
    if result.centre_number != row.centre.number:
        changes.append(("centre_number", f"was {result.centre_number}, the file says {row.centre.number}"))
    if result.status != outcome.status:
        before, after = Result.Status(result.status).label, Result.Status(outcome.status).label
        changes.append(("", f"was {before!r}, the file gives {after!r}"))
    elif outcome.status == Status.RESULT:
        for code, score in outcome.components.items():
            if result.scores.get(code) != score:
                changes.append((code, f"was {result.scores.get(code)}, the file says {score}"))
        if not changes and result.overall_score != outcome.overall:
            changes.append(("", f"overall score was {result.overall_score}, the file gives {outcome.overall}"))
    return changes
