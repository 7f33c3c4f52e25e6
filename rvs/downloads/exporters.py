"""Exporters plug in through this registry: ``identifier``, ``verbose_name``, ``render(rows, out, ...)``.

Every exporter streams: it takes an iterator of results and writes to a binary file object,
calling ``progress(done)`` as it goes, so 100,000 rows never sit in memory at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, ClassVar

import xlsxwriter

from rvs.downloads.fields import FIELDS
from rvs.results.models import Result

Progress = Callable[[int], None]
PhotoRule = Callable[[Result], bool]


def _no_photo(result: Result) -> bool:
    return False


_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (ASVS 1.2.10).

    Numbers stay numbers. A tab prefix is not enough: tab is itself a trigger character.
    """
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


class Exporter:
    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]
    uses_template: ClassVar[bool] = True

    def render(
        self,
        rows: Iterable[Result],
        out: BinaryIO,
        *,
        fields: list[str],
        progress: Progress,
        photo_for: PhotoRule = _no_photo,
    ) -> int:
        """Write ``rows`` to ``out``; return how many were written. ``photo_for`` says whose photo may appear."""
        raise NotImplementedError


class CsvExporter(Exporter):
    identifier = "csv"
    verbose_name = "Data File (CSV)"
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def render(
        self,
        rows: Iterable[Result],
        out: BinaryIO,
        *,
        fields: list[str],
        progress: Progress,
        photo_for: PhotoRule = _no_photo,
    ) -> int:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow([FIELDS[key].label for key in fields])
        count = 0
        getters = [FIELDS[key].value for key in fields]
        for count, result in enumerate(rows, start=1):
            writer.writerow(["" if (value := get(result)) is None else neutralise(value) for get in getters])
            if count % 500 == 0:
                progress(count)
        text.flush()
        text.detach()  # leave ``out`` open for the caller
        progress(count)
        return count


class XlsxExporter(Exporter):
    identifier = "xlsx"
    verbose_name = "Data File (XLSX)"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def render(
        self,
        rows: Iterable[Result],
        out: BinaryIO,
        *,
        fields: list[str],
        progress: Progress,
        photo_for: PhotoRule = _no_photo,
    ) -> int:
        # constant_memory flushes each row to disk; strings_to_formulas off so "=..." stays text.
        workbook = xlsxwriter.Workbook(
            out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": False}
        )
        sheet = workbook.add_worksheet("Results")
        bold = workbook.add_format({"bold": True})
        for column, key in enumerate(fields):
            sheet.write_string(0, column, FIELDS[key].label, bold)
            sheet.set_column(column, column, max(12, len(FIELDS[key].label) + 2))
        getters = [FIELDS[key].value for key in fields]
        count = 0
        for count, result in enumerate(rows, start=1):
            for column, get in enumerate(getters):
                value = get(result)
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(count, column, neutralise(value))
                else:
                    sheet.write_number(count, column, value)
            if count % 500 == 0:
                progress(count)
        sheet.freeze_panes(1, 0)
        workbook.close()
        progress(count)
        return count


class StatementPdfExporter(Exporter):
    identifier = "pdf"
    verbose_name = "Statement of Results (PDF)"
    extension = "pdf"
    content_type = "application/pdf"
    uses_template = False

    def render(
        self,
        rows: Iterable[Result],
        out: BinaryIO,
        *,
        fields: list[str],
        progress: Progress,
        photo_for: PhotoRule = _no_photo,
    ) -> int:
        from rvs.downloads.pdf import render_signed_statements

        return render_signed_statements(rows, out, progress=progress, photo_for=photo_for)


EXPORTERS: dict[str, Exporter] = {
    exporter.identifier: exporter for exporter in (StatementPdfExporter(), XlsxExporter(), CsvExporter())
}
