"""Results import: validate a whole CSV file, then write it all or nothing.

Every problem is reported with its line, column and reason before anything is written. A
result is identified by candidate, exam and date of exam, so a file imported twice changes
nothing and gets no second Exam Reference Number.

Three steps, each usable alone:

* ``parse(data)`` checks the file by itself (format, every value, rows against each other);
* ``check(rows)`` compares it with what is on record (read only: known candidates and centres,
  results imported before, Exam Reference Numbers taken) and says what would be created;
* ``results_import(...)`` runs both and writes in one transaction.

A file of a million rows must import in about a minute, so the hot paths avoid per-row Python
objects and queries: values are checked with cached look-ups (dates, exams, scoring rules,
folded names and email domains repeat), a candidate described on several rows is kept once, and
large tables are written as plain tuples (``COPY`` on PostgreSQL, ``executemany`` on SQLite)
with primary keys reserved up front. The report's model instances are built only when read.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import io
import json
import operator
import re
import struct
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, overload

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from PIL import Image

from rvs.core import ern as ern_codec
from rvs.core.audit import log_action
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.exams.scoring import CesScheme, Outcome, ScoreError, Status, compute, round_half_up, scheme_for
from rvs.results import bulkload
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from rvs.results.secret_numbers import secret_number_hash, secret_number_hashes

SCORE_COLUMNS = ["reading", "writing", "listening", "speaking", "use_of_english", "reading_and_writing"]
COLUMNS = [
    "candidate_id", "secret_number", "first_name", "last_name", "date_of_birth", "email", "exam",
    "exam_date", "centre_number", "centre_name", "place_of_entry", "country",
    *SCORE_COLUMNS, "reference_number", "photo",
]  # fmt: skip
OPTIONAL_COLUMNS = ["status"]
STATUS_VALUES = {"": "", "pending": Status.PENDING, "withheld": Status.WITHHELD}
# Matched with fullmatch on the text as given: "ıbc123".upper() is "IBC123", so testing after
# upper() would let non-ASCII letters through.
_CANDIDATE_ID = re.compile(r"[A-Za-z0-9]{4,32}")
_SECRET = re.compile(r"[0-9]{4}")
_CENTRE = re.compile(r"[A-Za-z0-9]{2,16}")
_DIGITS = re.compile(r"[0-9]{1,6}")
# date.fromisoformat() also takes "20250614" and "2025-W24-6"; the file format says YYYY-MM-DD.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLAIN_EMAIL_USER = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*")
_SURROGATE = re.compile("[\udc80-\udcff]")
_MAX_ENCODING_ERRORS = 100
_PHOTO_SUFFIX = {"JPEG": ".jpg", "PNG": ".png"}
# Values per query when looking rows up on record.
_LOOKUP_CHUNK = 50_000
# Rows parsed, checked and handed to the background writer at a time (see results_import).
_STREAM_CHUNK = 25_000
# Up to this many rows a table is written with the ORM's bulk_create; above, as plain tuples.
ORM_WRITE_LIMIT = 2_000
# How often parsing reports progress, in records.
_PROGRESS_EVERY = 5_000
# A write that meets a unique constraint (another import committed the same candidate meanwhile,
# or a generated ERN was taken: 85 random bits make that all but impossible) is checked and
# written again from the start, so it reports what is now on record.
_WRITE_ATTEMPTS = 3
_MAX_CACHE_KIB = 1024 * 1024  # SQLite's page cache during a large write: at most 1 GiB
_IMPORT_LOCK = 0x52565349  # "RVSI": the advisory lock imports take turns on (PostgreSQL)

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
    # PostgreSQL: this candidate's COPY row after its id, and its name tokens (``_CopyPieces``).
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
    # PostgreSQL: this result's COPY row after its candidate and centre ids (``_CopyPieces``).
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


def decode(data: bytes) -> str:
    """UTF-8 with or without a BOM; every bad byte is reported at its line, character and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Decode again keeping each bad byte as a lone surrogate, so each can be placed in the file.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    positions = [match.start() for match in _SURROGATE.finditer(text)]
    errors: list[RowError] = []
    reported: set[tuple[int, int]] = set()
    line, counted_to = 1, 0
    for position, (record, column, number) in zip(positions, _fields_of(text, len(positions)), strict=True):
        line, counted_to = line + text.count("\n", counted_to, position), position
        where = (record, number or 0) if record >= 0 else (-line, 0)
        if where in reported:
            continue  # one error per value (or per line) is enough
        reported.add(where)
        if len(errors) == _MAX_ENCODING_ERRORS:
            errors.append(RowError(line, "", "more bytes are not UTF-8 after the ones above"))
            break
        character = position - (text.rfind("\n", 0, position) + 1) + 1
        byte = ord(text[position]) - 0xDC00
        message = f"byte 0x{byte:02X} at character {character} is not UTF-8; save the file as UTF-8"
        errors.append(RowError(line, column, message, number))
    raise ImportRejected(errors)


def _fields_of(text: str, count: int) -> list[tuple[int, str, int | None]]:
    """For each lone surrogate of ``text`` in order: (record index, column name, column number).

    Record -1 and no column when the CSV cannot be read that far.
    """
    found: list[tuple[int, str, int | None]] = []
    header: list[str] = []
    try:
        for record, values in enumerate(csv.reader(io.StringIO(text, newline=""))):
            for number, value in enumerate(values, start=1):
                name = "header" if record == 0 else header[number - 1] if number <= len(header) else ""
                name = name or "(no column name)"
                found.extend([(record, name, number)] * len(_SURROGATE.findall(value)))
            if record == 0:
                header = ["" if _SURROGATE.search(value) else value.strip().lower() for value in values]
    except csv.Error:
        pass
    return (found + [(-1, "", None)] * count)[:count]


def _header_errors(header: list[str]) -> list[RowError]:
    errors = []
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if name in seen:
            errors.append(RowError(1, name, "this column appears twice", number))
        elif name not in COLUMNS and name not in OPTIONAL_COLUMNS:
            errors.append(RowError(1, name or "(blank)", "unknown column", number))
        seen.add(name)
    for name in COLUMNS:
        if name not in seen:
            errors.append(RowError(1, name, "required column is missing from the header"))
    return errors


def _date(value: str) -> dt.date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def email_is_valid(value: str, _domains: dict[str, bool] | None = None) -> bool:
    """What ``django.core.validators.validate_email`` accepts, with the verdict on each domain cached.

    A million addresses share a few thousand domains; the domain check is most of the cost.
    """
    if not value or "@" not in value or len(value) > 320:
        return False
    user_part, domain_part = value.rsplit("@", 1)
    # Most addresses pass a plain pattern the validator's dot-atom also accepts; the others get its own test.
    if not _PLAIN_EMAIL_USER.fullmatch(user_part) and not validate_email.user_regex.match(user_part):
        return False
    known = _domains.get(domain_part) if _domains is not None else None
    if known is None:
        known = domain_part in validate_email.domain_allowlist or validate_email.validate_domain_part(domain_part)
        if _domains is not None:
            _domains[domain_part] = known
    return known


class _Parser:
    """Checks records one by one, with caches for the values that repeat across a large file."""

    def __init__(self, header: list[str], base_dir: Path | None, has_nul: bool = False) -> None:
        self.base_dir = base_dir
        # PostgreSQL cannot store a NUL character; a file holding one has its values checked for it.
        self.has_nul = has_nul
        self.number_of = {name: index + 1 for index, name in enumerate(header)}
        # Values are read in the order of COLUMNS + status, wherever they are in the file; a file
        # without a status column reads it from a blank value appended to each record.
        positions = [header.index(name) for name in COLUMNS]
        positions.append(header.index("status") if "status" in header else len(header))
        self.values_of = operator.itemgetter(*positions)
        self.today = dt.date.today()
        self.oldest_birth = dt.date(1900, 1, 1)
        self.exams_by_name = {fold(exam.name): exam for exam in Exam.objects.all()}
        self.exams: dict[str, Exam | None] = {}
        self.schemes: dict[tuple[int, dt.date], _Scoring | None] = {}
        # One _Scoring per version of an exam's rules, shared by every date it covers (its bands too).
        self.versions: dict[tuple[int, dt.date | None], _Scoring | None] = {}
        self.version_starts: dict[int, list[dt.date]] = {}
        self.dates: dict[str, dt.date] = {}
        self.folded: dict[str, str] = {}
        self.domains: dict[str, bool] = {}
        # Rows of the file against each other:
        self.people: dict[str, Person] = {}
        self.centres: dict[str, CentreInfo] = {}
        self.sittings: dict[tuple[str, int, dt.date], int] = {}
        self.reference_lines: dict[str, int] = {}
        self.cross_errors: list[RowError] = []

    def date(self, text: str) -> dt.date:
        value = self.dates.get(text)
        if value is None:
            value = self.dates[text] = _date(text)
        return value

    def exam(self, text: str) -> Exam | None:
        if text not in self.exams:
            self.exams[text] = self.exams_by_name.get(fold(text))
        return self.exams[text]

    def scoring(self, exam: Exam, exam_date: dt.date) -> _Scoring | None:
        key = (exam.pk, exam_date)
        if key not in self.schemes:
            # The version in force (the latest start on or before the date) picks the _Scoring, so
            # scheme_for() parses the rules once per version, not once per date.
            starts = [start for start in self._starts(exam) if start <= exam_date]
            version = (exam.pk, max(starts) if starts else None)
            if version not in self.versions:
                scheme = scheme_for(exam.scoring, exam_date)
                if scheme is not None and scheme.valid_from != version[1]:  # pragma: no cover - scheme_for changed
                    version = (exam.pk, scheme.valid_from)
                self.versions[version] = _Scoring(scheme, exam.pk) if scheme is not None else None
            self.schemes[key] = self.versions[version]
        return self.schemes[key]

    def _starts(self, exam: Exam) -> list[dt.date]:
        starts = self.version_starts.get(exam.pk)
        if starts is None:
            starts = self.version_starts[exam.pk] = [dt.date.fromisoformat(v["from"]) for v in exam.scoring]
        return starts

    def row(self, line: int, values: list[str], errors: list[RowError]) -> ParsedRow | None:
        """The checked row, or None with its problems added to ``errors``."""
        values = list(map(str.strip, values))
        values.append("")
        (candidate_id, secret_number, first_name, last_name, date_of_birth_text, email_text, exam_text,
         exam_date_text, centre_number_text, centre_name, place_of_entry, country, *scores, reference_text,
         photo_text, status_text) = self.values_of(values)  # fmt: skip
        found: list[RowError] = []
        number_of = self.number_of

        def fail(column: str, message: str) -> None:
            found.append(RowError(line, column, message, number_of.get(column)))

        if self.has_nul:
            for column, value in zip((*COLUMNS, "status"), self.values_of(values), strict=True):
                if "\x00" in value:
                    fail(column, "contains a NUL character, which cannot be stored")
        candidate_number = candidate_id.upper()
        if not _CANDIDATE_ID.fullmatch(candidate_id):
            fail("candidate_id", "Candidate ID Number must be 4-32 letters and digits")
        if not _SECRET.fullmatch(secret_number):
            fail("secret_number", "Secret Number must be exactly 4 digits")
        if not (last_name and centre_name and place_of_entry and country):
            for column, value in (
                ("last_name", last_name), ("centre_name", centre_name), ("place_of_entry", place_of_entry),
                ("country", country),
            ):  # fmt: skip
                if not value:
                    fail(column, "is required")
        if len(first_name) > 200 or len(last_name) > 200 or len(centre_name) > 200:
            for column, value in (("first_name", first_name), ("last_name", last_name), ("centre_name", centre_name)):
                if len(value) > 200:
                    fail(column, "is longer than 200 characters")
        if len(place_of_entry) > 100 or len(country) > 100:
            for column, value in (("place_of_entry", place_of_entry), ("country", country)):
                if len(value) > 100:
                    fail(column, "is longer than 100 characters")
        # Checked alone: a surname of "-" would leave the surname check of a look-up nothing to match.
        if last_name:
            folded = self.folded.get(last_name)
            if folded is None:
                folded = self.folded[last_name] = fold(last_name)
            if not folded:
                fail("last_name", "has no letters or digits")
        date_of_birth = self.dates.get(date_of_birth_text)
        if date_of_birth is None:
            try:
                date_of_birth = self.date(date_of_birth_text)
            except ValueError as exc:
                fail("date_of_birth", str(exc))
        if date_of_birth is not None and not self.oldest_birth <= date_of_birth <= self.today:
            fail("date_of_birth", f"{date_of_birth} is not a plausible date of birth")
        exam_date = self.dates.get(exam_date_text)
        if exam_date is None:
            try:
                exam_date = self.date(exam_date_text)
            except ValueError as exc:
                fail("exam_date", str(exc))
        if exam_date is not None:
            if exam_date > self.today:
                fail("exam_date", f"{exam_date} is in the future")
            elif date_of_birth and exam_date <= date_of_birth:
                fail("exam_date", "is not after the date of birth")
        email = email_text.lower()
        if email and not email_is_valid(email, self.domains):
            fail("email", f"{email_text!r} is not an email address")
        centre_number = centre_number_text.upper()
        if not _CENTRE.fullmatch(centre_number_text):
            fail("centre_number", "centre number must be 2-16 letters and digits")
        status = status_text.lower() if status_text else ""
        if status and status not in STATUS_VALUES:
            fail("status", f"{status_text!r} is not a status: leave it empty, or write Pending or Withheld")
        reference = ""
        if reference_text:
            try:
                reference = ern_codec.normalise(reference_text)
            except ern_codec.ErnFormatError as exc:
                fail("reference_number", str(exc))
        photo = _photo(photo_text, self.base_dir, fail) if photo_text else None
        exam = self.exams[exam_text] if exam_text in self.exams else self.exam(exam_text)
        scoring = outcome = None
        if exam is None:
            fail("exam", f"{exam_text!r} is not an exam of the catalogue")
        elif not exam.verifiable:
            fail("exam", f"{exam.name} cannot be verified on this service")
        elif exam_date is not None:
            scoring = self.scoring(exam, exam_date)
            if scoring is None:
                fail("exam_date", f"{exam.name} has no scoring rules for {exam_date}")
            else:
                outcome = scoring.outcome(scores, STATUS_VALUES.get(status, ""), fail)
        if found:
            errors.extend(found)
            return None
        if scoring is None or outcome is None or date_of_birth is None or exam_date is None or exam is None:
            return None  # pragma: no cover - each of these failed with a message above
        # The row is good by itself; now against the rows before it.
        person = self.people.get(candidate_number)
        if person is None:
            person = Person(line, candidate_number, secret_number, first_name, last_name, date_of_birth, email)
            self.people[candidate_number] = person
        elif (person.secret_number, person.first_name, person.last_name, person.date_of_birth, person.email) != (
            secret_number, first_name, last_name, date_of_birth, email
        ):  # fmt: skip
            mine = (secret_number, first_name, last_name, date_of_birth, email)
            theirs = (person.secret_number, person.first_name, person.last_name, person.date_of_birth, person.email)
            for column, value, first in zip(_PERSON_COLUMNS, mine, theirs, strict=True):
                if value != first:
                    self.cross_errors.append(
                        RowError(line, column, f"differs from line {person.line} for the same candidate")
                    )
        key = (candidate_number, scoring.exam_id, exam_date)
        seen = self.sittings.setdefault(key, line)
        if seen != line:
            self.cross_errors.append(RowError(line, "exam_date", f"the same result is already on line {seen}"))
        if reference:
            seen = self.reference_lines.setdefault(reference, line)
            if seen != line:
                self.cross_errors.append(
                    RowError(line, "reference_number", f"duplicate Exam Reference Number (line {seen})")
                )
        centre = self.centres.get(centre_number)
        if centre is None:
            centre = CentreInfo(line, centre_number, centre_name, place_of_entry, country)
            self.centres[centre_number] = centre
        elif centre.name != centre_name or centre.city != place_of_entry or centre.country != country:
            self.cross_errors.append(
                RowError(line, "centre_name", f"centre {centre_number} is described differently on line {centre.line}")
            )
        if photo is None:
            return ParsedRow(line, person, exam, exam_date, centre, scoring.scheme, outcome, reference)
        return ParsedRow(line, person, exam, exam_date, centre, scoring.scheme, outcome, reference, *photo)


class _Scoring:
    """A scheme with the positions of its components among the score columns, worked out once."""

    def __init__(self, scheme: CesScheme, exam_id: int) -> None:
        self.scheme = scheme
        self.exam_id = exam_id
        used = [component.code for component in scheme.components]
        self.used = [(SCORE_COLUMNS.index(code), code) for code in used]
        self.unused = [(index, column) for index, column in enumerate(SCORE_COLUMNS) if column not in used]
        self.weighted = [(SCORE_COLUMNS.index(c.code), c.code, c.weight) for c in scheme.components]
        self.weights = sum(component.weight for component in scheme.components)
        self.unused_indexes = [index for index, _ in self.unused]
        # Score texts seen, as the whole numbers they hold (only plain digits on the scale).
        self.score_of: dict[str, int] = {}
        # compute() of every component at the same score: the band of that overall score (see _plain).
        self.bands: dict[int, Outcome] = {}

    def _plain(self, scores: list[str]) -> Outcome | None:
        """compute() for the common row, every score a whole number on the scale and the columns
        this exam does not use empty; None for any other.

        The overall score is the weighted mean, rounded as compute() rounds it; what that overall
        shows (status, grade, CEFR, label) is read off compute() itself, called once per overall
        score with every component at that score, whose mean is that score. A test holds the two equal.
        """
        score_of = self.score_of
        values: dict[str, int | None] = {}
        total = 0
        for index, code, weight in self.weighted:
            text = scores[index]
            value = score_of.get(text)
            if value is None:
                value = self._score(text)
                if value is None:
                    return None
            values[code] = value
            total += weight * value
        for index in self.unused_indexes:
            if scores[index]:
                return None
        overall = round_half_up(total, self.weights)
        band = self.bands.get(overall)
        if band is None:
            band = self.bands[overall] = compute(self.scheme, {code: overall for _, code, _ in self.weighted})
        if band.status != Status.RESULT:
            return band  # no score reported: no components either
        return Outcome(band.status, overall, band.grade, band.cefr, band.label, values)

    def _score(self, text: str) -> int | None:
        """The whole number ``text`` holds when it is plain digits on the scale (remembered), else None."""
        if not _DIGITS.fullmatch(text):
            return None
        value = int(text)
        if not self.scheme.component_min <= value <= self.scheme.scale_max:
            return None
        self.score_of[text] = value
        return value

    def outcome(self, scores: list[str], status: str, fail: Callable[[str, str], None]) -> Outcome | None:
        if not status:
            plain = self._plain(scores)
            if plain is not None:
                return plain
        ok = True
        for index, column in self.unused:
            if scores[index]:
                fail(column, "must be empty for this exam")
                ok = False
        if status:
            for index, column in self.used:
                if scores[index]:
                    fail(column, f"must be empty when the status is {status}")
                    ok = False
        try:
            # Plain digits go as numbers: compute() would read them the same way, a little more slowly.
            values = {code: int(value) if _DIGITS.fullmatch(value := scores[index]) else value
                      for index, code in self.used}  # fmt: skip
            outcome = compute(self.scheme, values, status=status)
        except ScoreError as exc:
            for problem in exc.errors:
                fail(problem.component, problem.message)
            return None
        return outcome if ok else None


_PERSON_COLUMNS = ("secret_number", "first_name", "last_name", "date_of_birth", "email")


def parse(
    data: bytes,
    *,
    base_dir: Path | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> list[ParsedRow]:
    """Validate the whole file; raise ``ImportRejected`` listing every problem.

    ``max_bytes`` defaults to ``IMPORT_MAX_BYTES``; ``progress`` hears of every few thousand records.
    """
    return [row for chunk in _parse_chunks(data, base_dir, progress, max_bytes, size=0) for row in chunk]


def _parse_chunks(
    data: bytes, base_dir: Path | None, progress: Progress | None, max_bytes: int | None, *, size: int
) -> Iterator[list[ParsedRow]]:
    """The checked rows, ``size`` at a time (0: all at once), while the file has no problem so far.

    Once a problem is found no more rows are given, but the file is read to its end so that
    ``ImportRejected``, raised then, lists every problem.
    """
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise ImportRejected([RowError(0, "", f"the file is larger than {limit} bytes")])
    # Decoded as it is read, so a large file is never held twice; a bad byte anywhere sends the
    # whole file to decode(), which places every bad byte.
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        yield from _parse(text, data.count(b"\n") + 1, base_dir, progress, size, b"\x00" in data)
    except UnicodeDecodeError:
        decode(data)
        raise  # pragma: no cover - decode() raises ImportRejected for any undecodable data


def _parse(
    text: io.TextIOWrapper, lines: int, base_dir: Path | None, progress: Progress | None, size: int, has_nul: bool
) -> Iterator[list[ParsedRow]]:
    reader = csv.reader(text)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportRejected([RowError(1, "", "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1, "", f"unreadable CSV: {exc}")]) from None
    errors = _header_errors(header)
    if errors:
        raise ImportRejected(errors)
    parser = _Parser(header, base_dir, has_nul)
    rows: list[ParsedRow] = []
    given = records = 0
    maximum = settings.IMPORT_MAX_ROWS
    width = len(header)
    next_line = reader.line_num + 1
    if progress is not None:
        progress(PHASE_PARSE, 0, lines)
    try:
        for values in reader:
            # A quoted value may span lines: report the line the record starts on.
            line, next_line = next_line, reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if records >= maximum:
                errors.append(RowError(line, "", f"the file has more than {maximum} rows"))
                break
            records += 1
            if progress is not None and records % _PROGRESS_EVERY == 0:
                progress(PHASE_PARSE, line, lines)
            if len(values) != width:
                errors.append(RowError(line, "", f"expected {width} values, found {len(values)}"))
                continue
            parsed = parser.row(line, values, errors)
            if parsed is not None and not errors and not parser.cross_errors:
                rows.append(parsed)
                if len(rows) == size:
                    given += len(rows)
                    yield rows
                    rows = []
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", f"unreadable CSV: {exc}"))
    errors.extend(parser.cross_errors)
    if errors:
        raise ImportRejected(errors)
    if not rows and not given:
        raise ImportRejected([RowError(2, "", "the file has a header but no results")])
    if progress is not None:
        progress(PHASE_PARSE, lines, lines)
    if rows:
        yield rows


def _photo(value: str, base_dir: Path | None, fail: Any) -> tuple[Path, str] | None:
    """The photo's resolved path and the suffix to store it under (from its content, not its name)."""
    if not value:
        return None
    if base_dir is None:
        fail("photo", "photos can only be imported from a file on disk")
        return None
    try:
        root = base_dir.resolve()
        path = (root / value).resolve()
        if not path.is_relative_to(root):
            fail("photo", "must be a path inside the folder of the CSV file")
            return None
        if not path.is_file():
            fail("photo", f"{value} does not exist")
            return None
        size = path.stat().st_size
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system...
        fail("photo", f"{value!r} is not a usable file name")
        return None
    if size > settings.PHOTO_MAX_BYTES:
        fail("photo", f"{value} is larger than {settings.PHOTO_MAX_BYTES} bytes")
        return None
    try:
        with Image.open(path) as image:
            if image.format not in _PHOTO_SUFFIX:
                fail("photo", f"{value} must be a JPEG or PNG image")
                return None
            if image.width * image.height > 25_000_000:
                fail("photo", f"{value} is {image.width}x{image.height} pixels; too large")
                return None
            image.verify()
            suffix = _PHOTO_SUFFIX[image.format]
    # Broken images raise more than OSError: a damaged PNG raises SyntaxError, others ValueError...
    except Exception:
        fail("photo", f"{value} is not a readable image")
        return None
    return path, suffix


# --- against the records --------------------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check(rows: list[ParsedRow], *, progress: Progress | None = None) -> Plan:
    """Compare parsed rows with the records; raise ``ImportRejected`` with every conflict. Reads only."""
    if progress is not None:
        progress(PHASE_CHECK, 0, 0)
    checker = _Checker()
    plan = checker.chunk(rows)
    if checker.errors:
        raise ImportRejected(checker.errors)
    return plan


class _Checker:
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
    on_record = _select_where_in(sql, "candidate_number", list(by_number))
    for pk, number, secret_hash, first_name, last_name, date_of_birth in on_record:
        person = by_number[number]
        person.candidate_id, person.on_record = pk, True
        if secret_hash != secret_number_hash(number, person.secret_number):
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


# --- writing ----------------------------------------------------------------------------------------------------


def results_validate(
    *, data: bytes, base_dir: Path | None = None, progress: Progress | None = None, max_bytes: int | None = None
) -> Plan:
    """Everything ``results_import`` checks, writing nothing: the plan, or ``ImportRejected``."""
    with _no_cyclic_gc():
        return check(parse(data, base_dir=base_dir, progress=progress, max_bytes=max_bytes), progress=progress)


def results_import(
    *,
    actor: Any,
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
    actor: Any,
    data: bytes,
    base_dir: Path | None,
    source: str,
    progress: Progress | None,
    max_bytes: int | None,
    lines: int,
    saved_photos: list[str],
) -> ImportReport:
    events = _LaterProgress(progress)
    checker = _Checker()
    created: list[ParsedRow] = []
    now = timezone.now()
    pieces = _CopyPieces(now) if connection.vendor == "postgresql" else None
    with _no_cyclic_gc(), _page_cache(lines), transaction.atomic():
        _lock_imports()
        with bulkload.bulk_session(), bulkload.background_writes() as writer:
            for chunk in _parse_chunks(data, base_dir, events, max_bytes, size=_STREAM_CHUNK):
                if pieces is not None and len(chunk) > ORM_WRITE_LIMIT and not checker.errors:
                    # While the writer still sends the chunk before: what of the COPY rows needs no ids.
                    pieces.prepare([row for row in chunk if row.photo_path is None])
                writer.drain()  # the connection is the main thread's again
                events.flush()
                plan = checker.chunk(chunk)
                if checker.errors:
                    continue  # nothing more is written; the rest of the file is read for its problems
                _write(plan, saved_photos, now, pieces)
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
def _no_cyclic_gc() -> Iterator[None]:
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
def _page_cache(rows: int) -> Iterator[None]:
    """On SQLite, a page cache the size of a large write for its duration.

    The default (2 MB) holds a sliver of the indexes a million results touch at random (ERNs,
    public ids, names), so each insert would read and write pages again; here about 1 kB per row,
    up to ``_MAX_CACHE_KIB``.
    """
    if connection.vendor != "sqlite" or rows <= ORM_WRITE_LIMIT:
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


def _write(plan: Plan, saved_photos: list[str], now: dt.datetime, pieces: _CopyPieces | None = None) -> None:
    """Write a checked chunk. Every query comes first; the large inserts then go to the background writer."""
    rows = plan.new_rows
    if plan.new_centres:
        centres = [
            Centre(number=c.number, name=c.name, name_folded=fold(c.name), city=c.city, city_folded=fold(c.city),
                   country=c.country)
            for c in plan.new_centres
        ]  # fmt: skip
        Centre.objects.bulk_create(centres)
        for info, centre in zip(plan.new_centres, centres, strict=True):
            info.centre_id = centre.pk
        if any(info.centre_id is None for info in plan.new_centres):  # pragma: no cover - old SQLite, no RETURNING
            ids = dict(
                Centre.objects.filter(number__in=[c.number for c in plan.new_centres]).values_list("number", "pk")
            )
            for info in plan.new_centres:
                info.centre_id = ids[info.number]
    # What the new rows point at stays put until the commit (the foreign-key checks may be off: bulkload).
    bulkload.lock_referenced(Exam, sorted({row.exam.id for row in rows}))
    bulkload.lock_referenced(Centre, sorted({cast(int, row.centre.centre_id) for row in rows}))
    bulkload.lock_referenced(Candidate, sorted({cast(int, row.person.candidate_id) for row in rows
                                                if row.person.on_record}))  # fmt: skip
    candidate_ids = _reserve_ids(Candidate, len(plan.new_people))
    result_ids = _reserve_ids(Result, len(rows))
    if pieces is not None and len(rows) + len(plan.new_people) > ORM_WRITE_LIMIT:
        # Component scores get their ids here too: the server's nextval() per row is a tenth of their insert.
        count = sum(len(row.scheme.components) for row in rows if row.outcome.status == Status.RESULT)
        score_ids = _reserve_ids(ComponentScore, count)

        copy_pieces = pieces
        if any(row.photo_path is not None for row in rows):
            # Photos are saved by the main thread, under their result's public id (made here, then).
            people, ordered = _prepare(plan, candidate_ids, result_ids, saved_photos)
            for row in ordered:
                row.copy_tail = None
            pieces.prepare(ordered)
            _copy_chunk(people, ordered, score_ids)
        else:

            def prepare_and_copy() -> None:
                # Only ids and orders are left to give (``_CopyPieces`` made the rest, unless the chunk
                # was too small for it: then here), and the server inserts the first block at once.
                people, ordered = _prepare(plan, candidate_ids, result_ids, saved_photos, identifiers=False)
                copy_pieces.prepare(ordered)
                _copy_chunk(people, ordered, score_ids)

            # The rest is Python (ids, COPY data): on the writer, so the server works meanwhile.
            bulkload.in_background(prepare_and_copy)
        return
    people, ordered = _prepare(plan, candidate_ids, result_ids, saved_photos)
    _write_candidates(people, _secret_hashes(people), now)
    _insert(
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
    _insert(ComponentScore, SCORE_FIELDS, scores, total=len(scores))


CANDIDATE_FIELDS = ["id", "candidate_number", "secret_hash", "first_name", "last_name", "sort_name", "date_of_birth",
                    "email", "created_at", "updated_at"]  # fmt: skip
TOKEN_FIELDS = ["token", "candidate_id"]
RESULT_FIELDS = ["id", "public_id", "candidate_id", "exam_id", "centre_id", "exam_date", "ern", "status",
                 "overall_score", "grade", "cefr", "result_label", "photo", "created_at", "updated_at"]  # fmt: skip
SCORE_FIELDS = ["result_id", "position", "code", "label", "score"]


def _secret_hashes(people: list[Person]) -> list[str]:
    return secret_number_hashes((person.candidate_number, person.secret_number) for person in people)


class _NameTokens:
    """Folded name parts and their tokens, cached: first names and surnames repeat across a large file."""

    def __init__(self) -> None:
        self.parts: dict[str, tuple[str, tuple[str, ...]]] = {}

    def __call__(self, text: str) -> tuple[str, tuple[str, ...]]:
        """``(fold(text), its words cut to 64 characters)``."""
        part = self.parts.get(text)
        if part is None:
            folded = fold(text)
            part = self.parts[text] = (folded, tuple(token[:64] for token in folded.split()))
        return part


def _prepare(
    plan: Plan, candidate_ids: range, result_ids: range, saved_photos: list[str], *, identifiers: bool = True
) -> tuple[list[Person], list[ParsedRow]]:
    """Give the chunk's new people and rows their ids (reserved), ERNs, public ids and photos; returns the
    people in the order of their ids, and the rows in the order of theirs.

    Ids in the order of candidate numbers, results in the order of the unique (candidate, exam,
    date) index: inserts then walk those indexes instead of touching pages at random.
    ``identifiers=False`` leaves the ERNs and public ids to the caller (``_CopyPieces`` makes them as
    soon as a chunk is parsed); no photo is saved then.
    """
    people = sorted(plan.new_people, key=lambda person: person.candidate_number)
    for person, candidate_id in zip(people, candidate_ids, strict=True):
        person.candidate_id = candidate_id
    rows = plan.new_rows
    ordered = sorted(rows, key=lambda row: (row.person.candidate_id, row.exam.id, row.exam_date))
    if not identifiers:
        for row, result_id in zip(ordered, result_ids, strict=True):
            row.result_id = result_id
        return people, ordered
    _assign_references(rows)
    for row, result_id, public_hex in zip(ordered, result_ids, bulkload.uuid4_hexes(len(ordered)), strict=True):
        row.result_id = result_id
        row.public_hex = public_hex
        row.photo_name = ""
        if row.photo_path is not None:
            # The suffix comes from the content: "face.html" holding a PNG is stored as .png.
            name = default_storage.save(
                f"photos/{row.public_id}{row.photo_suffix}", ContentFile(row.photo_path.read_bytes())
            )
            saved_photos.append(name)
            row.photo_name = name
    return people, ordered


def _write_candidates(people: list[Person], hashes: list[str], now: dt.datetime) -> None:
    """Insert ``people`` (ids already given, in this order) and their name tokens."""
    name_part = _NameTokens()
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
    _insert(Candidate, CANDIDATE_FIELDS, candidates, total=len(candidates))
    tokens.sort()
    _insert(CandidateNameToken, TOKEN_FIELDS, tokens, total=len(tokens))


# PostgreSQL: the chunk's rows as COPY text, built straight from the parsed rows on the background writer
# (no tuple per row, each value formatted once): a good part of the import's Python time at a million rows.
_NULL = "\\N"
_E = bulkload.copy_escape


class _CopyPieces:
    """What of a chunk's COPY rows (PostgreSQL, binary format) needs no ids: made for its people and
    rows as soon as they are parsed, by the main thread while the writer still sends the chunk before,
    so that after the chunk's look-ups the writer only puts the ids in front and the server starts
    inserting at once.

    A person gets its Secret Number hash and name tokens, a row its ERN (unless the file gives one)
    and public id, each only once (the people of the file are shared by its rows and chunks). A row
    found unchanged later keeps pieces it does not need; they are not written.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.names = _NameTokens()
        self.dates: dict[dt.date, bytes] = {}
        self.bands: dict[tuple[Any, ...], bytes] = {}
        timestamp = bulkload.binary_timestamp(now)
        self.now_fields = timestamp + timestamp  # created_at, updated_at

    def _date(self, value: dt.date) -> bytes:
        field = self.dates.get(value)
        if field is None:
            field = self.dates[value] = _DATE_FIELD(4, bulkload.binary_date(value))
        return field

    def prepare(self, rows: list[ParsedRow]) -> None:
        people = [
            person for person in {id(row.person): row.person for row in rows}.values() if person.copy_tail is None
        ]
        name_part, date, now_fields = self.names, self._date, self.now_fields
        for person, secret_hash in zip(people, _secret_hashes(people), strict=True):
            first, last = person.first_name, person.last_name
            (given, given_tokens), (family, family_tokens) = name_part(first), name_part(last)
            person.tokens = tuple(dict.fromkeys(given_tokens + family_tokens))
            number, first_bytes, last_bytes = person.candidate_number.encode(), first.encode(), last.encode()
            sort_bytes, email_bytes = f"{family} {given}".strip().encode(), person.email.encode()
            # In COPY's binary format: the server parses no numbers, dates or timestamps (a timestamp in
            # text is about 0.6 µs of its time, and a candidate and a result have two each).
            person.copy_tail = b"".join((
                _TEXT_HEAD(len(number)), number, _SECRET_FIELD(64, secret_hash.encode()),
                _TEXT_HEAD(len(first_bytes)), first_bytes, _TEXT_HEAD(len(last_bytes)), last_bytes,
                _TEXT_HEAD(len(sort_bytes)), sort_bytes, date(person.date_of_birth),
                _TEXT_HEAD(len(email_bytes)), email_bytes, now_fields,
            ))  # fmt: skip
        fresh = [row for row in rows if row.copy_tail is None]
        unnamed = [row for row in fresh if not row.ern]
        _assign_references(unnamed, _given_references(rows))
        for row, public_hex in zip(unnamed, bulkload.uuid4_hexes(len(unnamed)), strict=True):
            row.public_hex = public_hex
        bands = self.bands
        for row in fresh:
            outcome = row.outcome
            key = (outcome.status, outcome.overall, outcome.grade, outcome.cefr, outcome.label)
            band = bands.get(key)
            if band is None:
                overall = b"\xff\xff\xff\xff" if outcome.overall is None else struct.pack(">ih", 2, outcome.overall)
                band = bands[key] = b"".join(
                    (bulkload.binary_text(outcome.status), overall, bulkload.binary_text(outcome.grade or ""),
                     bulkload.binary_text(outcome.cefr or ""), bulkload.binary_text(outcome.label))
                )  # fmt: skip
            ern = row.ern.encode()
            photo = bulkload.binary_text(row.photo_name) if row.photo_name else _EMPTY_TEXT
            row.copy_tail = b"".join(
                (bytes.fromhex(row.public_hex), date(row.exam_date), _TEXT_HEAD(len(ern)), ern, band, photo, now_fields)
            )


# The binary format's pieces: a row's field count, then each field's length and value (big-endian).
_TEXT_HEAD = struct.Struct(">i").pack
_SECRET_FIELD = struct.Struct(">i64s").pack
_DATE_FIELD = struct.Struct(">ii").pack
_EMPTY_TEXT = _TEXT_HEAD(0)
# A candidate: fields, then its id (the rest is ``Person.copy_tail``).
_CANDIDATE_HEAD = struct.Struct(">hiq").pack
# A result: fields, its id, the length of its public id (``ParsedRow.copy_tail`` starts with it, then
# its date), then after the public id its candidate, exam and centre: split around the public id.
_RESULT_HEAD = struct.Struct(">hiqi").pack
_RESULT_IDS = struct.Struct(">iqiqiq").pack


def _copy_chunk(people: list[Person], ordered: list[ParsedRow], score_ids: range) -> None:
    """Queue the chunk's candidates, name tokens, results and component scores as COPY data.

    Every person and row has its ``copy_tail`` (``_CopyPieces``); the data is built by the writer's
    jobs (``bulkload.copy_binary``), block by block as the server takes it, putting the ids in front.
    The rows it reads are not changed again by the main thread.
    """
    tokens: list[str] = []

    def candidate_blocks() -> Iterator[bytes]:
        block: list[bytes] = []
        limit = bulkload.FIRST_BLOCK
        for person in people:
            candidate_id = person.candidate_id
            # Folded text is [a-z0-9 ] and needs no escaping.
            tokens.extend([f"{token}\t{candidate_id}\n" for token in person.tokens])
            block.append(_CANDIDATE_HEAD(10, 8, cast(int, candidate_id)) + cast(bytes, person.copy_tail))
            person.copy_tail = b""  # written: memory back (not None: nothing to make again)
            if len(block) == limit:
                yield b"".join(block)
                block, limit = [], bulkload.BLOCK
        yield b"".join(block)
        # In the order of the (token, candidate) index, so the inserts walk it; sorted here, while the
        # server still inserts the last candidates.
        tokens.sort()

    def token_blocks() -> Iterator[str]:
        for start, stop in bulkload.blocks(len(tokens)):
            yield "".join(tokens[start:stop])

    def result_blocks() -> Iterator[bytes]:
        for start, stop in bulkload.blocks(len(ordered)):
            block = []
            for row in ordered[start:stop]:
                tail = cast(bytes, row.copy_tail)
                block.append(_RESULT_HEAD(15, 8, cast(int, row.result_id), 16))
                block.append(tail[:16])
                block.append(_RESULT_IDS(8, cast(int, row.person.candidate_id), 8, row.exam.id, 8,
                                         cast(int, row.centre.centre_id)))  # fmt: skip
                block.append(tail[16:])
                row.copy_tail = b""
            yield b"".join(block)

    prefixes: dict[int, list[tuple[str, str]]] = {}

    def score_blocks() -> Iterator[str]:
        score_id = score_ids.start
        for start, stop in bulkload.blocks(len(ordered)):
            block = []
            for row in ordered[start:stop]:
                outcome = row.outcome
                if outcome.status != Status.RESULT:
                    continue
                components = prefixes.get(id(row.scheme))
                if components is None:
                    components = prefixes[id(row.scheme)] = [
                        (component.code, f"\t{position}\t{_E(component.code)}\t{_E(component.label)}\t")
                        for position, component in enumerate(row.scheme.components)
                    ]
                result_id, scores = row.result_id, outcome.components
                for code, prefix in components:
                    score = scores.get(code)
                    block.append(f"{score_id}\t{result_id}{prefix}{_NULL if score is None else score}\n")
                    score_id += 1
            yield "".join(block)
        if score_id != score_ids.stop:  # pragma: no cover - counted in _write from the same rows
            raise AssertionError("component scores miscounted")

    bulkload.copy_binary(Candidate, CANDIDATE_FIELDS, candidate_blocks)
    bulkload.copy_text(CandidateNameToken, TOKEN_FIELDS, token_blocks)
    bulkload.copy_binary(Result, RESULT_FIELDS, result_blocks)
    bulkload.copy_text(ComponentScore, ["id", *SCORE_FIELDS], score_blocks)


def _given_references(rows: Iterable[ParsedRow]) -> set[str]:
    return {row.reference_number for row in rows if row.reference_number}


def _assign_references(rows: list[ParsedRow], used: set[str] | None = None) -> None:
    """Keep each Exam Reference Number given; generate one for each row without.

    Distinct within the file (and from ``used``, which grows with the ones made); one already on
    record fails the insert, and the write is retried.
    """
    if used is None:
        used = set()
    used.update(_given_references(rows))
    fresh = iter(ern_codec.generate_many(sum(1 for row in rows if not row.reference_number)))
    for row in rows:
        if row.reference_number:
            row.ern = row.reference_number
            continue
        ern = next(fresh)
        while ern in used:  # pragma: no cover - 85 random bits
            ern = ern_codec.generate()
        used.add(ern)
        row.ern = ern


def _reserve_ids(model: type[models.Model], count: int) -> range:
    """``count`` consecutive primary keys no other row has or will get, so rows can point at rows not yet written.

    Imports hold ``_lock_imports()``, so none takes ids between two statements of another. A
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


def _lock_imports() -> None:
    """Imports on PostgreSQL take turns (SQLite's write lock already makes every writer wait)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


def _insert(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]], *, total: int) -> None:
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
    if converters:
        rows = list(map(_row_converter(len(fields), converters), rows))
    bulkload.insert_rows(model, fields, rows)


def _row_converter(width: int, converters: dict[int, Callable[[Any], Any]]) -> Callable[[tuple[Any, ...]], Any]:
    """``lambda r: (r[0], c1(r[1]), ...)`` for these converters: several times faster than a loop over the
    columns, which counts at millions of rows (the same device as ``rvs.core.demo.bulk``)."""
    scope = {f"c{index}": converter for index, converter in converters.items()}
    parts = [f"c{index}(r[{index}])" if index in converters else f"r[{index}]" for index in range(width)]
    return cast(Callable[[tuple[Any, ...]], Any], eval(f"lambda r: ({', '.join(parts)},)", scope))  # noqa: S307 - built from ints


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
