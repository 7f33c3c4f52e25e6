"""Exporters plug in through this registry: ``identifier``, ``verbose_name``, ``render(..., out, progress)``.

The registry drives every format choice (decision 0021): the Download Options of the results
table, the API's download formats and Download History's labels take every exporter; bulk
verification answers in the data exporters that allow it (``bulk_answers``); the audit and
activity exports in those that can be sent while written (``streams``). A format registered
once (``register``) appears wherever it applies, in the registry's order.

Every exporter streams: it takes an iterator and writes to a binary file object, calling
``progress(done)`` as it goes, so 100,000 rows never sit in memory at once. Data files (CSV,
XLSX) take plain rows of cells (``rows.data_table``: built from SQL, neutralised there); the
Statement of Results takes model instances (``selectors.results_in_order``).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar

import xlsxwriter
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rvs.results.models import Result

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Progress = Callable[[int], None]
PhotoRule = Callable[[Result], bool]


def _no_photo(result: Result) -> bool:
    return False


TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (ASVS 1.2.10).

    Numbers stay numbers. A tab prefix is not enough: tab is itself a trigger character.
    """
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


@dataclass
class Table:
    """A data file's header (column labels) and its rows of cells, in the template's order.

    ``rows`` are typed cells (numbers, text, None); ``csv_lines()``, when not None, gives the same
    rows as the lines ``csv.writer`` writes for them (without the CRLF), from cells the database
    made text: only one of the two is read, and nothing is queried until it is. Other tables (a
    bulk verification's answer, the audit log) name their XLSX sheet (``sheet``) and may keep its
    header plain (``styled``: bold, sized and frozen), as those files always were.

    Made by ``rows.data_table`` for results (which imports this module, never the other way round).
    """

    keys: list[str]
    header: list[str]
    rows: Iterator[Sequence[Any]]
    csv_lines: Callable[[], Iterator[str]] | None = None
    sheet: str = "Results"
    styled: bool = True


def _no_progress(done: int) -> None:
    pass


class Exporter:
    identifier: ClassVar[str]
    verbose_name: ClassVar[StrOrPromise]  # the Download Options label, "Data File (CSV)"
    label: ClassVar[str]  # the format's short name, "CSV": bulk answers, exports, Download History
    extension: ClassVar[str]
    content_type: ClassVar[str]
    uses_template: ClassVar[bool] = True
    file_stem: ClassVar[str] = "results"  # the download's file name begins with it


class DataExporter(Exporter):
    """A data file: writes a ``Table`` (header and rows of cells, already neutralised).

    Any table, not only results: bulk verification answers and the audit export are tables too.
    """

    # Offered for bulk verification answers (kept in Download History like any download).
    bulk_answers: ClassVar[bool] = True
    # Can be sent while it is written (``stream``): offered for the audit and activity exports,
    # which stream up to 200,000 entries instead of making a file first.
    streams: ClassVar[bool] = False

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        """Write ``table`` to ``out``; return how many rows were written."""
        raise NotImplementedError

    def stream(self, table: Table) -> Iterator[bytes]:
        """The file in pieces, as they are written; only for exporters that declare ``streams``."""
        raise NotImplementedError


class CsvExporter(DataExporter):
    identifier = "csv"
    verbose_name = _("Data File (CSV)")
    label = "CSV"
    extension = "csv"
    content_type = "text/csv; charset=utf-8"
    streams = True

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        """UTF-8 with a BOM, what ``csv.writer`` writes (minimal quoting, CRLF), 1,000 rows a write."""
        counted = [0]
        for block in self._blocks(table, counted, progress):
            out.write(block)
        progress(counted[0])
        return counted[0]

    def stream(self, table: Table) -> Iterator[bytes]:
        return self._blocks(table, [0], _no_progress)

    @staticmethod
    def _blocks(table: Table, counted: list[int], progress: Progress) -> Iterator[bytes]:
        """The header with the BOM, then 1,000 rows a piece; ``counted[0]`` says how many so far.

        The lines come ready from ``table.csv_lines()`` (``rows.data_table``); a table without them
        (requirement columns, bulk answers, the audit log) goes through ``csv.writer`` here.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # None is written as an empty field
        writer.writerow(table.header)
        yield codecs.BOM_UTF8 + buffer.getvalue().encode()
        if table.csv_lines is None:
            while batch := list(itertools.islice(table.rows, 1000)):
                buffer.seek(0)
                buffer.truncate()
                writer.writerows(batch)
                counted[0] += len(batch)
                yield buffer.getvalue().encode()
                progress(counted[0])
        else:
            lines = table.csv_lines()
            while block := list(itertools.islice(lines, 1000)):
                counted[0] += len(block)
                block.append("")
                yield "\r\n".join(block).encode()
                progress(counted[0])


class XlsxExporter(DataExporter):
    identifier = "xlsx"
    verbose_name = _("Data File (XLSX)")
    label = "XLSX"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        # constant_memory flushes each row to disk; strings_to_formulas off so "=..." stays text.
        workbook = xlsxwriter.Workbook(
            out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False}
        )
        sheet = workbook.add_worksheet(table.sheet)
        bold = workbook.add_format({"bold": True}) if table.styled else None
        for column, label in enumerate(table.header):
            sheet.write_string(0, column, label, bold)
            if table.styled:
                sheet.set_column(column, column, max(12, len(label) + 2))
        write_string, write_number = sheet.write_string, sheet.write_number
        count = 0
        for count, row in enumerate(table.rows, start=1):
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    write_string(count, column, value)
                else:
                    write_number(count, column, value)
            if count % 500 == 0:
                progress(count)
        if table.styled:
            sheet.freeze_panes(1, 0)
        workbook.close()
        progress(count)
        return count


class StatementPdfExporter(Exporter):
    """Signed Statements of Results: draws model instances (``selectors.results_in_order``)."""

    identifier = "pdf"
    verbose_name = _("Statement of Results (PDF)")
    label = "PDF"
    extension = "pdf"
    content_type = "application/pdf"
    uses_template = False
    file_stem = "statements-of-results"

    def render(
        self, rows: Iterable[Result], out: BinaryIO, *, progress: Progress, photo_for: PhotoRule = _no_photo
    ) -> int:
        """Write one signed page per result; ``photo_for`` says whose photo may appear."""
        from rvs.downloads.pdf import render_signed_statements

        return render_signed_statements(rows, out, progress=progress, photo_for=photo_for)


# In the order every choice offers them: the Download Options select, bulk answers, exports.
EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    """Add a format; it is offered wherever its kind and capabilities fit, after those before it."""
    if exporter.identifier in EXPORTERS:
        raise ValueError(f"An exporter named {exporter.identifier!r} is already registered.")
    EXPORTERS[exporter.identifier] = exporter
    return exporter


for _exporter in (StatementPdfExporter(), XlsxExporter(), CsvExporter()):
    register(_exporter)


def data_exporters() -> list[DataExporter]:
    """The data-file formats (a template chooses their columns)."""
    return [exporter for exporter in EXPORTERS.values() if isinstance(exporter, DataExporter)]


def bulk_exporters() -> list[DataExporter]:
    """The formats a bulk verification may answer in."""
    return [exporter for exporter in data_exporters() if exporter.bulk_answers]


def streaming_exporters() -> list[DataExporter]:
    """The formats the audit and activity exports offer: sent while written."""
    return [exporter for exporter in data_exporters() if exporter.streams]


# The short names as a form shows them, in the page's language (the files and the PDF write ``label``).
# Translators: names of file formats; keep them as they are unless your language writes them otherwise
SHORT_NAMES = (gettext_noop("CSV"), gettext_noop("XLSX"), gettext_noop("PDF"))


def choices(exporters: Iterable[Exporter], *, short: bool = False) -> list[tuple[str, StrOrPromise]]:
    """``(identifier, label)`` pairs for a form: the long name, or the short one (``short``, SHORT_NAMES)."""
    return [(e.identifier, _(e.label) if short else e.verbose_name) for e in exporters]


def labels(exporters: Iterable[Exporter], *, last: str = ", ") -> str:
    """The short names as a phrase: "XLSX, CSV", or with ``last=" or "``, "XLSX or CSV"."""
    names = [exporter.label for exporter in exporters]
    return last.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
