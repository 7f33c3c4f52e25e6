"""Parse a row: each value of one record checked by itself, by column group, into a ``ParsedRow``.

``Parser.row`` is called a million times for a large file, so each group is a plain method on
strings, with the values that repeat across a file (dates, exams, scoring rules, folded surnames,
email domains) looked up in caches, and every problem of the row reported with its column.
The rows against each other are ``checks.AcrossRows``'s; the photo's checks ``photos.photo``'s.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from pathlib import Path

from django.core.validators import validate_email

from rvs.core import ern as ern_codec
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.exams.scoring import Outcome
from rvs.results.importer.checks import AcrossRows
from rvs.results.importer.model import COLUMNS, STATUS_VALUES, ParsedRow, RowError
from rvs.results.importer.photos import photo
from rvs.results.importer.scores import Rules, Scoring

# Matched with fullmatch on the text as given: "ıbc123".upper() is "IBC123", so testing after
# upper() would let non-ASCII letters through.
_CANDIDATE_ID = re.compile(r"[A-Za-z0-9]{4,32}")
_SECRET = re.compile(r"[0-9]{4}")
_CENTRE = re.compile(r"[A-Za-z0-9]{2,16}")
# date.fromisoformat() also takes "20250614" and "2025-W24-6"; the file format says YYYY-MM-DD.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLAIN_EMAIL_USER = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*")
_OLDEST_BIRTH = dt.date(1900, 1, 1)

# fail(column, message): records a problem of the row being parsed.
Fail = Callable[[str, str], None]


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


def _nul_characters(values: tuple[str, ...], fail: Fail) -> None:
    for column, value in zip((*COLUMNS, "status"), values, strict=True):
        if "\x00" in value:
            fail(column, "contains a NUL character, which cannot be stored")


class Parser:
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
        self.exams_by_name = {fold(exam.name): exam for exam in Exam.objects.all()}
        self.exams: dict[str, Exam | None] = {}
        self.rules = Rules()
        self.dates: dict[str, dt.date] = {}
        self.folded: dict[str, str] = {}
        self.domains: dict[str, bool] = {}
        self.across = AcrossRows()  # the rows of the file against each other

    def row(self, line: int, values: list[str], errors: list[RowError]) -> ParsedRow | None:
        """The checked row, or None with its problems added to ``errors`` (those against other rows to
        ``self.across.errors``). ``values``: the record's, stripped, one per column of the header (a blank
        one is appended to it, the status of a file without that column)."""
        values.append("")
        fields = self.values_of(values)
        (candidate_id, secret_number, first_name, last_name, date_of_birth_text, email_text, exam_text,
         exam_date_text, centre_number_text, centre_name, place_of_entry, country, *scores, reference_text,
         photo_text, status_text) = fields  # fmt: skip
        found: list[RowError] = []
        number_of = self.number_of

        def fail(column: str, message: str) -> None:
            found.append(RowError(line, column, message, number_of.get(column)))

        if self.has_nul:
            _nul_characters(fields, fail)
        self._texts(candidate_id, secret_number, first_name, last_name, centre_name, place_of_entry, country, fail)
        date_of_birth, exam_date = self._dates(date_of_birth_text, exam_date_text, fail)
        email, centre_number, status, reference = self._codes(
            email_text, centre_number_text, status_text, reference_text, fail
        )
        photo_file = photo(photo_text, self.base_dir, fail) if photo_text else None
        exam = self.exams[exam_text] if exam_text in self.exams else self.exam(exam_text)
        scoring, outcome = self._outcome(exam, exam_text, exam_date, scores, status, fail)
        if found:
            errors.extend(found)
            return None
        if scoring is None or outcome is None or date_of_birth is None or exam_date is None or exam is None:
            return None  # pragma: no cover - each of these failed with a message above
        # The row is good by itself; now against the rows before it.
        across = self.across
        person = across.person(line, candidate_id.upper(), secret_number, first_name, last_name, date_of_birth, email)
        centre = across.sitting(line, person, scoring.exam_id, exam_date, reference, centre_number, centre_name,
                                place_of_entry, country)  # fmt: skip
        if photo_file is None:
            return ParsedRow(line, person, exam, exam_date, centre, scoring.scheme, outcome, reference)
        return ParsedRow(line, person, exam, exam_date, centre, scoring.scheme, outcome, reference, *photo_file)

    def date(self, text: str) -> dt.date:
        value = self.dates.get(text)
        if value is None:
            value = self.dates[text] = _date(text)
        return value

    def exam(self, text: str) -> Exam | None:
        if text not in self.exams:
            self.exams[text] = self.exams_by_name.get(fold(text))
        return self.exams[text]

    def scoring(self, exam: Exam, exam_date: dt.date) -> Scoring | None:
        return self.rules.scoring(exam, exam_date)

    def _texts(
        self,
        candidate_id: str,
        secret_number: str,
        first_name: str,
        last_name: str,
        centre_name: str,
        place_of_entry: str,
        country: str,
        fail: Fail,
    ) -> None:
        """The candidate's identifiers and the names of the candidate and the centre: format, presence, length;
        a surname with letters or digits."""
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

    def _dates(self, birth_text: str, exam_text: str, fail: Fail) -> tuple[dt.date | None, dt.date | None]:
        date_of_birth = self.dates.get(birth_text)
        if date_of_birth is None:
            try:
                date_of_birth = self.date(birth_text)
            except ValueError as exc:
                fail("date_of_birth", str(exc))
        if date_of_birth is not None and not _OLDEST_BIRTH <= date_of_birth <= self.today:
            fail("date_of_birth", f"{date_of_birth} is not a plausible date of birth")
        exam_date = self.dates.get(exam_text)
        if exam_date is None:
            try:
                exam_date = self.date(exam_text)
            except ValueError as exc:
                fail("exam_date", str(exc))
        if exam_date is not None:
            if exam_date > self.today:
                fail("exam_date", f"{exam_date} is in the future")
            elif date_of_birth and exam_date <= date_of_birth:
                fail("exam_date", "is not after the date of birth")
        return date_of_birth, exam_date

    def _codes(
        self, email_text: str, centre_number_text: str, status_text: str, reference_text: str, fail: Fail
    ) -> tuple[str, str, str, str]:
        """The email, centre number, status and Exam Reference Number as stored (case, format)."""
        email = email_text.lower()
        if email and not email_is_valid(email, self.domains):
            fail("email", f"{email_text!r} is not an email address")
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
        return email, centre_number_text.upper(), status, reference

    def _outcome(
        self, exam: Exam | None, exam_text: str, exam_date: dt.date | None, scores: list[str], status: str, fail: Fail
    ) -> tuple[Scoring | None, Outcome | None]:
        """The exam's scoring rules on that date, and what the row's scores (or status) give under them."""
        if exam is None:
            fail("exam", f"{exam_text!r} is not an exam of the catalogue")
        elif not exam.verifiable:
            fail("exam", f"{exam.name} cannot be verified on this service")
        elif exam_date is not None:
            scoring = self.rules.scoring(exam, exam_date)
            if scoring is None:
                fail("exam_date", f"{exam.name} has no scoring rules for {exam_date}")
            else:
                return scoring, scoring.outcome(scores, STATUS_VALUES.get(status, ""), fail)
        return None, None
