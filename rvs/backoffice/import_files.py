"""The files of a results import: the limits they are held to, an XLSX read as the CSV the importer
reads, and the ZIP of test-day photos (checked, then unpacked into a folder of its own).

Everything here is bounded before it is parsed (decision 0012); ``imports`` runs the workflow
(upload, check, confirm, import as a background job) on top of it.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from rvs.backoffice.models import ImportJob
from rvs.core.uploads import UploadLimits, UploadRefused, check_archive, upload_limits
from rvs.results.importer import RowError

CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx",)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
_ZIP_MAGIC = b"PK\x03\x04"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _limit("IMPORT_MAX_BYTES", 20 * 1024 * 1024)


def max_rows() -> int:
    return _limit("IMPORT_MAX_ROWS", 200_000)


def max_unpacked_bytes() -> int:
    """The most an XLSX may unpack to (its XML is several times the size of the CSV it holds)."""
    return _limit("IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)


def max_unpack_ratio() -> int:
    return _limit("IMPORT_MAX_UNPACK_RATIO", 200)


def max_photos_bytes() -> int:
    return _limit("IMPORT_MAX_PHOTOS_BYTES", 200 * 1024 * 1024)


def max_photos_unpacked_bytes() -> int:
    return _limit("IMPORT_MAX_PHOTOS_UNPACKED_BYTES", 400 * 1024 * 1024)


def import_limits() -> UploadLimits:
    """What a results file may cost (decision 0012): the row limit stops the reading, empty rows included."""
    return upload_limits(
        what="file",
        noun="results",
        verb="imported",
        max_bytes=max_bytes(),
        max_rows=max_rows(),
        max_unpacked_bytes=max_unpacked_bytes(),
        max_unpack_ratio=max_unpack_ratio(),
    )


# --- XLSX -----------------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return str(value)


@dataclass
class Converted:
    """An XLSX as the CSV the importer reads, and where each of its lines came from."""

    data: bytes
    rows: int
    row_starts: list[int]  # the CSV line where sheet row n + 1 starts

    def sheet_row(self, line: int) -> int:
        """The sheet row of CSV line ``line`` (they differ only after cells holding line breaks)."""
        if line <= 0 or not self.row_starts:
            return line
        return bisect.bisect_right(self.row_starts, line)


def xlsx_to_csv(data: bytes) -> Converted:
    """The first sheet of an XLSX file as CSV; ``ValidationError`` when it is not one or is absurd.

    The sheet is streamed within ``import_limits()`` (rvs.core.xlsx): the size a sheet declares is
    ignored, and the reading stops at the row limit, empty rows included.
    """
    from rvs.core.xlsx import xlsx_rows  # imported when needed (it imports openpyxl): most imports are CSV

    try:
        return _sheet_to_csv(xlsx_rows(data, import_limits()))
    except UploadRefused:
        raise
    except Exception:  # a damaged file must get an answer, not a server error
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from None


def _sheet_to_csv(sheet_rows: Iterator[list[Any]]) -> Converted:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    starts: list[int] = []
    line = 1
    width = 0
    rows = 0
    for number, values in enumerate(sheet_rows, start=1):
        cells = [_cell(value) for value in values]
        if number == 1:
            while cells and not cells[-1].strip():
                cells.pop()
            width = len(cells)
        elif len(cells) > width and not any(cell.strip() for cell in cells[width:]):
            del cells[width:]
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        if number > 1 and any(cell.strip() for cell in cells):
            rows += 1
        starts.append(line)
        writer.writerow(cells)
        line += sum(cell.count("\n") for cell in cells) + 1
    return Converted(out.getvalue().encode("utf-8"), rows, starts)


# --- photos ---------------------------------------------------------------------------------------------------


def _photo_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = check_archive(
        archive,
        what="ZIP of photos",
        max_unpacked_bytes=max_photos_unpacked_bytes(),
        max_unpack_ratio=None,
        max_members=max_rows() + 1000,
    )
    problems = []
    for member in members:
        name = member.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or path.is_absolute() or (len(name) > 1 and name[1] == ":"):
            problems.append(_("%(name)s has an absolute path") % {"name": repr(name)})
        elif ".." in path.parts:
            problems.append(_("%(name)s points outside the ZIP (“..”)") % {"name": repr(name)})
        elif member.is_dir():
            continue
        elif path.suffix.lower() not in PHOTO_SUFFIXES:
            problems.append(_("%(name)s is not a JPEG or PNG photo") % {"name": repr(name)})
        if len(problems) >= 20:
            break
    if problems:
        raise ValidationError([_("The ZIP of photos cannot be used:"), *problems])
    return [member for member in members if not member.is_dir()]


def check_photos(handle: IO[bytes]) -> int:
    """The number of photos in a ZIP; ``ValidationError`` when it is not one or holds anything else."""
    try:
        with zipfile.ZipFile(handle) as archive:
            return len(_photo_members(archive))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise ValidationError(_("The photos must be a ZIP file.")) from None


def extract_photos(handle: IO[bytes], target: Path) -> None:
    """Unpack the checked ZIP into ``target``, never writing outside it nor more than it declares."""
    root = target.resolve()
    with zipfile.ZipFile(handle) as archive:
        for member in _photo_members(archive):
            destination = (root / member.filename.replace("\\", "/")).resolve()
            if not destination.is_relative_to(root):  # pragma: no cover - _photo_members refused it
                raise ValidationError(_("%(name)s points outside the ZIP") % {"name": repr(member.filename)})
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)


# --- the uploaded file's format -------------------------------------------------------------------------------


def format_of(name: str, head: bytes) -> str:
    lower = name.lower()
    if lower.endswith(XLSX_SUFFIXES):
        if not head.startswith(_ZIP_MAGIC):
            raise ValidationError({"file": _("This file is named .xlsx but is not an XLSX workbook.")})
        return ImportJob.Format.XLSX
    if lower.endswith(CSV_SUFFIXES):
        if head.startswith(_ZIP_MAGIC):
            raise ValidationError({"file": _("This file is named .csv but is a ZIP or XLSX file; save it as CSV.")})
        return ImportJob.Format.CSV
    raise ValidationError({"file": _("Upload a CSV or XLSX file (the import_results format).")})


def data_lines(data: bytes) -> int:
    """Data lines of a CSV (header excluded): an upper bound of its results, counted without parsing."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1


# --- a job's files and its report --------------------------------------------------------------------------


def pg_text(value: str) -> str:
    """Text as PostgreSQL stores it: a file may hold NUL characters, which no text column takes."""
    return value.replace("\x00", "\ufffd")


def problems(errors: list[RowError], converted: Converted | None = None) -> list[dict[str, Any]]:
    kept = errors[: ImportJob.ERRORS_KEPT]
    return [
        {
            "line": converted.sheet_row(error.line) if converted else error.line,
            "column": pg_text(error.column),
            "column_number": error.column_number,
            "message": pg_text(error.message),
        }
        for error in kept
    ]


def max_csv(job: ImportJob) -> int:
    # The upload limit applies to the uploaded file; an XLSX unpacks to more CSV than it weighs.
    return max_unpacked_bytes() if job.file_format == ImportJob.Format.XLSX else max_bytes()


@contextmanager
def photos_folder(job: ImportJob) -> Iterator[Path | None]:
    """The job's photos unpacked in a temporary folder (None without photos), removed afterwards."""
    if not job.photos:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="rvs-import-photos-"))
    try:
        with job.photos.open("rb") as handle:
            extract_photos(handle, folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def discard_files(job: ImportJob) -> None:
    """Delete the stored upload once it can no longer be imported (done, or it must be corrected).

    The file holds Secret Numbers in the clear, which the service otherwise keeps only as keyed
    hashes; the job keeps its name, size, SHA-256 and report.
    """
    for stored in (job.file, job.photos):
        if stored.name:
            default_storage.delete(stored.name)
    job.file.name, job.photos.name = "", ""
    if job.pk:
        ImportJob.objects.filter(pk=job.pk).update(file="", photos="")
