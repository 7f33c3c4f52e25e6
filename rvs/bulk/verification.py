"""Bulk verification: a whole intake checked at once, one verdict per applicant row.

The organisation's file (CSV or XLSX) holds an Exam Reference Number per row and optionally the
applicant's name and date of birth, plus any columns of its own, which are kept as they are.
Each row gets a verdict: verified, mismatch (naming the field), not found, or withheld /
withdrawn / pending. The answer is a file in the organisation's Download History.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from rvs.bulk.problems import Problems, not_verified
from rvs.core import ern as ern_codec
from rvs.core import names, ratelimit
from rvs.core.actors import ActorLike, actor_key, actor_label, user_of
from rvs.core.audit import log_action
from rvs.core.normalise import tokens
from rvs.core.permissions import Perm, has_perm
from rvs.core.uploads import UploadLimits, UploadRefused, check_csv, check_size, check_width, upload_limits
from rvs.downloads import exporters
from rvs.downloads.exporters import DataExporter, neutralise
from rvs.downloads.models import DownloadJob
from rvs.downloads.rows import Table
from rvs.organisations.models import Organisation
from rvs.results.models import Result
from rvs.sharing import access

ERN_HEADERS = {"ern", "exam reference number", "reference number", "reference_number", "statement of results reference"}
NAME_HEADERS = {"name", "candidate name", "full name", "applicant name"}
SURNAME_HEADERS = {"surname", "last name", "last_name", "family name"}
FIRST_HEADERS = {"first name", "first_name", "given name", "given names", "forename"}
DOB_HEADERS = {"date of birth", "date_of_birth", "dob", "birth date", "birthdate"}
VERDICT_COLUMNS = [
    "Verification",
    "Verification details",
    "Exam",
    "Date of exam",
    "Overall score",
    "CEFR level",
    "Grade",
]


@dataclass
class Sheet:
    header: list[str]
    rows: list[list[str]]
    ern_column: int
    name_columns: list[int] = field(default_factory=list)
    dob_column: int | None = None
    lines: list[int] = field(default_factory=list)  # each row's line in the file (sheet row in XLSX)


@dataclass(frozen=True)
class RowVerdict:
    verdict: str  # verified, mismatch, not found, withheld, withdrawn, pending, invalid
    details: str
    result: Result | None = None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def applicant_file_limits() -> UploadLimits:
    """What an applicants' file may cost (decision 0012): rows, empty ones included, stop the reading."""
    return upload_limits(
        what=gettext_lazy("file"),
        noun=gettext_lazy("applicants"),
        verb=gettext_lazy("checked"),
        max_bytes=settings.BULK_MAX_BYTES,
        max_rows=settings.BULK_MAX_ROWS,
        max_unpacked_bytes=settings.BULK_MAX_UNPACKED_BYTES,
        max_unpack_ratio=settings.BULK_MAX_UNPACK_RATIO,
    )


def read_sheet(data: bytes, filename: str) -> Sheet:
    """Read the applicants' file; ``ValidationError`` says what is wrong and where."""
    limits = applicant_file_limits()
    check_size(len(data), max_bytes=limits.max_bytes, verb=limits.verb)
    table = _xlsx_rows(data, limits) if filename.lower().endswith(".xlsx") else _csv_rows(data, limits)
    table = [(line, row) for line, row in table if any(cell for cell in row)]
    if not table:
        raise ValidationError(gettext("The file is empty."))
    header, rows, lines = [h.strip() for h in table[0][1]], [row for _, row in table[1:]], [n for n, _ in table[1:]]
    if len(rows) > settings.BULK_MAX_ROWS:  # check_csv counted lines; mixed line ends could hide some
        raise ValidationError(
            gettext("The file has %(rows)s applicants; at most %(most)s at a time.")
            % {"rows": len(rows), "most": settings.BULK_MAX_ROWS}
        )
    if not rows:
        raise ValidationError(gettext("The file has a header but no applicants."))
    lowered = [h.lower() for h in header]
    ern_columns = [i for i, h in enumerate(lowered) if h in ERN_HEADERS]
    if not ern_columns:
        raise ValidationError(
            gettext("Line %(line)s: no column of Exam Reference Numbers. Name it “Exam Reference Number” or “ERN”.")
            % {"line": table[0][0]}
        )
    names = [i for i, h in enumerate(lowered) if h in NAME_HEADERS]
    names = names or [i for i, h in enumerate(lowered) if h in FIRST_HEADERS | SURNAME_HEADERS]
    dobs = [i for i, h in enumerate(lowered) if h in DOB_HEADERS]
    width = len(header)
    padded = [row + [""] * (width - len(row)) if len(row) < width else row[:width] for row in rows]
    return Sheet(header, padded, ern_columns[0], names, dobs[0] if dobs else None, lines)


def _csv_rows(data: bytes, limits: UploadLimits) -> list[tuple[int, list[str]]]:
    """(line where the record starts, its cells) for every record, empty ones too."""
    check_csv(data, limits)  # lines (empty ones too) and their length, before parsing
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            gettext("Line %(line)s is not UTF-8 text: save the file as CSV UTF-8.") % {"line": line}
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    table = []
    start = 1
    try:
        for values in reader:
            check_width(values, reader.line_num, limits)
            table.append((start, [cell.strip() for cell in values]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(
            gettext("Line %(line)s is not readable CSV (%(error)s).") % {"line": reader.line_num, "error": exc}
        ) from None
    return table


def _xlsx_rows(data: bytes, limits: UploadLimits) -> list[tuple[int, list[str]]]:
    """The first sheet, streamed within the limits (rvs.core.xlsx ignores the size a sheet declares)."""
    from rvs.core.xlsx import xlsx_rows  # imported when needed: it imports openpyxl

    try:
        return [(n, [_cell(value) for value in row]) for n, row in enumerate(xlsx_rows(data, limits), start=1)]
    except UploadRefused:
        raise
    except Exception:  # a damaged file must get an answer, not a server error
        raise ValidationError(gettext("This is not a readable XLSX file.")) from None


def _parse_date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _identifies(sheet: Sheet, row: list[str], result: Result) -> bool:
    """The row gives the candidate's surname (within its name) and date of birth, both right."""
    given_name = " ".join(row[i] for i in sheet.name_columns).strip()
    given_dob = row[sheet.dob_column] if sheet.dob_column is not None else ""
    if not given_name or not given_dob or _parse_date(given_dob) != result.candidate.date_of_birth:
        return False
    surname = set(tokens(result.candidate.last_name))
    return bool(surname) and surname <= set(tokens(given_name))


def judge(sheet: Sheet, row: list[str], results: dict[str, Result]) -> RowVerdict:
    raw = row[sheet.ern_column]
    if not raw:
        return RowVerdict("invalid", "no Exam Reference Number on this row")
    try:
        ern = ern_codec.normalise(raw)
    except ern_codec.ErnFormatError as exc:
        return RowVerdict("not found", str(exc))
    result = results.get(ern)
    # After the candidate revoked a share with this organisation (decision 0014), a row without
    # the right surname and date of birth reads as an unknown number: not even its status shows.
    if result is None or (getattr(result, "revoked_here", False) and not _identifies(sheet, row, result)):
        return RowVerdict("not found", "no result has this Exam Reference Number")
    if result.status in (Result.Status.WITHDRAWN, Result.Status.WITHHELD, Result.Status.PENDING):
        return RowVerdict(result.status, result.get_status_display(), result)
    problems = []
    notes = []
    given_name = " ".join(row[i] for i in sheet.name_columns).strip()
    if given_name:
        given, held = set(tokens(given_name)), set(tokens(result.candidate.full_name))
        if not given <= held and not held <= given:
            how = names.explain(given_name, result.candidate.first_name, result.candidate.last_name)
            if how is None or how.tier == names.PREFIX:
                problems.append("name")  # never say whose result it is: the ERN alone must not reveal a name
            else:
                notes.append(_name_note(how))
    if sheet.dob_column is not None and row[sheet.dob_column]:
        given_dob = _parse_date(row[sheet.dob_column])
        if given_dob is None:
            problems.append(f"date of birth {row[sheet.dob_column]!r} is not a date (use YYYY-MM-DD)")
        elif given_dob != result.candidate.date_of_birth:
            problems.append("date of birth")
    if problems:
        return RowVerdict("mismatch", "differs: " + "; ".join(problems), result)
    checked = ["name"] if given_name else []
    if sheet.dob_column is not None and row[sheet.dob_column]:
        checked.append("date of birth")
    detail = (
        f"Exam Reference Number{', ' if len(checked) > 1 else ' and '}{' and '.join(checked)} match"
        if checked
        else "Exam Reference Number found"
    )
    return RowVerdict("verified", "; ".join([detail, *notes]), result)


def _name_note(how: names.Match) -> str:
    """Why a differently written name still matches, without spelling out the name held."""
    parts = []
    if how.tier == names.VARIANT:
        parts.append("a spelling or transliteration variant")
    if how.swapped:
        parts.append("given and family names in the other order")
    if how.missing_words:
        parts.append("names left out")
    if not parts:
        parts.append("spacing, hyphens or apostrophes differ")
    return "name written differently: " + ", ".join(parts)


def verify_rows(sheet: Sheet, *, organisation: Organisation) -> list[RowVerdict]:
    """One verdict per row, as ``organisation`` may see it (its revoked shares count, decision 0014)."""
    erns: set[str] = set()
    for row in sheet.rows:
        try:
            erns.add(ern_codec.normalise(row[sheet.ern_column]))
        except ern_codec.ErnFormatError:
            continue
    results: dict[str, Result] = {}
    ordered = sorted(erns)
    for start in range(0, len(ordered), 1000):
        chunk = Result.objects.filter(ern__in=ordered[start : start + 1000]).select_related("candidate", "exam")
        for result in _with_revocations(chunk, organisation):
            results[result.ern] = result
    return [judge(sheet, row, results) for row in sheet.rows]


def _with_revocations(results: QuerySet[Result], organisation: Organisation) -> list[Result]:
    """Each result with ``revoked_here``: a share with ``organisation`` revoked and none active since."""
    found: list[Result] = list(access.with_revocations(results, organisation))
    for result in found:
        result.revoked_here = access.revoked_here(result)  # type: ignore[attr-defined]
    return found


def _output_rows(sheet: Sheet, verdicts: Sequence[RowVerdict]) -> list[list[Any]]:
    out: list[list[Any]] = [sheet.header + VERDICT_COLUMNS]
    for row, verdict in zip(sheet.rows, verdicts, strict=True):
        result = verdict.result if verdict.verdict in ("verified", "mismatch") else None
        extra: list[Any] = [verdict.verdict, verdict.details]
        if result is not None:
            scores = result.shows_scores
            extra += [result.exam.name, result.exam_date.isoformat()]
            extra += [
                result.overall_score if scores else "",
                result.cefr if scores else "",
                result.grade if scores else "",
            ]
        else:
            extra += [""] * 5
        out.append(row + extra)
    return out


def _answer_cell(value: Any) -> Any:
    """Numbers stay numbers and an empty cell stays empty; anything else is text, neutralised."""
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return neutralise(str(value))


def render(sheet: Sheet, verdicts: Sequence[RowVerdict], exporter: DataExporter) -> bytes:
    """The answer file, written by the registered exporter (decision 0021).

    The organisation's own header and cells are neutralised here: a data file's exporter writes
    cells as given. The sheet keeps its name and plain header, as the answer always had.
    """
    header, *body = _output_rows(sheet, verdicts)
    table = Table(
        keys=header,
        header=[neutralise(str(label)) for label in header],
        rows=iter([[_answer_cell(value) for value in row] for row in body]),
        sheet="Verification",
        styled=False,
    )
    buffer = io.BytesIO()
    exporter.render(table, buffer, progress=lambda done: None)
    return buffer.getvalue()


def answer_exporter(fmt: str) -> DataExporter:
    """The exporter a bulk verification may answer in, by identifier; a clear error otherwise."""
    offered = exporters.bulk_exporters()
    for exporter in offered:
        if exporter.identifier == fmt:
            return exporter
    raise ValidationError(
        {"format": gettext("Choose %(formats)s.") % {"formats": exporters.labels(offered, last=gettext(" or "))}}
    )


def bulk_limits_hit(*, actor: ActorLike, organisation: Organisation, rows: int) -> None:
    """One bulk verification: limited per user (or key), per organisation and per address; rows per day.

    Every row is an ERN look-up: the organisation's daily budget of bulk rows bounds guessing.
    """
    ratelimit.hit_all(
        {"bulk_user": actor_key(actor), "bulk_org": str(organisation.pk), "bulk_ip": ratelimit.client_address()}
    )
    ratelimit.hit("bulk_rows_org", str(organisation.pk), rows)


@dataclass(frozen=True)
class BulkOutcome:
    job: DownloadJob  # in Download History, with the answer file
    counts: dict[str, int]  # verdict -> rows
    problems: Problems  # the rows that did not verify, and why (the first PROBLEMS_SHOWN)


def bulk_verify(*, actor: ActorLike, organisation: Organisation, data: bytes, filename: str, fmt: str) -> BulkOutcome:
    """Verify every row, store the answer file in Download History, audit it; the job, counts and problems.

    Reading, checking and rendering run outside any transaction: on SQLite a transaction holds the
    database's one write lock, and a big file parsed inside one kept every other organisation from
    saving (issue 15). Only the Download History row, its file and the audit entry are written, in
    one short transaction (``_bulk_record``).
    """
    if not has_perm(actor, organisation, Perm.ERN_LOOKUP):
        raise PermissionDenied
    exporter = answer_exporter(fmt)
    sheet = read_sheet(data, filename)
    bulk_limits_hit(actor=actor, organisation=organisation, rows=len(sheet.rows))
    # The answer file is an English document (issue 18): its verdicts and details are written in English.
    with translation.override(settings.LANGUAGE_CODE):
        verdicts = verify_rows(sheet, organisation=organisation)
        content = render(sheet, verdicts, exporter)
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    job = _bulk_record(
        actor=actor, organisation=organisation, fmt=fmt, filename=filename, rows=len(sheet.rows), counts=counts,
        result_ids=[v.result.pk for v in verdicts if v.result is not None], content=content,
    )  # fmt: skip
    problems = not_verified(sheet.lines, [row[sheet.ern_column] for row in sheet.rows], verdicts)
    return BulkOutcome(job, counts, problems)


@transaction.atomic
def _bulk_record(
    *, actor: ActorLike, organisation: Organisation, fmt: str, filename: str, rows: int, counts: dict[str, int],
    result_ids: list[int], content: bytes,
) -> DownloadJob:  # fmt: skip
    """The write half of a bulk verification: the history row, its answer file and the audit entry."""
    job = DownloadJob.objects.create(
        kind=DownloadJob.Kind.BULK_VERIFICATION, organisation=organisation, requested_by=user_of(actor),
        requested_label=actor_label(actor)[:200], exporter=fmt, template_name="Bulk verification",
        result_ids=result_ids, requested=rows, included=counts.get("verified", 0),
        status=DownloadJob.Status.DONE, progress=100, finished_at=timezone.now(),
    )  # fmt: skip
    job.file.save(
        f"verification-{job.created_at:%Y-%m-%d}-{str(job.public_id)[:8]}.{exporters.EXPORTERS[fmt].extension}",
        ContentFile(content),
        save=True,
    )
    log_action(
        "bulk.verified", actor=actor, organisation=organisation, obj=job,
        data={"rows": rows, "counts": counts, "file": filename[-80:]},
    )  # fmt: skip
    return job
