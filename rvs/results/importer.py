"""Results import: validate a whole CSV file, then write it all or nothing.

Every problem is reported with its line, column and reason before anything is written. A
result is identified by candidate, exam and date of exam, so a file imported twice changes
nothing and gets no second Exam Reference Number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from PIL import Image

from rvs.core import ern as ern_codec
from rvs.core.audit import log_action
from rvs.core.normalise import fold
from rvs.exams.models import Exam
from rvs.exams.scoring import CesScheme, Outcome, ScoreError, Status, compute, scheme_for
from rvs.results.models import Candidate, CandidateNameToken, Centre, ComponentScore, Result
from rvs.results.services import candidate_sort_name, name_tokens_for, secret_number_hash

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
# date.fromisoformat() also takes "20250614" and "2025-W24-6"; the file format says YYYY-MM-DD.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile("[\udc80-\udcff]")
_MAX_ENCODING_ERRORS = 100
_PHOTO_SUFFIX = {"JPEG": ".jpg", "PNG": ".png"}
_CHUNK = 500


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


@dataclass
class ParsedRow:
    line: int
    candidate_number: str
    secret_number: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    email: str
    exam: Exam
    exam_date: dt.date
    centre_number: str
    centre_name: str
    place_of_entry: str
    country: str
    scheme: CesScheme
    outcome: Outcome
    reference_number: str
    photo_path: Path | None
    photo_suffix: str = ""


@dataclass
class ImportReport:
    created: list[tuple[int, Result]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.created) + self.unchanged


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


def parse(data: bytes, *, base_dir: Path | None = None) -> list[ParsedRow]:
    """Validate the whole file; raise ``ImportRejected`` listing every problem."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRejected([RowError(0, "", f"the file is larger than {settings.IMPORT_MAX_BYTES} bytes")])
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportRejected([RowError(1, "", "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1, "", f"unreadable CSV: {exc}")]) from None
    errors = _header_errors(header)
    if errors:
        raise ImportRejected(errors)
    exams = {fold(exam.name): exam for exam in Exam.objects.all()}
    rows: list[ParsedRow] = []
    number_of = {name: index + 1 for index, name in enumerate(header)}
    next_line = reader.line_num + 1
    try:
        for values in reader:
            # A quoted value may span lines: report the line the record starts on.
            line, next_line = next_line, reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= settings.IMPORT_MAX_ROWS:
                errors.append(RowError(line, "", f"the file has more than {settings.IMPORT_MAX_ROWS} rows"))
                break
            if len(values) != len(header):
                errors.append(RowError(line, "", f"expected {len(header)} values, found {len(values)}"))
                continue
            record = {name: value.strip() for name, value in zip(header, values, strict=True)}
            row_errors: list[RowError] = []

            def fail(column: str, message: str, _line: int = line, _errors: list[RowError] = row_errors) -> None:
                _errors.append(RowError(_line, column, message, number_of.get(column)))

            parsed = _parse_row(line, record, exams, base_dir, fail)
            errors.extend(row_errors)
            if parsed is not None and not row_errors:
                rows.append(parsed)
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", f"unreadable CSV: {exc}"))
    errors.extend(_cross_row_errors(rows))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([RowError(2, "", "the file has a header but no results")])
    return rows


def _parse_row(
    line: int, record: dict[str, str], exams: dict[str, Exam], base_dir: Path | None, fail: Any
) -> ParsedRow | None:
    candidate_number = record["candidate_id"].upper()
    if not _CANDIDATE_ID.fullmatch(record["candidate_id"]):
        fail("candidate_id", "Candidate ID Number must be 4-32 letters and digits")
    if not _SECRET.fullmatch(record["secret_number"]):
        fail("secret_number", "Secret Number must be exactly 4 digits")
    for column in ("last_name", "centre_name", "place_of_entry", "country"):
        if not record[column]:
            fail(column, "is required")
    for column in ("first_name", "last_name", "centre_name"):
        if len(record[column]) > 200:
            fail(column, "is longer than 200 characters")
    for column in ("place_of_entry", "country"):
        if len(record[column]) > 100:
            fail(column, "is longer than 100 characters")
    # Checked alone: a surname of "-" would leave the surname check of a look-up nothing to match.
    if record["last_name"] and not fold(record["last_name"]):
        fail("last_name", "has no letters or digits")
    today = dt.date.today()
    date_of_birth = exam_date = None
    try:
        date_of_birth = _date(record["date_of_birth"])
        if not dt.date(1900, 1, 1) <= date_of_birth <= today:
            fail("date_of_birth", f"{date_of_birth} is not a plausible date of birth")
    except ValueError as exc:
        fail("date_of_birth", str(exc))
    try:
        exam_date = _date(record["exam_date"])
        if exam_date > today:
            fail("exam_date", f"{exam_date} is in the future")
        elif date_of_birth and exam_date <= date_of_birth:
            fail("exam_date", "is not after the date of birth")
    except ValueError as exc:
        fail("exam_date", str(exc))
    email = record["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            fail("email", f"{record['email']!r} is not an email address")
    centre_number = record["centre_number"].upper()
    if not _CENTRE.fullmatch(record["centre_number"]):
        fail("centre_number", "centre number must be 2-16 letters and digits")
    status = record.get("status", "").lower()
    if status not in STATUS_VALUES:
        fail("status", f"{record.get('status')!r} is not a status: leave it empty, or write Pending or Withheld")
    reference = ""
    if record["reference_number"]:
        try:
            reference = ern_codec.normalise(record["reference_number"])
        except ern_codec.ErnFormatError as exc:
            fail("reference_number", str(exc))
    photo = _photo(record["photo"], base_dir, fail)
    exam = exams.get(fold(record["exam"]))
    scheme = outcome = None
    if exam is None:
        fail("exam", f"{record['exam']!r} is not an exam of the catalogue")
    elif not exam.verifiable:
        fail("exam", f"{exam.name} cannot be verified on this service")
    elif exam_date is not None:
        scheme = scheme_for(exam.scoring, exam_date)
        if scheme is None:
            fail("exam_date", f"{exam.name} has no scoring rules for {exam_date}")
        else:
            outcome = _score(scheme, record, STATUS_VALUES.get(status, ""), fail)
    if scheme is None or outcome is None or date_of_birth is None or exam_date is None or exam is None:
        return None
    return ParsedRow(
        line=line,
        candidate_number=candidate_number,
        secret_number=record["secret_number"],
        first_name=record["first_name"],
        last_name=record["last_name"],
        date_of_birth=date_of_birth,
        email=email,
        exam=exam,
        exam_date=exam_date,
        centre_number=centre_number,
        centre_name=record["centre_name"],
        place_of_entry=record["place_of_entry"],
        country=record["country"],
        scheme=scheme,
        outcome=outcome,
        reference_number=reference,
        photo_path=photo[0] if photo else None,
        photo_suffix=photo[1] if photo else "",
    )


def _score(scheme: CesScheme, record: dict[str, str], status: str, fail: Any) -> Outcome | None:
    used = [component.code for component in scheme.components]
    ok = True
    for column in SCORE_COLUMNS:
        if column not in used and record[column]:
            fail(column, "must be empty for this exam")
            ok = False
    if status:
        for column in used:
            if record[column]:
                fail(column, f"must be empty when the status is {status}")
                ok = False
    try:
        outcome = compute(scheme, {code: record[code] for code in used}, status=status)
    except ScoreError as exc:
        for problem in exc.errors:
            fail(problem.component, problem.message)
        return None
    return outcome if ok else None


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


def _cross_row_errors(rows: list[ParsedRow]) -> list[RowError]:
    errors: list[RowError] = []
    people: dict[str, ParsedRow] = {}
    sittings: dict[tuple[str, int, dt.date], int] = {}
    references: dict[str, int] = {}
    for row in rows:
        first = people.setdefault(row.candidate_number, row)
        if first is not row:
            for column, attribute in _PERSON_FIELDS:
                if getattr(first, attribute) != getattr(row, attribute):
                    errors.append(RowError(row.line, column, f"differs from line {first.line} for the same candidate"))
        key = (row.candidate_number, row.exam.pk, row.exam_date)
        if key in sittings:
            errors.append(RowError(row.line, "exam_date", f"the same result is already on line {sittings[key]}"))
        sittings.setdefault(key, row.line)
        if row.reference_number:
            if row.reference_number in references:
                errors.append(
                    RowError(
                        row.line,
                        "reference_number",
                        f"duplicate Exam Reference Number (line {references[row.reference_number]})",
                    )
                )
            references.setdefault(row.reference_number, row.line)
    return errors


_PERSON_FIELDS = [
    ("secret_number", "secret_number"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("date_of_birth", "date_of_birth"),
    ("email", "email"),
]
# Compared with the candidate on record; the email may have been corrected there since.
_RECORDED_FIELDS = [("first_name", "first_name"), ("last_name", "last_name"), ("date_of_birth", "date_of_birth")]


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def results_import(*, actor: Any, data: bytes, base_dir: Path | None = None, source: str = "") -> ImportReport:
    """Import a results CSV all or nothing; raise ``ImportRejected`` with every problem found.

    ``actor`` is a staff user or a label such as ``"command-line"``.
    """
    rows = parse(data, base_dir=base_dir)
    saved_photos: list[str] = []
    try:
        with transaction.atomic():
            report = _write(rows, saved_photos)
            log_action(
                "results.imported",
                actor=actor,
                data={"source": source, "created": len(report.created), "unchanged": report.unchanged},
            )
    except BaseException:
        for name in saved_photos:  # files are not transactional: remove what the rollback orphaned
            default_storage.delete(name)
        raise
    return report


def _write(rows: list[ParsedRow], saved_photos: list[str]) -> ImportReport:
    errors: list[RowError] = []
    candidates = _candidates(rows, errors)
    centres = _centres(rows, errors)
    existing = _existing_results(rows, candidates)
    taken = _taken_references(rows)
    report = ImportReport()
    to_create: list[tuple[ParsedRow, Result]] = []
    for row in rows:
        candidate = candidates[row.candidate_number]
        current = existing.get((candidate.pk, row.exam.pk, row.exam_date)) if candidate.pk else None
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
                report.unchanged += 1
            continue
        if row.reference_number and taken.get(row.reference_number, row.line) != row.line:
            errors.append(
                RowError(row.line, "reference_number", "duplicate Exam Reference Number: another result has it")
            )
            continue
        to_create.append((row, _new_result(row, candidate, centres[row.centre_number])))
    if errors:
        raise ImportRejected(errors)
    _assign_references([result for _, result in to_create], taken)
    for row, result in to_create:
        if row.photo_path is not None:
            # The suffix comes from the content: "face.html" holding a PNG is stored as .png.
            name = default_storage.save(
                f"photos/{result.public_id}{row.photo_suffix}", ContentFile(row.photo_path.read_bytes())
            )
            saved_photos.append(name)
            result.photo.name = name
    for chunk in _chunks([result for _, result in to_create]):
        Result.objects.bulk_create(chunk)
    scores = [
        ComponentScore(
            result=result,
            position=position,
            code=component.code,
            label=component.label,
            score=row.outcome.components.get(component.code),
        )
        for row, result in to_create
        if row.outcome.status == Status.RESULT
        for position, component in enumerate(row.scheme.components)
    ]
    for chunk in _chunks(scores):
        ComponentScore.objects.bulk_create(chunk)
    report.created = [(row.line, result) for row, result in to_create]
    return report


def _candidates(rows: list[ParsedRow], errors: list[RowError]) -> dict[str, Candidate]:
    firsts: dict[str, ParsedRow] = {}
    for row in rows:
        firsts.setdefault(row.candidate_number, row)
    found: dict[str, Candidate] = {}
    for chunk in _chunks(list(firsts)):
        for on_record in Candidate.objects.filter(candidate_number__in=chunk):
            found[on_record.candidate_number] = on_record
    new: list[Candidate] = []
    for number, row in firsts.items():
        candidate = found.get(number)
        if candidate is None:
            candidate = Candidate(
                candidate_number=number,
                secret_hash=secret_number_hash(number, row.secret_number),
                first_name=row.first_name,
                last_name=row.last_name,
                sort_name=candidate_sort_name(row.first_name, row.last_name),
                date_of_birth=row.date_of_birth,
                email=row.email,
            )
            new.append(candidate)
            found[number] = candidate
            continue
        if candidate.secret_hash != secret_number_hash(number, row.secret_number):
            errors.append(
                RowError(row.line, "secret_number", "does not match the Secret Number on record for this candidate")
            )
        for column, attribute in _RECORDED_FIELDS:
            if getattr(candidate, attribute) != getattr(row, attribute):
                errors.append(
                    RowError(row.line, column, "differs from the candidate on record; correct it in the back office")
                )
    if errors:
        raise ImportRejected(errors)
    for chunk in _chunks(new):
        Candidate.objects.bulk_create(chunk)
    for chunk in _chunks(name_tokens_for(new)):
        CandidateNameToken.objects.bulk_create(chunk)
    return found


def _centres(rows: list[ParsedRow], errors: list[RowError]) -> dict[str, Centre]:
    firsts: dict[str, ParsedRow] = {}
    for row in rows:
        first = firsts.setdefault(row.centre_number, row)
        if (first.centre_name, first.place_of_entry, first.country) != (
            row.centre_name,
            row.place_of_entry,
            row.country,
        ):
            errors.append(
                RowError(
                    row.line, "centre_name", f"centre {row.centre_number} is described differently on line {first.line}"
                )
            )
    found = {centre.number: centre for centre in Centre.objects.filter(number__in=list(firsts))}
    new = []
    for number, row in firsts.items():
        centre = found.get(number)
        if centre is None:
            centre = Centre(
                number=number,
                name=row.centre_name,
                name_folded=fold(row.centre_name),
                city=row.place_of_entry,
                city_folded=fold(row.place_of_entry),
                country=row.country,
            )
            new.append(centre)
            found[number] = centre
        elif (centre.name, centre.city, centre.country) != (row.centre_name, row.place_of_entry, row.country):
            errors.append(
                RowError(
                    row.line,
                    "centre_name",
                    f"centre {number} is on record as {centre.name}, {centre.city}, {centre.country}",
                )
            )
    if errors:
        raise ImportRejected(errors)
    Centre.objects.bulk_create(new)
    return found


def _existing_results(
    rows: list[ParsedRow], candidates: dict[str, Candidate]
) -> dict[tuple[int, int, dt.date], Result]:
    ids = sorted({candidates[row.candidate_number].pk for row in rows})
    existing: dict[tuple[int, int, dt.date], Result] = {}
    for chunk in _chunks(ids):
        for result in (
            Result.objects.filter(candidate_id__in=chunk).select_related("centre").prefetch_related("components")
        ):
            existing[(result.candidate_id, result.exam_id, result.exam_date)] = result
    return existing


def _taken_references(rows: list[ParsedRow]) -> dict[str, int]:
    """Reference numbers in the file mapped to their line, or to 0 when another result has it."""
    wanted = {row.reference_number: row.line for row in rows if row.reference_number}
    for chunk in _chunks(list(wanted)):
        for ern in Result.objects.filter(ern__in=chunk).values_list("ern", flat=True):
            wanted[ern] = 0
    return wanted


def _differences(result: Result, row: ParsedRow) -> list[tuple[str, str]]:
    """What the row would change in the result on record, as (column, "was ..., the file says ...")."""
    outcome = row.outcome
    changes = []
    if result.centre.number != row.centre_number:
        changes.append(("centre_number", f"was {result.centre.number}, the file says {row.centre_number}"))
    if result.status != outcome.status:
        before, after = Result.Status(result.status).label, Result.Status(outcome.status).label
        changes.append(("", f"was {before!r}, the file gives {after!r}"))
    elif outcome.status == Status.RESULT:
        scores = {component.code: component.score for component in result.components.all()}
        for code, score in outcome.components.items():
            if scores.get(code) != score:
                changes.append((code, f"was {scores.get(code)}, the file says {score}"))
        if not changes and result.overall_score != outcome.overall:
            changes.append(("", f"overall score was {result.overall_score}, the file gives {outcome.overall}"))
    return changes


def _new_result(row: ParsedRow, candidate: Candidate, centre: Centre) -> Result:
    outcome = row.outcome
    return Result(
        candidate=candidate,
        exam=row.exam,
        centre=centre,
        exam_date=row.exam_date,
        ern=row.reference_number,
        status=outcome.status,
        overall_score=outcome.overall,
        grade=outcome.grade or "",
        cefr=outcome.cefr or "",
        result_label=outcome.label,
    )


def _assign_references(results: list[Result], taken: dict[str, int]) -> None:
    """Generate an ERN for each result without one; regenerate on the (negligible) collision."""
    missing = [result for result in results if not result.ern]
    used = set(taken)
    while missing:
        proposals = [(ern_codec.generate(), result) for result in missing]
        clashes = set(used)
        for chunk in _chunks([ern for ern, _ in proposals]):
            clashes.update(Result.objects.filter(ern__in=chunk).values_list("ern", flat=True))
        missing = []
        for ern, result in proposals:
            if ern in clashes:
                missing.append(result)
            else:
                result.ern = ern
                clashes.add(ern)
                used.add(ern)
