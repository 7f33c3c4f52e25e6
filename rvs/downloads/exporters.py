"""Exporters plug in through this registry: ``identifier``, ``verbose_name``, ``render(..., out, progress)``.

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
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar

import xlsxwriter

from rvs.results.models import Result

if TYPE_CHECKING:
    from rvs.downloads.rows import Table

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


class Exporter:
    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]
    uses_template: ClassVar[bool] = True


class DataExporter(Exporter):
    """A data file: writes a ``rows.Table`` (header and rows of cells, already neutralised)."""

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        """Write ``table`` to ``out``; return how many rows were written."""
        raise NotImplementedError


class CsvExporter(DataExporter):
    identifier = "csv"
    verbose_name = "Data File (CSV)"
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        """UTF-8 with a BOM, what ``csv.writer`` writes (minimal quoting, CRLF), 1,000 rows a write.

        The lines come ready from ``table.csv_lines()`` (``rows.data_table``); a table without them
        (requirement columns) goes through ``csv.writer`` here.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer)  # None is written as an empty field
        writer.writerow(table.header)
        out.write(codecs.BOM_UTF8 + buffer.getvalue().encode())
        count = 0
        if table.csv_lines is None:
            while batch := list(itertools.islice(table.rows, 1000)):
                buffer.seek(0)
                buffer.truncate()
                writer.writerows(batch)
                out.write(buffer.getvalue().encode())
                count += len(batch)
                progress(count)
        else:
            lines = table.csv_lines()
            while block := list(itertools.islice(lines, 1000)):
                count += len(block)
                block.append("")
                out.write("\r\n".join(block).encode())
                progress(count)
        progress(count)
        return count


class XlsxExporter(DataExporter):
    identifier = "xlsx"
    verbose_name = "Data File (XLSX)"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def render(self, table: Table, out: BinaryIO, *, progress: Progress) -> int:
        # constant_memory flushes each row to disk; strings_to_formulas off so "=..." stays text.
        workbook = xlsxwriter.Workbook(
            out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False}
        )
        sheet = workbook.add_worksheet("Results")
        bold = workbook.add_format({"bold": True})
        for column, label in enumerate(table.header):
            sheet.write_string(0, column, label, bold)
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
        sheet.freeze_panes(1, 0)
        workbook.close()
        progress(count)
        return count


class StatementPdfExporter(Exporter):
    """Signed Statements of Results: draws model instances (``selectors.results_in_order``)."""

    identifier = "pdf"
    verbose_name = "Statement of Results (PDF)"
    extension = "pdf"
    content_type = "application/pdf"
    uses_template = False

    def render(
        self, rows: Iterable[Result], out: BinaryIO, *, progress: Progress, photo_for: PhotoRule = _no_photo
    ) -> int:
        """Write one signed page per result; ``photo_for`` says whose photo may appear."""
        from rvs.downloads.pdf import render_signed_statements

        return render_signed_statements(rows, out, progress=progress, photo_for=photo_for)


EXPORTERS: dict[str, Exporter] = {
    exporter.identifier: exporter for exporter in (StatementPdfExporter(), XlsxExporter(), CsvExporter())
}
